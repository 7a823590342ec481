#pragma once
// Buckets named in the configuration (XS3_BUCKETS) are created at start when missing, owned by
// the root user, so a CI job's server is ready without a setup step.
#include <optional>
#include <string>

#include "config/config.h"
#include "storage/engine.h"

namespace xs3::api {

// The bucket `name` as the server would create it for `owner`: a directory bucket when the name
// ends in --<zone>--x-s3 (the zone must be offered), else a general-purpose bucket. nullopt with
// *error set for an invalid name or zone.
std::optional<storage::BucketInfo> BucketInfoFor(const config::Config& config, const std::string& name,
                                                 const std::string& owner, std::string* error);

// Creates each missing bucket; an existing bucket is left as it is. Returns an error message
// for an invalid name or a zone the server does not offer, empty on success.
std::string EnsureInitialBuckets(const config::Config& config, storage::Engine& engine);

}  // namespace xs3::api
