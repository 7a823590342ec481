"""conformance.post_object: browser-form uploads (presigned POST) made with boto3's
generate_presigned_post and sent as real multipart/form-data: the object and its metadata,
${filename}, success_action_status/redirect, content-length-range, every policy failure S3
names (expired, condition failed, extra field, bad signature, unknown key, no file, not a
form), each with nothing stored, and a large file streamed."""

import hashlib
import os
import time
import unittest
import uuid
import warnings
import xml.etree.ElementTree as ET

import boto3
from botocore.config import Config

import xs3harness as h


def form_body(fields, file_bytes, filename="upload.bin", file_field="file", trailing=None):
    boundary = "----xs3" + uuid.uuid4().hex
    out = []
    for k, v in fields.items():
        out.append(f'--{boundary}\r\nContent-Disposition: form-data; name="{k}"\r\n\r\n{v}\r\n'.encode())
    if file_bytes is not None:
        out.append(f'--{boundary}\r\nContent-Disposition: form-data; name="{file_field}"; filename="{filename}"\r\n'
                   f'Content-Type: application/octet-stream\r\n\r\n'.encode() + file_bytes + b"\r\n")
    for k, v in (trailing or {}).items():
        out.append(f'--{boundary}\r\nContent-Disposition: form-data; name="{k}"\r\n\r\n{v}\r\n'.encode())
    out.append(f"--{boundary}--\r\n".encode())
    return b"".join(out), f"multipart/form-data; boundary={boundary}"


class PostObject(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        warnings.simplefilter("ignore", ResourceWarning)
        cls.server = h.Server()
        cls.server.start()
        cls.s3 = boto3.client("s3", endpoint_url=cls.server.endpoint, region_name=h.REGION,
                              aws_access_key_id=h.ROOT_ACCESS_KEY, aws_secret_access_key=h.ROOT_SECRET_KEY,
                              config=Config(signature_version="s3v4", s3={"addressing_style": "path"}))
        cls.s3.create_bucket(Bucket="forms")
        cls.client = h.Client(cls.server)

    @classmethod
    def tearDownClass(cls):
        cls.server.stop(check=False)
        cls.server.cleanup()

    def post(self, fields, file_bytes, bucket="forms", **kw):
        body, ctype = form_body(fields, file_bytes, **kw)
        return h.raw_request(self.server.port, "POST", f"/{bucket}",
                             {"host": self.server.host, "content-type": ctype, "content-length": str(len(body))}, body)

    def presign(self, key, fields=None, conditions=None, expires=300):
        p = self.s3.generate_presigned_post("forms", key, Fields=fields, Conditions=conditions, ExpiresIn=expires)
        self.assertEqual(p["url"].rstrip("/"), f"{self.server.endpoint}/forms")
        return p["fields"]

    def assertNothingStored(self, key):
        self.assertEqual(self.client.head("forms", key).status, 404)

    def assertS3Error(self, r, status, code, message_part=None):
        self.assertEqual(r.status, status, r.body)
        self.assertEqual(r.error_code(), code, r.body)
        self.assertTrue(r.xml().findtext("RequestId"), r.body)
        if message_part:
            self.assertIn(message_part, r.xml().findtext("Message"))

    def test_upload_with_metadata_and_default_204(self):
        fields = self.presign("up/a.txt", fields={"Content-Type": "text/plain", "x-amz-meta-origin": "browser"},
                              conditions=[{"Content-Type": "text/plain"}, {"x-amz-meta-origin": "browser"}])
        r = self.post(fields, b"hello from a form")
        self.assertEqual(r.status, 204, r.body)
        self.assertEqual(r.header("etag"), '"' + hashlib.md5(b"hello from a form").hexdigest() + '"')
        self.assertTrue(r.header("location").endswith("/forms/up/a.txt"))
        got = self.s3.get_object(Bucket="forms", Key="up/a.txt")
        self.assertEqual(got["Body"].read(), b"hello from a form")
        self.assertEqual(got["ContentType"], "text/plain")
        self.assertEqual(got["Metadata"], {"origin": "browser"})

    def test_filename_substitution_and_201_document(self):
        fields = self.presign("uploads/${filename}", fields={"success_action_status": "201"},
                              conditions=[["starts-with", "$key", "uploads/"], {"success_action_status": "201"}])
        r = self.post(fields, b"png bytes", filename="cat.png")
        self.assertEqual(r.status, 201, r.body)
        doc = ET.fromstring(r.body)
        self.assertEqual(doc.tag, "PostResponse")
        self.assertEqual(doc.findtext("Bucket"), "forms")
        self.assertEqual(doc.findtext("Key"), "uploads/cat.png")
        self.assertEqual(doc.findtext("ETag"), '"' + hashlib.md5(b"png bytes").hexdigest() + '"')
        self.assertEqual(self.client.get("forms", "uploads/cat.png").body, b"png bytes")

    def test_redirect(self):
        fields = self.presign("redir.txt", fields={"success_action_redirect": "http://app.example/done"},
                              conditions=[{"success_action_redirect": "http://app.example/done"}])
        r = self.post(fields, b"x")
        self.assertEqual(r.status, 303)
        self.assertRegex(r.header("location"), r"^http://app\.example/done\?bucket=forms&key=redir\.txt&etag=%22[0-9a-f]{32}%22$")

    def test_content_length_range(self):
        fields = self.presign("sized.bin", conditions=[["content-length-range", 10, 20]])
        self.assertS3Error(self.post(fields, b"x" * 21), 400, "EntityTooLarge")
        self.assertS3Error(self.post(fields, b"x" * 9), 400, "EntityTooSmall")
        self.assertNothingStored("sized.bin")
        self.assertEqual(self.post(fields, b"x" * 15).status, 204)

    def test_policy_failures_store_nothing(self):
        fields = self.presign("denied.txt", conditions=[["starts-with", "$Content-Type", "image/"]])
        self.assertS3Error(self.post(dict(fields, **{"Content-Type": "text/html"}), b"x"), 403, "AccessDenied",
                           "Invalid according to Policy: Policy Condition failed")
        fields = self.presign("denied.txt")
        self.assertS3Error(self.post(dict(fields, **{"x-amz-meta-sneaky": "1"}), b"x"), 403, "AccessDenied",
                           "Extra input fields: x-amz-meta-sneaky")
        # x-ignore- fields need no condition.
        self.assertEqual(self.post(dict(fields, **{"x-ignore-note": "fine"}), b"ok").status, 204)
        self.s3.delete_object(Bucket="forms", Key="denied.txt")
        self.assertS3Error(self.post(dict(fields, key="other.txt"), b"x"), 403, "AccessDenied",
                           "Policy Condition failed")
        tampered = dict(fields, **{"x-amz-signature": "0" * 64})
        self.assertS3Error(self.post(tampered, b"x"), 403, "SignatureDoesNotMatch")
        unknown = dict(fields, **{"x-amz-credential": "NOBODY/" + fields["x-amz-credential"].split("/", 1)[1]})
        self.assertS3Error(self.post(unknown, b"x"), 403, "InvalidAccessKeyId")
        expired = self.presign("denied.txt", expires=1)
        time.sleep(2.1)
        self.assertS3Error(self.post(expired, b"x"), 403, "AccessDenied", "Policy expired")
        unsigned = {"key": "denied.txt"}
        self.assertS3Error(self.post(unsigned, b"x"), 403, "AccessDenied")
        self.assertS3Error(self.post(fields, None), 400, "IncorrectNumberOfFilesInPostRequest")
        no_key = {k: v for k, v in fields.items() if k != "key"}
        self.assertS3Error(self.post(no_key, b"x"), 400, "InvalidArgument", "must contain a field named 'key'")
        r = h.raw_request(self.server.port, "POST", "/forms",
                          {"host": self.server.host, "content-type": "text/plain", "content-length": "1"}, b"x")
        self.assertS3Error(r, 412, "PreconditionFailed", "multipart/form-data")
        self.assertS3Error(self.post(fields, b"x", bucket="no-such-bucket"), 404, "NoSuchBucket")
        self.assertNothingStored("denied.txt")
        self.assertNothingStored("other.txt")

    def test_fields_after_the_file_are_ignored_and_large_files_stream(self):
        fields = self.presign("big.bin")
        body = os.urandom(12 * 1024 * 1024 + 7)
        r = self.post(fields, body, trailing={"x-amz-meta-late": "ignored"})
        self.assertEqual(r.status, 204, r.body)
        got = self.s3.get_object(Bucket="forms", Key="big.bin")
        self.assertEqual(hashlib.sha256(got["Body"].read()).digest(), hashlib.sha256(body).digest())
        self.assertEqual(got["Metadata"], {})
        # A CRC64NVME checksum is stored, as for PutObject.
        head = self.client.head("forms", "big.bin", headers={"x-amz-checksum-mode": "ENABLED"})
        self.assertTrue(head.header("x-amz-checksum-crc64nvme"))

    def test_sigv2_form(self):
        s3v2 = boto3.client("s3", endpoint_url=self.server.endpoint, region_name=h.REGION,
                            aws_access_key_id=h.ROOT_ACCESS_KEY, aws_secret_access_key=h.ROOT_SECRET_KEY,
                            config=Config(signature_version="s3", s3={"addressing_style": "path"}))
        p = s3v2.generate_presigned_post("forms", "v2.txt")
        self.assertIn("AWSAccessKeyId", p["fields"])
        self.assertEqual(self.post(p["fields"], b"v2").status, 204)
        self.assertEqual(self.client.get("forms", "v2.txt").body, b"v2")


if __name__ == "__main__":
    unittest.main(verbosity=2)
