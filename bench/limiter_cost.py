#!/usr/bin/env python3
"""What the request-rate limiter costs: GET throughput of one small object in a directory bucket
with limits on (AWS defaults, never reached) against the same server build with limits off,
interleaved rounds, medians, ratio (1.00 = free).

  python3 bench/limiter_cost.py --xs3d build/server/xs3d [--rounds 5] [--duration 5]
"""
import argparse
import os
import shutil
import statistics
import sys

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "..", "conformance-tests", "python"))
sys.path.insert(0, os.path.dirname(__file__))
import xs3harness as h  # noqa: E402
from get_vs_nginx import wrk  # noqa: E402

B = "bench--use1-az4--x-s3"


def serve(limits):
    server = h.Server(extra_args=["--rate-limits", limits], env={"XS3_BUCKETS": B}).start()
    s = h.sign_v4("PUT", f"/{B}/obj", (), {"host": server.host, "content-length": "4096"}, "UNSIGNED-PAYLOAD",
                  service="s3express")
    assert h.raw_request(server.port, "PUT", f"/{B}/obj", s.headers, os.urandom(4096)).status == 200
    # Static-key presigned URL (scope s3express): what the limiter sees is the bucket, not the auth.
    url = f"http://127.0.0.1:{server.port}" + h.presign_v4("GET", server.host, f"/{B}/obj", expires=3600)
    return server, url


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--xs3d", default="build/server/xs3d")
    ap.add_argument("--rounds", type=int, default=5)
    ap.add_argument("--duration", type=int, default=5)
    args = ap.parse_args()
    if not shutil.which("wrk"):
        raise SystemExit("needs wrk (apt-get install wrk)")
    os.environ["XS3D"] = os.path.abspath(args.xs3d)
    on, on_url = serve("on")
    off, off_url = serve("off")
    try:
        r_on, r_off = [], []
        for _ in range(args.rounds):
            r_on.append(wrk(on_url, 2, 32, args.duration)[0])
            r_off.append(wrk(off_url, 2, 32, args.duration)[0])
    finally:
        for s in (on, off):
            s.stop(check=False)
            s.cleanup()
    m_on, m_off = statistics.median(r_on), statistics.median(r_off)
    print(f"GET 4 KiB, directory bucket, 32 connections, median of {args.rounds} x {args.duration}s")
    print(f"limits on {m_on:.0f} req/s, limits off {m_off:.0f} req/s, ratio {m_on / m_off:.3f}")


if __name__ == "__main__":
    main()
