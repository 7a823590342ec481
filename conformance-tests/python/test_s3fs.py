"""conformance.s3fs: a bucket mounted with s3fs-fuse (Debian's s3fs 1.90, SigV4, path-style):
files written through the mount are objects byte for byte (a 25 MiB file goes up as multipart),
directories, renames and deletes show through the S3 API, and objects put through the API
appear in the mount."""

import hashlib
import os
import shutil
import subprocess
import tempfile
import time
import unittest

import xs3harness as h

S3FS = shutil.which("s3fs")


@unittest.skipUnless(os.path.exists("/dev/fuse"), "no /dev/fuse on this machine: FUSE mounts are impossible here")
class S3fs(unittest.TestCase):
    def setUp(self):
        self.assertTrue(S3FS, "s3fs is not installed (apt-get install s3fs)")
        self.server = h.Server(env={"XS3_BUCKETS": "mounted"})
        self.server.start()
        self.client = h.Client(self.server)
        self.tmp = tempfile.mkdtemp(prefix="xs3-s3fs-")
        self.mnt = os.path.join(self.tmp, "mnt")
        os.mkdir(self.mnt)
        passwd = os.path.join(self.tmp, "passwd")
        with open(passwd, "w") as f:
            f.write(f"{h.ROOT_ACCESS_KEY}:{h.ROOT_SECRET_KEY}\n")
        os.chmod(passwd, 0o600)
        subprocess.run([S3FS, "mounted", self.mnt, "-o", f"passwd_file={passwd}",
                        "-o", f"url={self.server.endpoint}", "-o", "use_path_request_style",
                        "-o", "endpoint=us-east-1", "-o", "sigv4", "-o", "multipart_size=10",
                        "-o", "stat_cache_expire=1"], check=True, timeout=30)
        deadline = time.monotonic() + 10
        while not os.path.ismount(self.mnt):
            self.assertLess(time.monotonic(), deadline, "s3fs did not mount")
            time.sleep(0.05)

    def tearDown(self):
        subprocess.run(["fusermount", "-u", self.mnt], timeout=30)
        self.server.stop(check=False)
        self.server.cleanup()
        shutil.rmtree(self.tmp, ignore_errors=True)

    def test_files_are_objects(self):
        small = b"written through a FUSE mount\n"
        with open(os.path.join(self.mnt, "note.txt"), "wb") as f:
            f.write(small)
        os.makedirs(os.path.join(self.mnt, "data", "shards"))
        big = os.urandom(25 * 1024 * 1024)
        with open(os.path.join(self.mnt, "data", "shards", "big.bin"), "wb") as f:
            f.write(big)

        self.assertEqual(self.client.get("mounted", "note.txt").body, small)
        r = self.client.get("mounted", "data/shards/big.bin")
        self.assertEqual(hashlib.sha256(r.body).hexdigest(), hashlib.sha256(big).hexdigest())
        self.assertRegex(r.header("etag"), r'-[0-9]+"$')  # s3fs went multipart (its part sizes are its own)
        keys = [k[0] for k in self.client.list_keys("mounted")]
        # s3fs stores directories as folder-marker objects ("data/")
        self.assertEqual(keys, ["data/", "data/shards/", "data/shards/big.bin", "note.txt"])

        os.rename(os.path.join(self.mnt, "note.txt"), os.path.join(self.mnt, "renamed.txt"))
        self.assertEqual(self.client.get("mounted", "note.txt").status, 404)
        self.assertEqual(self.client.get("mounted", "renamed.txt").body, small)
        os.remove(os.path.join(self.mnt, "renamed.txt"))
        self.assertEqual(self.client.get("mounted", "renamed.txt").status, 404)

        self.assertEqual(self.client.put("mounted", "from-api/hello.txt", b"put through S3").status, 200)
        time.sleep(1.2)  # past s3fs's stat cache
        self.assertIn("from-api", os.listdir(self.mnt))
        with open(os.path.join(self.mnt, "from-api", "hello.txt"), "rb") as f:
            self.assertEqual(f.read(), b"put through S3")
        with open(os.path.join(self.mnt, "data", "shards", "big.bin"), "rb") as f:
            f.seek(20 * 1024 * 1024)
            self.assertEqual(f.read(4096), big[20 * 1024 * 1024:20 * 1024 * 1024 + 4096])  # a ranged GET


if __name__ == "__main__":
    unittest.main(verbosity=2)
