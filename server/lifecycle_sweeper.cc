#include "server/lifecycle_sweeper.h"

#include "api/lifecycle.h"

namespace xs3::server {

LifecycleSweeper::LifecycleSweeper(storage::Engine& engine, std::chrono::milliseconds day,
                                   std::chrono::milliseconds interval)
    : engine_(engine), day_(day), interval_(interval) {
  thread_ = std::thread([this] { Run(); });
}

LifecycleSweeper::~LifecycleSweeper() {
  {
    std::lock_guard lock(mu_);
    stop_ = true;
  }
  cv_.notify_all();
  thread_.join();
}

void LifecycleSweeper::SweepOnce() {
  auto buckets = engine_.ListBuckets();
  if (!buckets.ok()) return;
  for (auto& b : buckets.value()) {
    if (b.lifecycle.empty()) continue;
    {
      std::lock_guard lock(mu_);
      if (stop_) return;
    }
    auto now_ms = std::chrono::duration_cast<std::chrono::milliseconds>(
                      std::chrono::system_clock::now().time_since_epoch()).count();
    api::SweepLifecycle(engine_, b, now_ms, day_.count());
  }
}

void LifecycleSweeper::Run() {
  std::unique_lock lock(mu_);
  while (!stop_) {
    lock.unlock();
    SweepOnce();
    lock.lock();
    cv_.wait_for(lock, interval_, [this] { return stop_; });
  }
}

}  // namespace xs3::server
