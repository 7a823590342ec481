#!/usr/bin/env python3
"""Regenerates the fuzz seed corpora (fuzz/corpus/<target>/) from real client traffic.

A recording TCP proxy sits between boto3 and a real xs3d; every request the SDK sends (head and
body, byte for byte) is split out of the recorded streams and written as seeds for each target:

  request_head    flags byte (0: as captured, 1: re-signed by the fuzzer) + the raw request
  sigv4           method, path, query, then "name:value" headers, one per line
  aws_chunked     payload-mode byte + split byte + the aws-chunked body (HTTP de-chunked)
  request_bodies  operation byte (see request_bodies_fuzzer.cc) + XML/JSON body
  session_token   tokens minted as auth/session_token.cc does, with the fuzzer's fixed key/clock

Usage: XS3D=build/server/xs3d python3 fuzz/capture_seeds.py   (run with the pyenv python3 for
boto3 1.43's checksums, trailers and directory buckets, and with /usr/bin/python3 for boto3 1.26)
"""

import base64
import hashlib
import hmac
import json
import os
import socket
import sys
import threading
import urllib.request

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, "..", "conformance-tests", "python"))
import xs3harness as h  # noqa: E402

import boto3  # noqa: E402
import botocore  # noqa: E402
from botocore.config import Config  # noqa: E402

CORPUS = os.path.join(HERE, "corpus")


class RecordingProxy:
    """Forwards 127.0.0.1:<port> to the server and keeps what each client connection sent."""

    def __init__(self, upstream_port):
        self.upstream = upstream_port
        self.sock = socket.socket()
        self.sock.bind(("127.0.0.1", 0))
        self.sock.listen(64)
        self.port = self.sock.getsockname()[1]
        self.streams = []
        threading.Thread(target=self.accept, daemon=True).start()

    def accept(self):
        while True:
            try:
                c, _ = self.sock.accept()
            except OSError:
                return
            u = socket.create_connection(("127.0.0.1", self.upstream))
            buf = bytearray()
            self.streams.append(buf)
            threading.Thread(target=self.pump, args=(c, u, buf), daemon=True).start()
            threading.Thread(target=self.pump, args=(u, c, None), daemon=True).start()

    @staticmethod
    def pump(src, dst, record):
        try:
            while True:
                data = src.recv(65536)
                if not data:
                    break
                if record is not None:
                    record += data
                dst.sendall(data)
        except OSError:
            pass
        finally:
            try:
                dst.shutdown(socket.SHUT_WR)
            except OSError:
                pass


def split_requests(stream: bytes):
    """(head, raw_request, body) for each HTTP/1.1 request in a recorded client stream."""
    out = []
    pos = 0
    while pos < len(stream):
        end = stream.find(b"\r\n\r\n", pos)
        if end < 0:
            break
        head = stream[pos:end + 4]
        lines = head.decode("latin-1").split("\r\n")
        hdrs = {}
        for line in lines[1:]:
            if ":" in line:
                k, v = line.split(":", 1)
                hdrs[k.strip().lower()] = v.strip()
        p = end + 4
        body = b""
        if hdrs.get("transfer-encoding", "").lower() == "chunked":
            while True:
                le = stream.find(b"\r\n", p)
                size = int(stream[p:le].split(b";")[0], 16)
                body += stream[le + 2:le + 2 + size]
                p = le + 2 + size + 2
                if size == 0:
                    # trailers (none from the SDKs) end with an empty line, already consumed
                    break
        else:
            n = int(hdrs.get("content-length", "0"))
            body = stream[p:p + n]
            p += n
        out.append((lines[0], hdrs, stream[pos:p], body))
        pos = p
    return out


def write(target, data: bytes):
    d = os.path.join(CORPUS, target)
    os.makedirs(d, exist_ok=True)
    name = hashlib.sha1(data).hexdigest()
    with open(os.path.join(d, name), "wb") as f:
        f.write(data)


def sigv4_text(request_line, raw_head: bytes) -> bytes:
    method, target, _ = request_line.split(" ", 2)
    path, _, query = target.partition("?")
    lines = [method, path, query]
    for line in raw_head.decode("latin-1").split("\r\n")[1:]:
        if ":" in line:
            k, v = line.split(":", 1)
            lines.append(k + ":" + v.lstrip(" "))
    return "\n".join(lines).encode("latin-1")


def body_op(request_line, hdrs):
    method, target, _ = request_line.split(" ", 2)
    path, _, query = target.partition("?")
    directory = "--x-s3" in path
    if method == "POST" and query.startswith("delete"):
        return 1 if directory else 0
    if method == "POST" and "uploadId=" in query:
        return 2
    if method == "PUT" and path.count("/") == 1 and not query:
        return 4 if directory else 3
    if method == "PUT" and query.startswith("policy"):
        return 5
    return None


def workload(endpoint):
    cfg = Config(region_name="us-east-1", retries={"max_attempts": 1}, s3={"addressing_style": "path"})
    s3 = boto3.client("s3", endpoint_url=endpoint, aws_access_key_id=h.ROOT_ACCESS_KEY,
                      aws_secret_access_key=h.ROOT_SECRET_KEY, config=cfg)
    s3.create_bucket(Bucket="seed")
    s3.put_object(Bucket="seed", Key="dir/a b+c.txt", Body=b"hello world", Metadata={"m": "v"})
    s3.put_object(Bucket="seed", Key="k2", Body=b"x" * 3000, ContentType="text/plain")
    s3.get_object(Bucket="seed", Key="dir/a b+c.txt", Range="bytes=0-3")
    s3.head_object(Bucket="seed", Key="k2")
    s3.list_objects_v2(Bucket="seed", Prefix="dir/", Delimiter="/")
    s3.list_objects(Bucket="seed", Marker="a")
    s3.copy_object(Bucket="seed", Key="k3", CopySource={"Bucket": "seed", "Key": "k2"})
    up = s3.create_multipart_upload(Bucket="seed", Key="mp")
    p1 = s3.upload_part(Bucket="seed", Key="mp", UploadId=up["UploadId"], PartNumber=1, Body=b"p" * 100)
    s3.list_parts(Bucket="seed", Key="mp", UploadId=up["UploadId"])
    s3.complete_multipart_upload(Bucket="seed", Key="mp", UploadId=up["UploadId"],
                                 MultipartUpload={"Parts": [{"PartNumber": 1, "ETag": p1["ETag"]}]})
    s3.delete_objects(Bucket="seed", Delete={"Objects": [{"Key": "k3"}, {"Key": "nope"}], "Quiet": False})
    s3.delete_object(Bucket="seed", Key="k2")
    s3.list_buckets()
    s3.get_bucket_location(Bucket="seed")
    url = s3.generate_presigned_url("get_object", Params={"Bucket": "seed", "Key": "mp"}, ExpiresIn=300)
    urllib.request.urlopen(url).read()
    if tuple(int(x) for x in botocore.__version__.split(".")[:2]) >= (1, 33):
        zone_cfg = {"Location": {"Type": "AvailabilityZone", "Name": "use1-az4"},
                    "Bucket": {"DataRedundancy": "SingleAvailabilityZone", "Type": "Directory"}}
        d = "seed--use1-az4--x-s3"
        s3.create_bucket(Bucket=d, CreateBucketConfiguration=zone_cfg)
        s3.put_object(Bucket=d, Key="a/b", Body=b"express")
        s3.get_object(Bucket=d, Key="a/b")
        s3.list_objects_v2(Bucket=d, Prefix="a/")
        s3.delete_objects(Bucket=d, Delete={"Objects": [{"Key": "a/b"}]})
        s3.put_bucket_policy(Bucket=d, Policy=json.dumps({
            "Version": "2012-10-17",
            "Statement": [{"Effect": "Allow", "Principal": {"AWS": "arn:aws:iam::1:user/bob"},
                           "Action": "s3express:CreateSession", "Resource": f"arn:aws:s3express:us-east-1:000000000000:bucket/{d}",
                           "Condition": {"StringEquals": {"s3express:SessionMode": "ReadOnly"}}}]}))
        s3.list_directory_buckets()


def session_token_seeds():
    # Mirrors auth/session_token.cc: the fuzzer's master key (32 x 'k') and clock (1764000000).
    def b64url(raw):
        return base64.urlsafe_b64encode(raw).rstrip(b"=").decode()
    now = 1764000000
    hour = now // 3600
    key = hmac.new(b"k" * 32, f"xs3-session-key:{hour}".encode(), hashlib.sha256).digest()
    for mode, user, bucket in (("ReadWrite", "root", "seed--use1-az4--x-s3"), ("ReadOnly", "bob", "b--use1-az5--x-s3"),
                               ("CreateBucketOnly", "root", "new--use1-az4--x-s3")):
        payload = f"xs3s1\n{hour}\n{mode}\n{now + 300}\n{user}\n{bucket}\n00112233445566778899aabb".encode()
        mac = hmac.new(key, b"mac:" + payload, hashlib.sha256).digest()
        write("session_token", (b64url(payload) + "." + b64url(mac)).encode())
    write("session_token", b"\x01\x05seed--use1-az4--x-s3|root")


def aws_chunked_seeds():
    # Over plain HTTP the SDKs send checksums as headers, not aws-chunked trailers, so these are
    # encoded here as the S3 docs specify, with the fuzzer's key and seed signature (the docs'
    # own example, auth/aws_chunked_test.cc).
    key = h.signing_key("wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY", "20130524", "us-east-1")
    amz_date, scope = "20130524T000000Z", "20130524/us-east-1/s3/aws4_request"
    seed = "4f232c4386841ef735655705268965c44a0e4690baa4adea153f7db9fa80a0a9"
    pieces = [b"a" * 700, b"b" * 300, b"tail"]
    crc = base64.b64encode(__import__("zlib").crc32(b"".join(pieces)).to_bytes(4, "big"))
    for mode in (0, 1, 2):
        out, prev = b"", seed
        for p in pieces + [b""]:
            if mode == 2:
                out += f"{len(p):x}\r\n".encode() + p + (b"\r\n" if p else b"")
            else:
                sig = h.chunk_signature(key, amz_date, scope, prev, p)
                out += f"{len(p):x};chunk-signature={sig}\r\n".encode() + p + (b"\r\n" if p else b"")
                prev = sig
        trailer = b"x-amz-checksum-crc32:" + crc
        if mode == 0:
            out += b"\r\n"
        elif mode == 1:
            tsig = h.trailer_signature(key, amz_date, scope, prev, trailer + b"\n")
            out += trailer + b"\r\n" + f"x-amz-trailer-signature:{tsig}\r\n".encode() + b"\r\n"
        else:
            out += trailer + b"\r\n\r\n"
        write("aws_chunked", bytes([mode, 7]) + out)


def main():
    server = h.Server(config={"users": [{"name": "bob", "access_key": "BOBKEY", "secret_key": "BOBSECRET"}]}).start()
    try:
        proxy = RecordingProxy(server.port)
        workload(f"http://127.0.0.1:{proxy.port}")
    finally:
        server.stop()
    n = 0
    for stream in proxy.streams:
        for request_line, hdrs, raw, body in split_requests(bytes(stream)):
            n += 1
            write("request_head", b"\x00" + raw)
            write("request_head", b"\x01" + raw)
            write("sigv4", sigv4_text(request_line, raw[:raw.find(b"\r\n\r\n")]))
            if "aws-chunked" in hdrs.get("content-encoding", ""):
                mode = {"STREAMING-AWS4-HMAC-SHA256-PAYLOAD": 0, "STREAMING-AWS4-HMAC-SHA256-PAYLOAD-TRAILER": 1,
                        "STREAMING-UNSIGNED-PAYLOAD-TRAILER": 2}.get(hdrs.get("x-amz-content-sha256"), 2)
                write("aws_chunked", bytes([mode, 7]) + body)
            op = body_op(request_line, hdrs)
            if op is not None and body:
                write("request_bodies", bytes([op]) + body)
    session_token_seeds()
    aws_chunked_seeds()
    print(f"captured {n} requests from boto3 {boto3.__version__}")


if __name__ == "__main__":
    main()
