#pragma once
// Directory-bucket policies (S3 Express): the only action is s3express:CreateSession, narrowed
// by the s3express:SessionMode condition; principals are configured users. Always private, as
// AWS keeps directory buckets: a policy granting everyone is refused.
#include <optional>
#include <set>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

#include "common/s3_error.h"

namespace xs3::auth {

struct PolicyStatement {
  bool allow = true;
  std::set<std::string> principals;  // user names
  std::set<std::string> session_modes;  // empty: any mode
};

struct BucketPolicy {
  std::vector<PolicyStatement> statements;
};

// Validates a policy document for a directory bucket. Principals may be given as the user
// name or as an IAM ARN ending in ":user/<name>" or ":root" style names resolving to a user.
std::variant<BucketPolicy, S3Error> ParseDirectoryBucketPolicy(std::string_view json,
                                                               const std::set<std::string>& known_users);

// Whether `user` may open a session of `mode` ("ReadWrite" | "ReadOnly"): an explicit Deny wins,
// then any Allow; no matching statement is a refusal.
bool PolicyAllowsSession(const BucketPolicy& policy, const std::string& user, std::string_view mode);
// Whether a statement explicitly Denies `user` a session of `mode`.
bool PolicyDeniesSession(const BucketPolicy& policy, const std::string& user, std::string_view mode);

}  // namespace xs3::auth
