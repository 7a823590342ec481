// The aws-chunked body decoder (signed chunks, signed and unsigned trailers). Properties beyond
// "no crash": where the body is split must not matter (same bytes out, same error, same
// trailers), decoded_size() counts exactly what reached the sink, and a body it accepts decodes
// to no more bytes than it contained.
//
// Input: one byte choosing the payload mode, one seeding the split pattern, then the body. The
// signed modes use the S3 docs' example key and seed signature (auth/aws_chunked_test.cc), so
// that example is a valid seed.
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <map>
#include <optional>
#include <random>
#include <string>

#include "auth/aws_chunked.h"

namespace {

using namespace xs3::auth;

AuthContext Context(uint8_t mode) {
  AuthContext c;
  switch (mode % 3) {
    case 0: c.payload_mode = PayloadMode::StreamingSigned; break;
    case 1: c.payload_mode = PayloadMode::StreamingSignedTrailer; break;
    default: c.payload_mode = PayloadMode::StreamingUnsignedTrailer; break;
  }
  static const std::string key = DeriveSigningKey("wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY", "20130524", "us-east-1", "s3");
  c.signing_key = key;
  c.seed_signature = "4f232c4386841ef735655705268965c44a0e4690baa4adea153f7db9fa80a0a9";
  c.amz_date = "20130524T000000Z";
  c.scope = "20130524/us-east-1/s3/aws4_request";
  return c;
}

struct Decoded {
  std::optional<xs3::ErrorCode> error;
  std::string bytes;
  std::map<std::string, std::string> trailers;
  bool done = false;
};

template <typename NextSize>
Decoded Decode(const AuthContext& ctx, std::string_view body, NextSize next) {
  Decoded d;
  AwsChunkedDecoder decoder(ctx);
  auto sink = [&](const char* p, size_t n) -> std::optional<xs3::S3Error> {
    d.bytes.append(p, n);
    return std::nullopt;
  };
  size_t off = 0;
  while (off < body.size()) {
    size_t n = std::min(next(), body.size() - off);
    if (auto e = decoder.Feed(body.data() + off, n, sink)) {
      d.error = e->code;
      break;
    }
    off += n;
  }
  if (!d.error)
    if (auto e = decoder.Finish()) d.error = e->code;
  if (decoder.decoded_size() != d.bytes.size()) {
    std::fprintf(stderr, "decoded_size %zu != bytes delivered %zu\n", static_cast<size_t>(decoder.decoded_size()),
                 d.bytes.size());
    std::abort();
  }
  d.done = decoder.done();
  d.trailers = decoder.trailers();
  return d;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  if (size < 2) return 0;
  AuthContext ctx = Context(data[0]);
  std::mt19937 rng(data[1]);
  std::string_view body(reinterpret_cast<const char*>(data + 2), size - 2);

  Decoded whole = Decode(ctx, body, [&] { return body.size() + 1; });
  std::uniform_int_distribution<size_t> piece(1, 1 + data[1] % 97);
  Decoded split = Decode(ctx, body, [&] { return piece(rng); });
  if (whole.error != split.error || whole.bytes != split.bytes || whole.trailers != split.trailers ||
      whole.done != split.done) {
    std::fprintf(stderr, "split-dependent result: whole error=%d bytes=%zu, split error=%d bytes=%zu\n",
                 whole.error ? static_cast<int>(*whole.error) : -1, whole.bytes.size(),
                 split.error ? static_cast<int>(*split.error) : -1, split.bytes.size());
    std::abort();
  }
  if (!whole.error && (!whole.done || whole.bytes.size() > body.size())) {
    std::fprintf(stderr, "accepted body: done=%d, %zu bytes out of %zu in\n", whole.done, whole.bytes.size(), body.size());
    std::abort();
  }
  return 0;
}
