"""conformance.isolation: a second user against buckets they have no access to (issue #7).

bob (configured through the users JSON) uses stock boto3 against root's buckets of both types.
Whatever he tries, the answer is 403 AccessDenied, identical for keys that exist and keys that
do not (AWS reveals a bucket's existence, never its keys'): reads, heads (403, no body), lists,
attributes, writes, copies in either direction, deletes, multipart calls on root's upload, and
presigned URLs he signs. On the directory bucket, CreateSession itself is AccessDenied, so boto3
never gets session credentials. Afterwards root's objects are byte-identical and nothing was
added. bob's own buckets stay his: listed to him only, closed to carol.
"""

import os
import sys
import unittest
import urllib.error
import urllib.request

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import xs3harness as h  # noqa: E402

import boto3  # noqa: E402
import botocore  # noqa: E402
from botocore.config import Config  # noqa: E402
from botocore.exceptions import ClientError  # noqa: E402

if tuple(int(x) for x in botocore.__version__.split(".")[:2]) < (1, 33):
    raise SystemExit(f"botocore {botocore.__version__} does not know directory buckets; run with boto3 >= 1.33")

BOB = {"name": "bob", "access_key": "BOBKEY", "secret_key": "BOBSECRET"}
CAROL = {"name": "carol", "access_key": "CAROLKEY", "secret_key": "CAROLSECRET"}
GP = "iso-root"
DIR = "iso-root--use1-az4--x-s3"
DIR_CFG = {"Location": {"Type": "AvailabilityZone", "Name": "use1-az4"},
           "Bucket": {"DataRedundancy": "SingleAvailabilityZone", "Type": "Directory"}}
OBJECTS = {"secret/a.txt": b"root's secret a", "secret/b.txt": b"root's secret b" * 100}
MISSING = "secret/missing.txt"


def client(server, user=None):
    cfg = Config(region_name=h.REGION, retries={"max_attempts": 1, "mode": "standard"},
                 s3={"addressing_style": "path"})
    ak, sk = (user["access_key"], user["secret_key"]) if user else (h.ROOT_ACCESS_KEY, h.ROOT_SECRET_KEY)
    return boto3.client("s3", endpoint_url=server.endpoint, aws_access_key_id=ak, aws_secret_access_key=sk,
                        config=cfg)


class Isolation(h.ServerTestCase):
    server_kwargs = {"config": {"users": [BOB, CAROL]}}

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.root = client(cls.server)
        cls.bob = client(cls.server, BOB)
        cls.carol = client(cls.server, CAROL)
        cls.root.create_bucket(Bucket=GP)
        cls.root.create_bucket(Bucket=DIR, CreateBucketConfiguration=DIR_CFG)
        for b in (GP, DIR):
            for k, v in OBJECTS.items():
                cls.root.put_object(Bucket=b, Key=k, Body=v)
        cls.upload = {b: cls.root.create_multipart_upload(Bucket=b, Key="mp")["UploadId"] for b in (GP, DIR)}
        cls.bob.create_bucket(Bucket="iso-bob")
        cls.bob.put_object(Bucket="iso-bob", Key="mine", Body=b"bob's")

    def tearDown(self):
        # root's data is exactly as it was, whatever the test tried
        for b in (GP, DIR):
            keys = sorted(o["Key"] for o in self.root.list_objects_v2(Bucket=b).get("Contents", []))
            self.assertEqual(keys, sorted(OBJECTS), b)
            for k, v in OBJECTS.items():
                self.assertEqual(self.root.get_object(Bucket=b, Key=k)["Body"].read(), v)
            uploads = self.root.list_multipart_uploads(Bucket=b).get("Uploads", [])
            self.assertEqual([u["UploadId"] for u in uploads], [self.upload[b]])

    def denied(self, call, **kwargs):
        """The S3 error of a call that must fail: (code, HTTP status, message)."""
        with self.assertRaises(ClientError) as cm:
            call(**kwargs)
        e = cm.exception.response
        return e["Error"].get("Code"), e["ResponseMetadata"]["HTTPStatusCode"], e["Error"].get("Message")

    def assertDenied(self, call, **kwargs):
        code, status, _ = self.denied(call, **kwargs)
        self.assertEqual((code, status), ("AccessDenied", 403), f"{call.__name__} {kwargs}")

    def assertSameForExistingAndMissing(self, call, **kwargs):
        # Existence must not leak: the exact same error (code, status, message) either way.
        existing = self.denied(call, Key="secret/a.txt", **kwargs)
        missing = self.denied(call, Key=MISSING, **kwargs)
        self.assertEqual(existing[:2], ("AccessDenied", 403), f"{call.__name__}: {existing}")
        self.assertEqual(existing, missing, f"{call.__name__} tells existing from missing keys")

    def check_object_calls(self, bucket):
        bob = self.bob
        for call, extra in ((bob.get_object, {}), (bob.get_object, {"Range": "bytes=0-1"}),
                            (bob.get_object_attributes, {"ObjectAttributes": ["ETag", "ObjectSize"]}),
                            (bob.put_object, {"Body": b"overwrite"}), (bob.delete_object, {}),
                            (bob.create_multipart_upload, {}),
                            (bob.copy_object, {"CopySource": {"Bucket": "iso-bob", "Key": "mine"}})):
            self.assertSameForExistingAndMissing(call, Bucket=bucket, **extra)
        # HEAD: 403 and no body to tell anything by (on a directory bucket boto3's CreateSession
        # fails first, with its AccessDenied body)
        for key in ("secret/a.txt", MISSING):
            with self.assertRaises(ClientError) as cm:
                bob.head_object(Bucket=bucket, Key=key)
            self.assertEqual(cm.exception.response["ResponseMetadata"]["HTTPStatusCode"], 403, key)
            self.assertEqual(cm.exception.response["Error"]["Code"], "AccessDenied" if bucket == DIR else "403", key)
        self.assertDenied(bob.list_objects_v2, Bucket=bucket)
        self.assertDenied(bob.list_objects_v2, Bucket=bucket, Prefix="secret/", Delimiter="/")
        self.assertDenied(bob.list_multipart_uploads, Bucket=bucket)
        self.assertDenied(bob.list_parts, Bucket=bucket, Key="mp", UploadId=self.upload[bucket])
        self.assertDenied(bob.upload_part, Bucket=bucket, Key="mp", UploadId=self.upload[bucket], PartNumber=1,
                          Body=b"bob's part")
        self.assertDenied(bob.complete_multipart_upload, Bucket=bucket, Key="mp", UploadId=self.upload[bucket],
                          MultipartUpload={"Parts": [{"PartNumber": 1, "ETag": '"' + "0" * 32 + '"'}]})
        self.assertDenied(bob.abort_multipart_upload, Bucket=bucket, Key="mp", UploadId=self.upload[bucket])
        self.assertDenied(bob.delete_bucket, Bucket=bucket)

    def test_general_purpose_bucket(self):
        self.check_object_calls(GP)
        self.assertDenied(self.bob.delete_objects, Bucket=GP,
                          Delete={"Objects": [{"Key": "secret/a.txt"}, {"Key": MISSING}]})
        self.assertDenied(self.bob.get_bucket_location, Bucket=GP)
        with self.assertRaises(ClientError) as cm:
            self.bob.head_bucket(Bucket=GP)
        self.assertEqual(cm.exception.response["ResponseMetadata"]["HTTPStatusCode"], 403)
        # copying root's object out into bob's own bucket needs read access to it
        self.assertSameForExistingAndMissing(
            lambda Key, **kw: self.bob.copy_object(Bucket="iso-bob", Key="stolen", CopySource={"Bucket": GP, "Key": Key}))
        self.assertNotIn("stolen", [o["Key"] for o in self.bob.list_objects_v2(Bucket="iso-bob").get("Contents", [])])

    def test_general_purpose_presigned_by_bob(self):
        for key in ("secret/a.txt", MISSING):
            url = self.bob.generate_presigned_url("get_object", Params={"Bucket": GP, "Key": key}, ExpiresIn=60)
            with self.assertRaises(urllib.error.HTTPError) as cm:
                urllib.request.urlopen(url)
            self.assertEqual(cm.exception.code, 403)
            body = cm.exception.read()
            self.assertIn(b"<Code>AccessDenied</Code>", body)
            self.assertNotIn(b"secret", body.replace(b"secret/a.txt", b"").replace(MISSING.encode(), b""))

    def test_directory_bucket(self):
        # boto3 opens a session before each call on a directory bucket; bob's CreateSession is
        # refused, so every call ends in AccessDenied before reaching the object.
        code, status, _ = self.denied(self.bob.create_session, Bucket=DIR)
        self.assertEqual((code, status), ("AccessDenied", 403))
        code, status, _ = self.denied(self.bob.create_session, Bucket=DIR, SessionMode="ReadOnly")
        self.assertEqual((code, status), ("AccessDenied", 403))
        self.check_object_calls(DIR)
        self.assertDenied(self.bob.delete_objects, Bucket=DIR, Delete={"Objects": [{"Key": "secret/a.txt"}]})
        with self.assertRaises(ClientError) as cm:
            self.bob.head_bucket(Bucket=DIR)
        self.assertEqual(cm.exception.response["ResponseMetadata"]["HTTPStatusCode"], 403)

    def test_root_session_token_is_useless_to_bob(self):
        # A session root opened is bound to root's derived key: bob signing with his own key and
        # root's token is refused.
        creds = self.root.create_session(Bucket=DIR)["Credentials"]
        path = h.key_path(DIR, "secret/a.txt")
        hdrs = {"host": self.server.host, "x-amz-s3session-token": creds["SessionToken"]}
        s = h.sign_v4("GET", path, [], hdrs, h.EMPTY_SHA256, access_key=BOB["access_key"],
                      secret_key=BOB["secret_key"], service="s3express")
        r = h.raw_request(self.server.port, "GET", path, s.headers)
        self.assertEqual(r.status, 403, r)
        self.assertEqual(r.error_code(), "AccessDenied")
        self.assertNotIn(OBJECTS["secret/a.txt"], r.body)

    def test_listings_show_only_own_buckets(self):
        self.assertEqual([b["Name"] for b in self.bob.list_buckets()["Buckets"]], ["iso-bob"])
        self.assertEqual(self.bob.list_directory_buckets().get("Buckets", []), [])
        self.assertEqual(self.carol.list_buckets().get("Buckets", []), [])
        # ListBuckets lists the requester's own buckets, root's included
        self.assertEqual([b["Name"] for b in self.root.list_buckets()["Buckets"]], [GP])

    def test_bobs_bucket_is_closed_to_carol(self):
        self.assertEqual(self.bob.get_object(Bucket="iso-bob", Key="mine")["Body"].read(), b"bob's")
        for call, extra in ((self.carol.get_object, {}), (self.carol.put_object, {"Body": b"c"}),
                            (self.carol.delete_object, {})):
            existing = self.denied(call, Bucket="iso-bob", Key="mine", **extra)
            missing = self.denied(call, Bucket="iso-bob", Key="nope", **extra)
            self.assertEqual(existing[:2], ("AccessDenied", 403))
            self.assertEqual(existing, missing)
        self.assertDenied(self.carol.list_objects_v2, Bucket="iso-bob")
        self.assertEqual(self.bob.get_object(Bucket="iso-bob", Key="mine")["Body"].read(), b"bob's")

    def test_missing_bucket_is_no_such_bucket(self):
        # What AWS does reveal: whether a bucket exists (404 NoSuchBucket vs 403 above).
        code, status, _ = self.denied(self.bob.get_object, Bucket="iso-nobody", Key="k")
        self.assertEqual((code, status), ("NoSuchBucket", 404))


if __name__ == "__main__":
    h.main()
