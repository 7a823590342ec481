#include "api/bucket_policy_check.h"

#include "api/iam_actions.h"
#include "auth/access_policy.h"

namespace xs3::api {

std::optional<S3Error> CheckBucketPolicy(OperationContext& ctx, std::string_view operation) {
  const std::string& bucket = ctx.address.bucket;
  if (bucket.empty() || ctx.IsDirectoryBucket() || ctx.session) return std::nullopt;
  auto action = IamActionFor(operation);
  if (!action) return std::nullopt;
  auto info = ctx.engine.GetBucket(bucket);
  if (!info.ok() || info->policy.empty()) return std::nullopt;  // the operation reports NoSuchBucket
  auto parsed = auth::ParseAccessPolicy(info->policy, bucket, nullptr, ctx.users.root());
  auto* policy = std::get_if<auth::AccessPolicy>(&parsed);
  if (!policy) return make_error(ErrorCode::AccessDenied);  // validated when put; fail closed

  auth::AccessRequest request;
  if (!ctx.auth.anonymous) request.user = ctx.auth.user;
  request.action = std::string(action->action);
  request.resource = "arn:aws:s3:::" + bucket;
  if (action->object_level) request.resource += "/" + (ctx.address.key.empty() ? std::string("*") : ctx.address.key);
  // xs3 serves plain HTTP only.
  request.context["aws:securetransport"] = "false";
  if (!ctx.request.peer_address.empty()) request.context["aws:sourceip"] = ctx.request.peer_address;
  if (!request.user.empty()) request.context["aws:username"] = request.user;
  if (request.action == "s3:ListBucket") {
    for (const char* key : {"prefix", "delimiter", "max-keys"}) {
      if (auto* v = ctx.Query(key)) request.context[std::string("s3:") + key] = *v;
    }
  }

  switch (auth::Evaluate(*policy, request)) {
    case auth::PolicyDecision::Deny: {
      bool repair = operation == "PutBucketPolicy" || operation == "GetBucketPolicy" || operation == "DeleteBucketPolicy";
      if (repair && ctx.IsRoot()) return std::nullopt;
      return make_error(ErrorCode::AccessDenied);
    }
    case auth::PolicyDecision::Allow: {
      const auto& block = info->public_access_block;
      if (ctx.auth.anonymous && block && block->restrict_public_buckets && auth::IsPublic(*policy)) break;
      ctx.policy_allows = true;
      break;
    }
    case auth::PolicyDecision::NotApplicable: break;
  }
  return std::nullopt;
}

}  // namespace xs3::api
