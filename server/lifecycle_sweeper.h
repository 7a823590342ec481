#pragma once
// Applies every general-purpose bucket's lifecycle rules (api/lifecycle.h) in the background:
// at start and then every sweep interval, with the configured length of a lifecycle day.
#include <chrono>
#include <condition_variable>
#include <mutex>
#include <thread>

#include "storage/engine.h"

namespace xs3::server {

class LifecycleSweeper {
 public:
  LifecycleSweeper(storage::Engine& engine, std::chrono::milliseconds day, std::chrono::milliseconds interval);
  ~LifecycleSweeper();  // stops the thread
  LifecycleSweeper(const LifecycleSweeper&) = delete;
  LifecycleSweeper& operator=(const LifecycleSweeper&) = delete;

 private:
  void Run();
  void SweepOnce();

  storage::Engine& engine_;
  std::chrono::milliseconds day_;
  std::chrono::milliseconds interval_;
  std::mutex mu_;
  std::condition_variable cv_;
  bool stop_ = false;
  std::thread thread_;
};

}  // namespace xs3::server
