"""conformance.directory_sessions: directory buckets (S3 Express One Zone) from Python.

* boto3 1.43 (pyenv) directory flows through botocore's own S3Express session cache:
  create_bucket with CreateBucketConfiguration, list_directory_buckets, put/get/list/delete,
  create_session.
* Hand-made sessions: ``GET /bucket?session`` signed with the root key (scope service
  ``s3express``), then requests signed with the session key and ``x-amz-s3session-token``:
  ReadOnly vs ReadWrite, a token from bucket A on bucket B, tampered/garbled/expired tokens,
  a wrong session secret, CreateSession carrying a token, another user's CreateSession, bad modes.
* Directory CreateBucket errors (exact code + status), ListBuckets vs ListDirectoryBuckets.
* A 10,000-object tree, 5 levels deep, listed per directory with "/" and fully with pagination.
  Listing order is compared as sets here (the walk-order tests are in
  js/directory_express_ops.test.mjs).

Every error is checked for code, HTTP status, and an XML body whose <RequestId> equals the
x-amz-request-id header.
"""

from __future__ import annotations

import concurrent.futures
import datetime as dt
import hashlib
import os
import sys
import time
import unittest
import zlib

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import xs3harness as h  # noqa: E402

import boto3  # noqa: E402
import botocore  # noqa: E402
from botocore.config import Config  # noqa: E402
from botocore.exceptions import ClientError  # noqa: E402

if tuple(int(x) for x in botocore.__version__.split(".")[:2]) < (1, 33):
    raise SystemExit(f"botocore {botocore.__version__} does not know directory buckets; run this suite "
                     f"with the pyenv python3 (boto3 1.43)")

ZONE = "use1-az4"
DIR_CFG = {
    "Location": {"Type": "AvailabilityZone", "Name": ZONE},
    "Bucket": {"DataRedundancy": "SingleAvailabilityZone", "Type": "Directory"},
}
BOB = {"name": "bob", "access_key": "BOBKEY", "secret_key": "BOBSECRET"}
USERS_CONFIG = {"users": [BOB]}


def dir_cfg_xml(zone, extra=""):
    return ("<CreateBucketConfiguration xmlns=\"http://s3.amazonaws.com/doc/2006-03-01/\">"
            f"<Location><Type>AvailabilityZone</Type><Name>{zone}</Name></Location>"
            "<Bucket><DataRedundancy>SingleAvailabilityZone</DataRedundancy><Type>Directory</Type></Bucket>"
            f"{extra}</CreateBucketConfiguration>").encode()


def boto_client(server, access_key=h.ROOT_ACCESS_KEY, secret_key=h.ROOT_SECRET_KEY, pool=10):
    cfg = Config(region_name=h.REGION, retries={"max_attempts": 1, "mode": "standard"},
                 max_pool_connections=pool, connect_timeout=10, read_timeout=60)
    return boto3.client("s3", endpoint_url=server.endpoint, aws_access_key_id=access_key,
                        aws_secret_access_key=secret_key, config=cfg)


def sx(server, method, path, query=(), headers=None, body=b"", access_key=h.ROOT_ACCESS_KEY,
       secret_key=h.ROOT_SECRET_KEY, token=None, service="s3express"):
    """One raw request signed for ``service`` (path style, boto3's single-slash form)."""
    hdrs = dict(headers or {})
    hdrs.setdefault("host", server.host)
    if token is not None:
        hdrs["x-amz-s3session-token"] = token
    s = h.sign_v4(method, path, query, hdrs, hashlib.sha256(body).hexdigest(), access_key=access_key,
                  secret_key=secret_key, service=service)
    target = path + ("?" + h.wire_query(query) if query else "")
    return h.raw_request(server.port, method, target, s.headers, body)


class Session:
    def __init__(self, resp):
        root = resp.xml()
        self.root_tag = root.tag
        c = root.find("Credentials")
        if c is None:
            raise AssertionError(f"no Credentials in CreateSession answer: {resp.body!r}")
        self.access_key = c.findtext("AccessKeyId")
        self.secret_key = c.findtext("SecretAccessKey")
        self.token = c.findtext("SessionToken")
        self.expiration = dt.datetime.strptime(c.findtext("Expiration").replace(".000", ""),
                                               "%Y-%m-%dT%H:%M:%SZ").replace(tzinfo=dt.timezone.utc)
        for v in (self.access_key, self.secret_key, self.token):
            if not v:
                raise AssertionError(f"incomplete Credentials: {resp.body!r}")

    def req(self, server, method, path, **kw):
        kw.setdefault("access_key", self.access_key)
        kw.setdefault("secret_key", self.secret_key)
        kw.setdefault("token", self.token)
        return sx(server, method, path, **kw)


def create_session(server, bucket, mode=None, **kw):
    headers = {}
    if mode is not None:
        headers["x-amz-create-session-mode"] = mode
    return sx(server, "GET", "/" + bucket, query=[("session", None)], headers=headers, **kw)


class DirTestCase(h.ServerTestCase):
    def assertError(self, r, code, status):
        self.assertEqual(r.status, status, f"expected {status} {code}, got {r}")
        self.assertEqual(r.error_code(), code, f"expected {code}, got {r}")
        root = r.xml()
        self.assertEqual(root.tag, "Error")
        self.assertTrue(root.findtext("Message"), r)
        rid = root.findtext("RequestId")
        self.assertTrue(rid, f"<RequestId> in {r}")
        self.assertEqual(rid, r.header("x-amz-request-id"), "RequestId = x-amz-request-id")
        self.assertIn("xml", r.header("content-type", ""))

    def assertBotoError(self, ctx, code, status):
        err = ctx.exception.response
        self.assertEqual(err["ResponseMetadata"]["HTTPStatusCode"], status, err)
        self.assertEqual(err["Error"]["Code"], code, err)
        self.assertTrue(err["ResponseMetadata"].get("RequestId"), err)

    def make_dir_bucket(self, name, zone=ZONE):
        r = sx(self.server, "PUT", "/" + name, body=dir_cfg_xml(zone))
        self.assertEqual(r.status, 200, r)
        return name

    def get_root(self, bucket, key):
        return sx(self.server, "GET", h.key_path(bucket, key))


# ---------------------------------------------------------------------------------------------

class Boto3DirectoryFlows(DirTestCase):
    """boto3 1.43's own S3Express handling (CreateSession, session cache, s3express scope)."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.s3 = boto_client(cls.server)
        cls.bucket = f"py-flows--{ZONE}--x-s3"
        cls.s3.create_bucket(Bucket=cls.bucket, CreateBucketConfiguration=DIR_CFG)
        cls.s3.create_bucket(Bucket="py-flows-gp")

    def test_list_directory_buckets_and_list_buckets_are_disjoint(self):
        names = [b["Name"] for b in self.s3.list_directory_buckets()["Buckets"]]
        self.assertEqual(names, [self.bucket])
        gp = [b["Name"] for b in self.s3.list_buckets()["Buckets"]]
        self.assertEqual(gp, ["py-flows-gp"])

    def test_list_directory_buckets_paginator(self):
        extra = [f"py-pg{i}--use1-az5--x-s3" for i in range(3)]
        for b in extra:
            self.s3.create_bucket(Bucket=b, CreateBucketConfiguration={
                "Location": {"Type": "AvailabilityZone", "Name": "use1-az5"},
                "Bucket": {"DataRedundancy": "SingleAvailabilityZone", "Type": "Directory"}})
        try:
            pages = list(self.s3.get_paginator("list_directory_buckets").paginate(
                PaginationConfig={"PageSize": 2}))
            names = [b["Name"] for p in pages for b in p.get("Buckets", [])]
            self.assertEqual(sorted(names), sorted(extra + [self.bucket]))
            self.assertEqual(len(pages), 2)
            self.assertTrue(all(len(p.get("Buckets", [])) <= 2 for p in pages))
        finally:
            for b in extra:
                self.s3.delete_bucket(Bucket=b)

    def test_head_bucket(self):
        r = self.s3.head_bucket(Bucket=self.bucket)
        self.assertEqual(r["BucketLocationType"], "AvailabilityZone")
        self.assertEqual(r["BucketLocationName"], ZONE)
        self.assertEqual(r["ResponseMetadata"]["HTTPHeaders"].get("x-amz-bucket-arn", "").split(":")[:3],
                         ["arn", "aws", "s3express"])

    def test_put_get_head_list_delete(self):
        body = os.urandom(150_000)
        p = self.s3.put_object(Bucket=self.bucket, Key="f/one.bin", Body=body)
        self.assertNotEqual(p["ETag"].strip('"'), hashlib.md5(body).hexdigest())
        self.assertEqual(p["ChecksumCRC32"], h.crc32_b64(body))
        g = self.s3.get_object(Bucket=self.bucket, Key="f/one.bin")
        self.assertEqual(g["Body"].read(), body)
        self.assertEqual(g["StorageClass"], "EXPRESS_ONEZONE")
        self.assertEqual(g["ETag"], p["ETag"])
        hd = self.s3.head_object(Bucket=self.bucket, Key="f/one.bin")
        self.assertEqual(hd["ContentLength"], len(body))
        self.assertEqual(hd["StorageClass"], "EXPRESS_ONEZONE")
        self.s3.put_object(Bucket=self.bucket, Key="f/sub/two.txt", Body=b"two")
        self.s3.put_object(Bucket=self.bucket, Key="f/odd key+%~.txt", Body=b"odd")
        ls = self.s3.list_objects_v2(Bucket=self.bucket, Prefix="f/", Delimiter="/")
        self.assertEqual(sorted(c["Key"] for c in ls["Contents"]), ["f/odd key+%~.txt", "f/one.bin"])
        self.assertEqual([p["Prefix"] for p in ls["CommonPrefixes"]], ["f/sub/"])
        self.assertTrue(all(c["StorageClass"] == "EXPRESS_ONEZONE" for c in ls["Contents"]))
        self.s3.delete_object(Bucket=self.bucket, Key="f/one.bin")
        with self.assertRaises(ClientError) as ctx:
            self.s3.get_object(Bucket=self.bucket, Key="f/one.bin")
        self.assertBotoError(ctx, "NoSuchKey", 404)
        out = self.s3.delete_objects(Bucket=self.bucket, Delete={"Objects": [
            {"Key": "f/sub/two.txt"}, {"Key": "f/odd key+%~.txt"}]})
        self.assertEqual(sorted(d["Key"] for d in out["Deleted"]), ["f/odd key+%~.txt", "f/sub/two.txt"])
        self.assertEqual(self.s3.list_objects_v2(Bucket=self.bucket, Prefix="f/")["KeyCount"], 0)

    def test_list_errors(self):
        with self.assertRaises(ClientError) as ctx:
            self.s3.list_objects_v2(Bucket=self.bucket, Delimiter="#")
        self.assertBotoError(ctx, "InvalidArgument", 400)
        with self.assertRaises(ClientError) as ctx:
            self.s3.list_objects_v2(Bucket=self.bucket, Prefix="f", Delimiter="/")
        self.assertBotoError(ctx, "InvalidArgument", 400)
        with self.assertRaises(ClientError) as ctx:
            self.s3.list_objects_v2(Bucket=self.bucket, StartAfter="a")
        self.assertBotoError(ctx, "InvalidArgument", 400)
        with self.assertRaises(ClientError) as ctx:
            self.s3.list_objects(Bucket=self.bucket)
        self.assertBotoError(ctx, "NotImplemented", 501)

    def test_copy_and_conditional_put(self):
        self.s3.put_object(Bucket=self.bucket, Key="c/src", Body=b"source")
        self.s3.copy_object(Bucket=self.bucket, Key="c/dst", CopySource={"Bucket": self.bucket, "Key": "c/src"})
        self.assertEqual(self.s3.get_object(Bucket=self.bucket, Key="c/dst")["Body"].read(), b"source")
        with self.assertRaises(ClientError) as ctx:
            self.s3.put_object(Bucket=self.bucket, Key="c/dst", Body=b"x", IfNoneMatch="*")
        self.assertBotoError(ctx, "PreconditionFailed", 412)
        self.assertEqual(self.s3.get_object(Bucket=self.bucket, Key="c/dst")["Body"].read(), b"source")

    def test_create_session(self):
        for mode in ("ReadOnly", "ReadWrite"):
            r = self.s3.create_session(Bucket=self.bucket, SessionMode=mode)
            c = r["Credentials"]
            self.assertTrue(c["AccessKeyId"] and c["SecretAccessKey"] and c["SessionToken"])
            self.assertNotEqual(c["AccessKeyId"], h.ROOT_ACCESS_KEY)
            left = (c["Expiration"] - dt.datetime.now(dt.timezone.utc)).total_seconds()
            self.assertTrue(240 < left <= 301, left)

    def test_acl_header_not_implemented(self):
        with self.assertRaises(ClientError) as ctx:
            self.s3.put_object(Bucket=self.bucket, Key="acl/x", Body=b"x", ACL="public-read")
        self.assertBotoError(ctx, "NotImplemented", 501)
        with self.assertRaises(ClientError) as ctx:
            self.s3.head_object(Bucket=self.bucket, Key="acl/x")
        self.assertEqual(ctx.exception.response["ResponseMetadata"]["HTTPStatusCode"], 404)

    def test_zzz_delete_bucket(self):
        b = f"py-del--{ZONE}--x-s3"
        self.s3.create_bucket(Bucket=b, CreateBucketConfiguration=DIR_CFG)
        self.s3.put_object(Bucket=b, Key="a/b", Body=b"x")
        with self.assertRaises(ClientError) as ctx:
            self.s3.delete_bucket(Bucket=b)
        self.assertBotoError(ctx, "BucketNotEmpty", 409)
        self.s3.delete_object(Bucket=b, Key="a/b")
        self.s3.delete_bucket(Bucket=b)
        names = [x["Name"] for x in self.s3.list_directory_buckets()["Buckets"]]
        self.assertNotIn(b, names)


# ---------------------------------------------------------------------------------------------

class HandMadeSessions(DirTestCase):
    server_kwargs = {"config": USERS_CONFIG}

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.A = f"hs-a--{ZONE}--x-s3"
        cls.B = f"hs-b--{ZONE}--x-s3"
        for b in (cls.A, cls.B):
            r = sx(cls.server, "PUT", "/" + b, body=dir_cfg_xml(ZONE))
            assert r.status == 200, r
        r = sx(cls.server, "PUT", "/hs-gp", service="s3")
        assert r.status == 200, r
        for b in (cls.A, cls.B):
            r = sx(cls.server, "PUT", h.key_path(b, "k/existing.txt"), body=b"original " + b.encode())
            assert r.status == 200, r

    def session(self, bucket, mode=None, **kw):
        r = create_session(self.server, bucket, mode, **kw)
        self.assertEqual(r.status, 200, r)
        return Session(r)

    def assertUnchanged(self, bucket):
        r = self.get_root(bucket, "k/existing.txt")
        self.assertEqual(r.status, 200, r)
        self.assertEqual(r.body, b"original " + bucket.encode())
        r = sx(self.server, "GET", "/" + bucket, query=[("list-type", "2"), ("prefix", "k/")])
        keys = [c.findtext("Key") for c in r.xml().findall("Contents")]
        self.assertEqual(keys, ["k/existing.txt"])

    def test_create_session_answer_shape(self):
        r = create_session(self.server, self.A, "ReadWrite")
        self.assertEqual(r.status, 200, r)
        s = Session(r)
        self.assertEqual(s.root_tag, "CreateSessionResult")
        self.assertNotEqual(s.access_key, h.ROOT_ACCESS_KEY)
        left = (s.expiration - dt.datetime.now(dt.timezone.utc)).total_seconds()
        self.assertTrue(290 <= left <= 301, f"default lifetime 300 s, got {left}")
        # boto3-style path and the JS "//" path both work
        r2 = sx(self.server, "GET", f"/{self.A}//", query=[("session", "")])
        self.assertEqual(r2.status, 200, r2)

    def test_create_session_on_gp_bucket_refused(self):
        r = create_session(self.server, "hs-gp")
        self.assertGreaterEqual(r.status, 400, f"CreateSession on a GP bucket must fail: {r}")
        self.assertIsNotNone(r.error_code(), r)

    def test_readonly_reads_work(self):
        s = self.session(self.A, "ReadOnly")
        r = s.req(self.server, "GET", h.key_path(self.A, "k/existing.txt"))
        self.assertEqual(r.status, 200, r)
        self.assertEqual(r.body, b"original " + self.A.encode())
        r = s.req(self.server, "HEAD", h.key_path(self.A, "k/existing.txt"))
        self.assertEqual(r.status, 200, r)
        self.assertEqual(r.header("x-amz-storage-class"), "EXPRESS_ONEZONE")
        r = s.req(self.server, "GET", "/" + self.A, query=[("list-type", "2"), ("prefix", "k/"), ("delimiter", "/")])
        self.assertEqual(r.status, 200, r)
        self.assertEqual([c.findtext("Key") for c in r.xml().findall("Contents")], ["k/existing.txt"])

    def test_readonly_writes_denied_nothing_changed(self):
        s = self.session(self.A, "ReadOnly")
        r = s.req(self.server, "PUT", h.key_path(self.A, "k/existing.txt"), body=b"overwrite")
        self.assertError(r, "AccessDenied", 403)
        r = s.req(self.server, "PUT", h.key_path(self.A, "k/new.txt"), body=b"new")
        self.assertError(r, "AccessDenied", 403)
        r = s.req(self.server, "DELETE", h.key_path(self.A, "k/existing.txt"))
        self.assertError(r, "AccessDenied", 403)
        body = b"<Delete><Object><Key>k/existing.txt</Key></Object></Delete>"
        r = s.req(self.server, "POST", "/" + self.A, query=[("delete", None)], body=body,
                  headers={"x-amz-checksum-crc32": h.crc32_b64(body)})
        self.assertError(r, "AccessDenied", 403)
        r = sx(self.server, "PUT", h.key_path(self.A, "k/copy.txt"), access_key=s.access_key,
               secret_key=s.secret_key, token=s.token,
               headers={"x-amz-copy-source": f"/{self.A}/k/existing.txt"})
        self.assertError(r, "AccessDenied", 403)
        self.assertUnchanged(self.A)

    def test_readwrite_writes_work(self):
        s = self.session(self.A, "ReadWrite")
        r = s.req(self.server, "PUT", h.key_path(self.A, "rw/new.txt"), body=b"written",
                  headers={"x-amz-checksum-crc32": h.crc32_b64(b"written")})
        self.assertEqual(r.status, 200, r)
        self.assertEqual(self.get_root(self.A, "rw/new.txt").body, b"written")
        r = s.req(self.server, "GET", h.key_path(self.A, "rw/new.txt"))
        self.assertEqual(r.body, b"written")
        r = s.req(self.server, "DELETE", h.key_path(self.A, "rw/new.txt"))
        self.assertEqual(r.status, 204, r)
        self.assertEqual(self.get_root(self.A, "rw/new.txt").status, 404)

    def test_default_mode_is_readwrite(self):
        s = self.session(self.A)
        r = s.req(self.server, "PUT", h.key_path(self.A, "rw/default.txt"), body=b"d")
        self.assertEqual(r.status, 200, r)
        self.assertEqual(s.req(self.server, "DELETE", h.key_path(self.A, "rw/default.txt")).status, 204)

    def test_token_for_a_on_b_denied(self):
        s = self.session(self.A, "ReadWrite")
        r = s.req(self.server, "GET", h.key_path(self.B, "k/existing.txt"))
        self.assertError(r, "AccessDenied", 403)
        r = s.req(self.server, "PUT", h.key_path(self.B, "k/existing.txt"), body=b"x")
        self.assertError(r, "AccessDenied", 403)
        r = s.req(self.server, "GET", "/" + self.B, query=[("list-type", "2")])
        self.assertError(r, "AccessDenied", 403)
        self.assertUnchanged(self.B)

    def test_tampered_token_invalid(self):
        s = self.session(self.A, "ReadWrite")
        t = s.token
        for i in (len(t) // 2, 3, len(t) - 2):
            flipped = t[:i] + ("B" if t[i] != "B" else "C") + t[i + 1:]
            r = s.req(self.server, "GET", h.key_path(self.A, "k/existing.txt"), token=flipped)
            self.assertError(r, "InvalidToken", 400)
            r = s.req(self.server, "PUT", h.key_path(self.A, "k/existing.txt"), token=flipped, body=b"x")
            self.assertError(r, "InvalidToken", 400)
        for garbled in ("garbage", "x" * 300, t[: len(t) // 2], t + "A"):
            r = s.req(self.server, "GET", h.key_path(self.A, "k/existing.txt"), token=garbled)
            self.assertError(r, "InvalidToken", 400)
        self.assertUnchanged(self.A)

    def test_wrong_session_secret(self):
        s = self.session(self.A, "ReadWrite")
        r = s.req(self.server, "GET", h.key_path(self.A, "k/existing.txt"), secret_key=s.secret_key + "x")
        self.assertError(r, "SignatureDoesNotMatch", 403)
        # the root secret does not sign for a session either
        r = s.req(self.server, "GET", h.key_path(self.A, "k/existing.txt"), secret_key=h.ROOT_SECRET_KEY)
        self.assertError(r, "SignatureDoesNotMatch", 403)
        r = s.req(self.server, "PUT", h.key_path(self.A, "k/existing.txt"), secret_key=s.secret_key[::-1],
                  body=b"x")
        self.assertError(r, "SignatureDoesNotMatch", 403)
        # the session key without its token is not a key the server knows
        r = sx(self.server, "GET", h.key_path(self.A, "k/existing.txt"), access_key=s.access_key,
               secret_key=s.secret_key)
        self.assertError(r, "InvalidAccessKeyId", 403)
        self.assertUnchanged(self.A)

    def test_session_credentials_signed_for_s3_are_unknown(self):
        # Session keys exist only for the s3express service (sigv4-s3express).
        s = self.session(self.A, "ReadWrite")
        r = s.req(self.server, "GET", h.key_path(self.A, "k/existing.txt"), service="s3")
        self.assertError(r, "InvalidAccessKeyId", 403)
        r = s.req(self.server, "PUT", h.key_path(self.A, "k/other.txt"), service="s3", body=b"x")
        self.assertError(r, "InvalidAccessKeyId", 403)
        self.assertUnchanged(self.A)

    def test_create_session_with_a_token_invalid_request(self):
        s = self.session(self.A, "ReadWrite")
        r = create_session(self.server, self.A, "ReadWrite", access_key=s.access_key,
                           secret_key=s.secret_key, token=s.token)
        self.assertError(r, "InvalidRequest", 400)
        # the root key with a session token: the token does not belong to the key (as on data calls)
        r = create_session(self.server, self.A, "ReadWrite", token=s.token)
        self.assertError(r, "AccessDenied", 403)
        r = sx(self.server, "GET", h.key_path(self.A, "k/existing.txt"), token=s.token)
        self.assertError(r, "AccessDenied", 403)

    def test_create_session_other_user_denied(self):
        r = create_session(self.server, self.A, "ReadOnly", access_key=BOB["access_key"],
                           secret_key=BOB["secret_key"])
        self.assertError(r, "AccessDenied", 403)
        r = create_session(self.server, self.A, None, access_key=BOB["access_key"], secret_key=BOB["secret_key"])
        self.assertError(r, "AccessDenied", 403)
        # bob also cannot use the static key on root's directory bucket
        r = sx(self.server, "GET", h.key_path(self.A, "k/existing.txt"), access_key=BOB["access_key"],
               secret_key=BOB["secret_key"])
        self.assertError(r, "AccessDenied", 403)

    def test_create_session_bogus_mode(self):
        for mode in ("Bogus", "readonly", "ReadWrite,ReadOnly"):
            r = create_session(self.server, self.A, mode)
            self.assertError(r, "InvalidArgument", 400)

    def test_create_session_bad_root_signature(self):
        r = create_session(self.server, self.A, "ReadOnly", secret_key="wrong")
        self.assertError(r, "SignatureDoesNotMatch", 403)
        r = create_session(self.server, self.A, "ReadOnly", access_key="NOSUCHKEY")
        self.assertError(r, "InvalidAccessKeyId", 403)

    def test_list_buckets_vs_list_directory_buckets(self):
        r = sx(self.server, "GET", "/", service="s3")
        self.assertEqual(r.status, 200, r)
        self.assertEqual(r.xml().tag, "ListAllMyBucketsResult")
        self.assertEqual([b.findtext("Name") for b in r.xml().iter("Bucket")], ["hs-gp"])
        r = sx(self.server, "GET", "/")
        self.assertEqual(r.status, 200, r)
        self.assertEqual(r.xml().tag, "ListAllMyDirectoryBucketsResult")
        self.assertEqual(sorted(b.findtext("Name") for b in r.xml().iter("Bucket")), sorted([self.A, self.B]))
        r = sx(self.server, "GET", "/", query=[("x-id", "ListDirectoryBuckets")])
        self.assertEqual(r.xml().tag, "ListAllMyDirectoryBucketsResult")
        r = sx(self.server, "GET", "/", query=[("max-directory-buckets", "1")])
        self.assertEqual(len(list(r.xml().iter("Bucket"))), 1)
        tok = r.xml().findtext("ContinuationToken")
        self.assertTrue(tok, r)
        r2 = sx(self.server, "GET", "/", query=[("max-directory-buckets", "1"), ("continuation-token", tok)])
        names = [b.findtext("Name") for b in r.xml().iter("Bucket")] + \
                [b.findtext("Name") for b in r2.xml().iter("Bucket")]
        self.assertEqual(sorted(names), sorted([self.A, self.B]))
        self.assertIsNone(r2.xml().findtext("ContinuationToken"))
        # bob sees none of root's buckets
        r = sx(self.server, "GET", "/", access_key=BOB["access_key"], secret_key=BOB["secret_key"])
        self.assertEqual(list(r.xml().iter("Bucket")), [])

    def test_virtual_host_and_zonal_host_addressing(self):
        port = self.server.port
        for host in (f"{self.A}.s3express-{ZONE}.us-east-1.localhost:{port}", f"{self.A}.localhost:{port}"):
            r = sx(self.server, "GET", "/", query=[("session", None)], headers={"host": host,
                                                                                "x-amz-create-session-mode": "ReadOnly"})
            self.assertEqual(r.status, 200, f"{host}: {r}")
            ro = Session(r)
            r = ro.req(self.server, "GET", "/k/existing.txt", headers={"host": host})
            self.assertEqual((r.status, r.body), (200, b"original " + self.A.encode()), host)
            r = ro.req(self.server, "GET", "/", query=[("list-type", "2"), ("prefix", "k/")], headers={"host": host})
            self.assertEqual([c.findtext("Key") for c in r.xml().findall("Contents")], ["k/existing.txt"], host)
            self.assertEqual(r.xml().findtext("Name"), self.A)
            r = ro.req(self.server, "PUT", "/k/existing.txt", headers={"host": host}, body=b"no")
            self.assertError(r, "AccessDenied", 403)
            rw = Session(sx(self.server, "GET", "/", query=[("session", None)], headers={"host": host}))
            r = rw.req(self.server, "PUT", "/vh/new.txt", headers={"host": host}, body=b"vh")
            self.assertEqual(r.status, 200, r)
            self.assertEqual(self.get_root(self.A, "vh/new.txt").body, b"vh")
            self.assertEqual(rw.req(self.server, "DELETE", "/vh/new.txt", headers={"host": host}).status, 204)
            # a token for A presented on B's host
            r = rw.req(self.server, "GET", "/k/existing.txt", headers={"host": host.replace(self.A, self.B)})
            self.assertError(r, "AccessDenied", 403)
        self.assertUnchanged(self.A)

    def test_control_host(self):
        ctl = f"s3express-control.us-east-1.localhost:{self.server.port}"
        r = sx(self.server, "GET", "/", headers={"host": ctl})
        self.assertEqual(r.xml().tag, "ListAllMyDirectoryBucketsResult", r)
        self.assertEqual(sorted(b.findtext("Name") for b in r.xml().iter("Bucket")), sorted([self.A, self.B]))
        r = sx(self.server, "HEAD", "/" + self.A, headers={"host": ctl})
        self.assertEqual(r.status, 200, r)
        name = f"ctl--{ZONE}--x-s3"
        r = sx(self.server, "PUT", "/" + name, headers={"host": ctl}, body=dir_cfg_xml(ZONE))
        self.assertEqual(r.status, 200, r)
        self.assertEqual(sx(self.server, "HEAD", "/" + name).status, 200)
        r = sx(self.server, "DELETE", "/" + name, headers={"host": ctl})
        self.assertEqual(r.status, 204, r)
        self.assertEqual(sx(self.server, "HEAD", "/" + name).status, 404)

    def test_head_bucket_iam_signed(self):
        r = sx(self.server, "HEAD", "/" + self.A)
        self.assertEqual(r.status, 200, r)
        self.assertEqual(r.header("x-amz-bucket-location-type"), "AvailabilityZone")
        self.assertEqual(r.header("x-amz-bucket-location-name"), ZONE)
        self.assertTrue(r.header("x-amz-bucket-arn", "").startswith("arn:aws:s3express:us-east-1:"), r.headers)
        self.assertTrue(r.header("x-amz-bucket-arn", "").endswith(":bucket/" + self.A), r.headers)

    def test_object_acl_header_not_implemented(self):
        r = sx(self.server, "PUT", h.key_path(self.A, "acl/x"), body=b"x", headers={"x-amz-acl": "private"})
        self.assertError(r, "NotImplemented", 501)
        self.assertEqual(self.get_root(self.A, "acl/x").status, 404)

    def test_get_bucket_location_not_implemented(self):
        r = sx(self.server, "GET", "/" + self.A, query=[("location", None)])
        self.assertError(r, "NotImplemented", 501)


# ---------------------------------------------------------------------------------------------

class ShortSessionsAndZones(DirTestCase):
    """--session-lifetime 2 and --zones use1-az4,use1-az5."""

    server_kwargs = {"extra_args": ["--session-lifetime", "2", "--zones", "use1-az4,use1-az5"]}

    def test_expired_token(self):
        b = self.make_dir_bucket(f"exp--{ZONE}--x-s3")
        r = sx(self.server, "PUT", h.key_path(b, "a/x"), body=b"x")
        self.assertEqual(r.status, 200, r)
        ro = Session(create_session(self.server, b, "ReadOnly"))
        rw = Session(create_session(self.server, b, "ReadWrite"))
        left = (rw.expiration - dt.datetime.now(dt.timezone.utc)).total_seconds()
        self.assertTrue(-1 <= left <= 3, f"--session-lifetime 2 gave an expiry {left} s away")
        self.assertEqual(ro.req(self.server, "GET", h.key_path(b, "a/x")).status, 200)
        time.sleep(3.2)
        self.assertError(ro.req(self.server, "GET", h.key_path(b, "a/x")), "ExpiredToken", 400)
        self.assertError(rw.req(self.server, "PUT", h.key_path(b, "a/x"), body=b"late"), "ExpiredToken", 400)
        self.assertError(rw.req(self.server, "DELETE", h.key_path(b, "a/x")),
                         "ExpiredToken", 400)
        self.assertEqual(self.get_root(b, "a/x").body, b"x")
        # a fresh session works again
        fresh = Session(create_session(self.server, b, "ReadOnly"))
        self.assertEqual(fresh.req(self.server, "GET", h.key_path(b, "a/x")).body, b"x")

    def test_boto3_refreshes_short_sessions(self):
        s3 = boto_client(self.server)
        b = f"py-short--{ZONE}--x-s3"
        s3.create_bucket(Bucket=b, CreateBucketConfiguration=DIR_CFG)
        s3.put_object(Bucket=b, Key="a/1", Body=b"1")
        time.sleep(2.5)
        self.assertEqual(s3.get_object(Bucket=b, Key="a/1")["Body"].read(), b"1")

    def test_create_bucket_name_zone_mismatch(self):
        r = sx(self.server, "PUT", "/mm--use1-az4--x-s3", body=dir_cfg_xml("use1-az5"))
        self.assertError(r, "InvalidBucketName", 400)
        self.assertNotCreated("mm--use1-az4--x-s3", "mm--use1-az5--x-s3")

    def test_create_bucket_unknown_zone(self):
        # use1-az6 exists in us-east-1 but this server offers only use1-az4,use1-az5
        r = sx(self.server, "PUT", "/uz--use1-az6--x-s3", body=dir_cfg_xml("use1-az6"))
        self.assertError(r, "InvalidLocationConstraint", 400)
        r = sx(self.server, "PUT", "/uz--euw1-az1--x-s3", body=dir_cfg_xml("euw1-az1"))
        self.assertError(r, "InvalidLocationConstraint", 400)
        self.assertNotCreated("uz--use1-az6--x-s3", "uz--euw1-az1--x-s3")
        self.make_dir_bucket("ok--use1-az5--x-s3", "use1-az5")

    def test_create_bucket_location_constraint_in_body(self):
        r = sx(self.server, "PUT", "/lc--use1-az4--x-s3",
               body=dir_cfg_xml(ZONE, "<LocationConstraint>us-east-1</LocationConstraint>"))
        self.assertError(r, "MalformedXML", 400)
        self.assertNotCreated("lc--use1-az4--x-s3")

    def test_create_bucket_without_body(self):
        r = sx(self.server, "PUT", "/nb--use1-az4--x-s3")
        self.assertError(r, "InvalidBucketName", 400)
        r = sx(self.server, "PUT", "/nb--use1-az4--x-s3", service="s3")
        self.assertError(r, "InvalidBucketName", 400)
        self.assertNotCreated("nb--use1-az4--x-s3")

    def test_create_bucket_bad_names(self):
        for name in ("UP--use1-az4--x-s3", "a.b--use1-az4--x-s3", "-x--use1-az4--x-s3",
                     "x" * 50 + "--use1-az4--x-s3"):
            r = sx(self.server, "PUT", "/" + name, body=dir_cfg_xml(ZONE))
            self.assertError(r, "InvalidBucketName", 400)

    def test_create_bucket_through_boto3_errors(self):
        s3 = boto_client(self.server)
        with self.assertRaises(ClientError) as ctx:
            s3.create_bucket(Bucket="bm--use1-az4--x-s3", CreateBucketConfiguration={
                "Location": {"Type": "AvailabilityZone", "Name": "use1-az5"},
                "Bucket": {"DataRedundancy": "SingleAvailabilityZone", "Type": "Directory"}})
        self.assertBotoError(ctx, "InvalidBucketName", 400)

    def assertNotCreated(self, *names):
        r = sx(self.server, "GET", "/")
        have = {b.findtext("Name") for b in r.xml().iter("Bucket")}
        for n in names:
            self.assertNotIn(n, have)
            self.assertEqual(sx(self.server, "HEAD", "/" + n).status, 404)


# ---------------------------------------------------------------------------------------------

TREE_OBJECTS = int(os.environ.get("XS3_DIR_TREE_OBJECTS", "10000"))


def build_tree():
    """10,000 keys, 5 levels: t/aI/bJ/cK/dL/fM plus files at every intermediate level."""
    keys = []
    for a in range(4):
        keys += [f"t/a{a}/top{m}.txt" for m in range(4)]
        for b in range(5):
            keys += [f"t/a{a}/b{b}/mid{m}" for m in range(4)]
            for c in range(5):
                keys += [f"t/a{a}/b{b}/c{c}/f-{m}" for m in range(4)]
                for d in range(5):
                    keys += [f"t/a{a}/b{b}/c{c}/d{d}/leaf {m:02d}.bin" for m in range(19)]
    keys += [f"t/root{m}" for m in range(4)]
    return keys


class TreeListing(DirTestCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.s3 = boto_client(cls.server, pool=48)
        cls.bucket = f"tree--{ZONE}--x-s3"
        cls.s3.create_bucket(Bucket=cls.bucket, CreateBucketConfiguration=DIR_CFG)
        keys = build_tree()
        if TREE_OBJECTS < len(keys):
            keys = keys[:TREE_OBJECTS]
        cls.keys = keys
        t0 = time.monotonic()
        with concurrent.futures.ThreadPoolExecutor(32) as ex:
            list(ex.map(lambda k: cls.s3.put_object(Bucket=cls.bucket, Key=k, Body=k.encode()), keys))
        cls.put_seconds = time.monotonic() - t0
        sys.stderr.write(f"\n[tree] {len(keys)} objects PUT via boto3 in {cls.put_seconds:.1f}s\n")

    def test_tree_shape(self):
        self.assertEqual(len(set(self.keys)), TREE_OBJECTS if TREE_OBJECTS < 10000 else 10000)
        self.assertGreaterEqual(max(k.count("/") for k in self.keys), 5)

    def expected_dir(self, prefix):
        contents, prefixes = set(), set()
        for k in self.keys:
            if not k.startswith(prefix):
                continue
            rest = k[len(prefix):]
            if "/" in rest:
                prefixes.add(prefix + rest.split("/", 1)[0] + "/")
            else:
                contents.add(k)
        return contents, prefixes

    def list_dir(self, prefix, page_size=1000):
        contents, prefixes, n_items = [], [], 0
        for page in self.s3.get_paginator("list_objects_v2").paginate(
                Bucket=self.bucket, Prefix=prefix, Delimiter="/", PaginationConfig={"PageSize": page_size}):
            contents += [c["Key"] for c in page.get("Contents", [])]
            prefixes += [p["Prefix"] for p in page.get("CommonPrefixes", [])]
            n_items += page["KeyCount"]
        self.assertEqual(n_items, len(contents) + len(prefixes))
        return contents, prefixes

    def test_every_directory_with_delimiter(self):
        dirs = {"", "t/"}
        for k in self.keys:
            parts = k.split("/")[:-1]
            for i in range(1, len(parts) + 1):
                dirs.add("/".join(parts[:i]) + "/")
        self.assertGreaterEqual(len(dirs), 600 if TREE_OBJECTS >= 10000 else 10)

        def check(prefix):
            page = 7 if prefix.count("/") == 4 and zlib.crc32(prefix.encode()) % 10 == 0 else 1000
            got_c, got_p = self.list_dir(prefix, page)
            want_c, want_p = self.expected_dir(prefix)
            self.assertEqual(len(got_c), len(set(got_c)), f"{prefix}: duplicate keys")
            self.assertEqual(len(got_p), len(set(got_p)), f"{prefix}: duplicate prefixes")
            self.assertEqual(set(got_c), want_c, prefix)
            self.assertEqual(set(got_p), want_p, prefix)
            return prefix

        with concurrent.futures.ThreadPoolExecutor(16) as ex:
            done = list(ex.map(check, sorted(dirs)))
        self.assertEqual(len(done), len(dirs))

    def test_full_listing_paginated(self):
        for page_size in (1000, 777):
            seen = []
            pages = 0
            for page in self.s3.get_paginator("list_objects_v2").paginate(
                    Bucket=self.bucket, PaginationConfig={"PageSize": page_size}):
                pages += 1
                self.assertLessEqual(page["KeyCount"], page_size)
                seen += [(c["Key"], c["Size"]) for c in page.get("Contents", [])]
                self.assertNotIn("CommonPrefixes", page)
            self.assertEqual(len(seen), len(self.keys), "every key exactly once")
            self.assertEqual(len({k for k, _ in seen}), len(self.keys), "no key twice")
            self.assertEqual({k for k, _ in seen}, set(self.keys))
            self.assertTrue(all(size == len(k.encode()) for k, size in seen))
            self.assertEqual(pages, -(-len(self.keys) // page_size))

    def test_subtree_listing_paginated(self):
        prefix = "t/a2/b3/"
        want = sorted(k for k in self.keys if k.startswith(prefix))
        got = []
        token = None
        while True:
            kw = {"ContinuationToken": token} if token else {}
            r = self.s3.list_objects_v2(Bucket=self.bucket, Prefix=prefix, MaxKeys=50, **kw)
            got += [c["Key"] for c in r.get("Contents", [])]
            if not r["IsTruncated"]:
                break
            token = r["NextContinuationToken"]
        self.assertEqual(len(got), len(want))
        self.assertEqual(sorted(got), want)

    def test_prefix_inside_a_name_without_delimiter(self):
        r = self.s3.list_objects_v2(Bucket=self.bucket, Prefix="t/a1/b2/c3/d4/leaf 1")
        want = sorted(k for k in self.keys if k.startswith("t/a1/b2/c3/d4/leaf 1"))
        self.assertEqual(sorted(c["Key"] for c in r.get("Contents", [])), want)
        self.assertEqual(len(want), 9 if TREE_OBJECTS >= 10000 else len(want))


if __name__ == "__main__":
    h.main()
