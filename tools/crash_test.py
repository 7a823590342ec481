#!/usr/bin/env python3
"""Crash test: SIGKILL xs3d under a mixed write workload, restart it, check every acknowledged write.

    XS3D=build/server/xs3d XS3_CLI=build/tools/xs3 python3 tools/crash_test.py --cycles 1000

Each cycle: several workers run tools/xs3workload.py's mixed operations (PUT small/large,
multipart complete, append, rename, delete, copy; general-purpose and directory bucket) against
xs3d --durability fsync; after a random delay the server is SIGKILLed; it is restarted on the same
data dir and, before any new write:
  * every key the model knows and every key ListObjectsV2 shows is read (GET + HEAD with
    x-amz-checksum-mode: ENABLED): an acknowledged version must be there byte for byte with its
    Content-Type, user metadata and a CRC32 that matches the bytes; an acknowledged delete or
    rename source must stay gone; the one in-flight operation of each worker must have happened
    entirely or not at all (a rename both or neither); nothing else may be listed;
  * `xs3 fsck --blobs-only` (LMDB opened read-only) must find no orphan blob, no missing blob and an empty tmp/.
Exits 0 and prints the totals when every cycle passed; 1 at the first failed check.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import signal
import subprocess
import sys
import threading
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import xs3workload as wl  # noqa: E402
from xs3workload import h  # noqa: E402


class CrashCheckFailed(AssertionError):
    pass


def cli_path():
    path = os.environ.get("XS3_CLI")
    if not path:
        guess = os.path.join(os.path.dirname(h.xs3d_path()), "..", "tools", "xs3")
        path = guess if os.path.exists(guess) else None
    if not path:
        raise RuntimeError("XS3_CLI is not set: point it at build/tools/xs3")
    return path


def list_all(api, bucket):
    keys, token = [], None
    while True:
        q = [("list-type", "2"), ("encoding-type", "url")]
        if token:
            q.append(("continuation-token", token))
        r = api.call("GET", bucket, query=q)
        if r.status != 200:
            raise CrashCheckFailed(f"ListObjectsV2 {bucket}: {r}")
        root = r.xml()
        keys += [wl.urllib.parse.unquote(c.findtext("Key")) for c in root.findall("Contents")]
        if root.findtext("IsTruncated") != "true":
            return keys
        token = root.findtext("NextContinuationToken")


def observe(api, bk):
    r = api.call("GET", bk[0], bk[1])
    if r.status == 404:
        head = api.call("HEAD", bk[0], bk[1])
        if head.status != 404:
            raise CrashCheckFailed(f"{bk}: GET 404 but HEAD {head.status}")
        return None
    if r.status != 200:
        raise CrashCheckFailed(f"GET {bk}: {r}")
    head = api.call("HEAD", bk[0], bk[1], headers={"x-amz-checksum-mode": "ENABLED"})
    if head.status != 200:
        raise CrashCheckFailed(f"HEAD {bk} after GET 200: {head.status}")
    o = wl.Observed(r.body, head)
    if o.crc32 != o.body_crc32:
        raise CrashCheckFailed(f"{bk}: stored CRC32 {o.crc32} does not match the bytes ({o.body_crc32})")
    if o.head_length != o.size:
        raise CrashCheckFailed(f"{bk}: HEAD Content-Length {o.head_length} != GET body {o.size}")
    return o


def verify(server, model, stats):
    """Checks the restarted server against the model; then makes the observed state the model's."""
    api = wl.Api(server)
    try:
        listed = {b: set(list_all(api, b)) for b in (wl.GP_BUCKET, wl.DIR_BUCKET)}
        keys = set(model.acked)
        for _op, effects in model.pending.values():
            keys.update(bk for bk, _ in effects)
        for b, names in listed.items():
            keys.update((b, k) for k in names)
        seen = {bk: observe(api, bk) for bk in sorted(keys)}
    finally:
        api.close()

    for b, names in listed.items():
        present = {k for (bb, k), o in seen.items() if bb == b and o is not None}
        if names != present:
            raise CrashCheckFailed(f"{b}: listing and GETs disagree: only listed {sorted(names - present)[:5]}, "
                                   f"only readable {sorted(present - names)[:5]}")
    in_flight = set()
    for tid, (op, effects) in sorted(model.pending.items()):
        done = all(wl.matches(new, seen[bk]) for bk, new in effects)
        not_done = all(wl.matches(model.acked.get(bk), seen[bk]) for bk, _ in effects)
        if not (done or not_done):
            detail = "; ".join(f"{bk}: before {model.acked.get(bk)!r}, after-op {new!r}, seen {seen[bk]!r}"
                               for bk, new in effects)
            raise CrashCheckFailed(f"in-flight {op} of worker {tid} is half done: {detail}")
        stats["inflight_done" if done and not not_done else
              "inflight_not_done" if not_done and not done else "inflight_either"] += 1
        in_flight.update(bk for bk, _ in effects)
    for bk, o in seen.items():
        if bk in in_flight:
            continue
        want = model.acked.get(bk)
        if not wl.matches(want, o):
            stats["lost"] += 1
            raise CrashCheckFailed(f"{bk}: acknowledged {want!r}, found {o!r}")
    stats["objects_checked"] += sum(1 for o in seen.values() if o is not None)
    stats["absent_checked"] += sum(1 for o in seen.values() if o is None)
    # The observed state is now the truth (in-flight ops resolved one way or the other).
    for bk, o in seen.items():
        if o is None:
            model.acked[bk] = None
        elif not wl.matches(model.acked.get(bk), o):
            for _op, effects in model.pending.values():
                for k, new in effects:
                    if k == bk and wl.matches(new, o):
                        model.acked[bk] = new
    model.pending.clear()


def abort_uploads(server, stats):
    """Uploads the kills interrupted: they must still be listed and abortable (their parts are
    referenced blobs, not orphans); aborting them keeps a long run's disk use bounded."""
    api = wl.Api(server)
    try:
        for b in (wl.GP_BUCKET, wl.DIR_BUCKET):
            r = api.call("GET", b, query=[("uploads", None)])
            if r.status != 200:
                raise CrashCheckFailed(f"ListMultipartUploads {b}: {r}")
            for u in r.xml().findall("Upload"):
                key, upload_id = u.findtext("Key"), u.findtext("UploadId")
                d = api.call("DELETE", b, key, query=[("uploadId", upload_id)])
                if d.status != 204:
                    raise CrashCheckFailed(f"AbortMultipartUpload {b}/{key}: {d}")
                stats["uploads_aborted"] = stats.get("uploads_aborted", 0) + 1
    finally:
        api.close()


def audit(server, stats):
    p = subprocess.run([cli_path(), "--json", "fsck", "--blobs-only", "--data-dir", server.data_dir],
                       stdout=subprocess.PIPE, stderr=subprocess.PIPE, timeout=120)
    if p.returncode not in (0, 1):
        raise CrashCheckFailed(f"xs3 fsck failed: {p.stderr.decode()}")
    result = json.loads(p.stdout)
    stats["blobs_checked"] += result["blobs_referenced"]
    if result["orphan_blobs"] or result["missing_blobs"] or result["tmp_files"]:
        raise CrashCheckFailed(f"after recovery: {len(result['orphan_blobs'])} orphan blob(s), "
                               f"{len(result['missing_blobs'])} missing, {result['tmp_files']} tmp file(s): {result}")


def run(cycles, workers, min_s, max_s, seed, log=print, large_max=1024 * 1024):
    rnd = random.Random(seed)
    server = h.Server(durability="fsync")
    stats = {"cycles": 0, "objects_checked": 0, "absent_checked": 0, "blobs_checked": 0, "lost": 0,
             "inflight_done": 0, "inflight_not_done": 0, "inflight_either": 0}
    model = wl.Model()
    started = time.monotonic()
    try:
        server.start()
        wl.create_buckets(server)
        for cycle in range(1, cycles + 1):
            stop = threading.Event()
            ws = [wl.Worker(t, server, model, seed=rnd.randrange(1 << 40), large_max=large_max)
                  for t in range(workers)]
            threads = [threading.Thread(target=w.run, args=(stop,), daemon=True) for w in ws]
            for t in threads:
                t.start()
            time.sleep(rnd.uniform(min_s, max_s))
            server.kill9()
            stop.set()
            for t in threads:
                t.join(60)
                if t.is_alive():
                    raise CrashCheckFailed("a worker did not stop after the kill")
            if model.errors:
                raise CrashCheckFailed(f"unexpected responses before the kill: {model.errors[:5]}")
            server.start()
            audit(server, stats)
            verify(server, model, stats)
            abort_uploads(server, stats)
            stats["cycles"] = cycle
            if cycle % 10 == 0 or cycle == cycles:
                ops = ", ".join(f"{k} {v}" for k, v in sorted(model.counts.items()))
                log(f"cycle {cycle}/{cycles} ({time.monotonic() - started:.0f} s): acknowledged {ops}; "
                    f"{json.dumps(stats)}")
        server.stop()
        audit(server, stats)
    except BaseException:
        log(f"server log tail:\n{server.log_tail(30)}")
        raise
    finally:
        server.cleanup()
    stats["acknowledged"] = dict(sorted(model.counts.items()))
    stats["seconds"] = round(time.monotonic() - started, 1)
    return stats


def self_check(log=print):
    """Negative controls: the checks above must catch a lost write, a changed object, a half-done
    rename and an orphan blob. Returns the list of controls that were NOT caught (empty = good)."""
    server = h.Server(durability="fsync")
    missed = []
    try:
        server.start()
        wl.create_buckets(server)
        model = wl.Model()
        api = wl.Api(server)

        def put(bk, data, ct="text/plain"):
            v = wl.Version([], ct, {}, body=data)
            r = api.call("PUT", bk[0], bk[1], headers={"Content-Type": ct, "x-amz-checksum-crc32": v.crc32},
                         body=data)
            assert r.status == 200, r
            return v

        a, b, c = (wl.DIR_BUCKET, "w0/d0/a"), (wl.DIR_BUCKET, "w0/d0/b"), (wl.GP_BUCKET, "w0/c")
        model.acked[a] = put(a, b"alpha" * 1000)
        model.acked[b] = None
        model.acked[c] = put(c, os.urandom(200_000))

        def expect_caught(name, tamper, undo, check=lambda: verify(server, model, _stats())):
            tamper()
            try:
                check()
                missed.append(name)
            except CrashCheckFailed as e:
                log(f"negative control '{name}' caught: {str(e)[:160]}")
            undo()

        saved_c = model.acked[c]
        expect_caught("lost acknowledged object", lambda: api.call("DELETE", c[0], c[1]),
                      lambda: put(c, b"restored") and model.acked.update({c: wl.Version([], "text/plain", {},
                                                                                      body=b"restored")}))
        expect_caught("changed bytes", lambda: put(c, b"restorEd"), lambda: put(c, b"restored"))
        expect_caught("changed content-type", lambda: put(c, b"restored", ct="text/html"),
                      lambda: put(c, b"restored"))
        del saved_c

        def half_rename():  # the model says a rename a -> b was in flight; only its delete happened
            model.pending[0] = ("rename", [(a, None), (b, model.acked[a])])
            api.call("DELETE", a[0], a[1])
        expect_caught("half-done rename", half_rename, lambda: model.pending.clear())

        model.acked[a] = None
        verify(server, model, _stats())  # consistent again
        stray = os.path.join(server.data_dir, "blobs", "00", "11", "00112233445566778899aabbccddeeff")
        os.makedirs(os.path.dirname(stray), exist_ok=True)
        expect_caught("orphan blob", lambda: open(stray, "wb").close(), lambda: os.remove(stray),
                      check=lambda: audit(server, _stats()))
        api.close()
        server.stop()
    finally:
        server.cleanup()
    return missed


def _stats():
    return {k: 0 for k in ("objects_checked", "absent_checked", "blobs_checked", "lost", "inflight_done",
                           "inflight_not_done", "inflight_either")}


def main():
    # A SIGTERM (timeout, ctest, kill) unwinds through the finally blocks that stop xs3d.
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(143))
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--cycles", type=int, default=50)
    ap.add_argument("--workers", type=int, default=6)
    ap.add_argument("--min-seconds", type=float, default=0.2, help="shortest load before a kill")
    ap.add_argument("--max-seconds", type=float, default=1.5, help="longest load before a kill")
    ap.add_argument("--large-max", type=int, default=1024 * 1024, help="largest single-PUT body")
    ap.add_argument("--seed", type=int, default=int(time.time()))
    ap.add_argument("--self-check", action="store_true", help="only run the negative controls")
    a = ap.parse_args()
    if a.self_check:
        missed = self_check()
        print("self-check " + ("PASSED" if not missed else f"FAILED: not caught: {missed}"), flush=True)
        return 0 if not missed else 1
    print(f"crash test: {a.cycles} cycles, {a.workers} workers, seed {a.seed}", flush=True)
    try:
        stats = run(a.cycles, a.workers, a.min_seconds, a.max_seconds, a.seed,
                    log=lambda m: print(m, flush=True), large_max=a.large_max)
    except CrashCheckFailed as e:
        print(f"FAILED (seed {a.seed}): {e}", flush=True)
        return 1
    print("PASSED " + json.dumps(stats), flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
