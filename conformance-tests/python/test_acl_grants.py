"""conformance.acl_grants_debian / conformance.acl_grants_pyenv: explicit ACL grants via boto3 —
x-amz-grant-* headers on CreateBucket, PutObject and Put*Acl, AccessControlPolicy documents with
canonical-user and group grantees — what they let another user (bob) or an anonymous client do,
and how Object Ownership and Block Public Access treat them.

Buckets that take ACLs are made ObjectWriter, as on AWS, where new buckets have ACLs off.
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
ROOT = "root"


class AclGrantsSuite(h.ServerTestCase):
    server_kwargs = {"config": {"users": [BOB]}}

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.s3 = cls.client(h.ROOT_ACCESS_KEY, h.ROOT_SECRET_KEY)
        cls.bob = cls.client(BOB["access_key"], BOB["secret_key"])
        # Canonical ids as the server shows them: the owner of a bucket each user creates.
        cls.s3.create_bucket(Bucket="grants-ids-root")
        cls.bob.create_bucket(Bucket="grants-ids-bob")
        cls.root_id = cls.s3.get_bucket_acl(Bucket="grants-ids-root")["Owner"]["ID"]
        cls.bob_id = cls.bob.get_bucket_acl(Bucket="grants-ids-bob")["Owner"]["ID"]

    @classmethod
    def client(cls, ak, sk):
        return boto3.session.Session().client(
            "s3", endpoint_url=cls.server.endpoint, region_name=h.REGION, aws_access_key_id=ak,
            aws_secret_access_key=sk, config=Config(s3={"addressing_style": "path"}, retries={"max_attempts": 1}))

    def assertError(self, ctx, code, status):
        err = ctx.exception.response
        self.assertEqual((err["ResponseMetadata"]["HTTPStatusCode"], err["Error"]["Code"]), (status, code), err)
        return err

    def assertDenied(self, call, **kw):
        with self.assertRaises(ClientError) as ctx:
            call(**kw)
        self.assertError(ctx, "AccessDenied", 403)

    def grants(self, acl):
        """(type, display name or URI, permission) in the order the server gives them."""
        return [(g["Grantee"]["Type"], g["Grantee"].get("URI") or g["Grantee"].get("DisplayName"), g["Permission"])
                for g in acl["Grants"]]

    def open_bucket(self, name, **kw):
        """A bucket that takes ACLs: ObjectWriter, Block Public Access lifted."""
        self.s3.create_bucket(Bucket=name, ObjectOwnership="ObjectWriter", **kw)
        self.s3.delete_public_access_block(Bucket=name)

    def anonymous_get(self, bucket, key):
        return h.raw_request(self.server.port, "GET", h.key_path(bucket, key), {"Host": self.server.host})

    # -- grant headers -------------------------------------------------------------------------
    def test_put_object_grant_headers(self):
        self.open_bucket("grants-obj")
        self.s3.put_object(Bucket="grants-obj", Key="shared", Body=b"for bob",
                           GrantRead=f'id="{self.bob_id}"', GrantFullControl=f'id="{self.root_id}"')
        self.s3.put_object(Bucket="grants-obj", Key="mine", Body=b"root only")
        # The headers are the whole ACL, in the order S3 documents the headers.
        acl = self.s3.get_object_acl(Bucket="grants-obj", Key="shared")
        self.assertEqual(self.grants(acl), [("CanonicalUser", ROOT, "FULL_CONTROL"), ("CanonicalUser", "bob", "READ")])
        self.assertEqual(acl["Grants"][1]["Grantee"]["ID"], self.bob_id)
        self.assertEqual(self.bob.get_object(Bucket="grants-obj", Key="shared")["Body"].read(), b"for bob")
        self.assertEqual(self.bob.head_object(Bucket="grants-obj", Key="shared")["ContentLength"], 7)
        with self.assertRaises(ClientError) as ctx:
            self.bob.get_object(Bucket="grants-obj", Key="mine")
        self.assertError(ctx, "AccessDenied", 403)
        # READ is not READ_ACP, WRITE_ACP, or a listing.
        self.assertDenied(self.bob.get_object_acl, Bucket="grants-obj", Key="shared")
        self.assertDenied(self.bob.put_object_acl, Bucket="grants-obj", Key="shared", ACL="private")
        self.assertDenied(self.bob.list_objects_v2, Bucket="grants-obj")
        self.assertEqual(self.anonymous_get("grants-obj", "shared").status, 403)
        # READ_ACP and WRITE_ACP through PutObjectAcl's headers.
        self.s3.put_object_acl(Bucket="grants-obj", Key="shared", GrantReadACP=f'id="{self.bob_id}"',
                               GrantWriteACP=f'id="{self.bob_id}"')
        self.assertEqual(self.grants(self.bob.get_object_acl(Bucket="grants-obj", Key="shared")),
                         [("CanonicalUser", "bob", "READ_ACP"), ("CanonicalUser", "bob", "WRITE_ACP")])
        self.assertDenied(self.bob.get_object, Bucket="grants-obj", Key="shared")  # READ was replaced
        self.bob.put_object_acl(Bucket="grants-obj", Key="shared", GrantFullControl=f'id="{self.bob_id}"')
        self.assertEqual(self.bob.get_object(Bucket="grants-obj", Key="shared")["Body"].read(), b"for bob")
        # An AllUsers grant opens the object to anonymous callers.
        self.s3.put_object(Bucket="grants-obj", Key="public", Body=b"all", GrantRead=f'uri="{ALL_USERS}"')
        r = self.anonymous_get("grants-obj", "public")
        self.assertEqual((r.status, r.body), (200, b"all"), r)
        # AuthenticatedUsers: any signed-in user, not anonymous callers.
        self.s3.put_object(Bucket="grants-obj", Key="members", Body=b"m", GrantRead=f'uri="{AUTH_USERS}"')
        self.assertEqual(self.bob.get_object(Bucket="grants-obj", Key="members")["Body"].read(), b"m")
        self.assertEqual(self.anonymous_get("grants-obj", "members").status, 403)

    def test_copy_and_multipart_grant_headers(self):
        self.open_bucket("grants-cm")
        self.s3.put_object(Bucket="grants-cm", Key="src", Body=b"copied")
        self.s3.copy_object(Bucket="grants-cm", Key="copy", CopySource={"Bucket": "grants-cm", "Key": "src"},
                            GrantRead=f'id="{self.bob_id}"')
        self.assertEqual(self.bob.get_object(Bucket="grants-cm", Key="copy")["Body"].read(), b"copied")
        up = self.s3.create_multipart_upload(Bucket="grants-cm", Key="mpu", GrantRead=f'id="{self.bob_id}"')
        part = self.s3.upload_part(Bucket="grants-cm", Key="mpu", UploadId=up["UploadId"], PartNumber=1, Body=b"parts")
        self.s3.complete_multipart_upload(Bucket="grants-cm", Key="mpu", UploadId=up["UploadId"], MultipartUpload={
            "Parts": [{"PartNumber": 1, "ETag": part["ETag"]}]})
        self.assertEqual(self.bob.get_object(Bucket="grants-cm", Key="mpu")["Body"].read(), b"parts")
        self.assertEqual(self.grants(self.s3.get_object_acl(Bucket="grants-cm", Key="mpu")),
                         [("CanonicalUser", "bob", "READ")])

    def test_create_bucket_grant_read(self):
        self.s3.create_bucket(Bucket="grants-listed", ObjectOwnership="ObjectWriter", GrantRead=f'id="{self.bob_id}"',
                              GrantFullControl=f'id="{self.root_id}"')
        self.s3.put_object(Bucket="grants-listed", Key="a", Body=b"a")
        self.assertEqual(self.grants(self.s3.get_bucket_acl(Bucket="grants-listed")),
                         [("CanonicalUser", ROOT, "FULL_CONTROL"), ("CanonicalUser", "bob", "READ")])
        self.assertEqual([o["Key"] for o in self.bob.list_objects_v2(Bucket="grants-listed")["Contents"]], ["a"])
        self.assertEqual([o["Key"] for o in self.bob.list_objects(Bucket="grants-listed")["Contents"]], ["a"])
        self.assertEqual([v["Key"] for v in self.bob.list_object_versions(Bucket="grants-listed")["Versions"]], ["a"])
        self.bob.list_multipart_uploads(Bucket="grants-listed")
        # READ on the bucket lists; it does not read objects, write, or read the ACL.
        self.assertDenied(self.bob.get_object, Bucket="grants-listed", Key="a")
        self.assertDenied(self.bob.put_object, Bucket="grants-listed", Key="b", Body=b"b")
        self.assertDenied(self.bob.get_bucket_acl, Bucket="grants-listed")
        self.assertDenied(self.bob.list_objects_v2, Bucket="grants-ids-root")

    def test_put_bucket_acl_grants(self):
        self.open_bucket("grants-write")
        self.assertDenied(self.bob.put_object, Bucket="grants-write", Key="bob.txt", Body=b"x")
        self.s3.put_bucket_acl(Bucket="grants-write", GrantWrite=f'id="{self.bob_id}"',
                               GrantFullControl=f'id="{self.root_id}"')
        self.bob.put_object(Bucket="grants-write", Key="bob.txt", Body=b"from bob")
        self.s3.put_object(Bucket="grants-write", Key="root.txt", Body=b"from root")
        # The bucket owner reads what bob wrote; bob owns his object (ObjectWriter), not root's.
        self.assertEqual(self.s3.get_object(Bucket="grants-write", Key="bob.txt")["Body"].read(), b"from bob")
        self.assertEqual(self.bob.get_object(Bucket="grants-write", Key="bob.txt")["Body"].read(), b"from bob")
        self.assertDenied(self.bob.get_object, Bucket="grants-write", Key="root.txt")
        self.assertDenied(self.bob.list_objects_v2, Bucket="grants-write")
        self.assertEqual(self.bob.delete_object(Bucket="grants-write", Key="root.txt")["ResponseMetadata"]
                         ["HTTPStatusCode"], 204)
        with self.assertRaises(ClientError) as ctx:
            self.s3.head_object(Bucket="grants-write", Key="root.txt")
        self.assertEqual(ctx.exception.response["ResponseMetadata"]["HTTPStatusCode"], 404)
        # Anonymous WRITE is not granted even by an AllUsers grant.
        self.s3.put_bucket_acl(Bucket="grants-write", GrantWrite=f'uri="{ALL_USERS}"')
        r = h.raw_request(self.server.port, "PUT", "/grants-write/anon", {"Host": self.server.host,
                                                                         "Content-Length": "1"}, b"x")
        self.assertEqual((r.status, r.error_code()), (403, "AccessDenied"), r)
        # READ_ACP and WRITE_ACP on the bucket.
        self.assertDenied(self.bob.get_bucket_acl, Bucket="grants-write")
        self.assertDenied(self.bob.put_bucket_acl, Bucket="grants-write", ACL="private")
        self.s3.put_bucket_acl(Bucket="grants-write", GrantReadACP=f'id="{self.bob_id}"',
                               GrantWriteACP=f'id="{self.bob_id}"')
        self.assertEqual(self.grants(self.bob.get_bucket_acl(Bucket="grants-write")),
                         [("CanonicalUser", "bob", "READ_ACP"), ("CanonicalUser", "bob", "WRITE_ACP")])
        self.assertDenied(self.bob.put_object, Bucket="grants-write", Key="late", Body=b"x")  # WRITE is gone
        self.bob.put_bucket_acl(Bucket="grants-write", ACL="private")
        self.assertEqual(self.grants(self.s3.get_bucket_acl(Bucket="grants-write")),
                         [("CanonicalUser", ROOT, "FULL_CONTROL")])
        self.assertDenied(self.bob.get_bucket_acl, Bucket="grants-write")

    def test_access_control_policy_round_trip(self):
        self.open_bucket("grants-doc")
        self.s3.put_object(Bucket="grants-doc", Key="k", Body=b"doc")
        owner = self.s3.get_object_acl(Bucket="grants-doc", Key="k")["Owner"]
        policy = {"Owner": owner, "Grants": [
            {"Grantee": {"Type": "CanonicalUser", "ID": self.bob_id}, "Permission": "READ"},
            {"Grantee": {"Type": "Group", "URI": AUTH_USERS}, "Permission": "READ_ACP"},
            {"Grantee": {"Type": "CanonicalUser", "ID": owner["ID"]}, "Permission": "FULL_CONTROL"},
            {"Grantee": {"Type": "CanonicalUser", "ID": self.bob_id}, "Permission": "WRITE_ACP"}]}
        self.s3.put_object_acl(Bucket="grants-doc", Key="k", AccessControlPolicy=policy)
        acl = self.s3.get_object_acl(Bucket="grants-doc", Key="k")
        self.assertEqual(acl["Owner"], owner)
        self.assertEqual(self.grants(acl), [("CanonicalUser", "bob", "READ"), ("Group", AUTH_USERS, "READ_ACP"),
                                            ("CanonicalUser", ROOT, "FULL_CONTROL"),
                                            ("CanonicalUser", "bob", "WRITE_ACP")])
        self.assertEqual([g["Grantee"].get("ID") for g in acl["Grants"]],
                         [self.bob_id, None, owner["ID"], self.bob_id])
        self.assertEqual(self.bob.get_object(Bucket="grants-doc", Key="k")["Body"].read(), b"doc")
        self.assertEqual(len(self.bob.get_object_acl(Bucket="grants-doc", Key="k")["Grants"]), 4)
        # Bucket documents too; one a canned ACL expresses reads back as that canned ACL.
        self.s3.put_bucket_acl(Bucket="grants-doc", AccessControlPolicy={"Owner": owner, "Grants": [
            {"Grantee": {"Type": "Group", "URI": ALL_USERS}, "Permission": "READ"},
            {"Grantee": {"Type": "CanonicalUser", "ID": owner["ID"]}, "Permission": "FULL_CONTROL"}]})
        self.assertEqual(self.grants(self.s3.get_bucket_acl(Bucket="grants-doc")),
                         [("CanonicalUser", ROOT, "FULL_CONTROL"), ("Group", ALL_USERS, "READ")])
        self.s3.put_bucket_acl(Bucket="grants-doc", AccessControlPolicy={"Owner": owner, "Grants": [
            {"Grantee": {"Type": "CanonicalUser", "ID": self.bob_id}, "Permission": "READ"}]})
        self.assertEqual(self.grants(self.s3.get_bucket_acl(Bucket="grants-doc")), [("CanonicalUser", "bob", "READ")])
        self.assertEqual([o["Key"] for o in self.bob.list_objects_v2(Bucket="grants-doc")["Contents"]], ["k"])

    # -- refusals ------------------------------------------------------------------------------
    def test_refused_grants_change_nothing(self):
        self.open_bucket("grants-bad")
        self.s3.put_object(Bucket="grants-bad", Key="k", Body=b"k", GrantRead=f'id="{self.bob_id}"')
        before = self.s3.get_object_acl(Bucket="grants-bad", Key="k")["Grants"]
        bucket_before = self.s3.get_bucket_acl(Bucket="grants-bad")["Grants"]
        unknown = "0" * 64
        cases = [
            # (grant headers, extra kwargs, code, status)
            ({"GrantRead": f'id="{self.bob_id}"'}, {"ACL": "private"}, "InvalidRequest", 400),
            ({"GrantRead": f'id="{unknown}"'}, {}, "InvalidArgument", 400),
            ({"GrantRead": "id="}, {}, "InvalidArgument", 400),
            ({"GrantRead": f'id="{self.bob_id}'}, {}, "InvalidArgument", 400),
            ({"GrantRead": f'user="{self.bob_id}"'}, {}, "InvalidArgument", 400),
            ({"GrantRead": f'id="{self.bob_id}" id="{self.root_id}"'}, {}, "InvalidArgument", 400),
            ({"GrantReadACP": 'uri="http://acs.amazonaws.com/groups/global/Nobody"'}, {}, "InvalidArgument", 400),
            ({"GrantRead": 'emailAddress="bob@example.com"'}, {}, "MethodNotAllowed", 405),
        ]
        for grants, extra, code, status in cases:
            with self.subTest(grants=grants, extra=extra):
                with self.assertRaises(ClientError) as ctx:
                    self.s3.put_object(Bucket="grants-bad", Key="new", Body=b"n", **grants, **extra)
                err = self.assertError(ctx, code, status)
                if code == "InvalidRequest":
                    self.assertEqual(err["Error"]["Message"],
                                     "Specifying both Canned ACLs and Header Grants is not allowed")
                with self.assertRaises(ClientError) as ctx:
                    self.s3.put_object_acl(Bucket="grants-bad", Key="k", **grants, **extra)
                self.assertError(ctx, code, status)
                with self.assertRaises(ClientError) as ctx:
                    self.s3.put_bucket_acl(Bucket="grants-bad", **grants, **extra)
                self.assertError(ctx, code, status)
                with self.assertRaises(ClientError) as ctx:
                    self.s3.create_bucket(Bucket="grants-never", ObjectOwnership="ObjectWriter", **grants, **extra)
                self.assertError(ctx, code, status)
        owner = self.s3.get_object_acl(Bucket="grants-bad", Key="k")["Owner"]
        for grantee, code, status in ((({"Type": "CanonicalUser", "ID": unknown}), "InvalidArgument", 400),
                                      ({"Type": "AmazonCustomerByEmail", "EmailAddress": "bob@example.com"},
                                       "MethodNotAllowed", 405)):
            with self.assertRaises(ClientError) as ctx:
                self.s3.put_object_acl(Bucket="grants-bad", Key="k", AccessControlPolicy={
                    "Owner": owner, "Grants": [{"Grantee": grantee, "Permission": "READ"}]})
            self.assertError(ctx, code, status)
        r = self.raw.request("PUT", "/grants-bad/k", query=[("acl", "")], body=(
            f'<AccessControlPolicy><AccessControlList><Grant><Grantee><ID>{self.bob_id}</ID></Grantee>'
            f'<Permission>EVERYTHING</Permission></Grant></AccessControlList></AccessControlPolicy>').encode())
        self.assertEqual((r.status, r.error_code()), (400, "MalformedACLError"), r)
        # Nothing changed.
        self.assertEqual(self.s3.get_object_acl(Bucket="grants-bad", Key="k")["Grants"], before)
        self.assertEqual(self.s3.get_bucket_acl(Bucket="grants-bad")["Grants"], bucket_before)
        with self.assertRaises(ClientError) as ctx:
            self.s3.head_object(Bucket="grants-bad", Key="new")
        self.assertEqual(ctx.exception.response["ResponseMetadata"]["HTTPStatusCode"], 404)
        with self.assertRaises(ClientError) as ctx:
            self.s3.head_bucket(Bucket="grants-never")
        self.assertEqual(ctx.exception.response["ResponseMetadata"]["HTTPStatusCode"], 404)

    def test_bucket_owner_enforced_refuses_grants_to_others(self):
        self.s3.create_bucket(Bucket="grants-enforced")
        with self.assertRaises(ClientError) as ctx:
            self.s3.put_object(Bucket="grants-enforced", Key="k", Body=b"k", GrantRead=f'id="{self.bob_id}"')
        self.assertError(ctx, "AccessControlListNotSupported", 400)
        with self.assertRaises(ClientError) as ctx:
            self.s3.put_bucket_acl(Bucket="grants-enforced", GrantRead=f'id="{self.bob_id}"')
        self.assertError(ctx, "AccessControlListNotSupported", 400)
        # The bucket owner's full control is what ACLs-off already means, and is accepted.
        self.s3.put_object(Bucket="grants-enforced", Key="k", Body=b"k", GrantFullControl=f'id="{self.root_id}"')
        self.assertEqual(self.grants(self.s3.get_object_acl(Bucket="grants-enforced", Key="k")),
                         [("CanonicalUser", ROOT, "FULL_CONTROL")])
        self.assertDenied(self.bob.get_object, Bucket="grants-enforced", Key="k")
        with self.assertRaises(ClientError) as ctx:
            self.s3.create_bucket(Bucket="grants-enforced-new", GrantRead=f'id="{self.bob_id}"')
        self.assertError(ctx, "InvalidBucketAclWithObjectOwnership", 400)
        # Grants stored before ACLs were turned off stop counting.
        self.open_bucket("grants-later-off")
        self.s3.put_object(Bucket="grants-later-off", Key="k", Body=b"k", GrantRead=f'id="{self.bob_id}"')
        self.assertEqual(self.bob.get_object(Bucket="grants-later-off", Key="k")["Body"].read(), b"k")
        self.s3.put_bucket_ownership_controls(Bucket="grants-later-off", OwnershipControls={
            "Rules": [{"ObjectOwnership": "BucketOwnerEnforced"}]})
        self.assertDenied(self.bob.get_object, Bucket="grants-later-off", Key="k")
        self.assertEqual(self.grants(self.s3.get_object_acl(Bucket="grants-later-off", Key="k")),
                         [("CanonicalUser", ROOT, "FULL_CONTROL")])

    def test_block_public_access_and_grants(self):
        # Block Public Access is on in new buckets: grants to the public groups are refused.
        self.s3.create_bucket(Bucket="grants-blocked", ObjectOwnership="ObjectWriter")
        for group in (ALL_USERS, AUTH_USERS):
            with self.assertRaises(ClientError) as ctx:
                self.s3.put_object(Bucket="grants-blocked", Key="k", Body=b"k", GrantRead=f'uri="{group}"')
            self.assertError(ctx, "AccessDenied", 403)
        with self.assertRaises(ClientError) as ctx:
            self.s3.put_bucket_acl(Bucket="grants-blocked", GrantRead=f'uri="{ALL_USERS}"')
        self.assertError(ctx, "AccessDenied", 403)
        with self.assertRaises(ClientError) as ctx:
            self.s3.create_bucket(Bucket="grants-blocked-new", ObjectOwnership="ObjectWriter",
                                  GrantRead=f'uri="{ALL_USERS}"')
        self.assertError(ctx, "InvalidBucketAclWithBlockPublicAccessError", 400)
        # Grants to users are not public.
        self.s3.put_object(Bucket="grants-blocked", Key="k", Body=b"k", GrantRead=f'id="{self.bob_id}"')
        self.assertEqual(self.bob.get_object(Bucket="grants-blocked", Key="k")["Body"].read(), b"k")
        owner = self.s3.get_object_acl(Bucket="grants-blocked", Key="k")["Owner"]
        with self.assertRaises(ClientError) as ctx:
            self.s3.put_object_acl(Bucket="grants-blocked", Key="k", AccessControlPolicy={"Owner": owner, "Grants": [
                {"Grantee": {"Type": "Group", "URI": ALL_USERS}, "Permission": "READ"}]})
        self.assertError(ctx, "AccessDenied", 403)
        self.assertEqual(self.grants(self.s3.get_object_acl(Bucket="grants-blocked", Key="k")),
                         [("CanonicalUser", "bob", "READ")])
        # IgnorePublicAcls: public grants stop counting, grants to users still count.
        self.s3.put_public_access_block(Bucket="grants-blocked", PublicAccessBlockConfiguration={
            "BlockPublicAcls": False, "IgnorePublicAcls": False, "BlockPublicPolicy": True,
            "RestrictPublicBuckets": True})
        self.s3.put_object(Bucket="grants-blocked", Key="p", Body=b"p",
                           GrantRead=f'uri="{ALL_USERS}", id="{self.bob_id}"')
        self.s3.put_object(Bucket="grants-blocked", Key="a", Body=b"a", GrantRead=f'uri="{AUTH_USERS}"')
        self.assertEqual(self.anonymous_get("grants-blocked", "p").status, 200)
        self.assertEqual(self.bob.get_object(Bucket="grants-blocked", Key="a")["Body"].read(), b"a")
        self.s3.put_public_access_block(Bucket="grants-blocked", PublicAccessBlockConfiguration={
            "BlockPublicAcls": False, "IgnorePublicAcls": True, "BlockPublicPolicy": True,
            "RestrictPublicBuckets": True})
        self.assertEqual(self.anonymous_get("grants-blocked", "p").status, 403)
        self.assertDenied(self.bob.get_object, Bucket="grants-blocked", Key="a")
        self.assertEqual(self.bob.get_object(Bucket="grants-blocked", Key="p")["Body"].read(), b"p")


if __name__ == "__main__":
    h.main()
