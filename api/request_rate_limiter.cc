#include "api/request_rate_limiter.h"

#include <algorithm>
#include <functional>

namespace xs3::api {

bool RequestRateLimiter::Admit(bool directory_bucket, const std::string& bucket, const std::string& key, bool write) {
  if (!limits_.enabled) return true;
  auto own = limits_.per_bucket.find(bucket);
  bool has_own = own != limits_.per_bucket.end();
  if (directory_bucket) {
    double rate = write ? (has_own ? own->second.writes_per_s : limits_.directory_writes_per_s)
                        : (has_own ? own->second.reads_per_s : limits_.directory_reads_per_s);
    return Take((write ? "w\n" : "r\n") + bucket, rate, false);
  }
  if (!limits_.general_purpose_enabled && !has_own) return true;
  double rate = write ? (has_own ? own->second.writes_per_s : limits_.prefix_writes_per_s)
                      : (has_own ? own->second.reads_per_s : limits_.prefix_reads_per_s);
  std::string prefix = key.substr(0, key.find('/'));
  return Take((write ? "w\n" : "r\n") + bucket + "\n" + prefix, rate, true);
}

bool RequestRateLimiter::Take(const std::string& id, double base_rate, bool scale_up) {
  Shard& shard = shards_[std::hash<std::string>{}(id) % shards_.size()];
  auto now = Clock::now();
  std::lock_guard lock(shard.mu);
  auto [it, fresh] = shard.buckets.try_emplace(id);
  TokenBucket& b = it->second;
  if (fresh) {
    b.rate = base_rate;
    b.tokens = base_rate;  // one second of burst
    b.last = now;
  }
  double elapsed = std::chrono::duration<double>(now - b.last).count();
  b.last = now;
  b.tokens = std::min(b.rate, b.tokens + elapsed * b.rate);
  if (b.tokens >= 1) {
    b.tokens -= 1;
    if (b.tokens > b.rate / 2) b.under_pressure = false;
    return true;
  }
  if (scale_up) {
    if (!b.under_pressure) {
      b.under_pressure = true;
      b.pressure_since = now;
    } else if (now - b.pressure_since >= std::chrono::minutes(1) && b.rate < base_rate * 8) {
      b.rate = std::min(base_rate * 8, b.rate * 2);
      b.pressure_since = now;
    }
  }
  return false;
}

}  // namespace xs3::api
