#pragma once
// Request-rate limits as S3 applies them, answered with 503 SlowDown before an operation runs:
// - directory buckets: one read and one write token bucket per bucket (AWS defaults 200,000 and
//   100,000 per second);
// - general-purpose buckets: per prefix, where a prefix is the key up to its first '/' (S3
//   partitions by prefix), 5,500 reads and 3,500 writes per second. A prefix that keeps hitting
//   its limit is split the way S3 scales a hot prefix: each minute under pressure doubles its
//   rate, up to 8x (documented model; AWS does not publish its own).
// Token buckets live in 64 independently locked shards: no global lock on the request path.
#include <array>
#include <chrono>
#include <cstdint>
#include <mutex>
#include <string>
#include <unordered_map>

namespace xs3::api {

struct RateLimits {
  bool enabled = true;
  double directory_reads_per_s = 200000;
  double directory_writes_per_s = 100000;
  bool general_purpose_enabled = false;  // opt-in: local benchmarks would otherwise trip it
  double prefix_reads_per_s = 5500;
  double prefix_writes_per_s = 3500;
  struct PerBucket {
    double reads_per_s, writes_per_s;
  };
  std::unordered_map<std::string, PerBucket> per_bucket;  // read-only once serving: no lock
};

class RequestRateLimiter {
 public:
  explicit RequestRateLimiter(RateLimits limits) : limits_(limits) {}

  // False when the request must be answered with SlowDown.
  bool Admit(bool directory_bucket, const std::string& bucket, const std::string& key, bool write);

 private:
  using Clock = std::chrono::steady_clock;
  struct TokenBucket {
    double tokens = 0;
    double rate = 0;        // tokens per second, including hot-prefix scale-up
    Clock::time_point last;
    Clock::time_point pressure_since;  // first refusal of the current busy stretch
    bool under_pressure = false;
  };
  struct Shard {
    std::mutex mu;
    std::unordered_map<std::string, TokenBucket> buckets;
  };

  bool Take(const std::string& id, double base_rate, bool scale_up);

  RateLimits limits_;
  std::array<Shard, 64> shards_;
};

}  // namespace xs3::api
