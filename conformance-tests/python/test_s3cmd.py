"""conformance.s3cmd: s3cmd 2.3 (SigV4, path style, plain HTTP) against a fresh xs3d."""

import hashlib
import os
import shutil
import sys
import tempfile

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import xs3harness as h  # noqa: E402

S3CMD = h.require_tool("XS3_S3CMD", "s3cmd")


class S3cmdSuite(h.ServerTestCase):
    signature_v2 = False

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.tmp = tempfile.mkdtemp(prefix="xs3-s3cmd-")
        cls.cfg = os.path.join(cls.tmp, "s3cfg")
        with open(cls.cfg, "w") as f:
            f.write("[default]\n"
                    f"access_key = {h.ROOT_ACCESS_KEY}\n"
                    f"secret_key = {h.ROOT_SECRET_KEY}\n"
                    f"host_base = {cls.server.host}\n"
                    f"host_bucket = {cls.server.host}\n"
                    "use_https = False\n"
                    f"signature_v2 = {cls.signature_v2}\n"
                    "bucket_location = us-east-1\n"
                    "check_ssl_certificate = False\n"
                    "multipart_chunk_size_mb = 15\n"
                    "socket_timeout = 30\n"
                    "progress_meter = False\n")
        cls.env = dict(os.environ, HOME=cls.tmp)
        print("s3cmd:", h.run([S3CMD, "--version"], env=cls.env).stdout.decode().strip(), flush=True)

    @classmethod
    def tearDownClass(cls):
        super().tearDownClass()
        shutil.rmtree(cls.tmp, ignore_errors=True)

    def s3cmd(self, *args, check=True):
        return h.run([S3CMD, "-c", self.cfg, *args],
                     env=self.env, timeout=90, check=check)

    def test_s3cmd_roundtrip(self):
        self.s3cmd("mb", "s3://s3cmd-bkt")
        self.assertIn("s3://s3cmd-bkt", self.s3cmd("ls").stdout.decode())
        files = {"small.txt": b"hello s3cmd\n", "bin/random.bin": os.urandom(300_000),
                 "odd name+ü.txt": b"odd", "empty": b""}
        for rel, data in files.items():
            p = os.path.join(self.tmp, "src", rel)
            os.makedirs(os.path.dirname(p), exist_ok=True)
            with open(p, "wb") as f:
                f.write(data)
            self.s3cmd("put", p, f"s3://s3cmd-bkt/{rel}")
        # s3cmd compares the returned ETag with its own MD5; check the server's value too
        for rel, data in files.items():
            hd = self.raw.head("s3cmd-bkt", rel)
            self.assertEqual(hd.status, 200, rel)
            self.assertEqual(hd.header("ETag"), '"' + hashlib.md5(data).hexdigest() + '"', rel)
        ls = self.s3cmd("ls", "--recursive", "s3://s3cmd-bkt").stdout.decode()
        for rel in files:
            self.assertIn(f"s3://s3cmd-bkt/{rel}", ls)
        ls = self.s3cmd("ls", "s3://s3cmd-bkt/").stdout.decode()
        self.assertIn("DIR", ls)
        self.assertIn("s3://s3cmd-bkt/bin/", ls)
        for rel, data in files.items():
            out = os.path.join(self.tmp, "dst", rel)
            os.makedirs(os.path.dirname(out), exist_ok=True)
            self.s3cmd("get", "--force", f"s3://s3cmd-bkt/{rel}", out)
            with open(out, "rb") as f:
                self.assertEqual(f.read(), data, rel)
        info = self.s3cmd("info", "s3://s3cmd-bkt/small.txt").stdout.decode()
        self.assertIn(hashlib.md5(files["small.txt"]).hexdigest(), info)
        self.s3cmd("cp", "s3://s3cmd-bkt/small.txt", "s3://s3cmd-bkt/copied.txt")
        self.assertEqual(self.raw.get("s3cmd-bkt", "copied.txt").body, files["small.txt"])
        # rb of a non-empty bucket fails with BucketNotEmpty
        rb = self.s3cmd("rb", "s3://s3cmd-bkt", check=False)
        self.assertNotEqual(rb.returncode, 0)
        self.assertIn(b"BucketNotEmpty", rb.stdout + rb.stderr)
        for rel in list(files) + ["copied.txt"]:
            self.s3cmd("del", f"s3://s3cmd-bkt/{rel}")
        self.assertEqual(self.raw.list_keys("s3cmd-bkt"), [])
        self.s3cmd("rb", "s3://s3cmd-bkt")
        self.assertEqual(self.raw.request("HEAD", "/s3cmd-bkt").status, 404)

    def test_s3cmd_sync_and_recursive_delete(self):
        self.s3cmd("mb", "s3://s3cmd-sync")
        src = os.path.join(self.tmp, "sync")
        for i in range(6):
            p = os.path.join(src, f"d{i % 2}", f"f{i}.txt")
            os.makedirs(os.path.dirname(p), exist_ok=True)
            with open(p, "wb") as f:
                f.write(f"file {i}".encode())
        self.s3cmd("sync", src + "/", "s3://s3cmd-sync/s/")
        keys = sorted(k for k, _, _ in self.raw.list_keys("s3cmd-sync"))
        self.assertEqual(keys, sorted(f"s/d{i % 2}/f{i}.txt" for i in range(6)))
        self.s3cmd("del", "--recursive", "--force", "s3://s3cmd-sync/s/")
        self.assertEqual(self.raw.list_keys("s3cmd-sync"), [])
        self.s3cmd("rb", "s3://s3cmd-sync")


class S3cmdSigV2Suite(S3cmdSuite):
    """The same with s3cmd's signature_v2 = True (AWS SigV2 Authorization header)."""
    signature_v2 = True


if __name__ == "__main__":
    h.main()
