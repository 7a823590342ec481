#include "api/bucket_policy_check.h"

#include "api/expected_bucket_owner.h"
#include "api/iam_actions.h"

namespace xs3::api {

auth::AccountResolver UserAccounts(const OperationContext& ctx) {
  // Only policies naming accounts call this, so hashing every user name stays off the hot path.
  return [&users = ctx.users](std::string_view id) -> std::optional<std::string> {
    for (auto& name : users.Names())
      if (AccountId(name) == id) return name;
    return std::nullopt;
  };
}

BucketPolicyEvaluator::BucketPolicyEvaluator(const OperationContext& ctx, const std::string& bucket)
    : ctx_(ctx), bucket_name_(bucket) {
  auto b = ctx.engine.GetBucket(bucket);
  if (!b.ok()) return;  // the operation reports NoSuchBucket
  info_ = b.value();
  if (info_->type == storage::BucketType::Directory || info_->policy.empty()) return;
  has_policy_ = true;
  auto parsed = auth::ParseAccessPolicy(info_->policy, bucket, nullptr, UserAccounts(ctx));
  if (auto* p = std::get_if<auth::AccessPolicy>(&parsed)) policy_ = std::move(*p);
}

auth::PolicyDecision BucketPolicyEvaluator::Decide(std::string_view action, bool object_level,
                                                   const std::string& key) const {
  if (!has_policy_) return auth::PolicyDecision::NotApplicable;
  if (!policy_) return auth::PolicyDecision::Deny;  // validated when put; fail closed
  auth::AccessRequest request;
  if (!ctx_.auth.anonymous) request.user = ctx_.auth.user;
  request.action = std::string(action);
  request.resource = "arn:aws:s3:::" + bucket_name_;
  if (object_level) request.resource += "/" + (key.empty() ? std::string("*") : key);
  // xs3 serves plain HTTP only.
  request.context["aws:securetransport"] = "false";
  if (!ctx_.request.peer_address.empty()) request.context["aws:sourceip"] = ctx_.request.peer_address;
  if (!request.user.empty()) request.context["aws:username"] = request.user;
  if (request.action == "s3:ListBucket") {
    for (const char* name : {"prefix", "delimiter", "max-keys"}) {
      if (auto* v = ctx_.Query(name)) request.context[std::string("s3:") + name] = *v;
    }
  }
  return auth::Evaluate(*policy_, request);
}

std::optional<S3Error> CheckBucketPolicy(OperationContext& ctx, std::string_view operation) {
  if (ctx.address.bucket.empty() || ctx.IsDirectoryBucket() || ctx.session) return std::nullopt;
  auto action = IamActionFor(operation);
  if (!action) return std::nullopt;
  BucketPolicyEvaluator policy(ctx, ctx.address.bucket);
  if (!policy.has_policy()) return std::nullopt;
  std::string_view name = ctx.HasQuery("versionId") ? VersionedAction(action->action) : action->action;
  switch (policy.Decide(name, action->object_level, ctx.address.key)) {
    case auth::PolicyDecision::Deny: {
      bool repair = operation == "PutBucketPolicy" || operation == "GetBucketPolicy" || operation == "DeleteBucketPolicy";
      if (repair && ctx.IsRoot()) return std::nullopt;
      return make_error(ErrorCode::AccessDenied);
    }
    case auth::PolicyDecision::Allow: {
      const auto& block = policy.bucket()->public_access_block;
      if (ctx.auth.anonymous && block && block->restrict_public_buckets && policy.IsPublic()) break;
      ctx.policy_allows = true;
      break;
    }
    case auth::PolicyDecision::NotApplicable: break;
  }
  return std::nullopt;
}

std::optional<S3Error> CheckObjectPolicy(OperationContext& ctx, std::string_view action, const std::string& key) {
  ctx.policy_allows = false;
  if (ctx.IsDirectoryBucket()) return std::nullopt;
  BucketPolicyEvaluator policy(ctx, ctx.address.bucket);
  switch (policy.Decide(action, true, key)) {
    case auth::PolicyDecision::Deny: return make_error(ErrorCode::AccessDenied);
    case auth::PolicyDecision::Allow: ctx.policy_allows = true; break;
    case auth::PolicyDecision::NotApplicable: break;
  }
  return std::nullopt;
}

std::optional<S3Error> AuthorizeCopySource(const OperationContext& ctx, const std::string& bucket,
                                           const std::string& key, bool names_version) {
  const char* action = names_version ? "s3:GetObjectVersion" : "s3:GetObject";
  switch (BucketPolicyEvaluator(ctx, bucket).Decide(action, true, key)) {
    case auth::PolicyDecision::Deny: return make_error(ErrorCode::AccessDenied);
    case auth::PolicyDecision::Allow: return std::nullopt;
    case auth::PolicyDecision::NotApplicable: break;
  }
  // What the destination's policy allowed says nothing about reading the source.
  OperationContext source_ctx = ctx;
  source_ctx.policy_allows = false;
  return AuthorizeBucket(source_ctx, bucket, nullptr, BucketAccess::Read);
}

}  // namespace xs3::api
