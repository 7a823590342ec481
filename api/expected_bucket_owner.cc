#include "api/expected_bucket_owner.h"

#include "auth/checksum.h"
#include "auth/sigv4.h"

namespace xs3::api {
namespace {

std::optional<S3Error> CheckOwner(const OperationContext& ctx, const std::string& bucket, const std::string& expected) {
  auto info = ctx.engine.GetBucket(bucket);
  if (!info.ok()) return std::nullopt;
  if (AccountId(info->owner) != expected) return make_error(ErrorCode::AccessDenied);
  return std::nullopt;
}

}  // namespace

std::string AccountId(const std::string& user) {
  std::string digest = auth::Digest(auth::ChecksumAlgorithm::SHA256, "xs3-account:" + user);
  uint64_t n = 0;
  for (int i = 0; i < 8; ++i) n = (n << 8) | static_cast<unsigned char>(digest[i]);
  std::string id = std::to_string(n % 1000000000000ULL);
  return std::string(12 - id.size(), '0') + id;
}

std::optional<S3Error> CheckExpectedBucketOwner(const OperationContext& ctx) {
  if (auto* expected = ctx.request.Header("x-amz-expected-bucket-owner"); expected && !ctx.address.bucket.empty()) {
    if (auto e = CheckOwner(ctx, ctx.address.bucket, *expected)) return e;
  }
  auto* expected_source = ctx.request.Header("x-amz-source-expected-bucket-owner");
  auto* source = ctx.request.Header("x-amz-copy-source");
  if (expected_source && source) {
    std::string s = auth::UriDecode(source->substr(0, source->find('?')));
    if (!s.empty() && s.front() == '/') s.erase(0, 1);
    if (auto e = CheckOwner(ctx, s.substr(0, s.find('/')), *expected_source)) return e;
  }
  return std::nullopt;
}

}  // namespace xs3::api
