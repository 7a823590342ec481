#pragma once
// Everything between the raw request body and the bytes an operation stores: aws-chunked
// decoding (with chunk-signature and trailer checks), the signed payload hash, Content-MD5, and
// x-amz-checksum-* in header or trailer. Finish() is where every digest is compared; nothing an
// operation publishes may depend on a body that Finish() has not accepted.
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <variant>

#include "api/request.h"
#include "auth/aws_chunked.h"
#include "auth/checksum.h"
#include "auth/sigv4.h"
#include "common/s3_error.h"

namespace xs3::api {

class BodyPipeline {
 public:
  using Sink = std::function<std::optional<S3Error>(const char* data, size_t len)>;

  struct Options {
    bool compute_md5 = false;            // PutObject needs it for the ETag
    // With no checksum asked for, compute this one (AWS adds CRC64NVME to every new object).
    std::optional<auth::ChecksumAlgorithm> default_checksum;
  };

  static std::variant<std::unique_ptr<BodyPipeline>, S3Error> Create(const Request& request,
                                                                     const auth::AuthContext& auth, Options options);

  std::optional<S3Error> Feed(const char* data, size_t len, const Sink& sink);
  std::optional<S3Error> Finish();

  uint64_t decoded_size() const { return decoded_size_; }
  // The payload length the client declared (Content-Length or x-amz-decoded-content-length).
  std::optional<uint64_t> declared_size() const { return declared_size_; }
  const std::string& md5_hex() const { return md5_hex_; }
  // The object checksum after Finish(): algorithm and base64 value, when one was computed.
  std::optional<auth::ChecksumAlgorithm> checksum_algorithm() const { return checksum_alg_; }
  const std::string& checksum_base64() const { return checksum_value_; }

 private:
  BodyPipeline() = default;
  std::optional<S3Error> Consume(const char* data, size_t len, const Sink& sink);

  std::unique_ptr<auth::AwsChunkedDecoder> chunked_;
  std::unique_ptr<auth::Hasher> sha256_;
  std::string expected_sha256_hex_;
  std::unique_ptr<auth::Hasher> md5_;
  std::optional<std::string> expected_md5_;  // raw bytes from Content-MD5
  std::unique_ptr<auth::Hasher> checksum_;
  std::optional<auth::ChecksumAlgorithm> checksum_alg_;
  std::optional<std::string> expected_checksum_;  // base64 from a header
  bool checksum_in_trailer_ = false;
  std::optional<uint64_t> declared_size_;
  uint64_t decoded_size_ = 0;
  std::string md5_hex_;
  std::string checksum_value_;
};

}  // namespace xs3::api
