"""conformance.boto3_debian / conformance.boto3_pyenv: boto3 against a fresh xs3d.

The same file runs under Debian's python3 (boto3 1.26: Content-MD5, no default checksums) and
the pyenv python3 (boto3 1.43: CRC32 by default, checksum validation on GET).
"""

import hashlib
import io
import os
import sys
import urllib.parse
import urllib.request
import urllib.error
import zlib
import base64

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import xs3harness as h  # noqa: E402

import boto3  # noqa: E402
import botocore  # noqa: E402
from botocore.config import Config  # noqa: E402
from botocore.exceptions import ClientError  # noqa: E402

print(f"python {sys.version.split()[0]} ({sys.executable}), boto3 {boto3.__version__}, "
      f"botocore {botocore.__version__}", flush=True)

B = "boto-main"
ODD_KEYS = [
    "with space.txt", "plus+sign", "percent%20literal", "unicode/日本語/ключ", "emoji 😀/🚀.bin",
    "amp&eq=q?hash#", "quote'\"<>", "tilde~star*paren()", "multiple//slashes", " leading space",
    "ctl\x01char",
]


def etag(data: bytes) -> str:
    return '"' + hashlib.md5(data).hexdigest() + '"'


class Boto3Suite(h.ServerTestCase):

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.s3 = cls.client()
        cls.s3.create_bucket(Bucket=B)

    @classmethod
    def client(cls, **cfg):
        kwargs = dict(s3={"addressing_style": "path"}, retries={"max_attempts": 1},
                      connect_timeout=10, read_timeout=60)
        kwargs.update(cfg)
        return boto3.session.Session().client(
            "s3", endpoint_url=cls.server.endpoint, region_name=h.REGION,
            aws_access_key_id=h.ROOT_ACCESS_KEY, aws_secret_access_key=h.ROOT_SECRET_KEY,
            config=Config(**kwargs))

    def assertError(self, ctx, code, status):
        err = ctx.exception.response
        self.assertEqual(err["ResponseMetadata"]["HTTPStatusCode"], status, err)
        self.assertEqual(err["Error"]["Code"], code, err)

    def get_bytes(self, key, bucket=B, **kw):
        return self.s3.get_object(Bucket=bucket, Key=key, **kw)["Body"].read()

    # -- buckets --------------------------------------------------------------------------
    def test_bucket_lifecycle(self):
        self.s3.create_bucket(Bucket="boto-life")
        r = self.s3.head_bucket(Bucket="boto-life")
        self.assertEqual(r["ResponseMetadata"]["HTTPStatusCode"], 200)
        self.assertEqual(r["ResponseMetadata"]["HTTPHeaders"].get("x-amz-bucket-region"), h.REGION)
        names = [b["Name"] for b in self.s3.list_buckets()["Buckets"]]
        self.assertIn("boto-life", names)
        self.assertIn(B, names)
        loc = self.s3.get_bucket_location(Bucket="boto-life")
        self.assertIn(loc.get("LocationConstraint"), (None, ""))
        self.s3.put_object(Bucket="boto-life", Key="x", Body=b"x")
        with self.assertRaises(ClientError) as ctx:
            self.s3.delete_bucket(Bucket="boto-life")
        self.assertError(ctx, "BucketNotEmpty", 409)
        self.s3.delete_object(Bucket="boto-life", Key="x")
        r = self.s3.delete_bucket(Bucket="boto-life")
        self.assertEqual(r["ResponseMetadata"]["HTTPStatusCode"], 204)
        with self.assertRaises(ClientError) as ctx:
            self.s3.head_bucket(Bucket="boto-life")
        self.assertEqual(ctx.exception.response["ResponseMetadata"]["HTTPStatusCode"], 404)

    # -- objects --------------------------------------------------------------------------
    def test_put_get_bytes_and_metadata(self):
        body = os.urandom(70_000)
        r = self.s3.put_object(Bucket=B, Key="obj/bin", Body=body, ContentType="application/x-test",
                               Metadata={"color": "blue", "Mixed-Case": "V"},
                               ContentDisposition='attachment; filename="b.bin"', CacheControl="no-store",
                               ContentLanguage="fr", ContentEncoding="identity")
        self.assertEqual(r["ETag"], etag(body))
        g = self.s3.get_object(Bucket=B, Key="obj/bin")
        self.assertEqual(g["Body"].read(), body)
        self.assertEqual(g["ContentLength"], len(body))
        self.assertEqual(g["ContentType"], "application/x-test")
        self.assertEqual(g["Metadata"], {"color": "blue", "mixed-case": "V"})
        hd = self.s3.head_object(Bucket=B, Key="obj/bin")
        self.assertEqual(hd["ETag"], etag(body))
        self.assertEqual(hd["ContentDisposition"], 'attachment; filename="b.bin"')
        self.assertEqual(hd["CacheControl"], "no-store")
        self.assertEqual(hd["ContentLanguage"], "fr")
        self.assertEqual(hd["ContentEncoding"], "identity")
        self.assertEqual(hd["ResponseMetadata"]["HTTPHeaders"].get("accept-ranges"), "bytes")

    def test_ranges(self):
        body = b"0123456789X"
        self.s3.put_object(Bucket=B, Key="obj/range", Body=body)
        for rng, want, cr in (("bytes=0-4", b"01234", "bytes 0-4/11"), ("bytes=-3", b"89X", "bytes 8-10/11"),
                              ("bytes=5-", b"56789X", "bytes 5-10/11"), ("bytes=3-100", b"3456789X", "bytes 3-10/11")):
            g = self.s3.get_object(Bucket=B, Key="obj/range", Range=rng)
            self.assertEqual(g["ResponseMetadata"]["HTTPStatusCode"], 206, rng)
            self.assertEqual(g["ContentRange"], cr, rng)
            self.assertEqual(g["Body"].read(), want, rng)
        with self.assertRaises(ClientError) as ctx:
            self.s3.get_object(Bucket=B, Key="obj/range", Range="bytes=11-20")
        self.assertError(ctx, "InvalidRange", 416)

    def test_conditionals(self):
        body = b"conditional"
        self.s3.put_object(Bucket=B, Key="obj/cond", Body=body)
        with self.assertRaises(ClientError) as ctx:
            self.s3.get_object(Bucket=B, Key="obj/cond", IfMatch='"nope"')
        self.assertError(ctx, "PreconditionFailed", 412)
        with self.assertRaises(ClientError) as ctx:
            self.s3.get_object(Bucket=B, Key="obj/cond", IfNoneMatch=etag(body))
        self.assertEqual(ctx.exception.response["ResponseMetadata"]["HTTPStatusCode"], 304)
        self.assertEqual(self.get_bytes("obj/cond", IfMatch=etag(body)), body)
        # IfNoneMatch on put_object is newer than boto3 1.26: add the header by hand there
        with self.assertRaises(ClientError) as ctx:
            self.put_with_headers({"If-None-Match": "*"}, Bucket=B, Key="obj/cond", Body=b"again")
        self.assertError(ctx, "PreconditionFailed", 412)
        self.assertEqual(self.get_bytes("obj/cond"), body)
        r = self.put_with_headers({"If-None-Match": "*"}, Bucket=B, Key="obj/cond-new", Body=b"new")
        self.assertEqual(r["ResponseMetadata"]["HTTPStatusCode"], 200)

    def put_with_headers(self, headers, **kw):
        def add(request, **_):
            for k, v in headers.items():
                request.headers[k] = v
        self.s3.meta.events.register_first("before-sign.s3.PutObject", add)
        try:
            return self.s3.put_object(**kw)
        finally:
            self.s3.meta.events.unregister("before-sign.s3.PutObject", add)

    def test_response_overrides(self):
        self.s3.put_object(Bucket=B, Key="obj/override", Body=b"o", ContentType="text/plain")
        g = self.s3.get_object(Bucket=B, Key="obj/override", ResponseContentType="image/png",
                               ResponseContentLanguage="es", ResponseExpires="Thu, 01 Jan 2037 00:00:00 GMT")
        self.assertEqual(g["ContentType"], "image/png")
        self.assertEqual(g["ContentLanguage"], "es")
        self.assertEqual(g["ResponseMetadata"]["HTTPHeaders"]["expires"], "Thu, 01 Jan 2037 00:00:00 GMT")

    def test_copy(self):
        src = b"copy me"
        self.s3.put_object(Bucket=B, Key="cp/src", Body=src, Metadata={"a": "1"}, ContentType="text/x-a")
        r = self.s3.copy_object(Bucket=B, Key="cp/dst", CopySource={"Bucket": B, "Key": "cp/src"})
        self.assertEqual(r["CopyObjectResult"]["ETag"], etag(src))
        hd = self.s3.head_object(Bucket=B, Key="cp/dst")
        self.assertEqual(hd["Metadata"], {"a": "1"})
        self.assertEqual(hd["ContentType"], "text/x-a")
        self.s3.copy_object(Bucket=B, Key="cp/dst2", CopySource={"Bucket": B, "Key": "cp/src"},
                            MetadataDirective="REPLACE", Metadata={"b": "2"}, ContentType="text/x-b")
        hd = self.s3.head_object(Bucket=B, Key="cp/dst2")
        self.assertEqual(hd["Metadata"], {"b": "2"})
        self.assertEqual(hd["ContentType"], "text/x-b")
        self.assertEqual(self.get_bytes("cp/dst2"), src)
        # managed copy (s3transfer) of an odd key
        self.s3.put_object(Bucket=B, Key="cp/odd key+ü", Body=src)
        self.s3.copy({"Bucket": B, "Key": "cp/odd key+ü"}, B, "cp/dst3")
        self.assertEqual(self.get_bytes("cp/dst3"), src)
        with self.assertRaises(ClientError) as ctx:
            self.s3.copy_object(Bucket=B, Key="cp/dst4", CopySource={"Bucket": B, "Key": "cp/src"},
                                CopySourceIfNoneMatch=etag(src))
        self.assertError(ctx, "PreconditionFailed", 412)
        with self.assertRaises(ClientError) as ctx:
            self.s3.copy_object(Bucket=B, Key="cp/dst5", CopySource={"Bucket": B, "Key": "cp/missing"})
        self.assertError(ctx, "NoSuchKey", 404)

    def test_delete_objects(self):
        keys = [f"del/{i}" for i in range(5)]
        for k in keys:
            self.s3.put_object(Bucket=B, Key=k, Body=k.encode())
        r = self.s3.delete_objects(Bucket=B, Delete={"Objects": [{"Key": k} for k in keys[:3]] + [{"Key": "del/none"}]})
        self.assertEqual(sorted(d["Key"] for d in r["Deleted"]), sorted(keys[:3] + ["del/none"]))
        self.assertNotIn("Errors", r)
        r = self.s3.delete_objects(Bucket=B, Delete={"Objects": [{"Key": k} for k in keys[3:]], "Quiet": True})
        self.assertNotIn("Deleted", r)
        self.assertEqual(self.s3.list_objects_v2(Bucket=B, Prefix="del/")["KeyCount"], 0)
        self.s3.put_object(Bucket=B, Key="del/x", Body=b"")
        self.s3.delete_object(Bucket=B, Key="del/x")
        with self.assertRaises(ClientError) as ctx:
            self.s3.head_object(Bucket=B, Key="del/x")
        self.assertEqual(ctx.exception.response["ResponseMetadata"]["HTTPStatusCode"], 404)

    # -- listing --------------------------------------------------------------------------
    def test_listing_and_paginators(self):
        bk = "boto-list"
        self.s3.create_bucket(Bucket=bk)
        keys = sorted([f"p/{i:03d}" for i in range(25)] + ["p/sub/a", "p/sub/b", "q/1", "r"])
        for k in keys:
            self.s3.put_object(Bucket=bk, Key=k, Body=b"x")
        pages = list(self.s3.get_paginator("list_objects_v2").paginate(Bucket=bk, PaginationConfig={"PageSize": 7}))
        self.assertEqual(len(pages), (len(keys) + 6) // 7)
        self.assertEqual([c["Key"] for p in pages for c in p.get("Contents", [])], keys)
        pages = list(self.s3.get_paginator("list_objects").paginate(Bucket=bk, PaginationConfig={"PageSize": 10}))
        self.assertEqual([c["Key"] for p in pages for c in p.get("Contents", [])], keys)
        d = self.s3.list_objects_v2(Bucket=bk, Delimiter="/")
        self.assertEqual([c["Key"] for c in d.get("Contents", [])], ["r"])
        self.assertEqual([p["Prefix"] for p in d["CommonPrefixes"]], ["p/", "q/"])
        d = self.s3.list_objects_v2(Bucket=bk, Delimiter="/", Prefix="p/")
        self.assertEqual(len(d["Contents"]), 25)
        self.assertEqual([p["Prefix"] for p in d["CommonPrefixes"]], ["p/sub/"])
        s = self.s3.list_objects_v2(Bucket=bk, StartAfter="p/sub/a")
        self.assertEqual([c["Key"] for c in s["Contents"]], ["p/sub/b", "q/1", "r"])
        o = self.s3.list_objects_v2(Bucket=bk, Prefix="q/", FetchOwner=True)
        self.assertTrue(o["Contents"][0]["Owner"]["ID"])
        m = self.s3.list_objects(Bucket=bk, Marker="p/sub/b")
        self.assertEqual([c["Key"] for c in m["Contents"]], ["q/1", "r"])
        pd = list(self.s3.get_paginator("list_objects_v2").paginate(Bucket=bk, Delimiter="/", Prefix="p/",
                                                                    PaginationConfig={"PageSize": 10}))
        self.assertEqual(sum(len(p.get("Contents", [])) for p in pd), 25)
        self.assertEqual([c["Prefix"] for p in pd for c in p.get("CommonPrefixes", [])], ["p/sub/"])

    def test_odd_keys_and_encoding_type_url(self):
        bk = "boto-odd"
        self.s3.create_bucket(Bucket=bk)
        for k in ODD_KEYS:
            self.s3.put_object(Bucket=bk, Key=k, Body=k.encode())
        for k in ODD_KEYS:
            self.assertEqual(self.get_bytes(k, bucket=bk), k.encode(), repr(k))
        # boto3 sends encoding-type=url and decodes the answer; check the raw wire form as well.
        listed = [c["Key"] for c in self.s3.list_objects_v2(Bucket=bk)["Contents"]]
        self.assertEqual(listed, sorted(ODD_KEYS, key=lambda s: s.encode()))
        listed_v1 = [c["Key"] for c in self.s3.list_objects(Bucket=bk)["Contents"]]
        self.assertEqual(listed_v1, listed)
        r = self.raw.list_v2(bk, encoding_type="url")
        self.assertEqual(r.status, 200, r)
        root = r.xml()
        self.assertEqual(root.findtext(h.S3_NS + "EncodingType"), "url")
        raw_keys = [c.findtext(h.S3_NS + "Key") for c in root.findall(h.S3_NS + "Contents")]
        self.assertEqual([urllib.parse.unquote(k) for k in raw_keys], listed)
        for k in raw_keys:
            self.assertNotIn(" ", k, "encoding-type=url must percent-encode the key")
            self.assertTrue(all(ord(ch) < 128 for ch in k), k)
        d = self.s3.list_objects_v2(Bucket=bk, Delimiter="/", Prefix="unicode/")
        self.assertEqual([p["Prefix"] for p in d["CommonPrefixes"]], ["unicode/日本語/"])
        # U+0001 cannot appear in an XML 1.0 DeleteObjects body: delete that one on its own
        xml_ok = [k for k in ODD_KEYS if "\x01" not in k]
        r = self.s3.delete_objects(Bucket=bk, Delete={"Objects": [{"Key": k} for k in xml_ok]})
        self.assertEqual(sorted(d["Key"] for d in r["Deleted"]), sorted(xml_ok))
        for k in set(ODD_KEYS) - set(xml_ok):
            self.s3.delete_object(Bucket=bk, Key=k)
        self.assertEqual(self.s3.list_objects_v2(Bucket=bk)["KeyCount"], 0)

    # -- transfer manager -----------------------------------------------------------------
    def test_upload_fileobj_download_fileobj(self):
        body = os.urandom(1024 * 1024 + 3)
        self.s3.upload_fileobj(io.BytesIO(body), B, "xfer/small.bin")
        out = io.BytesIO()
        self.s3.download_fileobj(B, "xfer/small.bin", out)
        self.assertEqual(out.getvalue(), body)
        self.assertEqual(self.s3.head_object(Bucket=B, Key="xfer/small.bin")["ETag"], etag(body))

    def test_checksums_on_put_and_get(self):
        body = b"checksum me " * 100
        crc = base64.b64encode((zlib.crc32(body) & 0xFFFFFFFF).to_bytes(4, "big")).decode()
        sha = base64.b64encode(hashlib.sha256(body).digest()).decode()
        self.s3.put_object(Bucket=B, Key="cks/crc32", Body=body, ChecksumAlgorithm="CRC32")
        self.s3.put_object(Bucket=B, Key="cks/sha256", Body=body, ChecksumAlgorithm="SHA256")
        g = self.s3.get_object(Bucket=B, Key="cks/crc32", ChecksumMode="ENABLED")
        self.assertEqual(g["ChecksumCRC32"], crc)
        self.assertEqual(g["Body"].read(), body)
        hd = self.s3.head_object(Bucket=B, Key="cks/sha256", ChecksumMode="ENABLED")
        self.assertEqual(hd["ChecksumSHA256"], sha)
        # Content-MD5 explicitly (what boto3 1.26 sends by itself)
        self.s3.put_object(Bucket=B, Key="cks/md5", Body=body,
                           ContentMD5=base64.b64encode(hashlib.md5(body).digest()).decode())
        self.assertEqual(self.get_bytes("cks/md5"), body)

    # -- presigned ------------------------------------------------------------------------
    def test_presigned_default_config_sigv2_query(self):
        self.s3.put_object(Bucket=B, Key="pre/v2 key.txt", Body=b"sigv2 presigned")
        url = self.s3.generate_presigned_url("get_object", Params={"Bucket": B, "Key": "pre/v2 key.txt"},
                                             ExpiresIn=300)
        q = urllib.parse.parse_qs(urllib.parse.urlsplit(url).query)
        self.assertIn("AWSAccessKeyId", q, f"boto3 default presign is SigV2: {url}")
        self.assertIn("Signature", q)
        with urllib.request.urlopen(url, timeout=30) as resp:
            self.assertEqual(resp.status, 200)
            self.assertEqual(resp.read(), b"sigv2 presigned")
        bad = url.replace("Signature=", "Signature=AAAA")
        with self.assertRaises(urllib.error.HTTPError) as ctx:
            urllib.request.urlopen(bad, timeout=30)
        self.assertEqual(ctx.exception.code, 403)
        self.assertIn(b"<Code>SignatureDoesNotMatch</Code>", ctx.exception.read())

    def test_presigned_urls_expire(self):
        self.s3.put_object(Bucket=B, Key="pre/short", Body=b"short-lived")
        urls = [self.s3.generate_presigned_url("get_object", Params={"Bucket": B, "Key": "pre/short"}, ExpiresIn=1),
                self.client(signature_version="s3v4").generate_presigned_url(
                    "get_object", Params={"Bucket": B, "Key": "pre/short"}, ExpiresIn=1)]
        import time
        time.sleep(2.2)
        for url in urls:
            with self.assertRaises(urllib.error.HTTPError) as ctx:
                urllib.request.urlopen(url, timeout=30)
            self.assertEqual(ctx.exception.code, 403, url)
            self.assertIn(b"<Code>AccessDenied</Code>", ctx.exception.read())

    def test_presigned_sigv4_get_and_put(self):
        c = self.client(signature_version="s3v4")
        url = c.generate_presigned_url("put_object", Params={"Bucket": B, "Key": "pre/v4 put+.txt"}, ExpiresIn=300)
        self.assertIn("X-Amz-Signature=", url)
        req = urllib.request.Request(url, data=b"sigv4 presigned put", method="PUT")
        with urllib.request.urlopen(req, timeout=30) as resp:
            self.assertEqual(resp.status, 200)
        url = c.generate_presigned_url("get_object", Params={"Bucket": B, "Key": "pre/v4 put+.txt"}, ExpiresIn=300)
        with urllib.request.urlopen(url, timeout=30) as resp:
            self.assertEqual(resp.read(), b"sigv4 presigned put")
        # HEAD via presigned URL
        url = c.generate_presigned_url("head_object", Params={"Bucket": B, "Key": "pre/v4 put+.txt"}, ExpiresIn=300)
        with urllib.request.urlopen(urllib.request.Request(url, method="HEAD"), timeout=30) as resp:
            self.assertEqual(int(resp.headers["Content-Length"]), len(b"sigv4 presigned put"))

    def test_virtual_host_style(self):
        # bucket.localhost does not resolve here; point the connection at 127.0.0.1 while the
        # Host header stays boto-main.localhost:PORT.
        import socket
        real = socket.getaddrinfo

        def fake(host, *a, **kw):
            if isinstance(host, str) and (host == "localhost" or host.endswith(".localhost")):
                host = "127.0.0.1"
            return real(host, *a, **kw)

        socket.getaddrinfo = fake
        try:
            c = boto3.session.Session().client(
                "s3", endpoint_url=f"http://localhost:{self.server.port}", region_name=h.REGION,
                aws_access_key_id=h.ROOT_ACCESS_KEY, aws_secret_access_key=h.ROOT_SECRET_KEY,
                config=Config(s3={"addressing_style": "virtual"}, retries={"max_attempts": 1}))
            seen = []
            c.meta.events.register("before-send.s3", lambda request, **kw: seen.append(request.url))
            c.put_object(Bucket=B, Key="vhost/k.txt", Body=b"virtual")
            self.assertTrue(seen[-1].startswith(f"http://{B}.localhost:{self.server.port}/vhost/k.txt"), seen[-1])
            self.assertEqual(c.get_object(Bucket=B, Key="vhost/k.txt")["Body"].read(), b"virtual")
            keys = [x["Key"] for x in c.list_objects_v2(Bucket=B, Prefix="vhost/")["Contents"]]
            self.assertEqual(keys, ["vhost/k.txt"])
        finally:
            socket.getaddrinfo = real

    def test_long_key(self):
        k = "L/" + "x" * 1022
        self.s3.put_object(Bucket=B, Key=k, Body=b"long")
        self.assertEqual(self.get_bytes(k), b"long")
        self.assertEqual([c["Key"] for c in self.s3.list_objects_v2(Bucket=B, Prefix="L/")["Contents"]], [k])
        with self.assertRaises(ClientError) as ctx:
            self.s3.put_object(Bucket=B, Key=k + "x", Body=b"too long")
        self.assertError(ctx, "KeyTooLongError", 400)


if __name__ == "__main__":
    h.main()
