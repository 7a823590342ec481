#include "storage/group_commit_writer.h"

#include <doctest/doctest.h>
#include <stdlib.h>

#include <atomic>
#include <cerrno>
#include <filesystem>
#include <thread>

#include "storage/lmdb_env.h"

namespace xs3::storage {
namespace {

namespace fs = std::filesystem;

struct Fixture {
  Fixture() {
    std::string tmpl = (fs::temp_directory_path() / "xs3-gcw-XXXXXX").string();
    REQUIRE(::mkdtemp(tmpl.data()) != nullptr);
    dir = tmpl;
    auto e = LmdbEnv::Open(dir + "/meta", /*relaxed=*/true, size_t{1} << 28);
    REQUIRE(e.ok());
    env = std::move(e.value());
  }
  ~Fixture() {
    env.reset();
    std::error_code ec;
    fs::remove_all(dir, ec);
  }
  bool Has(const std::string& key) {
    auto txn = ReadTxn::Begin(env->env());
    REQUIRE(txn.ok());
    MDB_val k = ToVal(key), v;
    return mdb_get(txn->get(), env->objects(), &k, &v) == 0;
  }
  Mutation PutKey(std::string key, Status result = {}, std::atomic<int>* committed = nullptr) {
    return [this, key, result, committed](WriteTxn& t) {
      MDB_val k = ToVal(key), v = ToVal("v");
      REQUIRE(mdb_put(t.txn, env->objects(), &k, &v, 0) == 0);
      if (committed != nullptr) t.on_commit.push_back([committed] { ++*committed; });
      return result;  // a failure after writing: the write must be rolled back
    };
  }
  std::string dir;
  std::unique_ptr<LmdbEnv> env;
};

// Makes the writer's first batch hold only the first mutation, and its second batch hold the
// next `n` ones: the first commit waits until n more mutations are queued behind it.
struct TwoBatches {
  TwoBatches(GroupCommitWriter& w, size_t n, int second_commit_rc) {
    w.SetCommitHookForTest([this, &w, n, second_commit_rc] {
      if (calls++ == 0) {
        in_first = true;
        while (w.pending() < n) std::this_thread::yield();
        return 0;
      }
      return second_commit_rc;
    });
  }
  std::atomic<int> calls{0};
  std::atomic<bool> in_first{false};
};

TEST_CASE("group commit: a failing mutation is rolled back alone; the rest of its batch commits") {
  Fixture f;
  GroupCommitWriter w(f.env->env());
  TwoBatches hook(w, 3, 0);
  std::atomic<int> committed{0};
  Status sa, sb, sc, sd;
  std::thread a([&] { sa = w.Submit(f.PutKey("a")); });
  while (!hook.in_first) std::this_thread::yield();
  std::thread b([&] { sb = w.Submit(f.PutKey("b", Status(Code::PreconditionFailed, "no"), &committed)); });
  std::thread c([&] { sc = w.Submit(f.PutKey("c")); });
  std::thread d([&] { sd = w.Submit(f.PutKey("d", Status::OK(), &committed)); });
  a.join();
  b.join();
  c.join();
  d.join();
  CHECK(w.batches_committed() == 2);  // {a}, {b, c, d}
  CHECK(sa.ok());
  CHECK(sb.code() == Code::PreconditionFailed);
  CHECK(sc.ok());
  CHECK(sd.ok());
  CHECK(committed == 1);  // only d's on-commit action ran
  CHECK(f.Has("a"));
  CHECK_FALSE(f.Has("b"));
  CHECK(f.Has("c"));
  CHECK(f.Has("d"));
}

TEST_CASE("group commit: a failed commit fails its whole batch, then writes stop") {
  Fixture f;
  GroupCommitWriter w(f.env->env());
  TwoBatches hook(w, 2, EIO);
  std::atomic<int> committed{0};
  Status sa, sb, sc;
  std::thread a([&] { sa = w.Submit(f.PutKey("a")); });
  while (!hook.in_first) std::this_thread::yield();
  std::thread b([&] { sb = w.Submit(f.PutKey("b", Status(Code::PreconditionFailed, "no"))); });
  std::thread c([&] { sc = w.Submit(f.PutKey("c", Status::OK(), &committed)); });
  a.join();
  b.join();
  c.join();
  CHECK(sa.ok());
  CHECK(sb.code() == Code::PreconditionFailed);  // it wrote nothing either way
  CHECK(sc.code() == Code::IoError);
  CHECK(committed == 0);
  CHECK(w.stopped());
  CHECK(w.Submit(f.PutKey("e")).code() == Code::WritesStopped);
  CHECK(f.Has("a"));
  CHECK_FALSE(f.Has("c"));
  CHECK_FALSE(f.Has("e"));
}

TEST_CASE("group commit: a throwing mutation fails alone") {
  Fixture f;
  GroupCommitWriter w(f.env->env());
  Status s = w.Submit([](WriteTxn&) -> Status { throw std::runtime_error("boom"); });
  CHECK(s.code() == Code::IoError);
  CHECK(w.Submit(f.PutKey("x")).ok());
  CHECK(f.Has("x"));
  CHECK_FALSE(w.stopped());
}

}  // namespace
}  // namespace xs3::storage
