"""Large objects stream through bounded memory: a 512 MiB PutObject (Content-Length and HTTP
chunked forms) and GetObject (whole and ranged) round-trip byte-identical while the server's peak
resident memory stays a few MiB above its idle size."""

import hashlib
import http.client
import os

import xs3harness as h

SIZE = 512 << 20
PIECE = 1 << 20
# Peak RSS growth allowed during the transfers: buffers are 256 KiB per connection, so anything
# near the object size means a body was held in memory.
MAX_GROWTH = 48 << 20


def pattern(i: int) -> bytes:
    # Cheap, position-dependent bytes so a reordered or dropped piece changes the digest.
    seed = i.to_bytes(8, "big")
    return (seed * (PIECE // 8))


def vm_hwm_bytes(pid: int) -> int:
    with open(f"/proc/{pid}/status") as f:
        for line in f:
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) * 1024
    raise AssertionError("no VmHWM")


def reset_hwm(pid: int):
    # Writing 5 to clear_refs resets the peak RSS counter (Linux >= 4.0).
    with open(f"/proc/{pid}/clear_refs", "w") as f:
        f.write("5")


class LargeObject(h.ServerTestCase):
    def put_streaming(self, key, chunked):
        s = self.server
        path = h.key_path("big", key)
        headers = {"host": s.host}
        if not chunked:
            headers["content-length"] = str(SIZE)
        signed = h.sign_v4("PUT", path, (), headers, "UNSIGNED-PAYLOAD")
        conn = http.client.HTTPConnection("127.0.0.1", s.port, timeout=120)
        conn.putrequest("PUT", path, skip_host=True, skip_accept_encoding=True)
        for k, v in signed.headers.items():
            conn.putheader(k, v)
        if chunked:
            conn.putheader("transfer-encoding", "chunked")
        conn.endheaders()
        md5 = hashlib.md5()
        for i in range(SIZE // PIECE):
            piece = pattern(i)
            md5.update(piece)
            if chunked:
                conn.send(b"%x\r\n" % len(piece) + piece + b"\r\n")
            else:
                conn.send(piece)
        if chunked:
            conn.send(b"0\r\n\r\n")
        resp = conn.getresponse()
        body = resp.read()
        conn.close()
        self.assertEqual(resp.status, 200, body)
        self.assertEqual(resp.getheader("ETag"), '"' + md5.hexdigest() + '"')
        return md5.hexdigest()

    def get_streaming(self, key, range_header=None):
        s = self.server
        path = h.key_path("big", key)
        headers = {"host": s.host}
        if range_header:
            headers["range"] = range_header
        signed = h.sign_v4("GET", path, (), headers, h.EMPTY_SHA256)
        conn = http.client.HTTPConnection("127.0.0.1", s.port, timeout=120)
        conn.request("GET", path, headers=signed.headers)
        resp = conn.getresponse()
        md5 = hashlib.md5()
        n = 0
        while True:
            data = resp.read(4 * PIECE)
            if not data:
                break
            md5.update(data)
            n += len(data)
        conn.close()
        return resp.status, n, md5.hexdigest()

    def test_put_and_get_512mib_in_bounded_memory(self):
        pid = self.server.proc.pid
        self.assertEqual(self.raw.create_bucket("big").status, 200)
        reset_hwm(pid)
        base = vm_hwm_bytes(pid)

        digest = self.put_streaming("a", chunked=False)
        status, n, got = self.get_streaming("a")
        self.assertEqual((status, n, got), (200, SIZE, digest))

        digest_b = self.put_streaming("b", chunked=True)
        self.assertEqual(digest_b, digest)

        # A range across a piece boundary deep into the object.
        first = 300 * PIECE - 5
        status, n, got = self.get_streaming("b", f"bytes={first}-{first + 9}")
        expected = (pattern(299)[-5:] + pattern(300)[:5])
        self.assertEqual((status, n, got), (206, 10, hashlib.md5(expected).hexdigest()))

        growth = vm_hwm_bytes(pid) - base
        self.assertLess(growth, MAX_GROWTH, f"peak RSS grew by {growth >> 20} MiB during 512 MiB transfers")


if __name__ == "__main__":
    h.main()
