// Get/PutBucketAcl and Get/PutObjectAcl (?acl) for ACLs a canned ACL expresses. With Object
// Ownership BucketOwnerEnforced (the default) ACLs are off: reads show the bucket owner's full
// control, writes of anything more are AccessControlListNotSupported.
#include "api/acl.h"
#include "api/operation.h"
#include "api/versioning.h"
#include "api/xml_writer.h"

namespace xs3::api {
namespace {

// 100 grants of a few hundred bytes each.
constexpr size_t kMaxAclBody = 64 * 1024;

bool HasGrantHeaders(const Request& request) {
  for (const char* h : {"x-amz-grant-full-control", "x-amz-grant-read", "x-amz-grant-read-acp", "x-amz-grant-write",
                        "x-amz-grant-write-acp"}) {
    if (request.Header(h)) return true;
  }
  return false;
}

// The ACL a Put*Acl asks for comes from x-amz-acl or the body, never both; `done` gets the
// canned ACL and answers.
Outcome ReadRequestedAcl(OperationContext& ctx, AclTarget target, const std::string& owner,
                         const std::string& bucket_owner, std::function<Response(const std::string&)> done) {
  if (HasGrantHeaders(ctx.request)) {
    return Fail(ctx, ErrorCode::NotImplemented, "Only canned ACLs (x-amz-acl) and their documents are supported.");
  }
  if (auto* header = ctx.request.Header("x-amz-acl")) {
    bool has_body = ctx.request.body_chunked || (ctx.request.content_length && *ctx.request.content_length > 0);
    if (has_body) return Fail(ctx, ErrorCode::InvalidRequest, "Specifying both Canned ACLs and an ACL document is not allowed");
    auto canned = ParseCannedAcl(*header, target);
    if (auto* e = std::get_if<S3Error>(&canned)) return Fail(ctx, *e);
    return Done(done(std::get<std::string>(canned)));
  }
  return BufferedBody(
      ctx, kMaxAclBody,
      [ctx, target, owner, bucket_owner, done](std::string body) mutable {
        auto canned = CannedAclFromXml(body, owner, bucket_owner, target);
        if (auto* e = std::get_if<S3Error>(&canned)) return Fail(ctx, *e).response;
        return done(std::get<std::string>(canned));
      });
}

// Object ACL requests may name a version (?versionId=), as GET does.
storage::Result<storage::ObjectRecord> ObjectOrVersion(OperationContext& ctx, const std::optional<std::string>& version) {
  return version ? ctx.engine.GetObjectVersion(ctx.address.bucket, ctx.address.key, *version)
                 : ctx.engine.GetObject(ctx.address.bucket, ctx.address.key);
}

// Under BucketOwnerEnforced the bucket owner owns every object.
const std::string& ObjectOwner(const storage::BucketInfo& info, const storage::ObjectMeta& meta) {
  return info.object_ownership == "BucketOwnerEnforced" || meta.owner.empty() ? info.owner : meta.owner;
}

// As GET: a versioned bucket names every version, "null" included; an unversioned one none.
void AddVersionIdHeader(Response& r, const storage::BucketInfo& info, const storage::ObjectMeta& meta) {
  if (!info.versioning.empty() || !meta.version_id.empty()) {
    r.SetHeader("x-amz-version-id", ShownVersionId(meta.version_id));
  }
}

}  // namespace

Outcome GetBucketAcl(OperationContext& ctx) {
  storage::BucketInfo info;
  if (auto e = AuthorizeBucket(ctx, ctx.address.bucket, &info)) return Fail(ctx, *e);
  return Done(XmlResponse(200, AccessControlPolicyXml(info.owner, EffectiveAcl(info, info.acl), info.owner)));
}

Outcome PutBucketAcl(OperationContext& ctx) {
  storage::BucketInfo info;
  if (auto e = AuthorizeBucket(ctx, ctx.address.bucket, &info)) return Fail(ctx, *e);
  if (!ctx.ActsAsOwner(info.owner)) return Fail(ctx, ErrorCode::AccessDenied);
  return ReadRequestedAcl(ctx, AclTarget::Bucket, info.owner, info.owner, [ctx, info](const std::string& canned) mutable {
    if (auto e = RefuseAcl(info, canned)) return Fail(ctx, *e).response;
    auto st = ctx.engine.UpdateBucket(ctx.address.bucket, [&](storage::BucketInfo& b) { b.acl = canned; });
    if (!st.ok()) return Fail(ctx, FromStorage(st)).response;
    return Response{};
  });
}

Outcome GetObjectAcl(OperationContext& ctx) {
  storage::BucketInfo info;
  if (auto e = AuthorizeBucket(ctx, ctx.address.bucket, &info, BucketAccess::Read)) return Fail(ctx, *e);
  const auto version = RequestedVersion(ctx);
  auto record = ObjectOrVersion(ctx, version);
  if (!record.ok()) return FailMissingVersion(ctx, record.status(), version, false);
  if (record->meta.delete_marker) return FailDeleteMarker(ctx, record->meta);
  Response r = XmlResponse(200, AccessControlPolicyXml(ObjectOwner(info, record->meta),
                                                       EffectiveAcl(info, record->meta.acl), info.owner));
  AddVersionIdHeader(r, info, record->meta);
  return Done(std::move(r));
}

Outcome PutObjectAcl(OperationContext& ctx) {
  storage::BucketInfo info;
  if (auto e = AuthorizeBucket(ctx, ctx.address.bucket, &info, BucketAccess::Write)) return Fail(ctx, *e);
  const auto version = RequestedVersion(ctx);
  auto record = ObjectOrVersion(ctx, version);
  if (!record.ok()) return FailMissingForUpdate(ctx, record.status(), version);
  if (record->meta.delete_marker) return FailDeleteMarker(ctx, record->meta);
  return ReadRequestedAcl(ctx, AclTarget::Object, ObjectOwner(info, record->meta), info.owner,
                          [ctx, info, version, meta = record->meta](const std::string& canned) mutable {
    if (auto e = RefuseAcl(info, canned)) return Fail(ctx, *e).response;
    auto st = ctx.engine.UpdateObjectMeta(
        ctx.address.bucket, ctx.address.key, [&](storage::ObjectMeta& m) { m.acl = EffectiveAcl(info, canned); }, {},
        version);
    if (!st.ok()) return FailMissingForUpdate(ctx, st, version).response;
    Response r;
    AddVersionIdHeader(r, info, meta);
    return r;
  });
}

std::optional<S3Error> ReadAclHeaders(const Request& request, const storage::BucketInfo& bucket,
                                      storage::ObjectMeta& meta) {
  meta.acl.clear();
  if (HasGrantHeaders(request)) {
    if (bucket.object_ownership == "BucketOwnerEnforced") return make_error(ErrorCode::AccessControlListNotSupported);
    return make_error(ErrorCode::NotImplemented, "Only canned ACLs (x-amz-acl) are supported.");
  }
  auto* header = request.Header("x-amz-acl");
  if (!header) return std::nullopt;
  auto canned = ParseCannedAcl(*header, AclTarget::Object);
  if (auto* e = std::get_if<S3Error>(&canned)) return *e;
  if (auto e = RefuseAcl(bucket, std::get<std::string>(canned))) return e;
  meta.acl = EffectiveAcl(bucket, std::get<std::string>(canned));
  return std::nullopt;
}

bool ReadableThroughAcl(const OperationContext& ctx, const storage::BucketInfo& bucket, const std::string& acl) {
  if (bucket.type != storage::BucketType::GeneralPurpose) return false;
  if (bucket.public_access_block && bucket.public_access_block->ignore_public_acls) return false;
  std::string effective = EffectiveAcl(bucket, acl);
  return ctx.auth.anonymous ? AclGrantsPublicRead(effective) : AclGrantsAuthenticatedRead(effective);
}

}  // namespace xs3::api
