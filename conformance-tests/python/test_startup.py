"""conformance.startup: what a CI job relies on at start: XS3_BUCKETS creates general-purpose
and directory buckets (idempotently, across restarts), a bad name stops the server with a
message, and --ephemeral keeps data on tmpfs and removes it at exit."""

import json
import os
import re
import subprocess
import unittest

import xs3harness as h


class Startup(unittest.TestCase):
    def test_initial_buckets_are_created_once(self):
        server = h.Server(env={"XS3_BUCKETS": "assets,ckpt--use1-az4--x-s3"})
        try:
            server.start()
            client = h.Client(server)
            self.assertEqual(client.request("HEAD", "/assets").status, 200)
            listed = h.sign_v4("GET", "/", (), {"host": server.host}, h.EMPTY_SHA256, service="s3express")
            r = h.raw_request(server.port, "GET", "/", listed.headers)
            self.assertEqual(r.status, 200)
            self.assertIn(b"<Name>ckpt--use1-az4--x-s3</Name>", r.body)
            self.assertEqual(client.put("assets", "kept.txt", b"kept").status, 200)
            server.restart()  # the buckets exist now: start again without error, data kept
            self.assertEqual(h.Client(server).get("assets", "kept.txt").body, b"kept")
        finally:
            server.stop(check=False)
            server.cleanup()

    def test_invalid_initial_bucket_stops_the_server(self):
        for bad, message in (("Bad_Name", "invalid bucket name"), ("x--use9-az9--x-s3", "not offered")):
            server = h.Server(env={"XS3_BUCKETS": bad})
            try:
                with self.assertRaises(AssertionError):
                    server.start()
                self.assertIn(message, server.log_tail())
            finally:
                server.cleanup()

    def test_ephemeral_data_lives_on_tmpfs_and_is_removed(self):
        proc = subprocess.Popen([h.xs3d_path(), "--ephemeral", "--address", "127.0.0.1:0"],
                                stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
        try:
            lines = []
            for line in proc.stdout:
                lines.append(line.decode())
                if "listening on" in lines[-1]:
                    break
            text = "".join(lines)
            data_dir = re.search(r"data dir\s+(\S+)", text).group(1)
            self.assertTrue(data_dir.startswith("/dev/shm/") or data_dir.startswith("/tmp/"), data_dir)
            self.assertRegex(text, r"durability\s+relaxed")
            self.assertTrue(os.path.isdir(data_dir))
        finally:
            proc.terminate()
            self.assertEqual(proc.wait(20), 0)
        self.assertFalse(os.path.exists(data_dir))


class Banner(unittest.TestCase):
    def banner(self, *extra, env=None):
        proc = subprocess.Popen([h.xs3d_path(), "--ephemeral", "--address", "127.0.0.1:0", *extra],
                                stdout=subprocess.PIPE, stderr=subprocess.STDOUT, env={**os.environ, **(env or {})})
        try:
            lines = []
            for line in proc.stdout:
                lines.append(line.decode())
                if "JS SDK v3" in lines[-1]:
                    break
            return "".join(lines)
        finally:
            proc.terminate()
            self.assertEqual(proc.wait(20), 0)

    def test_banner_gives_endpoint_and_client_lines(self):
        text = self.banner()
        port = re.search(r"listening on http://127.0.0.1:(\d+)", text).group(1)
        self.assertIn(f"endpoint     http://127.0.0.1:{port}", text)
        self.assertIn(f"aws --region us-east-1 --endpoint-url http://127.0.0.1:{port} s3 ls", text)
        self.assertIn("secretAccessKey: \"xs3devsecretkey\"", text)  # the well-known dev key only

    def test_a_real_secret_is_never_printed(self):
        text = self.banner(env={"XS3_ROOT_ACCESS_KEY": "PRODKEY", "XS3_ROOT_SECRET_KEY": "s3cr3t-value-123"})
        self.assertIn("PRODKEY", text)
        self.assertNotIn("s3cr3t-value-123", text)


    def test_json_log_format(self):
        proc = subprocess.Popen([h.xs3d_path(), "--ephemeral", "--address", "127.0.0.1:0"],
                                stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                                env={**os.environ, "XS3_LOG_FORMAT": "json", "XS3_ROOT_SECRET_KEY": "real-one"})
        try:
            first = json.loads(proc.stdout.readline())
        finally:
            proc.terminate()
            self.assertEqual(proc.wait(20), 0)
        rest = [json.loads(line) for line in proc.stdout.read().splitlines()]
        self.assertEqual(first["level"], "info")
        self.assertRegex(first["endpoint"], r"^http://127\.0\.0\.1:\d+$")
        self.assertEqual(first["durability"], "relaxed")
        self.assertNotIn("secret_key", first)  # not the dev default: never printed
        self.assertRegex(first["time"], r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$")
        self.assertEqual([r["msg"] for r in rest], ["xs3d: shutting down", "xs3d: stopped"])
        # Fatal errors are JSON on stderr too.
        p = subprocess.run([h.xs3d_path(), "--address", "127.0.0.1:0", "--data-dir", "/dev/null/x",
                            "--log-format", "json"], capture_output=True, text=True, timeout=20)
        self.assertEqual(p.returncode, 1)
        err = json.loads(p.stderr.splitlines()[-1])
        self.assertEqual(err["level"], "error")
        self.assertIn("cannot open data directory", err["msg"])


if __name__ == "__main__":
    h.main()
