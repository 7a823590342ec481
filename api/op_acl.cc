// Get/PutBucketAcl and Get/PutObjectAcl (?acl): canned ACLs and explicit grants. With Object
// Ownership BucketOwnerEnforced (the default) ACLs are off: reads show the bucket owner's full
// control, writes of anything more are AccessControlListNotSupported. Callers the bucket does not
// admit may read an ACL with READ_ACP and replace it with WRITE_ACP.
#include "api/acl.h"
#include "api/operation.h"
#include "api/versioning.h"
#include "api/xml_writer.h"

namespace xs3::api {
namespace {

// 100 grants of a few hundred bytes each.
constexpr size_t kMaxAclBody = 64 * 1024;

// The ACL a Put*Acl asks for comes from the headers (x-amz-acl or x-amz-grant-*) or the body,
// never both; `done` gets the ACL and answers.
Outcome ReadRequestedAcl(OperationContext& ctx, AclTarget target, const std::string& owner,
                         const std::string& bucket_owner, std::function<Response(const std::string&)> done) {
  auto users = KnownUsers(ctx);
  auto from_headers = AclFromHeaders(ctx.request, target, users);
  if (auto* e = std::get_if<S3Error>(&from_headers)) return Fail(ctx, *e);
  if (auto& acl = std::get<std::optional<std::string>>(from_headers)) {
    bool has_body = ctx.request.body_chunked || (ctx.request.content_length && *ctx.request.content_length > 0);
    if (has_body) return Fail(ctx, ErrorCode::InvalidRequest, "Specifying both Canned ACLs and an ACL document is not allowed");
    return Done(done(*acl));
  }
  return BufferedBody(
      ctx, kMaxAclBody,
      [ctx, target, owner, bucket_owner, done, users](std::string body) mutable {
        auto acl = AclFromXml(body, owner, bucket_owner, target, users);
        if (auto* e = std::get_if<S3Error>(&acl)) return Fail(ctx, *e).response;
        return done(std::get<std::string>(acl));
      });
}

// Object ACL requests may name a version (?versionId=), as GET does.
storage::Result<storage::ObjectRecord> ObjectOrVersion(OperationContext& ctx, const std::optional<std::string>& version) {
  return version ? ctx.engine.GetObjectVersion(ctx.address.bucket, ctx.address.key, *version)
                 : ctx.engine.GetObject(ctx.address.bucket, ctx.address.key);
}

// Under BucketOwnerEnforced the bucket owner owns every object.
const std::string& ObjectOwner(const storage::BucketInfo& info, const std::string& owner) {
  return info.object_ownership == "BucketOwnerEnforced" || owner.empty() ? info.owner : owner;
}

// As GET: a versioned bucket names every version, "null" included; an unversioned one none.
void AddVersionIdHeader(Response& r, const storage::BucketInfo& info, const storage::ObjectMeta& meta) {
  if (!info.versioning.empty() || !meta.version_id.empty()) {
    r.SetHeader("x-amz-version-id", ShownVersionId(meta.version_id));
  }
}

// The bucket for an object ACL request, and the object's record; a caller the bucket does not
// admit needs `permission` in the object's ACL, and is AccessDenied for a missing key as S3 does.
std::variant<storage::ObjectRecord, Outcome> AuthorizeObjectAcl(OperationContext& ctx, storage::BucketInfo& info,
                                                                BucketAccess access, AclPermission permission,
                                                                const std::optional<std::string>& version) {
  auto denied = AuthorizeBucket(ctx, ctx.address.bucket, &info, access);
  if (denied && denied->code != ErrorCode::AccessDenied) return Fail(ctx, *denied);
  auto record = ObjectOrVersion(ctx, version);
  if (denied && (!record.ok() || !GrantedThroughAcl(ctx, info, record->meta.acl, record->meta.owner, permission))) {
    return Fail(ctx, *denied);
  }
  if (!record.ok()) {
    return access == BucketAccess::Read ? FailMissingVersion(ctx, record.status(), version, false)
                                        : FailMissingForUpdate(ctx, record.status(), version);
  }
  if (record->meta.delete_marker) return FailDeleteMarker(ctx, record->meta);
  return std::move(record.value());
}

}  // namespace

Outcome GetBucketAcl(OperationContext& ctx) {
  storage::BucketInfo info;
  if (auto e = AuthorizeBucketOrAcl(ctx, &info, AclPermission::ReadAcp)) return Fail(ctx, *e);
  return Done(XmlResponse(200, AccessControlPolicyXml(info.owner, EffectiveAcl(info, info.acl), info.owner)));
}

Outcome PutBucketAcl(OperationContext& ctx) {
  storage::BucketInfo info;
  auto denied = AuthorizeBucket(ctx, ctx.address.bucket, &info);
  if (denied && denied->code != ErrorCode::AccessDenied) return Fail(ctx, *denied);
  const bool owner = !denied && ctx.ActsAsOwner(info.owner);
  if (!owner && !GrantedThroughAcl(ctx, info, info.acl, info.owner, AclPermission::WriteAcp)) {
    return Fail(ctx, ErrorCode::AccessDenied);
  }
  return ReadRequestedAcl(ctx, AclTarget::Bucket, info.owner, info.owner, [ctx, info](const std::string& acl) mutable {
    if (auto e = RefuseAcl(info, acl)) return Fail(ctx, *e).response;
    auto st = ctx.engine.UpdateBucket(ctx.address.bucket, [&](storage::BucketInfo& b) { b.acl = acl; });
    if (!st.ok()) return Fail(ctx, FromStorage(st)).response;
    return Response{};
  });
}

Outcome GetObjectAcl(OperationContext& ctx) {
  storage::BucketInfo info;
  const auto version = RequestedVersion(ctx);
  auto record = AuthorizeObjectAcl(ctx, info, BucketAccess::Read, AclPermission::ReadAcp, version);
  if (auto* o = std::get_if<Outcome>(&record)) return std::move(*o);
  auto& meta = std::get<storage::ObjectRecord>(record).meta;
  Response r = XmlResponse(200, AccessControlPolicyXml(ObjectOwner(info, meta.owner), EffectiveAcl(info, meta.acl), info.owner));
  AddVersionIdHeader(r, info, meta);
  return Done(std::move(r));
}

Outcome PutObjectAcl(OperationContext& ctx) {
  storage::BucketInfo info;
  const auto version = RequestedVersion(ctx);
  auto record = AuthorizeObjectAcl(ctx, info, BucketAccess::Write, AclPermission::WriteAcp, version);
  if (auto* o = std::get_if<Outcome>(&record)) return std::move(*o);
  auto& meta = std::get<storage::ObjectRecord>(record).meta;
  return ReadRequestedAcl(ctx, AclTarget::Object, ObjectOwner(info, meta.owner), info.owner,
                          [ctx, info, version, meta](const std::string& acl) mutable {
    if (auto e = RefuseAcl(info, acl)) return Fail(ctx, *e).response;
    auto st = ctx.engine.UpdateObjectMeta(
        ctx.address.bucket, ctx.address.key, [&](storage::ObjectMeta& m) { m.acl = EffectiveAcl(info, acl); }, {},
        version);
    if (!st.ok()) return FailMissingForUpdate(ctx, st, version).response;
    Response r;
    AddVersionIdHeader(r, info, meta);
    return r;
  });
}

std::optional<S3Error> ReadAclHeaders(const OperationContext& ctx, const storage::BucketInfo& bucket,
                                      storage::ObjectMeta& meta) {
  meta.acl.clear();
  auto requested = AclFromHeaders(ctx.request, AclTarget::Object, KnownUsers(ctx));
  if (auto* e = std::get_if<S3Error>(&requested)) return *e;
  auto& acl = std::get<std::optional<std::string>>(requested);
  if (!acl) return std::nullopt;
  if (auto e = RefuseAcl(bucket, *acl)) return e;
  meta.acl = EffectiveAcl(bucket, *acl);
  return std::nullopt;
}

bool GrantedThroughAcl(const OperationContext& ctx, const storage::BucketInfo& bucket, const std::string& acl,
                       const std::string& owner, AclPermission permission) {
  if (bucket.type != storage::BucketType::GeneralPurpose) return false;
  bool ignore_public = bucket.public_access_block && bucket.public_access_block->ignore_public_acls;
  std::optional<std::string> user;
  if (!ctx.auth.anonymous) user = ctx.auth.user;
  return AclAllows(EffectiveAcl(bucket, acl), ObjectOwner(bucket, owner), bucket.owner, user, permission, ignore_public);
}

std::optional<S3Error> AuthorizeBucketOrAcl(const OperationContext& ctx, storage::BucketInfo* info,
                                            AclPermission permission, BucketAccess access) {
  auto e = AuthorizeBucket(ctx, ctx.address.bucket, info, access);
  if (e && e->code == ErrorCode::AccessDenied && GrantedThroughAcl(ctx, *info, info->acl, info->owner, permission)) {
    return std::nullopt;
  }
  return e;
}

}  // namespace xs3::api
