#pragma once
// Decoder for `Content-Encoding: aws-chunked` bodies (after HTTP de-chunking):
//   <hex-size>[;chunk-signature=<sig>]\r\n<bytes>\r\n ... 0[;chunk-signature=<sig>]\r\n
//   [<trailer-name>:<value>\r\n ... [x-amz-trailer-signature:<sig>\r\n]]\r\n
// Incremental: bytes may arrive split anywhere. Memory is bounded by the line lengths it
// accepts, never by the chunk size. Signed chunks are verified as they complete (the chain
// starts from the request's seed signature); the trailer signature is verified at the end.
#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <string_view>

#include "auth/sigv4.h"
#include "common/s3_error.h"

namespace xs3::auth {

class AwsChunkedDecoder {
 public:
  // Receives decoded payload bytes in order; returning an error stops decoding.
  using Sink = std::function<std::optional<S3Error>(const char* data, size_t len)>;

  // `context` tells whether chunks and trailers are signed (payload_mode) and carries the keys.
  explicit AwsChunkedDecoder(const AuthContext& context);

  std::optional<S3Error> Feed(const char* data, size_t len, const Sink& sink);
  // Call at end of body: IncompleteBody if the final chunk or trailer section is missing.
  std::optional<S3Error> Finish();

  bool done() const;
  uint64_t decoded_size() const;
  // Trailer fields, names lower-case (e.g. "x-amz-checksum-crc32" -> "rwA4Jw==").
  const std::map<std::string, std::string>& trailers() const;

 private:
  struct State;
  std::shared_ptr<State> state_;
};

}  // namespace xs3::auth
