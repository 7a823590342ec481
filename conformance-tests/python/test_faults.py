"""conformance.faults: injected faults for CI. A schedule from the config file (SlowDown for
the first N matching requests), the runtime admin endpoint /_xs3/faults (root only), replay of a
seeded probabilistic schedule, connection resets, added latency, and boto3 retrying through."""

import json
import os
import sys
import time
import unittest

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import xs3harness as h  # noqa: E402

BOB = {"name": "bob", "access_key": "BOBKEY", "secret_key": "BOBSECRET"}
START_SCHEDULE = {"seed": 7, "rules": [{"bucket": "fbk", "operation": "PutObject", "prefix": "slow/",
                                        "fault": "SlowDown", "count": 2}]}


class Faults(h.ServerTestCase):
    server_kwargs = {"config": {"users": [BOB], "faults": START_SCHEDULE}, "env": {"XS3_BUCKETS": "fbk"}}

    def admin(self, method, body=b"", client=None):
        return (client or self.raw).request(method, "/_xs3/faults", body=body)

    def test_1_schedule_from_config_fires_count_times(self):
        statuses = [self.raw.put("fbk", f"slow/{i}", b"x").status for i in range(4)]
        self.assertEqual(statuses, [503, 503, 200, 200])
        r = self.raw.put("fbk", "fast/0", b"x")
        self.assertEqual(r.status, 200)
        self.assertEqual(self.raw.head("fbk", "slow/0").status, 404)  # refused writes changed nothing
        shown = json.loads(self.admin("GET").body)
        self.assertEqual(shown["rules"][0]["fired"], 2)

    def test_2_admin_endpoint_is_root_only(self):
        bob = h.Client(self.server, access_key="BOBKEY", secret_key="BOBSECRET")
        self.assertEqual(self.admin("GET", client=bob).status, 403)
        self.assertEqual(self.admin("PUT", b'{"rules":[]}', client=bob).status, 403)
        r = h.raw_request(self.server.port, "GET", "/_xs3/faults", {"host": self.server.host})
        self.assertEqual(r.status, 403)
        r = self.admin("PUT", b'{"rules":[{"fault":"explode"}]}')
        self.assertEqual((r.status, r.error_code()), (400, "InvalidArgument"))

    def test_3_seeded_schedule_replays(self):
        schedule = json.dumps({"seed": 42, "rules": [{"bucket": "fbk", "operation": "GetObject",
                                                      "fault": "InternalError", "probability": 0.5}]}).encode()
        self.raw.put("fbk", "obj", b"v")
        runs = []
        for _ in range(2):
            self.assertEqual(self.admin("PUT", schedule).status, 204)
            runs.append([self.raw.get("fbk", "obj").status for _ in range(24)])
        self.assertEqual(runs[0], runs[1])
        self.assertIn(500, runs[0])
        self.assertIn(200, runs[0])
        self.assertEqual(self.admin("DELETE").status, 204)
        self.assertEqual([self.raw.get("fbk", "obj").status for _ in range(5)], [200] * 5)

    def test_4_reset_and_latency(self):
        self.raw.put("fbk", "r/obj", b"v")
        self.admin("PUT", json.dumps({"rules": [
            {"bucket": "fbk", "prefix": "r/", "operation": "GetObject", "fault": "reset", "count": 1},
            {"bucket": "fbk", "prefix": "l/", "fault": "latency", "latency_ms": 150}]}).encode())
        with self.assertRaises((ConnectionError, OSError)):
            self.raw.get("fbk", "r/obj")
        self.assertEqual(self.raw.get("fbk", "r/obj").status, 200)
        t = time.monotonic()
        self.assertEqual(self.raw.put("fbk", "l/obj", b"v").status, 200)
        self.assertGreaterEqual(time.monotonic() - t, 0.14)
        self.admin("DELETE")

    def test_5_boto3_retries_through_internal_errors(self):
        import boto3
        from botocore.config import Config
        self.admin("PUT", json.dumps({"seed": 3, "rules": [{"bucket": "fbk", "operation": "PutObject",
                                                             "fault": "InternalError", "probability": 0.3}]}).encode())
        s3 = boto3.client("s3", endpoint_url=self.server.endpoint, aws_access_key_id=h.ROOT_ACCESS_KEY,
                          aws_secret_access_key=h.ROOT_SECRET_KEY,
                          config=Config(region_name=h.REGION, s3={"addressing_style": "path"},
                                        retries={"mode": "standard", "max_attempts": 10}))
        retried = 0
        for i in range(20):
            r = s3.put_object(Bucket="fbk", Key=f"retry/{i}", Body=b"v")
            retried += r["ResponseMetadata"]["RetryAttempts"]
        self.assertGreater(retried, 0)
        self.admin("DELETE")


if __name__ == "__main__":
    h.main()
