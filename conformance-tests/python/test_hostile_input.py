"""conformance.hostile_input: the connection-level part of the negative matrix (issue #7).

Header floods (many small headers, under and over the header limit), slowloris heads (bytes
trickling in never extend the idle timeout), stalled bodies (RequestTimeout), bodies longer than
their Content-Length (the excess is the next request, not part of the object), and a connection
flood: the max-connections cap is filled with idle connections, then XS3_CONN_ATTEMPTS (default
100,000) more connections are attempted; each is answered 503 SlowDown at once, the held ones
still work, and the server serves normally once they close.

Each error is checked for its S3 code, HTTP status and an XML body whose RequestId equals the
x-amz-request-id header; nothing is stored by a refused request.
"""

import os
import resource
import socket
import struct
import time
import xml.etree.ElementTree as ET

import xs3harness as h
from xs3harness import key_path

B = "hostile"
CAP = 1000
ATTEMPTS = int(os.environ.get("XS3_CONN_ATTEMPTS", "100000"))


def raise_fd_limit():
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    resource.setrlimit(resource.RLIMIT_NOFILE, (hard, hard))
    return hard


class Conn(socket.socket):
    """A client socket that keeps bytes read past one response for the next (pipelining)."""
    pending = b""


def read_response(sock, timeout=10.0):
    """(status, headers dict, body) of one response; status None if the peer closed first."""
    sock.settimeout(timeout)
    data, sock.pending = sock.pending, b""
    while b"\r\n\r\n" not in data:
        chunk = sock.recv(65536)
        if not chunk:
            return None, {}, data
        data += chunk
    head, body = data.split(b"\r\n\r\n", 1)
    lines = head.decode("latin-1").split("\r\n")
    headers = {}
    for line in lines[1:]:
        k, _, v = line.partition(":")
        headers[k.strip().lower()] = v.strip()
    length = int(headers.get("content-length", "0"))
    while len(body) < length:
        chunk = sock.recv(65536)
        if not chunk:
            break
        body += chunk
    sock.pending = body[length:]
    return int(lines[0].split(" ")[1]), headers, body[:length]


def signed_head(server, method, path, extra=(), payload_hash="UNSIGNED-PAYLOAD", content_length=None):
    hdrs = {"host": server.host}
    if content_length is not None:
        hdrs["content-length"] = str(content_length)
    s = h.sign_v4(method, path, (), hdrs, payload_hash)
    lines = [f"{method} {path} HTTP/1.1"] + [f"{k}: {v}" for k, v in s.headers.items()] + list(extra)
    return ("\r\n".join(lines) + "\r\n\r\n").encode()


class HostileBase(h.ServerTestCase):

    @classmethod
    def setUpClass(cls):
        cls.fd_limit = raise_fd_limit()  # before the server starts: it inherits the limit
        super().setUpClass()
        assert cls.raw.create_bucket(B).status == 200
        assert cls.raw.put(B, "obj", b"kept").status == 200

    def connect(self, source="127.0.0.1"):
        s = Conn()
        s.bind((source, 0))
        s.settimeout(10)
        s.connect(("127.0.0.1", self.server.port))
        return s

    def assertS3Error(self, status, headers, body, want_status, code):
        self.assertEqual(status, want_status, body[:300])
        root = ET.fromstring(body)
        self.assertEqual(root.tag, "Error")
        self.assertEqual(root.findtext("Code"), code, body[:300])
        self.assertTrue(root.findtext("RequestId"))
        self.assertEqual(root.findtext("RequestId"), headers.get("x-amz-request-id"))

    def assertServes(self):
        r = self.raw.get(B, "obj")
        self.assertEqual(r.status, 200, r)
        self.assertEqual(r.body, b"kept")

    def keys(self):
        return sorted(k for k, _, _ in self.raw.list_keys(B))



class HostileInput(HostileBase):
    server_kwargs = {"extra_args": ["--max-connections", str(CAP), "--idle-timeout", "3",
                                    "--request-timeout", "3"]}

    # -- header floods -------------------------------------------------------------------
    def test_many_small_headers_under_the_limit(self):
        # 3,000 unsigned headers (~40 KB, under the 64 KiB limit) on a signed GET: extra headers
        # that are not x-amz-* are ignored, so the read succeeds; on an anonymous request the
        # answer is AccessDenied. Either way, quickly.
        flood = [f"x-flood-{i}: v{i}" for i in range(3000)]
        s = self.connect()
        start = time.monotonic()
        s.sendall(signed_head(self.server, "GET", key_path(B, "obj"), flood, payload_hash=h.EMPTY_SHA256))
        status, headers, body = read_response(s)
        self.assertEqual(status, 200, body[:300])
        self.assertEqual(body, b"kept")
        s.sendall(("GET /hostile/obj HTTP/1.1\r\nHost: x\r\n" + "\r\n".join(flood) + "\r\n\r\n").encode())
        status, headers, body = read_response(s)
        self.assertS3Error(status, headers, body, 403, "AccessDenied")
        self.assertLess(time.monotonic() - start, 5)
        s.close()
        self.assertServes()

    def test_many_small_headers_over_the_limit(self):
        s = self.connect()
        head = "PUT /hostile/flooded HTTP/1.1\r\nHost: x\r\n" + "".join(f"x-amz-meta-f{i}: v\r\n" for i in range(8000))
        s.sendall(head.encode() + b"Content-Length: 1\r\n\r\nx")
        status, headers, body = read_response(s)
        self.assertS3Error(status, headers, body, 400, "RequestHeaderSectionTooLarge")
        s.close()
        self.assertEqual(self.raw.head(B, "flooded").status, 404)
        self.assertServes()

    # -- slow clients --------------------------------------------------------------------
    def test_slowloris_head_is_cut_at_the_idle_timeout(self):
        # One header byte every 0.2 s keeps the connection busy but never completes the head:
        # the idle timeout (3 s) bounds the whole head, not the gap between bytes.
        s = self.connect()
        start = time.monotonic()
        s.sendall(b"GET /hostile/obj HTTP/1.1\r\nHost: x\r\nx-slow: ")
        closed = False
        while time.monotonic() - start < 15:
            try:
                s.sendall(b"a")
                s.settimeout(0.2)
                if s.recv(65536) == b"":
                    closed = True
                    break
            except socket.timeout:
                continue
            except OSError:
                closed = True
                break
        waited = time.monotonic() - start
        s.close()
        self.assertTrue(closed, "the server kept a trickling head open for 15 s")
        self.assertGreater(waited, 2.0)
        self.assertLess(waited, 8.0)
        self.assertServes()

    def test_stalled_body_is_request_timeout(self):
        # Content-Length promises 100 bytes, 10 arrive, then nothing: 400 RequestTimeout after
        # the request timeout (3 s) and nothing stored.
        s = self.connect()
        s.sendall(signed_head(self.server, "PUT", key_path(B, "stalled"), content_length=100) + b"0123456789")
        status, headers, body = read_response(s, timeout=15)
        self.assertS3Error(status, headers, body, 400, "RequestTimeout")
        s.close()
        self.assertEqual(self.raw.head(B, "stalled").status, 404)
        self.assertServes()

    def test_body_shorter_than_content_length_then_close(self):
        s = self.connect()
        s.sendall(signed_head(self.server, "PUT", key_path(B, "short"), content_length=100) + b"0123456789")
        s.shutdown(socket.SHUT_WR)
        status, headers, body = read_response(s)
        s.close()
        if status is not None:  # the client is gone; an answer, if any, is an error
            self.assertS3Error(status, headers, body, 400, "IncompleteBody")
        self.assertEqual(self.raw.head(B, "short").status, 404)
        self.assertServes()

    def test_body_longer_than_content_length(self):
        # The object is exactly Content-Length bytes; what follows is read as the next request,
        # which is not HTTP: 400 and the connection closes.
        s = self.connect()
        s.sendall(signed_head(self.server, "PUT", key_path(B, "longer"), content_length=10) +
                  b"0123456789" + b"EXTRA BYTES THAT ARE NOT A REQUEST\r\n\r\n")
        status, headers, body = read_response(s)
        self.assertEqual(status, 200, body[:300])
        status, headers, body = read_response(s)
        self.assertS3Error(status, headers, body, 400, "InvalidRequest")
        s.settimeout(5)
        self.assertEqual(s.recv(1), b"", "connection closed after the malformed request")
        s.close()
        r = self.raw.get(B, "longer")
        self.assertEqual(r.body, b"0123456789")
        self.assertEqual(self.raw.delete(B, "longer").status, 204)


class ConnectionFlood(HostileBase):
    """On a server whose idle timeout outlasts the flood: the held connections must stay."""
    server_kwargs = {"extra_args": ["--max-connections", str(CAP), "--idle-timeout", "300"]}

    def test_connection_flood(self):
        self.assertGreater(self.fd_limit, CAP + 200, "ulimit -n too small for this test")
        before = self.keys()
        held = []
        refused_at_cap = 0
        # Fill the cap: each connection is served once (so the server has accepted and counted
        # it) and then left idle. A few slots may still be held by connections of earlier tests.
        for _ in range(CAP + 50):
            s = self.connect()
            s.sendall(b"GET /_xs3/health HTTP/1.1\r\nHost: x\r\n\r\n")
            status, headers, body = read_response(s)
            if status == 200:
                held.append(s)
                continue
            self.assertS3Error(status, headers, body, 503, "SlowDown")
            refused_at_cap += 1
            s.close()
        self.assertLessEqual(len(held), CAP)
        self.assertGreaterEqual(len(held), CAP - 20)
        self.assertGreater(refused_at_cap, 0)

        # Flood: every further connection gets 503 SlowDown and is closed, quickly. Source
        # addresses rotate over 127.0.0.2-9 so ephemeral ports never run out.
        sources = [f"127.0.0.{i}" for i in range(2, 10)]
        answered = other = 0
        worst = 0.0
        start = time.monotonic()
        for i in range(ATTEMPTS):
            t0 = time.monotonic()
            try:
                s = self.connect(sources[i % len(sources)])
                status, headers, body = read_response(s)
                # Close with a reset: it also clears the server's TIME_WAIT entry for this
                # address pair, which a later run reusing the port would otherwise hang on.
                s.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
                s.close()
            except OSError:
                other += 1
                continue
            worst = max(worst, time.monotonic() - t0)
            if status == 503 and b"<Code>SlowDown</Code>" in body:
                answered += 1
            else:
                other += 1
        elapsed = time.monotonic() - start
        print(f"\nconnection flood: {len(held)} idle connections held (cap {CAP}); {ATTEMPTS} more attempted in "
              f"{elapsed:.1f} s: {answered} answered 503 SlowDown, {other} other; slowest {worst * 1000:.0f} ms")
        self.assertEqual(other, 0)
        self.assertEqual(answered, ATTEMPTS)

        # The held connections were never dropped and still serve requests.
        for s in held[:: max(1, len(held) // 20)]:
            s.sendall(signed_head(self.server, "GET", key_path(B, "obj"), payload_hash=h.EMPTY_SHA256))
            status, headers, body = read_response(s)
            self.assertEqual((status, body), (200, b"kept"))
        for s in held:
            s.close()
        deadline = time.monotonic() + 10
        while True:
            r = self.raw.get(B, "obj")
            if r.status == 200 or time.monotonic() > deadline:
                break
            time.sleep(0.1)
        self.assertEqual(r.status, 200, r)
        self.assertEqual(self.keys(), before)



if __name__ == "__main__":
    h.main()
