// Put/Get/DeleteObjectTagging (?tagging on a key). The tag set lives in the object's record and
// is replaced in place (storage UpdateObjectMeta): body, ETag and Last-Modified do not change.
#include "api/operation.h"
#include "api/tag_set.h"
#include "api/xml_writer.h"

namespace xs3::api {
namespace {

// Tags must fit in 10 tags of 128 + 256 UTF-16 units (up to 4 UTF-8 bytes each), escaped.
constexpr size_t kMaxTaggingBody = 64 * 1024;

Outcome NoSuchKeyFor(const OperationContext& ctx, const storage::Status& status) {
  S3Error e = FromStorage(status);
  if (e.code == ErrorCode::NoSuchKey) e.extra_xml = "<Key>" + XmlEscape(ctx.address.key) + "</Key>";
  return Fail(ctx, e);
}

Response Replace(OperationContext& ctx, TagList tags, int status) {
  auto st = ctx.engine.UpdateObjectMeta(ctx.address.bucket, ctx.address.key,
                                        [&](storage::ObjectMeta& m) { m.tags = std::move(tags); });
  if (!st.ok()) return NoSuchKeyFor(ctx, st).response;
  Response r;
  r.status = status;
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
  auto record = ctx.engine.GetObject(ctx.address.bucket, ctx.address.key);
  if (!record.ok()) return NoSuchKeyFor(ctx, record.status());
  return Done(XmlResponse(200, TaggingXml(record->meta.tags)));
}

Outcome DeleteObjectTagging(OperationContext& ctx) {
  if (auto e = AuthorizeBucket(ctx, ctx.address.bucket, nullptr, BucketAccess::Write)) return Fail(ctx, *e);
  return Done(Replace(ctx, {}, 204));
}

}  // namespace xs3::api
