"""conformance.metrics: /metrics in Prometheus text format, parsed by the Prometheus project's
own parser (python3-prometheus-client): requests by operation and status, throttled requests,
bytes in and out, latency histograms, open connections; /health for liveness."""

import json
import os
import sys
import time
import unittest

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import xs3harness as h  # noqa: E402

from prometheus_client.parser import text_string_to_metric_families  # noqa: E402


class MetricsSuite(h.ServerTestCase):
    server_kwargs = {"extra_args": ["--directory-writes-per-s", "2"],
                     "env": {"XS3_BUCKETS": "met,met--use1-az4--x-s3"}}

    def scrape(self):
        r = h.raw_request(self.server.port, "GET", "/metrics", {"host": self.server.host})
        self.assertEqual(r.status, 200)
        self.assertTrue(r.header("Content-Type").startswith("text/plain"))
        return {f.name: f for f in text_string_to_metric_families(r.body.decode())}

    def sample(self, families, family, name, **labels):
        for s in families[family].samples:
            if s.name == name and all(s.labels.get(k) == v for k, v in labels.items()):
                return s.value
        return 0.0

    def test_counts_follow_requests(self):
        before = self.scrape()
        put_before = self.sample(before, "xs3_requests", "xs3_requests_total", operation="PutObject",
                                 bucket_type="general_purpose", status="200")
        self.assertEqual(self.raw.put("met", "a.txt", b"x" * 1000).status, 200)
        self.assertEqual(self.raw.get("met", "a.txt").status, 200)
        self.assertEqual(self.raw.get("met", "missing").status, 404)
        for i in range(6):  # a 2/s write limit on the directory bucket: some SlowDown
            s = h.sign_v4("PUT", f"/met--use1-az4--x-s3/k{i}", (), {"host": self.server.host}, "UNSIGNED-PAYLOAD",
                          service="s3express")
            h.raw_request(self.server.port, "PUT", f"/met--use1-az4--x-s3/k{i}", s.headers, b"y")
        s = h.sign_v4("GET", "/met--use1-az4--x-s3", [("session", "")], {"host": self.server.host}, h.EMPTY_SHA256,
                      service="s3express")
        self.assertEqual(h.raw_request(self.server.port, "GET", "/met--use1-az4--x-s3?session=", s.headers).status, 200)
        # The server counts a request after its response is written, so the client can see the answer a
        # moment before the counters do; wait for the last request's count rather than race it.
        deadline = time.monotonic() + 5
        after = self.scrape()
        while (self.sample(after, "xs3_sessions_created", "xs3_sessions_created_total") < 1
               or self.sample(after, "xs3_requests", "xs3_requests_total", operation="GetObject", status="404") < 1
               or self.sample(after, "xs3_requests", "xs3_requests_total", operation="PutObject",
                              bucket_type="general_purpose", status="200") < put_before + 1
               or self.sample(after, "xs3_requests", "xs3_requests_total", operation="PutObject",
                              bucket_type="directory", status="200") < 2
               or self.sample(after, "xs3_throttled_requests", "xs3_throttled_requests_total") < 3) \
                and time.monotonic() < deadline:
            time.sleep(0.02)
            after = self.scrape()
        self.assertGreaterEqual(self.sample(after, "xs3_sessions_created", "xs3_sessions_created_total"), 1)
        self.assertEqual(self.sample(after, "xs3_requests", "xs3_requests_total", operation="PutObject",
                                     bucket_type="general_purpose", status="200"), put_before + 1)
        self.assertEqual(self.sample(after, "xs3_requests", "xs3_requests_total", operation="PutObject",
                                     bucket_type="directory", status="200"), 2)
        self.assertGreaterEqual(self.sample(after, "xs3_requests", "xs3_requests_total", operation="GetObject",
                                            status="200"), 1)
        self.assertGreaterEqual(self.sample(after, "xs3_requests", "xs3_requests_total", operation="GetObject",
                                            status="404"), 1)
        self.assertGreaterEqual(self.sample(after, "xs3_throttled_requests", "xs3_throttled_requests_total"), 3)
        self.assertGreaterEqual(self.sample(after, "xs3_request_bytes", "xs3_request_bytes_total"), 1000)
        self.assertGreaterEqual(self.sample(after, "xs3_response_bytes", "xs3_response_bytes_total"), 1000)
        self.assertGreaterEqual(self.sample(after, "xs3_open_connections", "xs3_open_connections"), 1)
        count = self.sample(after, "xs3_request_seconds", "xs3_request_seconds_count")
        inf = self.sample(after, "xs3_request_seconds", "xs3_request_seconds_bucket", le="+Inf")
        self.assertEqual(count, inf)
        self.assertGreater(count, 0)
        self.assertEqual(after["xs3_first_byte_seconds"].type, "histogram")
        batches = self.sample(after, "xs3_group_commit_batches", "xs3_group_commit_batches_total")
        mutations = self.sample(after, "xs3_group_commit_mutations", "xs3_group_commit_mutations_total")
        self.assertGreaterEqual(mutations, batches)
        self.assertGreater(batches, 0)
        self.assertGreater(self.sample(after, "xs3_lmdb_map_used_bytes", "xs3_lmdb_map_used_bytes"), 0)
        self.assertEqual(self.sample(after, "xs3_writes_stopped", "xs3_writes_stopped"), 0)

    def test_health_and_signed_paths_still_name_buckets(self):
        self.assertEqual(h.raw_request(self.server.port, "GET", "/health", {"host": self.server.host}).status, 200)
        ready = h.raw_request(self.server.port, "GET", "/ready", {"host": self.server.host})
        self.assertEqual((ready.status, ready.body), (200, b"ready\n"))
        # Signed, /metrics is ListObjects on a bucket called "metrics".
        self.assertEqual(self.raw.create_bucket("metrics").status, 200)
        r = self.raw.request("GET", "/metrics")
        self.assertEqual(r.status, 200)
        self.assertIn(b"<ListBucketResult", r.body)


class AccessLogAndZones(unittest.TestCase):
    def test_access_log_lines_and_cross_zone_latency(self):
        server = h.Server(env={"XS3_BUCKETS": "near--use1-az4--x-s3,far--use1-az5--x-s3,logged"},
                          extra_args=["--home-zone", "use1-az4", "--cross-zone-latency-ms", "40-40"])
        log_path = os.path.join(server.base_dir, "access.log")
        server.extra_args += ["--access-log", log_path]
        try:
            server.start()
            client = h.Client(server)
            r = client.put("logged", "dir/a b.txt", b"hello")
            self.assertEqual(r.status, 200)
            request_id = r.header("x-amz-request-id")
            self.assertEqual(client.get("logged", "nope").status, 404)

            def head_ms(bucket):
                s = h.sign_v4("HEAD", f"/{bucket}", (), {"host": server.host}, h.EMPTY_SHA256, service="s3express")
                t = time.monotonic()
                self.assertEqual(h.raw_request(server.port, "HEAD", f"/{bucket}", s.headers).status, 200)
                return (time.monotonic() - t) * 1000

            near = sorted(head_ms("near--use1-az4--x-s3") for _ in range(5))[2]
            far = sorted(head_ms("far--use1-az5--x-s3") for _ in range(5))[2]
            self.assertGreaterEqual(far - near, 30, f"near {near:.1f} ms, far {far:.1f} ms")
        finally:
            server.stop()
        with open(log_path) as f:
            lines = [json.loads(line) for line in f]
        put = [l for l in lines if l["request_id"] == request_id]
        self.assertEqual(len(put), 1)
        self.assertEqual((put[0]["operation"], put[0]["status"], put[0]["bucket"], put[0]["key"], put[0]["principal"],
                          put[0]["bytes_in"]), ("PutObject", 200, "logged", "dir/a b.txt", "root", 5))
        self.assertTrue(any(l["operation"] == "GetObject" and l["status"] == 404 for l in lines))
        self.assertTrue(all({"time", "latency_ms", "remote", "method"} <= set(l) for l in lines))
        server.cleanup()


if __name__ == "__main__":
    h.main()
