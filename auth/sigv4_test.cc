#include "auth/sigv4.h"

#include <doctest/doctest.h>

#include <atomic>
#include <ctime>
#include <thread>

#include "auth/checksum.h"

using namespace xs3;
using namespace xs3::auth;

namespace {

constexpr const char* kAk = "AKIAIOSFODNN7EXAMPLE";
constexpr const char* kSecret = "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY";
constexpr const char* kEmptySha = "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855";

std::chrono::system_clock::time_point At(int64_t epoch) {
  return std::chrono::system_clock::time_point(std::chrono::seconds(epoch));
}
int64_t Epoch(int y, int mo, int d, int h = 0, int mi = 0, int s = 0) {
  std::tm tm{};
  tm.tm_year = y - 1900;
  tm.tm_mon = mo - 1;
  tm.tm_mday = d;
  tm.tm_hour = h;
  tm.tm_min = mi;
  tm.tm_sec = s;
  return static_cast<int64_t>(timegm(&tm));
}
const int64_t k20130524 = Epoch(2013, 5, 24);

CredentialLookup Lookup() {
  return [](std::string_view ak) -> std::optional<Credential> {
    if (ak == kAk) return Credential{kAk, kSecret, "alice"};
    return std::nullopt;
  };
}

VerifyOptions OptsAt(int64_t epoch) {
  VerifyOptions o;
  o.now = At(epoch);
  return o;
}

std::string SignatureOf(const std::string& auth) { return auth.substr(auth.find("Signature=") + 10); }

AuthContext Ok(const std::variant<AuthContext, S3Error>& r) {
  if (std::holds_alternative<S3Error>(r)) {
    const auto& e = std::get<S3Error>(r);
    std::string msg = std::string(e.code_name()) + ": " + e.effective_message() + " " + e.extra_xml;
    FAIL_CHECK(msg);
    return AuthContext{};
  }
  return std::get<AuthContext>(r);
}

S3Error Bad(const std::variant<AuthContext, S3Error>& r) {
  REQUIRE(std::holds_alternative<S3Error>(r));
  return std::get<S3Error>(r);
}

// The AWS "GET object" example: GET /test.txt with Range.
HeaderList GetObjectHeaders() {
  return {{"host", "examplebucket.s3.amazonaws.com"},
          {"range", "bytes=0-9"},
          {"x-amz-content-sha256", kEmptySha},
          {"x-amz-date", "20130524T000000Z"}};
}
const std::vector<std::string> kGetObjectSigned = {"host", "range", "x-amz-content-sha256", "x-amz-date"};
constexpr const char* kGetObjectSig = "f0e8bdb87c964420e857bd35b5d6ed310bd44f0170aba48dd91039c6036bdb41";

std::string GetObjectAuth(const std::string& sig = kGetObjectSig) {
  return std::string("AWS4-HMAC-SHA256 Credential=AKIAIOSFODNN7EXAMPLE/20130524/us-east-1/s3/aws4_request, "
                     "SignedHeaders=host;range;x-amz-content-sha256;x-amz-date, Signature=") +
         sig;
}

}  // namespace

TEST_CASE("sigv4: derived signing key example (IAM docs)") {
  CHECK(HexEncode(DeriveSigningKey("wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY", "20120215", "us-east-1", "iam")) ==
        "f4780e2d9f65fa895f9c67b32ce1baf0b0d8a43505a000a1a9e090d414db404d");
}

TEST_CASE("sigv4: UriEncode / UriDecode / CanonicalQuery") {
  CHECK(UriEncode("a b/c~d_e.f-g$", true) == "a%20b%2Fc~d_e.f-g%24");
  CHECK(UriEncode("a b/c", false) == "a%20b/c");
  CHECK(UriEncode("\xc3\xa9", true) == "%C3%A9");
  CHECK(UriDecode("a%20b%2fc%zz") == "a b/c%zz");
  CHECK(CanonicalQuery("", false) == "");
  CHECK(CanonicalQuery("session", false) == "session=");
  CHECK(CanonicalQuery("session=", false) == "session=");
  CHECK(CanonicalQuery("prefix=J&max-keys=2", false) == "max-keys=2&prefix=J");
  CHECK(CanonicalQuery("b=2&a=2&a=1", false) == "a=1&a=2&b=2");
  CHECK(CanonicalQuery("prefix=a%2fb&x=%7e", false) == "prefix=a%2Fb&x=~");
  CHECK(CanonicalQuery("k=a b", false) == "k=a%20b");
  CHECK(CanonicalQuery("X-Amz-Signature=abc&X-Amz-Date=1", true) == "X-Amz-Date=1");
  CHECK(CanonicalQuery("X-Amz-Signature=abc&X-Amz-Date=1", false) == "X-Amz-Date=1&X-Amz-Signature=abc");
}

TEST_CASE("sigv4: canonical request of the GET object example") {
  HeaderList h = GetObjectHeaders();
  std::string cr = CanonicalRequest("GET", "/test.txt", "", h, kGetObjectSigned, kEmptySha);
  CHECK(cr == std::string("GET\n/test.txt\n\nhost:examplebucket.s3.amazonaws.com\nrange:bytes=0-9\n"
                          "x-amz-content-sha256:") +
                  kEmptySha + "\nx-amz-date:20130524T000000Z\n\nhost;range;x-amz-content-sha256;x-amz-date\n" +
                  kEmptySha);
  std::string sts = StringToSign("20130524T000000Z", "20130524/us-east-1/s3/aws4_request", cr);
  CHECK(sts == "AWS4-HMAC-SHA256\n20130524T000000Z\n20130524/us-east-1/s3/aws4_request\n"
               "7344ae5b7ee6c3e7e6b0fe0640412a37625d1fbfff95c48bbb2dc43964946972");
}

TEST_CASE("sigv4: canonical header values are trimmed, folded and joined") {
  HeaderList h = {{"host", "h"}, {"x-amz-meta-a", "  one   two  "}, {"X-Amz-Meta-A", "three"}};
  std::string cr = CanonicalRequest("GET", "/", "", h, {"host", "x-amz-meta-a"}, "UNSIGNED-PAYLOAD");
  CHECK(cr == "GET\n/\n\nhost:h\nx-amz-meta-a:one two,three\n\nhost;x-amz-meta-a\nUNSIGNED-PAYLOAD");
}

TEST_CASE("sigv4: SignRequest reproduces the GET object example") {
  HeaderList h = GetObjectHeaders();
  RequestParts req{"GET", "/test.txt", "", &h};
  CHECK(SignRequest(req, kAk, kSecret, "us-east-1", "s3", kEmptySha, kGetObjectSigned) == GetObjectAuth());
}

TEST_CASE("sigv4: verify the GET object example") {
  HeaderList h = GetObjectHeaders();
  h.emplace_back("authorization", GetObjectAuth());
  RequestParts req{"GET", "/test.txt", "", &h};
  auto r = VerifyRequest(req, Lookup(), OptsAt(k20130524 + 60));
  const auto& ctx = Ok(r);
  CHECK_FALSE(ctx.anonymous);
  CHECK_FALSE(ctx.presigned);
  CHECK(ctx.user == "alice");
  CHECK(ctx.access_key == kAk);
  CHECK(ctx.service == "s3");
  CHECK(ctx.payload_mode == PayloadMode::SignedHash);
  CHECK(ctx.payload_sha256_hex == kEmptySha);
  CHECK(ctx.seed_signature == kGetObjectSig);
  CHECK(ctx.amz_date == "20130524T000000Z");
  CHECK(ctx.scope == "20130524/us-east-1/s3/aws4_request");
  CHECK(ctx.signing_key == DeriveSigningKey(kSecret, "20130524", "us-east-1", "s3"));
}

TEST_CASE("sigv4: s3cmd style Authorization without spaces, mixed-case header names") {
  HeaderList h = {{"Host", "examplebucket.s3.amazonaws.com"},
                  {"Range", "bytes=0-9"},
                  {"X-Amz-Content-SHA256", kEmptySha},
                  {"X-Amz-Date", "20130524T000000Z"},
                  {"Authorization",
                   std::string("AWS4-HMAC-SHA256 Credential=AKIAIOSFODNN7EXAMPLE/20130524/us-east-1/s3/aws4_request,"
                               "SignedHeaders=host;range;x-amz-content-sha256;x-amz-date,Signature=") +
                       kGetObjectSig}};
  RequestParts req{"GET", "/test.txt", "", &h};
  Ok(VerifyRequest(req, Lookup(), OptsAt(k20130524)));
}

TEST_CASE("sigv4: PUT object example") {
  HeaderList h = {{"date", "Fri, 24 May 2013 00:00:00 GMT"},
                  {"host", "examplebucket.s3.amazonaws.com"},
                  {"x-amz-content-sha256", "44ce7dd67c959e0d3524ffac1771dfbba87d2b6b4b4e99e42034a8b803f8b072"},
                  {"x-amz-date", "20130524T000000Z"},
                  {"x-amz-storage-class", "REDUCED_REDUNDANCY"}};
  CHECK(Sha256Hex("Welcome to Amazon S3.") == "44ce7dd67c959e0d3524ffac1771dfbba87d2b6b4b4e99e42034a8b803f8b072");
  std::vector<std::string> sh = {"date", "host", "x-amz-content-sha256", "x-amz-date", "x-amz-storage-class"};
  RequestParts req{"PUT", "/test%24file.text", "", &h};
  std::string auth = SignRequest(req, kAk, kSecret, "us-east-1", "s3",
                                 "44ce7dd67c959e0d3524ffac1771dfbba87d2b6b4b4e99e42034a8b803f8b072", sh);
  CHECK(SignatureOf(auth) == "98ad721746da40c64f1a55b78f14c238d841ea1380cd77a1b5971af0ece108bd");
  h.emplace_back("authorization", auth);
  const auto& ctx = Ok(VerifyRequest(req, Lookup(), OptsAt(k20130524)));
  CHECK(ctx.payload_mode == PayloadMode::SignedHash);
}

TEST_CASE("sigv4: GET ?lifecycle example, valueless and empty-valued forms") {
  HeaderList base = {{"host", "examplebucket.s3.amazonaws.com"},
                     {"x-amz-content-sha256", kEmptySha},
                     {"x-amz-date", "20130524T000000Z"}};
  std::string auth =
      "AWS4-HMAC-SHA256 Credential=AKIAIOSFODNN7EXAMPLE/20130524/us-east-1/s3/aws4_request, "
      "SignedHeaders=host;x-amz-content-sha256;x-amz-date, "
      "Signature=fea454ca298b7da1c68078a5d1bdbfbbe0d65c699e0f91ac7a200a0136783543";
  for (const char* q : {"lifecycle", "lifecycle="}) {
    HeaderList h = base;
    h.emplace_back("authorization", auth);
    RequestParts req{"GET", "/", q, &h};
    Ok(VerifyRequest(req, Lookup(), OptsAt(k20130524)));
  }
}

TEST_CASE("sigv4: list objects example (max-keys & prefix), any query order") {
  std::string auth =
      "AWS4-HMAC-SHA256 Credential=AKIAIOSFODNN7EXAMPLE/20130524/us-east-1/s3/aws4_request, "
      "SignedHeaders=host;x-amz-content-sha256;x-amz-date, "
      "Signature=34b48302e7b5fa45bde8084f4b7868a86f0a534bc59db6670ed5711ef69dc6f7";
  for (const char* q : {"max-keys=2&prefix=J", "prefix=J&max-keys=2"}) {
    HeaderList h = {{"host", "examplebucket.s3.amazonaws.com"},
                    {"x-amz-content-sha256", kEmptySha},
                    {"x-amz-date", "20130524T000000Z"},
                    {"authorization", auth}};
    RequestParts req{"GET", "/", q, &h};
    Ok(VerifyRequest(req, Lookup(), OptsAt(k20130524)));
  }
}

TEST_CASE("sigv4: chunked upload seed signature example") {
  HeaderList h = {{"content-encoding", "aws-chunked"},
                  {"content-length", "66824"},
                  {"host", "s3.amazonaws.com"},
                  {"x-amz-content-sha256", "STREAMING-AWS4-HMAC-SHA256-PAYLOAD"},
                  {"x-amz-date", "20130524T000000Z"},
                  {"x-amz-decoded-content-length", "66560"},
                  {"x-amz-storage-class", "REDUCED_REDUNDANCY"}};
  std::vector<std::string> sh = {"content-encoding",     "content-length", "host", "x-amz-content-sha256",
                                 "x-amz-date", "x-amz-decoded-content-length", "x-amz-storage-class"};
  RequestParts req{"PUT", "/examplebucket/chunkObject.txt", "", &h};
  std::string auth = SignRequest(req, kAk, kSecret, "us-east-1", "s3", "STREAMING-AWS4-HMAC-SHA256-PAYLOAD", sh);
  CHECK(SignatureOf(auth) == "4f232c4386841ef735655705268965c44a0e4690baa4adea153f7db9fa80a0a9");
  h.emplace_back("authorization", auth);
  const auto& ctx = Ok(VerifyRequest(req, Lookup(), OptsAt(k20130524)));
  CHECK(ctx.payload_mode == PayloadMode::StreamingSigned);
  CHECK(ctx.seed_signature == "4f232c4386841ef735655705268965c44a0e4690baa4adea153f7db9fa80a0a9");
}

TEST_CASE("sigv4: payload modes from x-amz-content-sha256") {
  struct Case {
    const char* value;
    PayloadMode mode;
  };
  for (auto c : {Case{"UNSIGNED-PAYLOAD", PayloadMode::Unsigned},
                 Case{"STREAMING-AWS4-HMAC-SHA256-PAYLOAD-TRAILER", PayloadMode::StreamingSignedTrailer},
                 Case{"STREAMING-UNSIGNED-PAYLOAD-TRAILER", PayloadMode::StreamingUnsignedTrailer}}) {
    HeaderList h = {{"host", "localhost:9000"}, {"x-amz-content-sha256", c.value}, {"x-amz-date", "20130524T000000Z"}};
    RequestParts req{"PUT", "/b/k", "x-id=PutObject", &h};
    h.emplace_back("authorization", SignRequest(req, kAk, kSecret, "us-east-1", "s3", c.value,
                                                {"host", "x-amz-content-sha256", "x-amz-date"}));
    CHECK(Ok(VerifyRequest(req, Lookup(), OptsAt(k20130524))).payload_mode == c.mode);
  }
}

TEST_CASE("sigv4: s3express scope, double slash path kept, session token exposed") {
  HeaderList h = {{"host", "127.0.0.1:9000"},
                  {"x-amz-content-sha256", kEmptySha},
                  {"x-amz-date", "20130524T000000Z"},
                  {"x-amz-s3session-token", "TOKEN"}};
  RequestParts req{"GET", "/mybucket--use1-az4--x-s3//", "session=", &h};
  h.emplace_back("authorization",
                 SignRequest(req, kAk, kSecret, "us-east-1", "s3express", kEmptySha,
                             {"host", "x-amz-content-sha256", "x-amz-date", "x-amz-s3session-token"}));
  const auto& ctx = Ok(VerifyRequest(req, Lookup(), OptsAt(k20130524)));
  CHECK(ctx.service == "s3express");
  CHECK(ctx.session_token == "TOKEN");
  // boto3 form of the same flag.
  RequestParts req2{"GET", "/mybucket--use1-az4--x-s3//", "session", &h};
  Ok(VerifyRequest(req2, Lookup(), OptsAt(k20130524)));
  // Normalising the path away breaks the signature.
  RequestParts req3{"GET", "/mybucket--use1-az4--x-s3/", "session=", &h};
  CHECK(Bad(VerifyRequest(req3, Lookup(), OptsAt(k20130524))).code == ErrorCode::SignatureDoesNotMatch);
}

TEST_CASE("sigv4: Date header instead of x-amz-date") {
  HeaderList h = {{"host", "localhost"}, {"x-amz-content-sha256", kEmptySha}, {"date", "Fri, 24 May 2013 00:00:00 GMT"}};
  // Sign with the ISO form of the same instant.
  HeaderList signing = h;
  signing.emplace_back("x-amz-date", "20130524T000000Z");
  RequestParts sreq{"GET", "/b", "", &signing};
  std::string auth = SignRequest(sreq, kAk, kSecret, "us-east-1", "s3", kEmptySha, {"date", "host", "x-amz-content-sha256"});
  h.emplace_back("authorization", auth);
  RequestParts req{"GET", "/b", "", &h};
  CHECK(Ok(VerifyRequest(req, Lookup(), OptsAt(k20130524 + 5))).amz_date == "20130524T000000Z");
}

TEST_CASE("sigv4: anonymous request") {
  HeaderList h = {{"host", "localhost"}};
  RequestParts req{"GET", "/b/k", "", &h};
  CHECK(Ok(VerifyRequest(req, Lookup(), OptsAt(k20130524))).anonymous);
  RequestParts req2{"GET", "/b/k", "", nullptr};
  CHECK(Ok(VerifyRequest(req2, Lookup(), OptsAt(k20130524))).anonymous);
}

TEST_CASE("sigv4: header auth failures") {
  auto verify = [](HeaderList h, int64_t now = 0) {
    RequestParts req{"GET", "/test.txt", "", &h};
    return VerifyRequest(req, Lookup(), OptsAt(now ? now : k20130524));
  };
  SUBCASE("tampered header") {
    HeaderList h = GetObjectHeaders();
    h[1].second = "bytes=0-10";
    h.emplace_back("authorization", GetObjectAuth());
    S3Error e = Bad(verify(h));
    CHECK(e.code == ErrorCode::SignatureDoesNotMatch);
    CHECK(e.http_status() == 403);
    CHECK(e.extra_xml.find("<StringToSign>AWS4-HMAC-SHA256\n20130524T000000Z\n") != std::string::npos);
    CHECK(e.extra_xml.find("<CanonicalRequest>GET\n/test.txt\n") != std::string::npos);
    CHECK(e.extra_xml.find("<SignatureProvided>f0e8bdb8") != std::string::npos);
    CHECK(e.extra_xml.find("<AWSAccessKeyId>AKIAIOSFODNN7EXAMPLE</AWSAccessKeyId>") != std::string::npos);
    CHECK(e.extra_xml.find("<StringToSignBytes>41 57 53 34") != std::string::npos);
  }
  SUBCASE("tampered signature") {
    HeaderList h = GetObjectHeaders();
    std::string sig = kGetObjectSig;
    sig[0] = 'e';
    h.emplace_back("authorization", GetObjectAuth(sig));
    CHECK(Bad(verify(h)).code == ErrorCode::SignatureDoesNotMatch);
  }
  SUBCASE("wrong secret") {
    HeaderList h = GetObjectHeaders();
    h.emplace_back("authorization", GetObjectAuth());
    RequestParts req{"GET", "/test.txt", "", &h};
    CredentialLookup other = [](std::string_view) -> std::optional<Credential> {
      return Credential{kAk, "not-the-secret", "alice"};
    };
    CHECK(Bad(VerifyRequest(req, other, OptsAt(k20130524))).code == ErrorCode::SignatureDoesNotMatch);
  }
  SUBCASE("unknown access key") {
    HeaderList h = GetObjectHeaders();
    std::string auth = GetObjectAuth();
    auth.replace(auth.find("AKIAIOSFODNN7EXAMPLE"), 20, "AKIDUNKNOWN000000000");
    h.emplace_back("authorization", auth);
    S3Error e = Bad(verify(h));
    CHECK(e.code == ErrorCode::InvalidAccessKeyId);
    CHECK(e.http_status() == 403);
    CHECK(e.extra_xml == "<AWSAccessKeyId>AKIDUNKNOWN000000000</AWSAccessKeyId>");
  }
  SUBCASE("clock skew") {
    HeaderList h = GetObjectHeaders();
    h.emplace_back("authorization", GetObjectAuth());
    Ok(verify(h, k20130524 + 15 * 60));
    Ok(verify(h, k20130524 - 15 * 60));
    S3Error e = Bad(verify(h, k20130524 + 15 * 60 + 1));
    CHECK(e.code == ErrorCode::RequestTimeTooSkewed);
    CHECK(e.http_status() == 403);
    CHECK(e.extra_xml.find("<RequestTime>20130524T000000Z</RequestTime>") != std::string::npos);
    CHECK(e.extra_xml.find("<MaxAllowedSkewMilliseconds>900000</MaxAllowedSkewMilliseconds>") != std::string::npos);
    CHECK(Bad(verify(h, k20130524 - 3600)).code == ErrorCode::RequestTimeTooSkewed);
  }
  SUBCASE("wrong region") {
    HeaderList h = GetObjectHeaders();
    std::string auth = GetObjectAuth();
    auth.replace(auth.find("us-east-1"), 9, "us-west-2");
    h.emplace_back("authorization", auth);
    S3Error e = Bad(verify(h));
    CHECK(e.code == ErrorCode::AuthorizationHeaderMalformed);
    CHECK(e.http_status() == 400);
    CHECK(e.effective_message() ==
          "The authorization header is malformed; the region 'us-west-2' is wrong; expecting 'us-east-1'");
    CHECK(e.extra_xml == "<Region>us-east-1</Region>");
  }
  SUBCASE("wrong service") {
    HeaderList h = GetObjectHeaders();
    std::string auth = GetObjectAuth();
    auth.replace(auth.find("/s3/"), 4, "/iam/");
    h.emplace_back("authorization", auth);
    CHECK(Bad(verify(h)).code == ErrorCode::AuthorizationHeaderMalformed);
  }
  SUBCASE("malformed header: missing Signature") {
    HeaderList h = GetObjectHeaders();
    h.emplace_back("authorization",
                   "AWS4-HMAC-SHA256 Credential=AKIAIOSFODNN7EXAMPLE/20130524/us-east-1/s3/aws4_request, "
                   "SignedHeaders=host;range;x-amz-content-sha256;x-amz-date");
    S3Error e = Bad(verify(h));
    CHECK(e.code == ErrorCode::AuthorizationHeaderMalformed);
    CHECK(e.http_status() == 400);
  }
  SUBCASE("malformed credential") {
    HeaderList h = GetObjectHeaders();
    h.emplace_back("authorization",
                   "AWS4-HMAC-SHA256 Credential=AKIAIOSFODNN7EXAMPLE/us-east-1/s3/aws4_request, "
                   "SignedHeaders=host;range;x-amz-content-sha256;x-amz-date, Signature=00");
    CHECK(Bad(verify(h)).code == ErrorCode::AuthorizationHeaderMalformed);
  }
  SUBCASE("credential date differs from x-amz-date") {
    HeaderList h = GetObjectHeaders();
    std::string auth = GetObjectAuth();
    auth.replace(auth.find("/20130524/"), 10, "/20130525/");
    h.emplace_back("authorization", auth);
    CHECK(Bad(verify(h)).code == ErrorCode::AuthorizationHeaderMalformed);
  }
  SUBCASE("unsupported algorithm") {
    HeaderList h = GetObjectHeaders();
    h.emplace_back("authorization", "AWS4-ECDSA-P256-SHA256 Credential=x");
    CHECK(Bad(verify(h)).code == ErrorCode::InvalidArgument);
  }
  SUBCASE("host not signed") {
    HeaderList h = GetObjectHeaders();
    h.emplace_back("authorization",
                   "AWS4-HMAC-SHA256 Credential=AKIAIOSFODNN7EXAMPLE/20130524/us-east-1/s3/aws4_request, "
                   "SignedHeaders=range;x-amz-content-sha256;x-amz-date, Signature=00");
    CHECK(Bad(verify(h)).code == ErrorCode::AccessDenied);
  }
  SUBCASE("missing date") {
    HeaderList h = GetObjectHeaders();
    h.erase(h.begin() + 3);
    h.emplace_back("authorization", GetObjectAuth());
    S3Error e = Bad(verify(h));
    CHECK(e.code == ErrorCode::AccessDenied);
    CHECK(e.effective_message() == "AWS authentication requires a valid Date or x-amz-date header");
  }
  SUBCASE("garbled x-amz-date") {
    HeaderList h = GetObjectHeaders();
    h[3].second = "2013-05-24T00:00:00Z";
    h.emplace_back("authorization", GetObjectAuth());
    CHECK(Bad(verify(h)).code == ErrorCode::AccessDenied);
  }
  SUBCASE("missing x-amz-content-sha256") {
    HeaderList h = GetObjectHeaders();
    h.erase(h.begin() + 2);
    h.emplace_back("authorization", GetObjectAuth());
    S3Error e = Bad(verify(h));
    CHECK(e.code == ErrorCode::InvalidRequest);
    CHECK(e.effective_message() == "Missing required header for this request: x-amz-content-sha256");
  }
  SUBCASE("invalid x-amz-content-sha256") {
    HeaderList h = GetObjectHeaders();
    h[2].second = "not-a-hash";
    h.emplace_back("authorization", GetObjectAuth());
    S3Error e = Bad(verify(h));
    CHECK(e.code == ErrorCode::InvalidArgument);
    CHECK(e.extra_xml.find("<ArgumentName>x-amz-content-sha256</ArgumentName>") != std::string::npos);
  }
  SUBCASE("both header and query auth") {
    HeaderList h = GetObjectHeaders();
    h.emplace_back("authorization", GetObjectAuth());
    RequestParts req{"GET", "/test.txt", "X-Amz-Signature=00", &h};
    CHECK(Bad(VerifyRequest(req, Lookup(), OptsAt(k20130524))).code == ErrorCode::InvalidArgument);
  }
}

TEST_CASE("sigv4: extra_xml is escaped") {
  HeaderList h = {{"host", "localhost"}, {"x-amz-content-sha256", kEmptySha}, {"x-amz-date", "20130524T000000Z"},
                  {"x-amz-meta-x", "<a&b>"}};
  h.emplace_back("authorization",
                 "AWS4-HMAC-SHA256 Credential=AKIAIOSFODNN7EXAMPLE/20130524/us-east-1/s3/aws4_request, "
                 "SignedHeaders=host;x-amz-content-sha256;x-amz-date;x-amz-meta-x, Signature=00");
  RequestParts req{"GET", "/b", "", &h};
  S3Error e = Bad(VerifyRequest(req, Lookup(), OptsAt(k20130524)));
  CHECK(e.extra_xml.find("x-amz-meta-x:&lt;a&amp;b&gt;") != std::string::npos);
  CHECK(e.extra_xml.find("<a&b>") == std::string::npos);
}

namespace {
const std::string kPresignQuery =
    "X-Amz-Algorithm=AWS4-HMAC-SHA256&X-Amz-Credential=AKIAIOSFODNN7EXAMPLE%2F20130524%2Fus-east-1%2Fs3%2Faws4_request"
    "&X-Amz-Date=20130524T000000Z&X-Amz-Expires=86400&X-Amz-SignedHeaders=host"
    "&X-Amz-Signature=aeeed9bbccd4d02ee5c0109b86d86835f995330da4c265957d157751f604d404";
}

TEST_CASE("sigv4: presigned URL example") {
  HeaderList h = {{"host", "examplebucket.s3.amazonaws.com"}};
  RequestParts req{"GET", "/test.txt", kPresignQuery, &h};
  const auto& ctx = Ok(VerifyRequest(req, Lookup(), OptsAt(k20130524 + 3600)));
  CHECK(ctx.presigned);
  CHECK(ctx.payload_mode == PayloadMode::Unsigned);
  CHECK(ctx.user == "alice");
  CHECK(ctx.seed_signature == "aeeed9bbccd4d02ee5c0109b86d86835f995330da4c265957d157751f604d404");
  // Valid until exactly 86400 s after X-Amz-Date.
  Ok(VerifyRequest(req, Lookup(), OptsAt(k20130524 + 86400)));
}

TEST_CASE("sigv4: presigned URL failures") {
  HeaderList h = {{"host", "examplebucket.s3.amazonaws.com"}};
  auto run = [&](const std::string& q, int64_t now) {
    RequestParts req{"GET", "/test.txt", q, &h};
    return VerifyRequest(req, Lookup(), OptsAt(now));
  };
  SUBCASE("expired") {
    S3Error e = Bad(run(kPresignQuery, k20130524 + 86401));
    CHECK(e.code == ErrorCode::AccessDenied);
    CHECK(e.effective_message() == "Request has expired");
    CHECK(e.extra_xml.find("<X-Amz-Expires>86400</X-Amz-Expires>") != std::string::npos);
    CHECK(e.extra_xml.find("<Expires>2013-05-25T00:00:00Z</Expires>") != std::string::npos);
  }
  SUBCASE("not yet valid") {
    S3Error e = Bad(run(kPresignQuery, k20130524 - 3600));
    CHECK(e.code == ErrorCode::AccessDenied);
    CHECK(e.effective_message() == "Request is not yet valid");
    CHECK(e.extra_xml.find("<X-Amz-Date>1369353600000</X-Amz-Date>") != std::string::npos);
    Ok(run(kPresignQuery, k20130524 - 60));  // within the allowed clock skew
  }
  SUBCASE("tampered path") {
    RequestParts req{"GET", "/test2.txt", kPresignQuery, &h};
    CHECK(Bad(VerifyRequest(req, Lookup(), OptsAt(k20130524))).code == ErrorCode::SignatureDoesNotMatch);
  }
  SUBCASE("expires more than 7 days") {
    std::string q = kPresignQuery;
    q.replace(q.find("X-Amz-Expires=86400"), 19, "X-Amz-Expires=604801");
    S3Error e = Bad(run(q, k20130524));
    CHECK(e.code == ErrorCode::AuthorizationQueryParametersError);
    CHECK(e.http_status() == 400);
    q = kPresignQuery;
    q.replace(q.find("X-Amz-Expires=86400"), 19, "X-Amz-Expires=604800");
    CHECK(Bad(run(q, k20130524)).code == ErrorCode::SignatureDoesNotMatch);  // allowed, just not what was signed
  }
  SUBCASE("expires not a number / negative") {
    std::string q = kPresignQuery;
    q.replace(q.find("X-Amz-Expires=86400"), 19, "X-Amz-Expires=abc");
    CHECK(Bad(run(q, k20130524)).code == ErrorCode::AuthorizationQueryParametersError);
    q = kPresignQuery;
    q.replace(q.find("X-Amz-Expires=86400"), 19, "X-Amz-Expires=-1");
    CHECK(Bad(run(q, k20130524)).code == ErrorCode::AuthorizationQueryParametersError);
  }
  SUBCASE("missing parameter") {
    std::string q = kPresignQuery;
    q.replace(q.find("&X-Amz-SignedHeaders=host"), 25, "");
    S3Error e = Bad(run(q, k20130524));
    CHECK(e.code == ErrorCode::AuthorizationQueryParametersError);
  }
  SUBCASE("wrong region") {
    std::string q = kPresignQuery;
    q.replace(q.find("us-east-1"), 9, "eu-west-1");
    S3Error e = Bad(run(q, k20130524));
    CHECK(e.code == ErrorCode::AuthorizationQueryParametersError);
    CHECK(e.extra_xml == "<Region>us-east-1</Region>");
  }
  SUBCASE("unknown key") {
    std::string q = kPresignQuery;
    q.replace(q.find("AKIAIOSFODNN7EXAMPLE"), 20, "AKIDUNKNOWN000000000");
    CHECK(Bad(run(q, k20130524)).code == ErrorCode::InvalidAccessKeyId);
  }
  SUBCASE("bad algorithm") {
    std::string q = kPresignQuery;
    q.replace(q.find("AWS4-HMAC-SHA256"), 16, "AWS4-HMAC-SHA512");
    CHECK(Bad(run(q, k20130524)).code == ErrorCode::AuthorizationQueryParametersError);
  }
}

TEST_CASE("sigv4: presigned with security token and content sha256 parameter") {
  HeaderList h = {{"host", "localhost:9000"}};
  std::string base =
      "X-Amz-Algorithm=AWS4-HMAC-SHA256&X-Amz-Credential=AKIAIOSFODNN7EXAMPLE%2F20130524%2Fus-east-1%2Fs3%2Faws4_request"
      "&X-Amz-Date=20130524T000000Z&X-Amz-Expires=300&X-Amz-Security-Token=tok%2Fen&X-Amz-SignedHeaders=host";
  std::string key = DeriveSigningKey(kSecret, "20130524", "us-east-1", "s3");
  std::string cr = CanonicalRequest("GET", "/b/k", CanonicalQuery(base, true), h, {"host"}, "UNSIGNED-PAYLOAD");
  std::string sig = HexEncode(HmacSha256(key, StringToSign("20130524T000000Z", "20130524/us-east-1/s3/aws4_request", cr)));
  RequestParts req{"GET", "/b/k", base + "&X-Amz-Signature=" + sig, &h};
  const auto& ctx = Ok(VerifyRequest(req, Lookup(), OptsAt(k20130524 + 10)));
  CHECK(ctx.session_token == "tok/en");

  std::string with_hash = base + "&X-Amz-Content-Sha256=" + kEmptySha;
  cr = CanonicalRequest("PUT", "/b/k", CanonicalQuery(with_hash, true), h, {"host"}, kEmptySha);
  sig = HexEncode(HmacSha256(key, StringToSign("20130524T000000Z", "20130524/us-east-1/s3/aws4_request", cr)));
  RequestParts req2{"PUT", "/b/k", with_hash + "&X-Amz-Signature=" + sig, &h};
  const auto& ctx2 = Ok(VerifyRequest(req2, Lookup(), OptsAt(k20130524 + 10)));
  CHECK(ctx2.payload_mode == PayloadMode::SignedHash);
  CHECK(ctx2.payload_sha256_hex == kEmptySha);
}

TEST_CASE("sigv4: path sent raw but signed percent-encoded still verifies") {
  HeaderList h = {{"host", "localhost"}, {"x-amz-content-sha256", kEmptySha}, {"x-amz-date", "20130524T000000Z"}};
  RequestParts signed_req{"GET", "/b/a%21b%28c%29", "", &h};
  std::string auth = SignRequest(signed_req, kAk, kSecret, "us-east-1", "s3", kEmptySha,
                                 {"host", "x-amz-content-sha256", "x-amz-date"});
  h.emplace_back("authorization", auth);
  RequestParts req{"GET", "/b/a!b(c)", "", &h};
  Ok(VerifyRequest(req, Lookup(), OptsAt(k20130524)));
}

// ---- SigV2 (AWS "Signing and authenticating REST requests" examples, johnsmith bucket).

TEST_CASE("sigv2: header auth, virtual-hosted GET example") {
  HeaderList h = {{"host", "johnsmith.s3.amazonaws.com"},
                  {"date", "Tue, 27 Mar 2007 19:36:42 +0000"},
                  {"authorization", "AWS AKIAIOSFODNN7EXAMPLE:bWq2s1WEIj+Ydj0vQ697zp+IXMU="}};
  RequestParts req{"GET", "/photos/puppy.jpg", "", &h};
  int64_t t = Epoch(2007, 3, 27, 19, 36, 42);
  const auto& ctx = Ok(VerifyRequest(req, Lookup(), OptsAt(t + 10)));
  CHECK(ctx.user == "alice");
  CHECK(ctx.payload_mode == PayloadMode::Unsigned);
  CHECK_FALSE(ctx.presigned);
  CHECK(Bad(VerifyRequest(req, Lookup(), OptsAt(t + 3600))).code == ErrorCode::RequestTimeTooSkewed);
}

TEST_CASE("sigv2: header auth, path-style PUT example") {
  HeaderList h = {{"content-type", "image/jpeg"},
                  {"content-length", "94328"},
                  {"host", "s3.amazonaws.com"},
                  {"date", "Tue, 27 Mar 2007 21:15:45 +0000"},
                  {"authorization", "AWS AKIAIOSFODNN7EXAMPLE:MyyxeRY7whkBe+bq8fHCL/2kKUg="}};
  RequestParts req{"PUT", "/johnsmith/photos/puppy.jpg", "", &h};
  Ok(VerifyRequest(req, Lookup(), OptsAt(Epoch(2007, 3, 27, 21, 15, 45))));
  h[0].second = "image/png";
  S3Error e = Bad(VerifyRequest(req, Lookup(), OptsAt(Epoch(2007, 3, 27, 21, 15, 45))));
  CHECK(e.code == ErrorCode::SignatureDoesNotMatch);
  CHECK(e.extra_xml.find("<StringToSign>PUT\n\nimage/png\n") != std::string::npos);
}

TEST_CASE("sigv2: header auth with amz headers, content-md5, repeated header") {
  HeaderList h = {{"host", "s3.amazonaws.com"},
                  {"date", "Tue, 27 Mar 2007 21:06:08 +0000"},
                  {"x-amz-acl", "public-read"},
                  {"content-type", "application/x-download"},
                  {"content-md5", "4gJE4saaMU4BqNR0kLY+lw=="},
                  {"X-Amz-Meta-ReviewedBy", "joe@johnsmith.net"},
                  {"X-Amz-Meta-ReviewedBy", "jane@johnsmith.net"},
                  {"X-Amz-Meta-FileChecksum", "0x02661779"},
                  {"X-Amz-Meta-ChecksumAlgorithm", "crc32"},
                  {"authorization", "AWS AKIAIOSFODNN7EXAMPLE:ilyl83RwaSoYIEdixDQcA4OnAnc="}};
  RequestParts req{"PUT", "/static.johnsmith.net/db-backup.dat.gz", "", &h};
  Ok(VerifyRequest(req, Lookup(), OptsAt(Epoch(2007, 3, 27, 21, 6, 8))));
}

TEST_CASE("sigv2: query string auth (boto3 default presign)") {
  HeaderList h = {{"host", "johnsmith.s3.amazonaws.com"}};
  std::string q = "AWSAccessKeyId=AKIAIOSFODNN7EXAMPLE&Expires=1175139620&Signature=NpgCjnDzrM%2BWFzoENXmpNDUsSn8%3D";
  RequestParts req{"GET", "/photos/puppy.jpg", q, &h};
  const auto& ctx = Ok(VerifyRequest(req, Lookup(), OptsAt(1175139620 - 100)));
  CHECK(ctx.presigned);
  CHECK(ctx.payload_mode == PayloadMode::Unsigned);
  S3Error e = Bad(VerifyRequest(req, Lookup(), OptsAt(1175139621)));
  CHECK(e.code == ErrorCode::AccessDenied);
  CHECK(e.effective_message() == "Request has expired");
  RequestParts tampered{"GET", "/photos/kitten.jpg", q, &h};
  CHECK(Bad(VerifyRequest(tampered, Lookup(), OptsAt(1175139000))).code == ErrorCode::SignatureDoesNotMatch);
  std::string unknown = q;
  unknown.replace(unknown.find("AKIAIOSFODNN7EXAMPLE"), 20, "AKIDUNKNOWN000000000");
  RequestParts req3{"GET", "/photos/puppy.jpg", unknown, &h};
  CHECK(Bad(VerifyRequest(req3, Lookup(), OptsAt(1175139000))).code == ErrorCode::InvalidAccessKeyId);
  RequestParts req4{"GET", "/photos/puppy.jpg", "AWSAccessKeyId=AKIAIOSFODNN7EXAMPLE&Signature=x", &h};
  CHECK(Bad(VerifyRequest(req4, Lookup(), OptsAt(1175139000))).code == ErrorCode::AccessDenied);
}

TEST_CASE("sigv2: sub-resources are sorted into the resource, others ignored") {
  HeaderList h = {{"host", "localhost:9000"}};
  std::string q = "uploadId=a%20b&x-id=UploadPart&partNumber=2&AWSAccessKeyId=AKIAIOSFODNN7EXAMPLE&Expires=1175139620"
                  "&Signature=E5yWSuj77UfWCfzibBvci%2FvaoVo%3D";
  RequestParts req{"GET", "/b/k", q, &h};
  Ok(VerifyRequest(req, Lookup(), OptsAt(1175139000)));
  std::string q2 = "acl&AWSAccessKeyId=AKIAIOSFODNN7EXAMPLE&Expires=1175139620&Signature=0X8Hdm8zM0u4SPnj2XKQeT%2F7We0%3D";
  RequestParts req2{"GET", "/b/k", q2, &h};
  Ok(VerifyRequest(req2, Lookup(), OptsAt(1175139000)));
  // boto moves x-amz-* headers into the query for SigV2 presigned URLs.
  std::string q3 = "AWSAccessKeyId=AKIAIOSFODNN7EXAMPLE&Expires=1175139620&x-amz-security-token=tok"
                   "&Signature=%2BRERFdN6H9yn4t24cTDkHXyfnZ0%3D";
  RequestParts req3{"GET", "/b/k", q3, &h};
  CHECK(Ok(VerifyRequest(req3, Lookup(), OptsAt(1175139000))).session_token == "tok");
}

TEST_CASE("sigv4: concurrent verification shares the signing-key cache safely") {
  std::atomic<int> ok{0};
  std::vector<std::thread> threads;
  for (int t = 0; t < 8; ++t) {
    threads.emplace_back([&] {
      for (int i = 0; i < 200; ++i) {
        HeaderList h = GetObjectHeaders();
        h.emplace_back("authorization", GetObjectAuth());
        RequestParts req{"GET", "/test.txt", "", &h};
        auto r = VerifyRequest(req, Lookup(), OptsAt(k20130524));
        if (std::holds_alternative<AuthContext>(r)) ok++;
      }
    });
  }
  for (auto& th : threads) th.join();
  CHECK(ok.load() == 1600);
}
