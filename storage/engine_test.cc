#include "storage/engine.h"
#include "storage/test_support.h"

#include <doctest/doctest.h>
#include <fcntl.h>
#include <signal.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <cerrno>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <initializer_list>
#include <map>
#include <random>
#include <set>
#include <string_view>
#include <thread>

#include "storage/engine_impl.h"
#include "storage/key_codec.h"

namespace xs3::storage {
namespace {

namespace fs = std::filesystem;

constexpr size_t kThreshold = testing::kTestInlineThreshold;

// Concatenation without `"literal" + std::string` (GCC 12 -O2 -Wrestrict false positive).
std::string Cat(std::initializer_list<std::string_view> parts) {
  std::string out;
  for (auto p : parts) out.append(p);
  return out;
}

using testing::OpenEngine;
using testing::ReadBySpans;
using testing::Spans;
using testing::TempDir;

void MakeBucket(Engine& e, const std::string& name) {
  BucketInfo b;
  b.name = name;
  b.region = "us-east-1";
  b.owner = "alice";
  REQUIRE(e.CreateBucket(b).ok());
}

std::string Pattern(size_t n, unsigned seed = 1) {
  std::string s(n, '\0');
  std::mt19937 rng(seed);
  for (auto& c : s) c = static_cast<char>(rng());
  return s;
}

Status Put(Engine& e, const std::string& bucket, const std::string& key, const std::string& body,
           const WriteConditions& c = {}, const std::string& etag = "", size_t chunk = 65536) {
  auto w = e.NewBodyWriter();
  REQUIRE(w.ok());
  for (size_t off = 0; off < body.size(); off += chunk) {
    Status s = w.value()->Append(body.data() + off, std::min(chunk, body.size() - off));
    if (!s.ok()) return s;
  }
  ObjectMeta m;
  m.etag = etag.empty() ? Cat({"etag-", std::to_string(body.size())}) : etag;
  m.content_type = "application/octet-stream";
  return e.PutObject(bucket, key, std::move(w.value()), m, c);
}

std::string ReadBody(Engine& e, const ObjectRecord& r) {
  auto reader = e.OpenBody(r);
  REQUIRE_MESSAGE(reader.ok(), reader.status().message());
  std::string out;
  char buf[100000];
  for (;;) {
    auto n = reader.value()->ReadAt(out.size(), buf, sizeof buf);
    REQUIRE(n.ok());
    if (n.value() == 0) break;
    out.append(buf, n.value());
  }
  CHECK(out.size() == reader.value()->size());
  return out;
}

std::string Get(Engine& e, const std::string& bucket, const std::string& key) {
  auto r = e.GetObject(bucket, key);
  REQUIRE_MESSAGE(r.ok(), r.status().message());
  return ReadBody(e, r.value());
}

size_t CountFiles(const std::string& dir) {
  size_t n = 0;
  for (const auto& entry : fs::recursive_directory_iterator(dir)) n += entry.is_regular_file() ? 1 : 0;
  return n;
}

std::string BlobPath(const std::string& dir, const std::string& id) {
  return dir + "/blobs/" + id.substr(0, 2) + "/" + id.substr(2, 2) + "/" + id;
}

TEST_CASE("engine: put/get/delete across the inline threshold") {
  TempDir dir;
  auto e = OpenEngine(dir.path);
  MakeBucket(*e, "b");
  for (size_t size : {size_t{0}, size_t{1}, kThreshold, kThreshold + 1, size_t{5} << 20}) {
    CAPTURE(size);
    std::string body = Pattern(size, static_cast<unsigned>(size));
    std::string key = Cat({"obj-", std::to_string(size)});
    REQUIRE(Put(*e, "b", key, body, {}, "", size > 100000 ? 300000 : 1000).ok());
    auto r = e->GetObject("b", key);
    REQUIRE(r.ok());
    CHECK(r->meta.size == size);
    CHECK(r->meta.etag == Cat({"etag-", std::to_string(size)}));
    CHECK(r->meta.content_type == "application/octet-stream");
    CHECK(r->meta.mtime_ms > 0);
    bool inline_body = size <= kThreshold;
    CHECK(r->blob_id.empty() == inline_body);
    auto reader = e->OpenBody(r.value());
    REQUIRE(reader.ok());
    Spans spans = ReadBySpans(*reader.value());
    CHECK(spans.bytes == body);
    CHECK(spans.files == (inline_body ? 0u : 1u));
    CHECK(ReadBody(*e, r.value()) == body);
    if (!inline_body) CHECK(fs::exists(BlobPath(dir.path, r->blob_id)));
    REQUIRE(e->DeleteObject("b", key).ok());
    CHECK(e->GetObject("b", key).status().code() == Code::NoSuchKey);
    if (!inline_body) CHECK_FALSE(fs::exists(BlobPath(dir.path, r->blob_id)));
  }
  CHECK(CountFiles(dir.path + "/blobs") == 0);
  CHECK(CountFiles(dir.path + "/tmp") == 0);
}

TEST_CASE("engine: a blob body is the bytes appended, whatever sizes they arrive in") {
  // Appends below and above the writer's direct-write size (64 KiB) and its gather buffer (1 MiB),
  // in every order, including the append that spills the body out of memory.
  TempDir dir;
  auto e = OpenEngine(dir.path);
  MakeBucket(*e, "b");
  constexpr size_t kKiB = 1024;
  std::vector<std::vector<size_t>> plans = {
      {kThreshold + 1},
      {256 * kKiB, 256 * kKiB, 1},
      {255 * kKiB, kKiB, 256 * kKiB - 1, 2, 1},
      {3000, 253 * kKiB, 600 * kKiB, 7, 1024 * kKiB + 3, 100},
      {1, 1, 1, 5000, 512 * kKiB, 17},
  };
  std::mt19937 rng(11);
  std::vector<size_t> random;
  for (int i = 0; i < 60; ++i) random.push_back(1 + rng() % (rng() % 2 ? 300 * kKiB : 5000));
  plans.push_back(random);
  for (size_t i = 0; i < plans.size(); ++i) {
    CAPTURE(i);
    size_t size = 0;
    for (size_t n : plans[i]) size += n;
    std::string body = Pattern(size, static_cast<unsigned>(i));
    auto w = e->NewBodyWriter();
    REQUIRE(w.ok());
    size_t off = 0;
    for (size_t n : plans[i]) {
      REQUIRE(w.value()->Append(body.data() + off, n).ok());
      off += n;
    }
    CHECK(w.value()->size() == size);
    ObjectMeta m;
    m.etag = "e";
    std::string key = "k" + std::to_string(i);
    REQUIRE(e->PutObject("b", key, std::move(w.value()), m, {}).ok());
    auto r = e->GetObject("b", key);
    REQUIRE(r.ok());
    CHECK_FALSE(r->blob_id.empty());
    CHECK(fs::file_size(BlobPath(dir.path, r->blob_id)) == size);
    CHECK(Get(*e, "b", key) == body);
  }
}

TEST_CASE("engine: caller's mtime is kept; a ReadAt past the end returns 0") {
  TempDir dir;
  auto e = OpenEngine(dir.path);
  MakeBucket(*e, "b");
  auto w = e->NewBodyWriter();
  REQUIRE(w.ok());
  REQUIRE(w.value()->Append("hello", 5).ok());
  CHECK(w.value()->size() == 5);
  ObjectMeta m;
  m.mtime_ms = 1234;
  m.user_meta = {{"color", "red"}};
  REQUIRE(e->PutObject("b", "k", std::move(w.value()), m).ok());
  auto r = e->GetObject("b", "k");
  REQUIRE(r.ok());
  CHECK(r->meta.mtime_ms == 1234);
  CHECK(r->meta.user_meta == m.user_meta);
  auto reader = e->OpenBody(r.value());
  char buf[4];
  auto n = reader.value()->ReadAt(3, buf, 4);
  REQUIRE(n.ok());
  CHECK(n.value() == 2);
  CHECK(reader.value()->ReadAt(5, buf, 4).value() == 0);
}

TEST_CASE("engine: an abandoned body writer leaves no tmp file") {
  TempDir dir;
  auto e = OpenEngine(dir.path);
  {
    auto w = e->NewBodyWriter();
    std::string big = Pattern(kThreshold * 3);
    REQUIRE(w.value()->Append(big.data(), big.size()).ok());
    CHECK(CountFiles(dir.path + "/tmp") == 1);
  }
  CHECK(CountFiles(dir.path + "/tmp") == 0);
}

TEST_CASE("engine: overwrite and delete free the old blob after the commit") {
  TempDir dir;
  auto e = OpenEngine(dir.path);
  MakeBucket(*e, "b");
  REQUIRE(Put(*e, "b", "k", Pattern(10000, 1)).ok());
  std::string first = e->GetObject("b", "k")->blob_id;
  REQUIRE(fs::exists(BlobPath(dir.path, first)));
  REQUIRE(Put(*e, "b", "k", Pattern(20000, 2)).ok());
  std::string second = e->GetObject("b", "k")->blob_id;
  CHECK(second != first);
  CHECK_FALSE(fs::exists(BlobPath(dir.path, first)));
  CHECK(fs::exists(BlobPath(dir.path, second)));
  CHECK(Get(*e, "b", "k") == Pattern(20000, 2));
  CHECK(CountFiles(dir.path + "/blobs") == 1);
  REQUIRE(Put(*e, "b", "k", "small").ok());  // blob -> inline
  CHECK(CountFiles(dir.path + "/blobs") == 0);
  CHECK(Get(*e, "b", "k") == "small");
  REQUIRE(Put(*e, "b", "k", Pattern(9000, 3)).ok());
  CHECK(CountFiles(dir.path + "/blobs") == 1);
  REQUIRE(e->DeleteObject("b", "k").ok());
  CHECK(CountFiles(dir.path + "/blobs") == 0);
  CHECK(e->DeleteObject("b", "k").ok());  // deleting a missing key is fine
}

TEST_CASE("engine: copy shares the blob via a hard link; inline bodies are copied") {
  TempDir dir;
  auto e = OpenEngine(dir.path);
  MakeBucket(*e, "src");
  MakeBucket(*e, "dst");
  std::string body = Pattern(100000, 7);
  REQUIRE(Put(*e, "src", "big", body, {}, "E1").ok());
  ObjectMeta m;
  m.content_type = "image/png";
  REQUIRE(e->CopyObject("src", "big", "dst", "copy", m).ok());
  auto s = e->GetObject("src", "big"), d = e->GetObject("dst", "copy");
  REQUIRE(s.ok());
  REQUIRE(d.ok());
  CHECK(d->blob_id != s->blob_id);
  CHECK(d->meta.size == body.size());
  CHECK(d->meta.etag == "E1");  // defaulted from the source when the caller leaves it empty
  CHECK(d->meta.content_type == "image/png");
  struct stat st1 {
  }, st2{};
  REQUIRE(::stat(BlobPath(dir.path, s->blob_id).c_str(), &st1) == 0);
  REQUIRE(::stat(BlobPath(dir.path, d->blob_id).c_str(), &st2) == 0);
  CHECK(st1.st_ino == st2.st_ino);
  CHECK(st1.st_nlink == 2);
  REQUIRE(e->DeleteObject("src", "big").ok());
  CHECK(Get(*e, "dst", "copy") == body);
  REQUIRE(::stat(BlobPath(dir.path, d->blob_id).c_str(), &st2) == 0);
  CHECK(st2.st_nlink == 1);

  REQUIRE(Put(*e, "src", "small", "tiny body").ok());
  REQUIRE(e->CopyObject("src", "small", "dst", "small-copy", {}).ok());
  CHECK(Get(*e, "dst", "small-copy") == "tiny body");

  // Copy onto itself replaces the record and frees the old link.
  REQUIRE(e->CopyObject("dst", "copy", "dst", "copy", {}).ok());
  CHECK(Get(*e, "dst", "copy") == body);
  CHECK(CountFiles(dir.path + "/blobs") == 1);

  CHECK(e->CopyObject("src", "nope", "dst", "x", {}).code() == Code::NoSuchKey);
  CHECK(e->CopyObject("nope", "big", "dst", "x", {}).code() == Code::NoSuchBucket);
  CHECK(e->CopyObject("dst", "copy", "nope", "x", {}).code() == Code::NoSuchBucket);
  CHECK(CountFiles(dir.path + "/blobs") == 1);  // the failed copy's link was removed
}

TEST_CASE("engine: write conditions If-None-Match: * and If-Match") {
  TempDir dir;
  auto e = OpenEngine(dir.path);
  MakeBucket(*e, "b");
  WriteConditions none_match;
  none_match.if_none_match_star = true;
  CHECK(Put(*e, "b", "k", "v1", none_match, "E1").ok());
  CHECK(Put(*e, "b", "k", "v2", none_match).code() == Code::PreconditionFailed);
  CHECK(Put(*e, "b", "k", Pattern(9000), none_match).code() == Code::PreconditionFailed);
  CHECK(CountFiles(dir.path + "/blobs") == 0);  // the losing blob was removed
  CHECK(Get(*e, "b", "k") == "v1");

  WriteConditions if_match;
  if_match.if_match_etag = "E2";
  CHECK(Put(*e, "b", "k", "v3", if_match).code() == Code::PreconditionFailed);
  CHECK(Put(*e, "b", "missing", "v3", if_match).code() == Code::NoSuchKey);
  if_match.if_match_etag = "E1";
  CHECK(Put(*e, "b", "k", "v4", if_match, "E4").ok());
  if_match.if_match_etag = "\"E4\"";
  CHECK(Put(*e, "b", "k", "v5", if_match, "E5").ok());
  CHECK(Get(*e, "b", "k") == "v5");

  // Conditions apply to copies too.
  CHECK(e->CopyObject("b", "k", "b", "k", {}, none_match).code() == Code::PreconditionFailed);
}

TEST_CASE("engine: concurrent conditional PUTs of one key: exactly one wins") {
  TempDir dir;
  auto e = OpenEngine(dir.path);
  MakeBucket(*e, "b");
  constexpr int kThreads = 16;
  for (int round = 0; round < 5; ++round) {
    std::string key = Cat({"race-", std::to_string(round)});
    std::atomic<int> ok{0}, failed{0}, other{0};
    std::vector<std::thread> threads;
    for (int t = 0; t < kThreads; ++t) {
      threads.emplace_back([&, t] {
        WriteConditions c;
        c.if_none_match_star = true;
        std::string body = t % 2 ? Pattern(5000, t) : Cat({"inline ", std::to_string(t)});
        Status s = Put(*e, "b", key, body, c, Cat({"E", std::to_string(t)}));
        (s.ok() ? ok : s.code() == Code::PreconditionFailed ? failed : other)++;
      });
    }
    for (auto& th : threads) th.join();
    CHECK(ok == 1);
    CHECK(failed == kThreads - 1);
    CHECK(other == 0);
  }
  CHECK(CountFiles(dir.path + "/blobs") <= 5);
}

TEST_CASE("engine: group commit: many threads writing concurrently are all visible") {
  TempDir dir;
  for (Durability d : {Durability::Relaxed, Durability::Fsync}) {
    auto e = OpenEngine(dir.path + (d == Durability::Fsync ? "/fsync" : "/relaxed"), d);
    MakeBucket(*e, "b");
    constexpr int kThreads = 24, kPerThread = 20;
    std::atomic<int> errors{0};
    std::vector<std::thread> threads;
    for (int t = 0; t < kThreads; ++t) {
      threads.emplace_back([&, t] {
        for (int i = 0; i < kPerThread; ++i) {
          std::string key = Cat({"t", std::to_string(t), "/", std::to_string(i)});
          std::string body = i % 5 == 0 ? Pattern(kThreshold + 10, t * 100 + i) : key;
          if (!Put(*e, "b", key, body).ok()) errors++;
          if (!e->GetObject("b", key).ok()) errors++;  // read-your-write on this thread
        }
      });
    }
    for (auto& th : threads) th.join();
    CHECK(errors == 0);
    ListOptions o;
    o.max_keys = 100000;
    auto l = e->ListObjects("b", o);
    REQUIRE(l.ok());
    CHECK(l->objects.size() == size_t{kThreads * kPerThread});
    CHECK(Get(*e, "b", "t3/5") == Pattern(kThreshold + 10, 305));
  }
}

TEST_CASE("engine: OpenObject during concurrent overwrites sees a whole old or new body, never an error") {
  TempDir dir;
  auto e = OpenEngine(dir.path);
  MakeBucket(*e, "b");
  std::vector<std::string> versions = {Pattern(kThreshold * 3, 1), Pattern(kThreshold * 2, 2), "inline"};
  REQUIRE(Put(*e, "b", "k", versions[0]).ok());
  std::atomic<bool> done{false};
  std::atomic<int> errors{0}, torn{0};
  std::vector<std::thread> readers;
  for (int t = 0; t < 4; ++t) {
    readers.emplace_back([&] {
      while (!done) {
        auto o = e->OpenObject("b", "k");
        if (!o.ok()) {
          errors++;
          continue;
        }
        std::string body(o->body->size(), '\0');
        auto n = o->body->ReadAt(0, body.data(), body.size());
        if (!n.ok() || n.value() != body.size() ||
            std::find(versions.begin(), versions.end(), body) == versions.end()) {
          torn++;
        }
      }
    });
  }
  for (int i = 0; i < 300; ++i) REQUIRE(Put(*e, "b", "k", versions[i % versions.size()]).ok());
  done = true;
  for (auto& th : readers) th.join();
  CHECK(errors == 0);
  CHECK(torn == 0);
  REQUIRE(e->DeleteObject("b", "k").ok());
  CHECK(e->OpenObject("b", "k").status().code() == Code::NoSuchKey);
}

TEST_CASE("engine: bucket operations and their errors") {
  TempDir dir;
  auto e = OpenEngine(dir.path);
  for (const char* name : {"zeta", "alpha", "mid", "alpha-2"}) MakeBucket(*e, name);
  BucketInfo dup;
  dup.name = "mid";
  CHECK(e->CreateBucket(dup).code() == Code::BucketExists);
  BucketInfo bad;
  bad.name = std::string(64, 'a');
  CHECK(e->CreateBucket(bad).code() == Code::InvalidArgument);

  auto list = e->ListBuckets();
  REQUIRE(list.ok());
  std::vector<std::string> names;
  for (const auto& b : list.value()) names.push_back(b.name);
  CHECK(names == std::vector<std::string>{"alpha", "alpha-2", "mid", "zeta"});
  auto got = e->GetBucket("alpha");
  REQUIRE(got.ok());
  CHECK(got->region == "us-east-1");
  CHECK(got->owner == "alice");
  CHECK(got->created_ms > 0);
  CHECK(e->GetBucket("nope").status().code() == Code::NoSuchBucket);

  CHECK(e->DeleteBucket("nope").code() == Code::NoSuchBucket);
  CHECK(Put(*e, "nope", "k", "v").code() == Code::NoSuchBucket);
  CHECK(e->GetObject("nope", "k").status().code() == Code::NoSuchBucket);
  CHECK(e->DeleteObject("nope", "k").code() == Code::NoSuchBucket);
  CHECK(e->ListObjects("nope", {}).status().code() == Code::NoSuchBucket);
  CHECK(e->GetObject("mid", "k").status().code() == Code::NoSuchKey);
  CHECK(Put(*e, "mid", "", "v").code() == Code::InvalidArgument);
  CHECK(Put(*e, "mid", std::string(1025, 'k'), "v").code() == Code::InvalidArgument);

  // A key in "alpha-2" or a long key must not make "alpha" look non-empty, and vice versa.
  REQUIRE(Put(*e, "alpha-2", "k", "v").ok());
  REQUIRE(Put(*e, "mid", std::string(1000, 'k'), "v").ok());
  CHECK(e->DeleteBucket("mid").code() == Code::BucketNotEmpty);
  CHECK(e->DeleteBucket("alpha-2").code() == Code::BucketNotEmpty);
  CHECK(e->DeleteBucket("alpha").ok());
  REQUIRE(e->DeleteObject("mid", std::string(1000, 'k')).ok());
  CHECK(e->DeleteBucket("mid").ok());
  CHECK(e->GetBucket("mid").status().code() == Code::NoSuchBucket);
  CHECK(e->ListBuckets()->size() == 2);
}

TEST_CASE("engine: data persists across reopen; recovery removes garbage only") {
  TempDir dir;
  std::string big = Pattern(50000, 9);
  std::string blob_id;
  {
    auto e = OpenEngine(dir.path, Durability::Fsync);
    MakeBucket(*e, "b");
    REQUIRE(Put(*e, "b", "small", "hello").ok());
    REQUIRE(Put(*e, "b", "big", big).ok());
    REQUIRE(Put(*e, "b", std::string(1024, 'L'), "long key").ok());
    blob_id = e->GetObject("b", "big")->blob_id;
    REQUIRE(e->CopyObject("b", "big", "b", "big-copy", {}).ok());
  }
  // Garbage a crash could leave: a tmp file and a blob nothing references.
  std::string stray_tmp = dir.path + "/tmp/0123456789abcdef0123456789abcdef";
  std::string orphan_id = "abcdef0123456789abcdef0123456789";
  std::string orphan = BlobPath(dir.path, orphan_id);
  fs::create_directories(fs::path(orphan).parent_path());
  std::ofstream(stray_tmp) << "partial";
  std::ofstream(orphan) << "orphan";
  REQUIRE(fs::exists(stray_tmp));
  REQUIRE(fs::exists(orphan));
  const std::string marker = dir.path + "/clean-shutdown";
  REQUIRE(fs::exists(marker));
  {
    // The clean close vouches that every blob is referenced: no sweep (tmp/ is emptied anyway),
    // and the marker is used up.
    auto e = OpenEngine(dir.path, Durability::Fsync);
    CHECK_FALSE(fs::exists(marker));
    CHECK_FALSE(fs::exists(stray_tmp));
    CHECK(fs::exists(orphan));
  }
  REQUIRE(fs::remove(marker));  // as after a crash

  auto e = OpenEngine(dir.path, Durability::Fsync);
  CHECK_FALSE(fs::exists(orphan));
  CHECK(fs::exists(BlobPath(dir.path, blob_id)));
  CHECK(Get(*e, "b", "small") == "hello");
  CHECK(Get(*e, "b", "big") == big);
  CHECK(Get(*e, "b", "big-copy") == big);  // both hard links are referenced and survive
  CHECK(CountFiles(dir.path + "/blobs") == 2);
  CHECK(Get(*e, "b", std::string(1024, 'L')) == "long key");
  CHECK(e->GetBucket("b")->owner == "alice");
}

TEST_CASE("engine: long keys keep their group entry small (bodies over 1 KiB become blobs)") {
  TempDir dir;
  auto e = OpenEngine(dir.path);
  MakeBucket(*e, "b");
  std::string long_key(kInlineKeyLimit + 1, 'g'), short_key = "s";
  std::string body = Pattern(2000);  // below the inline threshold
  REQUIRE(Put(*e, "b", long_key, body).ok());
  REQUIRE(Put(*e, "b", short_key, body).ok());
  CHECK_FALSE(e->GetObject("b", long_key)->blob_id.empty());
  CHECK(e->GetObject("b", short_key)->blob_id.empty());
  CHECK(Get(*e, "b", long_key) == body);
  REQUIRE(e->CopyObject("b", short_key, "b", long_key + "c", {}).ok());
  CHECK_FALSE(e->GetObject("b", long_key + "c")->blob_id.empty());
  CHECK(Get(*e, "b", long_key + "c") == body);
  CHECK(CountFiles(dir.path + "/blobs") == 2);
}

TEST_CASE("engine: a failed blob fsync fails that PUT only and leaves no file behind") {
  TempDir dir;
  auto e = OpenEngine(dir.path, Durability::Fsync);
  MakeBucket(*e, "b");
  REQUIRE(Put(*e, "b", "warm", Pattern(9000)).ok());  // fan-out dirs of later blobs may be new
  auto* impl = dynamic_cast<EngineImpl*>(e.get());
  REQUIRE(impl != nullptr);
  std::atomic<int> calls{0};
  for (int fail_at : {0, 1, 2, 3}) {  // the file, then directories (new fan-out dirs add some)
    CAPTURE(fail_at);
    calls = 0;
    impl->blobs_for_test().SetFsyncForTest([&calls, fail_at](int fd) {
      if (calls++ == fail_at) {
        errno = EIO;
        return -1;
      }
      return ::fsync(fd);
    });
    Status s = Put(*e, "b", "k", Pattern(9000, 5));
    impl->blobs_for_test().SetFsyncForTest({});
    if (calls <= fail_at) {
      CHECK(s.ok());  // this PUT needed fewer fsyncs
      REQUIRE(e->DeleteObject("b", "k").ok());
      continue;
    }
    CHECK(s.code() == Code::IoError);
    CHECK(e->GetObject("b", "k").status().code() == Code::NoSuchKey);
    CHECK(CountFiles(dir.path + "/blobs") == 1);  // only "warm"
    CHECK(CountFiles(dir.path + "/tmp") == 0);
  }
  CHECK(Put(*e, "b", "after", Pattern(9000, 6)).ok());  // a blob fsync failure does not stop writes
}

TEST_CASE("engine: a process killed mid-write leaves every acknowledged object intact") {
  TempDir dir;
  {
    auto e = OpenEngine(dir.path, Durability::Fsync);
    MakeBucket(*e, "b");
  }
  int fds[2];
  REQUIRE(::pipe(fds) == 0);
  pid_t child = ::fork();
  REQUIRE(child >= 0);
  if (child == 0) {  // writes forever, reporting each acknowledged PUT; killed by the parent
    ::close(fds[0]);
    EngineOptions o;
    o.data_dir = dir.path;
    o.inline_threshold = kThreshold;
    o.map_size = size_t{1} << 30;
    auto e = Engine::Open(o);
    if (!e.ok()) ::_exit(1);
    for (uint32_t i = 0;; ++i) {
      std::string body = Pattern(i % 3 ? kThreshold * 2 : 100, i);
      auto w = e.value()->NewBodyWriter();
      if (!w.value()->Append(body.data(), body.size()).ok()) ::_exit(1);
      // Overwrites of "k<i % 8>" and fresh keys, so old blobs are freed while we are killed.
      std::string key = i % 2 ? Cat({"k", std::to_string(i % 8)}) : Cat({"n", std::to_string(i)});
      if (!e.value()->PutObject("b", key, std::move(w.value()), ObjectMeta{}).ok()) ::_exit(1);
      if (::write(fds[1], &i, sizeof i) != sizeof i) ::_exit(1);
    }
  }
  ::close(fds[1]);
  uint32_t last = 0, got = 0;
  for (int n = 0; n < 200 && ::read(fds[0], &got, sizeof got) == sizeof got; ++n) last = got;
  ::kill(child, SIGKILL);
  int status = 0;
  ::waitpid(child, &status, 0);
  ::close(fds[0]);
  REQUIRE(WIFSIGNALED(status));

  auto e = OpenEngine(dir.path, Durability::Fsync);
  CHECK(CountFiles(dir.path + "/tmp") == 0);
  ListOptions o;
  o.max_keys = 1000000;
  auto l = e->ListObjects("b", o);
  REQUIRE(l.ok());
  size_t blobs = 0;
  for (const auto& entry : l->objects) {  // every listed object reads back whole
    auto rec = e->GetObject("b", entry.key);
    REQUIRE(rec.ok());
    blobs += rec->blob_id.empty() ? 0 : 1;
    CHECK(ReadBody(*e, rec.value()).size() == rec->meta.size);
  }
  CHECK(CountFiles(dir.path + "/blobs") == blobs);  // no orphan survived recovery
  for (uint32_t i = 0; i <= last; i += 2) {         // acknowledged fresh keys are all there, intact
    CHECK(Get(*e, "b", Cat({"n", std::to_string(i)})) == Pattern(i % 3 ? kThreshold * 2 : 100, i));
  }
}

TEST_CASE("engine: a failed commit fails the batch and stops writes until reopen") {
  TempDir dir;
  {
    auto e = OpenEngine(dir.path);
    MakeBucket(*e, "b");
    REQUIRE(Put(*e, "b", "before", "v").ok());
    auto* impl = dynamic_cast<EngineImpl*>(e.get());
    REQUIRE(impl != nullptr);
    impl->writer_for_test().SetCommitHookForTest([] { return EIO; });
    // The blob of a write whose commit outcome is unknown stays for recovery to judge.
    CHECK(Put(*e, "b", "k", Pattern(kThreshold * 2)).code() == Code::IoError);
    CHECK(CountFiles(dir.path + "/blobs") == 1);
    CHECK(Put(*e, "b", "k2", "v").code() == Code::WritesStopped);
    CHECK(Put(*e, "b", "k3", Pattern(9000)).code() == Code::WritesStopped);
    CHECK(e->DeleteObject("b", "before").code() == Code::WritesStopped);
    CHECK(Get(*e, "b", "before") == "v");  // reads still work
    CHECK(e->GetObject("b", "k").status().code() == Code::NoSuchKey);
  }
  CHECK_FALSE(fs::exists(dir.path + "/clean-shutdown"));  // so the next start sweeps
  auto e = OpenEngine(dir.path);
  CHECK(CountFiles(dir.path + "/blobs") == 0);
  CHECK(Put(*e, "b", "k", "v").ok());
}

TEST_CASE("engine: a full disk at commit fails that write only; the next one succeeds, no blob left") {
  TempDir dir;
  auto e = OpenEngine(dir.path);
  MakeBucket(*e, "b");
  auto* impl = dynamic_cast<EngineImpl*>(e.get());
  REQUIRE(impl != nullptr);
  std::atomic<int> fail{1};
  impl->writer_for_test().SetCommitHookForTest([&] { return fail.exchange(0) ? ENOSPC : 0; });
  Status s = Put(*e, "b", "big", Pattern(kThreshold * 3));
  CHECK(s.code() == Code::IoError);
  CHECK(s.detail() == Detail::NoSpace);
  CHECK(CountFiles(dir.path + "/blobs") == 0);  // certainly not committed: its blob is freed at once
  CHECK(e->GetObject("b", "big").status().code() == Code::NoSuchKey);
  CHECK_FALSE(e->Stats().writes_stopped);
  CHECK(Put(*e, "b", "big", Pattern(kThreshold * 3)).ok());
  CHECK(Get(*e, "b", "big") == Pattern(kThreshold * 3));
}

TEST_CASE("engine: a full LMDB map is doubled, not an error, with readers running") {
  TempDir dir;
  constexpr size_t kTinyMap = 256 * 1024;
  std::map<std::string, std::string> want;
  {
    EngineOptions o;
    o.data_dir = dir.path;
    o.durability = Durability::Relaxed;
    o.inline_threshold = kThreshold;
    o.map_size = kTinyMap;
    auto opened = Engine::Open(o);
    REQUIRE_MESSAGE(opened.ok(), opened.status().message());
    auto& e = *opened.value();
    MakeBucket(e, "b");
    BucketInfo d;
    d.name = "d--use1-az4--x-s3";
    d.type = BucketType::Directory;
    REQUIRE(e.CreateBucket(d).ok());
    std::atomic<bool> stop{false};
    std::atomic<int> read_errors{0};
    std::thread reader([&] {  // readers race the remap: they must neither crash nor fail
      while (!stop.load()) {
        auto r = e.GetObject("b", "w0/0");
        if (!r.ok() && r.status().code() != Code::NoSuchKey) ++read_errors;
        ListOptions lo;
        lo.max_keys = 50;
        if (!e.ListObjects("b", lo).ok()) ++read_errors;
      }
    });
    std::vector<std::thread> writers;
    std::vector<Status> failures[4];
    for (int w = 0; w < 4; ++w) {
      writers.emplace_back([&, w] {
        for (int i = 0; i < 150; ++i) {
          const std::string key = "w" + std::to_string(w) + "/" + std::to_string(i);
          Status s = Put(e, w % 2 ? d.name : "b", key, Pattern(kThreshold - i, w * 1000 + i));
          if (!s.ok()) failures[w].push_back(s);
        }
      });
    }
    for (auto& t : writers) t.join();
    stop = true;
    reader.join();
    for (int w = 0; w < 4; ++w) {
      for (const Status& s : failures[w]) FAIL_CHECK(s.message());
      for (int i = 0; i < 150; ++i) {
        want[(w % 2 ? d.name : std::string("b")) + "\n" + "w" + std::to_string(w) + "/" + std::to_string(i)] =
            Pattern(kThreshold - i, w * 1000 + i);
      }
    }
    CHECK(read_errors.load() == 0);
    CHECK(e.Stats().map_size_bytes >= 8 * kTinyMap);  // 600 x ~kThreshold bytes needed several doublings
  }
  // Reopened with the same tiny setting: LMDB keeps at least what the file uses; writes still grow it.
  EngineOptions o;
  o.data_dir = dir.path;
  o.map_size = kTinyMap;
  o.inline_threshold = kThreshold;
  auto reopened = Engine::Open(o);
  REQUIRE_MESSAGE(reopened.ok(), reopened.status().message());
  for (const auto& [bk, body] : want) {
    const size_t nl = bk.find('\n');
    CHECK(Get(*reopened.value(), bk.substr(0, nl), bk.substr(nl + 1)) == body);
  }
  CHECK(Put(*reopened.value(), "b", "after", Pattern(kThreshold * 4)).ok());
}

TEST_CASE("engine: AuditBlobs sees orphans and missing blobs; recovery removes the orphans") {
  TempDir dir;
  std::string blob_id;
  {
    auto e = OpenEngine(dir.path);
    MakeBucket(*e, "b");
    REQUIRE(Put(*e, "b", "kept", Pattern(kThreshold * 2)).ok());
    REQUIRE(Put(*e, "b", "small", "x").ok());
    auto r = e->GetObject("b", "kept");
    REQUIRE(r.ok());
    blob_id = r->blob_id;
    auto a = AuditBlobs(dir.path);  // beside the open engine
    REQUIRE_MESSAGE(a.ok(), a.status().message());
    CHECK(a->referenced == 1);
    CHECK(a->files == 1);
    CHECK(a->orphans.empty());
    CHECK(a->missing.empty());
  }
  const std::string orphan = "00112233445566778899aabbccddeeff";
  fs::create_directories(dir.path + "/blobs/00/11");
  std::ofstream(dir.path + "/blobs/00/11/" + orphan) << "lost";
  std::ofstream(dir.path + "/tmp/partial") << "half";
  REQUIRE(fs::remove(dir.path + "/clean-shutdown"));  // a crash leaves no clean-shutdown marker
  auto a = AuditBlobs(dir.path);
  REQUIRE(a.ok());
  CHECK(a->orphans == std::vector<std::string>{orphan});
  CHECK(a->tmp_files == 1);
  {
    auto e = OpenEngine(dir.path);  // recovery
  }
  a = AuditBlobs(dir.path);
  REQUIRE(a.ok());
  CHECK(a->orphans.empty());
  CHECK(a->tmp_files == 0);
  CHECK(a->files == 1);
  fs::remove(dir.path + "/blobs/" + blob_id.substr(0, 2) + "/" + blob_id.substr(2, 2) + "/" + blob_id);
  a = AuditBlobs(dir.path);
  REQUIRE(a.ok());
  CHECK(a->missing == std::vector<std::string>{blob_id});
}

// The S3 listing semantics of object_list.h, by brute force over a sorted key set.
ListResult ModelList(const std::vector<std::string>& sorted, const ListOptions& o) {
  ListResult r;
  if (o.max_keys == 0) return r;
  size_t count = 0;
  for (const auto& key : sorted) {
    if (key <= o.start_after || !key.starts_with(o.prefix)) continue;
    std::string cp;
    if (!o.delimiter.empty()) {
      size_t pos = key.find(o.delimiter, o.prefix.size());
      if (pos != std::string::npos) cp = key.substr(0, pos + o.delimiter.size());
    }
    if (!cp.empty() && (cp <= o.start_after || (!r.common_prefixes.empty() && r.common_prefixes.back() == cp))) {
      continue;
    }
    if (count == o.max_keys) {
      r.is_truncated = true;
      break;
    }
    ++count;
    if (cp.empty()) {
      r.objects.push_back(ListEntry{key, {}});
      r.next_marker = key;
    } else {
      r.common_prefixes.push_back(cp);
      r.next_marker = cp;
    }
  }
  return r;
}

std::vector<std::string> Keys(const ListResult& r) {
  std::vector<std::string> out;
  for (const auto& e : r.objects) out.push_back(e.key);
  return out;
}

void CheckSameListing(const ListResult& got, const ListResult& want) {
  REQUIRE(Keys(got) == Keys(want));
  REQUIRE(got.common_prefixes == want.common_prefixes);
  REQUIRE(got.is_truncated == want.is_truncated);
  REQUIRE(got.next_marker == want.next_marker);
}

// ~1,000 keys over a small alphabet (many shared prefixes and delimiters), a few 0xFF bytes, and
// long keys (> the LMDB inline limit) sharing long prefixes, with delimiters before and after it.
std::vector<std::string> ListingKeys() {
  std::mt19937 rng(7);
  const std::string alphabet = "ab/c";
  std::set<std::string> keys;
  while (keys.size() < 900) {
    size_t len = 1 + rng() % 8;
    std::string k;
    for (size_t i = 0; i < len; ++i) k.push_back(alphabet[rng() % alphabet.size()]);
    if (rng() % 20 == 0) k.push_back('\xff');
    keys.insert(k);
  }
  std::string long_base = Cat({"a/", std::string(kInlineKeyLimit + 20, 'x')});
  for (int i = 0; i < 100; ++i) {
    std::string k = (i % 2 ? long_base : Cat({"b/", std::string(kInlineKeyLimit - 5, 'y')}));
    size_t len = 1 + rng() % 12;
    for (size_t j = 0; j < len; ++j) k.push_back(alphabet[rng() % alphabet.size()]);
    if (i % 9 == 0) k.resize(kMaxObjectKeyLen, 'z');
    keys.insert(k);
  }
  return {keys.begin(), keys.end()};
}

TEST_CASE("engine: ListObjects matches a brute-force model (prefix, delimiter, start_after, max_keys)") {
  TempDir dir;
  auto e = OpenEngine(dir.path);
  MakeBucket(*e, "b");
  MakeBucket(*e, "b0");  // neighbours must not leak into the listing
  MakeBucket(*e, "a");
  REQUIRE(Put(*e, "b0", "a", "x").ok());
  REQUIRE(Put(*e, "a", std::string(1024, '\xff'), "x").ok());
  std::vector<std::string> keys = ListingKeys();
  for (const auto& k : keys) REQUIRE(Put(*e, "b", k, k.size() > 600 ? "long" : k).ok());

  std::mt19937 rng(11);
  auto pick = [&] { return keys[rng() % keys.size()]; };
  std::vector<std::string> prefixes = {"",
                                       "a",
                                       "a/",
                                       "b/",
                                       "ab",
                                       "c/a",
                                       "zz",
                                       Cat({"a/", std::string(100, 'x')}),
                                       Cat({"a/", std::string(kInlineKeyLimit + 20, 'x')})};
  std::vector<std::string> delimiters = {"", "/", "b", "/a", "x"};
  for (int i = 0; i < 600; ++i) {
    ListOptions o;
    o.prefix = i % 3 == 0 ? pick().substr(0, rng() % 4) : prefixes[rng() % prefixes.size()];
    o.delimiter = delimiters[rng() % delimiters.size()];
    switch (rng() % 4) {
      case 0:
        break;
      case 1:
        o.start_after = pick();
        break;
      case 2:
        o.start_after = pick().substr(0, 1 + rng() % 3);
        break;
      default:
        o.start_after = pick() + "\x01";
        break;
    }
    o.max_keys = std::vector<size_t>{0, 1, 2, 7, 50, 1000}[rng() % 6];
    CAPTURE(o.prefix);
    CAPTURE(o.delimiter);
    CAPTURE(o.start_after);
    CAPTURE(o.max_keys);
    auto got = e->ListObjects("b", o);
    REQUIRE(got.ok());
    CheckSameListing(got.value(), ModelList(keys, o));
  }
}

TEST_CASE("engine: paginating with next_marker visits every key and common prefix once") {
  TempDir dir;
  auto e = OpenEngine(dir.path);
  MakeBucket(*e, "b");
  std::vector<std::string> keys = ListingKeys();
  for (const auto& k : keys) REQUIRE(Put(*e, "b", k, "v").ok());
  for (const std::string& delimiter : {std::string(), std::string("/"), std::string("c")}) {
    for (const std::string& prefix : {std::string(), std::string("a/")}) {
      for (size_t page : {size_t{1}, size_t{3}, size_t{100}}) {
        ListOptions all;
        all.prefix = prefix;
        all.delimiter = delimiter;
        all.max_keys = 1000000;
        ListResult want = ModelList(keys, all);
        ListOptions o = all;
        o.max_keys = page;
        std::vector<std::string> objects, prefixes;
        for (int guard = 0; guard < 100000; ++guard) {
          auto got = e->ListObjects("b", o);
          REQUIRE(got.ok());
          CHECK(got->objects.size() + got->common_prefixes.size() <= page);
          for (const auto& x : got->objects) objects.push_back(x.key);
          for (const auto& x : got->common_prefixes) prefixes.push_back(x);
          if (!got->is_truncated) break;
          o.start_after = got->next_marker;
        }
        CHECK(objects == Keys(want));
        CHECK(prefixes == want.common_prefixes);
      }
    }
  }
}

TEST_CASE("engine: 1,024-byte keys sharing long prefixes list in std::sort order") {
  TempDir dir;
  auto e = OpenEngine(dir.path);
  MakeBucket(*e, "b");
  std::mt19937 rng(3);
  std::vector<std::string> keys;
  std::vector<std::string> bases = {std::string(kInlineKeyLimit, 'm'), std::string(kInlineKeyLimit - 1, 'm'),
                                    std::string(kInlineKeyLimit + 1, 'm'), std::string(300, 'm') + "n"};
  for (int i = 0; i < 400; ++i) {
    std::string k = bases[rng() % bases.size()];
    if (i % 3 == 0) {
      k.resize(1 + rng() % (kInlineKeyLimit + 3), 'm');  // short or just-over keys
    } else {
      while (k.size() < kMaxObjectKeyLen) k.push_back("mn\x01\xff"[rng() % 4]);
    }
    keys.push_back(k);
  }
  for (size_t i = 0; i < keys.size(); ++i) REQUIRE(Put(*e, "b", keys[i], std::to_string(i)).ok());
  std::vector<std::string> sorted = keys;
  std::sort(sorted.begin(), sorted.end());
  sorted.erase(std::unique(sorted.begin(), sorted.end()), sorted.end());

  ListOptions o;
  o.max_keys = 100000;
  auto l = e->ListObjects("b", o);
  REQUIRE(l.ok());
  CHECK(Keys(l.value()) == sorted);
  for (const auto& k : sorted) CHECK(e->GetObject("b", k).ok());

  // Delete every other key; the rest still lists in order and each long group stays consistent.
  std::vector<std::string> kept;
  for (size_t i = 0; i < sorted.size(); ++i) {
    if (i % 2) {
      REQUIRE(e->DeleteObject("b", sorted[i]).ok());
      CHECK(e->GetObject("b", sorted[i]).status().code() == Code::NoSuchKey);
    } else {
      kept.push_back(sorted[i]);
    }
  }
  l = e->ListObjects("b", o);
  REQUIRE(l.ok());
  CHECK(Keys(l.value()) == kept);
  o.delimiter = "n";
  o.max_keys = 5;
  CheckSameListing(e->ListObjects("b", o).value(), ModelList(kept, o));
}

}  // namespace
}  // namespace xs3::storage

namespace xs3::storage {
namespace {

TEST_CASE("a data directory serves one engine at a time") {
  char tmpl[] = "/tmp/xs3-lock-test-XXXXXX";
  std::string dir = mkdtemp(tmpl);
  EngineOptions options;
  options.data_dir = dir;
  options.durability = Durability::Relaxed;
  {
    auto first = Engine::Open(options);
    REQUIRE(first.ok());
    auto second = Engine::Open(options);
    CHECK_FALSE(second.ok());
    CHECK(second.status().message().find("in use") != std::string::npos);
  }
  auto again = Engine::Open(options);  // released with the first engine
  CHECK(again.ok());
  again = Status(Code::IoError, "closed");
  std::filesystem::remove_all(dir);
}

}  // namespace
}  // namespace xs3::storage

namespace xs3::storage {
namespace {

TEST_CASE("bucket policies are stored with the bucket and survive a reopen") {
  char tmpl[] = "/tmp/xs3-policy-test-XXXXXX";
  std::string dir = mkdtemp(tmpl);
  EngineOptions options;
  options.data_dir = dir;
  options.durability = Durability::Relaxed;
  {
    auto e = Engine::Open(options);
    REQUIRE(e.ok());
    BucketInfo b;
    b.name = "pol--use1-az4--x-s3";
    b.owner = "root";
    b.type = BucketType::Directory;
    b.zone = "use1-az4";
    REQUIRE(e.value()->CreateBucket(b).ok());
    CHECK(e.value()->GetBucket(b.name)->policy.empty());
    REQUIRE(e.value()->SetBucketPolicy(b.name, "{\"Version\":\"2012-10-17\"}").ok());
    CHECK(e.value()->SetBucketPolicy("missing-bucket", "{}").code() == Code::NoSuchBucket);
  }
  auto e = Engine::Open(options);
  REQUIRE(e.ok());
  auto b = e.value()->GetBucket("pol--use1-az4--x-s3");
  REQUIRE(b.ok());
  CHECK(b->policy == "{\"Version\":\"2012-10-17\"}");
  CHECK(b->zone == "use1-az4");
  REQUIRE(e.value()->SetBucketPolicy(b->name, "").ok());
  CHECK(e.value()->GetBucket(b->name)->policy.empty());
  e = Status(Code::IoError, "closed");
  std::filesystem::remove_all(dir);
}

}  // namespace
}  // namespace xs3::storage

namespace xs3::storage {
namespace {

TEST_CASE("UpdateObjectMeta rewrites only the record: body, ETag and mtime stay, and it survives a reopen") {
  TempDir dir;
  using Tags = std::vector<std::pair<std::string, std::string>>;
  const std::string long_key(700, 'k');  // past LMDB's key limit: its record shares a group value
  const std::string big = Pattern(kThreshold * 3);
  {
    auto e = OpenEngine(dir.path);
    MakeBucket(*e, "tags");
    REQUIRE(Put(*e, "tags", "small", "hello").ok());
    REQUIRE(Put(*e, "tags", "big", big).ok());
    REQUIRE(Put(*e, "tags", long_key, "grouped").ok());
    auto before = e->GetObject("tags", "big");
    REQUIRE(before.ok());
    for (const auto& key : {std::string("small"), std::string("big"), long_key}) {
      REQUIRE(e->UpdateObjectMeta("tags", key, [&](ObjectMeta& m) {
                  m.tags = {{"k", key.substr(0, 5)}, {"e", ""}};
                  m.etag = "not-kept";  // the engine keeps what describes the bytes
                  m.size = 1;
                }).ok());
    }
    auto after = e->GetObject("tags", "big");
    REQUIRE(after.ok());
    CHECK(after->blob_id == before->blob_id);
    CHECK(after->meta.etag == before->meta.etag);
    CHECK(after->meta.mtime_ms == before->meta.mtime_ms);
    auto tag = [](ObjectMeta& m) { m.tags = {{"a", "b"}}; };
    CHECK(e->UpdateObjectMeta("tags", "missing", tag).code() == Code::NoSuchKey);
    CHECK(e->UpdateObjectMeta("no-such-bucket", "small", tag).code() == Code::NoSuchBucket);
    WriteConditions other_etag;
    other_etag.if_match_etag = "not-the-etag";
    CHECK(e->UpdateObjectMeta("tags", "small", tag, other_etag).code() == Code::PreconditionFailed);
    CHECK(e->GetObject("tags", "missing").status().code() == Code::NoSuchKey);
  }
  auto e = OpenEngine(dir.path);
  CHECK(e->GetObject("tags", "small")->meta.tags == Tags{{"k", "small"}, {"e", ""}});
  CHECK(e->GetObject("tags", long_key)->meta.tags == Tags{{"k", "kkkkk"}, {"e", ""}});
  CHECK(Get(*e, "tags", "small") == "hello");
  CHECK(Get(*e, "tags", "big") == big);
  CHECK(Get(*e, "tags", long_key) == "grouped");
  REQUIRE(e->UpdateObjectMeta("tags", "big", [](ObjectMeta& m) {
               m.tags.clear();
               m.acl = "public-read";
             }).ok());
  CHECK(e->GetObject("tags", "big")->meta.tags.empty());
  CHECK(e->GetObject("tags", "big")->meta.acl == "public-read");
  CHECK(e->GetObject("tags", "big")->meta.size == big.size());
  // Listings carry the tags too (they decode the same record).
  auto listed = e->ListObjects("tags", {});
  REQUIRE(listed.ok());
  CHECK(listed->objects.size() == 3);
}

TEST_CASE("UpdateBucket changes the configuration, never the identity") {
  TempDir dir;
  auto e = OpenEngine(dir.path);
  MakeBucket(*e, "conf");
  REQUIRE(e->UpdateBucket("conf", [](BucketInfo& b) {
             b.tags = {{{"team", "a"}}};
             b.cors = "<CORSConfiguration/>";
             b.owner = "mallory";
           }).ok());
  auto b = e->GetBucket("conf");
  REQUIRE(b.ok());
  CHECK(b->owner == "alice");
  CHECK(b->cors == "<CORSConfiguration/>");
  REQUIRE(b->tags.has_value());
  CHECK(b->tags->at(0).second == "a");
  CHECK(e->UpdateBucket("missing", [](BucketInfo&) {}).code() == Code::NoSuchBucket);
}

TEST_CASE("engine: an engine opened without recovery leaves no clean-shutdown marker; the next start sweeps") {
  TempDir dir;
  { OpenEngine(dir.path); }
  REQUIRE(fs::remove(dir.path + "/clean-shutdown"));  // as after a crash
  const std::string orphan = dir.path + "/blobs/00/11/00112233445566778899aabbccddeeff";
  fs::create_directories(fs::path(orphan).parent_path());
  std::ofstream(orphan) << "lost";
  {
    EngineOptions options;
    options.data_dir = dir.path;
    options.recovery = EngineOptions::Recovery::Skip;  // how `xs3 fsck` reports
    auto e = Engine::Open(options);
    REQUIRE(e.ok());
  }
  CHECK_FALSE(fs::exists(dir.path + "/clean-shutdown"));
  CHECK(fs::exists(orphan));
  { OpenEngine(dir.path); }
  CHECK_FALSE(fs::exists(orphan));
  CHECK(fs::exists(dir.path + "/clean-shutdown"));
}

}  // namespace
}  // namespace xs3::storage
