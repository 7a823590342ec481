// Bucket-level operations of general-purpose buckets: ListBuckets, CreateBucket, DeleteBucket,
// HeadBucket, GetBucketLocation.
#include <pugixml.hpp>

#include "api/bucket_name.h"
#include "api/http_time.h"
#include "api/operation.h"
#include "api/xml_writer.h"

namespace xs3::api {
namespace {

constexpr size_t kMaxCreateBucketBody = 64 * 1024;

Response CreateBucketWithConfiguration(OperationContext& ctx, const std::string& body) {
  std::string region = ctx.config.region;
  if (!body.empty()) {
    pugi::xml_document doc;
    if (!doc.load_buffer(body.data(), body.size())) return Fail(ctx, ErrorCode::MalformedXML).response;
    auto root = doc.document_element();
    if (std::string_view(root.name()) != "CreateBucketConfiguration") return Fail(ctx, ErrorCode::MalformedXML).response;
    if (auto lc = root.child("LocationConstraint")) {
      std::string constraint = lc.text().get();
      if (constraint.empty() || (constraint == "us-east-1" && ctx.config.region == "us-east-1")) {
        return Fail(ctx, ErrorCode::InvalidLocationConstraint).response;
      }
      if (constraint != ctx.config.region) {
        return Fail(ctx, ErrorCode::IllegalLocationConstraintException,
                    "The " + constraint + " location constraint is incompatible for the region specific endpoint "
                    "this request was sent to.")
            .response;
      }
      region = constraint;
    }
  }
  storage::BucketInfo info;
  info.name = ctx.address.bucket;
  info.region = region;
  info.owner = ctx.auth.user;
  auto st = ctx.engine.CreateBucket(info);
  if (!st.ok()) {
    if (st.code() == storage::Code::BucketExists) {
      auto existing = ctx.engine.GetBucket(info.name);
      if (existing.ok() && existing->owner == ctx.auth.user) {
        // S3 keeps answering 200 in us-east-1 for legacy clients; elsewhere it is an error.
        if (ctx.config.region != "us-east-1") return Fail(ctx, ErrorCode::BucketAlreadyOwnedByYou).response;
      } else {
        return Fail(ctx, ErrorCode::BucketAlreadyExists).response;
      }
    } else {
      return Fail(ctx, FromStorage(st)).response;
    }
  }
  Response r;
  r.SetHeader("Location", "/" + ctx.address.bucket);
  return r;
}

}  // namespace

Outcome ListBuckets(OperationContext& ctx) {
  auto buckets = ctx.engine.ListBuckets();
  if (!buckets.ok()) return Fail(ctx, FromStorage(buckets.status()));
  XmlWriter x("ListAllMyBucketsResult");
  x.Open("Owner").Element("ID", CanonicalUserId(ctx.auth.user)).Element("DisplayName", ctx.auth.user).Close("Owner");
  x.Open("Buckets");
  for (auto& b : buckets.value()) {
    if (b.type != storage::BucketType::GeneralPurpose) continue;
    if (b.owner != ctx.auth.user) continue;
    x.Open("Bucket")
        .Element("Name", b.name)
        .Element("CreationDate", Iso8601Ms(b.created_ms))
        .Element("BucketRegion", b.region)
        .Close("Bucket");
  }
  x.Close("Buckets");
  return Done(XmlResponse(200, x.Finish()));
}

Outcome CreateBucket(OperationContext& ctx) {
  if (!IsValidBucketName(ctx.address.bucket)) return Fail(ctx, ErrorCode::InvalidBucketName);
  bool has_body = ctx.request.body_chunked || (ctx.request.content_length && *ctx.request.content_length > 0);
  if (!has_body) return Done(CreateBucketWithConfiguration(ctx, {}));
  S3Error error;
  auto consumer = BufferedBody(
      ctx, kMaxCreateBucketBody, [ctx](std::string body) mutable { return CreateBucketWithConfiguration(ctx, body); },
      &error);
  if (!consumer) return Fail(ctx, error);
  Outcome o;
  o.consumer = std::move(consumer);
  return o;
}

Outcome DeleteBucket(OperationContext& ctx) {
  if (auto e = AuthorizeBucket(ctx, ctx.address.bucket)) return Fail(ctx, *e);
  auto st = ctx.engine.DeleteBucket(ctx.address.bucket);
  if (!st.ok()) return Fail(ctx, FromStorage(st));
  Response r;
  r.status = 204;
  return Done(std::move(r));
}

Outcome HeadBucket(OperationContext& ctx) {
  storage::BucketInfo info;
  if (auto e = AuthorizeBucket(ctx, ctx.address.bucket, &info)) return Fail(ctx, *e);
  Response r;
  r.head_only = true;
  r.SetHeader("x-amz-bucket-region", info.region);
  r.SetHeader("x-amz-access-point-alias", "false");
  return Done(std::move(r));
}

Outcome GetBucketLocation(OperationContext& ctx) {
  storage::BucketInfo info;
  if (auto e = AuthorizeBucket(ctx, ctx.address.bucket, &info)) return Fail(ctx, *e);
  // us-east-1 is reported as an empty constraint, as S3 always has.
  std::string body = "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n"
                     "<LocationConstraint xmlns=\"http://s3.amazonaws.com/doc/2006-03-01/\">" +
                     (info.region == "us-east-1" ? std::string() : XmlEscape(info.region)) + "</LocationConstraint>";
  return Done(XmlResponse(200, body));
}

}  // namespace xs3::api
