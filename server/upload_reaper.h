#pragma once
// Aborts multipart uploads older than the configured age, at start and then periodically, so
// abandoned parts do not hold disk forever (the AbortIncompleteMultipartUpload rule most
// buckets carry on AWS).
#include <chrono>
#include <condition_variable>
#include <mutex>
#include <thread>

#include "storage/engine.h"

namespace xs3::server {

class UploadReaper {
 public:
  // max_age 0: never abort (the thread is not started).
  UploadReaper(storage::Engine& engine, std::chrono::seconds max_age);
  ~UploadReaper();  // stops the thread
  UploadReaper(const UploadReaper&) = delete;
  UploadReaper& operator=(const UploadReaper&) = delete;

  // One pass: aborts every upload initiated more than max_age ago. Returns how many.
  size_t ReapOnce();

 private:
  void Run();

  storage::Engine& engine_;
  std::chrono::seconds max_age_;
  std::mutex mu_;
  std::condition_variable cv_;
  bool stop_ = false;
  std::thread thread_;
};

}  // namespace xs3::server
