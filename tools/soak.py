#!/usr/bin/env python3
"""Saturation soak: mixed load on loopback for N minutes; 0 errors and a flat RSS, or exit 1.

    XS3D=build/server/xs3d python3 tools/soak.py --minutes 10

Starts one xs3d (--durability fsync, its own temp data dir) and --processes client processes of
--threads workers each (tools/xs3workload.py: PUT small/large, multipart, append, rename, copy,
delete on a general-purpose and a directory bucket, plus GETs that must return exactly the last
acknowledged bytes), all as fast as they can go. Every non-2xx answer, lost connection or wrong
body is an error. xs3d's RSS (/proc/<pid>/status VmRSS) is sampled every 5 s.

Pass: 0 errors, and the largest RSS of the last minute is within --rss-margin (fraction, default
0.10, or 16 MiB if larger) of the largest RSS of minute 2 (minute 1 is warm-up: caches, thread
stacks, LMDB pages). At the end every worker's acknowledged objects are read back and compared.
"""

from __future__ import annotations

import argparse
import json
import multiprocessing as mp
import os
import random
import sys
import threading
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import xs3workload as wl  # noqa: E402
from xs3workload import h  # noqa: E402


class _Endpoint:
    """What Api needs of a server, in a child process."""

    def __init__(self, port):
        self.port = port
        self.host = f"127.0.0.1:{port}"


def client_process(index, port, threads, seconds, seed, large_max, out):
    server = _Endpoint(port)
    model = wl.Model()
    stop = threading.Event()
    rnd = random.Random(seed)
    failures = []

    def loop(w):
        try:
            while not stop.is_set():
                w.step()
        except (OSError, wl.http.client.HTTPException) as e:
            failures.append(f"worker {w.tid}: {type(e).__name__}: {e}")
        finally:
            w.api.close()

    ws = [wl.Worker(index * 100 + t, server, model, seed=rnd.randrange(1 << 40), large_max=large_max,
                    multipart_every=200, read_fraction=0.4) for t in range(threads)]
    ts = [threading.Thread(target=loop, args=(w,), daemon=True) for w in ws]
    for t in ts:
        t.start()
    time.sleep(seconds)
    stop.set()
    for t in ts:
        t.join(120)
    # Final check: every acknowledged object of this process, byte for byte, with its metadata.
    api = wl.Api(server)
    checked = 0
    import crash_test  # noqa: E402 (same directory)
    try:
        for bk, want in sorted(model.acked.items()):
            try:
                got = crash_test.observe(api, bk)
            except crash_test.CrashCheckFailed as e:
                failures.append(str(e))
                continue
            if not wl.matches(want, got):
                failures.append(f"{bk}: acknowledged {want!r}, found {got!r}")
            checked += 1
    finally:
        api.close()
    out.put({"index": index, "counts": model.counts, "errors": model.errors + failures, "checked": checked})


def rss_kib(pid):
    with open(f"/proc/{pid}/status") as f:
        for line in f:
            if line.startswith("VmRSS:"):
                return int(line.split()[1])
    return 0


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--minutes", type=float, default=10)
    ap.add_argument("--processes", type=int, default=3)
    ap.add_argument("--threads", type=int, default=4)
    ap.add_argument("--large-max", type=int, default=512 * 1024)
    ap.add_argument("--rss-margin", type=float, default=0.10)
    ap.add_argument("--seed", type=int, default=int(time.time()))
    a = ap.parse_args()
    seconds = a.minutes * 60
    server = h.Server(durability="fsync", extra_args=["--rate-limits", "off"])
    try:
        server.start()
        wl.create_buckets(server)
        pid = server.proc.pid
        out = mp.Queue()
        procs = [mp.Process(target=client_process,
                            args=(i, server.port, a.threads, seconds, a.seed + i, a.large_max, out))
                 for i in range(a.processes)]
        started = time.monotonic()
        for p in procs:
            p.start()
        samples = []  # (seconds since start, RSS KiB)
        while any(p.is_alive() for p in procs) and time.monotonic() - started < seconds + 600:
            samples.append((round(time.monotonic() - started, 1), rss_kib(pid)))
            if len(samples) % 12 == 0:
                print(f"{samples[-1][0]:7.0f} s  RSS {samples[-1][1] / 1024:.1f} MiB", flush=True)
            time.sleep(5)
        results = []
        for _ in procs:
            results.append(out.get(timeout=600))
        for p in procs:
            p.join(60)
        server.stop()
    finally:
        server.cleanup()

    counts, errors, checked = {}, [], 0
    for r in results:
        for k, v in r["counts"].items():
            counts[k] = counts.get(k, 0) + v
        errors += r["errors"]
        checked += r["checked"]
    ops = sum(counts.values())
    load = [kib for t, kib in samples if t <= seconds]
    minute2 = [kib for t, kib in samples if 60 <= t < 120] or load[: max(1, len(load) // 5)]
    last = [kib for t, kib in samples if seconds - 60 <= t <= seconds] or load[-max(1, len(load) // 5):]
    base, end = max(minute2), max(last)
    allowed = base + max(base * a.rss_margin, 16 * 1024)
    report = {
        "minutes": a.minutes, "operations": ops, "ops_per_s": round(ops / seconds, 1), "by_op": dict(sorted(counts.items())),
        "errors": len(errors), "objects_checked_at_end": checked,
        "rss_mib": {"start": round(load[0] / 1024, 1), "minute2_max": round(base / 1024, 1),
                    "last_minute_max": round(end / 1024, 1), "overall_max": round(max(load) / 1024, 1)},
        "rss_samples_mib_per_minute": [round(max([k for t, k in samples if m * 60 <= t < (m + 1) * 60] or [0]) / 1024, 1)
                                       for m in range(int(a.minutes + 0.999))],
    }
    print(json.dumps(report, indent=1), flush=True)
    ok = True
    if errors:
        print(f"FAILED: {len(errors)} errors, first: {errors[:5]}", flush=True)
        ok = False
    if end > allowed:
        print(f"FAILED: RSS grew: last-minute max {end / 1024:.1f} MiB > minute-2 max {base / 1024:.1f} MiB + margin",
              flush=True)
        ok = False
    print("PASSED" if ok else "FAILED", flush=True)
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
