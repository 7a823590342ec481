#pragma once
// Effective server configuration: embedded defaults, then a JSON file (--config), then XS3_*
// environment variables, then command-line flags, each overriding the last.
#include <chrono>
#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <vector>

namespace xs3::config {

struct User {
  std::string name;
  std::string access_key;
  std::string secret_key;
  std::string policy;  // identity policy (JSON text) from the file's "policy"; empty: none
};

struct Config {
  std::string address = "127.0.0.1";
  uint16_t port = 9000;
  std::string data_dir = "./data";
  std::string region = "us-east-1";
  // Virtual-host addressing: a Host of "<bucket>.<domain>" names a bucket.
  std::vector<std::string> domains = {"localhost", "s3.localhost"};
  // Availability zone ids directory buckets may be created in; empty: the region's defaults.
  std::vector<std::string> zones;
  std::chrono::seconds session_lifetime{300};
  // Multipart uploads not completed within this time are aborted and their parts freed, like
  // the usual AbortIncompleteMultipartUpload lifecycle rule. 0 keeps them forever (AWS default).
  std::chrono::seconds abort_incomplete_uploads_after{7 * 24 * 3600};  // CreateSession credentials, as AWS (tests shorten it)
  std::string durability = "fsync";  // "fsync" | "relaxed"
  size_t inline_threshold = 64 * 1024;
  // The LMDB map's initial size (virtual memory; the file grows lazily). A full map is doubled
  // at run time, so this only matters for tests that want growth early.
  size_t lmdb_map_size = size_t{64} << 30;
  std::vector<User> users = {{"root", "xs3devaccesskey", "xs3devsecretkey"}};  // users[0] is root

  // Buckets created at start when missing (CI jobs need no setup step); names ending in
  // --<zone>--x-s3 become directory buckets.
  std::vector<std::string> buckets;
  // Throwaway mode: data in a fresh directory on tmpfs, relaxed durability, removed at exit.
  bool ephemeral = false;

  // Request-rate limits answered with 503 SlowDown (api/request_rate_limiter.h).
  bool rate_limits = true;
  double directory_reads_per_s = 200000;
  double directory_writes_per_s = 100000;
  bool prefix_rate_limits = false;  // general-purpose per-prefix limits, opt-in
  double prefix_reads_per_s = 5500;
  double prefix_writes_per_s = 3500;
  // Per-bucket overrides (JSON file: "bucket_limits": {"name": {"reads_per_s": N, "writes_per_s": M}});
  // for a general-purpose bucket they are its per-prefix rates and turn its limits on.
  struct BucketLimit {
    double reads_per_s = 0;
    double writes_per_s = 0;
  };
  std::map<std::string, BucketLimit> bucket_limits;

  // S3 Express zone placement: this server's zone (empty: the first offered zone); requests to
  // directory buckets in other zones are delayed by a random time in [min, max] ms.
  std::string home_zone;
  double cross_zone_latency_min_ms = 2;
  double cross_zone_latency_max_ms = 4;
  // The server's own messages (startup, errors, shutdown): "text" or "json" (one object per line).
  std::string log_format = "text";
  // Lifecycle rules: a "day" of Expiration/AbortIncompleteMultipartUpload lasts this long (tests
  // shorten it), and the sweeper runs this often.
  std::chrono::milliseconds lifecycle_day{24 * 3600 * 1000};
  std::chrono::milliseconds lifecycle_sweep_interval{3600 * 1000};
  // Structured access log, one JSON object per request: "off", "stdout" or a file path.
  std::string access_log = "off";
  // Fault-injection schedule (JSON, see api/fault_injector.h); empty: none.
  std::string faults;

  unsigned threads = 0;  // io threads; 0 = one per core
  size_t max_connections = 4096;
  size_t max_header_bytes = 64 * 1024;
  uint64_t max_object_bytes = uint64_t{5} << 30;  // single PUT limit, as AWS
  std::chrono::seconds idle_timeout{60};
  std::chrono::seconds request_timeout{300};  // no progress on a request for this long: close
};

struct LoadResult {
  std::optional<Config> config;
  std::string error;  // set when config is empty
  bool show_help = false;
  bool show_reference = false;  // --config-reference
};

// argv/environ are read as given; tests pass their own.
LoadResult Load(int argc, const char* const* argv, const char* const* environ_vars);

// The zones directory buckets may use: configured ones, else the region's published zone ids.
std::vector<std::string> EffectiveZones(const Config& config);

std::string Usage();
// The effective config as printed at start, secrets masked unless they are the dev defaults.
std::string Describe(const Config& config);

}  // namespace xs3::config
