"""conformance.rclone: rclone 1.60 (aws-sdk-go v1, ListObjects v1, UNSIGNED-PAYLOAD PUTs)."""

import hashlib
import json
import os
import shutil
import sys
import tempfile

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import xs3harness as h  # noqa: E402

RCLONE = h.require_tool("XS3_RCLONE", "rclone")


class RcloneSuite(h.ServerTestCase):

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.tmp = tempfile.mkdtemp(prefix="xs3-rclone-")
        env = {k: v for k, v in os.environ.items() if not k.startswith(("RCLONE_", "AWS_"))}
        env.update({
            "HOME": cls.tmp,
            "RCLONE_CONFIG": os.path.join(cls.tmp, "rclone.conf"),
            "RCLONE_CONFIG_X3_TYPE": "s3",
            "RCLONE_CONFIG_X3_PROVIDER": "Other",
            "RCLONE_CONFIG_X3_ENV_AUTH": "false",
            "RCLONE_CONFIG_X3_ACCESS_KEY_ID": h.ROOT_ACCESS_KEY,
            "RCLONE_CONFIG_X3_SECRET_ACCESS_KEY": h.ROOT_SECRET_KEY,
            "RCLONE_CONFIG_X3_REGION": h.REGION,
            "RCLONE_CONFIG_X3_ENDPOINT": cls.server.endpoint,
            "RCLONE_CONFIG_X3_FORCE_PATH_STYLE": "true",
            "RCLONE_RETRIES": "1",
            "RCLONE_LOW_LEVEL_RETRIES": "1",
            "RCLONE_TIMEOUT": "30s",
            "RCLONE_CONTIMEOUT": "10s",
        })
        open(env["RCLONE_CONFIG"], "w").close()
        cls.env = env
        print("rclone:", h.run([RCLONE, "version"], env=env).stdout.decode().splitlines()[0], flush=True)

    @classmethod
    def tearDownClass(cls):
        super().tearDownClass()
        shutil.rmtree(cls.tmp, ignore_errors=True)

    def rclone(self, *args, check=True):
        return h.run([RCLONE, *args], env=self.env, timeout=120, check=check)

    def test_rclone_roundtrip(self):
        self.rclone("mkdir", "x3:rclone-bkt")
        self.assertEqual(self.raw.request("HEAD", "/rclone-bkt").status, 200)
        src = os.path.join(self.tmp, "src")
        files = {"a.txt": b"alpha\n", "dir/b.bin": os.urandom(150_000), "dir/sub/c d.txt": b"with space",
                 "ü/é.txt": "unicode".encode(), "empty.txt": b""}
        for rel, data in files.items():
            p = os.path.join(src, rel)
            os.makedirs(os.path.dirname(p), exist_ok=True)
            with open(p, "wb") as f:
                f.write(data)
        self.rclone("copy", src, "x3:rclone-bkt/tree")
        listed = {k: (size, et) for k, size, et in self.raw.list_keys("rclone-bkt")}
        self.assertEqual(sorted(listed), sorted("tree/" + k for k in files))
        for rel, data in files.items():
            size, et = listed["tree/" + rel]
            self.assertEqual(size, len(data), rel)
            self.assertEqual(et, hashlib.md5(data).hexdigest(), rel)
        ls = self.rclone("ls", "x3:rclone-bkt").stdout.decode()
        for rel in files:
            self.assertIn("tree/" + rel, ls)
        lj = json.loads(self.rclone("lsjson", "-R", "--hash", "x3:rclone-bkt/tree").stdout)
        objs = {e["Path"]: e for e in lj if not e["IsDir"]}
        self.assertEqual(sorted(objs), sorted(files))
        for rel, data in files.items():
            self.assertEqual(objs[rel]["Size"], len(data), rel)
            self.assertEqual(objs[rel].get("Hashes", {}).get("md5"), hashlib.md5(data).hexdigest(), rel)
        dirs = sorted(e["Path"] for e in lj if e["IsDir"])
        self.assertEqual(dirs, ["dir", "dir/sub", "ü"])
        self.assertEqual(self.rclone("cat", "x3:rclone-bkt/tree/a.txt").stdout, files["a.txt"])
        self.assertEqual(self.rclone("cat", "x3:rclone-bkt/tree/dir/b.bin").stdout, files["dir/b.bin"])
        self.rclone("check", src, "x3:rclone-bkt/tree")
        # a second copy transfers nothing and still checks clean
        self.rclone("copy", src, "x3:rclone-bkt/tree")
        # server-side copy inside the bucket
        self.rclone("copyto", "x3:rclone-bkt/tree/a.txt", "x3:rclone-bkt/copied/a.txt")
        self.assertEqual(self.raw.get("rclone-bkt", "copied/a.txt").body, files["a.txt"])
        # a changed file is detected by check
        with open(os.path.join(src, "a.txt"), "wb") as f:
            f.write(b"changed\n")
        chk = self.rclone("check", src, "x3:rclone-bkt/tree", check=False)
        self.assertNotEqual(chk.returncode, 0, "rclone check must notice the changed file")
        self.rclone("delete", "x3:rclone-bkt")
        self.assertEqual(self.raw.list_keys("rclone-bkt"), [])
        self.rclone("rmdir", "x3:rclone-bkt")
        self.assertEqual(self.raw.request("HEAD", "/rclone-bkt").status, 404)

    def test_rclone_multipart_copy(self):
        # Above --s3-upload-cutoff rclone uploads in --s3-chunk-size parts, 4 at a time.
        src_dir = os.path.join(self.tmp, "mpu-src")
        os.makedirs(src_dir, exist_ok=True)
        body = os.urandom(3 * 1024 * 1024) * 9 + b"tail"
        with open(os.path.join(src_dir, "big.bin"), "wb") as f:
            f.write(body)
        self.rclone("mkdir", "x3:rclone-mpu")
        self.rclone("copy", "--s3-upload-cutoff", "5M", "--s3-chunk-size", "5M", "--s3-upload-concurrency", "4",
                    src_dir, "x3:rclone-mpu/dir")
        listed = json.loads(self.rclone("lsjson", "x3:rclone-mpu/dir").stdout)
        self.assertEqual([(e["Name"], e["Size"]) for e in listed], [("big.bin", len(body))])
        self.assertRegex(self.raw.head("rclone-mpu", "dir/big.bin").header("ETag"), r'^"[0-9a-f]{32}-6"$')
        back = self.rclone("cat", "x3:rclone-mpu/dir/big.bin").stdout
        self.assertEqual(hashlib.sha256(back).hexdigest(), hashlib.sha256(body).hexdigest())
        self.rclone("check", src_dir, "x3:rclone-mpu/dir")

    def test_rclone_rcat_and_cat_range(self):
        self.rclone("mkdir", "x3:rclone-rcat")
        data = os.urandom(50_000)
        h.run([RCLONE, "rcat", "x3:rclone-rcat/piped.bin"], env=self.env, timeout=60, input=data)
        self.assertEqual(self.raw.get("rclone-rcat", "piped.bin").body, data)
        part = self.rclone("cat", "--offset", "1000", "--count", "500", "x3:rclone-rcat/piped.bin").stdout
        self.assertEqual(part, data[1000:1500])
        self.rclone("purge", "x3:rclone-rcat")

    def test_rclone_sync_and_purge(self):
        src = os.path.join(self.tmp, "sync")
        for i in range(8):
            p = os.path.join(src, f"f{i}.txt")
            os.makedirs(src, exist_ok=True)
            with open(p, "wb") as f:
                f.write(os.urandom(i * 1000))
        self.rclone("sync", src, "x3:rclone-sync/s")
        self.assertEqual(len(self.raw.list_keys("rclone-sync")), 8)
        os.remove(os.path.join(src, "f0.txt"))
        self.rclone("sync", src, "x3:rclone-sync/s")
        self.assertEqual(sorted(k for k, _, _ in self.raw.list_keys("rclone-sync")),
                         sorted(f"s/f{i}.txt" for i in range(1, 8)))
        self.rclone("purge", "x3:rclone-sync")
        self.assertEqual(self.raw.request("HEAD", "/rclone-sync").status, 404)


if __name__ == "__main__":
    h.main()
