#pragma once
// A general-purpose bucket's policy applied to a routed request, before its operation runs.
//
// Decision order (AWS's within one account, simplified): an explicit Deny refuses the request,
// the bucket owner's too; only the root user passes a Deny, and only for Put/Get/
// DeleteBucketPolicy, so a policy that locks everyone out can still be repaired (on AWS the
// account root user is the way back in the same way). An Allow sets ctx.policy_allows, which
// AuthorizeBucket honours for the addressed bucket; anything else falls through to the owner,
// root and ACL checks the operations make. RestrictPublicBuckets makes a public policy grant
// nothing to anonymous callers.
#include <optional>
#include <string_view>

#include "api/operation.h"

namespace xs3::api {

std::optional<S3Error> CheckBucketPolicy(OperationContext& ctx, std::string_view operation);

}  // namespace xs3::api
