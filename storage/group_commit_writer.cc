#include "storage/group_commit_writer.h"

#include <exception>

#include "storage/lmdb_env.h"

namespace xs3::storage {

namespace {
// Bounds one transaction's dirty pages (LMDB caps them) and the latency of its last caller.
constexpr size_t kMaxBatch = 1024;
}  // namespace

GroupCommitWriter::GroupCommitWriter(MDB_env* env, bool read_only) : env_(env), read_only_(read_only) {
  thread_ = std::thread([this] { Run(); });
}

GroupCommitWriter::~GroupCommitWriter() {
  {
    std::lock_guard<std::mutex> lock(mu_);
    shutdown_ = true;
  }
  cv_.notify_all();
  thread_.join();
}

void GroupCommitWriter::SetCommitHookForTest(std::function<int()> hook) {
  std::lock_guard<std::mutex> lock(mu_);
  commit_hook_ = std::move(hook);
}

size_t GroupCommitWriter::pending() {
  std::lock_guard<std::mutex> lock(mu_);
  return queue_.size();
}

Status GroupCommitWriter::Submit(Mutation mutation) {
  if (read_only_) return Status(Code::IoError, Detail::ReadOnly, "the data directory is on a read-only filesystem");
  if (stopped_.load()) return Status(Code::WritesStopped, "writes stopped after an earlier sync failure");
  std::future<Status> result;
  {
    std::lock_guard<std::mutex> lock(mu_);
    if (shutdown_) return Status(Code::IoError, "engine is shutting down");
    queue_.push_back(Pending{std::move(mutation), {}});
    result = queue_.back().done.get_future();
  }
  cv_.notify_one();
  return result.get();
}

void GroupCommitWriter::Run() {
  std::vector<Pending> batch;
  for (;;) {
    std::function<int()> hook;
    {
      std::unique_lock<std::mutex> lock(mu_);
      cv_.wait(lock, [this] { return shutdown_ || !queue_.empty(); });
      if (queue_.empty()) return;  // shutdown with nothing left
      while (!queue_.empty() && batch.size() < kMaxBatch) {
        batch.push_back(std::move(queue_.front()));
        queue_.pop_front();
      }
      hook = commit_hook_;
    }
    if (stopped_.load()) {
      for (auto& p : batch)
        p.done.set_value(Status(Code::WritesStopped, "writes stopped after an earlier sync failure"));
    } else {
      commit_hook_for_batch_ = std::move(hook);
      ApplyBatch(batch);
    }
    batch.clear();
  }
}

void GroupCommitWriter::ApplyBatch(std::vector<Pending>& batch) {
  std::vector<Status> results(batch.size());
  std::vector<std::function<void()>> on_commit;
  int rc = 0;
  // A full map (a mutation's page allocation or the commit's free-list save) aborts the whole
  // batch before anything reached the disk; the map is doubled and the batch run again.
  for (;;) {
    bool map_full = false;
    on_commit.clear();
    TakeMapFull();
    MDB_txn* parent = nullptr;
    rc = mdb_txn_begin(env_, nullptr, 0, &parent);
    if (rc != 0) {
      for (auto& p : batch) p.done.set_value(LmdbStatus(rc, "mdb_txn_begin (write)"));
      return;
    }
    for (size_t i = 0; i < batch.size() && !map_full; ++i) {
      WriteTxn child;
      rc = mdb_txn_begin(env_, parent, 0, &child.txn);
      if (rc != 0) {
        results[i] = LmdbStatus(rc, "mdb_txn_begin (nested)");
        continue;
      }
      try {
        results[i] = batch[i].mutation(child);
      } catch (const std::exception& e) {
        results[i] = Status(Code::IoError, std::string("mutation threw: ") + e.what());
      }
      if (!results[i].ok()) {
        mdb_txn_abort(child.txn);
        map_full = TakeMapFull();
        continue;
      }
      rc = mdb_txn_commit(child.txn);
      if (rc != 0) {
        results[i] = LmdbStatus(rc, "mdb_txn_commit (nested)");
        map_full = TakeMapFull();
        continue;
      }
      for (auto& f : child.on_commit) on_commit.push_back(std::move(f));
    }
    if (map_full) {
      mdb_txn_abort(parent);
      rc = MDB_MAP_FULL;
    } else {
      rc = commit_hook_for_batch_ ? commit_hook_for_batch_() : 0;
      if (rc != 0) {
        mdb_txn_abort(parent);
      } else {
        rc = mdb_txn_commit(parent);
      }
    }
    if (rc != MDB_MAP_FULL) break;
    if (Status grown = GrowMap(env_); !grown.ok()) {
      for (auto& r : results) r = grown;
      break;
    }
  }
  if (rc != 0) {
    // A full disk fails LMDB while it extends its file, before the meta page is written: the
    // commit certainly did not happen and later ones may succeed once space returns. Any other
    // failure (a failed fsync) may have lost pages the OS claimed to hold: stop for good.
    const Detail detail = DetailOfErrno(rc);
    if (detail != Detail::NoSpace && rc != MDB_MAP_FULL) stopped_.store(true);
    Status failed(Code::IoError, detail,
                  std::string("commit failed: ") + mdb_strerror(rc) +
                      (stopped_.load() ? "; writes stopped" : ""));
    for (auto& r : results) {
      if (r.ok()) r = failed;
    }
  } else {
    batches_.fetch_add(1);
    mutations_.fetch_add(batch.size());
    for (auto& f : on_commit) f();
  }
  for (size_t i = 0; i < batch.size(); ++i) batch[i].done.set_value(std::move(results[i]));
}

}  // namespace xs3::storage
