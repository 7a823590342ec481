#pragma once
// Bucket lifecycle configuration (Put/Get/DeleteBucketLifecycleConfiguration) and the sweep that
// enforces it: current objects expire after Days or on a Date, filtered by prefix, tags and
// size (in a versioned bucket expiring adds a delete marker, as in S3); noncurrent versions are
// removed NoncurrentDays after they stopped being current (beyond NewerNoncurrentVersions), and
// a delete marker left as its key's only version with ExpiredObjectDeleteMarker; multipart
// uploads are aborted DaysAfterInitiation. There is one storage tier, so Transitions are
// accepted and stored and change nothing.
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <variant>
#include <vector>

#include "common/s3_error.h"
#include "storage/engine.h"

namespace xs3::api {

struct LifecycleRule {
  std::string id;
  bool enabled = false;
  std::string prefix;
  std::vector<std::pair<std::string, std::string>> tags;  // all must be on the object
  std::optional<uint64_t> size_greater_than;
  std::optional<uint64_t> size_less_than;
  std::optional<int64_t> expiration_days;
  std::optional<int64_t> expiration_date_s;  // midnight UTC
  std::optional<int64_t> abort_upload_days;
  std::optional<int64_t> noncurrent_days;
  std::optional<int64_t> newer_noncurrent_versions;  // noncurrent versions kept regardless of age
  bool expired_object_delete_marker = false;
};

// The document a PutBucketLifecycleConfiguration carries: MalformedXML when it is not the schema,
// InvalidArgument / InvalidRequest for the value rules S3 enforces (positive Days, Dates at
// midnight UTC, unique IDs, at least one action, no tag filter with AbortIncompleteMultipartUpload).
std::variant<std::vector<LifecycleRule>, S3Error> ParseLifecycleConfiguration(std::string_view body);

struct LifecycleSweepResult {
  uint64_t expired = 0;
  uint64_t noncurrent_expired = 0;      // noncurrent versions removed
  uint64_t delete_markers_removed = 0;  // expired object delete markers removed
  uint64_t uploads_aborted = 0;
};

// One pass over `bucket` at `now_ms`, a lifecycle "day" lasting `day_ms` (86,400,000 normally;
// tests shorten it). The bucket's stored configuration decides; none: nothing happens.
LifecycleSweepResult SweepLifecycle(storage::Engine& engine, const storage::BucketInfo& bucket, int64_t now_ms,
                                    int64_t day_ms);

}  // namespace xs3::api
