"""conformance.cors_debian / conformance.cors_pyenv: bucket CORS configuration via boto3, and
real preflight (unsigned OPTIONS) and cross-origin requests over HTTP, checked header by header.

The answers follow what S3 sends: preflights are answered from the first matching rule, a
refused one is 403 AccessForbidden naming the method and resource type, actual requests get
Access-Control-* headers only when a rule allows their origin and method (errors included).
"""

import os
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import xs3harness as h  # noqa: E402

import boto3  # noqa: E402
import botocore  # noqa: E402
from botocore.config import Config  # noqa: E402
from botocore.exceptions import ClientError  # noqa: E402

print(f"python {sys.version.split()[0]} ({sys.executable}), boto3 {boto3.__version__}, "
      f"botocore {botocore.__version__}", flush=True)

B = "cors-main"
APP = "https://app.example.com"
VARY = "Origin, Access-Control-Request-Headers, Access-Control-Request-Method"
RULES = [
    {"ID": "app", "AllowedOrigins": [APP, "http://*.example.org"], "AllowedMethods": ["GET", "PUT"],
     "AllowedHeaders": ["*"], "ExposeHeaders": ["ETag", "x-amz-request-id"], "MaxAgeSeconds": 3000},
    {"AllowedOrigins": ["*"], "AllowedMethods": ["GET", "HEAD"]},
]
NOT_ALLOWED = ("CORSResponse: This CORS request is not allowed. This is usually because the evalution of Origin, "
               "request method / Access-Control-Request-Method or Access-Control-Request-Headers are not "
               "whitelisted by the resource's CORS spec.")
CORS_HEADERS = ["access-control-allow-origin", "access-control-allow-methods", "access-control-allow-credentials",
                "access-control-allow-headers", "access-control-expose-headers", "access-control-max-age", "vary"]


class CorsSuite(h.ServerTestCase):

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.s3 = boto3.session.Session().client(
            "s3", endpoint_url=cls.server.endpoint, region_name=h.REGION,
            aws_access_key_id=h.ROOT_ACCESS_KEY, aws_secret_access_key=h.ROOT_SECRET_KEY,
            config=Config(s3={"addressing_style": "path"}, retries={"max_attempts": 1}))
        cls.s3.create_bucket(Bucket=B)
        cls.s3.put_object(Bucket=B, Key="obj", Body=b"hello")

    def setUp(self):
        self.s3.put_bucket_cors(Bucket=B, CORSConfiguration={"CORSRules": RULES})

    def preflight(self, path, origin=None, method=None, headers=None):
        hdrs = {"Host": self.server.host}
        if origin is not None:
            hdrs["Origin"] = origin
        if method is not None:
            hdrs["Access-Control-Request-Method"] = method
        if headers is not None:
            hdrs["Access-Control-Request-Headers"] = headers
        return h.raw_request(self.server.port, "OPTIONS", path, hdrs)

    def cors_of(self, r):
        return {k: r.header(k) for k in CORS_HEADERS if r.header(k) is not None}

    def assertForbidden(self, r, message, method, resource_type):
        self.assertEqual(r.status, 403, r)
        doc = r.xml()
        self.assertEqual([el.tag for el in doc], ["Code", "Message", "Method", "ResourceType", "RequestId", "HostId"])
        self.assertEqual(doc.findtext("Code"), "AccessForbidden")
        self.assertEqual(doc.findtext("Message"), message)
        self.assertEqual(doc.findtext("Method"), method)
        self.assertEqual(doc.findtext("ResourceType"), resource_type)
        self.assertEqual(self.cors_of(r), {})

    # -- configuration -------------------------------------------------------------------------
    def test_get_returns_the_rules_as_put(self):
        got = self.s3.get_bucket_cors(Bucket=B)["CORSRules"]
        self.assertEqual(got, RULES)

    def test_delete_then_get_is_no_such_configuration(self):
        self.s3.create_bucket(Bucket="cors-other")
        for _ in range(2):  # DeleteBucketCors is 204 with or without a configuration
            r = self.s3.delete_bucket_cors(Bucket="cors-other")
            self.assertEqual(r["ResponseMetadata"]["HTTPStatusCode"], 204)
        with self.assertRaises(ClientError) as ctx:
            self.s3.get_bucket_cors(Bucket="cors-other")
        err = ctx.exception.response
        self.assertEqual((err["ResponseMetadata"]["HTTPStatusCode"], err["Error"]["Code"]),
                         (404, "NoSuchCORSConfiguration"))
        self.assertEqual(err["Error"]["Message"], "The CORS configuration does not exist")
        r = self.preflight("/cors-other/obj", APP, "GET")
        self.assertForbidden(r, "CORSResponse: CORS is not enabled for this bucket.", "GET", "BUCKET")

    def test_invalid_configurations_change_nothing(self):
        with self.assertRaises(ClientError) as ctx:
            self.s3.put_bucket_cors(Bucket=B, CORSConfiguration={"CORSRules": [
                {"AllowedOrigins": ["*"], "AllowedMethods": ["MYMETHOD"]}]})
        err = ctx.exception.response
        self.assertEqual((err["ResponseMetadata"]["HTTPStatusCode"], err["Error"]["Code"]), (400, "InvalidRequest"))
        self.assertEqual(err["Error"]["Message"],
                         "Found unsupported HTTP method in CORS config. Unsupported method is MYMETHOD")
        raw_cases = [
            (b"<CORSConfiguration></CORSConfiguration>", "MalformedXML"),
            (b"<CORSConfiguration><CORSRule><AllowedMethod>GET</AllowedMethod></CORSRule></CORSConfiguration>",
             "MalformedXML"),
            (b"<CORSConfiguration><CORSRule><AllowedOrigin>*</AllowedOrigin></CORSRule></CORSConfiguration>",
             "MalformedXML"),
            (b"<CORSConfiguration><CORSRule><AllowedOrigin>*</AllowedOrigin><AllowedMethod>GET</AllowedMethod>"
             b"<Bogus/></CORSRule></CORSConfiguration>", "MalformedXML"),
            (b"<CORSConfiguration><CORSRule>", "MalformedXML"),
            (b"<CORSConfiguration><CORSRule><AllowedOrigin>*x*</AllowedOrigin><AllowedMethod>GET</AllowedMethod>"
             b"</CORSRule></CORSConfiguration>", "InvalidRequest"),
            (b"<CORSConfiguration><CORSRule><AllowedOrigin>*</AllowedOrigin><AllowedMethod>OPTIONS</AllowedMethod>"
             b"</CORSRule></CORSConfiguration>", "InvalidRequest"),
            (b"", "MissingRequestBodyError"),
        ]
        for body, code in raw_cases:
            with self.subTest(body=body):
                r = self.raw.request("PUT", "/" + B, query=[("cors", "")], body=body)
                self.assertEqual((r.status, r.error_code()), (400, code), r)
        r = self.raw.request("PUT", "/" + B, query=[("cors", "")], body=raw_cases[5][0])
        self.assertEqual(r.xml().findtext("Message"), 'AllowedOrigin "*x*" can not have more than one wildcard.')
        self.assertEqual(self.s3.get_bucket_cors(Bucket=B)["CORSRules"], RULES)

    def test_directory_buckets_have_no_cors(self):
        r = self.raw.request("GET", "/cors--use1-az4--x-s3", query=[("cors", "")])
        self.assertEqual((r.status, r.error_code()), (501, "NotImplemented"), r)

    # -- preflight -----------------------------------------------------------------------------
    def test_preflight_allowed(self):
        r = self.preflight(f"/{B}/new-key", APP, "PUT", "Content-Type,X-Amz-Date, x-amz-content-sha256")
        self.assertEqual(r.status, 200, r)
        self.assertEqual(r.body, b"")
        self.assertEqual(self.cors_of(r), {
            "access-control-allow-origin": APP,
            "access-control-allow-methods": "GET, PUT",
            "access-control-allow-credentials": "true",
            "access-control-allow-headers": "content-type, x-amz-date, x-amz-content-sha256",
            "access-control-expose-headers": "ETag, x-amz-request-id",
            "access-control-max-age": "3000",
            "vary": VARY,
        })
        self.assertTrue(r.header("x-amz-request-id"))

    def test_preflight_wildcards(self):
        r = self.preflight(f"/{B}/obj", "http://a.b.example.org", "PUT")
        self.assertEqual((r.status, r.header("access-control-allow-origin")), (200, "http://a.b.example.org"), r)
        # A '*' origin rule answers '*' and never credentials.
        r = self.preflight(f"/{B}/obj", "https://elsewhere.test", "HEAD")
        self.assertEqual(self.cors_of(r), {"access-control-allow-origin": "*",
                                           "access-control-allow-methods": "GET, HEAD", "vary": VARY})

    def test_preflight_denied(self):
        # No rule allows PUT from this origin; the key's own existence does not matter.
        self.assertForbidden(self.preflight(f"/{B}/obj", "https://elsewhere.test", "PUT"), NOT_ALLOWED, "PUT",
                             "OBJECT")
        self.assertForbidden(self.preflight(f"/{B}", "https://elsewhere.test", "DELETE"), NOT_ALLOWED, "DELETE",
                             "BUCKET")
        # The '*' rule lists no AllowedHeader, so it allows no requested header.
        self.assertForbidden(self.preflight(f"/{B}/obj", "https://elsewhere.test", "GET", "x-custom"), NOT_ALLOWED,
                             "GET", "OBJECT")
        # Origins match exactly: a trailing slash or another scheme is another origin.
        self.assertForbidden(self.preflight(f"/{B}/obj", APP + "/", "PUT"), NOT_ALLOWED, "PUT", "OBJECT")
        self.assertForbidden(self.preflight(f"/{B}/obj", "http://app.example.com", "PUT"), NOT_ALLOWED, "PUT",
                             "OBJECT")

    def test_preflight_without_origin_or_bucket(self):
        r = self.preflight(f"/{B}/obj", method="GET")
        self.assertEqual((r.status, r.error_code()), (400, "BadRequest"), r)
        self.assertEqual(r.xml().findtext("Message"), "Insufficient information. Origin request header needed.")
        self.assertForbidden(self.preflight("/no-such-bucket-here/k", APP, "GET"), "CORSResponse: Bucket not found",
                             "GET", "BUCKET")

    # -- actual requests -----------------------------------------------------------------------
    def test_actual_requests_carry_cors_headers(self):
        r = self.raw.get(B, "obj", headers={"Origin": APP})
        self.assertEqual(r.status, 200, r)
        self.assertEqual(self.cors_of(r), {
            "access-control-allow-origin": APP, "access-control-allow-methods": "GET, PUT",
            "access-control-allow-credentials": "true", "access-control-expose-headers": "ETag, x-amz-request-id",
            "access-control-max-age": "3000", "vary": VARY})
        # PUT answers through the body pipeline; its response carries them too.
        r = self.raw.put(B, "from-browser", body=b"data", headers={"Origin": APP})
        self.assertEqual((r.status, r.header("access-control-allow-origin")), (200, APP), r)
        # Errors too, so the page can read them.
        r = self.raw.get(B, "missing", headers={"Origin": APP})
        self.assertEqual((r.status, r.header("access-control-allow-origin")), (404, APP), r)
        r = h.raw_request(self.server.port, "GET", f"/{B}/obj", {"Host": self.server.host, "Origin": APP})
        self.assertEqual((r.status, r.error_code(), r.header("access-control-allow-origin")),
                         (403, "AccessDenied", APP), r)

    def test_actual_requests_without_a_matching_rule_get_none(self):
        self.assertEqual(self.cors_of(self.raw.get(B, "obj")), {})
        r = self.raw.put(B, "from-elsewhere", body=b"x", headers={"Origin": "https://elsewhere.test"})
        self.assertEqual((r.status, self.cors_of(r)), (200, {}), r)
        # An Access-Control-Request-Method on an actual request decides the match.
        r = self.raw.get(B, "obj", headers={"Origin": "https://elsewhere.test",
                                            "Access-Control-Request-Method": "PUT"})
        self.assertEqual((r.status, self.cors_of(r)), (200, {}), r)
        r = self.raw.get(B, "obj", headers={"Origin": "https://elsewhere.test"})
        self.assertEqual(r.header("access-control-allow-origin"), "*", r)


if __name__ == "__main__":
    h.main()
