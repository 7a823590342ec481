"""conformance.tagging_debian / conformance.tagging_pyenv: object and bucket tagging via boto3.

Runs under Debian's python3 (boto3 1.26: Content-MD5 on the tagging PUTs) and the pyenv python3
(boto3 1.43: CRC32 checksums). Refused requests are checked to change nothing; documents boto3
would never send (malformed XML, empty bodies) go through the raw signer.
"""

import os
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import xs3harness as h  # noqa: E402

import boto3  # noqa: E402
import botocore  # noqa: E402
from botocore.config import Config  # noqa: E402
from botocore.exceptions import ClientError  # noqa: E402

print(f"python {sys.version.split()[0]} ({sys.executable}), boto3 {boto3.__version__}, "
      f"botocore {botocore.__version__}", flush=True)

B = "tagging-main"


def tag_set(pairs):
    return [{"Key": k, "Value": v} for k, v in pairs]


def tagging(pairs):
    return {"TagSet": tag_set(pairs)}


class TaggingSuite(h.ServerTestCase):

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.s3 = cls.client()
        cls.s3.create_bucket(Bucket=B)

    @classmethod
    def client(cls):
        return boto3.session.Session().client(
            "s3", endpoint_url=cls.server.endpoint, region_name=h.REGION,
            aws_access_key_id=h.ROOT_ACCESS_KEY, aws_secret_access_key=h.ROOT_SECRET_KEY,
            config=Config(s3={"addressing_style": "path"}, retries={"max_attempts": 1}))

    def assertError(self, ctx, code, status, message=None):
        err = ctx.exception.response
        self.assertEqual(err["ResponseMetadata"]["HTTPStatusCode"], status, err)
        self.assertEqual(err["Error"]["Code"], code, err)
        self.assertTrue(err["ResponseMetadata"]["RequestId"], err)
        if message is not None:
            self.assertEqual(err["Error"]["Message"], message, err)
        return err

    def tags_of(self, key, bucket=B):
        return [(t["Key"], t["Value"]) for t in self.s3.get_object_tagging(Bucket=bucket, Key=key)["TagSet"]]

    def raw_tagging(self, method, key, body=b""):
        return self.raw.request(method, h.key_path(B, key), query=[("tagging", "")], body=body)

    # -- object tagging ------------------------------------------------------------------------
    def test_put_object_header_sets_tags_and_tag_count(self):
        self.s3.put_object(Bucket=B, Key="hdr", Body=b"x", Tagging="a=1&b=two%20words&c+d=e%3Df&empty")
        self.assertEqual(self.tags_of("hdr"), [("a", "1"), ("b", "two words"), ("c d", "e=f"), ("empty", "")])
        self.assertEqual(self.s3.head_object(Bucket=B, Key="hdr")["ResponseMetadata"]["HTTPHeaders"]
                         ["x-amz-tagging-count"], "4")
        self.assertEqual(self.s3.get_object(Bucket=B, Key="hdr")["TagCount"], 4)
        self.s3.put_object(Bucket=B, Key="plain", Body=b"x")
        self.assertNotIn("TagCount", self.s3.get_object(Bucket=B, Key="plain"))
        self.assertEqual(self.tags_of("plain"), [])

    def test_put_get_delete_object_tagging_keeps_body_etag_and_mtime(self):
        self.s3.put_object(Bucket=B, Key="obj", Body=b"hello", Tagging="old=1")
        before = self.s3.head_object(Bucket=B, Key="obj")
        time.sleep(1.1)  # Last-Modified has one-second resolution
        ten = [(f"key-{i}", f"value-{i}") for i in range(7)]
        ten += [("b c+d-e=f.g_h:i/j@k", "2 + 2 = 4"), ("k" * 128, "v" * 256), ("ünï 文字", "")]
        r = self.s3.put_object_tagging(Bucket=B, Key="obj", Tagging=tagging(ten))
        self.assertEqual(r["ResponseMetadata"]["HTTPStatusCode"], 200)
        self.assertEqual(self.tags_of("obj"), ten)
        after = self.s3.head_object(Bucket=B, Key="obj")
        self.assertEqual(after["ETag"], before["ETag"])
        self.assertEqual(after["LastModified"], before["LastModified"])
        self.assertEqual(after["ResponseMetadata"]["HTTPHeaders"]["x-amz-tagging-count"], "10")
        self.assertEqual(self.s3.get_object(Bucket=B, Key="obj")["Body"].read(), b"hello")

        r = self.s3.delete_object_tagging(Bucket=B, Key="obj")
        self.assertEqual(r["ResponseMetadata"]["HTTPStatusCode"], 204)
        self.assertEqual(self.tags_of("obj"), [])
        self.assertNotIn("x-amz-tagging-count", self.s3.head_object(Bucket=B, Key="obj")
                         ["ResponseMetadata"]["HTTPHeaders"])
        # An empty tag set is how a PUT removes the tags.
        self.s3.put_object_tagging(Bucket=B, Key="obj", Tagging=tagging([("x", "y")]))
        self.s3.put_object_tagging(Bucket=B, Key="obj", Tagging=tagging([]))
        self.assertEqual(self.tags_of("obj"), [])

    def test_large_blob_object_keeps_its_bytes_when_tagged(self):
        body = os.urandom(300 * 1024)  # past the inline threshold: a blob file
        self.s3.put_object(Bucket=B, Key="big", Body=body)
        self.s3.put_object_tagging(Bucket=B, Key="big", Tagging=tagging([("size", "large")]))
        self.assertEqual(self.s3.get_object(Bucket=B, Key="big")["Body"].read(), body)
        self.assertEqual(self.tags_of("big"), [("size", "large")])

    def test_overwrite_replaces_tags(self):
        self.s3.put_object(Bucket=B, Key="over", Body=b"1", Tagging="a=1")
        self.s3.put_object(Bucket=B, Key="over", Body=b"2")
        self.assertEqual(self.tags_of("over"), [])

    def test_copy_object_tagging_directive(self):
        self.s3.put_object(Bucket=B, Key="src", Body=b"copy me", Tagging="from=source&n=2")
        self.s3.copy_object(Bucket=B, Key="copied", CopySource={"Bucket": B, "Key": "src"})
        self.assertEqual(self.tags_of("copied"), [("from", "source"), ("n", "2")])
        self.s3.copy_object(Bucket=B, Key="copied", CopySource={"Bucket": B, "Key": "src"},
                            TaggingDirective="REPLACE", Tagging="new=tag")
        self.assertEqual(self.tags_of("copied"), [("new", "tag")])
        self.s3.copy_object(Bucket=B, Key="copied", CopySource={"Bucket": B, "Key": "src"},
                            TaggingDirective="REPLACE")
        self.assertEqual(self.tags_of("copied"), [])
        # Metadata REPLACE leaves the tags to their own directive (COPY).
        self.s3.copy_object(Bucket=B, Key="copied", CopySource={"Bucket": B, "Key": "src"},
                            MetadataDirective="REPLACE", Metadata={"m": "1"})
        self.assertEqual(self.tags_of("copied"), [("from", "source"), ("n", "2")])
        with self.assertRaises(ClientError) as ctx:
            self.s3.copy_object(Bucket=B, Key="copied", CopySource={"Bucket": B, "Key": "src"},
                                TaggingDirective="REPLACE", Tagging="a=1&a=2")
        self.assertError(ctx, "InvalidArgument", 400)
        self.assertEqual(self.tags_of("copied"), [("from", "source"), ("n", "2")])

    def test_multipart_upload_tags_apply_to_the_completed_object(self):
        up = self.s3.create_multipart_upload(Bucket=B, Key="mp", Tagging="upload=multi&x=")
        part = self.s3.upload_part(Bucket=B, Key="mp", UploadId=up["UploadId"], PartNumber=1, Body=b"p" * 100)
        self.s3.complete_multipart_upload(Bucket=B, Key="mp", UploadId=up["UploadId"],
                                          MultipartUpload={"Parts": [{"PartNumber": 1, "ETag": part["ETag"]}]})
        self.assertEqual(self.tags_of("mp"), [("upload", "multi"), ("x", "")])
        with self.assertRaises(ClientError) as ctx:
            self.s3.create_multipart_upload(Bucket=B, Key="mp2", Tagging="aws:reserved=1")
        self.assertError(ctx, "InvalidTag", 400, "System tags cannot be added/updated by requester")

    def test_tags_survive_a_restart(self):
        self.s3.put_object(Bucket=B, Key="durable", Body=b"d", Tagging="keep=me")
        self.s3.put_bucket_tagging(Bucket=B, Tagging=tagging([("bucket", "tag")]))
        self.server.restart()
        type(self).s3 = self.client()  # the restarted server listens on a new port
        self.assertEqual(self.tags_of("durable"), [("keep", "me")])
        self.assertEqual(self.s3.get_bucket_tagging(Bucket=B)["TagSet"], tag_set([("bucket", "tag")]))
        self.s3.delete_bucket_tagging(Bucket=B)

    def test_refused_tag_sets_change_nothing(self):
        self.s3.put_object(Bucket=B, Key="guarded", Body=b"g", Tagging="orig=1")
        eleven = [(f"k{i}", "") for i in range(11)]
        cases = [
            (eleven, "BadRequest", "Object tags cannot be greater than 10"),
            ([("k" * 129, "v")], "InvalidTag", "The TagKey you have provided is invalid"),
            ([("k", "v" * 257)], "InvalidTag", "The TagValue you have provided is invalid"),
            ([("a", "1"), ("a", "2")], "InvalidTag", "Cannot provide multiple Tags with the same key"),
            ([("aws:cost", "1")], "InvalidTag", "System tags cannot be added/updated by requester"),
            ([("a,b", "1")], "InvalidTag", "The TagKey you have provided is invalid"),
            ([("k", "semi;colon")], "InvalidTag", "The TagValue you have provided is invalid"),
            ([("emoji😀", "1")], "InvalidTag", "The TagKey you have provided is invalid"),
        ]
        for pairs, code, message in cases:
            with self.subTest(pairs=str(pairs)[:60]):
                with self.assertRaises(ClientError) as ctx:
                    self.s3.put_object_tagging(Bucket=B, Key="guarded", Tagging=tagging(pairs))
                self.assertError(ctx, code, 400, message)
                self.assertEqual(self.tags_of("guarded"), [("orig", "1")])
        # The error names the tag (<TagKey>), as S3's does.
        r = self.raw_tagging("PUT", "guarded", b"<Tagging><TagSet><Tag><Key>aws:x</Key>"
                             b"<Value>v</Value></Tag></TagSet></Tagging>")
        self.assertEqual((r.status, r.error_code()), (400, "InvalidTag"), r)
        self.assertEqual(r.xml().findtext("TagKey"), "aws:x", r)

    def test_refused_tagging_headers_create_nothing(self):
        bad = [
            ("a=1&a=2", "InvalidArgument"), ("=1", "InvalidArgument"), ("a=%FF", "InvalidArgument"),
            ("&".join(f"k{i}=" for i in range(11)), "BadRequest"), ("a,b=1", "InvalidTag"),
            ("k=" + "v" * 257, "InvalidTag"),
        ]
        for header, code in bad:
            with self.subTest(header=header[:40]):
                with self.assertRaises(ClientError) as ctx:
                    self.s3.put_object(Bucket=B, Key="never", Body=b"n", Tagging=header)
                err = self.assertError(ctx, code, 400)
                if code == "InvalidArgument":
                    self.assertEqual(err["Error"]["Message"],
                                     "The header 'x-amz-tagging' shall be encoded as UTF-8 then URLEncoded URL "
                                     "query parameters without tag name duplicates.")
                    self.assertEqual(err["Error"]["ArgumentName"], "x-amz-tagging")
                with self.assertRaises(ClientError) as ctx:
                    self.s3.head_object(Bucket=B, Key="never")
                self.assertError(ctx, "404", 404)

    def test_malformed_documents(self):
        self.s3.put_object(Bucket=B, Key="doc", Body=b"d", Tagging="orig=1")
        for body in [b"<Tagging><TagSet>", b"<Tagging></Tagging>",
                     b"<Tagging><TagSet><Tag><Key>a</Key></Tag></TagSet></Tagging>",
                     b"<Tags><TagSet></TagSet></Tags>",
                     b"<Tagging><TagSet><Tag><Key>a</Key><Value>1</Value><Extra/></Tag></TagSet></Tagging>"]:
            with self.subTest(body=body):
                r = self.raw_tagging("PUT", "doc", body)
                self.assertEqual((r.status, r.error_code()), (400, "MalformedXML"), r)
        r = self.raw_tagging("PUT", "doc", b"")
        self.assertEqual((r.status, r.error_code()), (400, "MissingRequestBodyError"), r)
        self.assertEqual(self.tags_of("doc"), [("orig", "1")])
        # The namespace S3 writes is accepted too.
        r = self.raw_tagging("PUT", "doc", b'<Tagging xmlns="http://s3.amazonaws.com/doc/2006-03-01/"><TagSet>'
                             b"<Tag><Key>ns</Key><Value>ok</Value></Tag></TagSet></Tagging>")
        self.assertEqual(r.status, 200, r)
        self.assertEqual(self.tags_of("doc"), [("ns", "ok")])
        got = self.raw_tagging("GET", "doc")
        self.assertIn(b'<Tagging xmlns="http://s3.amazonaws.com/doc/2006-03-01/"><TagSet><Tag><Key>ns</Key>'
                      b"<Value>ok</Value></Tag></TagSet></Tagging>", got.body)

    def test_missing_keys_and_buckets(self):
        for call in (lambda: self.s3.get_object_tagging(Bucket=B, Key="missing"),
                     lambda: self.s3.put_object_tagging(Bucket=B, Key="missing", Tagging=tagging([("a", "b")])),
                     lambda: self.s3.delete_object_tagging(Bucket=B, Key="missing")):
            with self.assertRaises(ClientError) as ctx:
                call()
            err = self.assertError(ctx, "NoSuchKey", 404)
            self.assertEqual(err["Error"].get("Key"), "missing")
        with self.assertRaises(ClientError) as ctx:
            self.s3.get_object_tagging(Bucket="no-such-bucket-here", Key="k")
        self.assertError(ctx, "NoSuchBucket", 404)

    def test_directory_buckets_have_no_object_tags(self):
        path = "/tagdir--use1-az4--x-s3/k"
        for method in ("GET", "PUT", "DELETE"):
            r = self.raw.request(method, path, query=[("tagging", "")],
                                 body=b"<Tagging><TagSet/></Tagging>" if method == "PUT" else b"")
            self.assertEqual((r.status, r.error_code()), (501, "NotImplemented"), r)

    # -- bucket tagging ------------------------------------------------------------------------
    def test_bucket_tagging_round_trip(self):
        self.s3.create_bucket(Bucket="tagged-bucket")
        with self.assertRaises(ClientError) as ctx:
            self.s3.get_bucket_tagging(Bucket="tagged-bucket")
        self.assertError(ctx, "NoSuchTagSet", 404, "The TagSet does not exist")
        fifty = [(f"team-{i}", f"v{i}") for i in range(50)]
        r = self.s3.put_bucket_tagging(Bucket="tagged-bucket", Tagging=tagging(fifty))
        self.assertIn(r["ResponseMetadata"]["HTTPStatusCode"], (200, 204))
        self.assertEqual(self.s3.get_bucket_tagging(Bucket="tagged-bucket")["TagSet"], tag_set(fifty))
        self.s3.put_bucket_tagging(Bucket="tagged-bucket", Tagging=tagging([("only", "one")]))
        self.assertEqual(self.s3.get_bucket_tagging(Bucket="tagged-bucket")["TagSet"], tag_set([("only", "one")]))
        # Refused sets leave the stored one as it was.
        for pairs, code in [([(f"k{i}", "") for i in range(51)], "BadRequest"),
                            ([("dup", "1"), ("dup", "2")], "InvalidTag"),
                            ([("aws:x", "1")], "InvalidTag")]:
            with self.assertRaises(ClientError) as ctx:
                self.s3.put_bucket_tagging(Bucket="tagged-bucket", Tagging=tagging(pairs))
            self.assertError(ctx, code, 400)
        r = self.raw.request("PUT", "/tagged-bucket", query=[("tagging", "")], body=b"<Tagging>")
        self.assertEqual((r.status, r.error_code()), (400, "MalformedXML"), r)
        self.assertEqual(self.s3.get_bucket_tagging(Bucket="tagged-bucket")["TagSet"], tag_set([("only", "one")]))
        r = self.s3.delete_bucket_tagging(Bucket="tagged-bucket")
        self.assertEqual(r["ResponseMetadata"]["HTTPStatusCode"], 204)
        with self.assertRaises(ClientError) as ctx:
            self.s3.get_bucket_tagging(Bucket="tagged-bucket")
        self.assertError(ctx, "NoSuchTagSet", 404)
        with self.assertRaises(ClientError) as ctx:
            self.s3.get_bucket_tagging(Bucket="no-such-bucket-here")
        self.assertError(ctx, "NoSuchBucket", 404)


if __name__ == "__main__":
    h.main()
