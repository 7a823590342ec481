"""conformance.rate_limits: past a directory bucket's configured request rate xs3 answers
503 SlowDown (exact XML, nothing changed), and boto3's standard retry mode gets every request
through; a general-purpose prefix limit throttles one prefix, not its neighbours."""

import concurrent.futures
import os
import sys
import unittest

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import xs3harness as h  # noqa: E402

import boto3  # noqa: E402
from botocore.config import Config  # noqa: E402

D = "throttled--use1-az4--x-s3"


class RateLimits(h.ServerTestCase):
    server_kwargs = {"extra_args": ["--directory-writes-per-s", "20", "--prefix-rate-limits", "on",
                                    "--prefix-writes-per-s", "10"],
                     "env": {"XS3_BUCKETS": f"{D},gp-throttled"}}

    def test_slowdown_answer_is_exact_and_changes_nothing(self):
        statuses = []
        for i in range(60):
            s = h.sign_v4("PUT", f"/{D}/raw/{i}", (), {"host": self.server.host}, "UNSIGNED-PAYLOAD",
                          service="s3express")
            r = h.raw_request(self.server.port, "PUT", f"/{D}/raw/{i}", s.headers, b"x")
            statuses.append(r.status)
            if r.status == 503:
                self.assertEqual(r.error_code(), "SlowDown")
                self.assertIn(b"<Message>Please reduce your request rate.</Message>", r.body)
                self.assertIn(b"<RequestId>", r.body)
                g = h.sign_v4("HEAD", f"/{D}/raw/{i}", (), {"host": self.server.host}, h.EMPTY_SHA256,
                              service="s3express")
                self.assertEqual(h.raw_request(self.server.port, "HEAD", f"/{D}/raw/{i}", g.headers).status, 404)
        self.assertIn(503, statuses)
        self.assertGreaterEqual(statuses.count(200), 20)
        # Reads have their own (default, far higher) limit.
        g = h.sign_v4("GET", f"/{D}/raw/0", (), {"host": self.server.host}, h.EMPTY_SHA256, service="s3express")
        self.assertEqual(h.raw_request(self.server.port, "GET", f"/{D}/raw/0", g.headers).status, 200)

    def test_boto3_standard_retries_get_through(self):
        s3 = boto3.client("s3", endpoint_url=self.server.endpoint, aws_access_key_id=h.ROOT_ACCESS_KEY,
                          aws_secret_access_key=h.ROOT_SECRET_KEY,
                          config=Config(region_name=h.REGION, s3={"addressing_style": "path"},
                                        retries={"mode": "standard", "max_attempts": 10}, max_pool_connections=16))
        with concurrent.futures.ThreadPoolExecutor(8) as pool:
            results = list(pool.map(lambda i: s3.put_object(Bucket="gp-throttled", Key=f"hot/{i}", Body=b"v"),
                                    range(40)))
        retried = sum(r["ResponseMetadata"]["RetryAttempts"] for r in results)
        self.assertGreater(retried, 0, "the 10/s prefix limit never answered SlowDown")
        keys = [c["Key"] for p in s3.get_paginator("list_objects_v2").paginate(Bucket="gp-throttled", Prefix="hot/")
                for c in p.get("Contents", [])]
        self.assertEqual(len(keys), 40)
        # Another prefix is another partition: not throttled by the hot one.
        s3.put_object(Bucket="gp-throttled", Key="cold/1", Body=b"v")


class PerBucketLimits(h.ServerTestCase):
    server_kwargs = {"config": {"bucket_limits": {"tight": {"writes_per_s": 3}}}, "env": {"XS3_BUCKETS": "tight,loose"}}

    def test_a_bucket_override_limits_only_that_bucket(self):
        tight = [self.raw.put("tight", f"p/k{i}", b"x").status for i in range(12)]  # one prefix
        loose = [self.raw.put("loose", f"p/k{i}", b"x").status for i in range(12)]
        self.assertIn(503, tight)
        self.assertLessEqual(tight.count(200), 5)
        self.assertEqual(loose, [200] * 12)


if __name__ == "__main__":
    h.main()
