"""conformance.lifecycle: Put/Get/DeleteBucketLifecycleConfiguration through boto3 (validation
errors included, each changing nothing) and the sweeper enforcing the rules on a fast clock
(a lifecycle day of 1 s, a sweep every 200 ms): expiration by days with prefix, tag and size
filters, an Expiration Date in the past, AbortIncompleteMultipartUpload, disabled rules."""

import time
import unittest
import warnings

import boto3
from botocore.config import Config
from botocore.exceptions import ClientError

import xs3harness as h

DAY_MS = 1000


def rule(rule_id, filt, **actions):
    r = {"ID": rule_id, "Status": actions.pop("status", "Enabled"), "Filter": filt}
    r.update(actions)
    return r


class Lifecycle(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        warnings.simplefilter("ignore", ResourceWarning)
        cls.server = h.Server(extra_args=["--lifecycle-day-ms", str(DAY_MS), "--lifecycle-sweep-interval-ms", "200"])
        cls.server.start()
        cls.s3 = boto3.client("s3", endpoint_url=cls.server.endpoint, region_name=h.REGION,
                              aws_access_key_id=h.ROOT_ACCESS_KEY, aws_secret_access_key=h.ROOT_SECRET_KEY,
                              config=Config(s3={"addressing_style": "path"}, retries={"max_attempts": 1}))

    @classmethod
    def tearDownClass(cls):
        cls.server.stop(check=False)
        cls.server.cleanup()

    def code(self, call):
        with self.assertRaises(ClientError) as cm:
            call()
        return cm.exception.response["Error"]["Code"], cm.exception.response["ResponseMetadata"]["HTTPStatusCode"]

    def keys(self, bucket):
        return sorted(o["Key"] for o in self.s3.list_objects_v2(Bucket=bucket).get("Contents", []))

    def test_configuration_round_trip_and_errors(self):
        self.s3.create_bucket(Bucket="lc-config")
        self.assertEqual(self.code(lambda: self.s3.get_bucket_lifecycle_configuration(Bucket="lc-config")),
                         ("NoSuchLifecycleConfiguration", 404))
        config = {"Rules": [
            rule("logs", {"Prefix": "logs/"}, Expiration={"Days": 30}),
            rule("tmp", {"And": {"Prefix": "tmp/", "Tags": [{"Key": "kind", "Value": "scratch"}]}},
                 Expiration={"Days": 1}, status="Disabled"),
            rule("uploads", {}, AbortIncompleteMultipartUpload={"DaysAfterInitiation": 7}),
        ]}
        self.s3.put_bucket_lifecycle_configuration(Bucket="lc-config", LifecycleConfiguration=config)
        got = self.s3.get_bucket_lifecycle_configuration(Bucket="lc-config")["Rules"]
        self.assertEqual([r["ID"] for r in got], ["logs", "tmp", "uploads"])
        self.assertEqual(got[0]["Expiration"], {"Days": 30})
        self.assertEqual(got[0]["Filter"], {"Prefix": "logs/"})
        self.assertEqual(got[1]["Status"], "Disabled")
        self.assertEqual(got[1]["Filter"]["And"]["Tags"], [{"Key": "kind", "Value": "scratch"}])
        self.assertEqual(got[2]["AbortIncompleteMultipartUpload"], {"DaysAfterInitiation": 7})

        bad = [
            ({"Rules": [rule("a", {"Prefix": ""}, Expiration={"Days": 0})]}, ("InvalidArgument", 400)),
            ({"Rules": [rule("a", {"Prefix": ""}, Expiration={"Date": "2027-01-01T12:00:00Z"})]},
             ("InvalidArgument", 400)),
            ({"Rules": [rule("a", {"Prefix": ""}, Expiration={"Days": 1}),
                        rule("a", {"Prefix": "x"}, Expiration={"Days": 2})]}, ("InvalidArgument", 400)),
            ({"Rules": [rule("a", {"Tag": {"Key": "k", "Value": "v"}},
                             AbortIncompleteMultipartUpload={"DaysAfterInitiation": 1})]}, ("InvalidRequest", 400)),
        ]
        for doc, expected in bad:
            self.assertEqual(self.code(lambda: self.s3.put_bucket_lifecycle_configuration(
                Bucket="lc-config", LifecycleConfiguration=doc)), expected, doc)
        raw = h.Client(self.server)
        for body, expected in ((b"<LifecycleConfiguration><Rule><ID>x</ID><Filter/><Status>Enabled</Status></Rule>"
                                b"</LifecycleConfiguration>", "InvalidRequest"),  # no action
                               (b"<LifecycleConfiguration/>", "MalformedXML"),
                               (b"<LifecycleConfiguration><Rule><Filter/><Expiration><Days>1</Days></Expiration>"
                                b"</Rule></LifecycleConfiguration>", "MalformedXML"),  # no Status
                               (b"not xml", "MalformedXML")):
            r = raw.request("PUT", "/lc-config", query=[("lifecycle", "")], body=body)
            self.assertEqual(r.error_code(), expected, body)
            self.assertTrue(r.xml().findtext("RequestId"))
        # Nothing changed by the refusals.
        self.assertEqual(len(self.s3.get_bucket_lifecycle_configuration(Bucket="lc-config")["Rules"]), 3)
        self.s3.delete_bucket_lifecycle(Bucket="lc-config")
        self.assertEqual(self.code(lambda: self.s3.get_bucket_lifecycle_configuration(Bucket="lc-config"))[0],
                         "NoSuchLifecycleConfiguration")

    def test_rules_are_enforced(self):
        b = "lc-enforced"
        self.s3.create_bucket(Bucket=b)
        put = lambda key, body=b"x", **kw: self.s3.put_object(Bucket=b, Key=key, Body=body, **kw)
        put("logs/old.txt")
        put("logs/big.bin", b"x" * 2000)
        put("keep/forever.txt")
        put("tagged/scratch.txt", Tagging="kind=scratch")
        put("tagged/precious.txt", Tagging="kind=precious")
        put("dated/x.txt")
        put("disabled/y.txt")
        upload = self.s3.create_multipart_upload(Bucket=b, Key="uploads/abandoned.bin")["UploadId"]
        self.s3.put_bucket_lifecycle_configuration(Bucket=b, LifecycleConfiguration={"Rules": [
            rule("logs-small", {"And": {"Prefix": "logs/", "ObjectSizeLessThan": 1000}}, Expiration={"Days": 2}),
            rule("scratch", {"Tag": {"Key": "kind", "Value": "scratch"}}, Expiration={"Days": 2}),
            rule("dated", {"Prefix": "dated/"}, Expiration={"Date": "2020-01-01T00:00:00Z"}),
            rule("off", {"Prefix": "disabled/"}, Expiration={"Days": 1}, status="Disabled"),
            rule("abort", {"Prefix": "uploads/"}, AbortIncompleteMultipartUpload={"DaysAfterInitiation": 2}),
        ]})
        # A past Date applies at the next sweep; the 2-"day" rules not yet.
        deadline = time.monotonic() + 1.2
        while "dated/x.txt" in self.keys(b) and time.monotonic() < deadline:
            time.sleep(0.05)
        self.assertNotIn("dated/x.txt", self.keys(b))
        self.assertIn("logs/old.txt", self.keys(b))
        time.sleep(2 * DAY_MS / 1000 + 0.6)
        self.assertEqual(self.keys(b), ["disabled/y.txt", "keep/forever.txt", "logs/big.bin", "tagged/precious.txt"])
        self.assertEqual(self.s3.list_multipart_uploads(Bucket=b).get("Uploads", []), [])
        self.assertEqual(self.code(lambda: self.s3.list_parts(Bucket=b, Key="uploads/abandoned.bin",
                                                              UploadId=upload))[0], "NoSuchUpload")

    def versions(self, bucket):
        listed = self.s3.list_object_versions(Bucket=bucket)
        out = [(v["Key"], "V", v["IsLatest"]) for v in listed.get("Versions", [])]
        out += [(d["Key"], "D", d["IsLatest"]) for d in listed.get("DeleteMarkers", [])]
        return sorted(out)

    def test_versioned_bucket_rules(self):
        # Expiration adds a delete marker; noncurrent versions go NoncurrentDays after they were
        # replaced, keeping NewerNoncurrentVersions; a delete marker left alone goes too.
        b = "lc-versioned"
        self.s3.create_bucket(Bucket=b)
        self.s3.put_bucket_versioning(Bucket=b, VersioningConfiguration={"Status": "Enabled"})
        for body in (b"1", b"2", b"3", b"4"):
            self.s3.put_object(Bucket=b, Key="hist/k", Body=body)
        self.s3.put_object(Bucket=b, Key="gone/k", Body=b"x")
        self.s3.delete_object(Bucket=b, Key="gone/k")
        self.s3.put_object(Bucket=b, Key="exp/k", Body=b"x")
        bad = {"Rules": [rule("n", {"Prefix": ""}, NoncurrentVersionExpiration={"NoncurrentDays": 0})]}
        self.assertEqual(self.code(lambda: self.s3.put_bucket_lifecycle_configuration(
            Bucket=b, LifecycleConfiguration=bad)), ("InvalidArgument", 400))
        self.s3.put_bucket_lifecycle_configuration(Bucket=b, LifecycleConfiguration={"Rules": [
            rule("hist", {"Prefix": "hist/"},
                 NoncurrentVersionExpiration={"NoncurrentDays": 1, "NewerNoncurrentVersions": 1}),
            rule("gone", {"Prefix": "gone/"}, NoncurrentVersionExpiration={"NoncurrentDays": 1}),
            rule("markers", {"Prefix": "gone/"}, Expiration={"ExpiredObjectDeleteMarker": True}),
            rule("exp", {"Prefix": "exp/"}, Expiration={"Days": 1}),
        ]})
        got = self.s3.get_bucket_lifecycle_configuration(Bucket=b)["Rules"]
        self.assertEqual(got[0]["NoncurrentVersionExpiration"], {"NoncurrentDays": 1, "NewerNoncurrentVersions": 1})
        self.assertEqual(got[2]["Expiration"], {"ExpiredObjectDeleteMarker": True})
        deadline = time.monotonic() + 4 * DAY_MS / 1000 + 2
        want = [("exp/k", "D", True), ("exp/k", "V", False), ("hist/k", "V", False), ("hist/k", "V", True)]
        while self.versions(b) != want and time.monotonic() < deadline:
            time.sleep(0.1)
        # hist/k: the current "4" and the newest noncurrent "3" stay; gone/k: its noncurrent
        # version went, then the lone marker.
        self.assertEqual(self.versions(b), want)
        self.assertEqual(self.s3.get_object(Bucket=b, Key="hist/k")["Body"].read(), b"4")
        older = [v for v in self.s3.list_object_versions(Bucket=b, Prefix="hist/")["Versions"] if not v["IsLatest"]]
        self.assertEqual(self.s3.get_object(Bucket=b, Key="hist/k", VersionId=older[0]["VersionId"])["Body"].read(),
                         b"3")
        self.assertEqual(self.keys(b), ["hist/k"])


if __name__ == "__main__":
    unittest.main(verbosity=2)
