#pragma once
// Query parameters that every listing (ListObjects v1/v2, ListObjectVersions, ListParts,
// ListMultipartUploads) reads with the same rules and the same errors.
#include <optional>
#include <string_view>

#include "api/operation.h"

namespace xs3::api {

// max-keys, max-uploads, max-parts: absent means 1000, larger values are capped at 1000 (AWS
// answers at most 1000 entries per page), anything but an integer in [0, 2^31) is InvalidArgument.
std::optional<S3Error> ParseListingLimit(const OperationContext& ctx, std::string_view name, size_t* limit);

// encoding-type: absent, or "url" (then *url is set); anything else is InvalidArgument.
std::optional<S3Error> ParseEncodingType(const OperationContext& ctx, bool* url);

}  // namespace xs3::api
