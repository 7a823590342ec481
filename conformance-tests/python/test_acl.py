"""conformance.acl_debian / conformance.acl_pyenv: canned ACLs, Object Ownership and Block Public
Access via boto3, and what they let an anonymous client (unsigned HTTP) or another user read.

New buckets are what S3 makes them since 2023: BucketOwnerEnforced (ACLs off) and every Block
Public Access setting on, so a public object takes ObjectWriter (or BucketOwnerPreferred) and
the block lifted, as on AWS.
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

BOB = {"name": "bob", "access_key": "BOBKEY", "secret_key": "BOBSECRET"}
ALL_USERS = "http://acs.amazonaws.com/groups/global/AllUsers"
AUTH_USERS = "http://acs.amazonaws.com/groups/global/AuthenticatedUsers"
ROOT = "root"  # the root user's name, the owner's DisplayName


class AclSuite(h.ServerTestCase):
    server_kwargs = {"config": {"users": [BOB]}}

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.s3 = cls.client(h.ROOT_ACCESS_KEY, h.ROOT_SECRET_KEY)
        cls.bob = cls.client(BOB["access_key"], BOB["secret_key"])

    @classmethod
    def client(cls, ak, sk):
        return boto3.session.Session().client(
            "s3", endpoint_url=cls.server.endpoint, region_name=h.REGION, aws_access_key_id=ak,
            aws_secret_access_key=sk, config=Config(s3={"addressing_style": "path"}, retries={"max_attempts": 1}))

    def assertError(self, ctx, code, status):
        err = ctx.exception.response
        self.assertEqual((err["ResponseMetadata"]["HTTPStatusCode"], err["Error"]["Code"]), (status, code), err)
        return err

    def anonymous_get(self, bucket, key):
        return h.raw_request(self.server.port, "GET", h.key_path(bucket, key), {"Host": self.server.host})

    def grants(self, acl):
        out = []
        for g in acl["Grants"]:
            who = g["Grantee"].get("URI") or g["Grantee"].get("DisplayName")
            out.append((g["Grantee"]["Type"], who, g["Permission"]))
        return sorted(out)

    def open_bucket(self, name):
        """A bucket that takes ACLs: ObjectWriter, Block Public Access lifted."""
        self.s3.create_bucket(Bucket=name, ObjectOwnership="ObjectWriter")
        self.s3.delete_public_access_block(Bucket=name)

    # -- defaults: ACLs off ------------------------------------------------------------------
    def test_new_bucket_defaults(self):
        self.s3.create_bucket(Bucket="acl-defaults")
        oc = self.s3.get_bucket_ownership_controls(Bucket="acl-defaults")["OwnershipControls"]
        self.assertEqual(oc, {"Rules": [{"ObjectOwnership": "BucketOwnerEnforced"}]})
        pab = self.s3.get_public_access_block(Bucket="acl-defaults")["PublicAccessBlockConfiguration"]
        self.assertEqual(pab, {"BlockPublicAcls": True, "IgnorePublicAcls": True, "BlockPublicPolicy": True,
                               "RestrictPublicBuckets": True})
        acl = self.s3.get_bucket_acl(Bucket="acl-defaults")
        self.assertEqual(acl["Owner"]["DisplayName"], ROOT)
        self.assertEqual(len(acl["Owner"]["ID"]), 64)
        self.assertEqual(self.grants(acl), [("CanonicalUser", acl["Owner"]["DisplayName"], "FULL_CONTROL")])
        self.assertEqual(acl["Grants"][0]["Grantee"]["ID"], acl["Owner"]["ID"])

    def test_bucket_owner_enforced_refuses_acls(self):
        self.s3.create_bucket(Bucket="acl-enforced")
        for acl in ("private", "bucket-owner-full-control"):
            self.s3.put_object(Bucket="acl-enforced", Key=acl, Body=b"x", ACL=acl)
        for call in (lambda: self.s3.put_object(Bucket="acl-enforced", Key="pub", Body=b"x", ACL="public-read"),
                     lambda: self.s3.put_object_acl(Bucket="acl-enforced", Key="private", ACL="public-read"),
                     lambda: self.s3.put_bucket_acl(Bucket="acl-enforced", ACL="public-read"),
                     lambda: self.s3.create_multipart_upload(Bucket="acl-enforced", Key="mp", ACL="authenticated-read"),
                     lambda: self.s3.copy_object(Bucket="acl-enforced", Key="cp", ACL="public-read",
                                                 CopySource={"Bucket": "acl-enforced", "Key": "private"})):
            with self.assertRaises(ClientError) as ctx:
                call()
            err = self.assertError(ctx, "AccessControlListNotSupported", 400)
            self.assertEqual(err["Error"]["Message"], "The bucket does not allow ACLs")
        with self.assertRaises(ClientError) as ctx:
            self.s3.head_object(Bucket="acl-enforced", Key="pub")
        self.assertError(ctx, "404", 404)
        acl = self.s3.get_object_acl(Bucket="acl-enforced", Key="private")
        self.assertEqual(self.grants(acl), [("CanonicalUser", ROOT, "FULL_CONTROL")])
        self.assertEqual(self.anonymous_get("acl-enforced", "private").status, 403)

    def test_create_bucket_acl_rules(self):
        with self.assertRaises(ClientError) as ctx:
            self.s3.create_bucket(Bucket="acl-refused", ACL="public-read")
        self.assertError(ctx, "InvalidBucketAclWithObjectOwnership", 400)
        with self.assertRaises(ClientError) as ctx:
            self.s3.create_bucket(Bucket="acl-refused", ACL="public-read", ObjectOwnership="ObjectWriter")
        self.assertError(ctx, "InvalidBucketAclWithBlockPublicAccessError", 400)
        with self.assertRaises(ClientError) as ctx:
            self.s3.create_bucket(Bucket="acl-refused", ObjectOwnership="Nobody")
        self.assertError(ctx, "InvalidArgument", 400)
        with self.assertRaises(ClientError) as ctx:
            self.s3.head_bucket(Bucket="acl-refused")
        self.assertError(ctx, "404", 404)
        self.s3.create_bucket(Bucket="acl-private", ACL="private")

    # -- ACLs on: canned grants and who may read ----------------------------------------------
    def test_public_read_object_is_readable_anonymously(self):
        self.open_bucket("acl-open")
        with self.assertRaises(ClientError) as ctx:
            self.s3.get_public_access_block(Bucket="acl-open")
        self.assertError(ctx, "NoSuchPublicAccessBlockConfiguration", 404)
        self.s3.put_object(Bucket="acl-open", Key="public.txt", Body=b"for everyone", ACL="public-read")
        self.s3.put_object(Bucket="acl-open", Key="private.txt", Body=b"secret")
        r = self.anonymous_get("acl-open", "public.txt")
        self.assertEqual((r.status, r.body), (200, b"for everyone"), r)
        r = h.raw_request(self.server.port, "HEAD", "/acl-open/public.txt", {"Host": self.server.host})
        self.assertEqual(r.status, 200, r)
        self.assertEqual(self.grants(self.s3.get_object_acl(Bucket="acl-open", Key="public.txt")),
                         [("CanonicalUser", ROOT, "FULL_CONTROL"), ("Group", ALL_USERS, "READ")])
        # Private objects, missing keys, listings and writes stay closed to anonymous callers.
        for key in ("private.txt", "missing.txt"):
            r = self.anonymous_get("acl-open", key)
            self.assertEqual((r.status, r.error_code()), (403, "AccessDenied"), r)
        r = h.raw_request(self.server.port, "GET", "/acl-open", {"Host": self.server.host})
        self.assertEqual((r.status, r.error_code()), (403, "AccessDenied"), r)
        # A public-read bucket ACL opens the listing, to anonymous callers and other users.
        self.s3.put_bucket_acl(Bucket="acl-open", ACL="public-read")
        r = h.raw_request(self.server.port, "GET", "/acl-open?list-type=2", {"Host": self.server.host})
        self.assertEqual(r.status, 200, r)
        self.assertEqual([k.text for k in r.xml().iter("Key")], ["private.txt", "public.txt"])
        keys = [o["Key"] for o in self.bob.list_objects_v2(Bucket="acl-open")["Contents"]]
        self.assertEqual(keys, ["private.txt", "public.txt"])
        self.assertEqual(self.anonymous_get("acl-open", "private.txt").status, 403)  # objects keep their own
        self.s3.put_bucket_acl(Bucket="acl-open", ACL="private")
        with self.assertRaises(ClientError) as ctx:
            self.bob.list_objects_v2(Bucket="acl-open")
        self.assertError(ctx, "AccessDenied", 403)
        r = h.raw_request(self.server.port, "PUT", "/acl-open/anon.txt", {"Host": self.server.host}, body=b"x")
        self.assertEqual((r.status, r.error_code()), (403, "AccessDenied"), r)
        # put-object-acl back to private closes it again.
        self.s3.put_object_acl(Bucket="acl-open", Key="public.txt", ACL="private")
        self.assertEqual(self.anonymous_get("acl-open", "public.txt").status, 403)

    def test_authenticated_read_is_for_signed_in_users(self):
        self.open_bucket("acl-auth")
        self.s3.put_object(Bucket="acl-auth", Key="members.txt", Body=b"members", ACL="authenticated-read")
        self.s3.put_object(Bucket="acl-auth", Key="mine.txt", Body=b"mine")
        self.assertEqual(self.bob.get_object(Bucket="acl-auth", Key="members.txt")["Body"].read(), b"members")
        with self.assertRaises(ClientError) as ctx:
            self.bob.get_object(Bucket="acl-auth", Key="mine.txt")
        self.assertError(ctx, "AccessDenied", 403)
        self.assertEqual(self.anonymous_get("acl-auth", "members.txt").status, 403)
        self.assertEqual(self.grants(self.s3.get_object_acl(Bucket="acl-auth", Key="members.txt")),
                         [("CanonicalUser", ROOT, "FULL_CONTROL"), ("Group", AUTH_USERS, "READ")])

    def test_public_access_block(self):
        self.open_bucket("acl-block")
        self.s3.put_object(Bucket="acl-block", Key="p", Body=b"p", ACL="public-read")
        self.s3.put_public_access_block(Bucket="acl-block", PublicAccessBlockConfiguration={"IgnorePublicAcls": True})
        got = self.s3.get_public_access_block(Bucket="acl-block")["PublicAccessBlockConfiguration"]
        self.assertEqual(got, {"BlockPublicAcls": False, "IgnorePublicAcls": True, "BlockPublicPolicy": False,
                               "RestrictPublicBuckets": False})
        self.assertEqual(self.anonymous_get("acl-block", "p").status, 403)  # ignored, still stored
        self.s3.put_public_access_block(Bucket="acl-block", PublicAccessBlockConfiguration={"BlockPublicAcls": True})
        self.assertEqual(self.anonymous_get("acl-block", "p").status, 200)
        with self.assertRaises(ClientError) as ctx:
            self.s3.put_object(Bucket="acl-block", Key="q", Body=b"q", ACL="public-read")
        self.assertError(ctx, "AccessDenied", 403)
        with self.assertRaises(ClientError) as ctx:
            self.s3.put_object_acl(Bucket="acl-block", Key="p", ACL="public-read-write")
        self.assertError(ctx, "AccessDenied", 403)
        r = self.raw.request("PUT", "/acl-block", query=[("publicAccessBlock", "")],
                             body=b"<PublicAccessBlockConfiguration><BlockPublicAcls>yes</BlockPublicAcls>"
                                  b"</PublicAccessBlockConfiguration>")
        self.assertEqual((r.status, r.error_code()), (400, "MalformedXML"), r)

    def test_ownership_controls(self):
        self.open_bucket("acl-own")
        self.s3.put_object(Bucket="acl-own", Key="p", Body=b"p", ACL="public-read")
        self.assertEqual(self.anonymous_get("acl-own", "p").status, 200)
        self.s3.put_bucket_ownership_controls(Bucket="acl-own", OwnershipControls={
            "Rules": [{"ObjectOwnership": "BucketOwnerEnforced"}]})
        # ACLs are off: the stored grant no longer counts, reads show the owner only.
        self.assertEqual(self.anonymous_get("acl-own", "p").status, 403)
        self.assertEqual(self.grants(self.s3.get_object_acl(Bucket="acl-own", Key="p")),
                         [("CanonicalUser", ROOT, "FULL_CONTROL")])
        self.s3.delete_bucket_ownership_controls(Bucket="acl-own")
        with self.assertRaises(ClientError) as ctx:
            self.s3.get_bucket_ownership_controls(Bucket="acl-own")
        self.assertError(ctx, "OwnershipControlsNotFoundError", 404)
        # A bucket ACL granting more than the owner must go before ACLs can be turned off.
        self.s3.put_bucket_acl(Bucket="acl-own", ACL="public-read")
        self.assertEqual(self.grants(self.s3.get_bucket_acl(Bucket="acl-own")),
                         [("CanonicalUser", ROOT, "FULL_CONTROL"), ("Group", ALL_USERS, "READ")])
        with self.assertRaises(ClientError) as ctx:
            self.s3.put_bucket_ownership_controls(Bucket="acl-own", OwnershipControls={
                "Rules": [{"ObjectOwnership": "BucketOwnerEnforced"}]})
        self.assertError(ctx, "InvalidBucketAclWithObjectOwnership", 400)
        r = self.raw.request("PUT", "/acl-own", query=[("ownershipControls", "")],
                             body=b"<OwnershipControls><Rule><ObjectOwnership>Everyone</ObjectOwnership></Rule>"
                                  b"</OwnershipControls>")
        self.assertEqual((r.status, r.error_code()), (400, "MalformedXML"), r)

    def test_acl_documents(self):
        self.open_bucket("acl-doc")
        self.s3.put_object(Bucket="acl-doc", Key="k", Body=b"k")
        owner = self.s3.get_object_acl(Bucket="acl-doc", Key="k")["Owner"]
        policy = {"Owner": owner, "Grants": [
            {"Grantee": {"Type": "CanonicalUser", "ID": owner["ID"]}, "Permission": "FULL_CONTROL"},
            {"Grantee": {"Type": "Group", "URI": ALL_USERS}, "Permission": "READ"}]}
        self.s3.put_object_acl(Bucket="acl-doc", Key="k", AccessControlPolicy=policy)
        self.assertEqual(self.anonymous_get("acl-doc", "k").status, 200)
        bad_id = {"Owner": owner, "Grants": [
            {"Grantee": {"Type": "CanonicalUser", "ID": "0" * 64}, "Permission": "FULL_CONTROL"}]}
        with self.assertRaises(ClientError) as ctx:
            self.s3.put_object_acl(Bucket="acl-doc", Key="k", AccessControlPolicy=bad_id)
        self.assertError(ctx, "InvalidArgument", 400)
        r = self.raw.request("PUT", "/acl-doc/k", query=[("acl", "")], body=b"<AccessControlPolicy>")
        self.assertEqual((r.status, r.error_code()), (400, "MalformedACLError"), r)
        with self.assertRaises(ClientError) as ctx:
            self.s3.put_object(Bucket="acl-doc", Key="k2", Body=b"x", ACL="public-ready")
        self.assertError(ctx, "InvalidArgument", 400)
        with self.assertRaises(ClientError) as ctx:
            self.s3.get_object_acl(Bucket="acl-doc", Key="missing")
        self.assertError(ctx, "NoSuchKey", 404)
        self.assertEqual(self.anonymous_get("acl-doc", "k").status, 200)  # refused requests changed nothing


if __name__ == "__main__":
    h.main()
