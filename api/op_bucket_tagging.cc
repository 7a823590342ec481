// Put/Get/DeleteBucketTagging (?tagging on a general-purpose bucket): the tag set is stored with
// the bucket. A bucket that never had one, or whose set was deleted, answers NoSuchTagSet.
#include "api/operation.h"
#include "api/tag_set.h"

namespace xs3::api {
namespace {

// 50 tags of 128 + 256 UTF-16 units (up to 4 UTF-8 bytes each), escaped.
constexpr size_t kMaxTaggingBody = 256 * 1024;

}  // namespace

Outcome PutBucketTagging(OperationContext& ctx) {
  storage::BucketInfo info;
  if (auto e = AuthorizeBucketOwner(ctx, &info)) return Fail(ctx, *e);
  return BufferedBody(
      ctx, kMaxTaggingBody,
      [ctx](std::string body) mutable {
        auto tags = TagsFromXml(body, TagTarget::Bucket);
        if (auto* e = std::get_if<S3Error>(&tags)) return Fail(ctx, *e).response;
        auto st = ctx.engine.UpdateBucket(ctx.address.bucket,
                                          [&](storage::BucketInfo& b) { b.tags = std::get<TagList>(tags); });
        if (!st.ok()) return Fail(ctx, FromStorage(st)).response;
        // botocore models no status for this operation; AWS's sample answers 204.
        Response r;
        r.status = 204;
        return r;
      });
}

Outcome GetBucketTagging(OperationContext& ctx) {
  storage::BucketInfo info;
  if (auto e = AuthorizeBucketOwner(ctx, &info)) return Fail(ctx, *e);
  if (!info.tags) return Fail(ctx, ErrorCode::NoSuchTagSet);
  return Done(XmlResponse(200, TaggingXml(*info.tags)));
}

Outcome DeleteBucketTagging(OperationContext& ctx) {
  return DeleteBucketConfiguration(ctx, [](storage::BucketInfo& b) { b.tags.reset(); });
}

}  // namespace xs3::api
