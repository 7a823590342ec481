#pragma once
// One process per data directory. A second server on the same directory would run startup
// recovery against the first one's live files (its fresh blobs look unreferenced) and delete
// acknowledged objects, so Open() takes an exclusive lock first and holds it for the engine's
// life. flock is released by the kernel however the process ends.
#include <memory>
#include <string>

#include "storage/status.h"

namespace xs3::storage {

class DataDirLock {
 public:
  static Result<std::unique_ptr<DataDirLock>> Acquire(const std::string& data_dir);
  ~DataDirLock();
  DataDirLock(const DataDirLock&) = delete;
  DataDirLock& operator=(const DataDirLock&) = delete;

 private:
  explicit DataDirLock(int fd) : fd_(fd) {}
  int fd_;
};

}  // namespace xs3::storage
