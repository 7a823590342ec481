#pragma once
// Body files: <data_dir>/blobs/xx/yy/<id> (xx, yy = the id's first two hex pairs) and
// <data_dir>/tmp/ for bodies being written. Ids are 128-bit random, 32 lower-case hex digits.
// In Fsync mode every step that must survive a crash is fsync'd (file, then directory entry);
// in Relaxed mode nothing is.
#include <atomic>
#include <functional>
#include <memory>
#include <string>
#include <string_view>
#include <unordered_set>
#include <vector>

#include "storage/engine.h"
#include "storage/status.h"

namespace xs3::storage {

class BlobStore {
 public:
  BlobStore(std::string data_dir, bool fsync);

  // Creates blobs/ and tmp/ (data_dir must exist).
  Status Init();
  bool fsync() const { return fsync_; }
  // fsync(fd) in Fsync mode, nothing in Relaxed mode. `what` names the file in the error.
  Status Sync(int fd, const std::string& what) const;
  // Opens a directory (or file) and Syncs it.
  Status SyncPath(const std::string& path) const;
  // Test seam: replaces ::fsync (return -1 and set errno to fail). REQUIRES: no concurrent use.
  void SetFsyncForTest(std::function<int(int)> fsync_fn) { fsync_fn_ = std::move(fsync_fn); }

  static std::string NewId();
  std::string TmpPath(const std::string& id) const;
  std::string BlobPath(const std::string& id) const;

  // Moves a complete, already fsync'd (in Fsync mode) tmp file to blobs/ under `id` and makes
  // the rename durable.
  Status Publish(const std::string& tmp_path, const std::string& id);
  // Writes `data` as a new blob (tmp file, fsync, Publish) and returns its id.
  // REQUIRES: !data.empty().
  Result<std::string> WriteBlob(std::string_view data);
  // Hard-links blob src_id as dst_id (no byte copy). NoSuchKey if src_id is gone.
  Status Link(const std::string& src_id, const std::string& dst_id);
  // Unlinks a blob. A failure is only counted: the next Open() sweeps the orphan (the engine
  // leaves no clean-shutdown marker while remove_failures() > 0).
  void Remove(const std::string& id) const;
  uint64_t remove_failures() const { return remove_failures_.load(); }
  Result<std::unique_ptr<BodyReader>> OpenReader(const std::string& id, uint64_t size) const;
  // The blob opened read-only (the caller closes it). NoSuchKey if it is gone.
  Result<int> OpenFd(const std::string& id) const;

  // Recovery: empties tmp/, and removes every blob whose id is not in `referenced`.
  // Returns the number of files removed.
  Result<size_t> CleanTmp();
  Result<size_t> RemoveUnreferenced(const std::unordered_set<std::string>& referenced);

 private:
  // mkdir that fsyncs the parent when it created the directory.
  Status EnsureDir(const std::string& dir, const std::string& parent) const;

  std::string data_dir_;
  std::string blobs_dir_;
  std::string tmp_dir_;
  bool fsync_;
  std::function<int(int)> fsync_fn_;
  mutable std::atomic<uint64_t> remove_failures_{0};
};

// IoError with strerror(errno).
Status ErrnoStatus(const std::string& what);

}  // namespace xs3::storage
