#pragma once
// Client tokens (x-amz-client-token) of completed requests, so a retried RenameObject answers
// as the first attempt did instead of failing on its now-missing source. In memory and bounded:
// a retry comes within seconds, not across restarts.
#include <chrono>
#include <deque>
#include <mutex>
#include <optional>
#include <string>
#include <unordered_map>

namespace xs3::api {

class IdempotencyCache {
 public:
  enum class Seen { New, SameRequest, DifferentRequest };

  // `fingerprint` identifies the request's parameters.
  Seen Check(const std::string& token, const std::string& fingerprint);
  void Remember(const std::string& token, const std::string& fingerprint);

 private:
  using Clock = std::chrono::steady_clock;
  static constexpr size_t kMaxEntries = 100000;
  static constexpr std::chrono::minutes kLifetime{10};
  struct Entry {
    std::string fingerprint;
    Clock::time_point expires;
  };
  std::mutex mu_;
  std::unordered_map<std::string, Entry> entries_;
  std::deque<std::string> order_;  // oldest first, for eviction
};

}  // namespace xs3::api
