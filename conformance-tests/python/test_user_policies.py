"""conformance.user_policies_debian / conformance.user_policies_pyenv: identity (IAM user)
policies via boto3, raw signed requests and the `xs3` CLI: configured users with a `policy`,
users created through the admin API whose policy is set, read and deleted at runtime (and kept
across a restart), and the evaluation model (README, Access control): within the root user's
account an Allow in the identity or the bucket policy grants, a Deny in either refuses (even on
the user's own buckets), another user's bucket needs both sides; root and users without a
policy behave as before; on directory buckets s3express:CreateSession (and static-key calls judged
as the session they would need).

Clients connect from 127.0.0.1 over plain HTTP: aws:SourceIp is 127.0.0.1, aws:SecureTransport
false.
"""

import hashlib
import json
import os
import re
import subprocess
import sys
import unittest
import warnings

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import xs3harness as h  # noqa: E402

import boto3  # noqa: E402
import botocore  # noqa: E402
from botocore.config import Config  # noqa: E402
from botocore.exceptions import ClientError  # noqa: E402

print(f"python {sys.version.split()[0]} ({sys.executable}), boto3 {boto3.__version__}, "
      f"botocore {botocore.__version__}", flush=True)

CLI = os.environ.get("XS3_CLI", "")


def doc(*statements):
    return {"Version": "2012-10-17", "Statement": list(statements)}


def allow(action, resource, **extra):
    return {"Effect": "Allow", "Action": action, "Resource": resource, **extra}


def deny(action, resource, **extra):
    return {"Effect": "Deny", "Action": action, "Resource": resource, **extra}


# alice (configured): reads "shared" except its secret/ prefix, lists it only under public/ or
# tmp/, deletes under tmp/, reads anything in buckets named logs-*, lists her buckets.
ALICE = {"name": "alice", "access_key": "ALICEKEY", "secret_key": "ALICESECRET", "policy": doc(
    allow(["s3:GetObject", "s3:GetObjectTagging"], "arn:aws:s3:::shared/*"),
    deny("s3:*", "arn:aws:s3:::shared/secret/*"),
    allow("s3:ListBucket", "arn:aws:s3:::shared", Condition={"StringLike": {"s3:prefix": ["public/*", "tmp/*"]}}),
    allow("s3:DeleteObject", "arn:aws:s3:::shared/tmp/*"),
    allow("s3:Get*", "arn:aws:s3:::logs-*/*"),
    allow("s3:ListAllMyBuckets", "*"),
)}
# carol (configured, no policy): the older model, her own account.
CAROL = {"name": "carol", "access_key": "CAROLKEY", "secret_key": "CAROLSECRET"}

ACCESS_DENIED = ('<?xml version="1.0" encoding="UTF-8"?>\n<Error><Code>AccessDenied</Code>'
                 '<Message>Access Denied</Message><RequestId>{rid}</RequestId><HostId>{rid}</HostId></Error>')


def xs3(server, *args, stdin=None, check=True):
    env = {k: v for k, v in os.environ.items() if not k.startswith(("XS3_", "AWS_"))}
    cmd = [CLI, "--endpoint", server.endpoint, "--access-key", h.ROOT_ACCESS_KEY, "--secret-key", h.ROOT_SECRET_KEY]
    p = subprocess.run(cmd + list(args), input=stdin, capture_output=True, text=True, env=env, timeout=60)
    if check and p.returncode != 0:
        raise AssertionError(f"xs3 {' '.join(args)} exited {p.returncode}:\n{p.stdout}\n{p.stderr}")
    return p


class PolicyTestCase(h.ServerTestCase):
    def setUp(self):
        warnings.simplefilter("ignore", ResourceWarning)  # boto3 clients keep pooled sockets

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
        return self.assertError(call, "AccessDenied", 403, "Access Denied")

    def admin(self, method, path, body=b""):
        """The admin API, signed as root; (status, parsed JSON)."""
        r = self.raw.request(method, path, body=body)
        return r.status, json.loads(r.body)


class ConfiguredUserPolicies(PolicyTestCase):
    server_kwargs = {"config": {"users": [ALICE, CAROL]}}

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.s3 = cls.client(h.ROOT_ACCESS_KEY, h.ROOT_SECRET_KEY)
        cls.alice = cls.client(ALICE["access_key"], ALICE["secret_key"])
        cls.carol = cls.client(CAROL["access_key"], CAROL["secret_key"])
        cls.s3.create_bucket(Bucket="shared")
        for key in ("a.txt", "public/p.txt", "secret/s.txt", "private/q.txt", "tmp/1", "tmp/2"):
            cls.s3.put_object(Bucket="shared", Key=key, Body=key.encode())

    def test_allowed_action_works_and_others_are_denied(self):
        self.assertEqual(self.alice.get_object(Bucket="shared", Key="a.txt")["Body"].read(), b"a.txt")
        self.alice.get_object_tagging(Bucket="shared", Key="a.txt")
        self.alice.head_object(Bucket="shared", Key="a.txt")  # HeadObject is s3:GetObject
        self.denied(lambda: self.alice.put_object(Bucket="shared", Key="a.txt", Body=b"overwritten"))
        self.denied(lambda: self.alice.get_bucket_tagging(Bucket="shared"))
        self.denied(lambda: self.alice.put_bucket_policy(Bucket="shared", Policy=json.dumps(doc())))
        self.assertEqual(self.s3.get_object(Bucket="shared", Key="a.txt")["Body"].read(), b"a.txt")  # unchanged

    def test_denied_answer_is_s3s_exact_xml(self):
        alice = h.Client(self.server, ALICE["access_key"], ALICE["secret_key"])
        r = alice.put("shared", "a.txt", b"nope")
        self.assertEqual(r.status, 403)
        rid = r.header("x-amz-request-id")
        self.assertTrue(rid)
        self.assertEqual(r.body.decode(), ACCESS_DENIED.format(rid=rid))
        self.assertEqual(r.header("content-type"), "application/xml")

    def test_deny_beats_allow(self):
        # s3:GetObject on shared/* is allowed, shared/secret/* denied: the Deny wins.
        self.denied(lambda: self.alice.get_object(Bucket="shared", Key="secret/s.txt"))
        # A bucket policy's Allow does not lift the identity policy's Deny either.
        self.s3.put_bucket_policy(Bucket="shared", Policy=json.dumps({"Version": "2012-10-17", "Statement": [{
            "Effect": "Allow", "Principal": {"AWS": "alice"}, "Action": "s3:GetObject",
            "Resource": "arn:aws:s3:::shared/secret/*"}]}))
        try:
            self.denied(lambda: self.alice.get_object(Bucket="shared", Key="secret/s.txt"))
        finally:
            self.s3.delete_bucket_policy(Bucket="shared")

    def test_bucket_policy_allow_grants_within_the_account(self):
        # Not in alice's identity policy, but root's bucket policy allows it: either side grants.
        self.denied(lambda: self.alice.put_object(Bucket="shared", Key="inbox/x", Body=b"x"))
        self.s3.put_bucket_policy(Bucket="shared", Policy=json.dumps({"Version": "2012-10-17", "Statement": [{
            "Effect": "Allow", "Principal": {"AWS": "alice"}, "Action": "s3:PutObject",
            "Resource": "arn:aws:s3:::shared/inbox/*"}]}))
        try:
            self.alice.put_object(Bucket="shared", Key="inbox/x", Body=b"x")
            self.denied(lambda: self.alice.put_object(Bucket="shared", Key="elsewhere", Body=b"x"))
        finally:
            self.s3.delete_bucket_policy(Bucket="shared")

    def test_wildcard_actions_and_resources(self):
        for bucket in ("logs-2024", "logs-2025", "metrics"):
            self.s3.create_bucket(Bucket=bucket)
            self.s3.put_object(Bucket=bucket, Key="k", Body=bucket.encode())
            self.s3.put_object_tagging(Bucket=bucket, Key="k", Tagging={"TagSet": [{"Key": "t", "Value": "v"}]})
        for bucket in ("logs-2024", "logs-2025"):  # arn:aws:s3:::logs-*/* with s3:Get*
            self.assertEqual(self.alice.get_object(Bucket=bucket, Key="k")["Body"].read(), bucket.encode())
            self.assertEqual(self.alice.get_object_tagging(Bucket=bucket, Key="k")["TagSet"],
                             [{"Key": "t", "Value": "v"}])
            self.alice.get_object_acl(Bucket=bucket, Key="k")
            self.denied(lambda: self.alice.put_object(Bucket=bucket, Key="k", Body=b"x"))
            self.denied(lambda: self.alice.delete_object(Bucket=bucket, Key="k"))
            self.denied(lambda: self.alice.list_objects_v2(Bucket=bucket))  # a bucket action, not an object one
        self.denied(lambda: self.alice.get_object(Bucket="metrics", Key="k"))

    def test_prefix_condition_on_list_objects_v2(self):
        keys = [o["Key"] for o in self.alice.list_objects_v2(Bucket="shared", Prefix="public/")["Contents"]]
        self.assertEqual(keys, ["public/p.txt"])
        self.alice.list_objects_v2(Bucket="shared", Prefix="tmp/", Delimiter="/")
        self.denied(lambda: self.alice.list_objects_v2(Bucket="shared"))
        self.denied(lambda: self.alice.list_objects_v2(Bucket="shared", Prefix="private/"))
        self.denied(lambda: self.alice.list_objects(Bucket="shared", Prefix="secret/"))

    def test_delete_objects_is_judged_key_by_key(self):
        self.s3.put_object(Bucket="shared", Key="tmp/gone", Body=b"g")
        r = self.alice.delete_objects(Bucket="shared", Delete={"Objects": [{"Key": "tmp/gone"}, {"Key": "a.txt"}]})
        self.assertEqual([d["Key"] for d in r.get("Deleted", [])], ["tmp/gone"])
        self.assertEqual([(e["Key"], e["Code"]) for e in r["Errors"]], [("a.txt", "AccessDenied")])
        self.s3.head_object(Bucket="shared", Key="a.txt")
        self.assertError(lambda: self.s3.head_object(Bucket="shared", Key="tmp/gone"), "404", 404)

    def test_list_buckets_needs_list_all_my_buckets(self):
        names = [b["Name"] for b in self.alice.list_buckets()["Buckets"]]
        self.assertIn("shared", names)  # the root user's buckets are in alice's account

    def test_no_bucket_of_her_own_without_create_bucket(self):
        self.denied(lambda: self.alice.create_bucket(Bucket="alice-own"))
        self.assertError(lambda: self.s3.head_bucket(Bucket="alice-own"), "404", 404)

    def test_other_users_bucket_needs_both_sides(self):
        self.carol.create_bucket(Bucket="carols-logs-x")
        self.carol.put_object(Bucket="carols-logs-x", Key="k", Body=b"carol's")
        # alice's identity policy does not name carol's bucket; carol's bucket policy alone is not
        # enough across accounts.
        self.carol.put_bucket_policy(Bucket="carols-logs-x", Policy=json.dumps({"Version": "2012-10-17", "Statement": [{
            "Effect": "Allow", "Principal": {"AWS": "alice"}, "Action": "s3:GetObject",
            "Resource": "arn:aws:s3:::carols-logs-x/*"}]}))
        self.denied(lambda: self.alice.get_object(Bucket="carols-logs-x", Key="k"))
        # logs-* in alice's policy covers carol's logs-carol once carol's side allows too.
        self.carol.create_bucket(Bucket="logs-carol")
        self.carol.put_object(Bucket="logs-carol", Key="k", Body=b"carol's log")
        self.denied(lambda: self.alice.get_object(Bucket="logs-carol", Key="k"))
        self.carol.put_bucket_policy(Bucket="logs-carol", Policy=json.dumps({"Version": "2012-10-17", "Statement": [{
            "Effect": "Allow", "Principal": {"AWS": "alice"}, "Action": "s3:GetObject",
            "Resource": "arn:aws:s3:::logs-carol/*"}]}))
        self.assertEqual(self.alice.get_object(Bucket="logs-carol", Key="k")["Body"].read(), b"carol's log")
        self.denied(lambda: self.alice.get_object_tagging(Bucket="logs-carol", Key="k"))  # carol allows only GetObject

    def test_users_without_a_policy_and_root_are_unaffected(self):
        # carol: her own account, full use of her buckets, nothing of root's.
        self.carol.create_bucket(Bucket="carols")
        self.carol.put_object(Bucket="carols", Key="k", Body=b"c")
        self.carol.put_bucket_tagging(Bucket="carols", Tagging={"TagSet": [{"Key": "a", "Value": "b"}]})
        self.assertEqual([b["Name"] for b in self.carol.list_buckets()["Buckets"] if b["Name"] == "shared"], [])
        self.denied(lambda: self.carol.get_object(Bucket="shared", Key="a.txt"))
        # root: what alice is denied, root does.
        self.assertEqual(self.s3.get_object(Bucket="shared", Key="secret/s.txt")["Body"].read(), b"secret/s.txt")
        self.s3.list_objects_v2(Bucket="shared")
        self.s3.put_object(Bucket="shared", Key="root-wrote", Body=b"r")
        self.s3.delete_object(Bucket="shared", Key="root-wrote")

    def test_configured_policies_are_immutable_and_readable(self):
        status, body = self.admin("GET", "/_xs3/users/alice/policy")
        self.assertEqual((status, body["policy"]), (200, ALICE["policy"]))
        status, body = self.admin("PUT", "/_xs3/users/alice/policy", json.dumps(doc(allow("s3:*", "*"))).encode())
        self.assertEqual((status, body["code"], body["message"]),
                         (400, "UnmodifiableEntity", "user 'alice' is configured, not managed"))
        status, body = self.admin("DELETE", "/_xs3/users/alice/policy")
        self.assertEqual((status, body["code"]), (400, "UnmodifiableEntity"))
        status, body = self.admin("PUT", "/_xs3/users/root/policy", json.dumps(doc(allow("s3:*", "*"))).encode())
        self.assertEqual((status, body["code"]), (400, "UnmodifiableEntity"))
        status, body = self.admin("GET", "/_xs3/users/carol/policy")
        self.assertEqual((status, body["code"], body["message"]), (404, "NoSuchEntity", "user 'carol' has no policy"))
        status, body = self.admin("GET", "/_xs3/users")
        self.assertEqual({u["name"]: u["has_policy"] for u in body["users"]},
                         {"root": False, "alice": True, "carol": False})
        # Only root uses the admin API, whatever a policy says.
        r = h.Client(self.server, ALICE["access_key"], ALICE["secret_key"]).request("GET", "/_xs3/users/alice/policy")
        self.assertEqual((r.status, json.loads(r.body)["code"]), (403, "AccessDenied"))


class ManagedUserPolicies(PolicyTestCase):
    server_kwargs = {"config": {"users": [CAROL]}}

    def setUp(self):
        super().setUp()
        self.assertTrue(CLI and os.access(CLI, os.X_OK), "XS3_CLI must point at the built xs3 binary")

    def new_user(self, name):
        out = json.loads(xs3(self.server, "--json", "user", "create", name).stdout)
        return self.client(out["access_key"], out["secret_key"])

    def test_policy_lifecycle_through_the_cli_and_a_restart(self):
        s3 = self.client(h.ROOT_ACCESS_KEY, h.ROOT_SECRET_KEY)
        s3.create_bucket(Bucket="team")
        s3.put_object(Bucket="team", Key="doc.txt", Body=b"team doc")
        dave = self.new_user("dave")
        # Without a policy, dave is his own account: root's bucket is out of reach, his own is his.
        self.denied(lambda: dave.get_object(Bucket="team", Key="doc.txt"))
        dave.create_bucket(Bucket="dave-legacy")

        policy = doc(allow(["s3:GetObject", "s3:ListBucket"], ["arn:aws:s3:::team", "arn:aws:s3:::team/*"]),
                     allow("s3:*", ["arn:aws:s3:::dave-*", "arn:aws:s3:::dave-*/*"]),
                     deny("s3:DeleteObject", "*"),
                     deny("s3:PutObject", "*", Condition={"NotIpAddress": {"aws:SourceIp": "10.0.0.0/8"},
                                                          "Bool": {"aws:SecureTransport": "false"}}))
        path = os.path.join(self.server.base_dir, "dave.json")
        with open(path, "w") as f:
            json.dump(policy, f)
        self.assertEqual(xs3(self.server, "user", "policy", "set", "dave", path).stdout, "")
        self.assertEqual(json.loads(xs3(self.server, "user", "policy", "get", "dave").stdout), policy)
        self.assertRegex(xs3(self.server, "user", "list").stdout, r"dave\s+admin\s+\d{12}\s+XS3K\w+\s+\(policy\)")

        def enforced(dave):
            self.assertEqual(dave.get_object(Bucket="team", Key="doc.txt")["Body"].read(), b"team doc")
            self.assertEqual([o["Key"] for o in dave.list_objects_v2(Bucket="team")["Contents"]], ["doc.txt"])
            self.denied(lambda: dave.list_buckets())  # no s3:ListAllMyBuckets
            # aws:SourceIp and aws:SecureTransport: 127.0.0.1 over HTTP matches the Deny.
            self.denied(lambda: dave.put_object(Bucket="team", Key="x", Body=b"x"))
            self.denied(lambda: dave.put_object(Bucket="dave-legacy", Key="x", Body=b"x"))
            # The Deny holds on his own bucket too.
            self.denied(lambda: dave.delete_object(Bucket="dave-legacy", Key="anything"))
            dave.create_bucket(Bucket="dave-new")  # s3:* on dave-*
            dave.get_bucket_location(Bucket="dave-new")
            self.denied(lambda: dave.create_bucket(Bucket="not-daves"))
            dave.delete_bucket(Bucket="dave-new")

        enforced(dave)
        self.server.restart()
        self.raw = h.Client(self.server)
        with open(os.path.join(self.server.data_dir, "users.json")) as f:
            stored = {u["name"]: u for u in json.load(f)["users"]}
        self.assertEqual(stored["dave"]["policy"], policy)
        dave_keys = stored["dave"]["keys"][0]
        dave = self.client(dave_keys["access_key"], dave_keys["secret_key"])
        enforced(dave)

        # Replaced from standard input, then deleted: dave is back to his own account.
        xs3(self.server, "user", "policy", "set", "dave", "-",
            stdin=json.dumps(doc(allow("s3:*", ["arn:aws:s3:::dave-*", "arn:aws:s3:::dave-*/*"]))))
        self.denied(lambda: dave.get_object(Bucket="team", Key="doc.txt"))
        dave.put_object(Bucket="dave-legacy", Key="x", Body=b"x")
        dave.delete_object(Bucket="dave-legacy", Key="x")
        self.assertEqual(xs3(self.server, "user", "policy", "delete", "dave").stdout, "")
        gone = xs3(self.server, "user", "policy", "get", "dave", check=False)
        self.assertEqual((gone.returncode, gone.stderr.strip()),
                         (1, "xs3: NoSuchEntity: user 'dave' has no policy (HTTP 404)"))
        self.denied(lambda: dave.get_object(Bucket="team", Key="doc.txt"))
        self.assertEqual([b["Name"] for b in dave.list_buckets()["Buckets"]], ["dave-legacy"])
        self.server.restart()
        self.raw = h.Client(self.server)
        status, body = self.admin("GET", "/_xs3/users/dave/policy")
        self.assertEqual((status, body["code"]), (404, "NoSuchEntity"))

    def test_malformed_policies_are_refused_with_the_reason(self):
        self.new_user("erin")
        cases = [
            (b"not json", "Policies must be valid JSON and the first byte must be '{'"),
            (json.dumps(doc({"Effect": "Allow", "Principal": "*", "Action": "s3:GetObject", "Resource": "*"})).encode(),
             "Policy document should not specify a principal."),
            (json.dumps(doc(allow("s3:Teleport", "*"))).encode(), "Policy has invalid action"),
            (json.dumps(doc(allow("s3:GetObject", "arn:aws:sqs:::queue"))).encode(), "Policy has invalid resource"),
            (json.dumps(doc({"Effect": "Perhaps", "Action": "s3:*", "Resource": "*"})).encode(),
             "Invalid effect: Perhaps"),
            (json.dumps({"Version": "2012-10-17"}).encode(), "Missing required field Statement"),
            (json.dumps(doc(allow("s3:ListBucket", "*", Condition={"StringEquals": {"s3:flavour": "x"}}))).encode(),
             "Policy has an invalid condition key"),
        ]
        for body, message in cases:
            with self.subTest(message=message):
                status, answer = self.admin("PUT", "/_xs3/users/erin/policy", body)
                self.assertEqual((status, answer["code"], answer["message"]),
                                 (400, "MalformedPolicyDocument", message))
                self.assertTrue(answer["request_id"])
        # Nothing was stored.
        status, answer = self.admin("GET", "/_xs3/users/erin/policy")
        self.assertEqual((status, answer["code"]), (404, "NoSuchEntity"))
        p = xs3(self.server, "user", "policy", "set", "erin", "-", stdin='{"Statement": []}', check=False)
        self.assertEqual((p.returncode, p.stderr.strip()), (
            1, "xs3: MalformedPolicyDocument: Could not parse the policy: Statement is empty! (HTTP 400)"))
        for args, code in ((("user", "policy", "set", "nobody", "-"), "NoSuchEntity"),
                           (("user", "policy", "get", "nobody"), "NoSuchEntity"),
                           (("user", "policy", "set", "carol", "-"), "UnmodifiableEntity")):
            p = xs3(self.server, *args, stdin=json.dumps(doc(allow("s3:*", "*"))), check=False)
            self.assertEqual(p.returncode, 1, args)
            self.assertRegex(p.stderr, "^xs3: " + re.escape(code) + ": ", args)
        usage = xs3(self.server, "user", "policy", "set", "erin", check=False)
        self.assertEqual(usage.returncode, 2)

    def test_root_is_unaffected(self):
        status, body = self.admin("PUT", "/_xs3/users/root/policy",
                                  json.dumps(doc(deny("s3:*", "*"))).encode())
        self.assertEqual((status, body["code"]), (400, "UnmodifiableEntity"))
        s3 = self.client(h.ROOT_ACCESS_KEY, h.ROOT_SECRET_KEY)
        s3.create_bucket(Bucket="roots")
        s3.put_object(Bucket="roots", Key="k", Body=b"r")
        self.assertIn("roots", [b["Name"] for b in s3.list_buckets()["Buckets"]])


TEAM = "team--use1-az4--x-s3"
LOCKED = "locked--use1-az4--x-s3"
# dana: ReadOnly sessions on TEAM, none ever on LOCKED.
DANA = {"name": "dana", "access_key": "DANAKEY", "secret_key": "DANASECRET", "policy": doc(
    allow("s3express:CreateSession", f"arn:aws:s3express:*:*:bucket/{TEAM}",
          Condition={"StringEquals": {"s3express:SessionMode": "ReadOnly"}}),
    deny("s3express:*", f"arn:aws:s3express:*:*:bucket/{LOCKED}"),
)}


class DirectoryBucketSessions(PolicyTestCase):
    """s3express:CreateSession in identity policies, over raw requests signed for s3express (the
    Debian boto3 does not know directory buckets)."""
    server_kwargs = {"config": {"users": [DANA, CAROL]}, "env": {"XS3_BUCKETS": f"{TEAM},{LOCKED}"}}

    def sx(self, user, method, path, query=(), headers=None, body=b""):
        hdrs = dict(headers or {}, host=self.server.host)
        s = h.sign_v4(method, path, query, hdrs, hashlib.sha256(body).hexdigest(), access_key=user["access_key"],
                      secret_key=user["secret_key"], service="s3express")
        return h.raw_request(self.server.port, method, path + ("?" + h.wire_query(query) if query else ""),
                             s.headers, body)

    def session(self, user, bucket, mode=None):
        return self.sx(user, "GET", "/" + bucket, query=[("session", None)],
                       headers={"x-amz-create-session-mode": mode} if mode else None)

    def assertDenied(self, r):
        self.assertEqual((r.status, r.error_code()), (403, "AccessDenied"), r)

    def test_create_session_follows_the_identity_policy(self):
        self.assertEqual(self.session(DANA, TEAM, "ReadOnly").status, 200)
        self.assertEqual(self.session(DANA, TEAM).status, 200)  # the widest mode allowed: ReadOnly
        self.assertDenied(self.session(DANA, TEAM, "ReadWrite"))
        # Static-key calls are judged as the session they would need.
        self.assertEqual(self.sx(DANA, "GET", f"/{TEAM}", query=[("list-type", "2")]).status, 200)
        self.assertDenied(self.sx(DANA, "PUT", f"/{TEAM}/k", body=b"x"))
        # No Allow for a bucket of her own: not even the session that only creates it.
        self.assertDenied(self.session(DANA, "dana--use1-az4--x-s3"))

    def test_deny_beats_the_bucket_policys_grant(self):
        grant = json.dumps({"Version": "2012-10-17", "Statement": [{
            "Effect": "Allow", "Principal": {"AWS": "dana"}, "Action": "s3express:CreateSession",
            "Resource": f"arn:aws:s3express:us-east-1:111122223333:bucket/{LOCKED}"}]}).encode()
        root = {"access_key": h.ROOT_ACCESS_KEY, "secret_key": h.ROOT_SECRET_KEY}
        self.assertEqual(self.sx(root, "PUT", f"/{LOCKED}", query=[("policy", None)], body=grant).status, 204)
        self.assertDenied(self.session(DANA, LOCKED))
        self.assertDenied(self.sx(DANA, "GET", f"/{LOCKED}", query=[("list-type", "2")]))
        # Without a policy, carol gets what the bucket policy grants her, as before.
        self.assertDenied(self.session(CAROL, LOCKED))
        self.assertEqual(self.session(CAROL, "carol--use1-az4--x-s3").status, 200)  # CreateBucketOnly
        self.assertEqual(self.session(root, LOCKED).status, 200)


class ConfiguredPolicyValidation(unittest.TestCase):
    def test_an_invalid_configured_policy_stops_the_server_with_the_reason(self):
        for policy, message in (
                ({"Statement": [{"Effect": "Allow", "Principal": "*", "Action": "s3:*", "Resource": "*"}]},
                 "policy of user 'zed': Policy document should not specify a principal."),
                ({"Statement": [{"Effect": "Allow", "Action": "s3:Nap", "Resource": "*"}]},
                 "policy of user 'zed': Policy has invalid action"),
                ("not an object", "user 'zed': 'policy' must be a JSON object (an IAM policy document)")):
            server = h.Server(config={"users": [{"name": "zed", "access_key": "ZEDKEY", "secret_key": "ZEDSECRET",
                                                 "policy": policy}]})
            try:
                with self.assertRaises(AssertionError):
                    server.start()
                self.assertIn(message, server.log_tail(400))  # config errors come before the usage text
            finally:
                server.cleanup()


if __name__ == "__main__":
    h.main()
