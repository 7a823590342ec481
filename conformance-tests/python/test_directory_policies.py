"""conformance.directory_policies: directory-bucket policies through boto3 1.43.

Put/Get/DeleteBucketPolicy (owner only), what S3 Express refuses in a policy (other actions,
unknown principals, public grants), and what a policy grants another user: CreateSession in the
modes its s3express:SessionMode condition allows (the widest by default), and the same rights for
that user's static-key calls. Every error is checked for code and HTTP status.
"""

import json
import os
import sys
import unittest

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import xs3harness as h  # noqa: E402

import boto3  # noqa: E402
import botocore  # noqa: E402
from botocore.config import Config  # noqa: E402
from botocore.exceptions import ClientError  # noqa: E402

if tuple(int(x) for x in botocore.__version__.split(".")[:2]) < (1, 33):
    raise SystemExit(f"botocore {botocore.__version__} does not know directory buckets; use the pyenv python3")

B = "policies--use1-az4--x-s3"
CFG = {"Location": {"Type": "AvailabilityZone", "Name": "use1-az4"},
       "Bucket": {"DataRedundancy": "SingleAvailabilityZone", "Type": "Directory"}}
BOB = {"name": "bob", "access_key": "BOBKEY", "secret_key": "BOBSECRET"}
CAROL = {"name": "carol", "access_key": "CAROLKEY", "secret_key": "CAROLSECRET"}


def statement(principal, modes=None, effect="Allow", action="s3express:CreateSession"):
    st = {"Effect": effect, "Principal": principal, "Action": action,
          "Resource": f"arn:aws:s3express:us-east-1:111122223333:bucket/{B}"}
    if modes:
        st["Condition"] = {"StringEquals": {"s3express:SessionMode": modes}}
    return st


def policy(*statements):
    return json.dumps({"Version": "2012-10-17", "Statement": list(statements)})


class DirectoryPolicies(h.ServerTestCase):
    server_kwargs = {"config": {"users": [BOB, CAROL]}}

    def client(self, user=None):
        key = (user or {}).get("access_key", h.ROOT_ACCESS_KEY)
        secret = (user or {}).get("secret_key", h.ROOT_SECRET_KEY)
        return boto3.client("s3", endpoint_url=self.server.endpoint, aws_access_key_id=key,
                            aws_secret_access_key=secret,
                            config=Config(region_name=h.REGION, retries={"max_attempts": 1, "mode": "standard"}))

    def assertError(self, fn, code, status):
        with self.assertRaises(ClientError) as cm:
            fn()
        err = cm.exception.response
        self.assertEqual((err["Error"]["Code"], err["ResponseMetadata"]["HTTPStatusCode"]), (code, status))

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        root = boto3.client("s3", endpoint_url=cls.server.endpoint, aws_access_key_id=h.ROOT_ACCESS_KEY,
                            aws_secret_access_key=h.ROOT_SECRET_KEY, region_name=h.REGION)
        root.create_bucket(Bucket=B, CreateBucketConfiguration=CFG)
        root.put_object(Bucket=B, Key="shared/a.txt", Body=b"shared bytes")

    def tearDown(self):
        self.client().delete_bucket_policy(Bucket=B)

    def test_get_without_policy_is_no_such_bucket_policy(self):
        self.assertError(lambda: self.client().get_bucket_policy(Bucket=B), "NoSuchBucketPolicy", 404)

    def test_put_get_delete_round_trip(self):
        root = self.client()
        doc = policy(statement({"AWS": "bob"}, "ReadOnly"))
        r = root.put_bucket_policy(Bucket=B, Policy=doc)
        self.assertEqual(r["ResponseMetadata"]["HTTPStatusCode"], 204)
        self.assertEqual(json.loads(root.get_bucket_policy(Bucket=B)["Policy"]), json.loads(doc))
        self.assertEqual(root.delete_bucket_policy(Bucket=B)["ResponseMetadata"]["HTTPStatusCode"], 204)
        self.assertError(lambda: root.get_bucket_policy(Bucket=B), "NoSuchBucketPolicy", 404)

    def test_only_the_owner_manages_the_policy(self):
        bob = self.client(BOB)
        doc = policy(statement({"AWS": "bob"}))
        self.assertError(lambda: bob.put_bucket_policy(Bucket=B, Policy=doc), "AccessDenied", 403)
        self.assertError(lambda: bob.get_bucket_policy(Bucket=B), "AccessDenied", 403)
        self.assertError(lambda: self.client().get_bucket_policy(Bucket=B), "NoSuchBucketPolicy", 404)

    def test_policies_s3_express_refuses(self):
        root = self.client()
        for doc, code, status in [
            ("not json", "MalformedPolicy", 400),
            (policy(statement({"AWS": "bob"}, action="s3:GetObject")), "MalformedPolicy", 400),
            (policy(statement({"AWS": "mallory"})), "MalformedPolicy", 400),
            (policy(statement({"AWS": "bob"}, "Sometimes")), "MalformedPolicy", 400),
            # From the long fuzz run: a non-string Effect once threw out of the parser and ended xs3d.
            (policy(statement({"AWS": "bob"}, effect={"StringEquals": {"s3express:SessionMode": "ReadOnly"}})),
             "MalformedPolicy", 400),
            (policy(statement("*")), "AccessDenied", 403),
            (policy(statement({"AWS": "*"})), "AccessDenied", 403),
        ]:
            self.assertError(lambda: root.put_bucket_policy(Bucket=B, Policy=doc), code, status)
        self.assertError(lambda: root.get_bucket_policy(Bucket=B), "NoSuchBucketPolicy", 404)

    def test_without_a_grant_other_users_are_refused(self):
        bob = self.client(BOB)
        self.assertError(lambda: bob.create_session(Bucket=B), "AccessDenied", 403)
        self.assertError(lambda: bob.get_object(Bucket=B, Key="shared/a.txt"), "AccessDenied", 403)

    def test_read_only_grant(self):
        self.client().put_bucket_policy(Bucket=B, Policy=policy(statement({"AWS": "arn:aws:iam::1:user/bob"}, "ReadOnly")))
        bob = self.client(BOB)
        self.assertEqual(bob.get_object(Bucket=B, Key="shared/a.txt")["Body"].read(), b"shared bytes")
        self.assertError(lambda: bob.put_object(Bucket=B, Key="shared/bob.txt", Body=b"x"), "AccessDenied", 403)
        self.assertError(lambda: bob.create_session(Bucket=B, SessionMode="ReadWrite"), "AccessDenied", 403)
        self.assertIn("Credentials", bob.create_session(Bucket=B, SessionMode="ReadOnly"))
        self.assertError(lambda: self.client(CAROL).get_object(Bucket=B, Key="shared/a.txt"), "AccessDenied", 403)
        self.assertError(lambda: self.client().head_object(Bucket=B, Key="shared/bob.txt"), "404", 404)

    def test_read_write_grant_and_deny_precedence(self):
        self.client().put_bucket_policy(Bucket=B, Policy=policy(
            statement({"AWS": ["bob", "carol"]}),
            statement({"AWS": "carol"}, "ReadWrite", effect="Deny")))
        bob, carol = self.client(BOB), self.client(CAROL)
        bob.put_object(Bucket=B, Key="shared/bob.txt", Body=b"from bob")
        self.assertEqual(self.client().get_object(Bucket=B, Key="shared/bob.txt")["Body"].read(), b"from bob")
        self.assertEqual(carol.get_object(Bucket=B, Key="shared/bob.txt")["Body"].read(), b"from bob")
        self.assertError(lambda: carol.put_object(Bucket=B, Key="shared/carol.txt", Body=b"x"), "AccessDenied", 403)
        self.client().delete_object(Bucket=B, Key="shared/bob.txt")


if __name__ == "__main__":
    h.main()
