#include "api/body_pipeline.h"

#include <charconv>

#include "auth/md5_lanes.h"

namespace xs3::api {
namespace {

using auth::ChecksumAlgorithm;

constexpr uint64_t kLaneMd5MinBytes = 1 << 20;

constexpr ChecksumAlgorithm kChecksumHeaders[] = {ChecksumAlgorithm::CRC32, ChecksumAlgorithm::CRC32C,
                                                  ChecksumAlgorithm::CRC64NVME, ChecksumAlgorithm::SHA1,
                                                  ChecksumAlgorithm::SHA256};

size_t DigestSize(ChecksumAlgorithm a) {
  switch (a) {
    case ChecksumAlgorithm::CRC32:
    case ChecksumAlgorithm::CRC32C: return 4;
    case ChecksumAlgorithm::CRC64NVME: return 8;
    case ChecksumAlgorithm::SHA1: return 20;
    case ChecksumAlgorithm::SHA256: return 32;
    case ChecksumAlgorithm::MD5: return 16;
  }
  return 0;
}

bool IsStreaming(auth::PayloadMode m) {
  return m == auth::PayloadMode::StreamingSigned || m == auth::PayloadMode::StreamingSignedTrailer ||
         m == auth::PayloadMode::StreamingUnsignedTrailer;
}

bool ParseU64(const std::string& s, uint64_t& out) {
  auto [p, ec] = std::from_chars(s.data(), s.data() + s.size(), out);
  return ec == std::errc() && p == s.data() + s.size() && !s.empty();
}

}  // namespace

std::variant<std::unique_ptr<BodyPipeline>, S3Error> BodyPipeline::Create(const Request& request,
                                                                          const auth::AuthContext& auth,
                                                                          Options options) {
  std::unique_ptr<BodyPipeline> p(new BodyPipeline());

  bool aws_chunked = IsStreaming(auth.payload_mode);
  if (aws_chunked) {
    p->chunked_ = std::make_unique<auth::AwsChunkedDecoder>(auth);
    auto* decoded = request.Header("x-amz-decoded-content-length");
    uint64_t n = 0;
    if (!decoded) return make_error(ErrorCode::MissingContentLength);
    if (!ParseU64(*decoded, n)) return make_error(ErrorCode::InvalidArgument, "Invalid x-amz-decoded-content-length");
    p->declared_size_ = n;
  } else {
    p->declared_size_ = request.content_length;
  }

  if (auth.payload_mode == auth::PayloadMode::SignedHash) {
    p->sha256_ = auth::Hasher::Create(ChecksumAlgorithm::SHA256);
    p->expected_sha256_hex_ = auth.payload_sha256_hex;
  }

  if (auto* md5 = request.Header("content-md5")) {
    auto raw = auth::Base64Decode(*md5);
    if (!raw || raw->size() != 16) return make_error(ErrorCode::InvalidDigest);
    p->expected_md5_ = *raw;
  }
  if (options.compute_md5 || p->expected_md5_) {
    // Large bodies hash in the shared MD5 lanes (auth/md5_lanes.h), off the I/O thread and at a
    // fraction of the CPU when several arrive at once; small ones in place, where a hop to
    // another thread would cost more than the digest.
    if (p->declared_size_.value_or(0) >= kLaneMd5MinBytes) p->md5_ = auth::NewLaneMd5();
    if (!p->md5_) p->md5_ = auth::Hasher::Create(ChecksumAlgorithm::MD5);
  }

  // Which checksum: a header value, a declared trailer, or just the SDK's algorithm choice.
  int headers_seen = 0;
  for (auto a : kChecksumHeaders) {
    auto* v = request.Header(auth::ChecksumHeaderName(a));
    if (!v) continue;
    ++headers_seen;
    auto raw = auth::Base64Decode(*v);
    if (!raw || raw->size() != DigestSize(a)) {
      return make_error(ErrorCode::InvalidRequest,
                        "Value for " + std::string(auth::ChecksumHeaderName(a)) + " header is invalid.");
    }
    p->checksum_alg_ = a;
    p->expected_checksum_ = *v;
  }
  if (headers_seen > 1) {
    return make_error(ErrorCode::InvalidRequest,
                      "Expecting a single x-amz-checksum- header. Multiple checksum Types are not allowed.");
  }
  if (auto* trailer = request.Header("x-amz-trailer")) {
    std::string name = *trailer;
    for (auto& c : name) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    while (!name.empty() && name.back() == ' ') name.pop_back();
    while (!name.empty() && name.front() == ' ') name.erase(0, 1);
    bool known = false;
    for (auto a : kChecksumHeaders) {
      if (name == auth::ChecksumHeaderName(a)) {
        if (p->checksum_alg_ && *p->checksum_alg_ != a) {
          return make_error(ErrorCode::InvalidRequest,
                            "Expecting a single x-amz-checksum- header. Multiple checksum Types are not allowed.");
        }
        p->checksum_alg_ = a;
        p->checksum_in_trailer_ = true;
        known = true;
      }
    }
    if (!known) return make_error(ErrorCode::InvalidRequest, "The value specified in the x-amz-trailer header is not supported");
    if (!aws_chunked) return make_error(ErrorCode::InvalidRequest, "x-amz-trailer requires an aws-chunked payload");
  }
  if (!p->checksum_alg_) {
    if (auto* sdk = request.Header("x-amz-sdk-checksum-algorithm")) {
      auto a = auth::ParseChecksumAlgorithm(*sdk);
      if (!a || *a == ChecksumAlgorithm::MD5) {
        return make_error(ErrorCode::InvalidRequest, "Checksum algorithm provided is unsupported.");
      }
      p->checksum_alg_ = *a;
    } else if (options.default_checksum) {
      p->checksum_alg_ = *options.default_checksum;
    }
  }
  if (p->checksum_alg_) p->checksum_ = auth::Hasher::Create(*p->checksum_alg_);
  return p;
}

std::optional<S3Error> BodyPipeline::Consume(const char* data, size_t len, const Sink& sink) {
  decoded_size_ += len;
  if (declared_size_ && decoded_size_ > *declared_size_) {
    return make_error(ErrorCode::InvalidRequest, "The body is longer than the declared content length.");
  }
  if (md5_) md5_->Update(data, len);
  if (checksum_) checksum_->Update(data, len);
  return sink(data, len);
}

std::optional<S3Error> BodyPipeline::Feed(const char* data, size_t len, const Sink& sink) {
  if (sha256_) sha256_->Update(data, len);  // the signed hash covers the body as sent
  if (chunked_) {
    return chunked_->Feed(data, len, [&](const char* d, size_t n) { return Consume(d, n, sink); });
  }
  return Consume(data, len, sink);
}

std::optional<S3Error> BodyPipeline::Finish() {
  if (chunked_) {
    if (auto e = chunked_->Finish()) return e;
  }
  if (declared_size_ && decoded_size_ != *declared_size_) return make_error(ErrorCode::IncompleteBody);
  if (sha256_) {
    std::string got = auth::HexEncode(sha256_->Final());
    if (got != expected_sha256_hex_) {
      S3Error e = make_error(ErrorCode::XAmzContentSHA256Mismatch);
      e.extra_xml = "<ClientComputedContentSHA256>" + expected_sha256_hex_ +
                    "</ClientComputedContentSHA256><S3ComputedContentSHA256>" + got + "</S3ComputedContentSHA256>";
      return e;
    }
  }
  if (md5_) {
    std::string raw = md5_->Final();
    md5_hex_ = auth::HexEncode(raw);
    if (expected_md5_ && raw != *expected_md5_) return make_error(ErrorCode::BadDigest);
  }
  if (checksum_) {
    checksum_value_ = auth::Base64Encode(checksum_->Final());
    std::optional<std::string> expected = expected_checksum_;
    if (checksum_in_trailer_) {
      auto& trailers = chunked_->trailers();
      auto it = trailers.find(std::string(auth::ChecksumHeaderName(*checksum_alg_)));
      if (it == trailers.end()) {
        return make_error(ErrorCode::InvalidRequest, "The trailing checksum declared in x-amz-trailer is missing.");
      }
      expected = it->second;
    }
    if (expected && *expected != checksum_value_) {
      return make_error(ErrorCode::BadDigest, "The " + std::string(auth::ChecksumName(*checksum_alg_)) +
                                                  " you specified did not match the calculated checksum.");
    }
  }
  return std::nullopt;
}

}  // namespace xs3::api
