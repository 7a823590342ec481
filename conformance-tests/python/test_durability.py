"""conformance.durability: acknowledged PUTs survive kill -9 (xs3d --durability fsync).

Several threads PUT objects of random sizes (0..300 KiB; many above 64 KiB so they become blob
files) for about 5 s, recording every 200 with its MD5. Then the server is SIGKILLed while
requests are in flight, restarted on the same data dir, and:
  * every acknowledged object reads back byte-identical (GET and HEAD size/ETag);
  * every object ListObjectsV2 shows is readable, complete, and one we tried to write;
  * the data dir's tmp/ directories are empty after restart (startup recovery).
"""

import hashlib
import http.client
import os
import random
import sys
import threading
import time
import unittest

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import xs3harness as h  # noqa: E402

B = "durable"
THREADS = int(os.environ.get("XS3_DURABILITY_THREADS", "8"))
RUN_SECONDS = float(os.environ.get("XS3_DURABILITY_SECONDS", "5"))
MAX_SIZE = 300 * 1024


class DurabilitySuite(unittest.TestCase):

    def test_kill9_keeps_acknowledged_puts(self):
        server = h.Server(durability="fsync")
        try:
            self._run(server, "kill9", RUN_SECONDS)
        finally:
            server.cleanup()

    def test_sigterm_under_load_exits_0_and_keeps_everything(self):
        server = h.Server(durability="relaxed")
        try:
            self._run(server, "term", 2.0)
        finally:
            server.cleanup()

    def test_acknowledged_bucket_and_delete_operations_survive_kill9(self):
        server = h.Server(durability="fsync")
        try:
            server.start()
            raw = h.Client(server)
            for b in ("made", "gone"):
                self.assertEqual(raw.create_bucket(b).status, 200)
            self.assertEqual(raw.put("made", "kept", b"kept").status, 200)
            self.assertEqual(raw.put("made", "deleted", os.urandom(100_000)).status, 200)
            self.assertEqual(raw.delete("made", "deleted").status, 204)
            body = f"<Delete><Object><Key>batch</Key></Object></Delete>".encode()
            self.assertEqual(raw.put("made", "batch", b"b").status, 200)
            r = raw.request("POST", h.key_path("made"), query=[("delete", None)], body=body,
                            headers={"Content-MD5": h.md5_b64(body)})
            self.assertEqual(r.status, 200, r)
            self.assertEqual(raw.put("made", "copied", headers={"x-amz-copy-source": "/made/kept"}).status, 200)
            self.assertEqual(raw.request("DELETE", h.key_path("gone")).status, 204)
            server.kill9()
            server.start()
            raw = h.Client(server)
            self.assertEqual(raw.request("HEAD", h.key_path("made")).status, 200)
            self.assertEqual(raw.request("HEAD", h.key_path("gone")).status, 404)
            self.assertEqual(raw.get("made", "kept").body, b"kept")
            self.assertEqual(raw.get("made", "copied").body, b"kept")
            self.assertEqual(raw.head("made", "deleted").status, 404)
            self.assertEqual(raw.head("made", "batch").status, 404)
            server.stop()
        finally:
            server.cleanup()

    def test_second_instance_on_same_data_dir_is_refused(self):
        # A second xs3d on a data dir in use would run startup recovery (removing temporaries and
        # blobs no committed record references yet) under the first one's in-flight writes.
        server = h.Server(durability="fsync")
        try:
            server.start()
            raw = h.Client(server)
            self.assertEqual(raw.create_bucket(B).status, 200)
            acked, stop, lock = {}, threading.Event(), threading.Lock()

            def writer(tid):
                cl = h.Client(server)
                n = 0
                while not stop.is_set():
                    n += 1
                    body = os.urandom(200_000)
                    key = f"w{tid}/{n}"
                    try:
                        if cl.put(B, key, body).status == 200:
                            with lock:
                                acked[key] = hashlib.md5(body).hexdigest()
                    except OSError:
                        pass
            ts = [threading.Thread(target=writer, args=(i,), daemon=True) for i in range(4)]
            for t in ts:
                t.start()
            started = []
            for _ in range(3):
                proc = h.subprocess.Popen([h.xs3d_path(), "--address", "127.0.0.1:0", "--data-dir", server.data_dir,
                                           "--durability", "fsync"], stdout=h.subprocess.PIPE,
                                          stderr=h.subprocess.DEVNULL)
                try:
                    out, _ = proc.communicate(timeout=3)
                except h.subprocess.TimeoutExpired:
                    proc.kill()
                    out, _ = proc.communicate(timeout=10)
                if b"xs3d listening on" in out:
                    started.append(proc.returncode)
            stop.set()
            for t in ts:
                t.join(30)
            lost = []
            for k, md5 in sorted(acked.items()):
                r = raw.get(B, k)
                if r.status != 200 or hashlib.md5(r.body).hexdigest() != md5:
                    lost.append(f"{k}: {r.status} {r.error_code() or len(r.body)}")
            print(f"second instances that started: {len(started)}; acknowledged {len(acked)}, "
                  f"lost or corrupt afterwards: {len(lost)} {lost[:5]}", flush=True)
            self.assertEqual(lost, [], "acknowledged objects unreadable after a second instance ran")
            self.assertEqual(started, [], "a second xs3d started on a data dir already in use")
            server.stop()
        finally:
            server.cleanup()

    def _run(self, server, how, seconds):
        server.start()
        raw = h.Client(server)
        self.assertEqual(raw.create_bucket(B).status, 200)

        acked = {}      # key -> md5 hex (200 received)
        attempted = {}  # key -> md5 hex (request started)
        errors = []
        lock = threading.Lock()
        stop = threading.Event()
        terminating = threading.Event()  # after SIGTERM new requests may be refused (503/close)
        port = server.port

        def worker(tid):
            rnd = random.Random(1000 + tid)
            conn = None
            n = 0
            while not stop.is_set():
                n += 1
                key = f"t{tid}/obj-{n:05d}"
                roll = rnd.random()
                size = 0 if roll < 0.05 else rnd.randint(64 * 1024 + 1, MAX_SIZE) if roll < 0.55 else rnd.randint(1, 64 * 1024)
                body = rnd.randbytes(size)
                md5 = hashlib.md5(body).hexdigest()
                with lock:
                    attempted[key] = md5
                try:
                    if conn is None:
                        conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
                    headers = {"host": server.host, "Content-MD5": h.md5_b64(body), "x-amz-meta-md5": md5,
                               "Content-Type": f"application/x-t{tid}"}
                    s = h.sign_v4("PUT", h.key_path(B, key), [], headers, hashlib.sha256(body).hexdigest())
                    r = h.raw_request(port, "PUT", h.key_path(B, key), s.headers, body, conn=conn)
                except (OSError, http.client.HTTPException):
                    if conn is not None:
                        conn.close()
                    conn = None
                    if stop.is_set():
                        return
                    time.sleep(0.01)
                    continue
                if r.status == 200:
                    if r.header("ETag") != f'"{md5}"':
                        with lock:
                            errors.append(f"{key}: ETag {r.header('ETag')} != md5 {md5}")
                    with lock:
                        acked[key] = md5
                elif not stop.is_set() and not terminating.is_set():
                    with lock:
                        errors.append(f"{key}: HTTP {r.status} {r.body[:200]!r}")

        # overwriters: each owns 8 keys and rewrites them in turn; versions[key] lists the MD5 of
        # every attempt in order, last_acked[key] the index of the newest acknowledged one.
        versions = {}
        last_acked = {}

        def overwriter(oid):
            rnd = random.Random(5000 + oid)
            conn = None
            n = 0
            while not stop.is_set():
                key = f"ow{oid}/k{n % 8}"
                n += 1
                size = rnd.choice([rnd.randint(0, 4096), rnd.randint(64 * 1024 + 1, MAX_SIZE)])
                body = rnd.randbytes(size)
                md5 = hashlib.md5(body).hexdigest()
                with lock:
                    versions.setdefault(key, []).append(md5)
                    idx = len(versions[key]) - 1
                try:
                    if conn is None:
                        conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
                    s = h.sign_v4("PUT", h.key_path(B, key), [], {"host": server.host},
                                  hashlib.sha256(body).hexdigest())
                    r = h.raw_request(port, "PUT", h.key_path(B, key), s.headers, body, conn=conn)
                except (OSError, http.client.HTTPException):
                    if conn is not None:
                        conn.close()
                    conn = None
                    if stop.is_set():
                        return
                    continue
                if r.status == 200:
                    with lock:
                        last_acked[key] = idx

        threads = [threading.Thread(target=worker, args=(i,), daemon=True) for i in range(THREADS)]
        threads += [threading.Thread(target=overwriter, args=(i,), daemon=True) for i in range(2)]
        for t in threads:
            t.start()
        time.sleep(seconds)
        with lock:
            n_acked_at_kill = len(acked)
        if how == "kill9":
            server.kill9()  # mid-flight: the workers are still sending
            stop.set()
        else:
            proc = server.proc
            terminating.set()
            proc.send_signal(h.signal.SIGTERM)  # in-flight requests finish, then exit 0
            try:
                rc = proc.wait(20)
            finally:
                stop.set()
            self.assertEqual(rc, 0, f"exit code after SIGTERM under load; log:\n{server.log_tail()}")
            server.proc = None
        for t in threads:
            t.join(40)
        self.assertFalse(any(t.is_alive() for t in threads), "a writer thread hung")
        print(f"acknowledged {len(acked)} PUTs ({n_acked_at_kill} before the kill), "
              f"{len(attempted)} attempted; {sum(len(v) for v in versions.values())} overwrites", flush=True)
        self.assertEqual(errors, [], "PUTs failed before the kill")
        self.assertGreater(len(acked), 20, "too few PUTs to say anything")
        if how == "kill9":
            self.assertGreater(len(attempted), len(acked), "no request was in flight at the kill")

        server.start()  # same data dir: recovery runs here
        raw = h.Client(server)
        bad = []
        conn = http.client.HTTPConnection("127.0.0.1", server.port, timeout=30)
        for key, md5 in sorted(acked.items()):
            s = h.sign_v4("GET", h.key_path(B, key), [], {"host": server.host}, h.EMPTY_SHA256)
            r = h.raw_request(server.port, "GET", h.key_path(B, key), s.headers, conn=conn)
            if r.status != 200:
                bad.append(f"{key}: GET {r.status} {r.body[:200]!r}")
            elif hashlib.md5(r.body).hexdigest() != md5:
                bad.append(f"{key}: body md5 {hashlib.md5(r.body).hexdigest()} != {md5} ({len(r.body)} bytes)")
            elif r.header("x-amz-meta-md5") != md5 or r.header("Content-Type") != f"application/x-t{key[1:key.index('/')]}":
                bad.append(f"{key}: metadata lost: {r.header('x-amz-meta-md5')} {r.header('Content-Type')}")
        conn.close()
        self.assertEqual(bad, [], f"{len(bad)} acknowledged objects lost or corrupt")

        # overwritten keys: the newest acknowledged version or a later attempt, never older or mixed
        for key, idx in sorted(last_acked.items()):
            r = raw.get(B, key)
            self.assertEqual(r.status, 200, f"{key}: acknowledged overwrite lost: {r}")
            got = hashlib.md5(r.body).hexdigest()
            self.assertIn(got, versions[key][idx:], f"{key}: content is older than the last acknowledged PUT "
                                                    f"or not any version written")
        for key in versions:
            attempted.setdefault(key, None)

        listed = raw.list_keys(B)
        listed_keys = {k for k, _, _ in listed}
        self.assertTrue(set(acked) <= listed_keys, f"acknowledged but not listed: {sorted(set(acked) - listed_keys)[:10]}")
        for key, size, etag in listed:
            self.assertIn(key, attempted, f"listed key nobody wrote: {key}")
            r = raw.get(B, key)
            self.assertEqual(r.status, 200, f"listed but unreadable: {key}: {r}")
            self.assertEqual(len(r.body), size, f"{key}: listed size {size}, body {len(r.body)}")
            if key in versions:
                self.assertIn(etag, versions[key], f"{key}: listed ETag is no version written")
                self.assertEqual(hashlib.md5(r.body).hexdigest(), etag, f"{key}: body does not match listing")
                continue
            self.assertEqual(etag, attempted[key], f"{key}: listed ETag is not the MD5 of what was sent")
            self.assertEqual(hashlib.md5(r.body).hexdigest(), attempted[key], f"{key}: half-written body visible")

        # no orphaned blob: every body file on disk belongs to a listed object
        sizes = sorted(size for _, size, _ in listed)
        files = []
        for dp, ds, fs in os.walk(server.data_dir):
            # bodies live in subdirectories; top-level files are the server's own (keys, locks)
            if os.path.basename(dp) == "tmp" or os.path.samefile(dp, server.data_dir):
                continue
            files += [os.path.getsize(os.path.join(dp, f)) for f in fs if not f.endswith(".mdb")]
        self.assertLessEqual(len(files), len(listed), "more body files than objects: orphans after recovery")
        remaining = list(sizes)
        for fsize in files:
            self.assertIn(fsize, remaining, f"a {fsize}-byte file matches no listed object (orphan blob)")
            remaining.remove(fsize)

        tmp_dirs = [os.path.join(dp, d) for dp, ds, _ in os.walk(server.data_dir) for d in ds if d == "tmp"]
        self.assertTrue(tmp_dirs, f"no tmp/ directory under the data dir: {sorted(os.listdir(server.data_dir))}")
        for d in tmp_dirs:
            self.assertEqual(os.listdir(d), [], f"{d} not empty after restart")
        server.stop()


if __name__ == "__main__":
    h.main()
