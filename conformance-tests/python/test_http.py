"""conformance.http: HTTP-level behaviour and S3 semantics the SDK suites do not pin exactly.

Keep-alive across errors, Expect: 100-continue (also when auth fails), graceful shutdown with a
request in flight, virtual-host addressing over raw HTTP, oversized headers, default
Content-Type, inline/blob overwrites, concurrent writers, conditional-request precedence.
"""

import hashlib
import http.client
import os
import signal
import socket
import sys
import threading
import time
import unittest

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import xs3harness as h  # noqa: E402
from xs3harness import key_path  # noqa: E402
from test_negative import Assertions  # noqa: E402

B = "httpb"


def read_status_line(sock, timeout=5.0):
    sock.settimeout(timeout)
    buf = b""
    while b"\r\n\r\n" not in buf:
        chunk = sock.recv(4096)
        if not chunk:
            break
        buf += chunk
    return buf


class HttpSuite(h.ServerTestCase, Assertions):

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        assert cls.raw.create_bucket(B).status == 200

    def signed(self, method, path, body=b"", headers=None, query=(), **kw):
        hdrs = dict(headers or {})
        hdrs.setdefault("host", self.server.host)
        return h.sign_v4(method, path, list(query), hdrs, hashlib.sha256(body).hexdigest(), **kw).headers

    # -- connections ---------------------------------------------------------------------
    def test_keep_alive_across_errors(self):
        conn = http.client.HTTPConnection("127.0.0.1", self.server.port, timeout=30)
        try:
            for i in range(3):
                body = f"ka {i}".encode()
                r = h.raw_request(self.server.port, "PUT", key_path(B, f"ka/{i}"),
                                  self.signed("PUT", key_path(B, f"ka/{i}"), body), body, conn=conn)
                self.assertEqual(r.status, 200, r)
            r = h.raw_request(self.server.port, "GET", key_path(B, "ka/missing"),
                              self.signed("GET", key_path(B, "ka/missing")), conn=conn)
            self.assertError(r, 404, "NoSuchKey")
            # a refused PUT whose 100 KB body the server may not want to read
            big = os.urandom(100_000)
            hdrs = self.signed("PUT", key_path(B, "ka/refused"), big, secret_key="wrong")
            r = h.raw_request(self.server.port, "PUT", key_path(B, "ka/refused"), hdrs, big, conn=conn)
            self.assertError(r, 403, "SignatureDoesNotMatch")
            closing = (r.header("Connection") or "").lower() == "close"
            if closing:
                conn.close()
            r = h.raw_request(self.server.port, "GET", key_path(B, "ka/1"), self.signed("GET", key_path(B, "ka/1")),
                              conn=conn)
            self.assertEqual(r.status, 200, r)
            self.assertEqual(r.body, b"ka 1")
        finally:
            conn.close()
        self.assertEqual(self.raw.head(B, "ka/refused").status, 404)

    def test_pipelined_requests_answered_in_order(self):
        def req(method, path, body=b""):
            hdrs = self.signed(method, path, body)
            hdrs["Content-Length"] = str(len(body))
            return self.head_bytes(method, path, hdrs) + body
        data = (req("PUT", key_path(B, "pipe/1"), b"one") + req("GET", key_path(B, "pipe/1")) +
                req("PUT", key_path(B, "pipe/2"), b"two") + req("GET", key_path(B, "pipe/2")))
        with socket.create_connection(("127.0.0.1", self.server.port), timeout=10) as s:
            s.sendall(data)
            s.settimeout(3)
            buf = b""
            try:
                while not buf.endswith(b"two"):
                    d = s.recv(65536)
                    if not d:
                        break
                    buf += d
            except socket.timeout:
                pass
        self.assertEqual(buf.count(b"HTTP/1.1 200"), 4, buf[:600])
        self.assertLess(buf.index(b"one"), buf.index(b"two"))
        self.assertTrue(buf.endswith(b"two"))

    def test_expect_100_continue(self):
        body = os.urandom(50_000)
        path = key_path(B, "expect/ok")
        hdrs = self.signed("PUT", path, body)
        hdrs["Content-Length"] = str(len(body))
        hdrs["Expect"] = "100-continue"
        with socket.create_connection(("127.0.0.1", self.server.port), timeout=10) as s:
            s.sendall(self.head_bytes("PUT", path, hdrs))
            first = read_status_line(s)
            self.assertTrue(first.startswith(b"HTTP/1.1 100"), first[:200])
            s.sendall(body)
            rest = read_status_line(s)
            self.assertTrue(rest.startswith(b"HTTP/1.1 200"), rest[:300])
        self.assertEqual(self.raw.get(B, "expect/ok").body, body)

    def test_expect_100_continue_refused_before_body(self):
        body = os.urandom(50_000)
        path = key_path(B, "expect/refused")
        hdrs = self.signed("PUT", path, body, secret_key="wrong")
        hdrs["Content-Length"] = str(len(body))
        hdrs["Expect"] = "100-Continue"
        with socket.create_connection(("127.0.0.1", self.server.port), timeout=10) as s:
            s.sendall(self.head_bytes("PUT", path, hdrs))
            first = read_status_line(s)
            # the final answer comes without the body ever being sent, never "100 Continue"
            self.assertTrue(first.startswith(b"HTTP/1.1 403"), first[:300])
            self.assertIn(b"SignatureDoesNotMatch", first + read_rest(s))
        self.assertEqual(self.raw.head(B, "expect/refused").status, 404)

    def test_expect_100_continue_header_errors_answered_before_body(self):
        body = os.urandom(50_000)
        for path, extra, status, code in ((key_path("no-such-bucket-x", "k"), {}, 404, b"NoSuchBucket"),
                                          (key_path(B, "k" * 1100), {}, 400, b"KeyTooLongError"),
                                          (key_path(B, "meta-big"), {"x-amz-meta-big": "v" * 3000}, 400,
                                           b"MetadataTooLarge")):
            hdrs = self.signed("PUT", path, body, headers=extra)
            hdrs["Content-Length"] = str(len(body))
            hdrs["Expect"] = "100-continue"
            with socket.create_connection(("127.0.0.1", self.server.port), timeout=10) as s:
                s.sendall(self.head_bytes("PUT", path, hdrs))
                first = read_status_line(s)
                self.assertTrue(first.startswith(f"HTTP/1.1 {status}".encode()), (path[:40], first[:200]))
                self.assertIn(code, first + read_rest(s))

    @staticmethod
    def head_bytes(method, path, hdrs):
        lines = [f"{method} {path} HTTP/1.1"] + [f"{k}: {v}" for k, v in hdrs.items()]
        return ("\r\n".join(lines) + "\r\n\r\n").encode()

    def test_oversized_header_is_refused_and_server_survives(self):
        path = key_path(B, "huge-header")
        hdrs = self.signed("GET", path)
        hdrs["x-filler"] = "f" * 200_000
        try:
            r = h.raw_request(self.server.port, "GET", path, hdrs)
            self.assertIn(r.status, (400, 431), r)
        except (ConnectionError, http.client.HTTPException):
            pass  # closing the connection is an acceptable answer too
        self.assertEqual(self.raw.list_v2(B).status, 200)

    def test_virtual_host_raw(self):
        body = b"virtual hosted"
        for host in (f"{B}.localhost:{self.server.port}", f"{B}.s3.localhost:{self.server.port}"):
            path = "/vh/" + h.uri_encode("k ü.txt", True)
            r = self.raw.request("PUT", path, body=body, host=host)
            self.assertEqual(r.status, 200, f"{host}: {r}")
            r = self.raw.request("GET", path, host=host)
            self.assertEqual(r.status, 200, f"{host}: {r}")
            self.assertEqual(r.body, body)
            r = self.raw.request("GET", "/", query=[("list-type", "2"), ("prefix", "vh/")], host=host)
            self.assertEqual(r.status, 200, r)
            self.assertEqual([c.findtext("Key") for c in r.xml().iter("Contents")], ["vh/k ü.txt"])
        # the same object path-style
        self.assertEqual(self.raw.get(B, "vh/k ü.txt").body, body)
        self.assertEqual(self.raw.request("GET", "/vh/x", host=f"no-such-bkt.localhost:{self.server.port}").error_code(),
                         "NoSuchBucket")

    # -- object semantics ----------------------------------------------------------------
    def test_default_content_type(self):
        r = self.raw.put(B, "ctype/none", b"x")
        self.assertEqual(r.status, 200)
        self.assertEqual(self.raw.head(B, "ctype/none").header("Content-Type"), "binary/octet-stream")

    def test_get_headers(self):
        body = b"header check"
        self.raw.put(B, "hdr/obj", body, headers={"Content-Type": "text/plain"})
        r = self.raw.get(B, "hdr/obj")
        self.assertEqual(r.header("ETag"), '"' + hashlib.md5(body).hexdigest() + '"')
        self.assertEqual(r.header("Content-Length"), str(len(body)))
        self.assertEqual(r.header("Accept-Ranges"), "bytes")
        lm = r.header("Last-Modified")
        self.assertRegex(lm, r"^[A-Z][a-z]{2}, \d{2} [A-Z][a-z]{2} \d{4} \d{2}:\d{2}:\d{2} GMT$")
        hd = self.raw.head(B, "hdr/obj")
        self.assertEqual(hd.status, 200)
        self.assertEqual(hd.header("Content-Length"), str(len(body)))
        self.assertEqual(hd.body, b"")
        rng = self.raw.head(B, "hdr/obj", headers={"Range": "bytes=0-4"})
        self.assertEqual(rng.status, 206)
        self.assertEqual(rng.header("Content-Length"), "5")
        self.assertEqual(rng.header("Content-Range"), f"bytes 0-4/{len(body)}")

    def test_not_modified_carries_etag_and_no_body(self):
        body = b"304 body"
        self.raw.put(B, "nm/obj", body)
        et = '"' + hashlib.md5(body).hexdigest() + '"'
        r = self.raw.get(B, "nm/obj", headers={"If-None-Match": et})
        self.assertEqual(r.status, 304)
        self.assertEqual(r.body, b"")
        self.assertEqual(r.header("ETag"), et)
        self.assertHeaders(r)
        r = self.raw.get(B, "nm/obj", headers={"Range": "bytes=0-1"})
        self.assertEqual(r.status, 206)
        self.assertHeaders(r)

    def test_conditional_precedence(self):
        body = b"precedence"
        self.raw.put(B, "prec/obj", body)
        et = '"' + hashlib.md5(body).hexdigest() + '"'
        past = "Sat, 01 Jan 2000 00:00:00 GMT"
        # If-Match true + If-Unmodified-Since false -> 200 (If-Match wins)
        r = self.raw.get(B, "prec/obj", headers={"If-Match": et, "If-Unmodified-Since": past})
        self.assertEqual(r.status, 200, r)
        # If-None-Match false + If-Modified-Since true -> 304
        r = self.raw.get(B, "prec/obj", headers={"If-None-Match": et, "If-Modified-Since": past})
        self.assertEqual(r.status, 304, r)
        # If-Match with a list including the ETag, and "*"
        r = self.raw.get(B, "prec/obj", headers={"If-Match": f'"abc", {et}'})
        self.assertEqual(r.status, 200, r)
        r = self.raw.get(B, "prec/obj", headers={"If-Match": "*"})
        self.assertEqual(r.status, 200, r)
        # If-None-Match "*" on an existing object -> 304 for GET
        r = self.raw.get(B, "prec/obj", headers={"If-None-Match": "*"})
        self.assertEqual(r.status, 304, r)

    def test_overwrite_inline_blob_inline(self):
        for size in (10, 2 * 1024 * 1024 + 17, 0, 300 * 1024, 5):
            body = os.urandom(size)
            self.assertEqual(self.raw.put(B, "ow/obj", body).status, 200)
            r = self.raw.get(B, "ow/obj")
            self.assertEqual(r.status, 200)
            self.assertEqual(r.body, body, size)
        keys = [k for k in self.raw.list_keys(B, prefix="ow/")]
        self.assertEqual(keys, [("ow/obj", 5, hashlib.md5(r.body).hexdigest())])

    def test_concurrent_writers_same_key(self):
        bodies = [bytes([i]) * (1000 + i * 70_000) for i in range(8)]
        results = []

        def put(b):
            results.append(h.Client(self.server).put(B, "race/obj", b).status)
        ts = [threading.Thread(target=put, args=(b,)) for b in bodies]
        for t in ts:
            t.start()
        for t in ts:
            t.join(60)
        self.assertEqual(results, [200] * len(bodies))
        r = self.raw.get(B, "race/obj")
        self.assertIn(r.body, bodies, "the result is exactly one writer's body")
        self.assertEqual(r.header("ETag"), '"' + hashlib.md5(r.body).hexdigest() + '"')

    def test_copy_onto_itself_with_replace(self):
        self.raw.put(B, "self/obj", b"self", headers={"x-amz-meta-v": "1"})
        r = self.raw.put(B, "self/obj", headers={"x-amz-copy-source": f"/{B}/self/obj",
                                                 "x-amz-metadata-directive": "REPLACE", "x-amz-meta-v": "2"})
        self.assertEqual(r.status, 200, r)
        self.assertEqual(r.xml().tag, "CopyObjectResult")
        hd = self.raw.head(B, "self/obj")
        self.assertEqual(hd.header("x-amz-meta-v"), "2")
        self.assertEqual(self.raw.get(B, "self/obj").body, b"self")

    def test_listing_encoding_type_url_encodes_prefix_and_delimiter(self):
        self.raw.put(B, "enc dir/a b", b"1")
        self.raw.put(B, "enc dir/sub dir/c", b"2")
        r = self.raw.list_v2(B, prefix="enc dir/", delimiter="/", encoding_type="url", start_after="enc dir/")
        self.assertEqual(r.status, 200, r)
        root = r.xml()
        self.assertEqual(root.findtext("Prefix"), "enc%20dir/")
        self.assertEqual(root.findtext("StartAfter"), "enc%20dir/")
        self.assertEqual(root.findtext("Delimiter"), "/")
        self.assertEqual([c.findtext("Key") for c in root.iter("Contents")], ["enc%20dir/a%20b"])
        self.assertEqual([c.findtext("Prefix") for c in root.iter("CommonPrefixes")], ["enc%20dir/sub%20dir/"])

    def test_listing_other_delimiters(self):
        for k in ("d-1-a", "d-1-b", "d-2", "d3"):
            self.raw.put(B, "delim/" + k, b"x")
        r = self.raw.list_v2(B, prefix="delim/d", delimiter="-")
        root = r.xml()
        self.assertEqual([c.findtext("Key") for c in root.iter("Contents")], ["delim/d3"])
        self.assertEqual([c.findtext("Prefix") for c in root.iter("CommonPrefixes")], ["delim/d-"])
        r = self.raw.list_v2(B, prefix="delim/d-", delimiter="-")
        self.assertEqual([c.findtext("Prefix") for c in r.xml().iter("CommonPrefixes")], ["delim/d-1-"])
        self.assertEqual([c.findtext("Key") for c in r.xml().iter("Contents")], ["delim/d-2"])
        # multi-character delimiter
        r = self.raw.list_v2(B, prefix="delim/", delimiter="-1-")
        self.assertEqual([c.findtext("Prefix") for c in r.xml().iter("CommonPrefixes")], ["delim/d-1-"])

    def test_delimiter_pagination_skips_whole_common_prefixes(self):
        keys = [f"dp/a/{i:03d}" for i in range(50)] + ["dp/b"] + [f"dp/c/{i}" for i in range(3)] + ["dp/c0", "dp/d/x/y"]
        for k in keys:
            self.assertEqual(self.raw.put(B, k, b"").status, 200)
        want = ["dp/a/", "dp/b", "dp/c/", "dp/c0", "dp/d/"]
        for mk in ("1", "2", "3"):
            items, tok, pages = [], None, 0
            while pages < 20:
                q = {"prefix": "dp/", "delimiter": "/", "max_keys": mk}
                if tok:
                    q["continuation_token"] = tok
                root = self.raw.list_v2(B, **q).xml()
                pages += 1
                items += [x.findtext("Key") for x in root.iter("Contents")]
                items += [x.findtext("Prefix") for x in root.iter("CommonPrefixes")]
                tok = root.findtext("NextContinuationToken")
                if root.findtext("IsTruncated") != "true":
                    break
            self.assertEqual(sorted(items), want, f"max-keys {mk}")
            self.assertEqual(len(items), len(want), f"max-keys {mk}: duplicates")
            self.assertEqual(pages, -(-len(want) // int(mk)), f"max-keys {mk}")
        items, marker = [], None
        for _ in range(20):
            q = [("prefix", "dp/"), ("delimiter", "/"), ("max-keys", "1")] + ([("marker", marker)] if marker else [])
            root = self.raw.request("GET", key_path(B), query=q).xml()
            items += [x.findtext("Key") for x in root.iter("Contents")]
            items += [x.findtext("Prefix") for x in root.iter("CommonPrefixes")]
            marker = root.findtext("NextMarker")
            if root.findtext("IsTruncated") != "true":
                break
        self.assertEqual(items, want, "ListObjects v1 with NextMarker")

    def test_key_and_prefix_both_exist(self):
        self.raw.put(B, "kp/a", b"file")
        self.raw.put(B, "kp/a/", b"")
        self.raw.put(B, "kp/a/b", b"child")
        r = self.raw.list_v2(B, prefix="kp/", delimiter="/")
        root = r.xml()
        self.assertEqual([c.findtext("Key") for c in root.iter("Contents")], ["kp/a"])
        self.assertEqual([c.findtext("Prefix") for c in root.iter("CommonPrefixes")], ["kp/a/"])
        self.assertEqual(self.raw.get(B, "kp/a/").status, 200)
        self.assertEqual(self.raw.get(B, "kp/a").body, b"file")

    def test_unsigned_payload_header_auth(self):
        body = b"unsigned payload body"
        r = self.raw.put(B, "unsigned/obj", body, payload_hash="UNSIGNED-PAYLOAD")
        self.assertEqual(r.status, 200, r)
        self.assertEqual(self.raw.get(B, "unsigned/obj").body, body)

    def test_presigned_with_response_overrides(self):
        self.raw.put(B, "pre/obj", b"presigned override")
        target = h.presign_v4("GET", self.server.host, key_path(B, "pre/obj"), expires=60,
                              extra_query=[("response-content-disposition", 'attachment; filename="x.bin"'),
                                           ("response-content-type", "application/x-pre")])
        r = h.raw_request(self.server.port, "GET", target, {"Host": self.server.host})
        self.assertEqual(r.status, 200, r)
        self.assertEqual(r.header("Content-Disposition"), 'attachment; filename="x.bin"')
        self.assertEqual(r.header("Content-Type"), "application/x-pre")

    def test_health_is_unauthenticated(self):
        r = h.raw_request(self.server.port, "GET", "/_xs3/health", {"Host": self.server.host})
        self.assertEqual(r.status, 200)

    # -- bodies --------------------------------------------------------------------------
    def test_short_body_is_not_stored(self):
        body = os.urandom(1000)
        path = key_path(B, "short/obj")
        hdrs = h.sign_v4("PUT", path, [], {"host": self.server.host}, "UNSIGNED-PAYLOAD").headers
        hdrs["Content-Length"] = "2000"
        with socket.create_connection(("127.0.0.1", self.server.port), timeout=10) as s:
            s.sendall(self.head_bytes("PUT", path, hdrs) + body)
            s.shutdown(socket.SHUT_WR)
            resp = read_status_line(s, timeout=10)
        self.assertFalse(resp.startswith(b"HTTP/1.1 200"), resp[:300])
        self.assertEqual(self.raw.head(B, "short/obj").status, 404)

    def test_large_object_ranges(self):
        body = os.urandom(8 * 1024 * 1024 + 11)
        self.assertEqual(self.raw.put(B, "large/obj", body).status, 200)
        for start, end in ((0, 0), (5_000_000, 5_000_099), (len(body) - 1, len(body) - 1), (65535, 65537)):
            r = self.raw.get(B, "large/obj", headers={"Range": f"bytes={start}-{end}"})
            self.assertEqual(r.status, 206)
            self.assertEqual(r.body, body[start:end + 1], (start, end))
        r = self.raw.get(B, "large/obj")
        self.assertEqual(hashlib.md5(r.body).hexdigest(), hashlib.md5(body).hexdigest())

    # -- checksums -----------------------------------------------------------------------
    def test_checksum_headers(self):
        body = b"checksum header body"
        sha1 = h.b64(hashlib.sha1(body).digest())
        r = self.raw.put(B, "cks/sha1", body, headers={"x-amz-checksum-sha1": sha1})
        self.assertEqual(r.status, 200, r)
        self.assertEqual(r.header("x-amz-checksum-sha1"), sha1)
        g = self.raw.head(B, "cks/sha1", headers={"x-amz-checksum-mode": "ENABLED"})
        self.assertEqual(g.header("x-amz-checksum-sha1"), sha1)
        r = self.raw.put(B, "cks/bad-sha256", body, headers={"x-amz-checksum-sha256": h.b64(hashlib.sha256(b"x").digest())})
        self.assertError(r, 400, "BadDigest")
        self.assertEqual(self.raw.head(B, "cks/bad-sha256").status, 404)

    def test_checksum_header_malformed(self):
        r = self.raw.put(B, "cks/malformed", b"body", headers={"x-amz-checksum-crc32": "not-a-crc"})
        self.assertError(r, 400, "InvalidRequest")
        self.assertEqual(self.raw.head(B, "cks/malformed").status, 404)

    def test_two_checksum_headers(self):
        body = b"two checksums"
        r = self.raw.put(B, "cks/two", body, headers={"x-amz-checksum-crc32": h.crc32_b64(body),
                                                      "x-amz-checksum-sha1": h.b64(hashlib.sha1(body).digest())})
        self.assertError(r, 400, "InvalidRequest")
        self.assertEqual(self.raw.head(B, "cks/two").status, 404)

    # -- listing details -----------------------------------------------------------------
    def test_list_v1_encoding_type_url_and_next_marker(self):
        for k in ("v1 a/1", "v1 a/2", "v1 b"):
            self.raw.put(B, "v1/" + k, b"x")
        r = self.raw.request("GET", key_path(B), query=[("prefix", "v1/"), ("delimiter", "/"),
                                                        ("encoding-type", "url"), ("max-keys", "1")])
        self.assertEqual(r.status, 200, r)
        root = r.xml()
        self.assertEqual(root.findtext("IsTruncated"), "true")
        self.assertEqual([c.findtext("Prefix") for c in root.iter("CommonPrefixes")], ["v1/v1%20a/"])
        self.assertEqual(root.findtext("NextMarker"), "v1/v1%20a/")
        r = self.raw.request("GET", key_path(B), query=[("prefix", "v1/"), ("delimiter", "/"),
                                                        ("marker", "v1/v1 a/"), ("encoding-type", "url")])
        root = r.xml()
        self.assertEqual([c.findtext("Key") for c in root.iter("Contents")], ["v1/v1%20b"])
        self.assertEqual(root.findtext("Marker"), "v1/v1%20a/")

    def test_continuation_token_wins_over_start_after(self):
        for i in range(4):
            self.raw.put(B, f"ct/{i}", b"x")
        r = self.raw.list_v2(B, prefix="ct/", max_keys="2")
        tok = r.xml().findtext("NextContinuationToken")
        self.assertTrue(tok)
        r = self.raw.list_v2(B, prefix="ct/", continuation_token=tok, start_after="ct/0")
        self.assertEqual([c.findtext("Key") for c in r.xml().iter("Contents")], ["ct/2", "ct/3"])

    def test_max_keys_zero_and_over_1000(self):
        self.raw.put(B, "mk/a", b"x")
        r = self.raw.list_v2(B, prefix="mk/", max_keys="0")
        self.assertEqual(r.status, 200, r)
        self.assertEqual(list(r.xml().iter("Contents")), [])
        self.assertEqual(r.xml().findtext("KeyCount"), "0")
        r = self.raw.list_v2(B, prefix="mk/", max_keys="5000")
        self.assertEqual(r.status, 200, r)
        self.assertEqual([c.findtext("Key") for c in r.xml().iter("Contents")], ["mk/a"])

    def test_copy_source_date_conditions(self):
        self.raw.put(B, "cpd/src", b"src")
        past, future = "Sat, 01 Jan 2000 00:00:00 GMT", "Fri, 01 Jan 2100 00:00:00 GMT"
        for hdr, val in (("x-amz-copy-source-if-unmodified-since", past),
                         ("x-amz-copy-source-if-modified-since", future)):
            r = self.raw.put(B, "cpd/dst", headers={"x-amz-copy-source": f"/{B}/cpd/src", hdr: val})
            self.assertError(r, 412, "PreconditionFailed")
            self.assertEqual(self.raw.head(B, "cpd/dst").status, 404)
        r = self.raw.put(B, "cpd/dst", headers={"x-amz-copy-source": f"/{B}/cpd/src",
                                                "x-amz-copy-source-if-modified-since": past})
        self.assertEqual(r.status, 200, r)

    # -- AWS details -----------------------------------------------------------------------
    def test_dates_compare_at_second_granularity(self):
        self.raw.put(B, "dates/obj", b"dated")
        lm = self.raw.head(B, "dates/obj").header("Last-Modified")
        self.assertEqual(self.raw.get(B, "dates/obj", headers={"If-Modified-Since": lm}).status, 304)
        self.assertEqual(self.raw.get(B, "dates/obj", headers={"If-Unmodified-Since": lm}).status, 200)
        # the listing's LastModified is the same instant (ISO 8601, same second)
        import email.utils
        import datetime as dt
        lm_dt = email.utils.parsedate_to_datetime(lm)
        root = self.raw.list_v2(B, prefix="dates/").xml()
        iso = root.find("Contents").findtext("LastModified")
        self.assertRegex(iso, r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d{3})?Z$")
        listed = dt.datetime.strptime(iso[:19], "%Y-%m-%dT%H:%M:%S").replace(tzinfo=dt.timezone.utc)
        self.assertEqual(listed, lm_dt)

    def test_copy_and_overwrite_update_last_modified(self):
        import email.utils
        self.raw.put(B, "lm/src", b"src")
        t0 = email.utils.parsedate_to_datetime(self.raw.head(B, "lm/src").header("Last-Modified"))
        time.sleep(1.1)
        self.assertEqual(self.raw.put(B, "lm/dst", headers={"x-amz-copy-source": f"/{B}/lm/src"}).status, 200)
        t1 = email.utils.parsedate_to_datetime(self.raw.head(B, "lm/dst").header("Last-Modified"))
        self.assertGreater(t1, t0, "a copy gets a new Last-Modified")
        self.raw.put(B, "lm/src", b"src2")
        t2 = email.utils.parsedate_to_datetime(self.raw.head(B, "lm/src").header("Last-Modified"))
        self.assertGreater(t2, t0, "an overwrite gets a new Last-Modified")

    def test_range_edge_cases(self):
        body = b"0123456789X"
        self.raw.put(B, "rng/obj", body)
        r = self.raw.get(B, "rng/obj", headers={"Range": "bytes=-100"})
        self.assertEqual((r.status, r.header("Content-Range"), r.body), (206, "bytes 0-10/11", body))
        r = self.raw.get(B, "rng/obj", headers={"Range": "bytes=10-10"})
        self.assertEqual((r.status, r.body), (206, b"X"))
        # a syntactically invalid Range is ignored (RFC 9110): the whole object, 200
        for bad in ("bytes=5-2", "bytes=abc", "items=0-1"):
            r = self.raw.get(B, "rng/obj", headers={"Range": bad})
            self.assertEqual((r.status, r.body), (200, body), bad)
        r = self.raw.get(B, "rng/obj", headers={"Range": "bytes=-0"})
        self.assertError(r, 416, "InvalidRange")
        self.raw.put(B, "rng/empty", b"")
        r = self.raw.get(B, "rng/empty", headers={"Range": "bytes=0-0"})
        self.assertError(r, 416, "InvalidRange")

    def test_request_ids_are_unique(self):
        ids = {self.raw.head(B, "nothing-here").header("x-amz-request-id") for _ in range(50)}
        self.assertEqual(len(ids), 50)

    def test_invalid_arguments(self):
        self.raw.put(B, "args/src", b"x")
        r = self.raw.put(B, "args/dst", headers={"x-amz-copy-source": f"/{B}/args/src",
                                                 "x-amz-metadata-directive": "FOO"})
        self.assertError(r, 400, "InvalidArgument")
        r = self.raw.put(B, "args/sc", b"x", headers={"x-amz-storage-class": "FOO"})
        self.assertError(r, 400, "InvalidStorageClass")
        for k in ("args/dst", "args/sc"):
            self.assertEqual(self.raw.head(B, k).status, 404)

    def test_create_bucket_location_constraints(self):
        def body(loc):
            return (b"<CreateBucketConfiguration xmlns=\"http://s3.amazonaws.com/doc/2006-03-01/\">"
                    b"<LocationConstraint>" + loc + b"</LocationConstraint></CreateBucketConfiguration>")
        # us-east-1 must not be named explicitly; another region is incompatible with this endpoint
        self.assertError(self.raw.request("PUT", "/loc-east", body=body(b"us-east-1")), 400, "InvalidLocationConstraint")
        self.assertError(self.raw.request("PUT", "/loc-eu", body=body(b"eu-west-1")), 400,
                         "IllegalLocationConstraintException")
        self.assertError(self.raw.request("PUT", "/loc-bad", body=b"<CreateBucketConfiguration><Loc"), 400,
                         "MalformedXML")
        for b in ("loc-east", "loc-eu", "loc-bad"):
            self.assertEqual(self.raw.request("HEAD", "/" + b).status, 404)

    # -- keys ------------------------------------------------------------------------------
    def test_unicode_normalisation_is_not_applied(self):
        nfc, nfd = "caf\u00e9", "cafe\u0301"
        self.assertEqual(self.raw.put(B, "uni/" + nfc, b"nfc").status, 200)
        self.assertEqual(self.raw.put(B, "uni/" + nfd, b"nfd").status, 200)
        self.assertEqual(self.raw.get(B, "uni/" + nfc).body, b"nfc")
        self.assertEqual(self.raw.get(B, "uni/" + nfd).body, b"nfd")
        self.assertEqual([k for k, _, _ in self.raw.list_keys(B, prefix="uni/")],
                         sorted(["uni/" + nfc, "uni/" + nfd], key=lambda k: k.encode()))

    def test_long_keys_sharing_long_prefixes_in_a_long_bucket_name(self):
        bk = "b" * 63
        self.assertEqual(self.raw.create_bucket(bk).status, 200)
        base = "p" * 600 + "/" + "q" * 390 + "/"  # 992 bytes
        suffixes = ["", "a", "a/", "a/b", "b", "\u00ff" * 8, "a" * 32, "A", "0", "~" * 31]
        keys = [base + sfx for sfx in suffixes]
        keys = [k for k in keys if len(k.encode()) <= 1024]
        self.assertEqual(len(keys), len(suffixes))
        for k in keys:
            r = self.raw.put(bk, k, k.encode()[-50:])
            self.assertEqual(r.status, 200, (len(k.encode()), r))
        want = sorted(keys, key=lambda k: k.encode())
        self.assertEqual([k for k, _, _ in self.raw.list_keys(bk)], want)
        for k in keys:
            self.assertEqual(self.raw.get(bk, k).body, k.encode()[-50:])
        # delimiter at the end of the shared prefix, and after it
        r = self.raw.list_v2(bk, prefix=base, delimiter="/", encoding_type="url")
        root = r.xml()
        import urllib.parse as up
        self.assertEqual([up.unquote(c.findtext("Prefix")) for c in root.iter("CommonPrefixes")], [base + "a/"])
        self.assertEqual([up.unquote(c.findtext("Key")) for c in root.iter("Contents")],
                         [k for k in want if "/" not in k[len(base):]])
        # pagination one key at a time across the long keys, and start-after in the middle
        got, token = [], None
        for _ in range(30):
            q = {"max_keys": "1", "encoding_type": "url"}
            if token:
                q["continuation_token"] = token
            root = self.raw.list_v2(bk, **q).xml()
            got += [up.unquote(c.findtext("Key")) for c in root.iter("Contents")]
            token = root.findtext("NextContinuationToken")
            if root.findtext("IsTruncated") != "true":
                break
        self.assertEqual(got, want)
        mid = want[4]
        root = self.raw.list_v2(bk, start_after=mid, encoding_type="url").xml()
        self.assertEqual([up.unquote(c.findtext("Key")) for c in root.iter("Contents")], want[5:])
        for k in keys:
            self.assertEqual(self.raw.delete(bk, k).status, 204)
        self.assertEqual(self.raw.request("DELETE", key_path(bk)).status, 204)

    def test_default_page_is_1000_keys(self):
        conn = http.client.HTTPConnection("127.0.0.1", self.server.port, timeout=30)
        bk = "many-keys"
        self.assertEqual(self.raw.create_bucket(bk).status, 200)
        for i in range(1105):
            path = key_path(bk, f"k{i:05d}")
            r = h.raw_request(self.server.port, "PUT", path, self.signed("PUT", path), b"", conn=conn)
            self.assertEqual(r.status, 200)
        conn.close()
        root = self.raw.list_v2(bk).xml()
        self.assertEqual(root.findtext("IsTruncated"), "true")
        self.assertEqual(root.findtext("KeyCount"), "1000")
        self.assertEqual(len(list(root.iter("Contents"))), 1000)
        root2 = self.raw.list_v2(bk, continuation_token=root.findtext("NextContinuationToken")).xml()
        self.assertEqual(root2.findtext("IsTruncated"), "false")
        self.assertEqual([c.findtext("Key") for c in root2.iter("Contents")], [f"k{i:05d}" for i in range(1000, 1105)])
        v1 = self.raw.request("GET", key_path(bk)).xml()
        self.assertEqual(v1.findtext("IsTruncated"), "true")
        self.assertEqual(len(list(v1.iter("Contents"))), 1000)

    def test_dotted_bucket_name(self):
        bk = "my.dotted.bucket"
        self.assertEqual(self.raw.create_bucket(bk).status, 200)
        self.assertEqual(self.raw.put(bk, "k", b"dots").status, 200)
        self.assertEqual(self.raw.get(bk, "k").body, b"dots")


def read_rest(sock):
    try:
        sock.settimeout(2)
        return sock.recv(65536)
    except OSError:
        return b""


class ShutdownSuite(unittest.TestCase):
    """SIGTERM with a request in flight: it completes, then the server exits 0."""

    def test_graceful_shutdown_finishes_in_flight_put(self):
        server = h.Server()
        try:
            server.start()
            raw = h.Client(server)
            self.assertEqual(raw.create_bucket(B).status, 200)
            body = os.urandom(1_000_000)
            path = key_path(B, "inflight")
            hdrs = h.sign_v4("PUT", path, [], {"host": server.host}, hashlib.sha256(body).hexdigest()).headers
            hdrs["Content-Length"] = str(len(body))
            with socket.create_connection(("127.0.0.1", server.port), timeout=20) as s:
                s.sendall(HttpSuite.head_bytes("PUT", path, hdrs))
                s.sendall(body[:400_000])
                time.sleep(0.3)
                server.proc.send_signal(signal.SIGTERM)
                time.sleep(0.5)
                self.assertIsNone(server.proc.poll(), "xs3d exited with a request in flight")
                s.sendall(body[400_000:])
                resp = read_status_line(s, timeout=15)
                self.assertTrue(resp.startswith(b"HTTP/1.1 200"), resp[:300])
            server.proc.wait(20)
            self.assertEqual(server.proc.returncode, 0)
            server.proc = None
            server.start()
            r = h.Client(server).get(B, "inflight")
            self.assertEqual(r.status, 200)
            self.assertEqual(r.body, body)
            server.stop()
        finally:
            server.cleanup()


class CredentialsSuite(unittest.TestCase):
    """Root keys from XS3_ROOT_*; secrets never printed; the default dev keys then stop working."""

    def test_custom_root_keys_and_masked_secrets(self):
        env = {"XS3_ROOT_ACCESS_KEY": "CUSTOMROOTKEY", "XS3_ROOT_SECRET_KEY": "custom-root-secret-9f8e7d"}
        server = h.Server(env=env, config={"users": [{"name": "bob", "access_key": "BOBKEY",
                                                      "secret_key": "bob-secret-1a2b3c"}]})
        try:
            server.start()
            root = h.Client(server, env["XS3_ROOT_ACCESS_KEY"], env["XS3_ROOT_SECRET_KEY"])
            self.assertEqual(root.create_bucket("custom-keys").status, 200)
            dev = h.Client(server)  # xs3devaccesskey / xs3devsecretkey
            r = dev.request("GET", "/")
            self.assertEqual(r.status, 403, r)
            self.assertEqual(r.error_code(), "InvalidAccessKeyId")
            server.stop()
            with open(server.log_path, "rb") as f:
                log = f.read()
            self.assertNotIn(b"custom-root-secret-9f8e7d", log, "root secret printed")
            self.assertNotIn(b"bob-secret-1a2b3c", log, "user secret printed")
        finally:
            server.cleanup()


def rss_kib(pid):
    with open(f"/proc/{pid}/status") as f:
        for line in f:
            if line.startswith("VmRSS:"):
                return int(line.split()[1])
    return 0


class ResourceSuite(unittest.TestCase):
    """Bounded memory for big bodies; idle connections are closed after --idle-timeout."""

    def test_256_mib_put_and_get_in_bounded_memory(self):
        size = 256 * 1024 * 1024
        server = h.Server()
        try:
            server.start()
            raw = h.Client(server)
            self.assertEqual(raw.create_bucket(B).status, 200)
            pid = server.proc.pid
            base = rss_kib(pid)
            peak = [base]
            done = threading.Event()

            def sample():
                while not done.is_set():
                    try:
                        peak[0] = max(peak[0], rss_kib(pid))
                    except OSError:
                        return
                    time.sleep(0.02)
            t = threading.Thread(target=sample, daemon=True)
            t.start()
            block = os.urandom(1024 * 1024)
            md5 = hashlib.md5()
            for _ in range(size // len(block)):
                md5.update(block)
            path = key_path(B, "big")
            hdrs = h.sign_v4("PUT", path, [], {"host": server.host}, "UNSIGNED-PAYLOAD").headers
            hdrs["Content-Length"] = str(size)
            r = h.raw_request(server.port, "PUT", path, hdrs, (block for _ in range(size // len(block))),
                              timeout=120)
            self.assertEqual(r.status, 200, r)
            self.assertEqual(r.header("ETag"), f'"{md5.hexdigest()}"')
            conn = http.client.HTTPConnection("127.0.0.1", server.port, timeout=120)
            s = h.sign_v4("GET", path, [], {"host": server.host}, h.EMPTY_SHA256)
            conn.putrequest("GET", path, skip_host=True, skip_accept_encoding=True)
            for k, v in s.headers.items():
                conn.putheader(k, v)
            conn.endheaders()
            resp = conn.getresponse()
            self.assertEqual(resp.status, 200)
            got = hashlib.md5()
            n = 0
            while True:
                chunk = resp.read(1024 * 1024)
                if not chunk:
                    break
                got.update(chunk)
                n += len(chunk)
                time.sleep(0)  # a reader slower than the disk: the server must not buffer ahead
            conn.close()
            done.set()
            t.join(5)
            self.assertEqual(n, size)
            self.assertEqual(got.hexdigest(), md5.hexdigest())
            grew_mib = (peak[0] - base) / 1024
            print(f"RSS base {base // 1024} MiB, peak {peak[0] // 1024} MiB", flush=True)
            self.assertLess(grew_mib, 64, f"RSS grew by {grew_mib:.0f} MiB for a 256 MiB PUT+GET")
            server.stop()
        finally:
            server.cleanup()

    def test_idle_connection_is_closed(self):
        server = h.Server(extra_args=["--idle-timeout", "1"])
        try:
            server.start()
            conn = http.client.HTTPConnection("127.0.0.1", server.port, timeout=10)
            conn.request("GET", "/_xs3/health")
            r = conn.getresponse()
            r.read()
            self.assertEqual(r.status, 200)
            time.sleep(2.5)
            conn.sock.settimeout(5)
            try:
                closed = conn.sock.recv(1) == b""
            except ConnectionResetError:
                closed = True
            conn.close()
            self.assertTrue(closed, "idle connection still open 2.5 s after --idle-timeout 1")
            server.stop()
        finally:
            server.cleanup()


class SharedBlobSuite(unittest.TestCase):
    """Copies share blobs: deleting or overwriting one name never harms another, across restarts
    and kill -9, and recovery removes exactly the blobs nothing references."""

    def body_files(self, server):
        out = []
        for dp, _ds, fs in os.walk(server.data_dir):
            # bodies live in subdirectories; top-level files are the server's own (keys, locks)
            if os.path.basename(dp) == "tmp" or os.path.samefile(dp, server.data_dir):
                continue
            out += [os.path.join(dp, f) for f in fs if not f.endswith(".mdb")]
        return out

    def test_copies_survive_source_delete_overwrite_and_restarts(self):
        server = h.Server(durability="fsync")
        try:
            server.start()
            raw = h.Client(server)
            self.assertEqual(raw.create_bucket(B).status, 200)
            src = os.urandom(300 * 1024)
            self.assertEqual(raw.put(B, "src", src).status, 200)
            for d in ("dst1", "dst2", "dst3"):
                r = raw.put(B, d, headers={"x-amz-copy-source": f"/{B}/src"})
                self.assertEqual(r.status, 200, r)
            self.assertEqual(raw.delete(B, "src").status, 204)
            new = os.urandom(200 * 1024)
            self.assertEqual(raw.put(B, "dst1", new).status, 200)
            self.assertEqual(raw.get(B, "dst2").body, src)
            server.restart()
            raw = h.Client(server)
            self.assertEqual(raw.get(B, "dst1").body, new)
            self.assertEqual(raw.get(B, "dst2").body, src)
            self.assertEqual(raw.get(B, "dst3").body, src)
            self.assertEqual(raw.delete(B, "dst2").status, 204)
            server.kill9()
            server.start()
            raw = h.Client(server)
            self.assertEqual(raw.get(B, "dst3").body, src, "the last copy of a shared body survives")
            self.assertEqual(raw.get(B, "dst1").body, new)
            self.assertEqual(raw.head(B, "dst2").status, 404)
            self.assertEqual(raw.delete(B, "dst3").status, 204)
            self.assertEqual(raw.delete(B, "dst1").status, 204)
            server.restart()
            leftovers = self.body_files(server)
            self.assertEqual(leftovers, [], f"bodies left after every object was deleted: {leftovers}")
            server.stop()
        finally:
            server.cleanup()


class LayoutNamesSuite(unittest.TestCase):
    """Buckets and keys named like the server's own directories survive restarts untouched;
    150 concurrent clients each write and read back their own objects."""

    def test_bucket_names_like_data_dir_entries(self):
        server = h.Server()
        try:
            server.start()
            raw = h.Client(server)
            names = ["tmp", "meta", "blobs", "data", "lock.mdb"]
            for n in names:
                self.assertEqual(raw.create_bucket(n).status, 200, n)
                for k in ("tmp/x", "meta/data.mdb", "blobs/00/00/x", "../tmp/y"):
                    self.assertEqual(raw.put(n, k, f"{n}:{k}".encode()).status, 200, (n, k))
            server.restart()
            raw = h.Client(server)
            for n in names:
                for k in ("tmp/x", "meta/data.mdb", "blobs/00/00/x", "../tmp/y"):
                    r = raw.get(n, k)
                    self.assertEqual((r.status, r.body), (200, f"{n}:{k}".encode()), (n, k))
            server.stop()
        finally:
            server.cleanup()

    def test_150_concurrent_clients(self):
        server = h.Server()
        try:
            server.start()
            self.assertEqual(h.Client(server).create_bucket(B).status, 200)
            errors = []

            def work(i):
                cl = h.Client(server)
                for j in range(10):
                    body = os.urandom(1000 + i * 10 + j)
                    try:
                        r = cl.put(B, f"c{i}/{j}", body)
                        if r.status != 200:
                            errors.append((i, j, r.status))
                            continue
                        g = cl.get(B, f"c{i}/{j}")
                        if g.body != body:
                            errors.append((i, j, "mismatch"))
                    except OSError as e:
                        errors.append((i, j, repr(e)))
            ts = [threading.Thread(target=work, args=(i,)) for i in range(150)]
            for t in ts:
                t.start()
            for t in ts:
                t.join(60)
            self.assertEqual(errors, [])
            self.assertEqual(len(h.Client(server).list_keys(B)), 1500)
            server.stop()
        finally:
            server.cleanup()


class ProcessSuite(unittest.TestCase):
    """Process contract: SIGINT is graceful too, a missing data dir is created, a busy port fails fast."""

    def test_sigint_exits_0(self):
        server = h.Server()
        try:
            server.start()
            self.assertEqual(h.Client(server).create_bucket(B).status, 200)
            proc = server.proc
            proc.send_signal(signal.SIGINT)
            self.assertEqual(proc.wait(20), 0)
            server.proc = None
        finally:
            server.cleanup()

    def test_missing_data_dir_is_created(self):
        base = h.tempfile.mkdtemp(prefix="xs3-conf-newdir-")
        try:
            server = h.Server(data_dir=os.path.join(base, "not", "yet", "there"))
            h.shutil.rmtree(os.path.join(base, "not"))  # Server() pre-creates it: make the whole path missing
            try:
                server.start()
                raw = h.Client(server)
                self.assertEqual(raw.create_bucket(B).status, 200)
                self.assertEqual(raw.put(B, "k", b"v").status, 200)
                server.stop()
                self.assertTrue(os.path.isdir(server.data_dir))
            finally:
                server.cleanup()
        finally:
            h.shutil.rmtree(base, ignore_errors=True)

    def test_busy_port_fails_fast(self):
        server = h.Server()
        try:
            server.start()
            d = h.tempfile.mkdtemp(prefix="xs3-conf-busy-")
            try:
                # (SO_REUSEPORT lets a second process bind the same port: the kernel would then
                # split connections between two servers with different data dirs)
                try:
                    p = h.subprocess.run([h.xs3d_path(), "--address", f"127.0.0.1:{server.port}", "--data-dir", d,
                                          "--durability", "relaxed"], stdout=h.subprocess.PIPE,
                                         stderr=h.subprocess.PIPE, timeout=10)
                except h.subprocess.TimeoutExpired as e:
                    self.fail("a second xs3d started on the busy port and kept running (killed after 10 s); "
                              f"its stdout: {(e.stdout or b'')[-300:]!r}")
                self.assertNotEqual(p.returncode, 0, "a second xs3d on a busy port must exit non-zero")
                self.assertNotIn(b"xs3d listening on", p.stdout)
            finally:
                h.shutil.rmtree(d, ignore_errors=True)
            self.assertEqual(h.Client(server).request("GET", "/").status, 200)
            server.stop()
        finally:
            server.cleanup()


class BucketRaceSuite(unittest.TestCase):
    """DeleteBucket racing PutObject: once the bucket is gone no PUT lands in it, so a bucket
    re-created under the same name starts empty (no ghost objects)."""

    def test_no_ghost_objects_after_delete_bucket_race(self):
        server = h.Server()
        try:
            server.start()
            c = h.Client(server)
            for rnd in range(3):
                self.assertEqual(c.create_bucket("race").status, 200)
                stop = threading.Event()

                def writer(t, rnd=rnd):
                    cl = h.Client(server)
                    n = 0
                    while not stop.is_set():
                        n += 1
                        try:
                            cl.put("race", f"{rnd}-{t}-{n}", b"x" * 100)
                        except OSError:
                            pass
                        time.sleep(0.003)
                ts = [threading.Thread(target=writer, args=(i,), daemon=True) for i in range(4)]
                for t in ts:
                    t.start()
                time.sleep(0.1)
                def try_delete(seconds):
                    t0 = time.monotonic()
                    while time.monotonic() - t0 < seconds:
                        for k, _, _ in c.list_keys("race"):
                            c.delete("race", k)
                        if c.request("DELETE", "/race").status == 204:
                            return True
                    return False
                # Racing the writers; on a loaded machine they can keep the bucket non-empty, so
                # the delete finishes once they stop (the ghost check below is the point).
                deleted = try_delete(5)
                stop.set()
                for t in ts:
                    t.join(10)
                deleted = deleted or try_delete(10)
                self.assertTrue(deleted, "could not delete the bucket")
                self.assertEqual(c.create_bucket("race").status, 200)
                self.assertEqual(c.list_keys("race"), [], "objects from before the delete reappeared")
                self.assertEqual(c.request("DELETE", "/race").status, 204)
            server.stop()
        finally:
            server.cleanup()


if __name__ == "__main__":
    h.main()
