// Put/Get/DeleteBucketPolicy for directory buckets (control plane): owner or root only; the
// document is validated the way S3 Express validates it (auth/bucket_policy.h).
#include "api/operation.h"

namespace xs3::api {
namespace {

std::optional<S3Error> AuthorizeOwner(const OperationContext& ctx, storage::BucketInfo* info) {
  auto b = ctx.engine.GetBucket(ctx.address.bucket);
  if (!b.ok()) return FromStorage(b.status());
  if (b->owner != ctx.auth.user && !ctx.IsRoot()) return make_error(ErrorCode::AccessDenied);
  *info = b.value();
  return std::nullopt;
}

Response PolicyBodyReceived(OperationContext& ctx, const std::string& body) {
  auto parsed = auth::ParseDirectoryBucketPolicy(body, KnownUsers(ctx));
  if (auto* e = std::get_if<S3Error>(&parsed)) return Fail(ctx, *e).response;
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
  S3Error error;
  auto consumer = BufferedBody(
      ctx, 20 * 1024 + 1, [ctx](std::string body) mutable { return PolicyBodyReceived(ctx, body); }, &error);
  if (!consumer) return Fail(ctx, error);
  Outcome o;
  o.consumer = std::move(consumer);
  return o;
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

}  // namespace xs3::api
