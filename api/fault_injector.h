#pragma once
// Fault injection for CI: a schedule of rules, each matching a bucket, an operation and a key
// prefix (empty matches all), firing with a probability and/or a fixed number of times. Draws
// come from one generator seeded by the schedule, so a failing run replays with the same seed
// and the same request order. Set from the config file or at runtime via /_xs3/faults (root).
//
//   {"seed": 42, "rules": [{"bucket": "b", "operation": "PutObject", "prefix": "ckpt/",
//     "fault": "SlowDown" | "InternalError" | "reset" | "latency", "probability": 0.5,
//     "count": 3, "latency_ms": 100}]}
#include <atomic>
#include <cstdint>
#include <mutex>
#include <optional>
#include <random>
#include <string>
#include <string_view>
#include <vector>

namespace xs3::api {

enum class FaultKind { SlowDown, InternalError, Reset, Latency };

struct Fault {
  FaultKind kind = FaultKind::InternalError;
  double latency_ms = 0;
};

class FaultInjector {
 public:
  // Replaces the schedule (and reseeds). An error message for a malformed schedule, which then
  // changes nothing; empty text clears it.
  std::optional<std::string> SetSchedule(std::string_view json);
  std::string ScheduleJson() const;  // the rules with how often each fired

  // The fault to inject for this request, if any. Costs one relaxed load when no rule is set.
  std::optional<Fault> Draw(std::string_view operation, std::string_view bucket, std::string_view key);

 private:
  struct Rule {
    std::string bucket, operation, prefix;
    Fault fault;
    double probability = 1;
    int64_t count = -1;  // -1: unlimited
    int64_t fired = 0;
  };
  mutable std::mutex mu_;
  std::vector<Rule> rules_;
  uint64_t seed_ = 0;
  std::mt19937_64 rng_;
  std::atomic<bool> active_{false};
};

}  // namespace xs3::api
