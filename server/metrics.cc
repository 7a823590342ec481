#include "server/metrics.h"

#include <cstdio>

namespace xs3::server {

void Metrics::Histogram::Observe(double seconds) {
  size_t i = 0;
  while (i < kBounds.size() && seconds > kBounds[i]) ++i;
  buckets[i].fetch_add(1, std::memory_order_relaxed);
  count.fetch_add(1, std::memory_order_relaxed);
  sum_micros.fetch_add(static_cast<uint64_t>(seconds * 1e6), std::memory_order_relaxed);
}

void Metrics::Histogram::Render(std::string& out, std::string_view name) const {
  uint64_t cumulative = 0;
  char line[160];
  for (size_t i = 0; i <= kBounds.size(); ++i) {
    cumulative += buckets[i].load(std::memory_order_relaxed);
    if (i < kBounds.size()) {
      std::snprintf(line, sizeof line, "%.*s_bucket{le=\"%g\"} %llu\n", static_cast<int>(name.size()), name.data(),
                    kBounds[i], static_cast<unsigned long long>(cumulative));
    } else {
      std::snprintf(line, sizeof line, "%.*s_bucket{le=\"+Inf\"} %llu\n", static_cast<int>(name.size()), name.data(),
                    static_cast<unsigned long long>(cumulative));
    }
    out += line;
  }
  std::snprintf(line, sizeof line, "%.*s_sum %.6f\n%.*s_count %llu\n", static_cast<int>(name.size()), name.data(),
                static_cast<double>(sum_micros.load()) / 1e6, static_cast<int>(name.size()), name.data(),
                static_cast<unsigned long long>(count.load()));
  out += line;
}

void Metrics::RecordRequest(std::string_view operation, std::string_view bucket_type, int status, uint64_t bytes_in,
                            uint64_t bytes_out, double first_byte_seconds, double total_seconds) {
  {
    std::lock_guard lock(mu_);
    ++requests_[{std::string(operation.empty() ? "Unknown" : operation), std::string(bucket_type), status}];
  }
  bytes_in_.fetch_add(bytes_in, std::memory_order_relaxed);
  bytes_out_.fetch_add(bytes_out, std::memory_order_relaxed);
  first_byte_.Observe(first_byte_seconds);
  total_.Observe(total_seconds);
}

std::string Metrics::Render(size_t open_connections, const storage::EngineStats& engine) const {
  std::string out;
  out += "# HELP xs3_requests_total S3 requests answered, by operation, bucket type and HTTP status.\n"
         "# TYPE xs3_requests_total counter\n";
  uint64_t throttled = 0, sessions = 0;
  {
    std::lock_guard lock(mu_);
    for (auto& [key, n] : requests_) {
      out += "xs3_requests_total{operation=\"" + key.operation + "\",bucket_type=\"" + key.bucket_type +
             "\",status=\"" + std::to_string(key.status) + "\"} " + std::to_string(n) + "\n";
      if (key.status == 503) throttled += n;
      if (key.operation == "CreateSession" && key.status == 200) sessions += n;
    }
  }
  out += "# HELP xs3_sessions_created_total S3 Express sessions minted by CreateSession.\n"
         "# TYPE xs3_sessions_created_total counter\n"
         "xs3_sessions_created_total " + std::to_string(sessions) + "\n";
  out += "# HELP xs3_throttled_requests_total Requests answered 503 (SlowDown, connection cap).\n"
         "# TYPE xs3_throttled_requests_total counter\n"
         "xs3_throttled_requests_total " + std::to_string(throttled) + "\n";
  out += "# HELP xs3_request_bytes_total Request body bytes received.\n"
         "# TYPE xs3_request_bytes_total counter\n"
         "xs3_request_bytes_total " + std::to_string(bytes_in_.load()) + "\n";
  out += "# HELP xs3_response_bytes_total Response body bytes sent.\n"
         "# TYPE xs3_response_bytes_total counter\n"
         "xs3_response_bytes_total " + std::to_string(bytes_out_.load()) + "\n";
  out += "# HELP xs3_open_connections Client connections open now.\n"
         "# TYPE xs3_open_connections gauge\n"
         "xs3_open_connections " + std::to_string(open_connections) + "\n";
  out += "# HELP xs3_lmdb_map_used_bytes Metadata map pages in use.\n"
         "# TYPE xs3_lmdb_map_used_bytes gauge\n"
         "xs3_lmdb_map_used_bytes " + std::to_string(engine.map_used_bytes) + "\n"
         "# HELP xs3_lmdb_map_size_bytes Metadata map size limit.\n"
         "# TYPE xs3_lmdb_map_size_bytes gauge\n"
         "xs3_lmdb_map_size_bytes " + std::to_string(engine.map_size_bytes) + "\n"
         "# HELP xs3_group_commit_batches_total Metadata commits (one sync each with fsync durability).\n"
         "# TYPE xs3_group_commit_batches_total counter\n"
         "xs3_group_commit_batches_total " + std::to_string(engine.batches_committed) + "\n"
         "# HELP xs3_group_commit_mutations_total Writes those commits carried (mutations / batches = batch size).\n"
         "# TYPE xs3_group_commit_mutations_total counter\n"
         "xs3_group_commit_mutations_total " + std::to_string(engine.mutations_committed) + "\n"
         "# HELP xs3_writes_stopped 1 after a failed metadata commit: read-only until restart.\n"
         "# TYPE xs3_writes_stopped gauge\n"
         "xs3_writes_stopped " + std::to_string(engine.writes_stopped ? 1 : 0) + "\n";
  out += "# HELP xs3_first_byte_seconds Time from the request head to the first response byte.\n"
         "# TYPE xs3_first_byte_seconds histogram\n";
  first_byte_.Render(out, "xs3_first_byte_seconds");
  out += "# HELP xs3_request_seconds Time from the request head to the last response byte.\n"
         "# TYPE xs3_request_seconds histogram\n";
  total_.Render(out, "xs3_request_seconds");
  return out;
}

}  // namespace xs3::server
