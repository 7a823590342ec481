"""A mixed S3 write workload against one xs3d, with a model of what the server acknowledged.

Shared by tools/crash_test.py (SIGKILL at random moments, then check every acknowledged write)
and tools/soak.py (saturation for minutes, 0 errors allowed). Requests are signed and sent by
conformance-tests/python/xs3harness.py (SigV4 as the root user, http.client), so every byte and
status is under our control: nothing retries behind our back and "acknowledged" means exactly
"the server answered 2xx".

Each worker thread owns its keys (w<tid>/...) in both buckets, so per key the operations are
sequential: a key's state is its last acknowledged version, plus at most one in-flight operation
(the one running when the server died) that may or may not have happened, but must be atomic.

Operations: PUT small (inline, <= 64 KiB) and large (blob), multipart upload + complete
(FULL_OBJECT CRC32), append (directory bucket, x-amz-write-offset-bytes), RenameObject (directory
bucket), DeleteObject, CopyObject. Every body carries x-amz-checksum-crc32, so the stored
checksum (HEAD with x-amz-checksum-mode: ENABLED) can be checked against the bytes with zlib.
"""

from __future__ import annotations

import base64
import hashlib
import http.client
import os
import random
import sys
import threading
import urllib.parse
import zlib

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, "..", "conformance-tests", "python"))
import xs3harness as h  # noqa: E402

GP_BUCKET = "crash-gp"
DIR_BUCKET = "crash--use1-az4--x-s3"
INLINE_MAX = 64 * 1024
MIN_PART = 5 * 1024 * 1024
KEYS_PER_WORKER = 8


def body_of(recipe) -> bytes:
    """A body is the concatenation of seeded random segments: (seed, size) pairs."""
    return b"".join(random.Random(seed).randbytes(size) for seed, size in recipe)


def crc32_b64(data: bytes) -> str:
    return base64.b64encode((zlib.crc32(data) & 0xFFFFFFFF).to_bytes(4, "big")).decode()


class Version:
    """One object version: what GET and HEAD must show."""

    __slots__ = ("recipe", "size", "md5", "crc32", "content_type", "meta")

    def __init__(self, recipe, content_type, meta, body=None):
        body = body_of(recipe) if body is None else body
        self.recipe = tuple(recipe)
        self.size = len(body)
        self.md5 = hashlib.md5(body).hexdigest()
        self.crc32 = crc32_b64(body)
        self.content_type = content_type
        self.meta = dict(meta)

    def same(self, other) -> bool:
        return (other is not None and self.md5 == other.md5 and self.size == other.size
                and self.crc32 == other.crc32 and self.content_type == other.content_type
                and self.meta == other.meta)

    def __repr__(self):
        return f"<{self.size}B md5={self.md5[:8]} crc={self.crc32} ct={self.content_type} meta={self.meta}>"


class Observed:
    """An object as read back: body digest from GET, headers from HEAD (checksum mode)."""

    def __init__(self, body: bytes, head):
        self.size = len(body)
        self.md5 = hashlib.md5(body).hexdigest()
        self.body_crc32 = crc32_b64(body)
        self.crc32 = head.header("x-amz-checksum-crc32")
        self.content_type = head.header("Content-Type")
        self.meta = {k.lower()[len("x-amz-meta-"):]: v for k, v in head.headers
                     if k.lower().startswith("x-amz-meta-")}
        self.head_length = int(head.header("Content-Length", "-1"))

    def __repr__(self):
        return (f"<{self.size}B md5={self.md5[:8]} crc={self.crc32} body-crc={self.body_crc32} "
                f"ct={self.content_type} meta={self.meta}>")


def matches(version, observed) -> bool:
    """version None = absent."""
    if version is None or observed is None:
        return version is None and observed is None
    return version.same(observed)


class Api:
    """Signed requests over one keep-alive connection; reconnects after a failure."""

    def __init__(self, server):
        self.server = server
        self.conn = None

    def close(self):
        if self.conn is not None:
            self.conn.close()
        self.conn = None

    def call(self, method, bucket, key=None, query=(), headers=None, body=b"", timeout=60):
        path = h.key_path(bucket, key)
        hdrs = {"host": self.server.host}
        hdrs.update(headers or {})
        signed = h.sign_v4(method, path, list(query), hdrs, hashlib.sha256(body).hexdigest())
        target = path + ("?" + h.wire_query(list(query)) if query else "")
        if self.conn is None:
            self.conn = http.client.HTTPConnection("127.0.0.1", self.server.port, timeout=timeout)
        try:
            return h.raw_request(self.server.port, method, target, signed.headers, body, conn=self.conn)
        except BaseException:
            self.close()
            raise


class OpFailed(Exception):
    """The server answered with an unexpected status (counted as an error)."""


class Model:
    """What the server acknowledged, per (bucket, key), plus each worker's in-flight operation."""

    def __init__(self):
        self.lock = threading.Lock()
        self.acked = {}      # (bucket, key) -> Version | None
        self.pending = {}    # tid -> (op name, [((bucket, key), new Version | None)])
        self.counts = {}     # op name -> acknowledged count
        self.errors = []     # unexpected responses

    def state(self, bk):
        with self.lock:
            return self.acked.get(bk)

    def begin(self, tid, op, effects):
        with self.lock:
            self.pending[tid] = (op, effects)

    def ack(self, tid):
        with self.lock:
            op, effects = self.pending.pop(tid)
            for bk, v in effects:
                self.acked[bk] = v
            self.counts[op] = self.counts.get(op, 0) + 1

    def fail(self, tid, message):
        with self.lock:
            self.pending.pop(tid, None)
            self.errors.append(message)


class Worker:
    """One thread's operations. run() loops until stop is set or a request raises (server gone)."""

    def __init__(self, tid, server, model, seed, large_max=1024 * 1024, multipart_every=40, read_fraction=0.0):
        self.tid = tid
        self.read_fraction = read_fraction
        self.api = Api(server)
        self.model = model
        self.rnd = random.Random(seed)
        self.large_max = large_max
        self.multipart_every = multipart_every
        self.seq = 0

    def key(self, bucket, i):
        # Directory buckets get two levels; leaves (k*) never share a name with a directory (d*).
        if bucket == DIR_BUCKET:
            return f"w{self.tid}/d{i % 3}/k{i}"
        return f"w{self.tid}/k{i}"

    def new_seed(self):
        self.seq += 1
        return self.tid * 1_000_000_007 + self.seq * 7919 + self.rnd.randrange(1 << 30)

    def new_attrs(self):
        ct = self.rnd.choice(["application/octet-stream", "text/plain", f"application/x-w{self.tid}"])
        meta = {"seq": str(self.seq), "writer": f"w{self.tid}"}
        return ct, meta

    def run(self, stop: threading.Event):
        try:
            while not stop.is_set():
                self.step()
        except (OSError, http.client.HTTPException):
            pass  # the server died mid-request: the op stays pending in the model
        finally:
            self.api.close()

    def step(self):
        bucket = self.rnd.choice([GP_BUCKET, DIR_BUCKET])
        i = self.rnd.randrange(KEYS_PER_WORKER)
        bk = (bucket, self.key(bucket, i))
        cur = self.model.state(bk)
        if self.read_fraction and self.rnd.random() < self.read_fraction:
            return self.read(bk, cur)
        roll = self.rnd.random()
        if self.multipart_every and self.rnd.randrange(self.multipart_every) == 0:
            return self.multipart(bk)
        if roll < 0.30:
            return self.put(bk, self.rnd.randint(0, INLINE_MAX))
        if roll < 0.50:
            return self.put(bk, self.rnd.randint(INLINE_MAX + 1, self.large_max))
        if roll < 0.62:
            if bucket == DIR_BUCKET and cur is not None and cur.size < 2 * self.large_max:
                return self.append(bk, cur)
            return self.put(bk, self.rnd.randint(0, 4096))
        if roll < 0.72:
            j = self.rnd.randrange(KEYS_PER_WORKER)
            dst = (bucket, self.key(bucket, j))
            if bucket == DIR_BUCKET and cur is not None and j != i:
                return self.rename(bk, dst, cur)
            if cur is not None and j != i:
                return self.copy(bk, dst, cur)
            return self.delete(bk)
        if roll < 0.85:
            j = self.rnd.randrange(KEYS_PER_WORKER)
            if cur is not None and j != i:
                return self.copy(bk, (bucket, self.key(bucket, j)), cur)
            return self.put(bk, self.rnd.randint(0, INLINE_MAX))
        return self.delete(bk)

    # -- operations --------------------------------------------------------------------------
    def expect(self, r, status, what):
        if r.status != status:
            self.model.fail(self.tid, f"{what}: HTTP {r.status} {r.error_code()} {r.body[:300]!r}")
            raise OpFailed(what)

    def read(self, bk, cur):
        """GET of an own key: no other worker writes it, so it must be exactly the model's state."""
        r = self.api.call("GET", bk[0], bk[1])
        if cur is None:
            if r.status != 404:
                self.model.fail(self.tid, f"GET {bk}: expected 404, got {r.status}")
        elif r.status != 200 or hashlib.md5(r.body).hexdigest() != cur.md5:
            self.model.fail(self.tid, f"GET {bk}: HTTP {r.status}, {len(r.body)} bytes, want {cur!r}")
        with self.model.lock:
            self.model.counts["get"] = self.model.counts.get("get", 0) + 1

    def put(self, bk, size):
        recipe = [(self.new_seed(), size)]
        body = body_of(recipe)
        ct, meta = self.new_attrs()
        v = Version(recipe, ct, meta, body)
        headers = {"Content-Type": ct, "x-amz-checksum-crc32": v.crc32}
        headers.update({f"x-amz-meta-{k}": val for k, val in meta.items()})
        self.model.begin(self.tid, "put-small" if size <= INLINE_MAX else "put-large", [(bk, v)])
        try:
            self.expect(self.api.call("PUT", bk[0], bk[1], headers=headers, body=body), 200, f"PUT {bk}")
        except OpFailed:
            return
        self.model.ack(self.tid)

    def append(self, bk, cur):
        piece = [(self.new_seed(), self.rnd.choice([self.rnd.randint(1, 8192),
                                                    self.rnd.randint(INLINE_MAX + 1, 256 * 1024)]))]
        piece_body = body_of(piece)
        v = Version(cur.recipe + tuple(piece), cur.content_type, cur.meta)
        headers = {"x-amz-write-offset-bytes": str(cur.size), "x-amz-checksum-crc32": crc32_b64(piece_body)}
        self.model.begin(self.tid, "append", [(bk, v)])
        try:
            self.expect(self.api.call("PUT", bk[0], bk[1], headers=headers, body=piece_body), 200, f"append {bk}")
        except OpFailed:
            return
        self.model.ack(self.tid)

    def rename(self, src, dst, cur):
        headers = {"x-amz-rename-source": "/" + src[0] + "/" + urllib.parse.quote(src[1])}
        self.model.begin(self.tid, "rename", [(src, None), (dst, cur)])
        try:
            self.expect(self.api.call("PUT", dst[0], dst[1], query=[("renameObject", None)], headers=headers),
                        200, f"rename {src}->{dst}")
        except OpFailed:
            return
        self.model.ack(self.tid)

    def copy(self, src, dst, cur):
        headers = {"x-amz-copy-source": "/" + src[0] + "/" + urllib.parse.quote(src[1])}
        self.model.begin(self.tid, "copy", [(dst, cur)])
        try:
            self.expect(self.api.call("PUT", dst[0], dst[1], headers=headers), 200, f"copy {src}->{dst}")
        except OpFailed:
            return
        self.model.ack(self.tid)

    def delete(self, bk):
        self.model.begin(self.tid, "delete", [(bk, None)])
        try:
            self.expect(self.api.call("DELETE", bk[0], bk[1]), 204, f"DELETE {bk}")
        except OpFailed:
            return
        self.model.ack(self.tid)

    def multipart(self, bk):
        ct, meta = self.new_attrs()
        sizes = [MIN_PART, self.rnd.randint(1, 512 * 1024)] if self.rnd.random() < 0.5 else \
            [self.rnd.randint(1, 3 * 1024 * 1024)]
        recipe = [(self.new_seed(), s) for s in sizes]
        headers = {"Content-Type": ct, "x-amz-checksum-algorithm": "CRC32", "x-amz-checksum-type": "FULL_OBJECT"}
        headers.update({f"x-amz-meta-{k}": val for k, val in meta.items()})
        # Creating the upload and its parts changes no object: nothing pending until Complete.
        r = self.api.call("POST", bk[0], bk[1], query=[("uploads", None)], headers=headers)
        if r.status != 200:
            self.model.fail(self.tid, f"CreateMultipartUpload {bk}: HTTP {r.status} {r.body[:300]!r}")
            return
        upload_id = r.xml().findtext("UploadId")
        parts = []
        for n, seg in enumerate(recipe, start=1):
            data = body_of([seg])
            crc = crc32_b64(data)
            r = self.api.call("PUT", bk[0], bk[1], query=[("partNumber", str(n)), ("uploadId", upload_id)],
                              headers={"x-amz-checksum-crc32": crc}, body=data)
            if r.status != 200:
                self.model.fail(self.tid, f"UploadPart {bk} #{n}: HTTP {r.status} {r.body[:300]!r}")
                return
            parts.append((n, r.header("ETag"), crc))
        xml = "<CompleteMultipartUpload>" + "".join(
            f"<Part><PartNumber>{n}</PartNumber><ETag>{etag}</ETag><ChecksumCRC32>{crc}</ChecksumCRC32></Part>"
            for n, etag, crc in parts) + "</CompleteMultipartUpload>"
        v = Version(recipe, ct, meta)
        self.model.begin(self.tid, "multipart", [(bk, v)])
        r = self.api.call("POST", bk[0], bk[1], query=[("uploadId", upload_id)], body=xml.encode())
        # CompleteMultipartUpload may fail after its 200 header: the error is in the body.
        if r.status != 200 or b"<Error>" in r.body:
            self.model.fail(self.tid, f"CompleteMultipartUpload {bk}: HTTP {r.status} {r.body[:300]!r}")
            return
        self.model.ack(self.tid)


def create_buckets(server):
    api = Api(server)
    for b in (GP_BUCKET, DIR_BUCKET):
        r = api.call("PUT", b) if b == GP_BUCKET else api.call(
            "PUT", b, body=(b"<CreateBucketConfiguration><Location><Name>use1-az4</Name><Type>AvailabilityZone"
                            b"</Type></Location><Bucket><DataRedundancy>SingleAvailabilityZone</DataRedundancy>"
                            b"<Type>Directory</Type></Bucket></CreateBucketConfiguration>"))
        if r.status != 200:
            raise AssertionError(f"CreateBucket {b}: {r}")
    api.close()
