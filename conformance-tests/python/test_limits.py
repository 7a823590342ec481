"""Server limits: header size, connection cap, idle timeout, object size, and that a request
refused at the head leaves the connection usable (keep-alive) when its body was small."""

import socket
import time

import xs3harness as h


def read_response(sock, timeout=5.0):
    """One whole response (head and Content-Length body)."""
    sock.settimeout(timeout)
    data = b""
    while b"\r\n\r\n" not in data:
        chunk = sock.recv(65536)
        if not chunk:
            return data
        data += chunk
    head, body = data.split(b"\r\n\r\n", 1)
    length = 0
    for line in head.split(b"\r\n")[1:]:
        name, _, value = line.partition(b":")
        if name.strip().lower() == b"content-length":
            length = int(value)
    while len(body) < length:
        chunk = sock.recv(65536)
        if not chunk:
            break
        body += chunk
    return head + b"\r\n\r\n" + body


class Limits(h.ServerTestCase):
    server_kwargs = {"extra_args": ["--max-connections", "4", "--idle-timeout", "2", "--max-header-bytes", "8192"]}

    def connect(self):
        return socket.create_connection(("127.0.0.1", self.server.port), timeout=5)

    def test_oversized_header_section_is_refused(self):
        s = self.connect()
        s.sendall(b"GET /bucket/key HTTP/1.1\r\nHost: x\r\nx-big: " + b"a" * 20000 + b"\r\n\r\n")
        data = read_response(s)
        s.close()
        self.assertTrue(data.startswith(b"HTTP/1.1 400"), data[:200])
        self.assertIn(b"<Code>RequestHeaderSectionTooLarge</Code>", data)

    def test_connection_cap_answers_slowdown(self):
        # Hold connections open (each served once, so accepted and counted) until the server
        # refuses one. Connections the harness closed a moment ago may still count, so the cap
        # can be hit before the 5th; it must never be passed.
        held, refused = [], None
        for _ in range(8):
            s = self.connect()
            s.sendall(b"GET /_xs3/health HTTP/1.1\r\nHost: x\r\n\r\n")
            data = read_response(s)
            if data.startswith(b"HTTP/1.1 200"):
                held.append(s)
                continue
            refused = data
            s.close()
            break
        self.assertIsNotNone(refused, "8 connections held open, none refused")
        self.assertLessEqual(len(held), 4)
        self.assertTrue(refused.startswith(b"HTTP/1.1 503"), refused[:200])
        self.assertIn(b"<Code>SlowDown</Code>", refused)
        for s in held:
            s.close()
        deadline = time.monotonic() + 5
        while True:  # the server notices the closes and serves again
            r = self.raw.request("GET", "/")
            if r.status == 200 or time.monotonic() > deadline:
                break
            time.sleep(0.1)
        self.assertEqual(r.status, 200)

    def test_idle_connection_is_closed(self):
        s = self.connect()
        s.settimeout(10)
        start = time.monotonic()
        self.assertEqual(s.recv(1), b"")  # EOF: the server closed it
        waited = time.monotonic() - start
        s.close()
        self.assertGreater(waited, 1.0)
        self.assertLess(waited, 8.0)

    def test_object_over_5gib_is_entity_too_large(self):
        self.assertEqual(self.raw.create_bucket("lim").status, 200)
        signed = h.sign_v4("PUT", "/lim/huge", (), {"host": self.server.host, "content-length": str(6 << 30)},
                           "UNSIGNED-PAYLOAD")
        s = self.connect()
        head = "PUT /lim/huge HTTP/1.1\r\n" + "".join(f"{k}: {v}\r\n" for k, v in signed.headers.items())
        s.sendall(head.encode() + b"expect: 100-continue\r\n\r\n")
        data = read_response(s)
        s.close()
        self.assertTrue(data.startswith(b"HTTP/1.1 400"), data[:300])
        self.assertEqual(self.raw.head("lim", "huge").status, 404)

    def test_refused_small_body_keeps_connection(self):
        # A PUT to a missing bucket is refused before its body is read; the body is drained and the
        # same connection serves the next request.
        s = self.connect()
        body = b"x" * 1000
        signed = h.sign_v4("PUT", "/nosuchbucket/k", (), {"host": self.server.host,
                                                           "content-length": str(len(body))},
                           "UNSIGNED-PAYLOAD")
        head = "PUT /nosuchbucket/k HTTP/1.1\r\n" + "".join(f"{k}: {v}\r\n" for k, v in signed.headers.items())
        s.sendall(head.encode() + b"\r\n" + body)
        first = read_response(s)
        self.assertTrue(first.startswith(b"HTTP/1.1 404"), first[:200])
        self.assertIn(b"<Code>NoSuchBucket</Code>", first)
        s.sendall(b"GET /_xs3/health HTTP/1.1\r\nHost: " + self.server.host.encode() + b"\r\n\r\n")
        second = read_response(s)
        s.close()
        self.assertTrue(second.startswith(b"HTTP/1.1 200"), second[:200])


if __name__ == "__main__":
    h.main()
