#pragma once
// x-amz-expected-bucket-owner / x-amz-source-expected-bucket-owner: a client names the account it
// believes owns the bucket (or the copy source's bucket), and S3 refuses with 403 AccessDenied
// when another account does. In xs3 each user is its own account; AccountId() is its 12-digit id
// (`xs3 user list` shows it; bucket ARNs carry it).
#include <optional>
#include <string>

#include "api/operation.h"

namespace xs3::api {

std::string AccountId(const std::string& user);

// Checked once the operation is routed, before it runs. A missing bucket is left to the
// operation (NoSuchBucket), as S3 does.
std::optional<S3Error> CheckExpectedBucketOwner(const OperationContext& ctx);

}  // namespace xs3::api
