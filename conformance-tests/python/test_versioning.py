"""conformance.versioning_debian / conformance.versioning_pyenv: S3 versioning through boto3.

Runs under Debian's python3 (boto3 1.26) and the pyenv python3 (boto3 1.43). Covers the bucket
setting (Enabled, Suspended, never enabled), version ids from every write, reads and deletes by
version id, delete markers, ListObjectVersions and its paging, null versions, copies from a
version, tagging and ACLs of a version, and the errors S3 answers for each. Requests boto3 would
not send (malformed documents, malformed version ids in DeleteObjects) go through the raw signer.
"""

import hashlib
import os
import sys
import time
import urllib.parse

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import xs3harness as h  # noqa: E402

import boto3  # noqa: E402
import botocore  # noqa: E402
from botocore.config import Config  # noqa: E402
from botocore.exceptions import ClientError  # noqa: E402

print(f"python {sys.version.split()[0]} ({sys.executable}), boto3 {boto3.__version__}, "
      f"botocore {botocore.__version__}", flush=True)

# A well-formed id (32 characters of the id alphabet) that names no version.
UNKNOWN_VERSION = "A" * 32
MALFORMED_VERSION = "not-a-version-id"
NO_SUCH_VERSION_MESSAGE = "The specified version does not exist."
INVALID_VERSION_MESSAGE = "Invalid version id specified"


class VersioningSuite(h.ServerTestCase):

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.s3 = boto3.session.Session().client(
            "s3", endpoint_url=cls.server.endpoint, region_name=h.REGION,
            aws_access_key_id=h.ROOT_ACCESS_KEY, aws_secret_access_key=h.ROOT_SECRET_KEY,
            config=Config(s3={"addressing_style": "path"}, retries={"max_attempts": 1}))

    # -- helpers -------------------------------------------------------------------------------
    def assertError(self, ctx, code, status, message=None):
        err = ctx.exception.response
        self.assertEqual((err["ResponseMetadata"]["HTTPStatusCode"], err["Error"]["Code"]), (status, code), err)
        if status != 304 and ctx.exception.operation_name not in ("HeadObject",):
            self.assertTrue(err["ResponseMetadata"].get("RequestId"), err)
        if message is not None:
            self.assertEqual(err["Error"]["Message"], message, err)
        return err

    def versioned_bucket(self, name, status="Enabled"):
        self.s3.create_bucket(Bucket=name)
        self.s3.put_bucket_versioning(Bucket=name, VersioningConfiguration={"Status": status})
        return name

    def versions(self, bucket, **kw):
        """[(key, version id, is latest, 'V' or 'D')] in listing order (keys, then newest first)."""
        r = self.s3.list_object_versions(Bucket=bucket, **kw)
        rows = [(v["Key"], v["VersionId"], v["IsLatest"], "V", v["LastModified"]) for v in r.get("Versions", [])]
        rows += [(d["Key"], d["VersionId"], d["IsLatest"], "D", d["LastModified"]) for d in r.get("DeleteMarkers", [])]
        # boto3 splits Version and DeleteMarker elements; their wire order is by key, newest first.
        order = {}
        for i, row in enumerate(self.raw_versions(bucket, kw)):
            order[row] = i
        rows.sort(key=lambda row: order[(row[0], row[1])])
        return [row[:4] for row in rows]

    def raw_versions(self, bucket, kw):
        names = {"Prefix": "prefix", "Delimiter": "delimiter", "KeyMarker": "key-marker",
                 "VersionIdMarker": "version-id-marker", "MaxKeys": "max-keys"}
        query = [("versions", "")] + [(names[k], str(v)) for k, v in kw.items()]
        r = self.raw.request("GET", "/" + bucket, query=query)
        self.assertEqual(r.status, 200, r)
        return [(el.findtext("Key"), el.findtext("VersionId")) for el in r.xml()
                if el.tag in ("Version", "DeleteMarker")]

    def raw_delete_objects(self, bucket, objects_xml):
        body = ("<Delete>" + objects_xml + "</Delete>").encode()
        return self.raw.request("POST", "/" + bucket, query=[("delete", "")], body=body,
                                headers={"Content-MD5": h.md5_b64(body)})

    # -- the bucket setting --------------------------------------------------------------------
    def test_get_put_bucket_versioning(self):
        self.s3.create_bucket(Bucket="ver-setting")
        r = self.s3.get_bucket_versioning(Bucket="ver-setting")
        self.assertNotIn("Status", r)
        self.assertNotIn("MFADelete", r)
        raw = self.raw.request("GET", "/ver-setting", query=[("versioning", "")])
        self.assertEqual(raw.status, 200, raw)
        self.assertEqual(raw.xml().tag, "VersioningConfiguration")
        self.assertEqual(list(raw.xml()), [])
        # An unversioned bucket's objects carry no version id.
        put = self.s3.put_object(Bucket="ver-setting", Key="k", Body=b"x")
        self.assertNotIn("VersionId", put)
        for kw in ({}, {"VersionId": "null"}):
            self.assertNotIn("x-amz-version-id", self.s3.head_object(Bucket="ver-setting", Key="k", **kw)
                             ["ResponseMetadata"]["HTTPHeaders"])

        r = self.s3.put_bucket_versioning(Bucket="ver-setting", VersioningConfiguration={"Status": "Enabled"})
        self.assertEqual(r["ResponseMetadata"]["HTTPStatusCode"], 200)
        self.assertEqual(self.s3.get_bucket_versioning(Bucket="ver-setting")["Status"], "Enabled")
        self.s3.put_bucket_versioning(Bucket="ver-setting", VersioningConfiguration={"Status": "Suspended"})
        self.assertEqual(self.s3.get_bucket_versioning(Bucket="ver-setting")["Status"], "Suspended")
        self.s3.put_bucket_versioning(Bucket="ver-setting", VersioningConfiguration={"Status": "Enabled",
                                                                                      "MFADelete": "Disabled"})
        self.assertEqual(self.s3.get_bucket_versioning(Bucket="ver-setting")["Status"], "Enabled")

    def test_refused_versioning_configurations_change_nothing(self):
        self.versioned_bucket("ver-refused", "Suspended")
        with self.assertRaises(ClientError) as ctx:
            self.s3.put_bucket_versioning(Bucket="ver-refused", VersioningConfiguration={"Status": "On"})
        self.assertError(ctx, "MalformedXML", 400)
        for body in [b"<VersioningConfiguration><Status>Enabled</Status>",
                     b"<VersioningConfiguration/>",
                     b"<VersioningConfiguration><Status>enabled</Status></VersioningConfiguration>",
                     b"<Versioning><Status>Enabled</Status></Versioning>",
                     b"<VersioningConfiguration><Status>Enabled</Status><Status>Enabled</Status>"
                     b"</VersioningConfiguration>",
                     b"<VersioningConfiguration><Status>Enabled</Status><MfaDelete>Sometimes</MfaDelete>"
                     b"</VersioningConfiguration>"]:
            with self.subTest(body=body):
                r = self.raw.request("PUT", "/ver-refused", query=[("versioning", "")], body=body)
                self.assertEqual((r.status, r.error_code()), (400, "MalformedXML"), r)
                self.assertTrue(r.xml().findtext("RequestId"), r)
        r = self.raw.request("PUT", "/ver-refused", query=[("versioning", "")], body=b"")
        self.assertEqual((r.status, r.error_code()), (400, "MissingRequestBodyError"), r)
        # MFA Delete needs an MFA device: xs3 refuses to turn it on.
        with self.assertRaises(ClientError) as ctx:
            self.s3.put_bucket_versioning(Bucket="ver-refused", VersioningConfiguration={"Status": "Enabled",
                                                                                          "MFADelete": "Enabled"})
        self.assertError(ctx, "NotImplemented", 501)
        self.assertEqual(self.s3.get_bucket_versioning(Bucket="ver-refused")["Status"], "Suspended")
        with self.assertRaises(ClientError) as ctx:
            self.s3.put_bucket_versioning(Bucket="ver-missing", VersioningConfiguration={"Status": "Enabled"})
        self.assertError(ctx, "NoSuchBucket", 404)
        with self.assertRaises(ClientError) as ctx:
            self.s3.get_bucket_versioning(Bucket="ver-missing")
        self.assertError(ctx, "NoSuchBucket", 404)

    # -- version ids from writes, reads by version ---------------------------------------------
    def test_every_write_gets_a_version_id_and_every_version_reads_back(self):
        b = self.versioned_bucket("ver-writes")
        v1 = self.s3.put_object(Bucket=b, Key="doc", Body=b"first", Metadata={"n": "1"}, ContentType="text/plain")
        time.sleep(1.1)  # Last-Modified has one-second resolution
        v2 = self.s3.put_object(Bucket=b, Key="doc", Body=b"second!", Metadata={"n": "2"})
        self.assertTrue(v1["VersionId"] and v2["VersionId"])
        self.assertNotEqual(v1["VersionId"], v2["VersionId"])
        self.assertNotEqual(v1["VersionId"], "null")

        cp = self.s3.copy_object(Bucket=b, Key="copy", CopySource={"Bucket": b, "Key": "doc"})
        self.assertTrue(cp["VersionId"])
        self.assertEqual(cp["CopySourceVersionId"], v2["VersionId"])
        up = self.s3.create_multipart_upload(Bucket=b, Key="mp")
        part = self.s3.upload_part(Bucket=b, Key="mp", UploadId=up["UploadId"], PartNumber=1, Body=b"m" * 10)
        done = self.s3.complete_multipart_upload(Bucket=b, Key="mp", UploadId=up["UploadId"],
                                                 MultipartUpload={"Parts": [{"PartNumber": 1,
                                                                             "ETag": part["ETag"]}]})
        self.assertTrue(done["VersionId"])
        self.assertEqual(self.s3.head_object(Bucket=b, Key="mp")["VersionId"], done["VersionId"])

        old = self.s3.get_object(Bucket=b, Key="doc", VersionId=v1["VersionId"])
        self.assertEqual(old["Body"].read(), b"first")
        self.assertEqual(old["VersionId"], v1["VersionId"])
        self.assertEqual(old["Metadata"], {"n": "1"})
        self.assertEqual(old["ContentType"], "text/plain")
        self.assertEqual(old["ETag"], v1["ETag"])
        self.assertEqual(old["ResponseMetadata"]["HTTPHeaders"]["x-amz-version-id"], v1["VersionId"])
        cur = self.s3.get_object(Bucket=b, Key="doc")
        self.assertEqual((cur["Body"].read(), cur["VersionId"]), (b"second!", v2["VersionId"]))
        head = self.s3.head_object(Bucket=b, Key="doc", VersionId=v1["VersionId"])
        self.assertEqual((head["ContentLength"], head["VersionId"], head["Metadata"]), (5, v1["VersionId"], {"n": "1"}))
        self.assertLess(head["LastModified"], cur["LastModified"])
        ranged = self.s3.get_object(Bucket=b, Key="doc", VersionId=v1["VersionId"], Range="bytes=1-3")
        self.assertEqual((ranged["Body"].read(), ranged["ContentRange"]), (b"irs", "bytes 1-3/5"))

    def post_form(self, bucket, key, content):
        post = self.s3.generate_presigned_post(bucket, key)
        boundary = "xs3versioningform"
        parts = [f'--{boundary}\r\nContent-Disposition: form-data; name="{k}"\r\n\r\n{v}\r\n'.encode()
                 for k, v in post["fields"].items()]
        parts.append(f'--{boundary}\r\nContent-Disposition: form-data; name="file"; filename="f"\r\n'
                     f"Content-Type: application/octet-stream\r\n\r\n{content}\r\n--{boundary}--\r\n".encode())
        body = b"".join(parts)
        r = h.raw_request(self.server.port, "POST", "/" + bucket,
                          {"Host": self.server.host, "Content-Type": f"multipart/form-data; boundary={boundary}",
                           "Content-Length": str(len(body))}, body)
        self.assertEqual(r.status, 204, r)
        return r

    def test_browser_form_post_gets_a_version_id(self):
        b = self.versioned_bucket("ver-post")
        v1 = self.s3.put_object(Bucket=b, Key="form.txt", Body=b"put")["VersionId"]
        v2 = self.post_form(b, "form.txt", "posted").header("x-amz-version-id")
        self.assertNotIn(v2, (None, "null", v1))
        self.assertEqual(self.versions(b), [("form.txt", v2, True, "V"), ("form.txt", v1, False, "V")])
        self.assertEqual(self.s3.get_object(Bucket=b, Key="form.txt", VersionId=v2)["Body"].read(), b"posted")
        self.s3.put_bucket_versioning(Bucket=b, VersioningConfiguration={"Status": "Suspended"})
        self.assertIsNone(self.post_form(b, "form.txt", "null now").header("x-amz-version-id"))
        self.assertEqual(self.versions(b)[0], ("form.txt", "null", True, "V"))

    def test_a_large_old_version_keeps_its_bytes(self):
        b = self.versioned_bucket("ver-large")
        big = os.urandom(700 * 1024)
        v1 = self.s3.put_object(Bucket=b, Key="big", Body=big)["VersionId"]
        self.s3.put_object(Bucket=b, Key="big", Body=b"small now")
        self.s3.delete_object(Bucket=b, Key="big")
        got = self.s3.get_object(Bucket=b, Key="big", VersionId=v1)["Body"].read()
        self.assertEqual(hashlib.md5(got).hexdigest(), hashlib.md5(big).hexdigest())

    def test_unknown_and_malformed_version_ids(self):
        b = self.versioned_bucket("ver-ids")
        self.s3.put_object(Bucket=b, Key="k", Body=b"x")
        for call in (self.s3.get_object, self.s3.get_object_tagging):
            with self.subTest(call=call.__name__):
                with self.assertRaises(ClientError) as ctx:
                    call(Bucket=b, Key="k", VersionId=UNKNOWN_VERSION)
                err = self.assertError(ctx, "NoSuchVersion", 404, NO_SUCH_VERSION_MESSAGE)
                self.assertEqual((err["Error"]["Key"], err["Error"]["VersionId"]), ("k", UNKNOWN_VERSION))
                with self.assertRaises(ClientError) as ctx:
                    call(Bucket=b, Key="k", VersionId=MALFORMED_VERSION)
                err = self.assertError(ctx, "InvalidArgument", 400, INVALID_VERSION_MESSAGE)
                self.assertEqual((err["Error"]["ArgumentName"], err["Error"]["ArgumentValue"]),
                                 ("versionId", MALFORMED_VERSION))
        with self.assertRaises(ClientError) as ctx:
            self.s3.head_object(Bucket=b, Key="k", VersionId=UNKNOWN_VERSION)
        self.assertError(ctx, "404", 404)
        with self.assertRaises(ClientError) as ctx:
            self.s3.head_object(Bucket=b, Key="k", VersionId=MALFORMED_VERSION)
        self.assertError(ctx, "400", 400)
        # A version of another key is no version of this one.
        other = self.s3.put_object(Bucket=b, Key="other", Body=b"o")["VersionId"]
        with self.assertRaises(ClientError) as ctx:
            self.s3.get_object(Bucket=b, Key="k", VersionId=other)
        self.assertError(ctx, "NoSuchVersion", 404)
        # Deleting a malformed id is refused; an unknown well-formed one succeeds and changes nothing.
        with self.assertRaises(ClientError) as ctx:
            self.s3.delete_object(Bucket=b, Key="k", VersionId=MALFORMED_VERSION)
        self.assertError(ctx, "InvalidArgument", 400, INVALID_VERSION_MESSAGE)
        before = self.versions(b)
        r = self.s3.delete_object(Bucket=b, Key="k", VersionId=UNKNOWN_VERSION)
        self.assertEqual(r["ResponseMetadata"]["HTTPStatusCode"], 204)
        self.assertEqual(r["VersionId"], UNKNOWN_VERSION)
        self.assertEqual(self.versions(b), before)
        with self.assertRaises(ClientError) as ctx:
            self.s3.list_object_versions(Bucket=b, KeyMarker="k", VersionIdMarker=MALFORMED_VERSION)
        self.assertError(ctx, "InvalidArgument", 400)
        with self.assertRaises(ClientError) as ctx:
            self.s3.list_object_versions(Bucket=b, VersionIdMarker=other)
        self.assertError(ctx, "InvalidArgument", 400,
                         "A version-id marker cannot be specified without a key marker.")

    def test_conditional_reads_of_a_version(self):
        b = self.versioned_bucket("ver-cond")
        v1 = self.s3.put_object(Bucket=b, Key="c", Body=b"one")
        time.sleep(1.1)
        v2 = self.s3.put_object(Bucket=b, Key="c", Body=b"two")
        # The conditions are evaluated against the version named, not the current object.
        r = self.s3.get_object(Bucket=b, Key="c", VersionId=v1["VersionId"], IfMatch=v1["ETag"])
        self.assertEqual(r["Body"].read(), b"one")
        with self.assertRaises(ClientError) as ctx:
            self.s3.get_object(Bucket=b, Key="c", VersionId=v1["VersionId"], IfMatch=v2["ETag"])
        self.assertError(ctx, "PreconditionFailed", 412)
        with self.assertRaises(ClientError) as ctx:
            self.s3.get_object(Bucket=b, Key="c", VersionId=v1["VersionId"], IfNoneMatch=v1["ETag"])
        self.assertError(ctx, "304", 304)
        r = self.s3.get_object(Bucket=b, Key="c", VersionId=v1["VersionId"], IfNoneMatch=v2["ETag"])
        self.assertEqual(r["Body"].read(), b"one")
        v2_time = self.s3.head_object(Bucket=b, Key="c")["LastModified"]
        with self.assertRaises(ClientError) as ctx:
            self.s3.head_object(Bucket=b, Key="c", VersionId=v1["VersionId"], IfModifiedSince=v2_time)
        self.assertError(ctx, "304", 304)
        r = self.s3.head_object(Bucket=b, Key="c", VersionId=v1["VersionId"], IfUnmodifiedSince=v2_time)
        self.assertEqual(r["VersionId"], v1["VersionId"])
        with self.assertRaises(ClientError) as ctx:
            self.s3.head_object(Bucket=b, Key="c", VersionId=v2["VersionId"], IfMatch=v1["ETag"])
        self.assertError(ctx, "412", 412)

    def test_conditional_writes_see_only_the_current_version(self):
        b = self.versioned_bucket("ver-cond-write")
        v1 = self.s3.put_object(Bucket=b, Key="w", Body=b"one")

        def put_if(headers, body=b"new"):
            return self.raw.request("PUT", h.key_path(b, "w"), body=body, headers=headers)

        r = put_if({"If-None-Match": "*"})
        self.assertEqual((r.status, r.error_code()), (412, "PreconditionFailed"), r)
        r = put_if({"If-Match": '"0123456789abcdef0123456789abcdef"'})
        self.assertEqual((r.status, r.error_code()), (412, "PreconditionFailed"), r)
        self.assertEqual(len(self.versions(b)), 1)
        r = put_if({"If-Match": v1["ETag"]}, b"two")
        self.assertEqual(r.status, 200, r)
        v2 = r.header("x-amz-version-id")
        self.assertNotIn(v2, (None, "null", v1["VersionId"]))
        # Behind a delete marker the key has no current object: If-None-Match succeeds.
        self.s3.delete_object(Bucket=b, Key="w")
        r = put_if({"If-Match": v1["ETag"]})
        self.assertEqual((r.status, r.error_code()), (404, "NoSuchKey"), r)
        r = put_if({"If-None-Match": "*"}, b"three")
        self.assertEqual(r.status, 200, r)
        self.assertEqual(self.s3.get_object(Bucket=b, Key="w")["Body"].read(), b"three")
        self.assertEqual([row[3] for row in self.versions(b)], ["V", "D", "V", "V"])

    def test_listing_keys_that_need_encoding(self):
        b = self.versioned_bucket("ver-encoding")
        keys = ["a b/c+d", "a b/ü&<x>", "plain", "tab\there"]
        for k in keys:
            self.s3.put_object(Bucket=b, Key=k, Body=b"1")
            self.s3.put_object(Bucket=b, Key=k, Body=b"2")
        # boto3 asks for encoding-type=url and decodes the keys, markers and prefixes back.
        r = self.s3.list_object_versions(Bucket=b)
        self.assertEqual([v["Key"] for v in r["Versions"]], [k for k in keys for _ in (1, 2)])
        r = self.s3.list_object_versions(Bucket=b, Delimiter="/", MaxKeys=1)
        self.assertEqual([p["Prefix"] for p in r["CommonPrefixes"]], ["a b/"])
        self.assertEqual(r["NextKeyMarker"], "a b/")
        r = self.s3.list_object_versions(Bucket=b, Prefix="a b/", MaxKeys=3)
        self.assertEqual(r["NextKeyMarker"], "a b/ü&<x>")
        rest = self.s3.list_object_versions(Bucket=b, Prefix="a b/", KeyMarker=r["NextKeyMarker"],
                                            VersionIdMarker=r["NextVersionIdMarker"])
        self.assertEqual([(v["Key"], v["IsLatest"]) for v in rest["Versions"]], [("a b/ü&<x>", False)])
        raw = self.raw.request("GET", "/" + b, query=[("versions", ""), ("prefix", "a b/"), ("encoding-type", "url")])
        # Form-decoded, as the SDKs decode it (S3 may write a space as + or %20).
        self.assertEqual([urllib.parse.unquote_plus(k.text) for k in raw.xml().iter("Key")],
                         ["a b/c+d"] * 2 + ["a b/ü&<x>"] * 2)
        self.assertEqual(raw.xml().findtext("EncodingType"), "url")

    # -- delete markers ------------------------------------------------------------------------
    def test_delete_adds_a_marker_and_version_deletes_are_permanent(self):
        b = self.versioned_bucket("ver-delete")
        v1 = self.s3.put_object(Bucket=b, Key="d", Body=b"1")["VersionId"]
        v2 = self.s3.put_object(Bucket=b, Key="d", Body=b"2")["VersionId"]
        r = self.s3.delete_object(Bucket=b, Key="d")
        self.assertEqual(r["ResponseMetadata"]["HTTPStatusCode"], 204)
        self.assertTrue(r["DeleteMarker"])
        marker = r["VersionId"]
        self.assertNotIn(marker, (v1, v2, "null"))
        self.assertEqual(self.versions(b), [("d", marker, True, "D"), ("d", v2, False, "V"), ("d", v1, False, "V")])

        with self.assertRaises(ClientError) as ctx:
            self.s3.get_object(Bucket=b, Key="d")
        err = self.assertError(ctx, "NoSuchKey", 404, "The specified key does not exist.")
        hdrs = err["ResponseMetadata"]["HTTPHeaders"]
        self.assertEqual((hdrs["x-amz-delete-marker"], hdrs["x-amz-version-id"]), ("true", marker))
        with self.assertRaises(ClientError) as ctx:
            self.s3.head_object(Bucket=b, Key="d")
        err = self.assertError(ctx, "404", 404)
        self.assertEqual(err["ResponseMetadata"]["HTTPHeaders"]["x-amz-delete-marker"], "true")
        self.assertNotIn("Contents", self.s3.list_objects_v2(Bucket=b))
        # Naming the marker itself: 405, with the marker's headers.
        with self.assertRaises(ClientError) as ctx:
            self.s3.get_object(Bucket=b, Key="d", VersionId=marker)
        err = self.assertError(ctx, "MethodNotAllowed", 405,
                               "The specified method is not allowed against this resource.")
        hdrs = err["ResponseMetadata"]["HTTPHeaders"]
        self.assertEqual((hdrs["x-amz-delete-marker"], hdrs["x-amz-version-id"]), ("true", marker))
        self.assertEqual((err["Error"]["Method"], err["Error"]["ResourceType"]), ("GET", "DeleteMarker"))
        with self.assertRaises(ClientError) as ctx:
            self.s3.head_object(Bucket=b, Key="d", VersionId=marker)
        self.assertError(ctx, "405", 405)
        # Older versions stay readable by id.
        self.assertEqual(self.s3.get_object(Bucket=b, Key="d", VersionId=v2)["Body"].read(), b"2")

        # A second plain delete stacks another marker.
        r = self.s3.delete_object(Bucket=b, Key="d")
        marker2 = r["VersionId"]
        self.assertEqual([row[1] for row in self.versions(b)], [marker2, marker, v2, v1])
        # Removing the markers by id restores the newest version as current.
        r = self.s3.delete_object(Bucket=b, Key="d", VersionId=marker2)
        self.assertEqual((r["VersionId"], r["DeleteMarker"]), (marker2, True))
        r = self.s3.delete_object(Bucket=b, Key="d", VersionId=marker)
        self.assertEqual((r["VersionId"], r["DeleteMarker"]), (marker, True))
        got = self.s3.get_object(Bucket=b, Key="d")
        self.assertEqual((got["Body"].read(), got["VersionId"]), (b"2", v2))
        # Deleting the current version by id is permanent and promotes the previous one.
        r = self.s3.delete_object(Bucket=b, Key="d", VersionId=v2)
        self.assertEqual(r["VersionId"], v2)
        self.assertNotIn("DeleteMarker", r)
        got = self.s3.get_object(Bucket=b, Key="d")
        self.assertEqual((got["Body"].read(), got["VersionId"]), (b"1", v1))
        with self.assertRaises(ClientError) as ctx:
            self.s3.get_object(Bucket=b, Key="d", VersionId=v2)
        self.assertError(ctx, "NoSuchVersion", 404)
        self.assertEqual(self.versions(b), [("d", v1, True, "V")])
        # Deleting a non-latest version leaves the current object alone.
        v3 = self.s3.put_object(Bucket=b, Key="d", Body=b"3")["VersionId"]
        self.s3.delete_object(Bucket=b, Key="d", VersionId=v1)
        self.assertEqual(self.versions(b), [("d", v3, True, "V")])
        self.s3.delete_object(Bucket=b, Key="d", VersionId=v3)
        self.assertEqual(self.versions(b), [])
        with self.assertRaises(ClientError) as ctx:
            self.s3.get_object(Bucket=b, Key="d")
        err = self.assertError(ctx, "NoSuchKey", 404)
        self.assertNotIn("x-amz-delete-marker", err["ResponseMetadata"]["HTTPHeaders"])

    def test_delete_objects_with_versions(self):
        b = self.versioned_bucket("ver-multi")
        a1 = self.s3.put_object(Bucket=b, Key="a", Body=b"a1")["VersionId"]
        a2 = self.s3.put_object(Bucket=b, Key="a", Body=b"a2")["VersionId"]
        self.s3.put_object(Bucket=b, Key="b", Body=b"b1")
        r = self.s3.delete_objects(Bucket=b, Delete={"Objects": [
            {"Key": "a", "VersionId": a1},   # a permanent version delete
            {"Key": "b"},                     # a delete marker
            {"Key": "never"},                 # a marker for a key that never existed
            {"Key": "a", "VersionId": UNKNOWN_VERSION},
        ]})
        self.assertNotIn("Errors", r)
        deleted = {(d["Key"], d.get("VersionId")): d for d in r["Deleted"]}
        self.assertEqual(len(deleted), 4, r)
        self.assertNotIn("DeleteMarker", deleted[("a", a1)])
        b_marker = deleted[("b", None)]
        self.assertTrue(b_marker["DeleteMarker"])
        self.assertTrue(b_marker["DeleteMarkerVersionId"])
        self.assertTrue(deleted[("never", None)]["DeleteMarker"])
        self.assertNotIn("DeleteMarker", deleted[("a", UNKNOWN_VERSION)])
        self.assertEqual(self.versions(b, Prefix="a"), [("a", a2, True, "V")])
        self.assertEqual(self.versions(b, Prefix="b")[0], ("b", b_marker["DeleteMarkerVersionId"], True, "D"))

        # Removing a marker by id reports the marker it removed.
        r = self.s3.delete_objects(Bucket=b, Delete={"Objects": [
            {"Key": "b", "VersionId": b_marker["DeleteMarkerVersionId"]}]})
        d = r["Deleted"][0]
        self.assertEqual((d["Key"], d["VersionId"], d["DeleteMarker"], d["DeleteMarkerVersionId"]),
                         ("b", b_marker["DeleteMarkerVersionId"], True, b_marker["DeleteMarkerVersionId"]))
        self.assertEqual(self.s3.get_object(Bucket=b, Key="b")["Body"].read(), b"b1")
        # Quiet mode reports nothing for successes.
        r = self.s3.delete_objects(Bucket=b, Delete={"Objects": [{"Key": "a", "VersionId": a2}], "Quiet": True})
        self.assertNotIn("Deleted", r)
        self.assertNotIn("Errors", r)
        self.assertEqual(self.versions(b, Prefix="a"), [])

    def test_delete_objects_with_a_malformed_version_id(self):
        b = self.versioned_bucket("ver-multi-bad")
        v = self.s3.put_object(Bucket=b, Key="keep", Body=b"k")["VersionId"]
        self.s3.put_object(Bucket=b, Key="gone", Body=b"g")
        # S3 reports a malformed id in DeleteObjects as that key's NoSuchVersion; the rest proceed.
        r = self.raw_delete_objects(b, f"<Object><Key>keep</Key><VersionId>{MALFORMED_VERSION}</VersionId></Object>"
                                       "<Object><Key>gone</Key></Object>")
        self.assertEqual(r.status, 200, r)
        root = r.xml()
        errors = root.findall("Error")
        self.assertEqual(len(errors), 1, r)
        self.assertEqual([errors[0].findtext(n) for n in ("Key", "VersionId", "Code", "Message")],
                         ["keep", MALFORMED_VERSION, "NoSuchVersion", NO_SUCH_VERSION_MESSAGE])
        self.assertEqual([d.findtext("Key") for d in root.findall("Deleted")], ["gone"])
        self.assertEqual(self.s3.get_object(Bucket=b, Key="keep", VersionId=v)["Body"].read(), b"k")
        self.assertEqual(self.s3.head_object(Bucket=b, Key="keep")["VersionId"], v)
        # The same through boto3: the error lands in Errors.
        r = self.s3.delete_objects(Bucket=b, Delete={"Objects": [{"Key": "keep", "VersionId": "bad"}]})
        self.assertEqual([(e["Key"], e["VersionId"], e["Code"]) for e in r["Errors"]],
                         [("keep", "bad", "NoSuchVersion")])

    # -- ListObjectVersions --------------------------------------------------------------------
    def test_list_object_versions_shape_and_paging(self):
        b = self.versioned_bucket("ver-list")
        ids = {}
        for key, n in (("a", 3), ("b/x", 1), ("b/y", 2), ("c", 1)):
            ids[key] = [self.s3.put_object(Bucket=b, Key=key, Body=key.encode() * (i + 1))["VersionId"]
                        for i in range(n)]
        marker = self.s3.delete_object(Bucket=b, Key="c")["VersionId"]
        expected = ([("a", v, i == 0, "V") for i, v in enumerate(reversed(ids["a"]))]
                    + [("b/x", ids["b/x"][0], True, "V")]
                    + [("b/y", v, i == 0, "V") for i, v in enumerate(reversed(ids["b/y"]))]
                    + [("c", marker, True, "D"), ("c", ids["c"][0], False, "V")])
        self.assertEqual(self.versions(b), expected)

        r = self.s3.list_object_versions(Bucket=b)
        self.assertEqual((r["Name"], r["MaxKeys"], r["IsTruncated"], r["KeyMarker"]), (b, 1000, False, ""))
        v = r["Versions"][0]
        self.assertEqual(set(v) - {"ChecksumAlgorithm", "ChecksumType", "RestoreStatus"},
                         {"ETag", "Size", "StorageClass", "Key", "VersionId", "IsLatest", "LastModified", "Owner"})
        self.assertEqual((v["Size"], v["StorageClass"]), (3, "STANDARD"))
        self.assertEqual(v["ETag"], '"%s"' % hashlib.md5(b"aaa").hexdigest())
        self.assertTrue(v["Owner"]["ID"])
        dm = r["DeleteMarkers"][0]
        self.assertEqual(set(dm), {"Key", "VersionId", "IsLatest", "LastModified", "Owner"})

        # Page by two: the markers resume inside a key's versions.
        pages, kw = [], {}
        while True:
            page = self.s3.list_object_versions(Bucket=b, MaxKeys=2, **kw)
            rows = self.versions(b, MaxKeys=2, **kw)
            pages.append(rows)
            self.assertEqual(page["MaxKeys"], 2)
            if not page["IsTruncated"]:
                self.assertNotIn("NextKeyMarker", page)
                break
            self.assertEqual((page["NextKeyMarker"], page["NextVersionIdMarker"]), rows[-1][:2])
            kw = {"KeyMarker": page["NextKeyMarker"], "VersionIdMarker": page["NextVersionIdMarker"]}
        self.assertEqual([len(p) for p in pages], [2, 2, 2, 2])
        self.assertEqual(sum(pages, []), expected)
        # A key marker alone starts after every version of that key.
        self.assertEqual(self.versions(b, KeyMarker="a"), expected[3:])
        self.assertEqual(self.versions(b, KeyMarker="b/y", VersionIdMarker=ids["b/y"][1]),
                         expected[5:])

        self.assertEqual(self.versions(b, Prefix="b/"), expected[3:6])
        r = self.s3.list_object_versions(Bucket=b, Delimiter="/")
        self.assertEqual([p["Prefix"] for p in r["CommonPrefixes"]], ["b/"])
        self.assertEqual(r["Delimiter"], "/")
        self.assertEqual(sorted({v["Key"] for v in r["Versions"]}), ["a", "c"])
        # A common prefix counts once against MaxKeys.
        r = self.s3.list_object_versions(Bucket=b, Delimiter="/", MaxKeys=4)
        self.assertEqual((len(r.get("Versions", [])), [p["Prefix"] for p in r["CommonPrefixes"]]), (3, ["b/"]))
        self.assertTrue(r["IsTruncated"])
        self.assertEqual(r["NextKeyMarker"], "b/")
        r = self.s3.list_object_versions(Bucket=b, Delimiter="/", KeyMarker="b/")
        self.assertEqual([(v["Key"], v["IsLatest"]) for v in r["Versions"]], [("c", False)])
        self.assertEqual([d["Key"] for d in r["DeleteMarkers"]], ["c"])

        with self.assertRaises(ClientError) as ctx:
            self.s3.list_object_versions(Bucket="ver-list-missing")
        self.assertError(ctx, "NoSuchBucket", 404)
        r = self.raw.request("GET", "/" + b, query=[("versions", ""), ("max-keys", "-1")])
        self.assertEqual((r.status, r.error_code()), (400, "InvalidArgument"), r)

    def test_paginator_reaches_every_version(self):
        b = self.versioned_bucket("ver-pages")
        written = set()
        for i in range(7):
            for j in range(3):
                written.add((f"k{i:02d}", self.s3.put_object(Bucket=b, Key=f"k{i:02d}", Body=b"%d" % j)["VersionId"]))
        for i in range(0, 7, 2):
            written.add((f"k{i:02d}", self.s3.delete_object(Bucket=b, Key=f"k{i:02d}")["VersionId"]))
        seen = []
        pages = 0
        for page in self.s3.get_paginator("list_object_versions").paginate(Bucket=b, PaginationConfig={"PageSize": 4}):
            pages += 1
            seen += [(v["Key"], v["VersionId"]) for v in page.get("Versions", []) + page.get("DeleteMarkers", [])]
        self.assertEqual(len(seen), len(written))
        self.assertEqual(set(seen), written)
        self.assertEqual(pages, 7)  # 25 entries, 4 a page

    def test_objects_in_a_versioned_bucket_cannot_be_left_behind(self):
        b = self.versioned_bucket("ver-nonempty")
        v = self.s3.put_object(Bucket=b, Key="x", Body=b"x")["VersionId"]
        m = self.s3.delete_object(Bucket=b, Key="x")["VersionId"]
        self.assertNotIn("Contents", self.s3.list_objects_v2(Bucket=b))
        with self.assertRaises(ClientError) as ctx:
            self.s3.delete_bucket(Bucket=b)
        self.assertError(ctx, "BucketNotEmpty", 409)
        self.s3.delete_object(Bucket=b, Key="x", VersionId=v)
        # A lone delete marker still keeps the bucket.
        with self.assertRaises(ClientError) as ctx:
            self.s3.delete_bucket(Bucket=b)
        self.assertError(ctx, "BucketNotEmpty", 409)
        self.s3.delete_object(Bucket=b, Key="x", VersionId=m)
        self.s3.delete_bucket(Bucket=b)
        with self.assertRaises(ClientError) as ctx:
            self.s3.head_bucket(Bucket=b)
        self.assertError(ctx, "404", 404)

    # -- null versions -------------------------------------------------------------------------
    def test_objects_from_before_versioning_are_the_null_version(self):
        self.s3.create_bucket(Bucket="ver-before")
        b = "ver-before"
        self.s3.put_object(Bucket=b, Key="old", Body=b"pre-versioning")
        self.s3.put_bucket_versioning(Bucket=b, VersioningConfiguration={"Status": "Enabled"})
        head = self.s3.head_object(Bucket=b, Key="old")
        self.assertEqual(head["VersionId"], "null")
        # A copy from it names the null version it copied.
        r = self.s3.copy_object(Bucket=b, Key="old-copy", CopySource={"Bucket": b, "Key": "old"})
        self.assertEqual(r["CopySourceVersionId"], "null")
        self.s3.delete_object(Bucket=b, Key="old-copy", VersionId=r["VersionId"])
        v2 = self.s3.put_object(Bucket=b, Key="old", Body=b"versioned")["VersionId"]
        self.assertEqual(self.versions(b), [("old", v2, True, "V"), ("old", "null", False, "V")])
        got = self.s3.get_object(Bucket=b, Key="old", VersionId="null")
        self.assertEqual((got["Body"].read(), got["VersionId"]), (b"pre-versioning", "null"))
        self.s3.delete_object(Bucket=b, Key="old", VersionId="null")
        self.assertEqual(self.versions(b), [("old", v2, True, "V")])
        with self.assertRaises(ClientError) as ctx:
            self.s3.get_object(Bucket=b, Key="old", VersionId="null")
        self.assertError(ctx, "NoSuchVersion", 404)

    def test_suspended_writes_replace_the_null_version(self):
        b = self.versioned_bucket("ver-suspend")
        v1 = self.s3.put_object(Bucket=b, Key="s", Body=b"enabled")["VersionId"]
        self.s3.put_bucket_versioning(Bucket=b, VersioningConfiguration={"Status": "Suspended"})
        # A write that makes the null version names no version (S3's PutObject "versioning
        # suspended" example); reads of it then say "null".
        r = self.s3.put_object(Bucket=b, Key="s", Body=b"null one")
        self.assertNotIn("VersionId", r)
        self.assertEqual(self.versions(b), [("s", "null", True, "V"), ("s", v1, False, "V")])
        r = self.s3.put_object(Bucket=b, Key="s", Body=b"null two")
        self.assertNotIn("VersionId", r)
        self.assertEqual(self.versions(b), [("s", "null", True, "V"), ("s", v1, False, "V")])
        self.assertEqual(self.s3.get_object(Bucket=b, Key="s", VersionId="null")["Body"].read(), b"null two")
        self.assertEqual(self.s3.head_object(Bucket=b, Key="s")["VersionId"], "null")
        r = self.s3.copy_object(Bucket=b, Key="s-copy", CopySource={"Bucket": b, "Key": "s", "VersionId": v1})
        self.assertEqual((r.get("VersionId"), r["CopySourceVersionId"]), (None, v1))
        up = self.s3.create_multipart_upload(Bucket=b, Key="s-mp")
        part = self.s3.upload_part(Bucket=b, Key="s-mp", UploadId=up["UploadId"], PartNumber=1, Body=b"m")
        r = self.s3.complete_multipart_upload(Bucket=b, Key="s-mp", UploadId=up["UploadId"],
                                              MultipartUpload={"Parts": [{"PartNumber": 1, "ETag": part["ETag"]}]})
        self.assertNotIn("VersionId", r)
        self.assertEqual(self.versions(b, Prefix="s-"), [("s-copy", "null", True, "V"), ("s-mp", "null", True, "V")])
        def history():
            return [row for row in self.versions(b) if row[0] == "s"]

        # A plain delete while suspended makes the null version a delete marker.
        r = self.s3.delete_object(Bucket=b, Key="s")
        self.assertEqual((r["DeleteMarker"], r["VersionId"]), (True, "null"))
        self.assertEqual(history(), [("s", "null", True, "D"), ("s", v1, False, "V")])
        # Enabled again: new writes get ids, the null marker stays in the history.
        self.s3.put_bucket_versioning(Bucket=b, VersioningConfiguration={"Status": "Enabled"})
        v3 = self.s3.put_object(Bucket=b, Key="s", Body=b"enabled again")["VersionId"]
        self.assertNotEqual(v3, "null")
        self.assertEqual(history(), [("s", v3, True, "V"), ("s", "null", False, "D"), ("s", v1, False, "V")])
        # Suspended once more: the next write replaces the null marker, keeping v3 and v1.
        self.s3.put_bucket_versioning(Bucket=b, VersioningConfiguration={"Status": "Suspended"})
        self.s3.put_object(Bucket=b, Key="s", Body=b"null three")
        self.assertEqual(history(), [("s", "null", True, "V"), ("s", v3, False, "V"), ("s", v1, False, "V")])
        self.assertEqual(self.s3.get_object(Bucket=b, Key="s")["Body"].read(), b"null three")

    # -- copies, multipart copies, tagging, ACLs and attributes of a version -------------------
    def test_copy_from_a_source_version(self):
        b = self.versioned_bucket("ver-copy")
        v1 = self.s3.put_object(Bucket=b, Key="src", Body=b"version one", Metadata={"v": "1"})["VersionId"]
        self.s3.put_object(Bucket=b, Key="src", Body=b"version two")
        r = self.s3.copy_object(Bucket=b, Key="dst", CopySource={"Bucket": b, "Key": "src", "VersionId": v1})
        self.assertEqual(r["CopySourceVersionId"], v1)
        self.assertTrue(r["VersionId"])
        got = self.s3.get_object(Bucket=b, Key="dst")
        self.assertEqual((got["Body"].read(), got["Metadata"], got["VersionId"]), (b"version one", {"v": "1"},
                                                                                   r["VersionId"]))
        # Copying an old version onto its own key restores it as a new current version.
        r = self.s3.copy_object(Bucket=b, Key="src", CopySource={"Bucket": b, "Key": "src", "VersionId": v1})
        self.assertEqual(self.s3.get_object(Bucket=b, Key="src")["Body"].read(), b"version one")
        self.assertEqual(len(self.versions(b, Prefix="src")), 3)
        # A deleted source: NoSuchKey; a delete marker named as the source: InvalidRequest.
        marker = self.s3.delete_object(Bucket=b, Key="src")["VersionId"]
        with self.assertRaises(ClientError) as ctx:
            self.s3.copy_object(Bucket=b, Key="dst2", CopySource={"Bucket": b, "Key": "src"})
        self.assertError(ctx, "NoSuchKey", 404)
        with self.assertRaises(ClientError) as ctx:
            self.s3.copy_object(Bucket=b, Key="dst2", CopySource={"Bucket": b, "Key": "src", "VersionId": marker})
        self.assertError(ctx, "InvalidRequest", 400)
        with self.assertRaises(ClientError) as ctx:
            self.s3.copy_object(Bucket=b, Key="dst2", CopySource={"Bucket": b, "Key": "src",
                                                                  "VersionId": UNKNOWN_VERSION})
        self.assertError(ctx, "NoSuchVersion", 404)
        with self.assertRaises(ClientError) as ctx:
            self.s3.head_object(Bucket=b, Key="dst2")
        self.assertError(ctx, "404", 404)
        # From an unversioned bucket the copy names no source version.
        self.s3.create_bucket(Bucket="ver-copy-plain")
        self.s3.put_object(Bucket="ver-copy-plain", Key="p", Body=b"plain")
        r = self.s3.copy_object(Bucket=b, Key="fromplain", CopySource={"Bucket": "ver-copy-plain", "Key": "p"})
        self.assertNotIn("CopySourceVersionId", r)
        self.assertTrue(r["VersionId"])

    def test_upload_part_copy_names_the_source_version(self):
        b = self.versioned_bucket("ver-partcopy")
        five_mib = 5 * 1024 * 1024  # every part but the last is at least 5 MiB
        v1 = self.s3.put_object(Bucket=b, Key="src", Body=b"A" * five_mib)["VersionId"]
        v2 = self.s3.put_object(Bucket=b, Key="src", Body=b"B" * 100)["VersionId"]
        up = self.s3.create_multipart_upload(Bucket=b, Key="joined")
        p1 = self.s3.upload_part_copy(Bucket=b, Key="joined", UploadId=up["UploadId"], PartNumber=1,
                                      CopySource={"Bucket": b, "Key": "src", "VersionId": v1})
        self.assertEqual(p1["CopySourceVersionId"], v1)
        p2 = self.s3.upload_part_copy(Bucket=b, Key="joined", UploadId=up["UploadId"], PartNumber=2,
                                      CopySource={"Bucket": b, "Key": "src"}, CopySourceRange="bytes=0-9")
        self.assertEqual(p2["CopySourceVersionId"], v2)
        done = self.s3.complete_multipart_upload(
            Bucket=b, Key="joined", UploadId=up["UploadId"],
            MultipartUpload={"Parts": [{"PartNumber": 1, "ETag": p1["CopyPartResult"]["ETag"]},
                                       {"PartNumber": 2, "ETag": p2["CopyPartResult"]["ETag"]}]})
        self.assertTrue(done["VersionId"])
        self.assertEqual(self.s3.get_object(Bucket=b, Key="joined")["Body"].read(), b"A" * five_mib + b"B" * 10)
        up = self.s3.create_multipart_upload(Bucket=b, Key="refused")
        marker = self.s3.delete_object(Bucket=b, Key="src")["VersionId"]
        with self.assertRaises(ClientError) as ctx:
            self.s3.upload_part_copy(Bucket=b, Key="refused", UploadId=up["UploadId"], PartNumber=1,
                                     CopySource={"Bucket": b, "Key": "src", "VersionId": marker})
        self.assertError(ctx, "InvalidRequest", 400)
        with self.assertRaises(ClientError) as ctx:
            self.s3.upload_part_copy(Bucket=b, Key="refused", UploadId=up["UploadId"], PartNumber=1,
                                     CopySource={"Bucket": b, "Key": "src", "VersionId": UNKNOWN_VERSION})
        self.assertError(ctx, "NoSuchVersion", 404)
        # A source in an unversioned bucket names no version.
        self.s3.create_bucket(Bucket="ver-partcopy-plain")
        self.s3.put_object(Bucket="ver-partcopy-plain", Key="p", Body=b"plain")
        r = self.s3.upload_part_copy(Bucket=b, Key="refused", UploadId=up["UploadId"], PartNumber=1,
                                     CopySource={"Bucket": "ver-partcopy-plain", "Key": "p"})
        self.assertNotIn("CopySourceVersionId", r)
        # ...unless the request names one: the null version is every unversioned object.
        r = self.s3.upload_part_copy(Bucket=b, Key="refused", UploadId=up["UploadId"], PartNumber=1,
                                     CopySource={"Bucket": "ver-partcopy-plain", "Key": "p", "VersionId": "null"})
        self.assertEqual(r["CopySourceVersionId"], "null")
        with self.assertRaises(ClientError) as ctx:
            self.s3.upload_part_copy(Bucket=b, Key="refused", UploadId=up["UploadId"], PartNumber=1,
                                     CopySource={"Bucket": "ver-partcopy-plain", "Key": "p",
                                                 "VersionId": MALFORMED_VERSION})
        self.assertError(ctx, "InvalidArgument", 400)
        self.s3.abort_multipart_upload(Bucket=b, Key="refused", UploadId=up["UploadId"])

    def test_tagging_a_version(self):
        b = self.versioned_bucket("ver-tags")
        v1 = self.s3.put_object(Bucket=b, Key="t", Body=b"1", Tagging="gen=one")["VersionId"]
        v2 = self.s3.put_object(Bucket=b, Key="t", Body=b"2", Tagging="gen=two")["VersionId"]
        r = self.s3.put_object_tagging(Bucket=b, Key="t", VersionId=v1,
                                       Tagging={"TagSet": [{"Key": "gen", "Value": "first"}]})
        self.assertEqual(r["VersionId"], v1)
        r = self.s3.get_object_tagging(Bucket=b, Key="t", VersionId=v1)
        self.assertEqual((r["VersionId"], r["TagSet"]), (v1, [{"Key": "gen", "Value": "first"}]))
        r = self.s3.get_object_tagging(Bucket=b, Key="t")
        self.assertEqual((r["VersionId"], r["TagSet"]), (v2, [{"Key": "gen", "Value": "two"}]))
        self.assertEqual(self.s3.get_object(Bucket=b, Key="t", VersionId=v1)["TagCount"], 1)
        r = self.s3.delete_object_tagging(Bucket=b, Key="t", VersionId=v1)
        self.assertEqual(r["VersionId"], v1)
        self.assertEqual(self.s3.get_object_tagging(Bucket=b, Key="t", VersionId=v1)["TagSet"], [])
        self.assertEqual(self.s3.get_object_tagging(Bucket=b, Key="t")["TagSet"], [{"Key": "gen", "Value": "two"}])
        with self.assertRaises(ClientError) as ctx:
            self.s3.put_object_tagging(Bucket=b, Key="t", VersionId=UNKNOWN_VERSION, Tagging={"TagSet": []})
        self.assertError(ctx, "NoSuchVersion", 404)
        marker = self.s3.delete_object(Bucket=b, Key="t")["VersionId"]
        with self.assertRaises(ClientError) as ctx:
            self.s3.get_object_tagging(Bucket=b, Key="t", VersionId=marker)
        self.assertError(ctx, "MethodNotAllowed", 405)
        # Behind a delete marker a read is NoSuchKey; a write is MethodNotAllowed (a marker takes no tags).
        with self.assertRaises(ClientError) as ctx:
            self.s3.get_object_tagging(Bucket=b, Key="t")
        self.assertError(ctx, "NoSuchKey", 404)
        for call in (lambda: self.s3.put_object_tagging(Bucket=b, Key="t", Tagging={"TagSet": []}),
                     lambda: self.s3.delete_object_tagging(Bucket=b, Key="t")):
            with self.assertRaises(ClientError) as ctx:
                call()
            err = self.assertError(ctx, "MethodNotAllowed", 405)
            self.assertEqual(err["ResponseMetadata"]["HTTPHeaders"]["x-amz-version-id"], marker)
        self.assertEqual(self.s3.get_object_tagging(Bucket=b, Key="t", VersionId=v2)["TagSet"],
                         [{"Key": "gen", "Value": "two"}])

    def test_acl_of_a_version(self):
        b = "ver-acl"
        self.s3.create_bucket(Bucket=b, ObjectOwnership="ObjectWriter")
        self.s3.delete_public_access_block(Bucket=b)
        self.s3.put_bucket_versioning(Bucket=b, VersioningConfiguration={"Status": "Enabled"})
        v1 = self.s3.put_object(Bucket=b, Key="a", Body=b"one", ACL="public-read")["VersionId"]
        v2 = self.s3.put_object(Bucket=b, Key="a", Body=b"two")["VersionId"]

        def grantees(**kw):
            r = self.s3.get_object_acl(Bucket=b, Key="a", **kw)
            return sorted(g["Grantee"].get("URI", "owner") for g in r["Grants"]), r

        all_users = "http://acs.amazonaws.com/groups/global/AllUsers"
        g, r = grantees(VersionId=v1)
        self.assertEqual(g, [all_users, "owner"])
        self.assertEqual(r["ResponseMetadata"]["HTTPHeaders"]["x-amz-version-id"], v1)
        g, r = grantees()
        self.assertEqual(g, ["owner"])
        self.assertEqual(r["ResponseMetadata"]["HTTPHeaders"]["x-amz-version-id"], v2)
        # Changing an old version's ACL leaves the current object's alone.
        r = self.s3.put_object_acl(Bucket=b, Key="a", VersionId=v1, ACL="private")
        self.assertEqual(r["ResponseMetadata"]["HTTPHeaders"]["x-amz-version-id"], v1)
        self.assertEqual(grantees(VersionId=v1)[0], ["owner"])
        self.s3.put_object_acl(Bucket=b, Key="a", VersionId=v2, ACL="public-read")
        self.assertEqual(grantees()[0], [all_users, "owner"])
        self.assertEqual(grantees(VersionId=v1)[0], ["owner"])
        # Anonymous reads follow each version's own ACL.
        anon = h.raw_request(self.server.port, "GET", f"/{b}/a?versionId={v1}", {"Host": self.server.host})
        self.assertEqual(anon.status, 403, anon)
        anon = h.raw_request(self.server.port, "GET", f"/{b}/a", {"Host": self.server.host})
        self.assertEqual((anon.status, anon.body), (200, b"two"), anon)
        for call in (lambda: self.s3.get_object_acl(Bucket=b, Key="a", VersionId=UNKNOWN_VERSION),
                     lambda: self.s3.put_object_acl(Bucket=b, Key="a", VersionId=UNKNOWN_VERSION, ACL="private")):
            with self.assertRaises(ClientError) as ctx:
                call()
            self.assertError(ctx, "NoSuchVersion", 404, NO_SUCH_VERSION_MESSAGE)
        with self.assertRaises(ClientError) as ctx:
            self.s3.get_object_acl(Bucket=b, Key="a", VersionId=MALFORMED_VERSION)
        self.assertError(ctx, "InvalidArgument", 400, INVALID_VERSION_MESSAGE)
        marker = self.s3.delete_object(Bucket=b, Key="a")["VersionId"]
        with self.assertRaises(ClientError) as ctx:
            self.s3.get_object_acl(Bucket=b, Key="a", VersionId=marker)
        self.assertError(ctx, "MethodNotAllowed", 405)
        with self.assertRaises(ClientError) as ctx:
            self.s3.get_object_acl(Bucket=b, Key="a")
        self.assertError(ctx, "NoSuchKey", 404)
        with self.assertRaises(ClientError) as ctx:
            self.s3.put_object_acl(Bucket=b, Key="a", ACL="private")
        self.assertError(ctx, "MethodNotAllowed", 405)
        self.assertEqual(grantees(VersionId=v2)[0], [all_users, "owner"])

    def test_acl_version_header_follows_the_bucket(self):
        b = "ver-acl-plain"
        self.s3.create_bucket(Bucket=b)
        self.s3.put_object(Bucket=b, Key="p", Body=b"p")
        # An unversioned bucket names no version, even when asked for the null one.
        for kw in ({}, {"VersionId": "null"}):
            r = self.s3.get_object_acl(Bucket=b, Key="p", **kw)
            self.assertNotIn("x-amz-version-id", r["ResponseMetadata"]["HTTPHeaders"])
            r = self.s3.put_object_acl(Bucket=b, Key="p", ACL="private", **kw)
            self.assertNotIn("x-amz-version-id", r["ResponseMetadata"]["HTTPHeaders"])
        # Once versioned, the pre-versioning object is the null version, and says so.
        self.s3.put_bucket_versioning(Bucket=b, VersioningConfiguration={"Status": "Suspended"})
        r = self.s3.get_object_acl(Bucket=b, Key="p")
        self.assertEqual(r["ResponseMetadata"]["HTTPHeaders"]["x-amz-version-id"], "null")
        r = self.s3.put_object_acl(Bucket=b, Key="p", ACL="private", VersionId="null")
        self.assertEqual(r["ResponseMetadata"]["HTTPHeaders"]["x-amz-version-id"], "null")

    def test_object_attributes_of_a_version(self):
        if not hasattr(self.s3, "get_object_attributes"):
            self.skipTest(f"botocore {botocore.__version__} has no GetObjectAttributes")
        b = self.versioned_bucket("ver-attrs")
        v1 = self.s3.put_object(Bucket=b, Key="o", Body=b"12345")
        self.s3.put_object(Bucket=b, Key="o", Body=b"123456789")
        r = self.s3.get_object_attributes(Bucket=b, Key="o", VersionId=v1["VersionId"],
                                          ObjectAttributes=["ETag", "ObjectSize", "StorageClass"])
        self.assertEqual((r["VersionId"], r["ObjectSize"], r["ETag"]),
                         (v1["VersionId"], 5, v1["ETag"].strip('"')))
        r = self.s3.get_object_attributes(Bucket=b, Key="o", ObjectAttributes=["ObjectSize"])
        self.assertEqual(r["ObjectSize"], 9)
        with self.assertRaises(ClientError) as ctx:
            self.s3.get_object_attributes(Bucket=b, Key="o", VersionId=UNKNOWN_VERSION, ObjectAttributes=["ETag"])
        self.assertError(ctx, "NoSuchVersion", 404)
        # Behind a delete marker: 404 naming the marker; the marker by id: 405.
        marker = self.s3.delete_object(Bucket=b, Key="o")["VersionId"]
        with self.assertRaises(ClientError) as ctx:
            self.s3.get_object_attributes(Bucket=b, Key="o", ObjectAttributes=["ETag"])
        err = self.assertError(ctx, "NoSuchKey", 404)
        hdrs = err["ResponseMetadata"]["HTTPHeaders"]
        self.assertEqual((hdrs.get("x-amz-delete-marker"), hdrs.get("x-amz-version-id")), ("true", marker))
        with self.assertRaises(ClientError) as ctx:
            self.s3.get_object_attributes(Bucket=b, Key="o", VersionId=marker, ObjectAttributes=["ETag"])
        self.assertError(ctx, "MethodNotAllowed", 405)

    def test_versions_survive_a_restart(self):
        b = self.versioned_bucket("ver-restart")
        v1 = self.s3.put_object(Bucket=b, Key="r", Body=b"one")["VersionId"]
        v2 = self.s3.put_object(Bucket=b, Key="r", Body=b"two")["VersionId"]
        m = self.s3.delete_object(Bucket=b, Key="r")["VersionId"]
        before = self.versions(b)
        self.server.restart()
        type(self).raw = h.Client(self.server)
        type(self).s3 = boto3.session.Session().client(
            "s3", endpoint_url=self.server.endpoint, region_name=h.REGION,
            aws_access_key_id=h.ROOT_ACCESS_KEY, aws_secret_access_key=h.ROOT_SECRET_KEY,
            config=Config(s3={"addressing_style": "path"}, retries={"max_attempts": 1}))
        self.assertEqual(self.versions(b), before)
        self.assertEqual([row[1] for row in before], [m, v2, v1])
        self.assertEqual(self.s3.get_bucket_versioning(Bucket=b)["Status"], "Enabled")
        self.assertEqual(self.s3.get_object(Bucket=b, Key="r", VersionId=v1)["Body"].read(), b"one")


if __name__ == "__main__":
    h.main()
