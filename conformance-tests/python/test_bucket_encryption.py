"""conformance.bucket_encryption_debian / _pyenv: Get/Put/DeleteBucketEncryption via boto3.

Every bucket answers S3's default (SSE-S3, AES256) until a configuration is put; SSE-S3 with or
without a bucket key round-trips and survives a restart; SSE-KMS is NotImplemented; malformed
documents are MalformedXML; refusals change nothing; another user is AccessDenied.
"""

import os
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import xs3harness as h  # noqa: E402

import boto3  # noqa: E402
import botocore  # noqa: E402
from botocore.config import Config  # noqa: E402
from botocore.exceptions import ClientError  # noqa: E402

print(f"python {sys.version.split()[0]} ({sys.executable}), boto3 {boto3.__version__}, "
      f"botocore {botocore.__version__}", flush=True)

B = "encryption-main"
BOB = {"name": "bob", "access_key": "ENCBOBKEY", "secret_key": "ENCBOBSECRET"}
DEFAULT = [{"ApplyServerSideEncryptionByDefault": {"SSEAlgorithm": "AES256"}, "BucketKeyEnabled": False}]


class BucketEncryption(h.ServerTestCase):
    server_kwargs = {"config": {"users": [BOB]}}

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.s3 = cls.client(h.ROOT_ACCESS_KEY, h.ROOT_SECRET_KEY)
        cls.bob = cls.client(BOB["access_key"], BOB["secret_key"])
        cls.s3.create_bucket(Bucket=B)

    @classmethod
    def client(cls, key, secret):
        return boto3.session.Session().client(
            "s3", endpoint_url=cls.server.endpoint, region_name=h.REGION, aws_access_key_id=key,
            aws_secret_access_key=secret, config=Config(s3={"addressing_style": "path"}, retries={"max_attempts": 1}))

    def rules(self, bucket=B):
        return self.s3.get_bucket_encryption(Bucket=bucket)["ServerSideEncryptionConfiguration"]["Rules"]

    def assertError(self, call, code, status):
        with self.assertRaises(ClientError) as cm:
            call()
        err = cm.exception.response
        self.assertEqual((err["Error"]["Code"], err["ResponseMetadata"]["HTTPStatusCode"]), (code, status), err)
        self.assertTrue(err["ResponseMetadata"]["RequestId"])

    def test_default_put_get_delete_and_restart(self):
        self.assertEqual(self.rules(), DEFAULT)
        self.s3.put_bucket_encryption(Bucket=B, ServerSideEncryptionConfiguration={"Rules": [
            {"ApplyServerSideEncryptionByDefault": {"SSEAlgorithm": "AES256"}, "BucketKeyEnabled": True}]})
        want = [{"ApplyServerSideEncryptionByDefault": {"SSEAlgorithm": "AES256"}, "BucketKeyEnabled": True}]
        self.assertEqual(self.rules(), want)
        self.server.restart()
        cls = type(self)  # the restarted server listens on a new port
        cls.s3 = cls.client(h.ROOT_ACCESS_KEY, h.ROOT_SECRET_KEY)
        cls.bob = cls.client(BOB["access_key"], BOB["secret_key"])
        cls.raw = h.Client(self.server)
        self.assertEqual(self.rules(), want)
        r = self.s3.delete_bucket_encryption(Bucket=B)
        self.assertEqual(r["ResponseMetadata"]["HTTPStatusCode"], 204)
        self.assertEqual(self.rules(), DEFAULT)
        # Objects keep being reported as SSE-S3 whatever the configuration.
        self.assertEqual(self.s3.put_object(Bucket=B, Key="k", Body=b"x")["ServerSideEncryption"], "AES256")

    def test_refusals_change_nothing(self):
        self.s3.create_bucket(Bucket="encryption-refusals")
        kms = {"Rules": [{"ApplyServerSideEncryptionByDefault": {"SSEAlgorithm": "aws:kms", "KMSMasterKeyID": "k"}}]}
        self.assertError(lambda: self.s3.put_bucket_encryption(
            Bucket="encryption-refusals", ServerSideEncryptionConfiguration=kms), "NotImplemented", 501)
        key_without_kms = {"Rules": [{"ApplyServerSideEncryptionByDefault": {
            "SSEAlgorithm": "AES256", "KMSMasterKeyID": "k"}}]}
        self.assertError(lambda: self.s3.put_bucket_encryption(
            Bucket="encryption-refusals", ServerSideEncryptionConfiguration=key_without_kms), "InvalidArgument", 400)
        for body in (b"<ServerSideEncryptionConfiguration/>",
                     b"<ServerSideEncryptionConfiguration><Rule><ApplyServerSideEncryptionByDefault><SSEAlgorithm>"
                     b"AES128</SSEAlgorithm></ApplyServerSideEncryptionByDefault></Rule></ServerSideEncryptionConfiguration>",
                     b"<ServerSideEncryptionConfiguration><Rule><BucketKeyEnabled>yes</BucketKeyEnabled></Rule>"
                     b"</ServerSideEncryptionConfiguration>",
                     b"not xml"):
            r = self.raw.request("PUT", h.key_path("encryption-refusals"), query=[("encryption", "")], body=body,
                                 headers={"Content-MD5": h.md5_b64(body)})
            self.assertEqual((r.status, r.error_code()), (400, "MalformedXML"), body)
            self.assertTrue(r.xml().findtext("RequestId"))
        self.assertEqual(self.rules("encryption-refusals"), DEFAULT)
        self.assertError(lambda: self.bob.get_bucket_encryption(Bucket="encryption-refusals"), "AccessDenied", 403)
        self.assertError(lambda: self.bob.delete_bucket_encryption(Bucket="encryption-refusals"), "AccessDenied", 403)
        self.assertError(lambda: self.s3.get_bucket_encryption(Bucket="encryption-missing"), "NoSuchBucket", 404)


if __name__ == "__main__":
    h.main()
