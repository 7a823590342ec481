#include "auth/aws_chunked.h"

#include <doctest/doctest.h>

#include <cstring>
#include <random>

#include "auth/checksum.h"

using namespace xs3;
using namespace xs3::auth;

namespace {

constexpr const char* kSecret = "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY";
constexpr const char* kEmptySha = "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855";
constexpr const char* kSeed = "4f232c4386841ef735655705268965c44a0e4690baa4adea153f7db9fa80a0a9";
constexpr const char* kSig1 = "ad80c730a21e5b8d04586a2213dd63b9a0e99e0e2307b0ade35a65485a288648";
constexpr const char* kSig2 = "0055627c9e194cb4542bae2aa5492e3c1575bbb81b612b7d234b86a503ef5497";
constexpr const char* kSig3 = "b6c6ea8a5354eaf15b3cb7646744f4275b71ea724fed81ceb9323e279d449df9";

AuthContext SignedContext(PayloadMode mode = PayloadMode::StreamingSigned) {
  AuthContext c;
  c.payload_mode = mode;
  c.signing_key = DeriveSigningKey(kSecret, "20130524", "us-east-1", "s3");
  c.seed_signature = kSeed;
  c.amz_date = "20130524T000000Z";
  c.scope = "20130524/us-east-1/s3/aws4_request";
  return c;
}

// The S3 docs' chunked upload example: 66560 bytes of 'a' in a 64 KiB and a 1 KiB chunk.
std::string ExampleBody() {
  std::string b;
  b += std::string("10000;chunk-signature=") + kSig1 + "\r\n";
  b += std::string(65536, 'a') + "\r\n";
  b += std::string("400;chunk-signature=") + kSig2 + "\r\n";
  b += std::string(1024, 'a') + "\r\n";
  b += std::string("0;chunk-signature=") + kSig3 + "\r\n\r\n";
  return b;
}

struct Result {
  std::optional<S3Error> error;
  std::string decoded;
  bool done = false;
  std::map<std::string, std::string> trailers;
};

// Feeds `body` in pieces of the sizes produced by `next_size`, then calls Finish.
template <typename NextSize>
Result Decode(const AuthContext& ctx, const std::string& body, NextSize next_size) {
  Result r;
  AwsChunkedDecoder d(ctx);
  auto sink = [&](const char* p, size_t n) -> std::optional<S3Error> {
    r.decoded.append(p, n);
    return std::nullopt;
  };
  size_t off = 0;
  while (off < body.size()) {
    size_t n = std::min(next_size(), body.size() - off);
    if (auto e = d.Feed(body.data() + off, n, sink)) {
      r.error = e;
      return r;
    }
    off += n;
  }
  r.error = d.Finish();
  r.done = d.done();
  r.trailers = d.trailers();
  CHECK(d.decoded_size() == r.decoded.size());
  return r;
}

Result DecodeWhole(const AuthContext& ctx, const std::string& body) {
  return Decode(ctx, body, [&] { return body.size() + 1; });
}

std::string ChunkSig(const std::string& key, const std::string& prev, std::string_view data) {
  return HexEncode(HmacSha256(key, "AWS4-HMAC-SHA256-PAYLOAD\n20130524T000000Z\n20130524/us-east-1/s3/aws4_request\n" +
                                       prev + "\n" + kEmptySha + "\n" + Sha256Hex(data)));
}

const char* kUnsignedTrailerBody =
    "6\r\nhello \r\nc\r\naws-chunked \r\n6\r\nworld\n\r\n0\r\nx-amz-checksum-crc32:rwA4Jw==\r\n\r\n";

AuthContext UnsignedTrailerContext() {
  AuthContext c;
  c.payload_mode = PayloadMode::StreamingUnsignedTrailer;
  return c;
}

}  // namespace

TEST_CASE("aws-chunked: S3 docs example, whole body") {
  std::string body = ExampleBody();
  REQUIRE(body.size() == 66824);
  Result r = DecodeWhole(SignedContext(), body);
  REQUIRE_FALSE(r.error.has_value());
  CHECK(r.done);
  CHECK(r.decoded == std::string(66560, 'a'));
  CHECK(r.trailers.empty());
}

TEST_CASE("aws-chunked: S3 docs example, fixed split sizes") {
  std::string body = ExampleBody();
  for (size_t step : {1u, 2u, 3u, 5u, 7u, 13u, 64u, 85u, 86u, 87u, 1000u, 4096u, 65535u, 65536u, 65537u, 66823u}) {
    CAPTURE(step);
    Result r = Decode(SignedContext(), body, [&] { return step; });
    REQUIRE_FALSE(r.error.has_value());
    CHECK(r.done);
    CHECK(r.decoded.size() == 66560);
  }
}

TEST_CASE("aws-chunked: S3 docs example, random split patterns") {
  std::string body = ExampleBody();
  std::mt19937 rng(12345);
  for (int round = 0; round < 20; ++round) {
    std::uniform_int_distribution<size_t> dist(1, round < 10 ? 100 : 20000);
    Result r = Decode(SignedContext(), body, [&] { return dist(rng); });
    REQUIRE_FALSE(r.error.has_value());
    CHECK(r.decoded == std::string(66560, 'a'));
  }
}

TEST_CASE("aws-chunked: every split point of a small signed body") {
  AuthContext ctx = SignedContext();
  std::string s1 = ChunkSig(ctx.signing_key, kSeed, "hello ");
  std::string s2 = ChunkSig(ctx.signing_key, s1, "world");
  std::string s3 = ChunkSig(ctx.signing_key, s2, "");
  std::string body = "6;chunk-signature=" + s1 + "\r\nhello \r\n5;chunk-signature=" + s2 + "\r\nworld\r\n" +
                     "0;chunk-signature=" + s3 + "\r\n\r\n";
  for (size_t cut = 1; cut < body.size(); ++cut) {
    CAPTURE(cut);
    Result r;
    AwsChunkedDecoder d(ctx);
    auto sink = [&](const char* p, size_t n) -> std::optional<S3Error> {
      r.decoded.append(p, n);
      return std::nullopt;
    };
    REQUIRE_FALSE(d.Feed(body.data(), cut, sink).has_value());
    REQUIRE_FALSE(d.Feed(body.data() + cut, body.size() - cut, sink).has_value());
    REQUIRE_FALSE(d.Finish().has_value());
    CHECK(r.decoded == "hello world");
  }
}

TEST_CASE("aws-chunked: unsigned trailer body as sent by the JS SDK") {
  std::string body = kUnsignedTrailerBody;
  for (size_t step : {1u, 2u, 3u, 4u, 7u, 1000u}) {
    Result r = Decode(UnsignedTrailerContext(), body, [&] { return step; });
    REQUIRE_FALSE(r.error.has_value());
    CHECK(r.done);
    CHECK(r.decoded == "hello aws-chunked world\n");
    CHECK(r.trailers.size() == 1);
    CHECK(r.trailers["x-amz-checksum-crc32"] == "rwA4Jw==");
    CHECK(Base64Encode(Digest(ChecksumAlgorithm::CRC32, r.decoded)) == r.trailers["x-amz-checksum-crc32"]);
  }
}

TEST_CASE("aws-chunked: unsigned trailer without trailers and with extra spaces") {
  Result r = DecodeWhole(UnsignedTrailerContext(), "3\r\nabc\r\n0\r\n\r\n");
  REQUIRE_FALSE(r.error.has_value());
  CHECK(r.decoded == "abc");
  Result r2 = DecodeWhole(UnsignedTrailerContext(), "3\r\nabc\r\n0\r\nX-Amz-Checksum-CRC32C : AAAAAA== \r\n\r\n");
  REQUIRE_FALSE(r2.error.has_value());
  CHECK(r2.trailers["x-amz-checksum-crc32c"] == "AAAAAA==");
}

TEST_CASE("aws-chunked: signed trailer") {
  AuthContext ctx = SignedContext(PayloadMode::StreamingSignedTrailer);
  std::string payload = "hello aws-chunked world\n";
  std::string s1 = ChunkSig(ctx.signing_key, kSeed, payload);
  std::string s2 = ChunkSig(ctx.signing_key, s1, "");
  std::string canonical = "x-amz-checksum-crc32:rwA4Jw==\n";
  std::string ts = HexEncode(HmacSha256(
      ctx.signing_key, "AWS4-HMAC-SHA256-TRAILER\n20130524T000000Z\n20130524/us-east-1/s3/aws4_request\n" + s2 + "\n" +
                           Sha256Hex(canonical)));
  auto make = [&](const std::string& trailer_value, const std::string& trailer_sig) {
    return "18;chunk-signature=" + s1 + "\r\n" + payload + "\r\n0;chunk-signature=" + s2 +
           "\r\nx-amz-checksum-crc32:" + trailer_value + "\r\nx-amz-trailer-signature:" + trailer_sig + "\r\n\r\n";
  };
  std::string body = make("rwA4Jw==", ts);
  for (size_t step : {1u, 5u, 100u, 1000u}) {
    Result r = Decode(ctx, body, [&] { return step; });
    REQUIRE_FALSE(r.error.has_value());
    CHECK(r.done);
    CHECK(r.decoded == payload);
    CHECK(r.trailers.size() == 1);
    CHECK(r.trailers["x-amz-checksum-crc32"] == "rwA4Jw==");
  }
  SUBCASE("tampered trailer value") {
    Result r = DecodeWhole(ctx, make("AAAAAA==", ts));
    REQUIRE(r.error.has_value());
    CHECK(r.error->code == ErrorCode::SignatureDoesNotMatch);
  }
  SUBCASE("missing trailer signature") {
    std::string b = "18;chunk-signature=" + s1 + "\r\n" + payload + "\r\n0;chunk-signature=" + s2 +
                    "\r\nx-amz-checksum-crc32:rwA4Jw==\r\n\r\n";
    Result r = DecodeWhole(ctx, b);
    REQUIRE(r.error.has_value());
    CHECK(r.error->code == ErrorCode::SignatureDoesNotMatch);
  }
}

TEST_CASE("aws-chunked: failures") {
  std::string body = ExampleBody();
  SUBCASE("tampered chunk data") {
    std::string b = body;
    b[100] = 'b';
    Result r = DecodeWhole(SignedContext(), b);
    REQUIRE(r.error.has_value());
    CHECK(r.error->code == ErrorCode::SignatureDoesNotMatch);
    CHECK(r.error->http_status() == 403);
    CHECK(r.error->extra_xml.find("<StringToSign>AWS4-HMAC-SHA256-PAYLOAD\n") != std::string::npos);
  }
  SUBCASE("tampered chunk signature") {
    std::string b = body;
    b[b.find(kSig2)] = 'f';
    Result r = DecodeWhole(SignedContext(), b);
    REQUIRE(r.error.has_value());
    CHECK(r.error->code == ErrorCode::SignatureDoesNotMatch);
  }
  SUBCASE("wrong seed signature") {
    AuthContext ctx = SignedContext();
    ctx.seed_signature[0] = '0';
    Result r = DecodeWhole(ctx, body);
    REQUIRE(r.error.has_value());
    CHECK(r.error->code == ErrorCode::SignatureDoesNotMatch);
  }
  SUBCASE("chunks reordered") {
    AuthContext ctx = SignedContext();
    std::string a = ChunkSig(ctx.signing_key, kSeed, "one");
    std::string b2 = ChunkSig(ctx.signing_key, a, "two");
    std::string swapped = "3;chunk-signature=" + b2 + "\r\ntwo\r\n3;chunk-signature=" + a + "\r\none\r\n";
    Result r = DecodeWhole(ctx, swapped);
    REQUIRE(r.error.has_value());
    CHECK(r.error->code == ErrorCode::SignatureDoesNotMatch);
  }
  SUBCASE("missing chunk signature in signed mode") {
    Result r = DecodeWhole(SignedContext(), "3\r\nabc\r\n0\r\n\r\n");
    REQUIRE(r.error.has_value());
    CHECK(r.error->code == ErrorCode::SignatureDoesNotMatch);
  }
  SUBCASE("truncated body") {
    for (size_t cut : {size_t{0}, size_t{10}, size_t{90}, size_t{40000}, body.size() - 90, body.size() - 86}) {
      CAPTURE(cut);
      Result r = DecodeWhole(SignedContext(), body.substr(0, cut));
      REQUIRE(r.error.has_value());
      CHECK(r.error->code == ErrorCode::IncompleteBody);
      CHECK(r.error->http_status() == 400);
    }
    Result u = DecodeWhole(UnsignedTrailerContext(), std::string(kUnsignedTrailerBody).substr(0, 40));
    REQUIRE(u.error.has_value());
    CHECK(u.error->code == ErrorCode::IncompleteBody);
    Result u2 = DecodeWhole(UnsignedTrailerContext(), "3\r\nabc\r\n0\r\nx-amz-checksum-crc32:rwA4Jw==\r\n");
    REQUIRE(u2.error.has_value());
    CHECK(u2.error->code == ErrorCode::IncompleteBody);
  }
  SUBCASE("final empty line may be missing when there are no trailers") {
    Result r = DecodeWhole(SignedContext(), body.substr(0, body.size() - 2));
    CHECK_FALSE(r.error.has_value());
    CHECK(r.done);
  }
  SUBCASE("oversize size line") {
    std::string b = "3;" + std::string(5000, 'x') + "\r\nabc\r\n0\r\n\r\n";
    Result r = Decode(UnsignedTrailerContext(), b, [] { return size_t{7}; });
    REQUIRE(r.error.has_value());
    CHECK(r.error->code == ErrorCode::InvalidRequest);
  }
  SUBCASE("oversize trailer line") {
    std::string b = "3\r\nabc\r\n0\r\nx-amz-meta:" + std::string(5000, 'x') + "\r\n\r\n";
    Result r = DecodeWhole(UnsignedTrailerContext(), b);
    REQUIRE(r.error.has_value());
    CHECK(r.error->code == ErrorCode::InvalidRequest);
  }
  SUBCASE("bad chunk size") {
    for (const char* b : {"zz\r\nabc\r\n0\r\n\r\n", "\r\nabc\r\n", ";chunk-signature=00\r\n", "-3\r\nabc\r\n",
                          "1000000000000000000\r\n"}) {
      Result r = DecodeWhole(UnsignedTrailerContext(), b);
      REQUIRE(r.error.has_value());
      CHECK(r.error->code == ErrorCode::InvalidRequest);
    }
  }
  SUBCASE("data longer than the declared size") {
    Result r = DecodeWhole(UnsignedTrailerContext(), "3\r\nabcd\r\n0\r\n\r\n");
    REQUIRE(r.error.has_value());
    CHECK(r.error->code == ErrorCode::InvalidRequest);
  }
  SUBCASE("bare LF line ending") {
    Result r = DecodeWhole(UnsignedTrailerContext(), "3\nabc\r\n0\r\n\r\n");
    REQUIRE(r.error.has_value());
    CHECK(r.error->code == ErrorCode::InvalidRequest);
  }
  SUBCASE("trailer in a non-trailer signed upload") {
    std::string b = body.substr(0, body.size() - 2) + "x-amz-checksum-crc32:AAAAAA==\r\n\r\n";
    Result r = DecodeWhole(SignedContext(), b);
    REQUIRE(r.error.has_value());
    CHECK(r.error->code == ErrorCode::InvalidRequest);
  }
  SUBCASE("bytes after the end") {
    Result r = DecodeWhole(UnsignedTrailerContext(), std::string(kUnsignedTrailerBody) + "x");
    REQUIRE(r.error.has_value());
    CHECK(r.error->code == ErrorCode::InvalidRequest);
  }
  SUBCASE("errors are sticky") {
    AwsChunkedDecoder d(UnsignedTrailerContext());
    auto sink = [](const char*, size_t) -> std::optional<S3Error> { return std::nullopt; };
    REQUIRE(d.Feed("zz\r\n", 4, sink).has_value());
    CHECK(d.Feed("3\r\nabc\r\n", 8, sink).has_value());
    CHECK(d.Finish().has_value());
    CHECK_FALSE(d.done());
  }
  SUBCASE("sink error stops decoding") {
    AwsChunkedDecoder d(UnsignedTrailerContext());
    auto sink = [](const char*, size_t) -> std::optional<S3Error> { return make_error(ErrorCode::EntityTooLarge); };
    auto e = d.Feed(kUnsignedTrailerBody, std::strlen(kUnsignedTrailerBody), sink);
    REQUIRE(e.has_value());
    CHECK(e->code == ErrorCode::EntityTooLarge);
  }
}

TEST_CASE("aws-chunked: large chunk is streamed, never buffered") {
  // 5 MiB chunk, fed in 64 KiB pieces; the sink sees pieces no larger than what was fed.
  std::string data(5 * 1024 * 1024, 'z');
  std::string body = "500000\r\n" + data + "\r\n0\r\nx-amz-checksum-crc64nvme:" +
                     Base64Encode(Digest(ChecksumAlgorithm::CRC64NVME, data)) + "\r\n\r\n";
  AwsChunkedDecoder d(UnsignedTrailerContext());
  size_t max_piece = 0;
  size_t total = 0;
  auto sink = [&](const char*, size_t n) -> std::optional<S3Error> {
    max_piece = std::max(max_piece, n);
    total += n;
    return std::nullopt;
  };
  for (size_t off = 0; off < body.size(); off += 65536) {
    REQUIRE_FALSE(d.Feed(body.data() + off, std::min<size_t>(65536, body.size() - off), sink).has_value());
  }
  REQUIRE_FALSE(d.Finish().has_value());
  CHECK(total == data.size());
  CHECK(max_piece <= 65536);
  CHECK(d.decoded_size() == data.size());
  CHECK(d.trailers().at("x-amz-checksum-crc64nvme") == Base64Encode(Digest(ChecksumAlgorithm::CRC64NVME, data)));
}
