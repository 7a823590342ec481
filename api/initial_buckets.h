#pragma once
// Buckets named in the configuration (XS3_BUCKETS) are created at start when missing, owned by
// the root user, so a CI job's server is ready without a setup step.
#include <string>

#include "config/config.h"
#include "storage/engine.h"

namespace xs3::api {

// Creates each missing bucket; an existing bucket is left as it is. Returns an error message
// for an invalid name or a zone the server does not offer, empty on success.
std::string EnsureInitialBuckets(const config::Config& config, storage::Engine& engine);

}  // namespace xs3::api
