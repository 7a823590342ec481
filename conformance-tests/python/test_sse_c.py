"""conformance.sse_c_debian / conformance.sse_c_pyenv: SSE-C (customer-provided keys) via boto3.

Objects written with a customer key are stored encrypted: the suite checks that no file under
the data dir holds the plaintext (inline-size and blob-size bodies, multipart parts), while the
same check finds a plain object's bytes. Round trips, ranges, HEAD, copies between keys,
multipart uploads (parts, part copies, partNumber reads), presigned GETs and the key errors
(missing, wrong, malformed, wrong MD5, wrong algorithm, combined with SSE-S3) are checked with
boto3; requests boto3 would not send (a bad key MD5) go through the raw signer. Refused
requests are checked to change nothing.
"""

import base64
import hashlib
import os
import sys
import urllib.error
import urllib.request
import uuid

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import xs3harness as h  # noqa: E402

import boto3  # noqa: E402
import botocore  # noqa: E402
from botocore.config import Config  # noqa: E402
from botocore.exceptions import ClientError  # noqa: E402

print(f"python {sys.version.split()[0]} ({sys.executable}), boto3 {boto3.__version__}, "
      f"botocore {botocore.__version__}", flush=True)

B = "ssec-main"
DIR_BUCKET = "ssec-dir--use1-az4--x-s3"
KEY_A = bytes(range(32))
KEY_B = bytes(range(100, 132))
MIB = 1024 * 1024

MSG_NEEDS_KEY = ("The object was stored using a form of Server Side Encryption. The correct parameters must be "
                 "provided to retrieve the object.")
MSG_NOT_APPLICABLE = "The encryption parameters are not applicable to this object."


def b64(data):
    return base64.b64encode(data).decode()


def md5_b64(data):
    return b64(hashlib.md5(data).digest())


def sse(key):
    return {"SSECustomerAlgorithm": "AES256", "SSECustomerKey": key}


def copy_sse(key):
    return {"CopySourceSSECustomerAlgorithm": "AES256", "CopySourceSSECustomerKey": key}


def key_headers(key, prefix="x-amz-server-side-encryption-customer-"):
    return {prefix + "algorithm": "AES256", prefix + "key": b64(key), prefix + "key-MD5": md5_b64(key)}


def pattern(tag, size):
    """A body no other test writes: a marker line repeated, so any 64-byte window identifies it."""
    unit = (f"<<{tag}: the plaintext must never reach the disk>>" + "-" * 7).encode()
    return (unit * (size // len(unit) + 1))[:size]


class SseCSuite(h.ServerTestCase):
    server_kwargs = {"extra_args": ["--buckets", DIR_BUCKET]}

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.s3 = cls.client()
        cls.s3.create_bucket(Bucket=B)

    @classmethod
    def client(cls, **config):
        return boto3.session.Session().client(
            "s3", endpoint_url=cls.server.endpoint, region_name=h.REGION,
            aws_access_key_id=h.ROOT_ACCESS_KEY, aws_secret_access_key=h.ROOT_SECRET_KEY,
            config=Config(s3={"addressing_style": "path"}, retries={"max_attempts": 1}, **config))

    def assertError(self, ctx, code, status, message=None):
        err = ctx.exception.response
        self.assertEqual(err["ResponseMetadata"]["HTTPStatusCode"], status, err)
        if code is not None:
            self.assertEqual(err["Error"]["Code"], code, err)
        if message is not None:
            self.assertEqual(err["Error"]["Message"], message, err)
        return err

    def assertRawError(self, r, code, status, message=None):
        self.assertEqual(r.status, status, r)
        self.assertEqual(r.error_code(), code, r)
        self.assertTrue(r.xml().findtext("RequestId"), r)
        if message is not None:
            self.assertEqual(r.xml().findtext("Message"), message, r)

    def data_files_containing(self, needle):
        hits = []
        for root, _, files in os.walk(self.server.data_dir):
            for name in files:
                path = os.path.join(root, name)
                try:
                    with open(path, "rb") as f:
                        if needle in f.read():
                            hits.append(path)
                except OSError:
                    pass
        return hits

    def get(self, key, sse_key=KEY_A, **kw):
        return self.s3.get_object(Bucket=B, Key=key, **sse(sse_key), **kw)

    def assertMissing(self, key):
        with self.assertRaises(ClientError) as cm:
            self.s3.head_object(Bucket=B, Key=key)
        self.assertEqual(cm.exception.response["ResponseMetadata"]["HTTPStatusCode"], 404)

    # ---- round trips and what is on disk --------------------------------------------------

    def test_round_trip_inline_and_blob_are_encrypted_on_disk(self):
        for name, size in (("small", 3000), ("large", 300 * 1024)):
            body = pattern(f"secret-{name}", size)
            put = self.s3.put_object(Bucket=B, Key=f"enc/{name}", Body=body, **sse(KEY_A))
            self.assertEqual(put["SSECustomerAlgorithm"], "AES256")
            self.assertEqual(put["SSECustomerKeyMD5"], md5_b64(KEY_A))
            self.assertNotIn("ServerSideEncryption", put)
            self.assertNotEqual(put["ETag"].strip('"'), hashlib.md5(body).hexdigest())
            got = self.get(f"enc/{name}")
            self.assertEqual(got["Body"].read(), body)
            self.assertEqual(got["ContentLength"], size)
            self.assertEqual(got["SSECustomerKeyMD5"], md5_b64(KEY_A))
            self.assertEqual(got["ETag"], put["ETag"])
            self.assertEqual(self.data_files_containing(body[:64]), [], name)
        # The same search finds unencrypted bytes, inline and blob: it is not blind.
        for name, size in (("small", 3000), ("large", 300 * 1024)):
            plain = pattern(f"control-{name}", size)
            self.s3.put_object(Bucket=B, Key=f"plain/{name}", Body=plain)
            self.assertNotEqual(self.data_files_containing(plain[:64]), [], name)

    def test_survives_restart(self):
        body = pattern("restart", 100 * 1024)
        self.s3.put_object(Bucket=B, Key="restart", Body=body, **sse(KEY_A))
        self.server.restart()
        self.s3 = self.client()
        type(self).s3 = self.s3
        self.assertEqual(self.get("restart")["Body"].read(), body)
        with self.assertRaises(ClientError) as cm:
            self.get("restart", KEY_B)
        self.assertError(cm, "AccessDenied", 403)

    def test_empty_object(self):
        self.s3.put_object(Bucket=B, Key="empty", Body=b"", **sse(KEY_A))
        got = self.get("empty")
        self.assertEqual(got["Body"].read(), b"")
        self.assertEqual(got["ContentLength"], 0)

    def test_ranges(self):
        body = os.urandom(200 * 1024 + 7)
        self.s3.put_object(Bucket=B, Key="ranges", Body=body, **sse(KEY_A))
        for first, last in ((0, 0), (1, 16), (15, 17), (16, 31), (1000, 70000), (len(body) - 5, len(body) - 1)):
            got = self.get("ranges", Range=f"bytes={first}-{last}")
            self.assertEqual(got["Body"].read(), body[first:last + 1], (first, last))
            self.assertEqual(got["ContentRange"], f"bytes {first}-{last}/{len(body)}")
        self.assertEqual(self.get("ranges", Range="bytes=-33")["Body"].read(), body[-33:])
        self.assertEqual(self.get("ranges", Range="bytes=12345-")["Body"].read(), body[12345:])

    def test_head(self):
        body = pattern("head", 5000)
        self.s3.put_object(Bucket=B, Key="head", Body=body, **sse(KEY_A), Metadata={"m": "1"})
        head = self.s3.head_object(Bucket=B, Key="head", **sse(KEY_A))
        self.assertEqual(head["ContentLength"], 5000)
        self.assertEqual(head["SSECustomerAlgorithm"], "AES256")
        self.assertEqual(head["SSECustomerKeyMD5"], md5_b64(KEY_A))
        self.assertEqual(head["Metadata"], {"m": "1"})
        self.assertNotIn("ServerSideEncryption", head)
        with self.assertRaises(ClientError) as cm:
            self.s3.head_object(Bucket=B, Key="head")
        self.assertError(cm, None, 400)
        with self.assertRaises(ClientError) as cm:
            self.s3.head_object(Bucket=B, Key="head", **sse(KEY_B))
        self.assertError(cm, None, 403)

    def test_checksums_are_of_the_plaintext(self):
        body = pattern("checksum", 70000)
        put = self.s3.put_object(Bucket=B, Key="cks", Body=body, ChecksumAlgorithm="SHA256", **sse(KEY_A))
        want = b64(hashlib.sha256(body).digest())
        self.assertEqual(put["ChecksumSHA256"], want)
        got = self.get("cks", ChecksumMode="ENABLED")
        self.assertEqual(got["ChecksumSHA256"], want)
        self.assertEqual(got["Body"].read(), body)
        # Content-MD5 is the plaintext's too.
        r = self.raw.put(B, "md5", b"hello", headers={**key_headers(KEY_A), "content-md5": md5_b64(b"hello")})
        self.assertEqual(r.status, 200, r)
        r = self.raw.put(B, "md5-bad", b"hello", headers={**key_headers(KEY_A), "content-md5": md5_b64(b"other")})
        self.assertRawError(r, "BadDigest", 400)
        self.assertMissing("md5-bad")

    def test_versions_keep_their_own_keys(self):
        bucket = "ssec-versioned"
        self.s3.create_bucket(Bucket=bucket)
        self.s3.put_bucket_versioning(Bucket=bucket, VersioningConfiguration={"Status": "Enabled"})
        v1 = self.s3.put_object(Bucket=bucket, Key="k", Body=b"first", **sse(KEY_A))["VersionId"]
        v2 = self.s3.put_object(Bucket=bucket, Key="k", Body=b"second", **sse(KEY_B))["VersionId"]
        got = self.s3.get_object(Bucket=bucket, Key="k", VersionId=v1, **sse(KEY_A))
        self.assertEqual(got["Body"].read(), b"first")
        self.assertEqual(self.s3.get_object(Bucket=bucket, Key="k", **sse(KEY_B))["Body"].read(), b"second")
        with self.assertRaises(ClientError) as cm:
            self.s3.get_object(Bucket=bucket, Key="k", VersionId=v1, **sse(KEY_B))
        self.assertError(cm, "AccessDenied", 403)
        # Restoring the old version under the current key re-encrypts it.
        self.s3.copy_object(Bucket=bucket, Key="k", CopySource={"Bucket": bucket, "Key": "k", "VersionId": v1},
                            **copy_sse(KEY_A), **sse(KEY_B))
        self.assertEqual(self.s3.get_object(Bucket=bucket, Key="k", **sse(KEY_B))["Body"].read(), b"first")
        self.assertEqual(self.s3.get_object(Bucket=bucket, Key="k", VersionId=v2, **sse(KEY_B))["Body"].read(),
                         b"second")

    def test_get_object_attributes_needs_the_key(self):
        # botocore does not encode the key for this operation: send it as it goes on the wire.
        def encoded(key):
            return {"SSECustomerAlgorithm": "AES256", "SSECustomerKey": b64(key), "SSECustomerKeyMD5": md5_b64(key)}

        self.s3.put_object(Bucket=B, Key="attrs", Body=b"attributes", ChecksumAlgorithm="CRC32", **sse(KEY_A))
        out = self.s3.get_object_attributes(Bucket=B, Key="attrs", ObjectAttributes=["ObjectSize", "Checksum"],
                                            **encoded(KEY_A))
        self.assertEqual(out["ObjectSize"], len(b"attributes"))
        self.assertEqual(out["Checksum"]["ChecksumCRC32"], h.crc32_b64(b"attributes"))
        with self.assertRaises(ClientError) as cm:
            self.s3.get_object_attributes(Bucket=B, Key="attrs", ObjectAttributes=["ObjectSize"])
        self.assertError(cm, "InvalidRequest", 400, MSG_NEEDS_KEY)
        with self.assertRaises(ClientError) as cm:
            self.s3.get_object_attributes(Bucket=B, Key="attrs", ObjectAttributes=["ObjectSize"], **encoded(KEY_B))
        self.assertError(cm, "AccessDenied", 403)

    # ---- key errors ----------------------------------------------------------------------

    def test_get_errors(self):
        self.s3.put_object(Bucket=B, Key="locked", Body=b"locked body", **sse(KEY_A))
        with self.assertRaises(ClientError) as cm:
            self.s3.get_object(Bucket=B, Key="locked")
        self.assertError(cm, "InvalidRequest", 400, MSG_NEEDS_KEY)
        with self.assertRaises(ClientError) as cm:
            self.get("locked", KEY_B)
        self.assertError(cm, "AccessDenied", 403)
        self.s3.put_object(Bucket=B, Key="unlocked", Body=b"plain")
        with self.assertRaises(ClientError) as cm:
            self.get("unlocked")
        self.assertError(cm, "InvalidRequest", 400, MSG_NOT_APPLICABLE)
        self.assertEqual(self.s3.get_object(Bucket=B, Key="unlocked")["Body"].read(), b"plain")
        # The right key still works after all that.
        self.assertEqual(self.get("locked")["Body"].read(), b"locked body")

    def test_malformed_key_headers(self):
        good = key_headers(KEY_A)
        cases = [
            ({**good, "x-amz-server-side-encryption-customer-key-MD5": md5_b64(KEY_B)}, "InvalidArgument",
             "The calculated MD5 hash of the key did not match the hash that was provided."),
            ({**good, "x-amz-server-side-encryption-customer-key": b64(KEY_A[:16]),
              "x-amz-server-side-encryption-customer-key-MD5": md5_b64(KEY_A[:16])}, "InvalidArgument",
             "The secret key was invalid for the specified algorithm."),
            ({**good, "x-amz-server-side-encryption-customer-key": "not base64!"}, "InvalidArgument",
             "The secret key was invalid for the specified algorithm."),
            ({**good, "x-amz-server-side-encryption-customer-algorithm": "AES128"}, "InvalidEncryptionAlgorithmError",
             "The encryption request you specified is not valid. The valid value is AES256."),
            ({k: v for k, v in good.items() if not k.endswith("key-MD5")}, "InvalidArgument",
             "Requests specifying Server Side Encryption with Customer provided keys must provide the client "
             "calculated MD5 of the secret key."),
            ({k: v for k, v in good.items() if not k.endswith("-key")}, "InvalidArgument",
             "Requests specifying Server Side Encryption with Customer provided keys must provide an appropriate "
             "secret key."),
            ({k: v for k, v in good.items() if not k.endswith("algorithm")}, "InvalidArgument",
             "Requests specifying Server Side Encryption with Customer provided keys must provide a valid encryption "
             "algorithm."),
            ({**good, "x-amz-server-side-encryption": "AES256"}, "InvalidArgument",
             "Server Side Encryption with Customer provided key is incompatible with the encryption method specified"),
        ]
        for i, (headers, code, message) in enumerate(cases):
            r = self.raw.put(B, f"bad-{i}", b"body", headers=headers)
            self.assertRawError(r, code, 400, message)
            self.assertMissing(f"bad-{i}")
        # The same checks guard reads.
        self.s3.put_object(Bucket=B, Key="bad-read", Body=b"x", **sse(KEY_A))
        r = self.raw.get(B, "bad-read", headers={**good, "x-amz-server-side-encryption-customer-key-MD5": md5_b64(b"")})
        self.assertRawError(r, "InvalidArgument", 400,
                            "The calculated MD5 hash of the key did not match the hash that was provided.")
        r = self.raw.get(B, "bad-read", headers=good)
        self.assertEqual(r.status, 200, r)
        self.assertEqual(r.body, b"x")

    def test_directory_buckets_refuse_sse_c(self):
        r = self.raw.put(DIR_BUCKET, "obj", b"body", headers=key_headers(KEY_A))
        self.assertRawError(r, "InvalidArgument", 400,
                            "Server-side encryption with customer-provided keys (SSE-C) is not supported for this "
                            "request.")
        self.assertEqual(self.raw.head(DIR_BUCKET, "obj").status, 404)
        r = self.raw.request("POST", h.key_path(DIR_BUCKET, "mp"), query=[("uploads", "")], headers=key_headers(KEY_A))
        self.assertRawError(r, "InvalidArgument", 400)
        # The same request without the key is accepted: the refusal is about SSE-C.
        self.assertEqual(self.raw.put(DIR_BUCKET, "obj", b"body").status, 200)

    # ---- copies --------------------------------------------------------------------------

    def test_copy_variants(self):
        body = pattern("copy-src", 150 * 1024)
        self.s3.put_object(Bucket=B, Key="c/src", Body=body, **sse(KEY_A))
        src = {"Bucket": B, "Key": "c/src"}

        # SSE-C to SSE-C under another key.
        out = self.s3.copy_object(Bucket=B, Key="c/rekeyed", CopySource=src, **copy_sse(KEY_A), **sse(KEY_B))
        self.assertEqual(out["SSECustomerKeyMD5"], md5_b64(KEY_B))
        self.assertEqual(self.get("c/rekeyed", KEY_B)["Body"].read(), body)
        with self.assertRaises(ClientError) as cm:
            self.get("c/rekeyed", KEY_A)
        self.assertError(cm, "AccessDenied", 403)

        # SSE-C to plain: decrypted, with the plaintext's MD5 as ETag.
        out = self.s3.copy_object(Bucket=B, Key="c/plain", CopySource=src, **copy_sse(KEY_A))
        self.assertEqual(out["CopyObjectResult"]["ETag"].strip('"'), hashlib.md5(body).hexdigest())
        self.assertEqual(self.s3.get_object(Bucket=B, Key="c/plain")["Body"].read(), body)

        # Plain to SSE-C.
        self.s3.copy_object(Bucket=B, Key="c/encrypted", CopySource={"Bucket": B, "Key": "c/plain"}, **sse(KEY_A))
        self.assertEqual(self.get("c/encrypted")["Body"].read(), body)
        with self.assertRaises(ClientError) as cm:
            self.s3.get_object(Bucket=B, Key="c/encrypted")
        self.assertError(cm, "InvalidRequest", 400)

        # Same key: still readable with it (the copy has its own salt and IV).
        self.s3.copy_object(Bucket=B, Key="c/same", CopySource=src, **copy_sse(KEY_A), **sse(KEY_A))
        self.assertEqual(self.get("c/same")["Body"].read(), body)

        # Key rotation in place.
        self.s3.put_object(Bucket=B, Key="c/rotate", Body=body, **sse(KEY_A))
        self.s3.copy_object(Bucket=B, Key="c/rotate", CopySource={"Bucket": B, "Key": "c/rotate"},
                            **copy_sse(KEY_A), **sse(KEY_B))
        self.assertEqual(self.get("c/rotate", KEY_B)["Body"].read(), body)

        # Only the decrypted copy's blob holds the plaintext.
        self.assertEqual(len(self.data_files_containing(body[:64])), 1)
        # Refused copies change nothing.
        with self.assertRaises(ClientError) as cm:
            self.s3.copy_object(Bucket=B, Key="c/nokey", CopySource=src)
        self.assertError(cm, "InvalidRequest", 400, MSG_NEEDS_KEY)
        with self.assertRaises(ClientError) as cm:
            self.s3.copy_object(Bucket=B, Key="c/wrongkey", CopySource=src, **copy_sse(KEY_B))
        self.assertError(cm, "AccessDenied", 403)
        with self.assertRaises(ClientError) as cm:
            self.s3.copy_object(Bucket=B, Key="c/notapplicable", CopySource={"Bucket": B, "Key": "c/plain"},
                                **copy_sse(KEY_A))
        self.assertError(cm, "InvalidRequest", 400, MSG_NOT_APPLICABLE)
        for k in ("c/nokey", "c/wrongkey", "c/notapplicable"):
            self.assertMissing(k)

    # ---- multipart -----------------------------------------------------------------------

    def test_multipart(self):
        part1 = pattern("mp-part-one", 5 * MIB)
        part3 = pattern("mp-part-three", 1 * MIB + 3)
        copy_src = pattern("mp-copy-source", 2 * MIB)
        self.s3.put_object(Bucket=B, Key="mp/src", Body=copy_src, **sse(KEY_B))
        up = self.s3.create_multipart_upload(Bucket=B, Key="mp/obj", **sse(KEY_A))
        self.assertEqual(up["SSECustomerKeyMD5"], md5_b64(KEY_A))
        uid = up["UploadId"]
        p1 = self.s3.upload_part(Bucket=B, Key="mp/obj", UploadId=uid, PartNumber=1, Body=part1, **sse(KEY_A))
        self.assertEqual(p1["SSECustomerKeyMD5"], md5_b64(KEY_A))
        self.assertNotEqual(p1["ETag"].strip('"'), hashlib.md5(part1).hexdigest())

        # Parts must bring the upload's key.
        with self.assertRaises(ClientError) as cm:
            self.s3.upload_part(Bucket=B, Key="mp/obj", UploadId=uid, PartNumber=2, Body=b"x")
        self.assertError(cm, "InvalidRequest", 400,
                         "The multipart upload initiate requested encryption. Subsequent part requests must include "
                         "the appropriate encryption parameters.")
        with self.assertRaises(ClientError) as cm:
            self.s3.upload_part(Bucket=B, Key="mp/obj", UploadId=uid, PartNumber=2, Body=b"x", **sse(KEY_B))
        self.assertError(cm, "InvalidArgument", 400)

        # Part 2 copies a range of an object encrypted under another key (left out at completion:
        # the object below is parts 1 and 3; the second upload completes with a copied part).
        p2 = self.s3.upload_part_copy(Bucket=B, Key="mp/obj", UploadId=uid, PartNumber=2,
                                      CopySource={"Bucket": B, "Key": "mp/src"}, CopySourceRange="bytes=100-1048675",
                                      **copy_sse(KEY_B), **sse(KEY_A))
        self.assertEqual(p2["SSECustomerKeyMD5"], md5_b64(KEY_A))
        with self.assertRaises(ClientError) as cm:
            self.s3.upload_part_copy(Bucket=B, Key="mp/obj", UploadId=uid, PartNumber=4,
                                     CopySource={"Bucket": B, "Key": "mp/src"}, **sse(KEY_A))
        self.assertError(cm, "InvalidRequest", 400, MSG_NEEDS_KEY)
        parts = self.s3.list_parts(Bucket=B, Key="mp/obj", UploadId=uid)["Parts"]
        self.assertEqual([p["PartNumber"] for p in parts], [1, 2])
        p3 = self.s3.upload_part(Bucket=B, Key="mp/obj", UploadId=uid, PartNumber=3, Body=part3, **sse(KEY_A))
        done = self.s3.complete_multipart_upload(
            Bucket=B, Key="mp/obj", UploadId=uid,
            MultipartUpload={"Parts": [{"PartNumber": 1, "ETag": p1["ETag"]},
                                       {"PartNumber": 3, "ETag": p3["ETag"]}]})
        self.assertTrue(done["ETag"].strip('"').endswith("-2"), done)
        whole = part1 + part3
        got = self.get("mp/obj")
        self.assertEqual(got["Body"].read(), whole)
        across = self.get("mp/obj", Range=f"bytes={5 * MIB - 10}-{5 * MIB + 20}")["Body"].read()
        self.assertEqual(across, whole[5 * MIB - 10:5 * MIB + 21])
        second = self.get("mp/obj", PartNumber=2)
        self.assertEqual(second["Body"].read(), part3)
        with self.assertRaises(ClientError) as cm:
            self.s3.get_object(Bucket=B, Key="mp/obj")
        self.assertError(cm, "InvalidRequest", 400)
        for chunk in (part1[:64], part3[:64]):
            self.assertEqual(self.data_files_containing(chunk), [])

        # A second upload: a 5 MiB part plus the part copied from the other key's object.
        up2 = self.s3.create_multipart_upload(Bucket=B, Key="mp/obj2", **sse(KEY_A))["UploadId"]
        q1 = self.s3.upload_part(Bucket=B, Key="mp/obj2", UploadId=up2, PartNumber=1, Body=part1, **sse(KEY_A))
        q2 = self.s3.upload_part_copy(Bucket=B, Key="mp/obj2", UploadId=up2, PartNumber=2,
                                      CopySource={"Bucket": B, "Key": "mp/src"}, **copy_sse(KEY_B), **sse(KEY_A))
        self.assertEqual(q2["SSECustomerKeyMD5"], md5_b64(KEY_A))
        self.s3.complete_multipart_upload(
            Bucket=B, Key="mp/obj2", UploadId=up2,
            MultipartUpload={"Parts": [{"PartNumber": 1, "ETag": q1["ETag"]},
                                       {"PartNumber": 2, "ETag": q2["CopyPartResult"]["ETag"]}]})
        self.assertEqual(self.get("mp/obj2")["Body"].read(), part1 + copy_src)
        self.assertEqual(self.data_files_containing(copy_src[:64]), [])

    def test_single_part_upload(self):
        body = pattern("single-part", 100 * 1024)
        uid = self.s3.create_multipart_upload(Bucket=B, Key="mp/single", **sse(KEY_A))["UploadId"]
        p = self.s3.upload_part(Bucket=B, Key="mp/single", UploadId=uid, PartNumber=1, Body=body, **sse(KEY_A))
        self.s3.complete_multipart_upload(Bucket=B, Key="mp/single", UploadId=uid,
                                          MultipartUpload={"Parts": [{"PartNumber": 1, "ETag": p["ETag"]}]})
        self.assertEqual(self.get("mp/single", Range="bytes=100-200")["Body"].read(), body[100:201])
        self.assertEqual(self.data_files_containing(body[:64]), [])

    def test_plain_upload_refuses_keyed_parts(self):
        uid = self.s3.create_multipart_upload(Bucket=B, Key="mp/plain")["UploadId"]
        with self.assertRaises(ClientError) as cm:
            self.s3.upload_part(Bucket=B, Key="mp/plain", UploadId=uid, PartNumber=1, Body=b"x", **sse(KEY_A))
        self.assertError(cm, "InvalidRequest", 400)
        self.assertEqual(self.s3.list_parts(Bucket=B, Key="mp/plain", UploadId=uid).get("Parts", []), [])

    # ---- browser forms -------------------------------------------------------------------

    def test_post_object_with_sse_c_fields_is_refused(self):
        fields = {"x-amz-server-side-encryption-customer-algorithm": "AES256",
                  "x-amz-server-side-encryption-customer-key": b64(KEY_A),
                  "x-amz-server-side-encryption-customer-key-MD5": md5_b64(KEY_A)}
        s3v4 = self.client(signature_version="s3v4")
        post = s3v4.generate_presigned_post(B, "form", Fields=fields, Conditions=[{k: v} for k, v in fields.items()])
        boundary = "----xs3" + uuid.uuid4().hex
        parts = [f'--{boundary}\r\nContent-Disposition: form-data; name="{k}"\r\n\r\n{v}\r\n'.encode()
                 for k, v in post["fields"].items()]
        parts.append(f'--{boundary}\r\nContent-Disposition: form-data; name="file"; filename="f"\r\n\r\n'.encode()
                     + b"form body\r\n" + f"--{boundary}--\r\n".encode())
        body = b"".join(parts)
        r = h.raw_request(self.server.port, "POST", f"/{B}",
                          {"host": self.server.host, "content-type": f"multipart/form-data; boundary={boundary}",
                           "content-length": str(len(body))}, body)
        self.assertRawError(r, "NotImplemented", 501, "SSE-C is not supported for browser-form uploads.")
        self.assertMissing("form")

    # ---- presigned -----------------------------------------------------------------------

    def test_presigned_get(self):
        body = pattern("presigned", 4000)
        self.s3.put_object(Bucket=B, Key="presigned", Body=body, **sse(KEY_A))
        s3v4 = self.client(signature_version="s3v4")
        url = s3v4.generate_presigned_url("get_object", Params={"Bucket": B, "Key": "presigned", **sse(KEY_A)})
        req = urllib.request.Request(url, headers=key_headers(KEY_A))
        with urllib.request.urlopen(req, timeout=30) as resp:
            self.assertEqual(resp.read(), body)
            self.assertEqual(resp.headers["x-amz-server-side-encryption-customer-key-MD5"], md5_b64(KEY_A))
        # Without the headers the URL does not read the object.
        with self.assertRaises(urllib.error.HTTPError) as cm:
            urllib.request.urlopen(url, timeout=30)
        self.assertIn(cm.exception.code, (400, 403))

    def test_presigned_get_default_signer(self):
        # boto3 1.26 presigns with SigV2 and puts the SSE-C parameters in the query string (signed
        # there); later versions presign with SigV4 and expect them as headers.
        body = pattern("presigned-default", 2000)
        self.s3.put_object(Bucket=B, Key="presigned-default", Body=body, **sse(KEY_A))
        url = self.s3.generate_presigned_url("get_object",
                                             Params={"Bucket": B, "Key": "presigned-default", **sse(KEY_A)})
        in_query = "x-amz-server-side-encryption-customer-key=" in url.lower()
        req = urllib.request.Request(url, headers={} if in_query else key_headers(KEY_A))
        with urllib.request.urlopen(req, timeout=30) as resp:
            self.assertEqual(resp.read(), body)


if __name__ == "__main__":
    h.main()
