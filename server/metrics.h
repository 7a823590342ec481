#pragma once
// Request metrics in Prometheus text format: requests by operation and status, latency
// histograms (to the first response byte and to the end), bytes in and out, connections.
#include <array>
#include <atomic>
#include <cstdint>
#include <map>
#include <mutex>
#include <string>
#include <string_view>
#include <utility>

#include "storage/engine.h"

namespace xs3::server {

class Metrics {
 public:
  // bucket_type: "directory", "general_purpose" or "none" (service-level requests).
  void RecordRequest(std::string_view operation, std::string_view bucket_type, int status, uint64_t bytes_in,
                     uint64_t bytes_out, double first_byte_seconds, double total_seconds);
  std::string Render(size_t open_connections, const storage::EngineStats& engine) const;

 private:
  static constexpr std::array<double, 14> kBounds = {0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05,
                                                     0.1,    0.25,  0.5,    1,     2.5,  5,     10};
  struct Histogram {
    std::array<std::atomic<uint64_t>, kBounds.size() + 1> buckets{};  // last: +Inf
    std::atomic<uint64_t> count{0};
    std::atomic<uint64_t> sum_micros{0};
    void Observe(double seconds);
    void Render(std::string& out, std::string_view name) const;
  };

  mutable std::mutex mu_;  // only the (operation, status) map; everything else is atomic
  struct Key {
    std::string operation;
    std::string bucket_type;
    int status;
    auto operator<=>(const Key&) const = default;
  };
  std::map<Key, uint64_t> requests_;
  std::atomic<uint64_t> bytes_in_{0};
  std::atomic<uint64_t> bytes_out_{0};
  Histogram first_byte_;
  Histogram total_;
};

}  // namespace xs3::server
