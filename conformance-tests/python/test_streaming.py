"""conformance.streaming: aws-chunked uploads built by hand.

* STREAMING-AWS4-HMAC-SHA256-PAYLOAD (signed chunks; the chain computed here), with a known
  Content-Length and inside HTTP chunked transfer (no Content-Length);
* STREAMING-AWS4-HMAC-SHA256-PAYLOAD-TRAILER (signed chunks + signed CRC32 trailer);
* STREAMING-UNSIGNED-PAYLOAD-TRAILER (what the JS SDK sends);
* tampering: a changed chunk byte, a wrong chunk signature, a wrong trailer checksum, a
  truncated body -> the exact error and nothing stored (an existing object is left alone).
The JS SDK's own streaming uploads are in js/streaming.test.mjs (conformance.streaming_js).
"""

import hashlib
import os
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import xs3harness as h  # noqa: E402
from xs3harness import key_path  # noqa: E402
from test_negative import Assertions  # noqa: E402

B = "stream"
SIGNED = "STREAMING-AWS4-HMAC-SHA256-PAYLOAD"
SIGNED_TRAILER = "STREAMING-AWS4-HMAC-SHA256-PAYLOAD-TRAILER"
UNSIGNED_TRAILER = "STREAMING-UNSIGNED-PAYLOAD-TRAILER"


def split(data, size):
    return [data[i:i + size] for i in range(0, len(data), size)] or []


def http_chunked(payload: bytes, piece: int):
    """Frames payload as HTTP/1.1 chunked transfer encoding, pieces of `piece` bytes."""
    for i in range(0, len(payload), piece):
        part = payload[i:i + piece]
        yield f"{len(part):x}\r\n".encode() + part + b"\r\n"
    yield b"0\r\n\r\n"


class StreamingSuite(h.ServerTestCase, Assertions):

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        assert cls.raw.create_bucket(B).status == 200

    def streaming_put(self, key, data, mode=SIGNED, chunk=65536, transfer_chunked=False, trailer_value=None,
                      tamper=None, drop_final=False, algo="crc32"):
        """Builds and sends one aws-chunked PutObject. tamper(chunks_list) may edit the encoded chunks."""
        path = key_path(B, key)
        pieces = split(data, chunk)
        headers = {"host": self.server.host, "content-encoding": "aws-chunked",
                   "x-amz-decoded-content-length": str(len(data))}
        trailer_name = f"x-amz-checksum-{algo}"
        if mode != SIGNED:
            headers["x-amz-trailer"] = trailer_name
            headers["x-amz-sdk-checksum-algorithm"] = algo.upper()
        if trailer_value is None:
            trailer_value = h.crc32_b64(data)

        def encode(seed_sig, key_bytes, amz_date, scope):
            out = []
            prev = seed_sig
            for p in pieces:
                if mode == UNSIGNED_TRAILER:
                    out.append(f"{len(p):x}\r\n".encode() + p + b"\r\n")
                else:
                    sig = h.chunk_signature(key_bytes, amz_date, scope, prev, p)
                    out.append(f"{len(p):x};chunk-signature={sig}\r\n".encode() + p + b"\r\n")
                    prev = sig
            if mode == UNSIGNED_TRAILER:
                final = b"0\r\n" + f"{trailer_name}:{trailer_value}\r\n".encode() + b"\r\n"
            else:
                sig = h.chunk_signature(key_bytes, amz_date, scope, prev, b"")
                final = f"0;chunk-signature={sig}\r\n".encode()
                if mode == SIGNED:
                    final += b"\r\n"
                else:
                    trailer_line = f"{trailer_name}:{trailer_value}".encode()
                    tsig = h.trailer_signature(key_bytes, amz_date, scope, sig, trailer_line + b"\n")
                    final += trailer_line + b"\r\n" + f"x-amz-trailer-signature:{tsig}\r\n".encode() + b"\r\n"
            if not drop_final:
                out.append(final)
            return out

        # The encoded length does not depend on signature values (fixed 64 hex chars), so the
        # Content-Length can be computed before signing.
        dummy = encode("0" * 64, b"k", "20000101T000000Z", "x")
        encoded_len = sum(len(c) for c in dummy)
        if transfer_chunked:
            headers["transfer-encoding"] = "chunked"
            sign_names = [n for n in headers if n != "transfer-encoding"]
        else:
            headers["content-length"] = str(encoded_len)
            sign_names = list(headers)
        s = h.sign_v4("PUT", path, [], headers, mode, signed_header_names=sign_names + ["x-amz-date",
                                                                                       "x-amz-content-sha256"])
        chunks = encode(s.signature, s.key, s.amz_date, s.scope)
        if tamper:
            tamper(chunks)
        payload = b"".join(chunks)
        if transfer_chunked:
            body = http_chunked(payload, 7000)
        else:
            self.assertEqual(len(payload), encoded_len)
            body = payload
        return h.raw_request(self.server.port, "PUT", path, s.headers, body)

    def assertStored(self, key, data):
        r = self.raw.get(B, key)
        self.assertEqual(r.status, 200, r)
        self.assertEqual(len(r.body), len(data))
        self.assertEqual(r.body, data)
        self.assertEqual(r.header("ETag"), '"' + hashlib.md5(data).hexdigest() + '"')
        self.assertNotIn("aws-chunked", r.header("Content-Encoding") or "",
                         "aws-chunked is a transfer detail, not stored as Content-Encoding")

    def assertAbsent(self, key):
        self.assertEqual(self.raw.head(B, key).status, 404, f"{key} must not be stored")

    # -- the signer itself ---------------------------------------------------------------
    def test_00_chunk_signer_matches_aws_example(self):
        # "Signature Calculations for the Authorization Header: Transferring Payload in Multiple
        # Chunks" example from the S3 API reference.
        s = h.sign_v4("PUT", "/examplebucket/chunkObject.txt", [],
                      {"Host": "s3.amazonaws.com", "x-amz-storage-class": "REDUCED_REDUNDANCY",
                       "Content-Encoding": "aws-chunked", "x-amz-decoded-content-length": "66560",
                       "Content-Length": "66824"}, SIGNED, access_key="AKIAIOSFODNN7EXAMPLE",
                      secret_key="wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY", amz_date="20130524T000000Z")
        self.assertEqual(s.signature, "4f232c4386841ef735655705268965c44a0e4690baa4adea153f7db9fa80a0a9")
        c1 = h.chunk_signature(s.key, s.amz_date, s.scope, s.signature, b"a" * 65536)
        self.assertEqual(c1, "ad80c730a21e5b8d04586a2213dd63b9a0e99e0e2307b0ade35a65485a288648")
        c2 = h.chunk_signature(s.key, s.amz_date, s.scope, c1, b"a" * 1024)
        self.assertEqual(c2, "0055627c9e194cb4542bae2aa5492e3c1575bbb81b612b7d234b86a503ef5497")
        c3 = h.chunk_signature(s.key, s.amz_date, s.scope, c2, b"")
        self.assertEqual(c3, "b6c6ea8a5354eaf15b3cb7646744f4275b71ea724fed81ceb9323e279d449df9")

    # -- accepted ------------------------------------------------------------------------
    def test_signed_chunks_known_length(self):
        data = os.urandom(66560)
        r = self.streaming_put("signed/known", data)
        self.assertEqual(r.status, 200, r)
        self.assertStored("signed/known", data)

    def test_signed_chunks_many_small_chunks(self):
        data = os.urandom(200_000)
        r = self.streaming_put("signed/small-chunks", data, chunk=8192)
        self.assertEqual(r.status, 200, r)
        self.assertStored("signed/small-chunks", data)

    def test_signed_chunks_empty_object(self):
        r = self.streaming_put("signed/empty", b"")
        self.assertEqual(r.status, 200, r)
        self.assertStored("signed/empty", b"")

    def test_signed_chunks_inside_http_chunked_no_content_length(self):
        data = os.urandom(150_001)
        r = self.streaming_put("signed/http-chunked", data, transfer_chunked=True)
        self.assertEqual(r.status, 200, r)
        self.assertStored("signed/http-chunked", data)

    def test_signed_chunks_with_signed_trailer(self):
        data = os.urandom(100_000)
        r = self.streaming_put("signed/trailer", data, mode=SIGNED_TRAILER)
        self.assertEqual(r.status, 200, r)
        self.assertEqual(r.header("x-amz-checksum-crc32"), h.crc32_b64(data))
        self.assertStored("signed/trailer", data)
        g = self.raw.get(B, "signed/trailer", headers={"x-amz-checksum-mode": "ENABLED"})
        self.assertEqual(g.header("x-amz-checksum-crc32"), h.crc32_b64(data))

    def test_unsigned_trailer_known_length(self):
        data = os.urandom(70_000)
        r = self.streaming_put("unsigned/known", data, mode=UNSIGNED_TRAILER, chunk=65536)
        self.assertEqual(r.status, 200, r)
        self.assertEqual(r.header("x-amz-checksum-crc32"), h.crc32_b64(data))
        self.assertStored("unsigned/known", data)

    def test_unsigned_trailer_http_chunked(self):
        data = os.urandom(123_457)
        r = self.streaming_put("unsigned/http-chunked", data, mode=UNSIGNED_TRAILER, chunk=10_000,
                               transfer_chunked=True)
        self.assertEqual(r.status, 200, r)
        self.assertStored("unsigned/http-chunked", data)

    def test_content_encoding_aws_chunked_is_not_stored(self):
        data = os.urandom(5000)
        for key, ce, want in (("ce/plain", "aws-chunked", None), ("ce/gzip-after", "aws-chunked,gzip", "gzip"),
                              ("ce/gzip-before", "gzip,aws-chunked", "gzip")):
            path = key_path(B, key)
            body = b"%x\r\n" % len(data) + data + b"\r\n0\r\n" + \
                f"x-amz-checksum-crc32:{h.crc32_b64(data)}\r\n\r\n".encode()
            headers = {"host": self.server.host, "content-encoding": ce, "x-amz-trailer": "x-amz-checksum-crc32",
                       "x-amz-decoded-content-length": str(len(data)), "content-length": str(len(body))}
            s = h.sign_v4("PUT", path, [], headers, UNSIGNED_TRAILER)
            r = h.raw_request(self.server.port, "PUT", path, s.headers, body)
            self.assertEqual(r.status, 200, r)
            hd = self.raw.head(B, key)
            self.assertEqual(hd.header("Content-Encoding"), want, f"{ce!r} stored as {hd.header('Content-Encoding')!r}")
            self.assertEqual(hd.header("Content-Length"), str(len(data)))

    # -- refused -------------------------------------------------------------------------
    def test_tampered_chunk_data(self):
        data = os.urandom(3 * 65536)

        def flip(chunks):
            c = bytearray(chunks[1])
            c[-10] ^= 0x01  # a payload byte of the second chunk
            chunks[1] = bytes(c)
        r = self.streaming_put("bad/tampered", data, tamper=flip)
        self.assertError(r, 403, "SignatureDoesNotMatch")
        self.assertAbsent("bad/tampered")

    def test_tampered_chunk_over_existing_object_keeps_it(self):
        old = b"old content"
        self.assertEqual(self.raw.put(B, "bad/existing", old).status, 200)
        data = os.urandom(2 * 65536)

        def flip(chunks):
            c = bytearray(chunks[0])
            c[-3] ^= 0xFF
            chunks[0] = bytes(c)
        r = self.streaming_put("bad/existing", data, tamper=flip)
        self.assertError(r, 403, "SignatureDoesNotMatch")
        self.assertStored("bad/existing", old)

    def test_wrong_chunk_signature(self):
        data = os.urandom(100_000)

        def resign(chunks):
            chunks[0] = chunks[0].replace(b"chunk-signature=", b"chunk-signature=0", 1)
            head, rest = chunks[0].split(b"\r\n", 1)
            chunks[0] = head[:-1] + b"\r\n" + rest  # keep 64 hex chars
        r = self.streaming_put("bad/chunksig", data, tamper=resign)
        self.assertError(r, 403, "SignatureDoesNotMatch")
        self.assertAbsent("bad/chunksig")

    def test_tampered_final_chunk_signature(self):
        data = os.urandom(1000)

        def zero_final(chunks):
            final = chunks[-1]
            i = final.index(b"=") + 1
            chunks[-1] = final[:i] + b"0" * 64 + final[i + 64:]
        r = self.streaming_put("bad/finalsig", data, tamper=zero_final)
        self.assertError(r, 403, "SignatureDoesNotMatch")
        self.assertAbsent("bad/finalsig")

    def test_wrong_trailer_checksum_unsigned(self):
        data = os.urandom(50_000)
        r = self.streaming_put("bad/trailer-crc", data, mode=UNSIGNED_TRAILER,
                               trailer_value=h.crc32_b64(b"something else"))
        self.assertError(r, 400, "BadDigest")
        self.assertAbsent("bad/trailer-crc")

    def test_wrong_trailer_checksum_signed(self):
        data = os.urandom(50_000)
        r = self.streaming_put("bad/trailer-crc-signed", data, mode=SIGNED_TRAILER,
                               trailer_value=h.crc32_b64(b"something else"))
        self.assertError(r, 400, "BadDigest")
        self.assertAbsent("bad/trailer-crc-signed")

    def test_truncated_body_without_final_chunk(self):
        data = os.urandom(100_000)
        r = self.streaming_put("bad/truncated", data, drop_final=True)
        self.assertError(r, 400, "IncompleteBody")
        self.assertAbsent("bad/truncated")

    def test_malformed_aws_chunked_bodies_are_refused(self):
        # AWS does not document a code for each framing error; what matters: a 400 with an S3
        # error body, nothing stored, the server still serving.
        d = b"hello world"
        crc = h.crc32_b64(d).encode()
        trailer = b"0\r\nx-amz-checksum-crc32:" + crc + b"\r\n\r\n"
        cases = {
            "huge-size": b"FFFFFFFFFFFFFFFF\r\n" + d + b"\r\n" + trailer,
            "chunk-beyond-decoded-length": b"b\r\n" + d + b"\r\n" + b"5\r\nextra\r\n" + trailer,
            "no-crlf-after-data": b"b\r\n" + d + b"XX" + trailer,
            "missing-trailer": b"b\r\n" + d + b"\r\n0\r\n\r\n",
            "non-hex-size": b"zz\r\n" + d + b"\r\n" + trailer,
            "data-after-end": b"b\r\n" + d + b"\r\n" + trailer + b"GARBAGE",
            "other-trailer-than-announced": b"b\r\n" + d + b"\r\n0\r\nx-amz-checksum-sha256:" + crc + b"\r\n\r\n",
        }
        for name, body in cases.items():
            path = key_path(B, "malformed/" + name)
            headers = {"host": self.server.host, "content-encoding": "aws-chunked", "x-amz-trailer": "x-amz-checksum-crc32",
                       "x-amz-decoded-content-length": str(len(d)), "content-length": str(len(body))}
            s = h.sign_v4("PUT", path, [], headers, UNSIGNED_TRAILER)
            r = h.raw_request(self.server.port, "PUT", path, s.headers, body)
            self.assertEqual(r.status, 400, f"{name}: {r}")
            self.assertTrue(r.error_code(), f"{name}: S3 error XML expected: {r}")
            self.assertHeaders(r)
            self.assertAbsent("malformed/" + name)
        self.assertEqual(self.raw.list_v2(B).status, 200)

    def test_decoded_length_mismatch(self):
        data = os.urandom(10_000)
        path = key_path(B, "bad/declen")
        body = b"%x\r\n" % len(data) + data + b"\r\n0\r\n" + f"x-amz-checksum-crc32:{h.crc32_b64(data)}\r\n\r\n".encode()
        headers = {"host": self.server.host, "content-encoding": "aws-chunked",
                   "x-amz-decoded-content-length": str(len(data) + 5), "x-amz-trailer": "x-amz-checksum-crc32",
                   "content-length": str(len(body))}
        s = h.sign_v4("PUT", path, [], headers, UNSIGNED_TRAILER)
        r = h.raw_request(self.server.port, "PUT", path, s.headers, body)
        self.assertEqual(r.status, 400, r)
        self.assertIn(r.error_code(), ("IncompleteBody", "InvalidRequest", "BadDigest"), r)
        self.assertAbsent("bad/declen")


if __name__ == "__main__":
    h.main()
