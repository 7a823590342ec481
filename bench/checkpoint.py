#!/usr/bin/env python3
"""The ML checkpoint path: write one large object as parallel multipart parts, then restore it
with parallel ranged GETs, beside the disk's own bandwidth measured in the same run.

For each durability mode (fsync, relaxed): a fresh xs3d on a temp data dir, an upload of
--size-gib GiB as --part-mib MiB parts with --parallel uploads in flight, CompleteMultipartUpload,
then --parallel ranged GETs covering the object. Reference, same filesystem: `dd` writing the
same amount with conv=fdatasync (sequential write bandwidth) and `cat` of that file from the page
cache (read bandwidth). Also the server's peak RSS (VmHWM) during the run. Medians of --rounds.

  python3 bench/checkpoint.py --xs3d build/server/xs3d [--size-gib 4] [--rounds 3]
"""
import argparse
import hashlib
import concurrent.futures
import http.client
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
import xml.etree.ElementTree as ET

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "..", "conformance-tests", "python"))
import xs3harness as h  # noqa: E402

MIB = 1024 * 1024


def request(server, method, path, query=(), headers=None, body=None, payload="UNSIGNED-PAYLOAD", sink=None):
    hdrs = {"host": server.host, **(headers or {})}
    if body is not None:
        hdrs["content-length"] = str(len(body))
    signed = h.sign_v4(method, path, query, hdrs, payload)
    target = path + ("?" + h.wire_query(query) if query else "")
    conn = http.client.HTTPConnection("127.0.0.1", server.port, timeout=600)
    conn.request(method, target, body=body, headers=signed.headers)
    resp = conn.getresponse()
    if sink is None:
        data = resp.read()
    else:
        data = b""
        while True:
            n = resp.readinto(sink)
            if not n:
                break
    conn.close()
    if resp.status >= 300:
        raise SystemExit(f"{method} {target}: {resp.status} {data[:300]}")
    return resp, data


def peak_rss_mib(pid):
    with open(f"/proc/{pid}/status") as f:
        for line in f:
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) / 1024
    return float("nan")


def run_xs3(durability, size, part, parallel, base):
    server = h.Server(durability=durability, data_dir=os.path.join(base, f"data-{durability}")).start()
    try:
        with open(f"/proc/{server.proc.pid}/clear_refs", "w") as f:
            f.write("5")
        request(server, "PUT", "/ckpt", payload=h.EMPTY_SHA256)
        _, xml = request(server, "POST", "/ckpt/model.bin", query=[("uploads", "")], payload=h.EMPTY_SHA256)
        upload_id = ET.fromstring(xml).findtext("{http://s3.amazonaws.com/doc/2006-03-01/}UploadId")
        buf = bytearray(os.urandom(part))
        parts = size // part

        def put_part(n):
            body = bytes(n.to_bytes(4, "big")) + bytes(buf[4:])
            resp, _ = request(server, "PUT", "/ckpt/model.bin", query=[("partNumber", str(n)), ("uploadId", upload_id)],
                              body=body)
            return n, resp.getheader("ETag")

        t0 = time.monotonic()
        with concurrent.futures.ThreadPoolExecutor(parallel) as pool:
            etags = sorted(pool.map(put_part, range(1, parts + 1)))
        doc = "<CompleteMultipartUpload>" + "".join(
            f"<Part><PartNumber>{n}</PartNumber><ETag>{e}</ETag></Part>" for n, e in etags) + "</CompleteMultipartUpload>"
        c0 = time.monotonic()
        request(server, "POST", "/ckpt/model.bin", query=[("uploadId", upload_id)], body=doc.encode(),
                payload=hashlib.sha256(doc.encode()).hexdigest())
        complete_ms = (time.monotonic() - c0) * 1000
        write_s = time.monotonic() - t0

        chunk = size // parallel

        def get_range(i):
            sink = bytearray(4 * MIB)
            request(server, "GET", "/ckpt/model.bin", headers={"range": f"bytes={i * chunk}-{(i + 1) * chunk - 1}"},
                    payload=h.EMPTY_SHA256, sink=memoryview(sink))

        r0 = time.monotonic()
        with concurrent.futures.ThreadPoolExecutor(parallel) as pool:
            list(pool.map(get_range, range(parallel)))
        read_s = time.monotonic() - r0
        return size / write_s / 1e9, size / read_s / 1e9, complete_ms, peak_rss_mib(server.proc.pid)
    finally:
        server.stop(check=False)
        server.cleanup()
        shutil.rmtree(os.path.join(base, f"data-{durability}"), ignore_errors=True)


def disk_reference(size, base):
    path = os.path.join(base, "dd.bin")
    t0 = time.monotonic()
    subprocess.run(["dd", "if=/dev/zero", f"of={path}", f"bs={64 * MIB}",
                    f"count={size // (64 * MIB)}", "conv=fdatasync"], check=True, capture_output=True)
    write = size / (time.monotonic() - t0) / 1e9
    t0 = time.monotonic()
    subprocess.run(f"cat {path} > /dev/null", shell=True, check=True)
    read = size / (time.monotonic() - t0) / 1e9
    os.remove(path)
    return write, read


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--xs3d", default="build/server/xs3d")
    ap.add_argument("--size-gib", type=float, default=4)
    ap.add_argument("--part-mib", type=int, default=64)
    ap.add_argument("--parallel", type=int, default=8)
    ap.add_argument("--rounds", type=int, default=3)
    ap.add_argument("--dir", default=None, help="filesystem to measure (default: a temp dir)")
    args = ap.parse_args()
    os.environ["XS3D"] = os.path.abspath(args.xs3d)
    size = int(args.size_gib * 1024) * MIB
    size -= size % (args.part_mib * MIB * args.parallel)
    base = tempfile.mkdtemp(prefix="xs3-ckpt-", dir=args.dir)
    rows = {"fsync": [], "relaxed": []}
    refs = []
    try:
        for _ in range(args.rounds):  # interleaved so machine noise hits every column alike
            refs.append(disk_reference(size, base))
            for mode in rows:
                rows[mode].append(run_xs3(mode, size, args.part_mib * MIB, args.parallel, base))
    finally:
        shutil.rmtree(base, ignore_errors=True)
    med = lambda xs, i: statistics.median(x[i] for x in xs)
    dd_w, cat_r = med(refs, 0), med(refs, 1)
    print(f"checkpoint {size / 2**30:.1f} GiB as {args.part_mib} MiB parts, {args.parallel} parallel; "
          f"median of {args.rounds}")
    print(f"disk: dd write {dd_w:.2f} GB/s (fdatasync), cat read {cat_r:.2f} GB/s (page cache)")
    print(f"{'mode':>8} {'write GB/s':>11} {'x dd':>6} {'restore GB/s':>13} {'x cat':>6} {'complete ms':>12} {'peak RSS MiB':>13}")
    for mode, rs in rows.items():
        w, r, c, rss = med(rs, 0), med(rs, 1), med(rs, 2), max(x[3] for x in rs)
        print(f"{mode:>8} {w:>11.2f} {w / dd_w:>6.2f} {r:>13.2f} {r / cat_r:>6.2f} {c:>12.1f} {rss:>13.1f}")


if __name__ == "__main__":
    main()
