#include "server/upload_reaper.h"

#include <algorithm>

namespace xs3::server {

UploadReaper::UploadReaper(storage::Engine& engine, std::chrono::seconds max_age) : engine_(engine), max_age_(max_age) {
  if (max_age_.count() > 0) thread_ = std::thread([this] { Run(); });
}

UploadReaper::~UploadReaper() {
  {
    std::lock_guard lock(mu_);
    stop_ = true;
  }
  cv_.notify_all();
  if (thread_.joinable()) thread_.join();
}

size_t UploadReaper::ReapOnce() {
  auto now_ms = std::chrono::duration_cast<std::chrono::milliseconds>(
                    std::chrono::system_clock::now().time_since_epoch()).count();
  int64_t cutoff = now_ms - std::chrono::duration_cast<std::chrono::milliseconds>(max_age_).count();
  size_t aborted = 0;
  auto buckets = engine_.ListBuckets();
  if (!buckets.ok()) return 0;
  for (auto& b : buckets.value()) {
    storage::ListUploadsOptions options;
    for (;;) {
      auto page = engine_.ListMultipartUploads(b.name, options);
      if (!page.ok()) break;
      for (auto& u : page->uploads) {
        options.key_marker = u.key;
        options.upload_id_marker = u.upload_id;
        if (u.initiated_ms < cutoff && engine_.AbortMultipartUpload(b.name, u.key, u.upload_id).ok()) ++aborted;
      }
      if (!page->is_truncated) break;
    }
  }
  return aborted;
}

void UploadReaper::Run() {
  // Check often enough that an upload outlives its age by at most half of it (and an hour).
  auto period = std::clamp<std::chrono::seconds>(max_age_ / 2, std::chrono::seconds(1), std::chrono::hours(1));
  std::unique_lock lock(mu_);
  while (!stop_) {
    lock.unlock();
    ReapOnce();
    lock.lock();
    cv_.wait_for(lock, period, [this] { return stop_; });
  }
}

}  // namespace xs3::server
