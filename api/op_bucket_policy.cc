// Put/Get/DeleteBucketPolicy and GetBucketPolicyStatus: owner or root only. Directory buckets
// take S3 Express policies (auth/bucket_policy.h); general-purpose buckets the IAM subset of
// auth/access_policy.h, enforced per request by api/bucket_policy_check.h.
#include "api/bucket_policy_check.h"
#include "api/operation.h"
#include "api/xml_writer.h"
#include "auth/access_policy.h"

namespace xs3::api {
namespace {

constexpr size_t kMaxPolicyBytes = 20 * 1024;

std::optional<S3Error> AuthorizeOwner(const OperationContext& ctx, storage::BucketInfo* info) {
  auto b = ctx.engine.GetBucket(ctx.address.bucket);
  if (!b.ok()) {
    S3Error e = FromStorage(b.status());
    if (e.code == ErrorCode::NoSuchBucket) e.extra_xml = "<BucketName>" + XmlEscape(ctx.address.bucket) + "</BucketName>";
    return e;
  }
  if (!ctx.ActsAsOwner(b->owner)) return make_error(ErrorCode::AccessDenied);
  *info = b.value();
  return std::nullopt;
}

std::optional<S3Error> ValidateGeneralPurposePolicy(const OperationContext& ctx, const storage::BucketInfo& info,
                                                    const std::string& body) {
  auto users = KnownUsers(ctx);
  auto parsed = auth::ParseAccessPolicy(body, ctx.address.bucket, &users, UserAccounts(ctx));
  if (auto* e = std::get_if<S3Error>(&parsed)) return *e;
  // BlockPublicPolicy: S3 refuses the public policy itself, with a plain AccessDenied.
  const auto& block = info.public_access_block;
  if (block && block->block_public_policy && auth::IsPublic(std::get<auth::AccessPolicy>(parsed))) {
    return make_error(ErrorCode::AccessDenied);
  }
  return std::nullopt;
}

Response PolicyBodyReceived(OperationContext& ctx, const storage::BucketInfo& info, const std::string& body) {
  if (ctx.IsDirectoryBucket()) {
    auto parsed = auth::ParseDirectoryBucketPolicy(body, KnownUsers(ctx));
    if (auto* e = std::get_if<S3Error>(&parsed)) return Fail(ctx, *e).response;
  } else if (auto e = ValidateGeneralPurposePolicy(ctx, info, body)) {
    return Fail(ctx, *e).response;
  }
  auto st = ctx.engine.SetBucketPolicy(ctx.address.bucket, body);
  if (!st.ok()) return Fail(ctx, FromStorage(st)).response;
  Response r;
  r.status = 204;
  return r;
}

}  // namespace

Outcome PutBucketPolicy(OperationContext& ctx) {
  storage::BucketInfo info;
  if (auto e = AuthorizeOwner(ctx, &info)) return Fail(ctx, *e);
  return BufferedBody(
      ctx, kMaxPolicyBytes + 1, [ctx, info](std::string body) mutable { return PolicyBodyReceived(ctx, info, body); });
}

Outcome GetBucketPolicy(OperationContext& ctx) {
  storage::BucketInfo info;
  if (auto e = AuthorizeOwner(ctx, &info)) return Fail(ctx, *e);
  if (info.policy.empty()) return Fail(ctx, ErrorCode::NoSuchBucketPolicy);
  Response r;
  r.body = info.policy;
  r.SetHeader("Content-Type", "application/json");
  return Done(std::move(r));
}

Outcome DeleteBucketPolicy(OperationContext& ctx) {
  storage::BucketInfo info;
  if (auto e = AuthorizeOwner(ctx, &info)) return Fail(ctx, *e);
  auto st = ctx.engine.SetBucketPolicy(ctx.address.bucket, "");
  if (!st.ok()) return Fail(ctx, FromStorage(st));
  Response r;
  r.status = 204;
  return Done(std::move(r));
}

Outcome GetBucketPolicyStatus(OperationContext& ctx) {
  storage::BucketInfo info;
  if (auto e = AuthorizeOwner(ctx, &info)) return Fail(ctx, *e);
  if (info.policy.empty()) return Fail(ctx, ErrorCode::NoSuchBucketPolicy);
  auto parsed = auth::ParseAccessPolicy(info.policy, ctx.address.bucket, nullptr, UserAccounts(ctx));
  auto* policy = std::get_if<auth::AccessPolicy>(&parsed);
  bool is_public = policy && auth::IsPublic(*policy);
  return Done(XmlResponse(200, XmlWriter("PolicyStatus").Element("IsPublic", is_public ? "true" : "false").Finish()));
}

}  // namespace xs3::api
