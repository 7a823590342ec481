// Bucket-level operations of general-purpose buckets: ListBuckets, CreateBucket, DeleteBucket,
// HeadBucket, GetBucketLocation.
#include <algorithm>
#include <pugixml.hpp>

#include "api/acl.h"
#include "api/bucket_name.h"
#include "api/directory_bucket_name.h"
#include "api/http_time.h"
#include "api/operation.h"
#include "api/xml_writer.h"

namespace xs3::api {
namespace {

constexpr size_t kMaxCreateBucketBody = 64 * 1024;

// A directory bucket needs the configuration naming its zone and type; its name carries the
// same zone, and the zone must be one this server offers.
Response CreateDirectoryBucket(OperationContext& ctx, const std::string& body) {
  auto name_zone = DirectoryBucketZone(ctx.address.bucket);
  if (!name_zone) return Fail(ctx, ErrorCode::InvalidBucketName).response;
  if (body.empty()) {
    return Fail(ctx, ErrorCode::InvalidBucketName,
                "A directory bucket name needs a CreateBucketConfiguration with Location and Bucket.")
        .response;
  }
  pugi::xml_document doc;
  if (!doc.load_buffer(body.data(), body.size())) return Fail(ctx, ErrorCode::MalformedXML).response;
  auto root = doc.document_element();
  if (std::string_view(root.name()) != "CreateBucketConfiguration" || root.child("LocationConstraint")) {
    return Fail(ctx, ErrorCode::MalformedXML).response;
  }
  auto location = root.child("Location");
  auto bucket = root.child("Bucket");
  std::string_view loc_type = location.child("Type").text().get();
  std::string zone = location.child("Name").text().get();
  std::string_view redundancy = bucket.child("DataRedundancy").text().get();
  std::string_view type = bucket.child("Type").text().get();
  if (!location || !bucket || loc_type != "AvailabilityZone" || type != "Directory" ||
      (!redundancy.empty() && redundancy != "SingleAvailabilityZone")) {
    return Fail(ctx, ErrorCode::MalformedXML).response;
  }
  if (zone != *name_zone) {
    return Fail(ctx, ErrorCode::InvalidBucketName,
                "The zone id in the bucket name does not match the Location in the configuration.")
        .response;
  }
  auto zones = config::EffectiveZones(ctx.config);
  if (!zones.empty() && std::find(zones.begin(), zones.end(), zone) == zones.end()) {
    return Fail(ctx, ErrorCode::InvalidLocationConstraint,
                "The specified availability zone is not offered in " + ctx.config.region + ".")
        .response;
  }
  storage::BucketInfo info;
  info.name = ctx.address.bucket;
  info.region = ctx.config.region;
  info.owner = ctx.auth.user;
  info.type = storage::BucketType::Directory;
  info.zone = zone;
  auto st = ctx.engine.CreateBucket(info);
  if (!st.ok()) {
    if (st.code() != storage::Code::BucketExists) return Fail(ctx, FromStorage(st)).response;
    auto existing = ctx.engine.GetBucket(info.name);
    bool mine = existing.ok() && existing->owner == ctx.auth.user;
    return Fail(ctx, mine ? ErrorCode::BucketAlreadyOwnedByYou : ErrorCode::BucketAlreadyExists).response;
  }
  Response r;
  r.SetHeader("Location", "/" + ctx.address.bucket);
  r.SetHeader("x-amz-bucket-arn", BucketArn(ctx, ctx.address.bucket));
  return r;
}

// x-amz-object-ownership and x-amz-acl or x-amz-grant-* of a new general-purpose bucket. New buckets get what S3
// gives them since 2023: BucketOwnerEnforced and every Block Public Access setting on.
std::optional<S3Error> ApplyAccessSettings(const OperationContext& ctx, storage::BucketInfo& info) {
  std::string ownership = ctx.request.HeaderOr("x-amz-object-ownership", "BucketOwnerEnforced");
  if (ownership != "BucketOwnerEnforced" && ownership != "BucketOwnerPreferred" && ownership != "ObjectWriter") {
    S3Error e = make_error(ErrorCode::InvalidArgument, "Invalid x-amz-object-ownership header: " + ownership);
    e.extra_xml = "<ArgumentName>x-amz-object-ownership</ArgumentName>";
    return e;
  }
  info.object_ownership = ownership;
  info.public_access_block = storage::PublicAccessBlock{true, true, true, true};
  auto requested = AclFromHeaders(ctx.request, AclTarget::Bucket, KnownUsers(ctx));
  if (auto* e = std::get_if<S3Error>(&requested)) return *e;
  if (auto& acl = std::get<std::optional<std::string>>(requested)) info.acl = *acl;
  if (ownership == "BucketOwnerEnforced" && !info.acl.empty()) {
    return make_error(ErrorCode::InvalidBucketAclWithObjectOwnership);
  }
  if (AclIsPublic(info.acl)) return make_error(ErrorCode::InvalidBucketAclWithBlockPublicAccessError);
  return std::nullopt;
}

Response CreateBucketWithConfiguration(OperationContext& ctx, const std::string& body) {
  if (HasDirectorySuffix(ctx.address.bucket)) return CreateDirectoryBucket(ctx, body);
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
  if (auto e = ApplyAccessSettings(ctx, info)) return Fail(ctx, *e).response;
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
  // A user with an identity policy belongs to the root user's account (bucket_policy_check.h).
  bool in_roots_account = ctx.users.IdentityPolicy(ctx.auth.user) != nullptr;
  for (auto& b : buckets.value()) {
    if (b.type != storage::BucketType::GeneralPurpose) continue;
    if (b.owner != ctx.auth.user && !(in_roots_account && b.owner == ctx.users.root())) continue;
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
  if (!HasDirectorySuffix(ctx.address.bucket) && !IsValidBucketName(ctx.address.bucket)) {
    return Fail(ctx, ErrorCode::InvalidBucketName);
  }
  bool has_body = ctx.request.body_chunked || (ctx.request.content_length && *ctx.request.content_length > 0);
  if (!has_body) return Done(CreateBucketWithConfiguration(ctx, {}));
  return BufferedBody(
      ctx, kMaxCreateBucketBody, [ctx](std::string body) mutable { return CreateBucketWithConfiguration(ctx, body); });
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
  if (info.type == storage::BucketType::Directory) {
    r.SetHeader("x-amz-bucket-location-type", "AvailabilityZone");
    r.SetHeader("x-amz-bucket-location-name", info.zone);
    r.SetHeader("x-amz-bucket-arn", BucketArn(ctx, info.name));
  }
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
