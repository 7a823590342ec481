#pragma once
// Bucket policies of general-purpose buckets: the subset of the IAM policy language users write
// in S3 bucket policies, validated as S3's PutBucketPolicy validates it and evaluated per request.
//
// Principals name xs3 users: "*" (everyone, anonymous callers included), {"AWS": "*"}, or
// {"AWS": <one or a list>} where each entry is a user name, an IAM user ARN
// "arn:aws:iam::<account>:user/<name>" (the account id is not checked), or an account — each xs3
// user is its own account — as "arn:aws:iam::<account>:root" or the bare 12-digit id.
// Directory-bucket policies name users by name or user ARN too (auth/bucket_policy.h).
#include <functional>
#include <map>
#include <optional>
#include <set>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

#include "common/s3_error.h"

namespace xs3::auth {

struct PolicyCondition {
  std::string op;   // StringEquals, StringNotEquals, StringLike, StringNotLike, Bool, IpAddress, NotIpAddress
  std::string key;  // aws:SecureTransport, aws:SourceIp, aws:username, s3:prefix, s3:delimiter, s3:max-keys,
                    // s3express:SessionMode (identity policies); lower case
  std::vector<std::string> values;  // any one matching satisfies the condition
};

struct AccessStatement {
  bool allow = true;
  bool not_principal = false;
  bool everyone = false;               // Principal "*" or {"AWS": "*"}
  std::set<std::string> principals;    // user names
  bool not_action = false;
  std::vector<std::string> actions;    // may hold * and ? wildcards
  bool not_resource = false;
  std::vector<std::string> resources;  // ARNs, may hold * and ? wildcards
  std::vector<PolicyCondition> conditions;  // all must hold
};

struct AccessPolicy {
  std::vector<AccessStatement> statements;
};

// One request as the policy sees it. `user` is empty for anonymous callers. `context` holds the
// condition keys the request has (absent keys make positive operators fail and negated ones hold,
// as in IAM).
struct AccessRequest {
  std::string user;
  std::string action;    // "s3:GetObject"
  std::string resource;  // "arn:aws:s3:::bucket" or "arn:aws:s3:::bucket/key"
  std::map<std::string, std::string> context;
};

enum class PolicyDecision { NotApplicable, Allow, Deny };

// The user whose 12-digit account id this is, if any.
using AccountResolver = std::function<std::optional<std::string>(std::string_view account_id)>;

// Validates `json` as a policy for `bucket`. MalformedPolicy (400) with S3's messages otherwise.
// With `known_users`
// null any user name is taken: a stored policy was validated when it was put, and users deleted
// since must not make its Deny statements vanish (they simply match nobody).
std::variant<AccessPolicy, S3Error> ParseAccessPolicy(std::string_view json, const std::string& bucket,
                                                      const std::set<std::string>* known_users,
                                                      const AccountResolver& accounts);

// Validates `json` as an identity policy (IAM user policy): the same language without
// Principal/NotPrincipal (refused), Resource "*" or any S3 or S3 Express ARN, and besides the
// bucket actions s3:ListAllMyBuckets and s3express:CreateSession (with the
// s3express:SessionMode condition key). Its statements apply to whoever holds it.
std::variant<AccessPolicy, S3Error> ParseIdentityPolicy(std::string_view json);

// An explicit Deny wins over any Allow; no matching statement is NotApplicable.
PolicyDecision Evaluate(const AccessPolicy& policy, const AccessRequest& request);

// As GetBucketPolicyStatus reports it: some statement Allows everyone without a condition that
// pins callers to fixed values (an aws:SourceIp range narrower than /8).
bool IsPublic(const AccessPolicy& policy);

// IAM's glob: '*' any run of characters, '?' one character; case-sensitive.
bool WildcardMatch(std::string_view pattern, std::string_view text);

}  // namespace xs3::auth
