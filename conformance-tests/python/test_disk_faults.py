"""conformance.disk_faults: a full disk, a read-only data dir and a tiny LMDB map.

The data dir lives on its own small tmpfs (mount needs root, as in CI; without it the two
filesystem tests skip and say why).

* Disk full of blobs: 1 MiB PUTs until the disk is full answer 500 InternalError (AWS's error for
  "could not store it, try again"; AWS itself never fills up) with a message naming the cause,
  change nothing, leave no temporary file; existing objects stay readable; once DELETEs free
  space, new PUTs succeed without a restart.
* Disk full under LMDB (a filler file takes the last byte): small inline PUTs fail the same way
  when LMDB cannot extend its file, and do not stop writes (no 503): after the filler goes, they
  succeed again.
* Read-only data dir (the tmpfs remounted ro between two runs): xs3d starts, GET/HEAD/List
  work, every write answers 500 InternalError, nothing crashes; back on a rw mount, writes work.
* LMDB map full: --lmdb-map-size 256 KiB and thousands of objects: every PUT succeeds (the map is
  doubled), all read back, xs3_lmdb_map_size_bytes shows the growth.
"""

import hashlib
import os
import subprocess
import sys
import tempfile
import unittest

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import xs3harness as h  # noqa: E402

B = "full"
MIB = 1024 * 1024


class Tmpfs:
    """A tmpfs of `size` bytes mounted on a fresh directory (root only)."""

    def __init__(self, size):
        self.dir = tempfile.mkdtemp(prefix="xs3-tmpfs-")
        p = subprocess.run(["mount", "-t", "tmpfs", "-o", f"size={size}", "tmpfs", self.dir],
                           stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
        if p.returncode != 0:
            os.rmdir(self.dir)
            raise unittest.SkipTest(f"cannot mount a tmpfs (needs root / CAP_SYS_ADMIN): "
                                    f"{p.stdout.decode().strip()}")

    def remount(self, mode):
        subprocess.run(["mount", "-o", f"remount,{mode}", self.dir], check=True)

    def free(self):
        st = os.statvfs(self.dir)
        return st.f_bavail * st.f_frsize

    def close(self):
        subprocess.run(["umount", self.dir], check=False)
        os.rmdir(self.dir)


def assert_internal_error(test, r, cause):
    test.assertEqual(r.status, 500, r)
    test.assertEqual(r.error_code(), "InternalError", r)
    root = r.xml()
    test.assertTrue(root.findtext("RequestId"), r)
    test.assertIn(cause, root.findtext("Message"), r)


class DiskFaultsSuite(unittest.TestCase):

    def setUp(self):
        self.fs = Tmpfs(24 * MIB)
        self.server = h.Server(durability="fsync", data_dir=os.path.join(self.fs.dir, "data"))

    def tearDown(self):
        try:
            self.server.cleanup()
        finally:
            self.fs.close()

    def put_ok(self, raw, key, body):
        r = raw.put(B, key, body)
        self.assertEqual(r.status, 200, r)
        return hashlib.md5(body).hexdigest()

    def check_readable(self, raw, objects):
        for key, md5 in objects.items():
            r = raw.get(B, key)
            self.assertEqual(r.status, 200, f"{key}: {r}")
            self.assertEqual(hashlib.md5(r.body).hexdigest(), md5, key)
        listed = {k for k, _size, _etag in raw.list_keys(B)}
        self.assertEqual(listed, set(objects))

    def test_disk_full_of_blobs_fails_puts_cleanly_and_recovers_after_deletes(self):
        self.server.start()
        raw = h.Client(self.server)
        self.assertEqual(raw.create_bucket(B).status, 200)
        objects = {"small": self.put_ok(raw, "small", b"tiny"), "inline": self.put_ok(raw, "inline", os.urandom(30_000))}
        failure = None
        for i in range(64):  # 24 MiB disk: fills well before
            body = os.urandom(MIB)
            r = raw.put(B, f"big{i}", body)
            if r.status == 200:
                objects[f"big{i}"] = hashlib.md5(body).hexdigest()
                continue
            failure = (f"big{i}", r)
            break
        self.assertIsNotNone(failure, "the disk never filled up")
        key, r = failure
        assert_internal_error(self, r, "disk is full")
        print(f"disk full after {len(objects) - 2} MiB objects; free {self.fs.free()} bytes", flush=True)
        self.assertEqual(raw.head(B, key).status, 404)  # the failed PUT changed nothing
        self.assertEqual(os.listdir(os.path.join(self.server.data_dir, "tmp")), [])
        # Every further write fails the same way, none stops the server; reads keep working.
        for _ in range(3):
            assert_internal_error(self, raw.put(B, "again", os.urandom(2 * MIB)), "disk is full")
        self.check_readable(raw, objects)
        # Free space by deleting; writes work again without a restart.
        for k in [k for k in objects if k.startswith("big")][:4]:
            self.assertEqual(raw.delete(B, k).status, 204)
            del objects[k]
        objects["after-big"] = self.put_ok(raw, "after-big", os.urandom(MIB))
        objects["after-small"] = self.put_ok(raw, "after-small", b"ok")
        self.check_readable(raw, objects)
        self.server.stop()
        self.server.start()  # and everything survived a restart
        self.check_readable(h.Client(self.server), objects)
        self.server.stop()

    def test_disk_full_under_lmdb_fails_commits_without_stopping_writes(self):
        self.server.start()
        raw = h.Client(self.server)
        self.assertEqual(raw.create_bucket(B).status, 200)
        objects = {"before": self.put_ok(raw, "before", os.urandom(20_000))}
        filler = os.path.join(self.fs.dir, "filler")
        with open(filler, "wb") as f:  # take every free byte
            try:
                while True:
                    f.write(b"\0" * 65536)
                    f.flush()
            except OSError:
                pass
        failures = []
        for i in range(400):  # inline bodies: only LMDB needs space
            body = os.urandom(60_000)
            r = raw.put(B, f"inline{i}", body)
            if r.status == 200:
                objects[f"inline{i}"] = hashlib.md5(body).hexdigest()
            else:
                failures.append(r)
                if len(failures) >= 5:
                    break
        self.assertTrue(failures, "LMDB never ran out of space")
        for r in failures:
            assert_internal_error(self, r, "disk is full")  # never 503 "writes stopped"
        self.check_readable(raw, objects)
        os.remove(filler)
        for i in range(20):
            objects[f"later{i}"] = self.put_ok(raw, f"later{i}", os.urandom(60_000))
        self.check_readable(raw, objects)
        metrics = h.raw_request(self.server.port, "GET", "/metrics", {"host": self.server.host}).body.decode()
        stopped = [line for line in metrics.splitlines() if line.startswith("xs3_writes_stopped")]
        if stopped:
            self.assertTrue(stopped[0].endswith(" 0"), stopped)
        self.server.stop()

    def test_read_only_data_dir_serves_reads_and_refuses_writes(self):
        self.server.start()
        raw = h.Client(self.server)
        self.assertEqual(raw.create_bucket(B).status, 200)
        objects = {"small": self.put_ok(raw, "small", b"x" * 100), "big": self.put_ok(raw, "big", os.urandom(3 * MIB))}
        r = raw.request("POST", h.key_path(B, "upload"), query=[("uploads", None)])
        self.assertEqual(r.status, 200, r)
        upload_id = r.xml().findtext("UploadId")
        self.server.stop()
        self.fs.remount("ro")
        try:
            self.server.start()
            raw = h.Client(self.server)
            self.check_readable(raw, objects)
            self.assertEqual(raw.head(B, "big").status, 200)
            self.assertEqual(raw.request("HEAD", h.key_path(B)).status, 200)
            writes = [
                raw.put(B, "new-small", b"n"),
                raw.put(B, "new-big", os.urandom(MIB)),
                raw.put(B, "small", b"overwrite"),
                raw.delete(B, "small"),
                raw.put(B, "copy", headers={"x-amz-copy-source": f"/{B}/big"}),
                raw.put(B, "copy-small", headers={"x-amz-copy-source": f"/{B}/small"}),
                raw.create_bucket("another"),
                raw.request("POST", h.key_path(B, "u2"), query=[("uploads", None)]),
                raw.request("PUT", h.key_path(B, "upload"), query=[("partNumber", "1"), ("uploadId", upload_id)],
                            body=b"part"),
                raw.request("DELETE", h.key_path(B, "upload"), query=[("uploadId", upload_id)]),
            ]
            for r in writes:
                assert_internal_error(self, r, "read-only")
            self.check_readable(raw, objects)  # nothing changed, nothing crashed
            self.server.stop()
        finally:
            self.fs.remount("rw")
        self.server.start()
        raw = h.Client(self.server)
        objects["new"] = self.put_ok(raw, "new", os.urandom(MIB))
        self.check_readable(raw, objects)
        self.server.stop()


class MapGrowthSuite(unittest.TestCase):

    def test_tiny_lmdb_map_grows_instead_of_failing(self):
        server = h.Server(durability="relaxed", extra_args=["--lmdb-map-size", str(256 * 1024)])
        try:
            server.start()
            raw = h.Client(server)
            self.assertEqual(raw.create_bucket(B).status, 200)
            objects = {}
            for i in range(1500):  # ~24 MiB of inline bodies into a 256 KiB map
                body = os.urandom(16_000)
                key = f"k{i:05d}"
                r = raw.put(B, key, body, headers={"x-amz-meta-i": str(i)})
                self.assertEqual(r.status, 200, f"{key}: {r}")
                objects[key] = hashlib.md5(body).hexdigest()
            for key, md5 in objects.items():
                r = raw.get(B, key)
                self.assertEqual(r.status, 200, r)
                self.assertEqual(hashlib.md5(r.body).hexdigest(), md5)
            self.assertEqual(len(raw.list_keys(B)), len(objects))
            metrics = h.raw_request(server.port, "GET", "/metrics", {"host": server.host}).body.decode()
            size = [line for line in metrics.splitlines() if line.startswith("xs3_lmdb_map_size_bytes")]
            self.assertTrue(size, "no xs3_lmdb_map_size_bytes metric")
            self.assertGreaterEqual(float(size[0].split()[1]), 16 * MIB, size)
            server.stop()
            server.start()  # the grown map is in the file's meta page; the tiny setting is raised
            self.assertEqual(h.Client(server).get(B, "k01499").status, 200)
            server.stop()
        finally:
            server.cleanup()


if __name__ == "__main__":
    h.main()
