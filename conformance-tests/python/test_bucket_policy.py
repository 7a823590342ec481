"""conformance.bucket_policy_debian / conformance.bucket_policy_pyenv: bucket policies on
general-purpose buckets via boto3: Put/Get/DeleteBucketPolicy, GetBucketPolicyStatus, every
MalformedPolicy case, and what policies let another user and anonymous callers do (prefix
grants, Deny over the owner, public read, aws:SourceIp, s3:prefix, Block Public Access).

Clients connect from 127.0.0.1, which is what aws:SourceIp sees.
"""

import json
import os
import sys
import uuid

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import xs3harness as h  # noqa: E402

import boto3  # noqa: E402
import botocore  # noqa: E402
from botocore import UNSIGNED  # noqa: E402
from botocore.config import Config  # noqa: E402
from botocore.exceptions import ClientError  # noqa: E402

print(f"python {sys.version.split()[0]} ({sys.executable}), boto3 {boto3.__version__}, "
      f"botocore {botocore.__version__}", flush=True)

BOB = {"name": "bob", "access_key": "BOBKEY", "secret_key": "BOBSECRET"}
BOB_ARN = "arn:aws:iam::123456789012:user/bob"


def policy(*statements, version="2012-10-17"):
    doc = {"Statement": list(statements)}
    if version:
        doc["Version"] = version
    return json.dumps(doc)


def allow(principal, action, resource, **extra):
    return {"Effect": "Allow", "Principal": principal, "Action": action, "Resource": resource, **extra}


def deny(principal, action, resource, **extra):
    return {"Effect": "Deny", "Principal": principal, "Action": action, "Resource": resource, **extra}


class BucketPolicySuite(h.ServerTestCase):
    server_kwargs = {"config": {"users": [BOB]}}

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.s3 = cls.client(h.ROOT_ACCESS_KEY, h.ROOT_SECRET_KEY)
        cls.bob = cls.client(BOB["access_key"], BOB["secret_key"])
        cls.anon = boto3.session.Session().client(
            "s3", endpoint_url=cls.server.endpoint, region_name=h.REGION,
            config=Config(signature_version=UNSIGNED, s3={"addressing_style": "path"}, retries={"max_attempts": 1}))

    @classmethod
    def client(cls, ak, sk):
        return boto3.session.Session().client(
            "s3", endpoint_url=cls.server.endpoint, region_name=h.REGION, aws_access_key_id=ak,
            aws_secret_access_key=sk, config=Config(s3={"addressing_style": "path"}, retries={"max_attempts": 1}))

    def assertError(self, call, code, status, message=None):
        with self.assertRaises(ClientError) as ctx:
            call()
        err = ctx.exception.response
        self.assertEqual((err["ResponseMetadata"]["HTTPStatusCode"], err["Error"]["Code"]), (status, code), err)
        if message is not None:
            self.assertEqual(err["Error"]["Message"], message)
        return err

    def denied(self, call):
        return self.assertError(call, "AccessDenied", 403)

    def head_denied(self, call):
        # HEAD answers carry no body: botocore names the error by the status.
        self.assertError(call, "403", 403)

    # -- the policy documents themselves ------------------------------------------------------
    def test_put_get_delete_roundtrip(self):
        self.s3.create_bucket(Bucket="pol-rt")
        self.assertError(lambda: self.s3.get_bucket_policy(Bucket="pol-rt"), "NoSuchBucketPolicy", 404,
                         "The bucket policy does not exist")
        self.assertError(lambda: self.s3.get_bucket_policy_status(Bucket="pol-rt"), "NoSuchBucketPolicy", 404)
        doc = policy(allow({"AWS": BOB_ARN}, "s3:GetObject", "arn:aws:s3:::pol-rt/*"))
        r = self.s3.put_bucket_policy(Bucket="pol-rt", Policy=doc)
        self.assertEqual(r["ResponseMetadata"]["HTTPStatusCode"], 204)
        self.assertEqual(json.loads(self.s3.get_bucket_policy(Bucket="pol-rt")["Policy"]), json.loads(doc))
        status = self.s3.get_bucket_policy_status(Bucket="pol-rt")["PolicyStatus"]
        self.assertEqual(status, {"IsPublic": False})
        # Only the owner (or root) manages the policy, whatever the policy grants.
        self.s3.put_bucket_policy(Bucket="pol-rt", Policy=policy(
            allow({"AWS": "bob"}, ["s3:GetBucketPolicy", "s3:PutBucketPolicy", "s3:DeleteBucketPolicy"],
                  "arn:aws:s3:::pol-rt")))
        self.denied(lambda: self.bob.get_bucket_policy(Bucket="pol-rt"))
        self.denied(lambda: self.bob.put_bucket_policy(Bucket="pol-rt", Policy=doc))
        self.denied(lambda: self.bob.delete_bucket_policy(Bucket="pol-rt"))
        self.denied(lambda: self.anon.get_bucket_policy(Bucket="pol-rt"))
        r = self.s3.delete_bucket_policy(Bucket="pol-rt")
        self.assertEqual(r["ResponseMetadata"]["HTTPStatusCode"], 204)
        self.assertError(lambda: self.s3.get_bucket_policy(Bucket="pol-rt"), "NoSuchBucketPolicy", 404)
        # Deleting what is not there succeeds, as on S3.
        self.assertEqual(self.s3.delete_bucket_policy(Bucket="pol-rt")["ResponseMetadata"]["HTTPStatusCode"], 204)
        self.assertError(lambda: self.s3.get_bucket_policy(Bucket="pol-missing"), "NoSuchBucket", 404)

    def test_version_is_optional(self):
        self.s3.create_bucket(Bucket="pol-nover")
        self.s3.put_bucket_policy(Bucket="pol-nover", Policy=policy(
            allow({"AWS": "bob"}, "s3:GetObject", "arn:aws:s3:::pol-nover/*"), version=None))
        self.s3.put_bucket_policy(Bucket="pol-nover", Policy=policy(
            allow({"AWS": "bob"}, "s3:GetObject", "arn:aws:s3:::pol-nover/*"), version="2008-10-17"))

    def test_malformed_policies(self):
        b = "pol-bad"
        self.s3.create_bucket(Bucket=b)
        ok = {"Principal": {"AWS": "bob"}, "Action": "s3:GetObject", "Resource": f"arn:aws:s3:::{b}/*"}
        cases = [
            ("not json", "Policies must be valid JSON and the first byte must be '{'"),
            ('["a list"]', "Policies must be valid JSON and the first byte must be '{'"),
            (json.dumps({"Version": "2012-10-18", "Statement": [{"Effect": "Allow", **ok}]}),
             "The policy must contain a valid version string"),
            (json.dumps({"Version": "2012-10-17"}), "Missing required field Statement"),
            (policy({"Effect": "Permit", **ok}), "Invalid effect: Permit"),
            (policy({**ok, "Effect": "Allow", "Action": "s3:GetObjects"}), "Policy has invalid action"),
            (policy({**ok, "Effect": "Allow", "Action": ["s3:GetObject", "iam:CreateUser"]}), "Policy has invalid action"),
            (policy({**ok, "Effect": "Allow", "Resource": "arn:aws:s3:::another-bucket/*"}), "Policy has invalid resource"),
            (policy({**ok, "Effect": "Allow", "Resource": "*"}), "Policy has invalid resource"),
            (policy({**ok, "Effect": "Allow", "Action": ["s3:GetObject", "s3:ListBucket"]}),
             "Action does not apply to any resource(s) in statement"),
            (policy({**ok, "Effect": "Allow", "Principal": {"AWS": "mallory"}}), "Invalid principal in policy"),
            (policy({**ok, "Effect": "Allow", "Principal": {"AWS": "arn:aws:iam::123456789012:user/mallory"}}),
             "Invalid principal in policy"),
            (policy({**ok, "Effect": "Allow", "Principal": {"Service": "cloudfront.amazonaws.com"}}),
             "Invalid principal in policy"),
            (policy({"Effect": "Allow", "Action": "s3:GetObject", "Resource": f"arn:aws:s3:::{b}/*"}),
             "Missing required field Principal"),
            (policy({**ok, "Effect": "Allow", "Condition": {"StringEquals": {"s3:unknown-key": "x"}}}),
             "Policy has an invalid condition key"),
        ]
        for doc, message in cases:
            with self.subTest(message=message, doc=doc):
                err = self.assertError(lambda: self.s3.put_bucket_policy(Bucket=b, Policy=doc), "MalformedPolicy", 400,
                                       message)
                self.assertTrue(err["ResponseMetadata"]["RequestId"])
        # Nothing was stored.
        self.assertError(lambda: self.s3.get_bucket_policy(Bucket=b), "NoSuchBucketPolicy", 404)

    # -- what policies grant and refuse ---------------------------------------------------------
    def test_other_user_reads_a_prefix(self):
        b = "pol-prefix"
        self.s3.create_bucket(Bucket=b)
        self.s3.put_object(Bucket=b, Key="shared/a.txt", Body=b"shared")
        self.s3.put_object(Bucket=b, Key="private/b.txt", Body=b"private")
        self.denied(lambda: self.bob.get_object(Bucket=b, Key="shared/a.txt"))
        self.s3.put_bucket_policy(Bucket=b, Policy=policy(
            allow({"AWS": [BOB_ARN]}, ["s3:GetObject", "s3:GetObjectTagging"], f"arn:aws:s3:::{b}/shared/*")))
        self.assertEqual(self.bob.get_object(Bucket=b, Key="shared/a.txt")["Body"].read(), b"shared")
        self.assertEqual(self.bob.head_object(Bucket=b, Key="shared/a.txt")["ContentLength"], 6)
        self.assertEqual(self.bob.get_object_tagging(Bucket=b, Key="shared/a.txt")["TagSet"], [])
        self.denied(lambda: self.bob.get_object(Bucket=b, Key="private/b.txt"))
        self.head_denied(lambda: self.bob.head_object(Bucket=b, Key="private/b.txt"))
        # Reading is all the policy grants: no writes, no listing, nothing for anonymous callers.
        self.denied(lambda: self.bob.put_object(Bucket=b, Key="shared/new.txt", Body=b"x"))
        self.denied(lambda: self.bob.delete_object(Bucket=b, Key="shared/a.txt"))
        self.denied(lambda: self.bob.list_objects_v2(Bucket=b))
        self.denied(lambda: self.anon.get_object(Bucket=b, Key="shared/a.txt"))
        self.assertEqual(self.s3.get_object(Bucket=b, Key="shared/a.txt")["Body"].read(), b"shared")

    def test_account_principals(self):
        # Each xs3 user is its own account; the admin API lists the 12-digit ids.
        r = h.Client(self.server).request("GET", "/_xs3/users")
        self.assertEqual(r.status, 200, r.body)
        account = {u["name"]: u["account_id"] for u in json.loads(r.body)["users"]}["bob"]
        b = "pol-account"
        self.s3.create_bucket(Bucket=b)
        self.s3.put_object(Bucket=b, Key="k", Body=b"v")
        for principal in (account, f"arn:aws:iam::{account}:root"):
            with self.subTest(principal=principal):
                self.s3.put_bucket_policy(Bucket=b, Policy=policy(
                    allow({"AWS": principal}, "s3:GetObject", f"arn:aws:s3:::{b}/*")))
                self.assertEqual(self.bob.get_object(Bucket=b, Key="k")["Body"].read(), b"v")
                self.s3.delete_bucket_policy(Bucket=b)
                self.denied(lambda: self.bob.get_object(Bucket=b, Key="k"))
        other = "999999999999" if account != "999999999999" else "999999999998"
        self.assertError(lambda: self.s3.put_bucket_policy(Bucket=b, Policy=policy(
            allow({"AWS": f"arn:aws:iam::{other}:root"}, "s3:GetObject", f"arn:aws:s3:::{b}/*"))),
            "MalformedPolicy", 400, "Invalid principal in policy")

    def test_policy_grants_writes(self):
        b = "pol-write"
        self.s3.create_bucket(Bucket=b)
        self.s3.put_bucket_policy(Bucket=b, Policy=policy(
            allow({"AWS": "bob"}, ["s3:PutObject", "s3:GetObject", "s3:ListBucket*", "s3:AbortMultipartUpload"],
                  [f"arn:aws:s3:::{b}", f"arn:aws:s3:::{b}/inbox/*"])))
        self.bob.put_object(Bucket=b, Key="inbox/1.txt", Body=b"one")
        mp = self.bob.create_multipart_upload(Bucket=b, Key="inbox/big")
        part = self.bob.upload_part(Bucket=b, Key="inbox/big", UploadId=mp["UploadId"], PartNumber=1, Body=b"p" * 10)
        self.assertEqual(len(self.bob.list_multipart_uploads(Bucket=b)["Uploads"]), 1)
        self.bob.complete_multipart_upload(Bucket=b, Key="inbox/big", UploadId=mp["UploadId"], MultipartUpload={
            "Parts": [{"PartNumber": 1, "ETag": part["ETag"]}]})
        keys = [o["Key"] for o in self.bob.list_objects_v2(Bucket=b)["Contents"]]
        self.assertEqual(keys, ["inbox/1.txt", "inbox/big"])
        self.assertEqual(self.bob.head_bucket(Bucket=b)["ResponseMetadata"]["HTTPStatusCode"], 200)
        self.denied(lambda: self.bob.put_object(Bucket=b, Key="outside.txt", Body=b"x"))
        self.denied(lambda: self.bob.delete_object(Bucket=b, Key="inbox/1.txt"))

    def test_deny_overrides_the_owner(self):
        b = "pol-deny"
        self.s3.create_bucket(Bucket=b)
        self.s3.put_object(Bucket=b, Key="locked/x.txt", Body=b"x")
        self.s3.put_object(Bucket=b, Key="open/y.txt", Body=b"y")
        # bob owns a bucket; root is exempt only from Deny on the policy operations, so the test
        # uses bob's own bucket to show the owner denied.
        self.bob.create_bucket(Bucket="pol-deny-bob")
        self.bob.put_object(Bucket="pol-deny-bob", Key="locked/x.txt", Body=b"x")
        self.bob.put_object(Bucket="pol-deny-bob", Key="open/y.txt", Body=b"y")
        self.bob.put_bucket_policy(Bucket="pol-deny-bob", Policy=policy(
            deny("*", ["s3:GetObject", "s3:DeleteObject", "s3:PutObject"], "arn:aws:s3:::pol-deny-bob/locked/*")))
        self.denied(lambda: self.bob.get_object(Bucket="pol-deny-bob", Key="locked/x.txt"))
        self.head_denied(lambda: self.bob.head_object(Bucket="pol-deny-bob", Key="locked/x.txt"))
        self.denied(lambda: self.bob.put_object(Bucket="pol-deny-bob", Key="locked/z.txt", Body=b"z"))
        self.denied(lambda: self.bob.delete_object(Bucket="pol-deny-bob", Key="locked/x.txt"))
        self.assertEqual(self.bob.get_object(Bucket="pol-deny-bob", Key="open/y.txt")["Body"].read(), b"y")
        # Nor through the side doors: copying the object out, DeleteObjects key by key.
        self.denied(lambda: self.bob.copy_object(Bucket="pol-deny-bob", Key="open/copy.txt",
                                                 CopySource={"Bucket": "pol-deny-bob", "Key": "locked/x.txt"}))
        mp = self.bob.create_multipart_upload(Bucket="pol-deny-bob", Key="open/mp")
        self.denied(lambda: self.bob.upload_part_copy(Bucket="pol-deny-bob", Key="open/mp", UploadId=mp["UploadId"],
                                                      PartNumber=1,
                                                      CopySource={"Bucket": "pol-deny-bob", "Key": "locked/x.txt"}))
        self.bob.abort_multipart_upload(Bucket="pol-deny-bob", Key="open/mp", UploadId=mp["UploadId"])
        self.bob.copy_object(Bucket="pol-deny-bob", Key="open/copy.txt",
                             CopySource={"Bucket": "pol-deny-bob", "Key": "open/y.txt"})
        r = self.bob.delete_objects(Bucket="pol-deny-bob", Delete={"Objects": [
            {"Key": "locked/x.txt"}, {"Key": "open/copy.txt"}]})
        self.assertEqual([d["Key"] for d in r.get("Deleted", [])], ["open/copy.txt"])
        self.assertEqual([(e["Key"], e["Code"]) for e in r["Errors"]], [("locked/x.txt", "AccessDenied")])
        # The Deny binds root as well, except to repair the policy.
        self.denied(lambda: self.s3.get_object(Bucket="pol-deny-bob", Key="locked/x.txt"))
        self.s3.put_bucket_policy(Bucket=b, Policy=policy(deny("*", "s3:*", [f"arn:aws:s3:::{b}", f"arn:aws:s3:::{b}/*"])))
        self.denied(lambda: self.s3.get_object(Bucket=b, Key="open/y.txt"))
        self.denied(lambda: self.s3.list_objects_v2(Bucket=b))
        self.denied(lambda: self.s3.get_bucket_tagging(Bucket=b))
        self.assertIn("s3:*", self.s3.get_bucket_policy(Bucket=b)["Policy"])
        self.s3.delete_bucket_policy(Bucket=b)
        self.assertEqual(self.s3.get_object(Bucket=b, Key="locked/x.txt")["Body"].read(), b"x")
        # The bucket owner cannot dig out of a Deny on the policy operations; root can.
        self.bob.put_bucket_policy(Bucket="pol-deny-bob", Policy=policy(
            deny("*", "s3:*", ["arn:aws:s3:::pol-deny-bob", "arn:aws:s3:::pol-deny-bob/*"])))
        self.denied(lambda: self.bob.delete_bucket_policy(Bucket="pol-deny-bob"))
        self.s3.delete_bucket_policy(Bucket="pol-deny-bob")
        self.assertEqual(self.bob.get_object(Bucket="pol-deny-bob", Key="locked/x.txt")["Body"].read(), b"x")

    def test_public_read_through_principal_star(self):
        b = "pol-public"
        self.s3.create_bucket(Bucket=b)
        self.s3.put_object(Bucket=b, Key="site/index.html", Body=b"<h1>hi</h1>")
        public = policy(allow("*", "s3:GetObject", f"arn:aws:s3:::{b}/site/*"))
        # New buckets block public policies (BlockPublicPolicy on by default, as on AWS).
        self.assertError(lambda: self.s3.put_bucket_policy(Bucket=b, Policy=public), "AccessDenied", 403)
        self.assertError(lambda: self.s3.get_bucket_policy(Bucket=b), "NoSuchBucketPolicy", 404)
        # Lifting only BlockPublicPolicy: the policy is taken but RestrictPublicBuckets keeps it
        # from granting anything to anonymous callers.
        self.s3.put_public_access_block(Bucket=b, PublicAccessBlockConfiguration={
            "BlockPublicAcls": True, "IgnorePublicAcls": True, "BlockPublicPolicy": False,
            "RestrictPublicBuckets": True})
        self.s3.put_bucket_policy(Bucket=b, Policy=public)
        self.assertEqual(self.s3.get_bucket_policy_status(Bucket=b)["PolicyStatus"], {"IsPublic": True})
        self.denied(lambda: self.anon.get_object(Bucket=b, Key="site/index.html"))
        # Signed users of the account still get what the policy grants everyone.
        self.assertEqual(self.bob.get_object(Bucket=b, Key="site/index.html")["Body"].read(), b"<h1>hi</h1>")
        self.s3.delete_public_access_block(Bucket=b)
        self.assertEqual(self.anon.get_object(Bucket=b, Key="site/index.html")["Body"].read(), b"<h1>hi</h1>")
        self.assertEqual(self.anon.head_object(Bucket=b, Key="site/index.html")["ContentLength"], 11)
        r = h.raw_request(self.server.port, "GET", f"/{b}/site/index.html", {"Host": self.server.host})
        self.assertEqual((r.status, r.body), (200, b"<h1>hi</h1>"))
        self.denied(lambda: self.anon.put_object(Bucket=b, Key="site/evil.html", Body=b"x"))
        self.denied(lambda: self.anon.delete_object(Bucket=b, Key="site/index.html"))
        self.denied(lambda: self.anon.list_objects_v2(Bucket=b))
        self.s3.put_object(Bucket=b, Key="private.txt", Body=b"p")
        self.denied(lambda: self.anon.get_object(Bucket=b, Key="private.txt"))
        r = h.raw_request(self.server.port, "GET", f"/{b}/private.txt", {"Host": self.server.host})
        self.assertEqual(r.status, 403)
        self.assertIn(b"<Code>AccessDenied</Code>", r.body)
        self.assertIn(b"<RequestId>", r.body)
        # With the block back on, a public policy is refused again.
        self.s3.put_public_access_block(Bucket=b, PublicAccessBlockConfiguration={
            "BlockPublicAcls": True, "IgnorePublicAcls": True, "BlockPublicPolicy": True,
            "RestrictPublicBuckets": True})
        self.assertError(lambda: self.s3.put_bucket_policy(Bucket=b, Policy=public), "AccessDenied", 403)
        self.denied(lambda: self.anon.get_object(Bucket=b, Key="site/index.html"))

    def test_browser_form_upload_is_put_object(self):
        b = "pol-form"
        self.s3.create_bucket(Bucket=b)
        self.s3.put_bucket_policy(Bucket=b, Policy=policy(deny("*", "s3:PutObject", f"arn:aws:s3:::{b}/locked/*")))

        def post(key):
            fields = self.s3.generate_presigned_post(b, key)["fields"]
            boundary = "----xs3" + uuid.uuid4().hex
            parts = [f'--{boundary}\r\nContent-Disposition: form-data; name="{k}"\r\n\r\n{v}\r\n'.encode()
                     for k, v in fields.items()]
            parts.append(f'--{boundary}\r\nContent-Disposition: form-data; name="file"; filename="f"\r\n\r\n'
                         .encode() + b"form bytes\r\n")
            parts.append(f"--{boundary}--\r\n".encode())
            body = b"".join(parts)
            return h.raw_request(self.server.port, "POST", f"/{b}", {
                "Host": self.server.host, "Content-Type": f"multipart/form-data; boundary={boundary}"}, body)

        r = post("open/a.txt")
        self.assertEqual(r.status, 204, r.body)
        r = post("locked/a.txt")
        self.assertEqual(r.status, 403, r.body)
        self.assertIn(b"<Code>AccessDenied</Code>", r.body)
        self.assertEqual([o["Key"] for o in self.s3.list_objects_v2(Bucket=b)["Contents"]], ["open/a.txt"])

    def test_source_ip(self):
        b = "pol-ip"
        self.s3.create_bucket(Bucket=b)
        self.s3.put_object(Bucket=b, Key="k", Body=b"v")
        self.s3.put_bucket_policy(Bucket=b, Policy=policy(
            allow({"AWS": "bob"}, "s3:GetObject", f"arn:aws:s3:::{b}/*",
                  Condition={"IpAddress": {"aws:SourceIp": "127.0.0.1/32"}})))
        self.assertEqual(self.bob.get_object(Bucket=b, Key="k")["Body"].read(), b"v")
        self.s3.put_bucket_policy(Bucket=b, Policy=policy(
            allow({"AWS": "bob"}, "s3:GetObject", f"arn:aws:s3:::{b}/*",
                  Condition={"IpAddress": {"aws:SourceIp": ["10.0.0.0/8", "2001:db8::/32"]}})))
        self.denied(lambda: self.bob.get_object(Bucket=b, Key="k"))
        # Deny everything not from a given range: loopback passes, another range does not.
        self.s3.put_bucket_policy(Bucket=b, Policy=policy(
            deny("*", "s3:*", [f"arn:aws:s3:::{b}", f"arn:aws:s3:::{b}/*"],
                 Condition={"NotIpAddress": {"aws:SourceIp": "127.0.0.0/8"}})))
        self.assertEqual(self.s3.get_object(Bucket=b, Key="k")["Body"].read(), b"v")
        self.s3.put_bucket_policy(Bucket=b, Policy=policy(
            deny("*", "s3:*", [f"arn:aws:s3:::{b}", f"arn:aws:s3:::{b}/*"],
                 Condition={"NotIpAddress": {"aws:SourceIp": "192.0.2.0/24"}})))
        self.denied(lambda: self.s3.get_object(Bucket=b, Key="k"))
        self.s3.delete_bucket_policy(Bucket=b)
        # aws:SecureTransport is false: xs3 speaks plain HTTP.
        self.s3.put_bucket_policy(Bucket=b, Policy=policy(
            deny("*", "s3:GetObject", f"arn:aws:s3:::{b}/*", Condition={"Bool": {"aws:SecureTransport": "false"}})))
        self.denied(lambda: self.s3.get_object(Bucket=b, Key="k"))
        self.s3.delete_bucket_policy(Bucket=b)

    def test_prefix_condition_on_list_bucket(self):
        b = "pol-list"
        self.s3.create_bucket(Bucket=b)
        for k in ("home/bob/a", "home/bob/b", "home/carol/c"):
            self.s3.put_object(Bucket=b, Key=k, Body=b"x")
        self.s3.put_bucket_policy(Bucket=b, Policy=policy(
            allow({"AWS": "bob"}, "s3:ListBucket", f"arn:aws:s3:::{b}",
                  Condition={"StringLike": {"s3:prefix": ["home/bob/*"]}})))
        keys = [o["Key"] for o in self.bob.list_objects_v2(Bucket=b, Prefix="home/bob/")["Contents"]]
        self.assertEqual(keys, ["home/bob/a", "home/bob/b"])
        self.assertEqual(len(self.bob.list_objects(Bucket=b, Prefix="home/bob/a")["Contents"]), 1)
        self.denied(lambda: self.bob.list_objects_v2(Bucket=b, Prefix="home/carol/"))
        self.denied(lambda: self.bob.list_objects_v2(Bucket=b))
        self.s3.put_bucket_policy(Bucket=b, Policy=policy(
            allow({"AWS": "bob"}, "s3:ListBucket", f"arn:aws:s3:::{b}",
                  Condition={"StringEquals": {"s3:prefix": ["", "home/"], "s3:delimiter": "/"}})))
        r = self.bob.list_objects_v2(Bucket=b, Prefix="home/", Delimiter="/")
        self.assertEqual([p["Prefix"] for p in r["CommonPrefixes"]], ["home/bob/", "home/carol/"])
        self.denied(lambda: self.bob.list_objects_v2(Bucket=b, Prefix="home/"))
        self.denied(lambda: self.bob.list_objects_v2(Bucket=b, Prefix="home/bob/", Delimiter="/"))

    def test_policy_status_is_public(self):
        b = "pol-status"
        self.s3.create_bucket(Bucket=b)
        self.s3.delete_public_access_block(Bucket=b)
        cases = [
            (policy(allow("*", "s3:GetObject", f"arn:aws:s3:::{b}/*")), True),
            (policy(allow({"AWS": "*"}, "s3:GetObject", f"arn:aws:s3:::{b}/*")), True),
            (policy(allow("*", "s3:GetObject", f"arn:aws:s3:::{b}/*",
                          Condition={"IpAddress": {"aws:SourceIp": "127.0.0.1/32"}})), False),
            (policy(deny("*", "s3:GetObject", f"arn:aws:s3:::{b}/*")), False),
            (policy(allow({"AWS": "bob"}, "s3:GetObject", f"arn:aws:s3:::{b}/*")), False),
        ]
        for doc, is_public in cases:
            with self.subTest(doc=doc):
                self.s3.put_bucket_policy(Bucket=b, Policy=doc)
                self.assertEqual(self.s3.get_bucket_policy_status(Bucket=b)["PolicyStatus"]["IsPublic"], is_public)
        self.denied(lambda: self.bob.get_bucket_policy_status(Bucket=b))

    def test_deny_to_every_user_beside_an_allow(self):
        b = "pol-users"
        self.s3.create_bucket(Bucket=b)
        self.s3.put_object(Bucket=b, Key="k", Body=b"v")
        self.s3.put_bucket_policy(Bucket=b, Policy=policy(
            allow({"AWS": "bob"}, "s3:GetObject", f"arn:aws:s3:::{b}/*"),
            deny({"AWS": "*"}, "s3:DeleteObject", f"arn:aws:s3:::{b}/*")))
        self.denied(lambda: self.s3.delete_object(Bucket=b, Key="k"))
        self.assertEqual(self.bob.get_object(Bucket=b, Key="k")["Body"].read(), b"v")


if __name__ == "__main__":
    h.main()
