"""conformance.admin: the `xs3` CLI against a real xs3d: users and keys (used for real by boto3
and signed requests), buckets with owners, bucket policies, config show, the zero-copy import
of a general-purpose prefix into a directory bucket, and fsck on the stopped server's data dir
(clean, a corrupted blob, an orphan, --repair, refusing a directory in use)."""

import json
import os
import subprocess
import unittest
import warnings

import boto3
from botocore.config import Config

import xs3harness as h

CLI = os.environ.get("XS3_CLI", "")
DIR_BUCKET = "fast--use1-az4--x-s3"


def xs3(server, *args, keys=(h.ROOT_ACCESS_KEY, h.ROOT_SECRET_KEY), check=True):
    env = {k: v for k, v in os.environ.items() if not k.startswith(("XS3_", "AWS_"))}
    cmd = [CLI]
    if server is not None:
        cmd += ["--endpoint", server.endpoint, "--access-key", keys[0], "--secret-key", keys[1]]
    p = subprocess.run(cmd + list(args), capture_output=True, text=True, env=env, timeout=120)
    if check and p.returncode != 0:
        raise AssertionError(f"xs3 {' '.join(args)} exited {p.returncode}:\n{p.stdout}\n{p.stderr}")
    return p


def s3(server, access_key=h.ROOT_ACCESS_KEY, secret_key=h.ROOT_SECRET_KEY):
    return boto3.client("s3", endpoint_url=server.endpoint, region_name=h.REGION, aws_access_key_id=access_key,
                        aws_secret_access_key=secret_key,
                        config=Config(s3={"addressing_style": "path"}, retries={"max_attempts": 1}))


def error_code(call):
    try:
        call()
    except Exception as e:  # botocore.exceptions.ClientError
        return e.response["Error"]["Code"]
    raise AssertionError("the call succeeded")


class AdminCli(unittest.TestCase):
    def setUp(self):
        warnings.simplefilter("ignore", ResourceWarning)  # boto3 clients keep pooled sockets
        self.assertTrue(CLI and os.access(CLI, os.X_OK), "XS3_CLI must point at the built xs3 binary")
        self.server = h.Server()
        self.server.start()

    def tearDown(self):
        self.server.stop(check=False)
        self.server.cleanup()

    def create_user(self, name):
        out = json.loads(xs3(self.server, "--json", "user", "create", name).stdout)
        self.assertEqual(out["user"], name)
        self.assertRegex(out["access_key"], r"^XS3K[A-Z2-7]{16}$")
        self.assertEqual(len(out["secret_key"]), 40)
        return out["access_key"], out["secret_key"]

    def test_users_and_keys(self):
        ak, sk = self.create_user("alice")
        alice = s3(self.server, ak, sk)
        alice.create_bucket(Bucket="alice-data")
        alice.put_object(Bucket="alice-data", Key="k", Body=b"alice's")
        self.assertEqual(alice.get_object(Bucket="alice-data", Key="k")["Body"].read(), b"alice's")
        listed = json.loads(xs3(self.server, "--json", "user", "list").stdout)["users"]
        self.assertEqual([(u["name"], u["source"], u["root"]) for u in listed],
                         [("root", "config", True), ("alice", "admin", False)])
        self.assertEqual(listed[1]["access_keys"][0]["access_key"], ak)
        self.assertNotIn(sk, json.dumps(listed))  # secrets are shown once, at creation
        buckets = json.loads(xs3(self.server, "--json", "bucket", "list").stdout)["buckets"]
        self.assertIn({"name": "alice-data", "owner": "alice"},
                      [{"name": b["name"], "owner": b["owner"]} for b in buckets])

        # x-amz-expected-bucket-owner: alice's account id passes, any other is AccessDenied;
        # x-amz-request-payer is accepted (there is nothing to pay here).
        account = listed[1]["account_id"]
        self.assertRegex(account, r"^\d{12}$")
        self.assertNotEqual(account, listed[0]["account_id"])
        alice.head_object(Bucket="alice-data", Key="k", ExpectedBucketOwner=account, RequestPayer="requester")
        self.assertEqual(error_code(lambda: alice.get_object(Bucket="alice-data", Key="k",
                                                             ExpectedBucketOwner=listed[0]["account_id"])),
                         "AccessDenied")
        alice.copy_object(Bucket="alice-data", Key="copy", CopySource={"Bucket": "alice-data", "Key": "k"},
                          ExpectedBucketOwner=account, ExpectedSourceBucketOwner=account)
        self.assertEqual(error_code(lambda: alice.copy_object(
            Bucket="alice-data", Key="copy2", CopySource={"Bucket": "alice-data", "Key": "k"},
            ExpectedSourceBucketOwner="111122223333")), "AccessDenied")
        self.assertEqual(error_code(lambda: alice.head_object(Bucket="alice-data", Key="copy2")), "404")

        # Another user cannot use alice's bucket; alice cannot use the admin API.
        bk, bs = self.create_user("bob")
        self.assertEqual(error_code(lambda: s3(self.server, bk, bs).get_object(Bucket="alice-data", Key="k")),
                         "AccessDenied")
        denied = xs3(self.server, "user", "list", keys=(ak, sk), check=False)
        self.assertEqual(denied.returncode, 1)
        self.assertIn("AccessDenied", denied.stderr)

        # Key rotation: a second key works, the first stops working once deleted.
        second = json.loads(xs3(self.server, "--json", "user", "key-create", "alice").stdout)
        third = xs3(self.server, "user", "key-create", "alice", check=False)
        self.assertEqual(third.returncode, 1)
        self.assertIn("LimitExceeded", third.stderr)
        xs3(self.server, "user", "key-delete", "alice", ak)
        self.assertEqual(error_code(lambda: alice.list_objects_v2(Bucket="alice-data")), "InvalidAccessKeyId")
        alice = s3(self.server, second["access_key"], second["secret_key"])
        self.assertEqual(alice.get_object(Bucket="alice-data", Key="k")["Body"].read(), b"alice's")
        listed = json.loads(xs3(self.server, "--json", "user", "list").stdout)["users"]
        self.assertEqual([k["access_key"] for k in listed[1]["access_keys"]], [second["access_key"]])

        # Users survive a restart (kept in the data directory).
        self.server.restart()
        self.assertEqual(s3(self.server, bk, bs).list_buckets()["Buckets"], [])

        # A user who owns buckets cannot be deleted (IAM's DeleteConflict); without, it can.
        conflict = xs3(self.server, "user", "delete", "alice", check=False)
        self.assertEqual(conflict.returncode, 1)
        self.assertIn("DeleteConflict", conflict.stderr)
        xs3(self.server, "user", "delete", "bob")
        self.assertEqual(error_code(lambda: s3(self.server, bk, bs).list_buckets()), "InvalidAccessKeyId")
        for bad, code in ((("user", "create", "alice"), "EntityAlreadyExists"),
                          (("user", "create", "no spaces"), "InvalidInput"),
                          (("user", "delete", "root"), "UnmodifiableEntity"),
                          (("user", "delete", "nobody"), "NoSuchEntity")):
            p = xs3(self.server, *bad, check=False)
            self.assertEqual(p.returncode, 1, bad)
            self.assertIn(code, p.stderr, bad)

    def test_buckets_policies_and_config(self):
        self.create_user("carol")
        xs3(self.server, "bucket", "create", "carols", "--owner", "carol")
        xs3(self.server, "bucket", "create", DIR_BUCKET)
        table = xs3(self.server, "bucket", "list").stdout
        self.assertRegex(table, r"carols\s+general-purpose\s+-\s+carol")
        self.assertRegex(table, DIR_BUCKET + r"\s+directory\s+use1-az4\s+root")
        for args, code in ((("bucket", "create", "Bad_Name"), "InvalidBucketName"),
                           (("bucket", "create", "x--use9-az9--x-s3"), "InvalidBucketName"),
                           (("bucket", "create", "y", "--owner", "nobody"), "NoSuchEntity"),
                           (("bucket", "create", "carols"), "BucketAlreadyExists")):
            p = xs3(self.server, *args, check=False)
            self.assertEqual(p.returncode, 1, args)
            self.assertIn(code, p.stderr, args)
        s3(self.server).put_object(Bucket="carols", Key="x", Body=b"1")
        p = xs3(self.server, "bucket", "delete", "carols", check=False)
        self.assertIn("BucketNotEmpty", p.stderr)
        s3(self.server).delete_object(Bucket="carols", Key="x")
        xs3(self.server, "bucket", "delete", "carols")
        self.assertNotIn("carols", xs3(self.server, "bucket", "list").stdout)

        policy = {"Version": "2012-10-17", "Statement": [{
            "Effect": "Allow", "Principal": {"AWS": "carol"}, "Action": "s3express:CreateSession",
            "Resource": f"arn:aws:s3express:us-east-1:000000000000:bucket/{DIR_BUCKET}"}]}
        path = os.path.join(self.server.base_dir, "policy.json")
        with open(path, "w") as f:
            json.dump(policy, f)
        xs3(self.server, "policy", "put", DIR_BUCKET, path)
        self.assertEqual(json.loads(xs3(self.server, "policy", "get", DIR_BUCKET).stdout), policy)
        with open(path, "w") as f:
            f.write("{not json")
        p = xs3(self.server, "policy", "put", DIR_BUCKET, path, check=False)
        self.assertIn("MalformedPolicy", p.stderr + p.stdout)
        xs3(self.server, "policy", "delete", DIR_BUCKET)
        p = xs3(self.server, "policy", "get", DIR_BUCKET, check=False)
        self.assertIn("NoSuchBucketPolicy", p.stderr + p.stdout)

        shown = json.loads(xs3(self.server, "config", "show").stdout)
        self.assertEqual(shown["data-dir"], self.server.data_dir)
        self.assertEqual(shown["durability"], "relaxed")
        self.assertEqual(shown["root-access-key"], h.ROOT_ACCESS_KEY)
        self.assertEqual([u["name"] for u in shown["users"]], ["root", "carol"])

    def test_import_is_zero_copy_and_fsck_finds_damage(self):
        root = s3(self.server)
        root.create_bucket(Bucket="datasets")
        xs3(self.server, "bucket", "create", DIR_BUCKET)
        bodies = {}
        for i in range(30):
            body = os.urandom(200_000 if i % 3 else 900)  # blobs and inline bodies
            key = f"train/shard-{i:03d}.bin"
            root.put_object(Bucket="datasets", Key=key, Body=body, ContentType="application/x-shard",
                            Metadata={"index": str(i)})
            bodies[key] = body
        # A multipart object: several extents, each shared by the import.
        parts = [os.urandom(5 * 1024 * 1024), os.urandom(1234)]
        up = root.create_multipart_upload(Bucket="datasets", Key="train/big.bin")
        etags = [root.upload_part(Bucket="datasets", Key="train/big.bin", UploadId=up["UploadId"], PartNumber=n + 1,
                                  Body=p)["ETag"] for n, p in enumerate(parts)]
        root.complete_multipart_upload(Bucket="datasets", Key="train/big.bin", UploadId=up["UploadId"],
                                       MultipartUpload={"Parts": [{"PartNumber": n + 1, "ETag": e}
                                                                  for n, e in enumerate(etags)]})
        bodies["train/big.bin"] = b"".join(parts)
        root.put_object(Bucket="datasets", Key="other/not-imported", Body=b"x")

        p = xs3(self.server, "import", "datasets/train/", DIR_BUCKET)
        total = sum(len(b) for b in bodies.values())
        self.assertRegex(p.stdout, rf"imported 31 objects, .* \({total} bytes\) in [0-9.]+ s into {DIR_BUCKET}; 0 failed")
        self.assertIn("100%", p.stderr)  # the progress bar's last state
        client = h.Client(self.server)
        for key, body in bodies.items():
            r = client.get(DIR_BUCKET, key)
            self.assertEqual(r.status, 200, key)
            self.assertEqual(r.body, body, key)
        head = client.head(DIR_BUCKET, "train/shard-004.bin")
        self.assertEqual(head.header("content-type"), "application/x-shard")
        self.assertEqual(head.header("x-amz-meta-index"), "4")
        self.assertEqual(head.header("x-amz-storage-class"), "EXPRESS_ONEZONE")
        self.assertEqual(client.get(DIR_BUCKET, "other/not-imported").status, 404)
        # Zero-copy: every blob of the imported objects is the source's file under a second name
        # (a hard link): 20 shards over the inline limit and the 5 MiB part; the 1,234-byte part
        # lives inline in the record.
        blobs = []
        for d, _, files in os.walk(os.path.join(self.server.data_dir, "blobs")):
            blobs += [os.path.join(d, f) for f in files]
        linked = [b for b in blobs if os.stat(b).st_nlink == 2]
        self.assertEqual(len(linked), 2 * 21)
        self.assertEqual(len({os.stat(b).st_ino for b in blobs}), len(blobs) - len(linked) // 2)

        # A path that cannot exist in a directory bucket is reported and skipped; the rest goes on.
        root.put_object(Bucket="datasets", Key="conflict/a", Body=b"file")
        root.put_object(Bucket="datasets", Key="conflict/a/b", Body=b"under a file")
        p = xs3(self.server, "import", "datasets/conflict/", DIR_BUCKET, check=False)
        self.assertEqual(p.returncode, 1)
        self.assertIn("imported 1 objects", p.stdout)
        self.assertIn("failed: conflict/a/b: InvalidRequest", p.stdout)

        # fsck refuses a directory a server has open.
        busy = xs3(None, "fsck", "--data-dir", self.server.data_dir, check=False)
        self.assertEqual(busy.returncode, 3)
        self.assertIn("in use", busy.stderr)
        self.server.stop()
        clean = xs3(None, "--json", "fsck", "--data-dir", self.server.data_dir)
        report = json.loads(clean.stdout)
        self.assertEqual(report["problems"], [])
        self.assertEqual(report["orphan_blobs"], [])
        self.assertEqual(report["objects"], 31 * 2 + 1 + 2 + 1)  # train/ twice, other/, conflict/ (a/b not imported)
        self.assertGreaterEqual(report["checksums_verified"], report["objects"])

        victim = linked[0]
        with open(victim, "r+b") as f:
            f.seek(100)
            byte = f.read(1)
            f.seek(100)
            f.write(bytes([byte[0] ^ 0xFF]))
        orphan_dir = os.path.join(self.server.data_dir, "blobs", "ab", "cd")
        os.makedirs(orphan_dir, exist_ok=True)
        orphan = os.path.join(orphan_dir, "abcd" + "0" * 28)
        with open(orphan, "wb") as f:
            f.write(b"nobody references me")
        damaged = xs3(None, "fsck", "--data-dir", self.server.data_dir, check=False)
        self.assertEqual(damaged.returncode, 1)
        lines = [l for l in damaged.stdout.splitlines() if l.startswith("DAMAGED")]
        self.assertEqual(len(lines), 2, damaged.stdout)  # the shared blob: source and import
        self.assertTrue(all(DIR_BUCKET + "/train/" in l or "datasets/train/" in l for l in lines), lines)
        self.assertIn("ORPHAN   blob abcd" + "0" * 28, damaged.stdout)
        self.assertTrue(os.path.exists(orphan))  # fsck reports; only --repair removes
        xs3(None, "fsck", "--data-dir", self.server.data_dir, "--repair", check=False)
        self.assertFalse(os.path.exists(orphan))


if __name__ == "__main__":
    unittest.main(verbosity=2)
