#pragma once
// A general-purpose bucket's policy, and the caller's identity policy (IAM user policy,
// auth/user_directory.h), applied to requests.
//
// Decision order (AWS's, simplified): an explicit Deny in either refuses the request, the bucket
// owner's too; only the root user passes a bucket policy's Deny, and only for Put/Get/
// DeleteBucketPolicy, so a policy that locks everyone out can still be repaired (on AWS the
// account root user is the way back in the same way); root has no identity policy. An Allow in
// the bucket policy sets ctx.policy_allows, which AuthorizeBucket honours for the addressed
// bucket; anything else falls through to the owner, root and ACL checks the operations make.
// RestrictPublicBuckets makes a public policy grant nothing to anonymous callers.
//
// A user with an identity policy is an IAM user of the root user's account: on buckets of that
// account (the root user's and its own) an Allow in either policy grants and nothing else does
// (ctx.account_allows then admits the bucket-configuration operations too); on other users'
// buckets its identity policy must Allow as well as the bucket side granting. Users without one
// keep the older model: each is its own account, owning what it creates. On directory buckets
// its identity policy's s3express:CreateSession decides, static-key calls being judged as the
// session they would need.
#include <memory>
#include <optional>
#include <string>
#include <string_view>

#include "api/operation.h"
#include "auth/access_policy.h"

namespace xs3::api {

// Account principals resolved to users: each user is its own account (api/expected_bucket_owner.h).
auth::AccountResolver UserAccounts(const OperationContext& ctx);

// One bucket's stored policy, parsed once, judged for the calling request.
class BucketPolicyEvaluator {
 public:
  BucketPolicyEvaluator(const OperationContext& ctx, const std::string& bucket);
  bool has_policy() const { return has_policy_; }
  const std::optional<storage::BucketInfo>& bucket() const { return info_; }
  // `key` empty with object_level: the bucket's objects as a whole (arn:aws:s3:::bucket/*).
  auth::PolicyDecision Decide(std::string_view action, bool object_level, const std::string& key) const;
  const std::string& name() const { return bucket_name_; }
  bool IsPublic() const { return policy_ && auth::IsPublic(*policy_); }

 private:
  const OperationContext& ctx_;
  std::string bucket_name_;
  std::optional<storage::BucketInfo> info_;
  bool has_policy_ = false;
  std::optional<auth::AccessPolicy> policy_;  // nullopt with has_policy_: unreadable, denies all
};

// Directory buckets: for a caller with an identity policy, whether it may have a `mode` session
// on bucket `name` (`bucket` nullopt: not created yet) — s3express:CreateSession judged by its
// identity policy and the bucket's policy by the same account rules; nullopt for callers without
// one (ownership and the bucket policy decide, as before).
std::optional<bool> SessionAllowedByIdentity(const OperationContext& ctx, const std::string& name,
                                             const std::optional<storage::BucketInfo>& bucket,
                                             auth::SessionMode mode);

// Run by the service for every routed request before its operation: the refusal, if any. For
// ListBuckets, a user's identity policy must Allow s3:ListAllMyBuckets.
std::optional<S3Error> CheckBucketPolicy(OperationContext& ctx, std::string_view operation);

// One key of a request admitted for many (DeleteObjects): the refusal of `action` on `key` by
// either policy, if any.
std::optional<S3Error> CheckObjectAccess(const OperationContext& ctx, const BucketPolicyEvaluator& policy,
                                         std::string_view action, const std::string& key);

// For operations that learn who is calling, or on which key, only from the body (PostObject's
// form): the policy's decision for `action` on `key` of the addressed bucket, applied to ctx as
// CheckBucketPolicy applies it.
std::optional<S3Error> CheckObjectPolicy(OperationContext& ctx, std::string_view action, const std::string& key);

// The read side of CopyObject/UploadPartCopy: s3:GetObject (s3:GetObjectVersion when the source
// names a version) on the source key under the source bucket's policy and the caller's identity
// policy (a Deny refuses, an Allow admits as CheckBucketPolicy's), else AuthorizeBucket's owner
// checks.
std::optional<S3Error> AuthorizeCopySource(const OperationContext& ctx, const std::string& bucket,
                                           const std::string& key, bool names_version = false);

}  // namespace xs3::api
