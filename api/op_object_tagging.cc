// Put/Get/DeleteObjectTagging (?tagging on a key). The tag set lives in the object's record and
// is replaced in place (storage UpdateObjectMeta): body, ETag and Last-Modified do not change.
#include "api/operation.h"
#include "api/tag_set.h"
#include "api/versioning.h"
#include "api/xml_writer.h"

namespace xs3::api {
namespace {

// Tags must fit in 10 tags of 128 + 256 UTF-16 units (up to 4 UTF-8 bytes each), escaped.
constexpr size_t kMaxTaggingBody = 64 * 1024;

// A tagging request may name a version (?versionId=); the answer then names it back.
Response Replace(OperationContext& ctx, TagList tags, int status) {
  const auto version = RequestedVersion(ctx);
  auto st = ctx.engine.UpdateObjectMeta(
      ctx.address.bucket, ctx.address.key, [&](storage::ObjectMeta& m) { m.tags = std::move(tags); }, {}, version);
  if (!st.ok()) return FailMissingForUpdate(ctx, st, version).response;
  Response r;
  r.status = status;
  if (version) r.SetHeader("x-amz-version-id", *version);
  return r;
}

}  // namespace

Outcome PutObjectTagging(OperationContext& ctx) {
  if (auto e = AuthorizeBucket(ctx, ctx.address.bucket, nullptr, BucketAccess::Write)) return Fail(ctx, *e);
  return BufferedBody(
      ctx, kMaxTaggingBody,
      [ctx](std::string body) mutable {
        auto tags = TagsFromXml(body, TagTarget::Object);
        if (auto* e = std::get_if<S3Error>(&tags)) return Fail(ctx, *e).response;
        return Replace(ctx, std::move(std::get<TagList>(tags)), 200);
      });
}

Outcome GetObjectTagging(OperationContext& ctx) {
  if (auto e = AuthorizeBucket(ctx, ctx.address.bucket, nullptr, BucketAccess::Read)) return Fail(ctx, *e);
  const auto version = RequestedVersion(ctx);
  auto record = version ? ctx.engine.GetObjectVersion(ctx.address.bucket, ctx.address.key, *version)
                        : ctx.engine.GetObject(ctx.address.bucket, ctx.address.key);
  if (!record.ok()) return FailMissingVersion(ctx, record.status(), version, false);
  if (record->meta.delete_marker) return Fail(ctx, ErrorCode::MethodNotAllowed);
  Response r = XmlResponse(200, TaggingXml(record->meta.tags));
  if (version || !record->meta.version_id.empty()) {
    r.SetHeader("x-amz-version-id", ShownVersionId(record->meta.version_id));
  }
  return Done(std::move(r));
}

Outcome DeleteObjectTagging(OperationContext& ctx) {
  if (auto e = AuthorizeBucket(ctx, ctx.address.bucket, nullptr, BucketAccess::Write)) return Fail(ctx, *e);
  return Done(Replace(ctx, {}, 204));
}

}  // namespace xs3::api
