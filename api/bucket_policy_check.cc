#include "api/bucket_policy_check.h"

#include "api/directory_bucket_name.h"
#include "api/expected_bucket_owner.h"
#include "api/iam_actions.h"

namespace xs3::api {
namespace {

std::string ResourceArn(const std::string& bucket, bool object_level, const std::string& key) {
  std::string arn = "arn:aws:s3:::" + bucket;
  if (object_level) arn += "/" + (key.empty() ? std::string("*") : key);
  return arn;
}

auth::AccessRequest PolicyRequest(const OperationContext& ctx, std::string_view action, std::string resource) {
  auth::AccessRequest request;
  if (!ctx.auth.anonymous) request.user = ctx.auth.user;
  request.action = std::string(action);
  request.resource = std::move(resource);
  // xs3 serves plain HTTP only.
  request.context["aws:securetransport"] = "false";
  if (!ctx.request.peer_address.empty()) request.context["aws:sourceip"] = ctx.request.peer_address;
  if (!request.user.empty()) request.context["aws:username"] = request.user;
  if (request.action == "s3:ListBucket") {
    for (const char* name : {"prefix", "delimiter", "max-keys"}) {
      if (auto* v = ctx.Query(name)) request.context[std::string("s3:") + name] = *v;
    }
  }
  return request;
}

// The caller's identity policy; null for root (never bound by one), anonymous callers, session
// requests (authorized when the session was created) and users without one.
std::shared_ptr<const auth::AccessPolicy> IdentityPolicyOf(const OperationContext& ctx) {
  if (ctx.auth.anonymous || ctx.session || ctx.IsRoot()) return nullptr;
  return ctx.users.IdentityPolicy(ctx.auth.user);
}

// For a user with an identity policy, the buckets of its account: its own and the root user's
// (README, Access control). A bucket about to be created, or missing, counts as its own.
bool InCallersAccount(const OperationContext& ctx, const std::optional<storage::BucketInfo>& bucket) {
  return !bucket || bucket->owner == ctx.auth.user || bucket->owner == ctx.users.root();
}

struct Verdict {
  std::optional<S3Error> refusal;
  bool implicit = false;        // the refusal is for want of an Allow, not a Deny
  bool policy_allows = false;   // were it admitted: a policy grants this request
  bool account_allows = false;  // ...from within the caller's account
};

// `action` on `policy`'s bucket (or its object `key`) by the caller's identity policy and the
// bucket policy, as AWS evaluates them: a Deny in either refuses; within the caller's account an
// Allow in either grants; on another account's bucket the identity policy must Allow as well.
Verdict Judge(const OperationContext& ctx, const BucketPolicyEvaluator& policy, std::string_view action,
              bool object_level, const std::string& key) {
  Verdict v;
  // Identity policies name s3: actions only; directory buckets (s3express) are not theirs.
  auto identity = HasDirectorySuffix(policy.name()) ? nullptr : IdentityPolicyOf(ctx);
  auto user_says = auth::PolicyDecision::NotApplicable;
  if (identity) {
    user_says = auth::Evaluate(*identity, PolicyRequest(ctx, action, ResourceArn(policy.name(), object_level, key)));
  }
  if (user_says == auth::PolicyDecision::Deny) {
    v.refusal = make_error(ErrorCode::AccessDenied);
    return v;
  }
  bool bucket_allows = false;
  switch (policy.Decide(action, object_level, key)) {
    case auth::PolicyDecision::Deny: v.refusal = make_error(ErrorCode::AccessDenied); return v;
    case auth::PolicyDecision::Allow: {
      const auto& block = policy.bucket()->public_access_block;
      bucket_allows = !(ctx.auth.anonymous && block && block->restrict_public_buckets && policy.IsPublic());
      break;
    }
    case auth::PolicyDecision::NotApplicable: break;
  }
  bool user_allows = user_says == auth::PolicyDecision::Allow;
  if (identity && InCallersAccount(ctx, policy.bucket())) {
    // Ownership alone grants nothing here: an IAM user gets no rights from creating a bucket.
    v.implicit = !user_allows && !bucket_allows;
    v.policy_allows = v.account_allows = true;
  } else {
    // The bucket side (its policy, else ownership and ACLs in the operation) then decides.
    v.implicit = identity && !user_allows;
    v.policy_allows = bucket_allows;
  }
  if (v.implicit) v.refusal = make_error(ErrorCode::AccessDenied);
  return v;
}

}  // namespace

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
  return auth::Evaluate(*policy_, PolicyRequest(ctx_, action, ResourceArn(bucket_name_, object_level, key)));
}

std::optional<bool> SessionAllowedByIdentity(const OperationContext& ctx, const std::string& name,
                                             const std::optional<storage::BucketInfo>& bucket,
                                             auth::SessionMode mode) {
  auto identity = IdentityPolicyOf(ctx);
  if (!identity) return std::nullopt;
  std::string_view mode_name = auth::SessionModeName(mode);
  std::string owner = bucket ? bucket->owner : ctx.auth.user;
  auto request = PolicyRequest(ctx, "s3express:CreateSession",
                               "arn:aws:s3express:" + ctx.config.region + ":" + AccountId(owner) + ":bucket/" + name);
  request.context["s3express:sessionmode"] = std::string(mode_name);
  auto user_says = auth::Evaluate(*identity, request);
  if (user_says == auth::PolicyDecision::Deny) return false;
  std::optional<auth::BucketPolicy> policy;
  if (bucket && !bucket->policy.empty()) policy = ParsePolicy(ctx, bucket->policy);
  if (policy && auth::PolicyDeniesSession(*policy, ctx.auth.user, mode_name)) return false;
  bool bucket_allows = policy && auth::PolicyAllowsSession(*policy, ctx.auth.user, mode_name);
  bool user_allows = user_says == auth::PolicyDecision::Allow;
  if (InCallersAccount(ctx, bucket)) return user_allows || bucket_allows;
  return user_allows && bucket_allows;
}

std::optional<S3Error> CheckBucketPolicy(OperationContext& ctx, std::string_view operation) {
  if (ctx.session) return std::nullopt;
  if (ctx.IsDirectoryBucket() && operation != "CreateSession") {
    // Static-key calls are judged as the session they would need (ReadOnly enough to read), as
    // AuthorizeBucket judges them under the bucket policy; CreateSession judges itself.
    if (!IdentityPolicyOf(ctx)) return std::nullopt;
    auto bucket = ctx.engine.GetBucket(ctx.address.bucket);
    std::optional<storage::BucketInfo> info;
    if (bucket.ok()) info = bucket.value();
    auto allows = [&](auth::SessionMode mode) {
      return *SessionAllowedByIdentity(ctx, ctx.address.bucket, info, mode);
    };
    bool write = ctx.request.method != "GET" && ctx.request.method != "HEAD";
    if (!allows(auth::SessionMode::ReadWrite) && (write || !allows(auth::SessionMode::ReadOnly))) {
      return make_error(ErrorCode::AccessDenied);
    }
    ctx.policy_allows = true;
    return std::nullopt;
  }
  if (operation == "ListBuckets") {
    auto identity = IdentityPolicyOf(ctx);
    if (!identity) return std::nullopt;
    auto says = auth::Evaluate(*identity, PolicyRequest(ctx, "s3:ListAllMyBuckets", "arn:aws:s3:::*"));
    if (says != auth::PolicyDecision::Allow) return make_error(ErrorCode::AccessDenied);
    return std::nullopt;
  }
  if (ctx.address.bucket.empty() || ctx.IsDirectoryBucket()) return std::nullopt;
  auto action = IamActionFor(operation);
  if (!action) return std::nullopt;
  BucketPolicyEvaluator policy(ctx, ctx.address.bucket);
  if (!policy.has_policy() && !IdentityPolicyOf(ctx)) return std::nullopt;
  std::string_view name = ctx.HasQuery("versionId") ? VersionedAction(action->action) : action->action;
  Verdict v = Judge(ctx, policy, name, action->object_level, ctx.address.key);
  // DeleteObjects is admitted on the bucket's objects as a whole; an identity policy allowing
  // only some keys is then applied key by key (CheckObjectAccess), as on AWS.
  bool per_key = operation == "DeleteObjects" && v.implicit;
  if (v.refusal && !per_key) {
    // Root is never bound by an identity policy, so this Deny is the bucket policy's.
    bool repair = operation == "PutBucketPolicy" || operation == "GetBucketPolicy" || operation == "DeleteBucketPolicy";
    if (repair && ctx.IsRoot()) return std::nullopt;
    return v.refusal;
  }
  ctx.policy_allows = v.policy_allows;
  ctx.account_allows = v.account_allows;
  return std::nullopt;
}

std::optional<S3Error> CheckObjectAccess(const OperationContext& ctx, const BucketPolicyEvaluator& policy,
                                         std::string_view action, const std::string& key) {
  return Judge(ctx, policy, action, true, key).refusal;
}

std::optional<S3Error> CheckObjectPolicy(OperationContext& ctx, std::string_view action, const std::string& key) {
  ctx.policy_allows = ctx.account_allows = false;
  if (ctx.IsDirectoryBucket()) return std::nullopt;
  Verdict v = Judge(ctx, BucketPolicyEvaluator(ctx, ctx.address.bucket), action, true, key);
  if (v.refusal) return v.refusal;
  ctx.policy_allows = v.policy_allows;
  ctx.account_allows = v.account_allows;
  return std::nullopt;
}

std::optional<S3Error> AuthorizeCopySource(const OperationContext& ctx, const std::string& bucket,
                                           const std::string& key, bool names_version) {
  const char* action = names_version ? "s3:GetObjectVersion" : "s3:GetObject";
  Verdict v = Judge(ctx, BucketPolicyEvaluator(ctx, bucket), action, true, key);
  if (v.refusal) return v.refusal;
  if (v.policy_allows) return std::nullopt;
  // What the destination's policy allowed says nothing about reading the source.
  OperationContext source_ctx = ctx;
  source_ctx.policy_allows = source_ctx.account_allows = false;
  return AuthorizeBucket(source_ctx, bucket, nullptr, BucketAccess::Read);
}

}  // namespace xs3::api
