"""conformance.multipart_*: multipart uploads on general-purpose buckets through boto3 (run with
both boto3 1.26 and 1.43), s3transfer, and rclone's chunked uploads.

Parts, listings, completion (multipart ETag, composite and full-object checksums), GET of one
part, UploadPartCopy with a range, abort, and the errors S3 answers (EntityTooSmall,
InvalidPartOrder, InvalidPart, NoSuchUpload, bad part numbers), each with code and status.
"""

import base64
import hashlib
import io
import os
import sys
import time
import unittest
import zlib

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import xs3harness as h  # noqa: E402

import boto3  # noqa: E402
import botocore  # noqa: E402
from boto3.s3.transfer import TransferConfig  # noqa: E402
from botocore.config import Config  # noqa: E402
from botocore.exceptions import ClientError  # noqa: E402

B = "mpu-bucket"
MIB = 1024 * 1024
NEW_BOTO = tuple(int(x) for x in botocore.__version__.split(".")[:2]) >= (1, 36)


def data(n, seed):
    return (hashlib.sha256(str(seed).encode()).digest() * (n // 32 + 1))[:n]


def multipart_etag(parts):
    return '"' + hashlib.md5(b"".join(hashlib.md5(p).digest() for p in parts)).hexdigest() + f'-{len(parts)}"'


class Multipart(h.ServerTestCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.s3 = boto3.session.Session().client(
            "s3", endpoint_url=cls.server.endpoint, region_name=h.REGION,
            aws_access_key_id=h.ROOT_ACCESS_KEY, aws_secret_access_key=h.ROOT_SECRET_KEY,
            config=Config(s3={"addressing_style": "path"}, retries={"max_attempts": 1}, read_timeout=120))
        cls.s3.create_bucket(Bucket=B)

    def assertError(self, fn, code, status):
        with self.assertRaises(ClientError) as cm:
            fn()
        err = cm.exception.response
        self.assertEqual((err["Error"]["Code"], err["ResponseMetadata"]["HTTPStatusCode"]), (code, status), err)

    def upload(self, key, parts, **create):
        up = self.s3.create_multipart_upload(Bucket=B, Key=key, **create)
        done = []
        for i, body in enumerate(parts, 1):
            r = self.s3.upload_part(Bucket=B, Key=key, UploadId=up["UploadId"], PartNumber=i, Body=body)
            entry = {"PartNumber": i, "ETag": r["ETag"]}
            for k in ("ChecksumCRC32", "ChecksumCRC32C", "ChecksumSHA256", "ChecksumCRC64NVME"):
                if k in r:
                    entry[k] = r[k]
            done.append(entry)
        return up["UploadId"], done

    def test_upload_list_complete_and_read_back(self):
        parts = [data(5 * MIB, 1), data(5 * MIB, 2), data(1000, 3)]
        uid, done = self.upload("big/object.bin", parts, ContentType="application/x-test", Metadata={"k": "v"})
        listed = self.s3.list_parts(Bucket=B, Key="big/object.bin", UploadId=uid)
        self.assertEqual([p["PartNumber"] for p in listed["Parts"]], [1, 2, 3])
        self.assertEqual([p["Size"] for p in listed["Parts"]], [5 * MIB, 5 * MIB, 1000])
        page = self.s3.list_parts(Bucket=B, Key="big/object.bin", UploadId=uid, MaxParts=2)
        self.assertTrue(page["IsTruncated"])
        self.assertEqual(page["NextPartNumberMarker"], 2)
        rest = self.s3.list_parts(Bucket=B, Key="big/object.bin", UploadId=uid, PartNumberMarker=2)
        self.assertEqual([p["PartNumber"] for p in rest["Parts"]], [3])
        uploads = self.s3.list_multipart_uploads(Bucket=B, Prefix="big/")
        self.assertIn(uid, [u["UploadId"] for u in uploads.get("Uploads", [])])

        r = self.s3.complete_multipart_upload(Bucket=B, Key="big/object.bin", UploadId=uid,
                                              MultipartUpload={"Parts": done})
        self.assertEqual(r["ETag"], multipart_etag(parts))
        got = self.s3.get_object(Bucket=B, Key="big/object.bin")
        self.assertEqual(got["Body"].read(), b"".join(parts))
        self.assertEqual(got["ContentType"], "application/x-test")
        self.assertEqual(got["Metadata"], {"k": "v"})
        self.assertEqual(got["ETag"], multipart_etag(parts))
        part2 = self.s3.get_object(Bucket=B, Key="big/object.bin", PartNumber=2)
        self.assertEqual(part2["Body"].read(), parts[1])
        self.assertEqual(part2["ContentRange"], f"bytes {5 * MIB}-{10 * MIB - 1}/{10 * MIB + 1000}")
        self.assertEqual(part2["PartsCount"], 3)
        attrs = self.s3.get_object_attributes(Bucket=B, Key="big/object.bin",
                                              ObjectAttributes=["ETag", "ObjectParts", "ObjectSize"])
        self.assertEqual(attrs["ETag"], multipart_etag(parts).strip('"'))
        self.assertEqual(attrs["ObjectSize"], 10 * MIB + 1000)
        self.assertEqual(attrs["ObjectParts"]["TotalPartsCount"], 3)
        head = self.s3.head_object(Bucket=B, Key="big/object.bin", PartNumber=3)
        self.assertEqual(head["ContentLength"], 1000)
        self.assertError(lambda: self.s3.head_object(Bucket=B, Key="big/object.bin", PartNumber=4),
                         "416", 416)  # HEAD has no body: botocore reports the status
        ranged = self.s3.get_object(Bucket=B, Key="big/object.bin", Range=f"bytes={5 * MIB - 10}-{5 * MIB + 9}")
        self.assertEqual(ranged["Body"].read(), parts[0][-10:] + parts[1][:10])
        # The blob parts go out by sendfile and the 1000-byte last part (stored inline) through a
        # buffer: ranges that cross from one to the other and end inside it.
        whole = b"".join(parts)
        for first, last in [(10 * MIB - 7, 10 * MIB + 999), (3, 10 * MIB + 5), (10 * MIB + 1, 10 * MIB + 998)]:
            ranged = self.s3.get_object(Bucket=B, Key="big/object.bin", Range=f"bytes={first}-{last}")
            self.assertEqual(ranged["Body"].read(), whole[first:last + 1], (first, last))
        self.assertEqual(self.s3.get_object(Bucket=B, Key="big/object.bin", PartNumber=3)["Body"].read(), parts[2])
        self.assertNotIn(uid, [u["UploadId"] for u in self.s3.list_multipart_uploads(Bucket=B).get("Uploads", [])])
        self.assertError(lambda: self.s3.list_parts(Bucket=B, Key="big/object.bin", UploadId=uid), "NoSuchUpload", 404)

    def test_replacing_a_part_and_completing_a_subset(self):
        up = self.s3.create_multipart_upload(Bucket=B, Key="subset")
        uid = up["UploadId"]
        self.s3.upload_part(Bucket=B, Key="subset", UploadId=uid, PartNumber=1, Body=data(5 * MIB, 9))
        r1 = self.s3.upload_part(Bucket=B, Key="subset", UploadId=uid, PartNumber=1, Body=data(5 * MIB, 10))
        r3 = self.s3.upload_part(Bucket=B, Key="subset", UploadId=uid, PartNumber=3, Body=b"tail")
        self.s3.upload_part(Bucket=B, Key="subset", UploadId=uid, PartNumber=2, Body=b"never used")
        self.s3.complete_multipart_upload(Bucket=B, Key="subset", UploadId=uid, MultipartUpload={"Parts": [
            {"PartNumber": 1, "ETag": r1["ETag"]}, {"PartNumber": 3, "ETag": r3["ETag"]}]})
        self.assertEqual(self.s3.get_object(Bucket=B, Key="subset")["Body"].read(), data(5 * MIB, 10) + b"tail")

    def test_completion_errors_change_nothing(self):
        parts = [data(1000, 4), data(1000, 5)]
        uid, done = self.upload("errors", parts)
        complete = lambda ps: self.s3.complete_multipart_upload(Bucket=B, Key="errors", UploadId=uid,
                                                               MultipartUpload={"Parts": ps})
        self.assertError(lambda: complete(done), "EntityTooSmall", 400)
        self.assertError(lambda: complete([done[1], done[0]]), "InvalidPartOrder", 400)
        self.assertError(lambda: complete([{"PartNumber": 1, "ETag": '"' + "0" * 32 + '"'}]), "InvalidPart", 400)
        self.assertError(lambda: complete([{"PartNumber": 7, "ETag": done[0]["ETag"]}]), "InvalidPart", 400)
        self.assertError(lambda: self.s3.get_object(Bucket=B, Key="errors"), "NoSuchKey", 404)
        # The upload is still there and completes with its last part alone.
        complete([done[0]])
        self.assertEqual(self.s3.get_object(Bucket=B, Key="errors")["Body"].read(), parts[0])

    def test_bad_ids_and_part_numbers(self):
        self.assertError(lambda: self.s3.upload_part(Bucket=B, Key="k", UploadId="nope", PartNumber=1, Body=b"x"),
                         "NoSuchUpload", 404)
        self.assertError(lambda: self.s3.abort_multipart_upload(Bucket=B, Key="k", UploadId="nope"), "NoSuchUpload", 404)
        uid = self.s3.create_multipart_upload(Bucket=B, Key="k")["UploadId"]
        for n in (0, 10001):
            self.assertError(lambda: self.s3.upload_part(Bucket=B, Key="k", UploadId=uid, PartNumber=n, Body=b"x"),
                             "InvalidArgument", 400)
        # The upload id belongs to its key.
        self.assertError(lambda: self.s3.upload_part(Bucket=B, Key="other", UploadId=uid, PartNumber=1, Body=b"x"),
                         "NoSuchUpload", 404)
        self.s3.abort_multipart_upload(Bucket=B, Key="k", UploadId=uid)
        self.assertError(lambda: self.s3.abort_multipart_upload(Bucket=B, Key="k", UploadId=uid), "NoSuchUpload", 404)
        self.assertError(lambda: self.s3.create_multipart_upload(Bucket="no-such-bucket-here", Key="k"),
                         "NoSuchBucket", 404)

    def test_upload_part_copy_with_range(self):
        src = data(6 * MIB, 6)
        self.s3.put_object(Bucket=B, Key="copy/src", Body=src)
        uid = self.s3.create_multipart_upload(Bucket=B, Key="copy/dst")["UploadId"]
        p1 = self.s3.upload_part_copy(Bucket=B, Key="copy/dst", UploadId=uid, PartNumber=1,
                                      CopySource={"Bucket": B, "Key": "copy/src"},
                                      CopySourceRange=f"bytes=0-{5 * MIB - 1}")
        p2 = self.s3.upload_part_copy(Bucket=B, Key="copy/dst", UploadId=uid, PartNumber=2,
                                      CopySource={"Bucket": B, "Key": "copy/src"}, CopySourceRange="bytes=100-199")
        self.assertError(lambda: self.s3.upload_part_copy(Bucket=B, Key="copy/dst", UploadId=uid, PartNumber=3,
                                                          CopySource={"Bucket": B, "Key": "copy/src"},
                                                          CopySourceRange=f"bytes=0-{7 * MIB}"),
                         "InvalidArgument", 400)
        self.s3.complete_multipart_upload(Bucket=B, Key="copy/dst", UploadId=uid, MultipartUpload={"Parts": [
            {"PartNumber": 1, "ETag": p1["CopyPartResult"]["ETag"]},
            {"PartNumber": 2, "ETag": p2["CopyPartResult"]["ETag"]}]})
        self.assertEqual(self.s3.get_object(Bucket=B, Key="copy/dst")["Body"].read(), src[:5 * MIB] + src[100:200])

    def test_list_uploads_with_delimiter_and_markers(self):
        ids = {}
        for key in ("lu/a/1", "lu/a/2", "lu/b", "lu/c"):
            ids[key] = self.s3.create_multipart_upload(Bucket=B, Key=key)["UploadId"]
        r = self.s3.list_multipart_uploads(Bucket=B, Prefix="lu/", Delimiter="/")
        self.assertEqual([u["Key"] for u in r.get("Uploads", [])], ["lu/b", "lu/c"])
        self.assertEqual([p["Prefix"] for p in r.get("CommonPrefixes", [])], ["lu/a/"])
        page = self.s3.list_multipart_uploads(Bucket=B, Prefix="lu/", MaxUploads=2)
        self.assertTrue(page["IsTruncated"])
        self.assertEqual([u["Key"] for u in page["Uploads"]], ["lu/a/1", "lu/a/2"])
        rest = self.s3.list_multipart_uploads(Bucket=B, Prefix="lu/", KeyMarker=page["NextKeyMarker"],
                                              UploadIdMarker=page["NextUploadIdMarker"])
        self.assertEqual([u["Key"] for u in rest["Uploads"]], ["lu/b", "lu/c"])
        for key, uid in ids.items():
            self.s3.abort_multipart_upload(Bucket=B, Key=key, UploadId=uid)

    def test_transfer_manager_round_trip(self):
        body = data(21 * MIB, 7)
        cfg = TransferConfig(multipart_threshold=8 * MIB, multipart_chunksize=8 * MIB, max_concurrency=4)
        self.s3.upload_fileobj(io.BytesIO(body), B, "tm/blob", Config=cfg)
        self.assertEqual(self.s3.head_object(Bucket=B, Key="tm/blob")["ETag"].count("-"), 1)
        out = io.BytesIO()
        self.s3.download_fileobj(B, "tm/blob", out, Config=cfg)
        self.assertEqual(out.getvalue(), body)

    @unittest.skipUnless(NEW_BOTO, "checksum types need botocore >= 1.36 (boto3 1.43 runs this)")
    def test_composite_and_full_object_checksums(self):
        parts = [data(5 * MIB, 11), data(300, 12)]
        crc = lambda b: zlib.crc32(b).to_bytes(4, "big")
        uid, done = self.upload("ck/composite", parts, ChecksumAlgorithm="CRC32")
        r = self.s3.complete_multipart_upload(Bucket=B, Key="ck/composite", UploadId=uid,
                                              MultipartUpload={"Parts": done})
        composite = base64.b64encode(zlib.crc32(b"".join(crc(p) for p in parts)).to_bytes(4, "big")).decode() + "-2"
        self.assertEqual(r["ChecksumCRC32"], composite)
        self.assertEqual(r["ChecksumType"], "COMPOSITE")
        uid, done = self.upload("ck/full", parts, ChecksumAlgorithm="CRC32", ChecksumType="FULL_OBJECT")
        r = self.s3.complete_multipart_upload(Bucket=B, Key="ck/full", UploadId=uid, MultipartUpload={"Parts": done})
        whole = base64.b64encode(crc(b"".join(parts))).decode()
        self.assertEqual(r["ChecksumCRC32"], whole)
        head = self.s3.head_object(Bucket=B, Key="ck/full", ChecksumMode="ENABLED")
        self.assertEqual(head["ChecksumCRC32"], whole)
        self.assertEqual(self.s3.get_object(Bucket=B, Key="ck/full", ChecksumMode="ENABLED")["Body"].read(),
                         b"".join(parts))
        self.assertError(lambda: self.s3.create_multipart_upload(Bucket=B, Key="ck/bad", ChecksumAlgorithm="SHA256",
                                                                 ChecksumType="FULL_OBJECT"), "InvalidRequest", 400)


class AbandonedUploads(h.ServerTestCase):
    server_kwargs = {"extra_args": ["--abort-incomplete-uploads-after", "1"]}

    def test_old_uploads_are_aborted_and_their_parts_freed(self):
        s3 = boto3.session.Session().client(
            "s3", endpoint_url=self.server.endpoint, region_name=h.REGION,
            aws_access_key_id=h.ROOT_ACCESS_KEY, aws_secret_access_key=h.ROOT_SECRET_KEY,
            config=Config(s3={"addressing_style": "path"}, retries={"max_attempts": 1}))
        s3.create_bucket(Bucket="reap")
        uid = s3.create_multipart_upload(Bucket="reap", Key="abandoned")["UploadId"]
        s3.upload_part(Bucket="reap", Key="abandoned", UploadId=uid, PartNumber=1, Body=data(1 << 20, 99))
        blobs = os.path.join(self.server.data_dir, "blobs")
        count = lambda: sum(len(files) for _, _, files in os.walk(blobs))
        self.assertEqual(count(), 1)
        deadline = time.monotonic() + 10
        while time.monotonic() < deadline and s3.list_multipart_uploads(Bucket="reap").get("Uploads"):
            time.sleep(0.2)
        with self.assertRaises(ClientError) as cm:
            s3.list_parts(Bucket="reap", Key="abandoned", UploadId=uid)
        self.assertEqual(cm.exception.response["Error"]["Code"], "NoSuchUpload")
        self.assertEqual(count(), 0)


if __name__ == "__main__":
    h.main()
