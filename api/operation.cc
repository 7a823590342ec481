#include "api/operation.h"

#include <openssl/rand.h>

#include "api/body_pipeline.h"
#include "api/directory_bucket_name.h"
#include "api/expected_bucket_owner.h"
#include "auth/checksum.h"
#include "common/xml_escape.h"

namespace xs3::api {

S3Error FromStorage(const storage::Status& status) {
  using storage::Code;
  switch (status.code()) {
    case Code::Ok: break;
    case Code::NoSuchBucket: return make_error(ErrorCode::NoSuchBucket);
    case Code::BucketExists: return make_error(ErrorCode::BucketAlreadyExists);
    case Code::BucketNotEmpty: return make_error(ErrorCode::BucketNotEmpty);
    case Code::NoSuchKey: return make_error(ErrorCode::NoSuchKey);
    case Code::PreconditionFailed: return make_error(ErrorCode::PreconditionFailed);
    case Code::InvalidArgument:
      switch (status.detail()) {
        case storage::Detail::InvalidWriteOffset: return make_error(ErrorCode::InvalidWriteOffset);
        case storage::Detail::TooManyParts: return make_error(ErrorCode::TooManyParts);
        // AWS does not document this case; a key cannot be both an object and a directory.
        case storage::Detail::PathConflict: return make_error(ErrorCode::InvalidRequest, status.message());
        case storage::Detail::InvalidVersionId:
          return make_error(ErrorCode::InvalidArgument, "Invalid version id specified");
        // Operations that act on an object's body or metadata refuse a delete marker.
        case storage::Detail::DeleteMarker: return make_error(ErrorCode::MethodNotAllowed);
        case storage::Detail::None:
        case storage::Detail::NoSpace:
        case storage::Detail::ReadOnly: break;
      }
      return make_error(ErrorCode::InvalidArgument, status.message());
    case Code::WritesStopped:
      return make_error(ErrorCode::ServiceUnavailable, "Writes are stopped after a disk failure; restart the server.");
    case Code::NoSuchUpload: return make_error(ErrorCode::NoSuchUpload);
    case Code::InvalidPart: return make_error(ErrorCode::InvalidPart, status.message());
    case Code::NoSuchVersion: return make_error(ErrorCode::NoSuchVersion);
    case Code::IoError:
      // AWS has no error for a full or read-only disk (its storage never fills). InternalError is
      // the S3 error for "could not store it, try again": every SDK retries it and then reports
      // it, and the write changed nothing. The message says which condition it was.
      switch (status.detail()) {
        case storage::Detail::NoSpace:
          return make_error(ErrorCode::InternalError,
                            "We encountered an internal error: the server's disk is full. Please try again.");
        case storage::Detail::ReadOnly:
          return make_error(ErrorCode::InternalError,
                            "We encountered an internal error: the server's data directory is read-only.");
        default: break;
      }
      break;
  }
  return make_error(ErrorCode::InternalError);
}

Outcome Done(Response response) {
  Outcome o;
  o.response = std::move(response);
  return o;
}

Outcome Fail(const OperationContext& ctx, S3Error error) {
  if (error.resource.empty() && error.code != ErrorCode::AccessDenied) {
    error.resource = ctx.request.raw_path;
  }
  return Done(ErrorResponse(error, ctx.request_id, ctx.IsHead()));
}

S3Error WithBucketName(S3Error error, const std::string& bucket) {
  error.extra_xml = "<BucketName>" + XmlEscape(bucket) + "</BucketName>";
  return error;
}

Outcome Fail(const OperationContext& ctx, ErrorCode code, std::string message) {
  return Fail(ctx, make_error(code, std::move(message)));
}

std::optional<S3Error> AuthorizeBucket(const OperationContext& ctx, const std::string& bucket,
                                       storage::BucketInfo* info, BucketAccess access) {
  auto b = ctx.engine.GetBucket(bucket);
  if (!b.ok()) {
    S3Error e = FromStorage(b.status());
    return e.code == ErrorCode::NoSuchBucket ? WithBucketName(std::move(e), bucket) : e;
  }
  if (info) *info = b.value();
  if (b->owner == ctx.auth.user || ctx.IsRoot()) return std::nullopt;
  if (ctx.policy_allows && bucket == ctx.address.bucket) return std::nullopt;
  // A session was authorized for its bucket when it was created (CheckSession pins the bucket).
  if (ctx.session && ctx.session->bucket == bucket && ctx.session->mode != auth::SessionMode::CreateBucketOnly) {
    return std::nullopt;
  }
  // Static-key requests on someone else's directory bucket: what the bucket policy would grant
  // as a session (s3express:CreateSession), ReadOnly being enough to read.
  if (b->type == storage::BucketType::Directory && !b->policy.empty()) {
    auto policy = ParsePolicy(ctx, b->policy);
    bool write = access == BucketAccess::Write ||
                 (access == BucketAccess::FromMethod && ctx.request.method != "GET" && ctx.request.method != "HEAD");
    if (policy && (auth::PolicyAllowsSession(*policy, ctx.auth.user, "ReadWrite") ||
                   (!write && auth::PolicyAllowsSession(*policy, ctx.auth.user, "ReadOnly")))) {
      return std::nullopt;
    }
  }
  return make_error(ErrorCode::AccessDenied);
}

std::optional<S3Error> AuthorizeBucketOwner(const OperationContext& ctx, storage::BucketInfo* info) {
  if (auto e = AuthorizeBucket(ctx, ctx.address.bucket, info)) return e;
  if (!ctx.ActsAsOwner(info->owner)) return make_error(ErrorCode::AccessDenied);
  return std::nullopt;
}

Outcome DeleteBucketConfiguration(OperationContext& ctx, const std::function<void(storage::BucketInfo&)>& clear) {
  storage::BucketInfo info;
  if (auto e = AuthorizeBucketOwner(ctx, &info)) return Fail(ctx, *e);
  if (auto st = ctx.engine.UpdateBucket(ctx.address.bucket, clear); !st.ok()) return Fail(ctx, FromStorage(st));
  Response r;
  r.status = 204;
  return Done(std::move(r));
}

std::set<std::string> KnownUsers(const OperationContext& ctx) {
  return ctx.users.Names();
}

std::optional<auth::BucketPolicy> ParsePolicy(const OperationContext& ctx, const std::string& document) {
  auto parsed = auth::ParseDirectoryBucketPolicy(document, KnownUsers(ctx));
  if (auto* p = std::get_if<auth::BucketPolicy>(&parsed)) return *p;
  return std::nullopt;  // users removed from config since: the policy no longer grants anything
}

bool OperationContext::IsDirectoryBucket() const { return HasDirectorySuffix(address.bucket); }

std::string BucketArn(const OperationContext& ctx, const std::string& bucket) {
  return "arn:aws:s3express:" + ctx.config.region + ":" + AccountId(ctx.auth.user) + ":bucket/" + bucket;
}

std::string CanonicalUserId(const std::string& user) { return auth::Sha256Hex("xs3-user:" + user); }

std::string QuoteETag(const std::string& etag) { return "\"" + etag + "\""; }

std::string RandomETag() {
  unsigned char raw[16];
  RAND_bytes(raw, sizeof raw);
  return auth::HexEncode(std::string_view(reinterpret_cast<const char*>(raw), sizeof raw));
}

namespace {

class BufferedBodyConsumer : public BodyConsumer {
 public:
  BufferedBodyConsumer(OperationContext ctx, size_t limit, std::unique_ptr<BodyPipeline> pipeline,
                       std::function<Response(std::string)> done)
      : ctx_(std::move(ctx)), limit_(limit), pipeline_(std::move(pipeline)), done_(std::move(done)) {}

  std::optional<S3Error> Write(const char* data, size_t len) override {
    return pipeline_->Feed(data, len, [this](const char* d, size_t n) -> std::optional<S3Error> {
      if (body_.size() + n > limit_) return make_error(ErrorCode::MalformedXML, "The XML you provided was too large");
      body_.append(d, n);
      return std::nullopt;
    });
  }

  Response Finish() override {
    if (auto e = pipeline_->Finish()) return Fail(ctx_, *e).response;
    return done_(std::move(body_));
  }

  const std::string& request_id() const override { return ctx_.request_id; }

 private:
  OperationContext ctx_;
  size_t limit_;
  std::unique_ptr<BodyPipeline> pipeline_;
  std::function<Response(std::string)> done_;
  std::string body_;
};

}  // namespace

Outcome BufferedBody(OperationContext& ctx, size_t limit, std::function<Response(std::string body)> done) {
  auto pipeline = BodyPipeline::Create(ctx.request, ctx.auth, {});
  if (auto* e = std::get_if<S3Error>(&pipeline)) return Fail(ctx, *e);
  Outcome o;
  o.consumer = std::make_unique<BufferedBodyConsumer>(ctx, limit, std::move(std::get<0>(pipeline)), std::move(done));
  return o;
}

}  // namespace xs3::api
