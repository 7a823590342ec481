"""bench.xs3bench_smoke: xs3bench against a real xs3d, ~1 s per case, checking it reports sanely.

Not a benchmark (no figure is judged): it proves the load generator signs correctly (SigV4 and
S3 Express sessions), that every operation of a mix succeeds, and that the JSON report is
consistent (counts, percentiles ordered, bytes = requests x size for PUT).
"""
import json
import os
import subprocess
import sys
import unittest

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "conformance-tests", "python"))
import xs3harness as h  # noqa: E402

XS3BENCH = os.environ.get("XS3BENCH", "")
XS3FILL = os.environ.get("XS3FILL", "")


def run(server, *flags):
    p = subprocess.run([XS3BENCH, "--endpoint", f"127.0.0.1:{server.port}", "--json", "-", "--quiet",
                        *[str(f) for f in flags]], capture_output=True, text=True, timeout=60)
    if p.returncode != 0:
        raise AssertionError(f"xs3bench exited {p.returncode}\nstderr:\n{p.stderr}\nstdout:\n{p.stdout}")
    return json.loads(p.stdout)


class Xs3benchSmoke(h.ServerTestCase):
    def check_phase(self, phase, ops):
        self.assertEqual(phase["all"]["errors"], 0, phase["errors_sample"])
        self.assertGreater(phase["seconds"], 0)
        for op in ops:
            s = phase["ops"][op]
            self.assertGreater(s["ok"], 0, op)
            for kind in ("ttfb_us", "total_us"):
                p = s[kind]
                self.assertGreater(p["p50"], 0, (op, kind))
                self.assertTrue(p["p50"] <= p["p90"] <= p["p99"] <= p["p999"] <= p["max"] * 1.02, (op, kind, p))
            self.assertLessEqual(s["ttfb_us"]["p50"], s["total_us"]["p50"] * 1.02, op)

    def test_general_purpose_mix_after_prefill(self):
        doc = run(self.server, "--create-bucket", "--bucket", "smoke", "--prefill", "--keys", 2000, "--size", "1K",
                  "--duration", 1, "--concurrency", 8, "--mix", "get=60,put=20,head=10,list=10")
        pre = doc["phases"]["prefill"]
        self.check_phase(pre, ["PUT"])
        self.assertEqual(pre["ops"]["PUT"]["ok"], 2000)
        self.assertEqual(pre["ops"]["PUT"]["bytes"], 2000 * 1024)
        load = doc["phases"]["load"]
        self.check_phase(load, ["GET", "PUT", "HEAD", "LIST"])
        self.assertLess(load["seconds"], 3)
        # The objects really are there, with the size asked for.
        r = self.raw.get("smoke", "d000001/o999")
        self.assertEqual((r.status, len(r.body)), (200, 1024))
        get = load["ops"]["GET"]
        self.assertEqual(get["bytes"], get["ok"] * 1024)

    def test_xs3fill_loads_keys_xs3bench_and_clients_see(self):
        """xs3fill (the LIST scenario's loader) writes through the engine into a stopped server's data
        dir: the keys are xs3bench's, the records those of an empty PutObject, and a running server's
        data dir is refused (its lock)."""
        for bucket in ("fill", "fill--use1-az4--x-s3"):
            run(self.server, "--create-bucket", "--bucket", bucket, "--bucket-type",
                "directory" if bucket.endswith("--x-s3") else "gp", "--duration", 0)
        busy = subprocess.run([XS3FILL, "--data-dir", self.server.data_dir, "--bucket", "fill", "--keys", "1"],
                              capture_output=True, text=True, timeout=60)
        self.assertNotEqual(busy.returncode, 0, busy.stdout)
        self.server.stop()
        for bucket in ("fill", "fill--use1-az4--x-s3"):
            p = subprocess.run([XS3FILL, "--data-dir", self.server.data_dir, "--bucket", bucket, "--keys", "3000"],
                               capture_output=True, text=True, timeout=120)
            self.assertEqual(p.returncode, 0, p.stderr)
            self.assertEqual(json.loads(p.stdout)["failed"], 0)
        self.server.start()
        raw = h.Client(self.server)
        self.assertEqual(len(raw.list_keys("fill", prefix="d000002/")), 1000)
        r = raw.head("fill", "d000002/o999")
        self.assertEqual((r.status, r.header("Content-Length"), r.header("ETag")),
                         (200, "0", '"d41d8cd98f00b204e9800998ecf8427e"'))
        doc = run(self.server, "--bucket", "fill--use1-az4--x-s3", "--bucket-type", "directory", "--keys", 3000,
                  "--duration", 1, "--concurrency", 2, "--mix", "list=50,head=50")
        self.check_phase(doc["phases"]["load"], ["LIST", "HEAD"])

    def test_directory_bucket_session(self):
        doc = run(self.server, "--create-bucket", "--bucket", "smoke--use1-az4--x-s3", "--bucket-type", "directory",
                  "--prefill", "--keys", 1000, "--size", 100, "--duration", 1, "--concurrency", 4,
                  "--mix", "get=70,list=20,head=10")
        self.check_phase(doc["phases"]["load"], ["GET", "LIST", "HEAD"])

    def test_multipart_then_ranged_restore(self):
        common = ["--create-bucket", "--bucket", "ckpt", "--size", "24M", "--part-size", "5M", "--parallel", 3]
        put = run(self.server, *common, "--mode", "multipart-put")["phases"]["multipart-put"]
        self.check_phase(put, ["UploadPart"])
        self.assertEqual(put["ops"]["UploadPart"]["ok"], 5)
        r = self.raw.head("ckpt", "checkpoint.bin")
        self.assertEqual(int(r.header("content-length")), 24 * 1024 * 1024)
        self.assertTrue(r.header("etag").endswith('-5"'), r.header("etag"))
        get = run(self.server, *common, "--mode", "ranged-get")["phases"]["ranged-get"]
        self.check_phase(get, ["RangedGET"])
        self.assertEqual(get["ops"]["RangedGET"]["bytes"], 24 * 1024 * 1024)

    def test_bad_credentials_fail_loudly(self):
        p = subprocess.run([XS3BENCH, "--endpoint", f"127.0.0.1:{self.server.port}", "--secret-key", "wrong",
                            "--create-bucket", "--duration", "1", "--quiet"], capture_output=True, text=True, timeout=60)
        self.assertEqual(p.returncode, 1)
        self.assertIn("SignatureDoesNotMatch", p.stderr)


if __name__ == "__main__":
    if not XS3BENCH:
        raise SystemExit("XS3BENCH is not set")
    h.main()
