"""conformance.awscli_debian / conformance.awscli_pyenv: the aws CLI (v2.9 Debian, v1.45 pyenv).

XS3_AWS_CLI names the binary. Credentials come from the environment; the config file sets a
64 MB multipart threshold, so small files are single PutObjects and the 1 GiB file of
test_6_large_file_multipart goes both ways as parallel 64 MB parts and ranged GETs.
"""

import hashlib
import json
import os
import sys
import tempfile

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import xs3harness as h  # noqa: E402

AWS = h.require_tool("XS3_AWS_CLI", "aws")


class AwsCliSuite(h.ServerTestCase):

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.tmp = tempfile.mkdtemp(prefix="xs3-awscli-")
        cfg = os.path.join(cls.tmp, "config")
        with open(cfg, "w") as f:
            f.write("[default]\nregion = us-east-1\noutput = json\n"
                    "s3 =\n  multipart_threshold = 64MB\n  multipart_chunksize = 64MB\n"
                    "  addressing_style = path\n")
        env = {k: v for k, v in os.environ.items() if not k.startswith("AWS_")}
        env.update({
            "AWS_ACCESS_KEY_ID": h.ROOT_ACCESS_KEY,
            "AWS_SECRET_ACCESS_KEY": h.ROOT_SECRET_KEY,
            "AWS_DEFAULT_REGION": h.REGION,
            "AWS_CONFIG_FILE": cfg,
            "AWS_SHARED_CREDENTIALS_FILE": os.path.join(cls.tmp, "no-credentials"),
            "AWS_EC2_METADATA_DISABLED": "true",
            "AWS_PAGER": "",
            "AWS_MAX_ATTEMPTS": "1",
            "HOME": cls.tmp,
        })
        cls.env = env
        v = h.run([AWS, "--version"], env=env, timeout=60)
        print("aws --version:", (v.stdout + v.stderr).decode().strip(), flush=True)

    @classmethod
    def tearDownClass(cls):
        super().tearDownClass()
        import shutil
        shutil.rmtree(cls.tmp, ignore_errors=True)

    def aws(self, *args, check=True, timeout=90):
        return h.run([AWS, "--endpoint-url", self.server.endpoint, *args], env=self.env, timeout=timeout,
                     check=check)

    def aws_json(self, *args):
        out = self.aws(*args).stdout.decode()
        return json.loads(out) if out.strip() else {}

    def write(self, rel, data):
        p = os.path.join(self.tmp, rel)
        os.makedirs(os.path.dirname(p), exist_ok=True)
        with open(p, "wb") as f:
            f.write(data)
        return p

    def test_1_s3_high_level(self):
        self.aws("s3", "mb", "s3://cli-hl")
        ls = self.aws("s3", "ls").stdout.decode()
        self.assertIn("cli-hl", ls)
        small = os.urandom(200_000)
        p = self.write("up/small.bin", small)
        self.aws("s3", "cp", p, "s3://cli-hl/dir/small.bin")
        out = os.path.join(self.tmp, "down.bin")
        self.aws("s3", "cp", "s3://cli-hl/dir/small.bin", out)
        with open(out, "rb") as f:
            self.assertEqual(f.read(), small)
        # 4 MiB: below the (raised) multipart threshold, so one PutObject with Expect: 100-continue
        big = os.urandom(4 * 1024 * 1024)
        p = self.write("up/big.bin", big)
        self.aws("s3", "cp", p, "s3://cli-hl/dir/big.bin")
        self.aws("s3", "cp", "s3://cli-hl/dir/big.bin", out)
        with open(out, "rb") as f:
            self.assertEqual(hashlib.md5(f.read()).hexdigest(), hashlib.md5(big).hexdigest())
        ls = self.aws("s3", "ls", "s3://cli-hl/dir/").stdout.decode()
        self.assertIn("small.bin", ls)
        self.assertIn("big.bin", ls)
        self.assertIn("200000", ls)
        ls = self.aws("s3", "ls", "--recursive", "s3://cli-hl").stdout.decode()
        self.assertIn("dir/small.bin", ls)
        # server-side copy and move
        self.aws("s3", "cp", "s3://cli-hl/dir/small.bin", "s3://cli-hl/copy/small.bin")
        self.aws("s3", "mv", "s3://cli-hl/copy/small.bin", "s3://cli-hl/moved/small.bin")
        keys = self.list_keys("cli-hl")
        self.assertEqual(keys, ["dir/big.bin", "dir/small.bin", "moved/small.bin"])
        self.aws("s3", "rm", "s3://cli-hl/dir/big.bin")
        self.aws("s3", "rm", "--recursive", "s3://cli-hl/")
        self.assertEqual(self.list_keys("cli-hl"), [])
        self.aws("s3", "rb", "s3://cli-hl")
        self.assertNotIn("cli-hl", self.aws("s3", "ls").stdout.decode())

    def list_keys(self, bucket):
        j = self.aws_json("s3api", "list-objects-v2", "--bucket", bucket)
        return [c["Key"] for c in j.get("Contents", [])]

    def test_2_sync(self):
        self.aws("s3", "mb", "s3://cli-sync")
        files = {"a.txt": b"A" * 10, "sub/b.txt": b"B" * 1000, "sub/deeper/c d+e.txt": b"C" * 5,
                 "unicode/ü.txt": "ü".encode()}
        src = os.path.join(self.tmp, "sync-src")
        for rel, data in files.items():
            self.write(os.path.join("sync-src", rel), data)
        self.aws("s3", "sync", src, "s3://cli-sync/tree")
        self.assertEqual(self.list_keys("cli-sync"), sorted("tree/" + k for k in files))
        # second sync: nothing to do
        out = self.aws("s3", "sync", src, "s3://cli-sync/tree").stdout.decode()
        self.assertNotIn("upload:", out)
        # delete locally + --delete removes remotely
        os.remove(os.path.join(src, "a.txt"))
        self.aws("s3", "sync", "--delete", src, "s3://cli-sync/tree")
        self.assertNotIn("tree/a.txt", self.list_keys("cli-sync"))
        dst = os.path.join(self.tmp, "sync-dst")
        self.aws("s3", "sync", "s3://cli-sync/tree", dst)
        for rel, data in files.items():
            if rel == "a.txt":
                continue
            with open(os.path.join(dst, rel), "rb") as f:
                self.assertEqual(f.read(), data, rel)
        self.aws("s3", "rb", "--force", "s3://cli-sync")

    def test_3_s3api(self):
        self.aws("s3api", "create-bucket", "--bucket", "cli-api")
        self.aws_json("s3api", "head-bucket", "--bucket", "cli-api")
        body = b"s3api body\n" * 100
        p = self.write("api/body.txt", body)
        put = self.aws_json("s3api", "put-object", "--bucket", "cli-api", "--key", "k/odd key+1.txt", "--body", p,
                            "--content-type", "text/x-cli", "--metadata", "owner=cli,n=1")
        self.assertEqual(put["ETag"], '"' + hashlib.md5(body).hexdigest() + '"')
        head = self.aws_json("s3api", "head-object", "--bucket", "cli-api", "--key", "k/odd key+1.txt")
        self.assertEqual(head["ContentLength"], len(body))
        self.assertEqual(head["ContentType"], "text/x-cli")
        self.assertEqual(head["Metadata"], {"owner": "cli", "n": "1"})
        out = os.path.join(self.tmp, "api-out.txt")
        get = self.aws_json("s3api", "get-object", "--bucket", "cli-api", "--key", "k/odd key+1.txt", out)
        self.assertEqual(get["ContentLength"], len(body))
        with open(out, "rb") as f:
            self.assertEqual(f.read(), body)
        rng = self.aws_json("s3api", "get-object", "--bucket", "cli-api", "--key", "k/odd key+1.txt",
                            "--range", "bytes=0-9", out)
        self.assertEqual(rng["ContentRange"], f"bytes 0-9/{len(body)}")
        with open(out, "rb") as f:
            self.assertEqual(f.read(), body[:10])
        for i in range(5):
            self.aws("s3api", "put-object", "--bucket", "cli-api", "--key", f"k/{i}", "--body", p)
        lst = self.aws_json("s3api", "list-objects-v2", "--bucket", "cli-api", "--prefix", "k/")
        self.assertEqual([c["Key"] for c in lst["Contents"]], ["k/0", "k/1", "k/2", "k/3", "k/4", "k/odd key+1.txt"])
        lst = self.aws_json("s3api", "list-objects-v2", "--bucket", "cli-api", "--delimiter", "/")
        self.assertEqual([c["Prefix"] for c in lst["CommonPrefixes"]], ["k/"])
        # CLI pagination with a small page size must still return everything
        lst = self.aws_json("s3api", "list-objects-v2", "--bucket", "cli-api", "--page-size", "2")
        self.assertEqual(len(lst["Contents"]), 6)
        delete = {"Objects": [{"Key": f"k/{i}"} for i in range(5)] + [{"Key": "k/odd key+1.txt"}], "Quiet": False}
        res = self.aws_json("s3api", "delete-objects", "--bucket", "cli-api", "--delete", json.dumps(delete))
        self.assertEqual(len(res["Deleted"]), 6)
        self.assertEqual(self.list_keys("cli-api"), [])
        err = self.aws("s3api", "get-object", "--bucket", "cli-api", "--key", "k/0", out, check=False)
        self.assertNotEqual(err.returncode, 0)
        self.assertIn(b"NoSuchKey", err.stderr)
        err = self.aws("s3api", "head-object", "--bucket", "cli-api", "--key", "k/0", check=False)
        self.assertNotEqual(err.returncode, 0)
        self.assertIn(b"404", err.stderr)
        self.aws("s3api", "delete-bucket", "--bucket", "cli-api")

    def test_5_stdin_stdout(self):
        self.aws("s3", "mb", "s3://cli-pipe")
        data = os.urandom(300_000)
        h.run([AWS, "--endpoint-url", self.server.endpoint, "s3", "cp", "-", "s3://cli-pipe/from-stdin.bin"],
              env=self.env, timeout=90, input=data)
        out = h.run([AWS, "--endpoint-url", self.server.endpoint, "s3", "cp", "s3://cli-pipe/from-stdin.bin", "-"],
                    env=self.env, timeout=90).stdout
        self.assertEqual(out, data)
        self.aws("s3", "rb", "--force", "s3://cli-pipe")

    def test_6_large_file_multipart(self):
        # 1 GiB with a changing pattern, written in 16 MiB pieces so memory stays small.
        src = os.path.join(self.tmp, "large", "ckpt.bin")
        os.makedirs(os.path.dirname(src), exist_ok=True)
        digest = hashlib.sha256()
        with open(src, "wb") as f:
            block = os.urandom(16 * 1024 * 1024)
            for i in range(64):
                piece = i.to_bytes(8, "big") + block[8:]
                digest.update(piece)
                f.write(piece)
        self.aws("s3", "mb", "s3://cli-large")
        self.aws("s3", "cp", src, "s3://cli-large/ckpt.bin", timeout=400)
        head = self.aws_json("s3api", "head-object", "--bucket", "cli-large", "--key", "ckpt.bin")
        self.assertEqual(head["ContentLength"], 1 << 30)
        self.assertRegex(head["ETag"], r'^"[0-9a-f]{32}-16"$')  # 16 parts of 64 MB
        os.remove(src)
        dst = os.path.join(self.tmp, "large", "back.bin")
        self.aws("s3", "cp", "s3://cli-large/ckpt.bin", dst, timeout=400)
        back = hashlib.sha256()
        with open(dst, "rb") as f:
            for piece in iter(lambda: f.read(16 * 1024 * 1024), b""):
                back.update(piece)
        os.remove(dst)
        self.assertEqual(back.hexdigest(), digest.hexdigest())

    def test_4_presign(self):
        self.aws("s3", "mb", "s3://cli-presign")
        p = self.write("pre.txt", b"presigned via cli")
        self.aws("s3", "cp", p, "s3://cli-presign/pre.txt")
        url = self.aws("s3", "presign", "s3://cli-presign/pre.txt", "--expires-in", "300").stdout.decode().strip()
        import urllib.request
        with urllib.request.urlopen(url, timeout=30) as resp:
            self.assertEqual(resp.read(), b"presigned via cli")


if __name__ == "__main__":
    h.main()
