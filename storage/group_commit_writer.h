#pragma once
// The single LMDB writer (LevelDB's DBImpl::Write leader/batch idea, with a dedicated thread).
//
// Callers Submit a mutation and block until it is durable. The writer thread takes everything
// queued, opens one write transaction, runs each mutation in its own nested transaction (so a
// mutation that fails its own check — a precondition, a missing bucket — is rolled back alone),
// commits once (one sync), then runs the mutations' on-commit actions and wakes every caller.
// If the commit fails, every mutation of the batch gets IoError and the writer stops for good:
// later Submits return WritesStopped (the page cache may have lost the data; LevelDB's rule),
// except on a full disk (Detail::NoSpace), which leaves nothing behind and may pass.
// A full LMDB map is not a failure: the batch is aborted, the map doubled (GrowMap) and the
// batch run again, so a mutation may run more than once and must depend only on its txn.
#include <lmdb.h>

#include <atomic>
#include <condition_variable>
#include <deque>
#include <functional>
#include <future>
#include <mutex>
#include <thread>
#include <vector>

#include "storage/status.h"

namespace xs3::storage {

struct WriteTxn {
  MDB_txn* txn = nullptr;
  // Run after the batch commit succeeded, on the writer thread, only if this mutation returned OK
  // (e.g. unlinking blobs the mutation unreferenced). Must not throw.
  std::vector<std::function<void()>> on_commit;
};

// Runs inside the write transaction. Returning non-OK rolls back this mutation only.
using Mutation = std::function<Status(WriteTxn&)>;

class GroupCommitWriter {
 public:
  // REQUIRES: env outlives the writer. read_only: the env is MDB_RDONLY; every Submit fails with
  // IoError / Detail::ReadOnly.
  explicit GroupCommitWriter(MDB_env* env, bool read_only = false);
  ~GroupCommitWriter();  // drains the queue, then joins
  GroupCommitWriter(const GroupCommitWriter&) = delete;
  GroupCommitWriter& operator=(const GroupCommitWriter&) = delete;

  // Blocks until the mutation is committed (or failed). Thread-safe.
  Status Submit(Mutation mutation);
  bool stopped() const { return stopped_.load(); }
  // Mutations queued and not yet taken by the writer thread.
  size_t pending();
  // Batches committed successfully so far.
  uint64_t batches_committed() const { return batches_.load(); }
  uint64_t mutations_committed() const { return mutations_.load(); }

  // Test seam: called before each batch commit; a non-zero return is treated as the commit's
  // error code (the transaction is aborted), simulating a failed fsync.
  void SetCommitHookForTest(std::function<int()> hook);

 private:
  struct Pending {
    Mutation mutation;
    std::promise<Status> done;
  };
  void Run();
  void ApplyBatch(std::vector<Pending>& batch);

  MDB_env* env_;
  const bool read_only_;
  std::mutex mu_;
  std::condition_variable cv_;
  std::deque<Pending> queue_;
  bool shutdown_ = false;
  std::atomic<bool> stopped_{false};
  std::atomic<uint64_t> mutations_{0};
  std::atomic<uint64_t> batches_{0};
  std::function<int()> commit_hook_;            // guarded by mu_
  std::function<int()> commit_hook_for_batch_;  // writer thread only
  std::thread thread_;
};

}  // namespace xs3::storage
