"""conformance.negative: error cases over raw HTTP, every byte under our control.

Each case asserts the exact S3 error code, the HTTP status, an XML <Error> body carrying a
<RequestId> equal to the x-amz-request-id header, the x-amz-id-2 header, and that nothing
changed in the bucket. Requests are signed by xs3harness.sign_v4 (cross-checked against
botocore's S3SigV4Auth in test_00_signer_matches_botocore).
"""

import hashlib
import os
import sys
import time
import urllib.parse

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import xs3harness as h  # noqa: E402
from xs3harness import key_path  # noqa: E402

B = "neg"
OBJ = "obj"
OBJ_BODY = b"negative test body"
BOB = {"name": "bob", "access_key": "BOBKEY", "secret_key": "BOBSECRET"}
CAROL = {"name": "carol", "access_key": "CAROLKEY", "secret_key": "CAROLSECRET"}


def root_tag(body: bytes):
    """Name of the first XML element in body (without parsing the rest), or None."""
    import re
    m = re.search(rb"<([A-Za-z][\w.-]*)[\s>/]", body.split(b"?>", 1)[-1])
    return m.group(1).decode() if m else None


class Assertions:
    def assertError(self, r, status, code, head=False):
        self.assertEqual(r.status, status, f"expected {status} {code}, got {r.status}: {r.body[:600]!r}")
        self.assertHeaders(r)
        if head:
            self.assertEqual(r.body, b"", "HEAD error responses have no body")
            return
        self.assertTrue(r.body, "error response has an XML body")
        root = r.xml()
        self.assertEqual(root.tag, "Error", r.body[:300])
        self.assertEqual(root.findtext("Code"), code, r.body[:600])
        self.assertTrue(root.findtext("Message"), "Message present")
        rid = root.findtext("RequestId")
        self.assertTrue(rid, f"<RequestId> in the body: {r.body[:300]!r}")
        self.assertEqual(rid, r.header("x-amz-request-id"), "body RequestId == x-amz-request-id header")
        ctype = r.header("Content-Type") or ""
        self.assertTrue(ctype.startswith("application/xml"), f"Content-Type {ctype}")

    def assertHeaders(self, r):
        self.assertTrue(r.header("x-amz-request-id"), f"x-amz-request-id missing: {r.headers}")
        self.assertTrue(r.header("x-amz-id-2"), f"x-amz-id-2 missing: {r.headers}")


class NegativeSuite(h.ServerTestCase, Assertions):
    server_kwargs = {"config": {"users": [BOB, CAROL]}}

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.bob = h.Client(cls.server, BOB["access_key"], BOB["secret_key"])
        cls.carol = h.Client(cls.server, CAROL["access_key"], CAROL["secret_key"])
        assert cls.raw.create_bucket(B).status == 200
        assert cls.raw.put(B, OBJ, OBJ_BODY).status == 200
        cls.obj_etag = '"' + hashlib.md5(OBJ_BODY).hexdigest() + '"'

    def setUp(self):
        # a failing case may have changed the fixture object: restore it so failures stay local
        if self.raw.get(B, OBJ).body != OBJ_BODY:
            assert self.raw.put(B, OBJ, OBJ_BODY).status == 200
        self.before = self.state()

    def state(self):
        return sorted(self.raw.list_keys(B))

    def assertUnchanged(self):
        self.assertEqual(self.state(), self.before, "bucket contents changed")
        g = self.raw.get(B, OBJ)
        self.assertEqual(g.status, 200)
        self.assertEqual(g.body, OBJ_BODY)

    def assertAbsent(self, key, bucket=B):
        r = self.raw.head(bucket, key)
        self.assertEqual(r.status, 404, f"{key!r} must not exist: {r}")

    # -- sanity --------------------------------------------------------------------------
    def test_00_signer_matches_botocore(self):
        h.check_signer_against_botocore()

    def test_01_xml_namespace(self):
        for r in (self.raw.list_v2(B), self.raw.request("GET", "/")):
            self.assertEqual(r.status, 200, r)
            self.assertIn(b'xmlns="http://s3.amazonaws.com/doc/2006-03-01/"', r.body[:300])

    def test_01_success_responses_carry_request_ids(self):
        for r in (self.raw.get(B, OBJ), self.raw.head(B, OBJ), self.raw.list_v2(B),
                  self.raw.request("GET", "/"), self.raw.request("HEAD", key_path(B))):
            self.assertIn(r.status, (200,), r)
            self.assertHeaders(r)

    # -- authentication ------------------------------------------------------------------
    def test_bad_signature(self):
        def tamper(hdrs):
            a = hdrs["Authorization"]
            hdrs["Authorization"] = a[:-1] + ("0" if a[-1] != "0" else "1")
        r = self.raw.put(B, "sig-bad", b"x", tamper=tamper)
        self.assertError(r, 403, "SignatureDoesNotMatch")
        self.assertAbsent("sig-bad")
        self.assertUnchanged()

    def test_wrong_secret_key(self):
        r = self.raw.put(B, "sig-bad2", b"x", secret_key="not-the-secret")
        self.assertError(r, 403, "SignatureDoesNotMatch")
        self.assertAbsent("sig-bad2")

    def test_signed_header_changed_after_signing(self):
        def tamper(hdrs):
            hdrs["x-amz-meta-a"] = "changed"
        r = self.raw.put(B, "sig-bad3", b"x", headers={"x-amz-meta-a": "orig"}, tamper=tamper)
        self.assertError(r, 403, "SignatureDoesNotMatch")
        self.assertAbsent("sig-bad3")

    def test_unsigned_amz_headers_are_refused(self):
        # S3 requires every x-amz-* header (x-amz-content-sha256 aside) to be signed:
        # 403 AccessDenied "There were headers present in the request which were not signed",
        # <HeadersNotSigned>. Otherwise anyone on the path can add x-amz-copy-source to a signed
        # PUT, or metadata/ACLs to a presigned one.
        def inject(name, value):
            def tamper(hdrs):
                hdrs[name] = value
            return tamper
        for key, name, value in (("unsigned-meta", "x-amz-meta-injected", "evil"),
                                 ("unsigned-copy", "x-amz-copy-source", f"/{B}/{OBJ}")):
            r = self.raw.put(B, key, b"", tamper=inject(name, value))
            self.assertError(r, 403, "AccessDenied")
            self.assertEqual(r.xml().findtext("HeadersNotSigned"), name, r.body)
            self.assertAbsent(key)
        t = h.presign_v4("PUT", self.server.host, key_path(B, "unsigned-presigned"), expires=60)
        r = h.raw_request(self.server.port, "PUT", t, {"Host": self.server.host, "x-amz-meta-x": "unsigned"}, b"zz")
        self.assertError(r, 403, "AccessDenied")
        self.assertAbsent("unsigned-presigned")
        self.assertUnchanged()

    def test_unknown_access_key(self):
        r = self.raw.put(B, "unknown-ak", b"x", access_key="AKIDNOSUCHKEY", secret_key="whatever")
        self.assertError(r, 403, "InvalidAccessKeyId")
        self.assertAbsent("unknown-ak")
        self.assertUnchanged()

    def test_clock_skew_20_minutes(self):
        for offset in (20 * 60, -20 * 60):
            r = self.raw.put(B, "skewed", b"x", amz_date=h.amz_now(offset))
            self.assertError(r, 403, "RequestTimeTooSkewed")
        self.assertAbsent("skewed")
        self.assertUnchanged()

    def test_clock_skew_10_minutes_is_accepted(self):
        r = self.raw.get(B, OBJ, amz_date=h.amz_now(-10 * 60))
        self.assertEqual(r.status, 200, r)

    def test_anonymous_get_object(self):
        r = h.raw_request(self.server.port, "GET", key_path(B, OBJ), {"Host": self.server.host})
        self.assertError(r, 403, "AccessDenied")
        self.assertNotIn(OBJ_BODY, r.body)

    def test_anonymous_put_object(self):
        r = h.raw_request(self.server.port, "PUT", key_path(B, "anon"), {"Host": self.server.host}, b"anon")
        self.assertError(r, 403, "AccessDenied")
        self.assertAbsent("anon")

    def test_wrong_region_in_scope(self):
        r = self.raw.get(B, OBJ, region="eu-west-1")
        self.assertError(r, 400, "AuthorizationHeaderMalformed")
        self.assertEqual(r.xml().findtext("Region"), "us-east-1", r.body)

    def test_other_users_bucket(self):
        r = self.bob.get(B, OBJ)
        self.assertError(r, 403, "AccessDenied")
        self.assertNotIn(OBJ_BODY, r.body)
        r = self.bob.put(B, "from-bob", b"bob was here")
        self.assertError(r, 403, "AccessDenied")
        self.assertAbsent("from-bob")
        r = self.bob.list_v2(B)
        self.assertError(r, 403, "AccessDenied")
        r = self.bob.delete(B, OBJ)
        self.assertError(r, 403, "AccessDenied")
        r = self.bob.request("DELETE", key_path(B))
        self.assertError(r, 403, "AccessDenied")
        # bob's own bucket works for bob, is closed to carol and invisible in her ListBuckets
        self.assertEqual(self.bob.create_bucket("bob-bkt").status, 200)
        self.assertEqual(self.bob.put("bob-bkt", "k", b"bob").status, 200)
        self.assertEqual(self.bob.get("bob-bkt", "k").body, b"bob")
        r = self.carol.get("bob-bkt", "k")
        self.assertError(r, 403, "AccessDenied")
        self.assertNotIn(b"bob", r.body.replace(b"bob-bkt", b""))
        self.assertError(self.carol.put("bob-bkt", "c", b"carol"), 403, "AccessDenied")
        self.assertError(self.carol.list_v2("bob-bkt"), 403, "AccessDenied")
        self.assertError(self.carol.request("HEAD", key_path("bob-bkt")), 403, None, head=True)
        self.assertEqual(self.carol.create_bucket("carol-bkt").status, 200)
        names = [e.findtext("Name") for e in self.carol.request("GET", "/").xml().iter("Bucket")]
        self.assertEqual(names, ["carol-bkt"])
        names = [e.findtext("Name") for e in self.bob.request("GET", "/").xml().iter("Bucket")]
        self.assertEqual(names, ["bob-bkt"])
        # copying root's object into bob's own bucket needs read access to the source
        r = self.bob.put("bob-bkt", "stolen", headers={"x-amz-copy-source": f"/{B}/{OBJ}"})
        self.assertError(r, 403, "AccessDenied")
        self.assertEqual(self.bob.head("bob-bkt", "stolen").status, 404)
        r = self.bob.request("POST", key_path(B), query=[("delete", None)],
                             body=f"<Delete><Object><Key>{OBJ}</Key></Object></Delete>".encode(),
                             headers={"Content-MD5": h.md5_b64(f"<Delete><Object><Key>{OBJ}</Key></Object></Delete>".encode())})
        self.assertError(r, 403, "AccessDenied")
        # README: "the root user (the first) may use all" buckets
        self.assertEqual(self.raw.get("bob-bkt", "k").body, b"bob")
        # bucket names are global: bob cannot create root's bucket
        self.assertError(self.bob.create_bucket(B), 409, "BucketAlreadyExists")
        self.assertUnchanged()

    # -- presigned -----------------------------------------------------------------------
    def test_presigned_ok(self):
        target = h.presign_v4("GET", self.server.host, key_path(B, OBJ), expires=60)
        r = h.raw_request(self.server.port, "GET", target, {"Host": self.server.host})
        self.assertEqual(r.status, 200, r)
        self.assertEqual(r.body, OBJ_BODY)

    def test_presigned_expired(self):
        target = h.presign_v4("GET", self.server.host, key_path(B, OBJ), expires=60,
                              amz_date=h.amz_now(-300))
        r = h.raw_request(self.server.port, "GET", target, {"Host": self.server.host})
        self.assertError(r, 403, "AccessDenied")
        self.assertNotIn(OBJ_BODY, r.body)

    def test_presigned_expires_over_a_week(self):
        target = h.presign_v4("GET", self.server.host, key_path(B, OBJ), expires=604801)
        r = h.raw_request(self.server.port, "GET", target, {"Host": self.server.host})
        self.assertError(r, 400, "AuthorizationQueryParametersError")

    def test_presigned_misuse(self):
        host = {"Host": self.server.host}
        t = h.presign_v4("GET", self.server.host, key_path(B, OBJ), expires=60)
        self.assertError(h.raw_request(self.server.port, "PUT", t, host, b"zz"), 403, "SignatureDoesNotMatch")
        self.assertError(h.raw_request(self.server.port, "GET", t + "&response-content-type=a%2Fb", host), 403,
                         "SignatureDoesNotMatch")
        t = h.presign_v4("GET", self.server.host, key_path(B, OBJ), expires=60, amz_date=h.amz_now(1800))
        r = h.raw_request(self.server.port, "GET", t, host)
        self.assertError(r, 403, "AccessDenied")
        self.assertNotIn(OBJ_BODY, r.body)
        t = h.presign_v4("GET", self.server.host, key_path(B, OBJ), expires=60, region="eu-west-1")
        self.assertError(h.raw_request(self.server.port, "GET", t, host), 400, "AuthorizationQueryParametersError")
        t = h.presign_v4("GET", self.server.host, key_path(B, OBJ), expires=60, access_key="AKIDNOSUCHKEY")
        self.assertError(h.raw_request(self.server.port, "GET", t, host), 403, "InvalidAccessKeyId")
        self.assertUnchanged()

    def test_two_auth_mechanisms(self):
        t = h.presign_v4("GET", self.server.host, key_path(B, OBJ), expires=60)
        s = h.sign_v4("GET", key_path(B, OBJ), [], {"host": self.server.host}, h.EMPTY_SHA256)
        r = h.raw_request(self.server.port, "GET", t, s.headers)
        self.assertError(r, 400, "InvalidArgument")

    def test_anonymous_service_and_bucket_calls(self):
        host = {"Host": self.server.host}
        self.assertError(h.raw_request(self.server.port, "GET", "/", host), 403, "AccessDenied")
        self.assertError(h.raw_request(self.server.port, "GET", key_path(B), host), 403, "AccessDenied")
        self.assertError(h.raw_request(self.server.port, "HEAD", key_path(B), host), 403, None, head=True)
        self.assertError(h.raw_request(self.server.port, "PUT", "/anon-bucket", host), 403, "AccessDenied")
        self.assertError(h.raw_request(self.server.port, "DELETE", key_path(B, OBJ), host), 403, "AccessDenied")
        self.assertUnchanged()

    def test_presigned_put_tampered_key(self):
        target = h.presign_v4("PUT", self.server.host, key_path(B, "pre-a"), expires=60)
        target = target.replace("/pre-a?", "/pre-b?")
        r = h.raw_request(self.server.port, "PUT", target, {"Host": self.server.host}, b"x")
        self.assertError(r, 403, "SignatureDoesNotMatch")
        self.assertAbsent("pre-a")
        self.assertAbsent("pre-b")

    def test_presigned_tampered_query(self):
        # Every X-Amz-* parameter of a presigned URL is part of what was signed (or names the
        # key that signed it): changing one is SignatureDoesNotMatch, dropping a required one is
        # AuthorizationQueryParametersError, pointing at another key InvalidAccessKeyId.
        host = {"Host": self.server.host}
        good = h.presign_v4("PUT", self.server.host, key_path(B, "pre-q"), expires=60)
        path, _, query = good.partition("?")
        params = urllib.parse.parse_qsl(query, keep_blank_values=True)

        def with_params(change=None, drop=None):
            out = []
            for k, v in params:
                if k == drop:
                    continue
                out.append((k, change[1] if change and k == change[0] else v))
            return path + "?" + urllib.parse.urlencode(out, quote_via=urllib.parse.quote, safe="")

        expires_date = dict(params)["X-Amz-Date"]
        later = time.strftime("%Y%m%dT%H%M%SZ", time.gmtime(time.mktime(time.strptime(expires_date, "%Y%m%dT%H%M%SZ"))
                                                          - time.timezone + 30))
        for target, status, code in (
                (with_params(change=("X-Amz-Expires", "604800")), 403, "SignatureDoesNotMatch"),
                (with_params(change=("X-Amz-Date", later)), 403, "SignatureDoesNotMatch"),
                (with_params(change=("X-Amz-SignedHeaders", "host;x-amz-meta-a")), 403, "SignatureDoesNotMatch"),
                (with_params(change=("X-Amz-Signature", "0" * 64)), 403, "SignatureDoesNotMatch"),
                (with_params() + "&x-amz-meta-injected=1", 403, "SignatureDoesNotMatch"),
                (with_params() + "&versionId=abc", 403, "SignatureDoesNotMatch"),
                (with_params(drop="X-Amz-Credential"), 400, "AuthorizationQueryParametersError"),
                (with_params(drop="X-Amz-Date"), 400, "AuthorizationQueryParametersError"),
                (with_params(drop="X-Amz-SignedHeaders"), 400, "AuthorizationQueryParametersError"),
                (with_params(change=("X-Amz-Credential", dict(params)["X-Amz-Credential"].replace(
                    h.ROOT_ACCESS_KEY, "AKIDNOSUCHKEY"))), 403, "InvalidAccessKeyId")):
            r = h.raw_request(self.server.port, "PUT", target, host, b"tampered")
            self.assertError(r, status, code)
        self.assertAbsent("pre-q")
        self.assertEqual(h.raw_request(self.server.port, "PUT", good, host, b"ok").status, 200)
        self.assertEqual(self.raw.delete(B, "pre-q").status, 204)
        self.assertUnchanged()

    # -- missing things ------------------------------------------------------------------
    def test_no_such_bucket(self):
        self.assertError(self.raw.get("no-such-bucket", "k"), 404, "NoSuchBucket")
        self.assertError(self.raw.list_v2("no-such-bucket"), 404, "NoSuchBucket")
        self.assertError(self.raw.put("no-such-bucket", "k", b"x"), 404, "NoSuchBucket")
        self.assertError(self.raw.request("DELETE", key_path("no-such-bucket")), 404, "NoSuchBucket")
        self.assertError(self.raw.request("HEAD", key_path("no-such-bucket")), 404, None, head=True)
        r = self.raw.get("no-such-bucket", "k")
        self.assertEqual(r.xml().findtext("BucketName"), "no-such-bucket")

    def test_no_such_key(self):
        r = self.raw.get(B, "missing/key")
        self.assertError(r, 404, "NoSuchKey")
        self.assertEqual(r.xml().findtext("Key"), "missing/key")
        self.assertError(self.raw.head(B, "missing/key"), 404, None, head=True)

    def test_copy_from_missing_source(self):
        r = self.raw.put(B, "copy-dst", headers={"x-amz-copy-source": f"/{B}/does-not-exist"})
        self.assertError(r, 404, "NoSuchKey")
        self.assertAbsent("copy-dst")
        r = self.raw.put(B, "copy-dst", headers={"x-amz-copy-source": "/no-such-bucket/x"})
        self.assertError(r, 404, "NoSuchBucket")
        self.assertUnchanged()

    # -- reads with conditions -----------------------------------------------------------
    def test_invalid_range(self):
        r = self.raw.get(B, OBJ, headers={"Range": f"bytes={len(OBJ_BODY)}-{len(OBJ_BODY) + 10}"})
        self.assertError(r, 416, "InvalidRange")

    def test_if_match_mismatch(self):
        self.assertError(self.raw.get(B, OBJ, headers={"If-Match": '"0123456789abcdef0123456789abcdef"'}),
                         412, "PreconditionFailed")
        self.assertError(self.raw.head(B, OBJ, headers={"If-Match": '"0123"'}), 412, None, head=True)

    def test_if_unmodified_since_past(self):
        r = self.raw.get(B, OBJ, headers={"If-Unmodified-Since": "Sat, 01 Jan 2000 00:00:00 GMT"})
        self.assertError(r, 412, "PreconditionFailed")

    def test_if_none_match_star_on_existing_put(self):
        r = self.raw.put(B, OBJ, b"overwrite attempt", headers={"If-None-Match": "*"})
        self.assertError(r, 412, "PreconditionFailed")
        self.assertUnchanged()

    def test_if_match_on_put_mismatch(self):
        r = self.raw.put(B, OBJ, b"overwrite attempt", headers={"If-Match": '"00000000000000000000000000000000"'})
        self.assertError(r, 412, "PreconditionFailed")
        r = self.raw.put(B, "if-match-missing", b"x", headers={"If-Match": self.obj_etag})
        self.assertError(r, 404, "NoSuchKey")
        self.assertAbsent("if-match-missing")
        self.assertUnchanged()

    # -- DeleteObjects -------------------------------------------------------------------
    def delete_objects(self, body: bytes):
        return self.raw.request("POST", key_path(B), query=[("delete", None)], body=body,
                                headers={"Content-MD5": h.md5_b64(body), "Content-Type": "application/xml"})

    def test_malformed_delete_objects_xml(self):
        for body in (b"<Delete><Object><Key>obj</Key></Object>",  # not closed
                     b"this is not xml",
                     b"<Delete><Object><Key>obj</Key></Object></Wrong>",
                     b"<Delete></Delete>"):  # no Object at all
            r = self.delete_objects(body)
            self.assertError(r, 400, "MalformedXML")
        self.assertUnchanged()

    def test_delete_objects_control_char_is_malformed_xml(self):
        # U+0001 is not a legal XML 1.0 character, raw or as &#1;: the body is not well-formed.
        # Accepting it also makes the server echo it in <DeleteResult>, which no client can parse.
        for body in (b"<Delete><Object><Key>obj\x01</Key></Object></Delete>",
                     b"<Delete><Object><Key>obj&#1;</Key></Object></Delete>"):
            r = self.delete_objects(body)
            self.assertError(r, 400, "MalformedXML")
        self.assertUnchanged()

    def test_delete_objects_without_integrity_header(self):
        # AWS API reference: "The Content-MD5 or x-amz-sdk-checksum-algorithm header is required
        # for all Multi-Object Delete requests" -> 400 InvalidRequest, nothing deleted.
        body = f"<Delete><Object><Key>{OBJ}</Key></Object></Delete>".encode()
        r = self.raw.request("POST", key_path(B), query=[("delete", None)], body=body)
        self.assertError(r, 400, "InvalidRequest")
        self.assertUnchanged()

    def test_delete_objects_bad_integrity_headers(self):
        body = f"<Delete><Object><Key>{OBJ}</Key></Object></Delete>".encode()
        for hdrs in ({"Content-MD5": h.md5_b64(b"other")},
                     {"x-amz-checksum-crc32": h.crc32_b64(b"other"), "x-amz-sdk-checksum-algorithm": "CRC32"}):
            r = self.raw.request("POST", key_path(B), query=[("delete", None)], body=body, headers=hdrs)
            self.assertError(r, 400, "BadDigest")
        self.assertUnchanged()

    def test_delete_objects_over_1000_keys(self):
        objs = "".join(f"<Object><Key>k{i}</Key></Object>" for i in range(1000))
        body = (f'<Delete xmlns="http://s3.amazonaws.com/doc/2006-03-01/"><Object><Key>{OBJ}</Key></Object>'
                f"{objs}</Delete>").encode()
        r = self.delete_objects(body)
        self.assertError(r, 400, "MalformedXML")
        self.assertUnchanged()

    def test_delete_objects_exactly_1000_keys_is_fine(self):
        objs = "".join(f"<Object><Key>none{i}</Key></Object>" for i in range(1000))
        r = self.delete_objects(f"<Delete><Quiet>true</Quiet>{objs}</Delete>".encode())
        self.assertEqual(r.status, 200, r)
        self.assertUnchanged()

    # -- uploads that must be refused ----------------------------------------------------
    def test_metadata_too_large(self):
        r = self.raw.put(B, "meta-big", b"x", headers={"x-amz-meta-big": "v" * 2100})
        self.assertError(r, 400, "MetadataTooLarge")
        self.assertAbsent("meta-big")
        # several headers that add up to just over 2 KB (2,048 bytes of names + values)
        hdrs = {f"x-amz-meta-m{i}": "v" * 200 for i in range(10)}  # 10 * (2 + 200) = 2,020
        hdrs["x-amz-meta-extra"] = "v" * 40  # + 5 + 40 = 2,065
        r = self.raw.put(B, "meta-big2", b"x", headers=hdrs)
        self.assertError(r, 400, "MetadataTooLarge")
        self.assertAbsent("meta-big2")
        r = self.raw.put(B, "meta-ok", b"x", headers={"x-amz-meta-ok": "v" * 1900})
        self.assertEqual(r.status, 200, r)
        self.assertEqual(self.raw.delete(B, "meta-ok").status, 204)

    def test_content_sha256_mismatch(self):
        r = self.raw.put(B, "sha-bad", b"actual body", payload_hash=hashlib.sha256(b"other body").hexdigest())
        self.assertError(r, 400, "XAmzContentSHA256Mismatch")
        self.assertAbsent("sha-bad")
        self.assertUnchanged()

    def test_bad_content_md5(self):
        r = self.raw.put(B, "md5-bad", b"actual body", headers={"Content-MD5": h.md5_b64(b"other body")})
        self.assertError(r, 400, "BadDigest")
        self.assertAbsent("md5-bad")

    def test_invalid_content_md5(self):
        for v in ("not-base64!!", h.b64(b"too short")):
            r = self.raw.put(B, "md5-invalid", b"actual body", headers={"Content-MD5": v})
            self.assertError(r, 400, "InvalidDigest")
        self.assertAbsent("md5-invalid")

    def test_wrong_checksum_crc32(self):
        r = self.raw.put(B, "crc-bad", b"actual body",
                         headers={"x-amz-checksum-crc32": h.crc32_b64(b"other body"),
                                  "x-amz-sdk-checksum-algorithm": "CRC32"})
        self.assertError(r, 400, "BadDigest")
        self.assertAbsent("crc-bad")
        r = self.raw.put(B, "crc-good", b"actual body", headers={"x-amz-checksum-crc32": h.crc32_b64(b"actual body")})
        self.assertEqual(r.status, 200, r)
        self.assertEqual(r.header("x-amz-checksum-crc32"), h.crc32_b64(b"actual body"))
        self.assertEqual(self.raw.delete(B, "crc-good").status, 204)

    def test_key_too_long(self):
        r = self.raw.put(B, "k" * 1025, b"x")
        self.assertError(r, 400, "KeyTooLongError")
        r = self.raw.put(B, "é" * 513, b"x")  # 1,026 bytes of UTF-8
        self.assertError(r, 400, "KeyTooLongError")
        self.assertUnchanged()

    def test_key_not_valid_utf8_is_invalid_uri(self):
        # S3 keys are UTF-8; AWS answers 400 InvalidURI ("Couldn't parse the specified URI.").
        # Accepting the bytes would put non-UTF-8 into every later listing of the bucket,
        # which no client's XML parser accepts.
        for raw_path in (f"/{B}/bad%FFkey", f"/{B}/overlong%C0%AF", f"/{B}/bad%zzescape"):
            s = h.sign_v4("PUT", raw_path, [], {"host": self.server.host}, hashlib.sha256(b"x").hexdigest())
            r = h.raw_request(self.server.port, "PUT", raw_path, s.headers, b"x")
            self.assertError(r, 400, "InvalidURI")
        r = self.raw.request("GET", key_path(B), query=[("list-type", "2")])
        self.assertEqual(r.status, 200)
        r.body.decode("utf-8")  # the listing stays UTF-8
        self.assertUnchanged()

    def test_metadata_9_kib(self):
        # 9 KiB of user metadata, as one header and as many: AWS's limit is 2 KB (names + values).
        for hdrs in ({"x-amz-meta-big": "v" * 9216},
                     {f"x-amz-meta-m{i:03d}": "v" * 86 for i in range(100)}):  # 100 * 92 = 9,200 bytes
            r = self.raw.put(B, "meta-9k", b"x", headers=hdrs)
            self.assertError(r, 400, "MetadataTooLarge")
        self.assertAbsent("meta-9k")
        self.assertUnchanged()

    def test_encoded_dot_segments_are_ordinary_keys(self):
        # %2F and %2E decode inside the key: "a/../../b" is a key like any other, stored in the
        # bucket it names and nowhere else (S3 never normalises keys).
        outside_before = self.outside_snapshot()
        cases = {f"/{B}/a%2F..%2F..%2Fb": "a/../../b",
                 f"/{B}/%2E%2E%2F%2E%2E%2Fetc%2Fpasswd": "../../etc/passwd",
                 f"/{B}/..%2F": "../",
                 f"/{B}/%2E%2E": ".."}
        for raw_path, key in cases.items():
            body = f"dots {key}".encode()
            s = h.sign_v4("PUT", raw_path, [], {"host": self.server.host}, hashlib.sha256(body).hexdigest())
            r = h.raw_request(self.server.port, "PUT", raw_path, s.headers, body)
            self.assertEqual(r.status, 200, f"{raw_path}: {r}")
            self.assertEqual(self.raw.get(B, key).body, body, raw_path)
        self.assertEqual(self.outside_snapshot(), outside_before, "files appeared outside the data dir")
        # An encoded slash or dots in the bucket segment name no real bucket: an object call
        # there is NoSuchBucket (it never reaches "other" or the parent directory), and
        # CreateBucket refuses the name.
        for raw_path, status, code in ((f"/{B}%2F..%2Fother/k", 404, "NoSuchBucket"),
                                       ("/%2E%2E/k", 404, "NoSuchBucket"),
                                       (f"/{B}%2Fx", 400, "InvalidBucketName")):
            s = h.sign_v4("PUT", raw_path, [], {"host": self.server.host}, hashlib.sha256(b"x").hexdigest())
            r = h.raw_request(self.server.port, "PUT", raw_path, s.headers, b"x")
            self.assertError(r, status, code)
        for key in cases.values():
            self.assertEqual(self.raw.delete(B, key).status, 204, key)
        self.assertUnchanged()

    def test_nul_in_key_is_its_own_key(self):
        # S3 keys may hold U+0000 (it is valid UTF-8). It must not cut the key short: "nul\0x" and
        # "nul" are two objects, and listing with encoding-type=url names it as %00.
        raw_path = f"/{B}/nul%00x"
        s = h.sign_v4("PUT", raw_path, [], {"host": self.server.host}, hashlib.sha256(b"with nul").hexdigest())
        r = h.raw_request(self.server.port, "PUT", raw_path, s.headers, b"with nul")
        self.assertEqual(r.status, 200, r)
        self.assertAbsent("nul")
        self.assertEqual(self.raw.put(B, "nul", b"without").status, 200)
        s = h.sign_v4("GET", raw_path, [], {"host": self.server.host}, h.EMPTY_SHA256)
        self.assertEqual(h.raw_request(self.server.port, "GET", raw_path, s.headers).body, b"with nul")
        self.assertEqual(self.raw.get(B, "nul").body, b"without")
        self.assertIn("nul\x00x", [k for k, _, _ in self.raw.list_keys(B)])
        s = h.sign_v4("DELETE", raw_path, [], {"host": self.server.host}, h.EMPTY_SHA256)
        self.assertEqual(h.raw_request(self.server.port, "DELETE", raw_path, s.headers).status, 204)
        self.assertEqual(self.raw.delete(B, "nul").status, 204)
        self.assertUnchanged()

    # -- buckets -------------------------------------------------------------------------
    def test_invalid_bucket_names(self):
        for name in ("ab", "Upper-Case", "under_score", "-leading-dash", "trailing-dash-", "192.168.1.1",
                     "double..dot", "x" * 64, "xn--prefixed", "bucket-s3alias"):
            r = self.raw.create_bucket(name)
            self.assertError(r, 400, "InvalidBucketName")
            self.assertEqual(self.raw.request("HEAD", key_path(name)).status in (400, 404), True)

    def test_recreate_own_bucket_us_east_1(self):
        # AWS: "in the North Virginia Region, Amazon S3 returns 200 OK" when the owner re-creates.
        r = self.raw.create_bucket(B)
        self.assertEqual(r.status, 200, r)
        self.assertHeaders(r)
        self.assertUnchanged()

    def test_delete_non_empty_bucket(self):
        r = self.raw.request("DELETE", key_path(B))
        self.assertError(r, 409, "BucketNotEmpty")
        self.assertUnchanged()

    # -- unsupported ---------------------------------------------------------------------
    def test_not_implemented(self):
        for method, query, body in (("GET", [("website", None)], b""),
                                    ("PUT", [("replication", None)],
                                     b"<ReplicationConfiguration><Role>r</Role></ReplicationConfiguration>"),
                                    ("GET", [("analytics", None), ("id", "x")], b"")):
            hdrs = {"Content-MD5": h.md5_b64(body)} if body else None
            r = self.raw.request(method, key_path(B), query=query, body=body, headers=hdrs)
            self.assertError(r, 501, "NotImplemented")
        self.assertUnchanged()

    def test_subresources_never_fall_through_to_bucket_or_object_calls(self):
        # Each S3 sub-resource is its own operation. Unsupported ones answer 501 NotImplemented
        # (or implement the real call); none may act as CreateBucket/DeleteBucket/ListObjects,
        # nor PutObject/DeleteObject on the object.
        # Implemented ones refuse the bogus document, answer their own 404, or delete only the
        # configuration; the bucket and the object must survive.
        IMPLEMENTED = {"cors", "tagging", "acl", "ownershipControls", "publicAccessBlock", "lifecycle", "policy",
                       "versioning", "versions", "encryption"}
        subs = ["versioning", "versions", "cors", "policy", "lifecycle", "tagging", "acl", "logging", "notification",
                "encryption", "ownershipControls", "publicAccessBlock", "object-lock", "accelerate",
                "requestPayment", "website", "replication", "intelligent-tiering"]
        wrong = []
        for q in subs:
            for method in ("GET", "PUT", "DELETE"):
                body = b"" if method != "PUT" else b"<Configuration/>"
                hdrs = {"Content-MD5": h.md5_b64(body)} if body else None
                r = self.raw.request(method, key_path(B), query=[(q, None)], body=body, headers=hdrs)
                root = root_tag(r.body)
                if r.status == 501 and root == "Error" and r.error_code() == "NotImplemented":
                    continue
                if method == "GET" and r.status == 200 and root not in ("ListBucketResult", None):
                    continue  # a real implementation of the Get* call
                if q in IMPLEMENTED and self.raw.request("HEAD", key_path(B)).status == 200 and (
                        (method == "GET" and r.status == 404 and root == "Error")  # no such configuration
                        or (method == "PUT" and r.status in (400, 405) and root == "Error")  # refused
                        or (method == "DELETE" and r.status in (204, 405))):
                    continue
                wrong.append(f"{method} ?{q} -> {r.status} {root} {r.error_code()}")
                if self.raw.request("HEAD", key_path(B)).status != 200:
                    wrong.append(f"   ...and bucket {B} is GONE after {method} ?{q}")
                    self.raw.create_bucket(B)
                    self.raw.put(B, OBJ, OBJ_BODY)
        for q in ("acl", "tagging", "retention", "legal-hold", "torrent"):
            for method in ("GET", "PUT", "DELETE"):
                body = b"" if method != "PUT" else b"<Configuration/>"
                hdrs = {"Content-MD5": h.md5_b64(body)} if body else None
                r = self.raw.request(method, key_path(B, OBJ), query=[(q, None)], body=body, headers=hdrs)
                if r.status == 501 and r.error_code() == "NotImplemented":
                    continue
                if method == "GET" and r.status == 200 and r.body != OBJ_BODY:
                    continue
                if q in IMPLEMENTED and self.raw.get(B, OBJ).body == OBJ_BODY and (
                        (method == "PUT" and r.status == 400 and r.error_code())
                        or (method == "DELETE" and r.status in (204, 405))):
                    continue  # a real call that refused <Configuration/>, or removed only the tags
                wrong.append(f"{method} {OBJ}?{q} -> {r.status} {r.error_code()}")
        # on an empty bucket a fall-through DeleteBucket would succeed: the bucket must survive
        self.assertEqual(self.raw.create_bucket("neg-empty").status, 200)
        for q in subs:
            r = self.raw.request("DELETE", key_path("neg-empty"), query=[(q, None)])
            if self.raw.request("HEAD", key_path("neg-empty")).status != 200:
                wrong.append(f"DELETE /neg-empty?{q} -> {r.status}: the bucket was deleted")
                self.raw.create_bucket("neg-empty")
        self.assertEqual(wrong, [], "sub-resource requests handled as something else")
        self.assertUnchanged()

    def test_invalid_continuation_token(self):
        r = self.raw.list_v2(B, continuation_token="@@not-a-token@@")
        self.assertError(r, 400, "InvalidArgument")

    def test_invalid_max_keys(self):
        r = self.raw.list_v2(B, max_keys="-1")
        self.assertError(r, 400, "InvalidArgument")

    # -- path traversal ------------------------------------------------------------------
    def test_path_traversal_keys_are_ordinary_keys(self):
        outside_before = self.outside_snapshot()
        keys = ["../../etc/passwd", "a/../../x", "./x", "a/./b", "..%2f..%2fescape", "a\\..\\..\\win"]
        for k in keys:
            body = f"traversal {k}".encode()
            # the path goes on the wire with '.' and '..' segments literally (S3 does not normalise)
            r = self.raw.put(B, k, body)
            self.assertEqual(r.status, 200, f"{k!r}: {r}")
        for k in keys:
            r = self.raw.get(B, k)
            self.assertEqual(r.status, 200, f"{k!r}: {r}")
            self.assertEqual(r.body, f"traversal {k}".encode(), k)
        listed = [k for k, _, _ in self.raw.list_keys(B)]
        for k in keys:
            self.assertIn(k, listed)
        self.assertEqual(self.outside_snapshot(), outside_before, "files appeared outside the data dir")
        for k in keys:
            self.assertEqual(self.raw.delete(B, k).status, 204, k)
        self.assertUnchanged()

    def outside_snapshot(self):
        # everything in the server's temp base dir except its data dir and the log, plus the
        # directories a traversal could reach from there
        base = self.server.base_dir
        snap = {}
        for entry in sorted(os.listdir(base)):
            if entry in ("data", "xs3d.log"):
                continue
            snap[entry] = h.snapshot_tree(os.path.join(base, entry)) if os.path.isdir(
                os.path.join(base, entry)) else os.stat(os.path.join(base, entry)).st_mtime_ns
        parent = os.path.dirname(base)
        snap["<parent>"] = sorted(n for n in os.listdir(parent) if n in ("etc", "x", "win", "escape"))
        snap["<data-parent>"] = sorted(os.listdir(base))
        return snap


class SignatureEdgeCases(h.ServerTestCase, Assertions):
    """Canonicalisation corners a verifier must get exactly right (all of these are valid)."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        assert cls.raw.create_bucket("sig").status == 200

    def test_folded_spaces_in_signed_header_value(self):
        r = self.raw.put("sig", "spaces", b"x", headers={"x-amz-meta-s": "  a   b  c "})
        self.assertEqual(r.status, 200, r)
        self.assertEqual(self.raw.head("sig", "spaces").status, 200)

    def test_repeated_header_is_joined_with_commas(self):
        path = key_path("sig", "dup")
        body = b"dup"
        hdrs = {"host": self.server.host, "x-amz-meta-dup": "one,two"}
        s = h.sign_v4("PUT", path, [], hdrs, hashlib.sha256(body).hexdigest())
        conn = h.http.client.HTTPConnection("127.0.0.1", self.server.port, timeout=30)
        try:
            conn.putrequest("PUT", path, skip_host=True, skip_accept_encoding=True)
            for k, v in s.headers.items():
                if k == "x-amz-meta-dup":
                    conn.putheader(k, "one")
                    conn.putheader(k, "two")
                else:
                    conn.putheader(k, v)
            conn.putheader("Content-Length", str(len(body)))
            conn.endheaders(body)
            r = conn.getresponse()
            data = r.read()
        finally:
            conn.close()
        self.assertEqual(r.status, 200, data)

    def test_upper_case_header_names_on_the_wire(self):
        path = key_path("sig", "upper")
        body = b"upper"
        s = h.sign_v4("PUT", path, [], {"host": self.server.host, "x-amz-meta-case": "v"},
                      hashlib.sha256(body).hexdigest())
        wire = {k.upper() if k.lower() != "host" else "Host": v for k, v in s.headers.items()}
        r = h.raw_request(self.server.port, "PUT", path, wire, body)
        self.assertEqual(r.status, 200, r)

    def test_query_values_needing_escapes(self):
        keys = ["q a+b=c&d/é/1", "q a+b=c&d/é/2", "q other"]
        for k in keys:
            self.assertEqual(self.raw.put("sig", k, b"q").status, 200)
        r = self.raw.list_v2("sig", prefix="q a+b=c&d/é/", delimiter="/")
        self.assertEqual(r.status, 200, r)
        self.assertEqual([c.findtext("Key") for c in r.xml().iter("Contents")], keys[:2])
        r = self.raw.list_v2("sig", prefix="q ", start_after="q a+b=c&d/é/1")
        self.assertEqual(r.status, 200, r)
        self.assertEqual([c.findtext("Key") for c in r.xml().iter("Contents")], keys[1:])

    def test_unsigned_extra_headers_are_ignored(self):
        def add(hdrs):
            hdrs["User-Agent"] = "conformance/1"
            hdrs["amz-sdk-invocation-id"] = "not-signed"
            hdrs["X-Forwarded-For"] = "10.0.0.1"
        r = self.raw.put("sig", "extra", b"x", tamper=add)
        self.assertEqual(r.status, 200, r)

    def test_sigv4_presigned_with_date_header_and_path_escapes(self):
        self.raw.put("sig", "pre sign/ü+x", b"presigned")
        target = h.presign_v4("GET", self.server.host, key_path("sig", "pre sign/ü+x"), expires=120)
        r = h.raw_request(self.server.port, "GET", target, {"Host": self.server.host,
                                                            "Date": "Mon, 01 Jan 2001 00:00:00 GMT"})
        self.assertEqual(r.status, 200, r)
        self.assertEqual(r.body, b"presigned")


class RegionSuite(h.ServerTestCase, Assertions):
    """A server configured for eu-west-1, where AWS answers BucketAlreadyOwnedByYou."""
    server_kwargs = {"region": "eu-west-1"}

    def test_bucket_already_owned_by_you(self):
        body = (b'<CreateBucketConfiguration xmlns="http://s3.amazonaws.com/doc/2006-03-01/">'
                b"<LocationConstraint>eu-west-1</LocationConstraint></CreateBucketConfiguration>")
        r = self.raw.request("PUT", key_path("eu-bkt"), body=body, region="eu-west-1")
        self.assertEqual(r.status, 200, r)
        loc = self.raw.request("GET", key_path("eu-bkt"), query=[("location", None)], region="eu-west-1")
        self.assertEqual(loc.status, 200, loc)
        self.assertEqual(loc.xml().text, "eu-west-1", loc.body)
        r = self.raw.request("PUT", key_path("eu-bkt"), body=body, region="eu-west-1")
        self.assertError(r, 409, "BucketAlreadyOwnedByYou")
        r = self.raw.request("PUT", key_path("eu-bkt"), region="eu-west-1")
        self.assertError(r, 409, "BucketAlreadyOwnedByYou")

    def test_us_east_1_scope_rejected(self):
        r = self.raw.request("GET", "/", region="us-east-1")
        self.assertError(r, 400, "AuthorizationHeaderMalformed")
        self.assertEqual(r.xml().findtext("Region"), "eu-west-1", r.body)


if __name__ == "__main__":
    h.main()
