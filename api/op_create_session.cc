// CreateSession (GET /<bucket>?session): short-lived credentials for one directory bucket.
#include <chrono>

#include "api/bucket_policy_check.h"
#include "api/directory_bucket_name.h"
#include "api/http_time.h"
#include "api/operation.h"
#include "api/xml_writer.h"

namespace xs3::api {

Outcome CreateSession(OperationContext& ctx) {
  if (!ctx.IsDirectoryBucket()) {
    return Fail(ctx, ErrorCode::InvalidRequest, "CreateSession is only supported for directory buckets.");
  }
  std::string mode_header = ctx.request.HeaderOr("x-amz-create-session-mode");
  if (!mode_header.empty() && mode_header != "ReadWrite" && mode_header != "ReadOnly") {
    S3Error e = make_error(ErrorCode::InvalidArgument, "Invalid session mode.");
    e.extra_xml = "<ArgumentName>x-amz-create-session-mode</ArgumentName><ArgumentValue>" + XmlEscape(mode_header) +
                  "</ArgumentValue>";
    return Fail(ctx, e);
  }
  auth::SessionMode mode = mode_header == "ReadOnly" ? auth::SessionMode::ReadOnly : auth::SessionMode::ReadWrite;

  auto bucket = ctx.engine.GetBucket(ctx.address.bucket);
  std::optional<storage::BucketInfo> info;
  if (bucket.ok()) info = bucket.value();
  // Callers with an identity policy: it and the bucket policy decide (api/bucket_policy_check.h),
  // ownership alone does not; a session before CreateBucket needs ReadWrite.
  auto identity_allows = [&](auth::SessionMode m) {
    return SessionAllowedByIdentity(ctx, ctx.address.bucket, info, m);
  };
  bool judged_by_identity = identity_allows(auth::SessionMode::ReadWrite).has_value();
  if (!bucket.ok()) {
    if (bucket.status().code() != storage::Code::NoSuchBucket) return Fail(ctx, FromStorage(bucket.status()));
    // The stock SDKs open a session before CreateBucket: grant one that can only create this
    // bucket, and only for a name that could be created.
    if (!DirectoryBucketZone(ctx.address.bucket)) return Fail(ctx, ErrorCode::InvalidBucketName);
    if (judged_by_identity && !*identity_allows(auth::SessionMode::ReadWrite)) {
      return Fail(ctx, ErrorCode::AccessDenied);
    }
    mode = auth::SessionMode::CreateBucketOnly;
  } else if (judged_by_identity) {
    if (bucket->type != storage::BucketType::Directory) return Fail(ctx, ErrorCode::NoSuchBucket);
    if (mode_header.empty() && !*identity_allows(auth::SessionMode::ReadWrite)) mode = auth::SessionMode::ReadOnly;
    if (!*identity_allows(mode)) return Fail(ctx, ErrorCode::AccessDenied);
  } else {
    if (bucket->type != storage::BucketType::Directory) return Fail(ctx, ErrorCode::NoSuchBucket);
    if (bucket->owner != ctx.auth.user && !ctx.IsRoot()) {
      // Someone else's bucket: the bucket policy decides, and without a mode asked for the
      // session gets the widest one it allows (as AWS).
      auto policy = bucket->policy.empty() ? std::nullopt : ParsePolicy(ctx, bucket->policy);
      auto allows = [&](auth::SessionMode m) {
        return policy && auth::PolicyAllowsSession(*policy, ctx.auth.user, auth::SessionModeName(m));
      };
      if (mode_header.empty() && !allows(auth::SessionMode::ReadWrite)) mode = auth::SessionMode::ReadOnly;
      if (!allows(mode)) return Fail(ctx, ErrorCode::AccessDenied);
    }
  }

  int64_t now_s =
      std::chrono::duration_cast<std::chrono::seconds>(std::chrono::system_clock::now().time_since_epoch()).count();
  int64_t expires = now_s + ctx.config.session_lifetime.count();
  auto creds = ctx.sessions.Issue({ctx.address.bucket, ctx.auth.user, mode, expires}, now_s);

  std::string expiration = Iso8601Ms(expires * 1000);
  expiration = expiration.substr(0, expiration.size() - 5) + "Z";  // AWS sends whole seconds
  XmlWriter x("CreateSessionResult");
  x.Open("Credentials")
      .Element("SessionToken", creds.token)
      .Element("SecretAccessKey", creds.secret_access_key)
      .Element("AccessKeyId", creds.access_key_id)
      .Element("Expiration", expiration)
      .Close("Credentials");
  Response r = XmlResponse(200, x.Finish());
  r.SetHeader("x-amz-server-side-encryption", "AES256");
  return Done(std::move(r));
}

}  // namespace xs3::api
