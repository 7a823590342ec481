// Put/Get/DeleteBucketLifecycleConfiguration (?lifecycle on a general-purpose bucket): the
// validated document is stored with the bucket; server/lifecycle_sweeper.h enforces it.
#include "api/lifecycle.h"
#include "api/operation.h"

namespace xs3::api {
namespace {

constexpr size_t kMaxLifecycleBody = 1 << 20;

}  // namespace

Outcome PutBucketLifecycleConfiguration(OperationContext& ctx) {
  storage::BucketInfo info;
  if (auto e = AuthorizeBucketOwner(ctx, &info)) return Fail(ctx, *e);
  return BufferedBody(
      ctx, kMaxLifecycleBody,
      [ctx](std::string body) mutable {
        auto rules = ParseLifecycleConfiguration(body);
        if (auto* e = std::get_if<S3Error>(&rules)) return Fail(ctx, *e).response;
        auto st = ctx.engine.UpdateBucket(ctx.address.bucket, [&](storage::BucketInfo& b) { b.lifecycle = body; });
        if (!st.ok()) return Fail(ctx, FromStorage(st)).response;
        Response r;
        r.SetHeader("x-amz-transition-default-minimum-object-size", "all_storage_classes_128K");
        return r;
      });
}

Outcome GetBucketLifecycleConfiguration(OperationContext& ctx) {
  storage::BucketInfo info;
  if (auto e = AuthorizeBucketOwner(ctx, &info)) return Fail(ctx, *e);
  if (info.lifecycle.empty()) return Fail(ctx, ErrorCode::NoSuchLifecycleConfiguration);
  Response r = XmlResponse(200, info.lifecycle);
  r.SetHeader("x-amz-transition-default-minimum-object-size", "all_storage_classes_128K");
  return Done(std::move(r));
}

Outcome DeleteBucketLifecycle(OperationContext& ctx) {
  return DeleteBucketConfiguration(ctx, [](storage::BucketInfo& b) { b.lifecycle.clear(); });
}

}  // namespace xs3::api
