"""Shared harness for the xs3 conformance suites.

* ``Server``: starts a fresh ``xs3d`` on ``127.0.0.1:0`` with a temp data dir, reads the port
  from the ``xs3d listening on http://127.0.0.1:PORT`` line, waits for ``/_xs3/health``, and
  stops it with SIGTERM asserting exit code 0 (SIGKILL after a timeout, which fails the test).
* A self-contained SigV4 signer (header and presigned-query forms, streaming chunk signatures)
  so the negative and streaming suites control every byte on the wire. It is cross-checked
  against botocore's ``S3SigV4Auth`` by ``check_signer_against_botocore``.
* ``raw_request``: one HTTP exchange over ``http.client`` with exactly the headers given.

Only the standard library is needed, except for the botocore cross-check.
Works with Debian's python3 (3.11, boto3 1.26) and the pyenv python3 (3.11, boto3 1.43).
"""

from __future__ import annotations

import base64
import datetime as _dt
import hashlib
import hmac
import http.client
import json
import os
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
import unittest
import urllib.parse
import xml.etree.ElementTree as ET
import zlib

ROOT_ACCESS_KEY = "xs3devaccesskey"
ROOT_SECRET_KEY = "xs3devsecretkey"
REGION = "us-east-1"
EMPTY_SHA256 = hashlib.sha256(b"").hexdigest()
S3_NS = ""  # Response.xml() strips namespaces; test_negative checks the xmlns itself

START_TIMEOUT = 20.0
STOP_TIMEOUT = 20.0
HTTP_TIMEOUT = 30.0


def xs3d_path() -> str:
    path = os.environ.get("XS3D")
    if not path:
        raise RuntimeError("XS3D is not set: point it at the xs3d binary (build/server/xs3d)")
    if not os.path.isfile(path) or not os.access(path, os.X_OK):
        raise RuntimeError(f"XS3D={path} is not an executable file (has the server been built?)")
    return path


class Server:
    """One xs3d process with its own temp data dir (kept across restart())."""

    def __init__(self, durability="relaxed", config=None, region=None, data_dir=None, extra_args=None,
                 env=None):
        self.durability = durability
        self.config = config  # dict -> written as JSON, or None
        self.region = region
        self.extra_args = list(extra_args or [])
        self.env = dict(env or {})
        self._own_dir = data_dir is None
        self.base_dir = tempfile.mkdtemp(prefix="xs3-conf-")
        self.data_dir = data_dir or os.path.join(self.base_dir, "data")
        os.makedirs(self.data_dir, exist_ok=True)
        self.log_path = os.path.join(self.base_dir, "xs3d.log")
        self.proc = None
        self.port = None
        self._reader = None

    # -- lifecycle ---------------------------------------------------------------------------
    def start(self):
        args = [xs3d_path(), "--address", "127.0.0.1:0", "--data-dir", self.data_dir,
                "--durability", self.durability]
        if self.config is not None:
            cfg_path = os.path.join(self.base_dir, "config.json")
            with open(cfg_path, "w") as f:
                json.dump(self.config, f)
            args += ["--config", cfg_path]
        if self.region:
            args += ["--region", self.region]
        args += self.extra_args
        env = dict(os.environ)
        env["XS3_ROOT_ACCESS_KEY"] = ROOT_ACCESS_KEY
        env["XS3_ROOT_SECRET_KEY"] = ROOT_SECRET_KEY
        for k in ("XS3_DATA_DIR", "XS3_ADDRESS"):
            env.pop(k, None)
        env.update(self.env)
        log = open(self.log_path, "ab")
        log.write(("\n=== start: " + " ".join(args) + "\n").encode())
        log.flush()
        self.proc = subprocess.Popen(args, stdout=subprocess.PIPE, stderr=log, env=env)
        log.close()
        port_box = {}
        got_line = threading.Event()

        def read_stdout(proc=self.proc):
            with open(self.log_path, "ab") as out:
                for line in proc.stdout:
                    out.write(line)
                    out.flush()
                    if "port" not in port_box:
                        text = line.decode("utf-8", "replace")
                        marker = "xs3d listening on http://127.0.0.1:"
                        if marker in text:
                            try:
                                port_box["port"] = int(text.split(marker, 1)[1].strip().split("/")[0])
                            except ValueError:
                                pass
                            got_line.set()
            got_line.set()

        self._reader = threading.Thread(target=read_stdout, daemon=True)
        self._reader.start()
        if not got_line.wait(START_TIMEOUT) or "port" not in port_box:
            self._kill()
            raise AssertionError(f"xs3d did not print its listening line within {START_TIMEOUT}s; "
                                 f"log:\n{self.log_tail()}")
        self.port = port_box["port"]
        deadline = time.monotonic() + START_TIMEOUT
        last = None
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                raise AssertionError(f"xs3d exited with {self.proc.returncode} during start; log:\n"
                                     f"{self.log_tail()}")
            try:
                c = http.client.HTTPConnection("127.0.0.1", self.port, timeout=2)
                c.request("GET", "/_xs3/health")
                r = c.getresponse()
                r.read()
                c.close()
                if r.status == 200:
                    return self
                last = r.status
            except OSError as e:
                last = e
            time.sleep(0.05)
        self._kill()
        raise AssertionError(f"/_xs3/health never answered 200 (last: {last}); log:\n{self.log_tail()}")

    def stop(self, check=True):
        """SIGTERM; asserts exit code 0 within STOP_TIMEOUT (else SIGKILL and fail)."""
        if self.proc is None:
            return
        proc, self.proc = self.proc, None
        if proc.poll() is None:
            proc.send_signal(signal.SIGTERM)
            try:
                proc.wait(STOP_TIMEOUT)
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait(10)
                if check:
                    raise AssertionError(f"xs3d did not exit within {STOP_TIMEOUT}s of SIGTERM")
        if self._reader:
            self._reader.join(5)
        if proc.stdout:
            proc.stdout.close()
        if check and proc.returncode != 0:
            raise AssertionError(f"xs3d exited with {proc.returncode} after SIGTERM (expected 0); log:\n"
                                 f"{self.log_tail()}")

    def kill9(self):
        """SIGKILL, no questions asked (the durability test)."""
        if self.proc is None:
            return
        proc, self.proc = self.proc, None
        os.kill(proc.pid, signal.SIGKILL)
        proc.wait(10)
        if self._reader:
            self._reader.join(5)
        if proc.stdout:
            proc.stdout.close()

    def restart(self):
        self.stop()
        return self.start()

    def _kill(self):
        if self.proc is not None and self.proc.poll() is None:
            self.proc.kill()
            try:
                self.proc.wait(10)
            except subprocess.TimeoutExpired:
                pass
        self.proc = None

    def cleanup(self):
        self._kill()
        if os.environ.get("XS3_CONFORMANCE_KEEP"):
            sys.stderr.write(f"keeping {self.base_dir}\n")
            return
        shutil.rmtree(self.base_dir, ignore_errors=True)

    def log_tail(self, n=40):
        try:
            with open(self.log_path, "rb") as f:
                lines = f.read().decode("utf-8", "replace").splitlines()
            return "\n".join(lines[-n:])
        except OSError:
            return "(no log)"

    def __enter__(self):
        return self.start()

    def __exit__(self, *exc):
        try:
            if exc[0] is None:
                self.stop()
        finally:
            self.cleanup()

    @property
    def endpoint(self):
        return f"http://127.0.0.1:{self.port}"

    @property
    def host(self):
        return f"127.0.0.1:{self.port}"


# -- SigV4 -----------------------------------------------------------------------------------

def _hmac(key: bytes, msg: str | bytes) -> bytes:
    if isinstance(msg, str):
        msg = msg.encode()
    return hmac.new(key, msg, hashlib.sha256).digest()


def signing_key(secret: str, date: str, region: str, service: str = "s3") -> bytes:
    k = _hmac(("AWS4" + secret).encode(), date)
    k = _hmac(k, region)
    k = _hmac(k, service)
    return _hmac(k, "aws4_request")


def uri_encode(s: str | bytes, keep_slash: bool) -> str:
    """AWS URI encoding: everything except A-Za-z0-9-_.~ (and '/' in paths) as %XX upper case."""
    safe = "-_.~/" if keep_slash else "-_.~"
    if isinstance(s, str):
        s = s.encode("utf-8")
    return urllib.parse.quote(s, safe=safe)


def key_path(bucket: str, key: str | None = None) -> str:
    if key is None:
        return "/" + bucket
    return "/" + bucket + "/" + uri_encode(key, keep_slash=True)


def canonical_query(query) -> str:
    """query: list of (name, value) pairs, *unencoded*; value None means a bare flag."""
    pairs = []
    for k, v in query:
        pairs.append((uri_encode(k, False), uri_encode("" if v is None else v, False)))
    pairs.sort()
    return "&".join(f"{k}={v}" for k, v in pairs)


def wire_query(query) -> str:
    parts = []
    for k, v in query:
        if v is None:
            parts.append(uri_encode(k, False))
        else:
            parts.append(uri_encode(k, False) + "=" + uri_encode(v, False))
    return "&".join(parts)


def amz_now(offset_seconds: float = 0) -> str:
    t = _dt.datetime.now(_dt.timezone.utc) + _dt.timedelta(seconds=offset_seconds)
    return t.strftime("%Y%m%dT%H%M%SZ")


class Signed:
    """The result of signing: headers to send plus what a streaming body needs."""

    def __init__(self, headers, signature, key, amz_date, scope):
        self.headers = headers
        self.signature = signature
        self.key = key
        self.amz_date = amz_date
        self.scope = scope


def sign_v4(method, path, query, headers, payload_hash, access_key=ROOT_ACCESS_KEY,
            secret_key=ROOT_SECRET_KEY, region=REGION, amz_date=None, service="s3",
            signed_header_names=None) -> Signed:
    """Header-form SigV4. ``headers`` must include Host. Returns headers + Authorization."""
    amz_date = amz_date or amz_now()
    hdrs = dict(headers)
    hdrs["x-amz-date"] = amz_date
    hdrs["x-amz-content-sha256"] = payload_hash
    lower = {}
    for k, v in hdrs.items():
        lower[k.lower()] = " ".join(str(v).strip().split())
    names = sorted(signed_header_names or lower.keys())
    canon_headers = "".join(f"{n}:{lower[n]}\n" for n in names)
    signed = ";".join(names)
    creq = "\n".join([method, path, canonical_query(query), canon_headers, signed, payload_hash])
    date = amz_date[:8]
    scope = f"{date}/{region}/{service}/aws4_request"
    sts = "\n".join(["AWS4-HMAC-SHA256", amz_date, scope, hashlib.sha256(creq.encode()).hexdigest()])
    key = signing_key(secret_key, date, region, service)
    sig = hmac.new(key, sts.encode(), hashlib.sha256).hexdigest()
    hdrs["Authorization"] = (f"AWS4-HMAC-SHA256 Credential={access_key}/{scope}, "
                             f"SignedHeaders={signed}, Signature={sig}")
    return Signed(hdrs, sig, key, amz_date, scope)


def presign_v4(method, host, path, expires=300, access_key=ROOT_ACCESS_KEY, secret_key=ROOT_SECRET_KEY,
               region=REGION, amz_date=None, extra_query=()):
    """Query-form SigV4 (UNSIGNED-PAYLOAD, SignedHeaders=host). Returns the path?query to send."""
    amz_date = amz_date or amz_now()
    date = amz_date[:8]
    scope = f"{date}/{region}/s3/aws4_request"
    query = list(extra_query) + [
        ("X-Amz-Algorithm", "AWS4-HMAC-SHA256"),
        ("X-Amz-Credential", f"{access_key}/{scope}"),
        ("X-Amz-Date", amz_date),
        ("X-Amz-Expires", str(expires)),
        ("X-Amz-SignedHeaders", "host"),
    ]
    creq = "\n".join([method, path, canonical_query(query), f"host:{host}\n", "host", "UNSIGNED-PAYLOAD"])
    sts = "\n".join(["AWS4-HMAC-SHA256", amz_date, scope, hashlib.sha256(creq.encode()).hexdigest()])
    sig = hmac.new(signing_key(secret_key, date, region), sts.encode(), hashlib.sha256).hexdigest()
    query.append(("X-Amz-Signature", sig))
    return path + "?" + wire_query(query)


def chunk_signature(key: bytes, amz_date: str, scope: str, prev_sig: str, data: bytes) -> str:
    sts = "\n".join(["AWS4-HMAC-SHA256-PAYLOAD", amz_date, scope, prev_sig, EMPTY_SHA256,
                     hashlib.sha256(data).hexdigest()])
    return hmac.new(key, sts.encode(), hashlib.sha256).hexdigest()


def trailer_signature(key: bytes, amz_date: str, scope: str, prev_sig: str, trailer_text: bytes) -> str:
    sts = "\n".join(["AWS4-HMAC-SHA256-TRAILER", amz_date, scope, prev_sig,
                     hashlib.sha256(trailer_text).hexdigest()])
    return hmac.new(key, sts.encode(), hashlib.sha256).hexdigest()


def check_signer_against_botocore():
    """Signs one request with botocore's S3SigV4Auth and with ours at the same instant."""
    from botocore.auth import S3SigV4Auth
    from botocore.awsrequest import AWSRequest
    from botocore.credentials import Credentials
    url = "http://127.0.0.1:9/bkt/a%20b%2Bc/%F0%9F%98%80?list-type=2&prefix=a%2Fb&delimiter=%2F"
    req = AWSRequest(method="GET", url=url, data=b"", headers={"x-amz-meta-x": "  y  z "})
    S3SigV4Auth(Credentials(ROOT_ACCESS_KEY, ROOT_SECRET_KEY), "s3", REGION).add_auth(req)
    amz_date = req.headers["X-Amz-Date"]
    mine = sign_v4("GET", "/bkt/a%20b%2Bc/%F0%9F%98%80",
                   [("list-type", "2"), ("prefix", "a/b"), ("delimiter", "/")],
                   {"host": "127.0.0.1:9", "x-amz-meta-x": "  y  z "}, EMPTY_SHA256, amz_date=amz_date)
    theirs = req.headers["Authorization"]
    if mine.headers["Authorization"] != theirs:
        raise AssertionError(f"signer mismatch:\n ours:     {mine.headers['Authorization']}\n"
                             f" botocore: {theirs}")


# -- raw HTTP --------------------------------------------------------------------------------

class Response:
    def __init__(self, status, reason, headers, body):
        self.status = status
        self.reason = reason
        self.headers = headers  # list of (name, value)
        self.body = body

    def header(self, name, default=None):
        name = name.lower()
        for k, v in self.headers:
            if k.lower() == name:
                return v
        return default

    def xml(self):
        """The parsed body with namespaces stripped from tags."""
        root = ET.fromstring(self.body)
        for el in root.iter():
            if isinstance(el.tag, str) and "}" in el.tag:
                el.tag = el.tag.split("}", 1)[1]
        return root

    def error_code(self):
        try:
            root = self.xml()
        except ET.ParseError:
            return None
        el = root.find("Code")
        return el.text if el is not None else None

    def __repr__(self):
        return f"<Response {self.status} {self.body[:400]!r}>"


def raw_request(port, method, target, headers, body=b"", timeout=HTTP_TIMEOUT, conn=None):
    """Sends exactly ``headers`` (plus Content-Length when body is non-empty or method is PUT/POST).

    ``target`` is the request-target as it goes on the wire (already percent-encoded).
    ``body`` may be bytes or an iterable of bytes (sent with Transfer-Encoding: chunked framing
    only if the caller put that header in and framed the pieces itself).
    """
    own = conn is None
    if own:
        conn = http.client.HTTPConnection("127.0.0.1", port, timeout=timeout)
    try:
        conn.putrequest(method, target, skip_host=True, skip_accept_encoding=True)
        names = {k.lower() for k in headers}
        for k, v in headers.items():
            conn.putheader(k, v)
        if isinstance(body, (bytes, bytearray)):
            if "content-length" not in names and "transfer-encoding" not in names and (
                    body or method in ("PUT", "POST")):
                conn.putheader("Content-Length", str(len(body)))
            conn.endheaders(bytes(body) if body else None)
        else:
            conn.endheaders()
            for piece in body:
                conn.send(piece)
        r = conn.getresponse()
        data = r.read()
        return Response(r.status, r.reason, r.getheaders(), data)
    finally:
        if own:
            conn.close()


class Client:
    """Signs and sends raw requests against one server as one user."""

    def __init__(self, server, access_key=ROOT_ACCESS_KEY, secret_key=ROOT_SECRET_KEY, region=REGION):
        self.server = server
        self.access_key = access_key
        self.secret_key = secret_key
        self.region = region

    def request(self, method, path, query=(), headers=None, body=b"", payload_hash=None, amz_date=None,
                region=None, access_key=None, secret_key=None, tamper=None, host=None):
        headers = dict(headers or {})
        headers.setdefault("host", host or self.server.host)
        if payload_hash is None:
            payload_hash = hashlib.sha256(body).hexdigest()
        s = sign_v4(method, path, query, headers, payload_hash,
                    access_key=access_key or self.access_key,
                    secret_key=secret_key or self.secret_key,
                    region=region or self.region, amz_date=amz_date)
        hdrs = s.headers
        if tamper:
            tamper(hdrs)
        target = path + ("?" + wire_query(query) if query else "")
        return raw_request(self.server.port, method, target, hdrs, body)

    # conveniences
    def put(self, bucket, key, body=b"", headers=None, **kw):
        return self.request("PUT", key_path(bucket, key), headers=headers, body=body, **kw)

    def get(self, bucket, key, headers=None, query=(), **kw):
        return self.request("GET", key_path(bucket, key), query=query, headers=headers, **kw)

    def head(self, bucket, key, headers=None, **kw):
        return self.request("HEAD", key_path(bucket, key), headers=headers, **kw)

    def delete(self, bucket, key, **kw):
        return self.request("DELETE", key_path(bucket, key), **kw)

    def create_bucket(self, bucket, **kw):
        return self.request("PUT", key_path(bucket), **kw)

    def list_v2(self, bucket, **params):
        query = [("list-type", "2")] + [(k.replace("_", "-"), str(v)) for k, v in params.items()]
        return self.request("GET", key_path(bucket), query=query)

    def list_keys(self, bucket, prefix=None):
        keys = []
        token = None
        while True:
            q = [("list-type", "2"), ("encoding-type", "url")]
            if prefix:
                q.append(("prefix", prefix))
            if token:
                q.append(("continuation-token", token))
            r = self.request("GET", key_path(bucket), query=q)
            if r.status != 200:
                raise AssertionError(f"ListObjectsV2 failed: {r}")
            root = r.xml()
            for c in root.findall(S3_NS + "Contents"):
                keys.append((urllib.parse.unquote(c.find(S3_NS + "Key").text),
                             int(c.find(S3_NS + "Size").text),
                             c.find(S3_NS + "ETag").text.strip('"')))
            if root.findtext(S3_NS + "IsTruncated") != "true":
                return keys
            token = root.findtext(S3_NS + "NextContinuationToken")


def b64(data: bytes) -> str:
    return base64.b64encode(data).decode()


def crc32_b64(data: bytes) -> str:
    return b64((zlib.crc32(data) & 0xFFFFFFFF).to_bytes(4, "big"))


def md5_hex(data: bytes) -> str:
    return hashlib.md5(data).hexdigest()


def md5_b64(data: bytes) -> str:
    return b64(hashlib.md5(data).digest())


def snapshot_tree(root):
    """{relative path: (size, mtime_ns)} of every file under root (for "nothing changed")."""
    out = {}
    for dirpath, _dirs, files in os.walk(root):
        for f in files:
            p = os.path.join(dirpath, f)
            try:
                st = os.stat(p)
            except FileNotFoundError:
                continue
            out[os.path.relpath(p, root)] = (st.st_size, st.st_mtime_ns)
    return out


def free_port():
    s = socket.socket()
    s.bind(("127.0.0.1", 0))
    p = s.getsockname()[1]
    s.close()
    return p


def run(cmd, env=None, timeout=60, input=None, check=True, cwd=None):
    """subprocess.run with a timeout; on failure the AssertionError shows the command's output."""
    try:
        p = subprocess.run(cmd, env=env, timeout=timeout, input=input, cwd=cwd,
                           stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    except subprocess.TimeoutExpired as e:
        raise AssertionError(f"timed out after {timeout}s: {cmd}\nstdout: {e.stdout!r}\nstderr: {e.stderr!r}")
    if check and p.returncode != 0:
        raise AssertionError(f"command failed ({p.returncode}): {cmd}\nstdout:\n"
                             f"{p.stdout.decode('utf-8', 'replace')[-3000:]}\nstderr:\n"
                             f"{p.stderr.decode('utf-8', 'replace')[-3000:]}")
    return p


def require_tool(env_name, fallback=None):
    """Path of a client tool from the environment (set by CTest). Missing = loud failure."""
    path = os.environ.get(env_name) or fallback
    if not path or not shutil.which(path):
        raise AssertionError(f"required client tool not found ({env_name}={path!r}); install it "
                             f"(CI: apt-get install python3-boto3 awscli s3cmd rclone)")
    return shutil.which(path)


class ServerTestCase(unittest.TestCase):
    """One fresh xs3d per test class (setUpClass/tearDownClass)."""

    server_kwargs: dict = {}

    @classmethod
    def setUpClass(cls):
        cls.server = Server(**cls.server_kwargs)
        try:
            cls.server.start()
        except BaseException:
            cls.server.cleanup()
            raise
        cls.raw = Client(cls.server)

    @classmethod
    def tearDownClass(cls):
        try:
            cls.server.stop()
        finally:
            cls.server.cleanup()


def main():
    """unittest.main with verbose output and a non-zero exit when nothing ran."""
    prog = unittest.main(verbosity=2, exit=False)
    res = prog.result
    if res.testsRun == 0:
        print("no tests ran", file=sys.stderr)
        sys.exit(1)
    sys.exit(0 if res.wasSuccessful() else 1)
