#!/usr/bin/env python3
"""GET throughput and latency of xs3 against nginx serving the same bytes, side by side.

Starts a fresh xs3d (relaxed durability, temp data dir) and an nginx on loopback, stores one
object per size in both, and runs wrk against a presigned xs3 URL and the nginx URL, several
rounds interleaved. Prints medians and the xs3/nginx ratio. Bounded: every wrk run is
--duration seconds; both servers are stopped at the end.

  python3 bench/get_vs_nginx.py --xs3d build/server/xs3d [--sizes 4096,1048576] [--rounds 5]
"""
import argparse
import os
import re
import shutil
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import time

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "..", "conformance-tests", "python"))
import xs3harness as h  # noqa: E402


def free_port():
    s = socket.socket()
    s.bind(("127.0.0.1", 0))
    port = s.getsockname()[1]
    s.close()
    return port


def wrk(url, threads, connections, duration):
    out = subprocess.run(["wrk", "-t", str(threads), "-c", str(connections), "-d", f"{duration}s", "--latency",
                          "-s", os.path.join(os.path.dirname(__file__), "report_errors.lua"), url],
                         capture_output=True, text=True, timeout=duration + 30).stdout
    rps = float(re.search(r"Requests/sec:\s+([\d.]+)", out).group(1))
    def ms(label):
        m = re.search(label + r"\s+([\d.]+)(us|ms|s)", out)
        v = float(m.group(1))
        return v / 1000 if m.group(2) == "us" else v * 1000 if m.group(2) == "s" else v
    errors = re.search(r"Non-2xx or 3xx responses: (\d+)", out)
    if errors:
        raise SystemExit(f"wrk saw {errors.group(1)} error responses from {url}\n{out}")
    return rps, ms("50%"), ms("99%")


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--xs3d", default="build/server/xs3d")
    ap.add_argument("--sizes", default="4096,1048576")
    ap.add_argument("--rounds", type=int, default=5)
    ap.add_argument("--duration", type=int, default=5)
    ap.add_argument("--threads", type=int, default=2)
    ap.add_argument("--connections", type=int, default=32)
    args = ap.parse_args()
    if not shutil.which("wrk") or not shutil.which("nginx"):
        raise SystemExit("needs wrk and nginx (apt-get install wrk nginx-light)")
    os.environ["XS3D"] = os.path.abspath(args.xs3d)

    work = tempfile.mkdtemp(prefix="xs3-bench-")
    os.chmod(work, 0o755)  # nginx workers run as an unprivileged user
    www = os.path.join(work, "www", "bench")
    os.makedirs(www, mode=0o755)
    nginx_port = free_port()
    conf = os.path.join(work, "nginx.conf")
    with open(conf, "w") as f:
        f.write(f"""worker_processes 2; pid {work}/nginx.pid; error_log {work}/error.log; daemon off;
events {{ worker_connections 1024; }}
http {{ access_log off; sendfile on; tcp_nopush on; keepalive_requests 1000000;
  server {{ listen 127.0.0.1:{nginx_port}; root {work}/www; }} }}
""")
    nginx = subprocess.Popen(["nginx", "-c", conf, "-p", work], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    server = h.Server(durability="relaxed").start()
    try:
        client = h.Client(server)
        assert client.create_bucket("bench").status == 200
        results = []
        for size in [int(s) for s in args.sizes.split(",")]:
            body = os.urandom(size)
            key = f"obj-{size}"
            assert client.put("bench", key, body).status == 200
            with open(os.path.join(www, key), "wb") as f:
                f.write(body)
            os.chmod(os.path.join(www, key), 0o644)
            xs3_url = f"http://127.0.0.1:{server.port}" + h.presign_v4("GET", server.host, f"/bench/{key}", expires=3600)
            nginx_url = f"http://127.0.0.1:{nginx_port}/bench/{key}"
            x, n = [], []
            for _ in range(args.rounds):  # interleaved, so drift on a shared machine hits both
                x.append(wrk(xs3_url, args.threads, args.connections, args.duration))
                n.append(wrk(nginx_url, args.threads, args.connections, args.duration))
            med = lambda runs, i: statistics.median(r[i] for r in runs)
            results.append((size, med(x, 0), med(n, 0), med(x, 1), med(n, 1), med(x, 2), med(n, 2)))
        print(f"GET, {args.connections} connections, {args.threads} wrk threads, median of {args.rounds} x {args.duration}s")
        print(f"{'size':>9} {'xs3 req/s':>11} {'nginx req/s':>12} {'ratio':>6} {'xs3 p50 ms':>11} {'nginx p50':>10} {'xs3 p99 ms':>11} {'nginx p99':>10}")
        for size, xr, nr, xp50, np50, xp99, np99 in results:
            print(f"{size:>9} {xr:>11.0f} {nr:>12.0f} {xr / nr:>6.2f} {xp50:>11.3f} {np50:>10.3f} {xp99:>11.3f} {np99:>10.3f}")
    finally:
        server.stop(check=False)
        server.cleanup()
        nginx.send_signal(signal.SIGQUIT)
        try:
            nginx.wait(10)
        except subprocess.TimeoutExpired:
            nginx.kill()
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
