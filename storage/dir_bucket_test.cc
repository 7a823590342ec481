// Directory buckets: hierarchical index, walk-order listings, append, rename, extents.
#include <doctest/doctest.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <barrier>
#include <atomic>
#include <filesystem>
#include <fstream>
#include <map>
#include <random>
#include <set>
#include <string_view>
#include <thread>

#include "storage/dir_index.h"
#include "storage/engine.h"
#include "storage/test_support.h"
#include "storage/key_codec.h"

namespace xs3::storage {
namespace {

namespace fs = std::filesystem;

constexpr size_t kThreshold = testing::kTestInlineThreshold;

using testing::OpenEngine;
using testing::ReadBySpans;
using testing::Spans;
using testing::TempDir;

void MakeBucket(Engine& e, const std::string& name, BucketType type = BucketType::Directory) {
  BucketInfo b;
  b.name = name;
  b.region = "us-east-1";
  b.owner = "alice";
  b.type = type;
  b.zone = "use1-az4";
  REQUIRE(e.CreateBucket(b).ok());
}

std::string Pattern(size_t n, unsigned seed = 1) {
  std::string s(n, '\0');
  std::mt19937 rng(seed);
  for (auto& c : s) c = static_cast<char>(rng());
  return s;
}

std::unique_ptr<BodyWriter> Writer(Engine& e, std::string_view body) {
  auto w = e.NewBodyWriter();
  REQUIRE(w.ok());
  for (size_t off = 0; off < body.size(); off += 1000) {
    REQUIRE(w.value()->Append(body.data() + off, std::min<size_t>(1000, body.size() - off)).ok());
  }
  return std::move(w.value());
}

Status Put(Engine& e, const std::string& bucket, const std::string& key, const std::string& body,
           const WriteConditions& c = {}) {
  ObjectMeta m;
  m.etag = "etag-" + std::to_string(body.size());
  return e.PutObject(bucket, key, Writer(e, body), m, c);
}

Status Append(Engine& e, const std::string& bucket, const std::string& key, uint64_t offset, const std::string& body,
              const std::string& etag = "") {
  ObjectMeta m;
  m.etag = etag;
  return e.AppendObject(bucket, key, offset, Writer(e, body), m);
}

std::string ReadAll(const BodyReader& r) {
  std::string out;
  char buf[7000];
  for (;;) {
    auto n = r.ReadAt(out.size(), buf, sizeof buf);
    REQUIRE_MESSAGE(n.ok(), n.status().message());
    if (n.value() == 0) break;
    out.append(buf, n.value());
  }
  CHECK(out.size() == r.size());
  return out;
}

std::string Get(Engine& e, const std::string& bucket, const std::string& key) {
  auto o = e.OpenObject(bucket, key);
  REQUIRE_MESSAGE(o.ok(), o.status().message());
  CHECK(o->record.meta.size == o->body->size());
  return ReadAll(*o->body);
}

size_t CountFiles(const std::string& dir) {
  size_t n = 0;
  for (const auto& entry : fs::recursive_directory_iterator(dir)) n += entry.is_regular_file() ? 1 : 0;
  return n;
}

std::vector<std::string> BlobFiles(const std::string& dir) {
  std::vector<std::string> out;
  for (const auto& entry : fs::recursive_directory_iterator(dir + "/blobs")) {
    if (entry.is_regular_file()) out.push_back(entry.path().filename().string());
  }
  std::sort(out.begin(), out.end());
  return out;
}

std::vector<std::string> Keys(const ListResult& r) {
  std::vector<std::string> out;
  for (const auto& o : r.objects) out.push_back(o.key);
  return out;
}

Result<ListResult> List(Engine& e, const std::string& bucket, const std::string& prefix,
                        const std::string& delimiter = "", const std::string& start_after = "", size_t max_keys = 1000) {
  ListOptions o;
  o.prefix = prefix;
  o.delimiter = delimiter;
  o.start_after = start_after;
  o.max_keys = max_keys;
  return e.ListObjects(bucket, o);
}

bool IsPathConflict(const Status& s) { return s.code() == Code::InvalidArgument && s.detail() == Detail::PathConflict; }

// ---- The model: directory-bucket walk order = keys compared by '/'-split component lists ----

std::vector<std::string> Components(std::string_view key) {
  std::vector<std::string> out;
  size_t start = 0;
  for (;;) {
    size_t pos = key.find('/', start);
    if (pos == std::string_view::npos) {
      out.emplace_back(key.substr(start));
      return out;
    }
    out.emplace_back(key.substr(start, pos - start));
    start = pos + 1;
  }
}

bool WalkLess(const std::string& a, const std::string& b) { return Components(a) < Components(b); }

TEST_CASE("dir bucket: put/get/delete; parent directories appear and vanish with their last entry") {
  TempDir dir;
  auto e = OpenEngine(dir.path);
  MakeBucket(*e, "d");
  REQUIRE(Put(*e, "d", "a/b/c/x.txt", "x").ok());
  REQUIRE(Put(*e, "d", "a/b/y.txt", std::string(10000, 'y')).ok());
  CHECK(Get(*e, "d", "a/b/c/x.txt") == "x");
  CHECK(Get(*e, "d", "a/b/y.txt") == std::string(10000, 'y'));
  CHECK(e->GetObject("d", "a/b").status().code() == Code::NoSuchKey);  // a directory, not an object
  CHECK(e->GetObject("d", "a/b/").status().code() == Code::NoSuchKey);
  CHECK(e->GetObject("d", "a/b/c/x.txt/z").status().code() == Code::NoSuchKey);
  auto top = List(*e, "d", "", "/");
  REQUIRE(top.ok());
  CHECK(top->common_prefixes == std::vector<std::string>{"a/"});
  CHECK(e->DeleteBucket("d").code() == Code::BucketNotEmpty);

  // Deleting a directory's name is a no-op (no such object), like any missing key.
  CHECK(e->DeleteObject("d", "a/b").ok());
  CHECK(Get(*e, "d", "a/b/y.txt").size() == 10000);

  REQUIRE(e->DeleteObject("d", "a/b/c/x.txt").ok());
  auto ab = List(*e, "d", "a/b/", "/");
  REQUIRE(ab.ok());
  CHECK(ab->common_prefixes.empty());  // c/ went away with its last entry
  CHECK(Keys(ab.value()) == std::vector<std::string>{"a/b/y.txt"});
  REQUIRE(e->DeleteObject("d", "a/b/y.txt").ok());
  auto all = List(*e, "d", "");
  REQUIRE(all.ok());
  CHECK(all->objects.empty());
  CHECK(all->common_prefixes.empty());
  CHECK(CountFiles(dir.path + "/blobs") == 0);
  // Every directory is gone, so the bucket is empty.
  CHECK(e->DeleteBucket("d").ok());
}

TEST_CASE("dir bucket: an object and a directory cannot share a path; empty components are names (folder markers)") {
  TempDir dir;
  auto e = OpenEngine(dir.path);
  MakeBucket(*e, "d");
  REQUIRE(Put(*e, "d", "a", "object a").ok());
  Status s = Put(*e, "d", "a/b", "under a");
  CHECK(IsPathConflict(s));
  CHECK(s.message().find("\"a\"") != std::string::npos);
  CHECK(IsPathConflict(Put(*e, "d", "a/b/c", "deeper")));
  REQUIRE(Put(*e, "d", "x/y/z", "z").ok());
  CHECK(IsPathConflict(Put(*e, "d", "x/y", "dir x/y")));
  CHECK(IsPathConflict(Put(*e, "d", "x", "dir x")));
  CHECK(IsPathConflict(e->CopyObject("d", "a", "d", "x/y", {})));
  CHECK(IsPathConflict(Put(*e, "d", "a/", "marker under object a")));
  // Empty components are names like any other: "p/" is the folder marker (object "") of "p".
  REQUIRE(Put(*e, "d", "p/", "marker").ok());
  REQUIRE(Put(*e, "d", "p/q", "q").ok());
  REQUIRE(Put(*e, "d", "/lead", "leading slash").ok());
  REQUIRE(Put(*e, "d", "m//n", "double slash").ok());
  REQUIRE(Put(*e, "d", "/", "just a slash").ok());
  CHECK(IsPathConflict(Put(*e, "d", "p//q", "p/ is an object, so p/<empty>/ cannot be a directory")));
  CHECK(IsPathConflict(Put(*e, "d", "m/", "m/<empty> is a directory")));
  CHECK(Get(*e, "d", "p/") == "marker");
  CHECK(Get(*e, "d", "/lead") == "leading slash");
  CHECK(Get(*e, "d", "m//n") == "double slash");
  CHECK(Get(*e, "d", "/") == "just a slash");
  CHECK(e->GetObject("d", "m/").status().code() == Code::NoSuchKey);  // a directory
  auto p = List(*e, "d", "p/", "/");
  REQUIRE(p.ok());
  CHECK(Keys(p.value()) == std::vector<std::string>{"p/", "p/q"});  // the marker first
  auto m = List(*e, "d", "m/", "/");
  REQUIRE(m.ok());
  CHECK(m->common_prefixes == std::vector<std::string>{"m//"});
  auto root = List(*e, "d", "/", "/");
  REQUIRE(root.ok());
  CHECK(Keys(root.value()) == std::vector<std::string>{"/", "/lead"});
  // The marker keeps its directory alive; deleting the last entry removes it.
  REQUIRE(e->DeleteObject("d", "p/q").ok());
  CHECK(Get(*e, "d", "p/") == "marker");
  REQUIRE(e->DeleteObject("d", "p/").ok());
  for (std::string k : {"/lead", "m//n", "/"}) REQUIRE(e->DeleteObject("d", k).ok());
  CHECK(e->RenameObject("d", "a", "a2/").code() == Code::InvalidArgument);  // AWS: not for keys ending in '/'
  // A failed PUT leaves nothing behind: no directories, no blob.
  CHECK(IsPathConflict(Put(*e, "d", "a/big", std::string(20000, 'b'))));
  CHECK(CountFiles(dir.path + "/blobs") == 0);
  auto top = List(*e, "d", "", "/");
  REQUIRE(top.ok());
  CHECK(Keys(top.value()) == std::vector<std::string>{"a"});
  CHECK(top->common_prefixes == std::vector<std::string>{"x/"});  // p/, m/ and the root's "" are gone
  // Conditions are evaluated before the path check.
  WriteConditions c;
  c.if_none_match_star = true;
  CHECK(Put(*e, "d", "a", "again", c).code() == Code::PreconditionFailed);
  // Once the object is gone its name may become a directory, and vice versa.
  REQUIRE(e->DeleteObject("d", "a").ok());
  CHECK(Put(*e, "d", "a/b", "now fine").ok());
  REQUIRE(e->DeleteObject("d", "x/y/z").ok());
  CHECK(Put(*e, "d", "x", "x is an object now").ok());
  // General-purpose buckets keep their flat semantics.
  MakeBucket(*e, "g", BucketType::GeneralPurpose);
  CHECK(Put(*e, "g", "a", "1").ok());
  CHECK(Put(*e, "g", "a/b", "2").ok());
  CHECK(Put(*e, "g", "a/", "3").ok());
  CHECK(Put(*e, "g", "a//b", "4").ok());
  CHECK(Get(*e, "g", "a") == "1");
}

TEST_CASE("dir bucket: 1,024-byte path components and long names sharing their first 430 bytes") {
  TempDir dir;
  auto e = OpenEngine(dir.path);
  MakeBucket(*e, "d");
  std::string n1024(1024, 'n');
  std::string common(kDirNameInlineLimit, 'c');
  std::vector<std::string> keys = {n1024,
                                   common,                            // exactly L: inline entry
                                   common + "a",                      // L + 1: grouped
                                   common + std::string(500, 'b'),    // grouped, same group
                                   common + std::string(1, '\0'),     // sorts right after `common`
                                   std::string(511, 'z') + "/" + std::string(512, 'y'),
                                   std::string(511, 'z') + "/" + std::string(512, 'x'),
                                   "k/" + std::string(1022, 'k').substr(0, 1022)};
  for (size_t i = 0; i < keys.size(); ++i) {
    REQUIRE(keys[i].size() <= 1024);
    REQUIRE_MESSAGE(Put(*e, "d", keys[i], "body" + std::to_string(i)).ok(), i);
  }
  for (size_t i = 0; i < keys.size(); ++i) CHECK(Get(*e, "d", keys[i]) == "body" + std::to_string(i));
  std::vector<std::string> model = keys;
  std::sort(model.begin(), model.end(), WalkLess);
  for (size_t page : {size_t{1}, size_t{2}, size_t{1000}}) {
    std::vector<std::string> got;
    std::string token;
    for (;;) {
      auto r = List(*e, "d", "", "", token, page);
      REQUIRE(r.ok());
      for (auto& k : Keys(r.value())) got.push_back(k);
      if (!r->is_truncated) break;
      token = r->next_marker;
    }
    CHECK(got == model);
  }
  // A long name is a directory as well.
  auto z = List(*e, "d", std::string(511, 'z') + "/", "/");
  REQUIRE(z.ok());
  CHECK(z->objects.size() == 2);
  CHECK(z->objects[0].key == std::string(511, 'z') + "/" + std::string(512, 'x'));
  // Bodies over 1 KiB of a grouped name become blobs (the group value stays small).
  REQUIRE(Put(*e, "d", common + "big", std::string(3000, 'g')).ok());
  CHECK_FALSE(e->GetObject("d", common + "big")->blob_id.empty());
  for (const auto& k : keys) REQUIRE(e->DeleteObject("d", k).ok());
  REQUIRE(e->DeleteObject("d", common + "big").ok());
  CHECK(e->DeleteBucket("d").ok());
}

TEST_CASE("dir bucket: the longest bucket name with the longest names stays under LMDB's key limit") {
  TempDir dir;
  auto e = OpenEngine(dir.path);
  std::string bucket(kMaxBucketNameLen, 'b');
  MakeBucket(*e, bucket);
  for (size_t n : {kDirNameInlineLimit, kDirNameInlineLimit + 1, size_t{1022}, size_t{1024}}) {
    std::string key(n, 'k');
    if (n == 1022) key = "d/" + std::string(1020, 'k');
    REQUIRE_MESSAGE(Put(*e, bucket, key, "v").ok(), n);
    CHECK(Get(*e, bucket, key) == "v");
  }
  auto r = e->ListObjects(bucket, ListOptions{});
  REQUIRE(r.ok());
  CHECK(r->objects.size() == 4);
}

// A random tree at least 4 levels deep; names chosen so that walk order differs from byte
// order ("a" vs "a.txt" vs "a-b"), plus some long names.
struct Tree {
  std::set<std::string> objects;
  std::set<std::string> dirs;  // "a/", "a/b/"
  bool Conflicts(const std::string& key) const {
    if (dirs.count(key + "/")) return true;
    for (size_t pos = key.find('/'); pos != std::string::npos; pos = key.find('/', pos + 1)) {
      if (objects.count(key.substr(0, pos))) return true;
    }
    return false;
  }
  void Add(const std::string& key) {
    objects.insert(key);
    for (size_t pos = key.find('/'); pos != std::string::npos; pos = key.find('/', pos + 1)) {
      dirs.insert(key.substr(0, pos + 1));
    }
  }
  std::vector<std::string> Walk(const std::string& prefix) const {
    std::vector<std::string> out;
    for (const auto& k : objects) {
      if (k.starts_with(prefix)) out.push_back(k);
    }
    std::sort(out.begin(), out.end(), WalkLess);
    return out;
  }
  // One directory's children in name order, keys ("O:" + key) and common prefixes ("P:" + cp)
  // interleaved.
  std::vector<std::string> Children(const std::string& dir) const {
    std::map<std::string, std::string> by_name;
    for (const auto& k : objects) {
      if (!k.starts_with(dir)) continue;
      size_t slash = k.find('/', dir.size());
      if (slash == std::string::npos) {
        by_name[k.substr(dir.size())] = "O:" + k;
      } else {
        by_name[k.substr(dir.size(), slash - dir.size())] = "P:" + k.substr(0, slash + 1);
      }
    }
    std::vector<std::string> out;
    for (auto& [name, item] : by_name) out.push_back(item);
    return out;
  }
};

std::string RandomName(std::mt19937& rng) {
  static const char* kNames[] = {"a", "a.txt", "a-b", "a0", "b", "ab", "d", "d.x", "e", "zz", "A", "\x7f", ""};
  std::string n = kNames[rng() % std::size(kNames)];
  if (!n.empty() && rng() % 3 == 0) n += std::to_string(rng() % 20);
  if (rng() % 200 == 0) n = std::string(kDirNameInlineLimit, 'L') + std::to_string(rng() % 50);
  return n;
}

// Pages through a listing; returns the items in order (objects and common prefixes as tokens
// would see them: with page size 1 each page holds one item).
std::vector<std::string> Paginate(Engine& e, const std::string& prefix, const std::string& delimiter, size_t page,
                                  size_t* pages = nullptr) {
  std::vector<std::string> got;
  std::string token;
  size_t n = 0;
  for (;;) {
    auto r = List(e, "d", prefix, delimiter, token, page);
    REQUIRE_MESSAGE(r.ok(), r.status().message());
    ++n;
    REQUIRE(r->objects.size() + r->common_prefixes.size() <= page);
    // Objects and common prefixes of one page are returned apart: with page size 1 the
    // sequence shows how they interleave.
    for (auto& k : Keys(r.value())) got.push_back(delimiter.empty() ? k : "O:" + k);
    for (auto& cp : r->common_prefixes) got.push_back("P:" + cp);
    if (!r->is_truncated) break;
    REQUIRE(r->objects.size() + r->common_prefixes.size() == page);
    REQUIRE(!r->next_marker.empty());
    token = r->next_marker;
  }
  if (pages) *pages = n;
  return got;
}

TEST_CASE("dir bucket: listings match the walk-order model on a 10,000-object tree, 4+ levels deep") {
  TempDir dir;
  auto e = OpenEngine(dir.path);
  MakeBucket(*e, "d");
  std::mt19937 rng(42);
  Tree tree;
  size_t conflicts = 0;
  while (tree.objects.size() < 10000) {
    size_t depth = 1 + rng() % 6;
    std::string key;
    for (size_t i = 0; i < depth; ++i) key += (i ? "/" : "") + RandomName(rng);
    if (key.empty() || key.size() > kMaxObjectKeyLen || tree.objects.count(key)) continue;
    Status s = Put(*e, "d", key, std::to_string(tree.objects.size()));
    if (tree.Conflicts(key)) {
      CHECK_MESSAGE(IsPathConflict(s), key);
      ++conflicts;
      continue;
    }
    REQUIRE_MESSAGE(s.ok(), std::string(key + ": " + s.message()));
    tree.Add(key);
  }
  CHECK(conflicts > 0);
  size_t max_depth = 0;
  for (const auto& k : tree.objects) max_depth = std::max(max_depth, Components(k).size());
  CHECK(max_depth >= 4);
  {  // the model really differs from byte order (so the test can tell the two apart)
    std::vector<std::string> walk = tree.Walk(""), bytes(tree.objects.begin(), tree.objects.end());
    CHECK(walk != bytes);
  }

  SUBCASE("whole-bucket walk, several page sizes: every object exactly once, in walk order") {
    std::vector<std::string> model = tree.Walk("");
    for (size_t page : {size_t{1000}, size_t{1}, size_t{7}, size_t{333}, size_t{10000}, size_t{20000}}) {
      size_t pages = 0;
      CHECK_MESSAGE(Paginate(*e, "", "", page, &pages) == model, page);
      CHECK(pages == std::max<size_t>(1, (model.size() + page - 1) / page));
    }
  }
  SUBCASE("delimiter listings of every directory, page sizes 1, 3 and 1000") {
    std::vector<std::string> dirs(tree.dirs.begin(), tree.dirs.end());
    dirs.push_back("");
    for (size_t i = 0; i < dirs.size(); i += 1 + dirs.size() / 150) {  // a sample of ~150 directories
      std::vector<std::string> model = tree.Children(dirs[i]);
      CHECK_MESSAGE(Paginate(*e, dirs[i], "/", 1) == model, dirs[i]);
      auto r = List(*e, "d", dirs[i], "/");
      REQUIRE(r.ok());
      std::vector<std::string> objs, cps;
      for (const auto& m : model) (m.starts_with("P:") ? cps : objs).push_back(m.substr(2));
      CHECK(Keys(r.value()) == objs);
      CHECK(r->common_prefixes == cps);
      std::vector<std::string> got3 = Paginate(*e, dirs[i], "/", 3);
      std::sort(got3.begin(), got3.end());
      std::vector<std::string> sorted_model = model;
      std::sort(sorted_model.begin(), sorted_model.end());
      CHECK(got3 == sorted_model);
    }
  }
  SUBCASE("prefixes that end inside a name, and subtree walks") {
    for (std::string prefix : {"a", "a.", "a/a", "d/", "d/a", "a/b/", "zz/a0/", "L", "nothing/", "a.txt/a-b", "A", "/",
                               "a//", "a/", "b/d"}) {
      std::vector<std::string> model = tree.Walk(prefix);
      CHECK_MESSAGE(Paginate(*e, prefix, "", 1000) == model, prefix);
      CHECK_MESSAGE(Paginate(*e, prefix, "", 5) == model, prefix);
    }
    // With a delimiter as well (AWS rejects this; the engine answers like a GP bucket would).
    auto r = List(*e, "d", "a/a", "/");
    REQUIRE(r.ok());
    for (const auto& k : Keys(r.value())) CHECK(k.starts_with("a/a"));
    for (const auto& cp : r->common_prefixes) CHECK(cp.starts_with("a/a"));
  }
  SUBCASE("resuming after a position whose object (and directories) were deleted meanwhile") {
    std::vector<std::string> model = tree.Walk("");
    std::vector<std::string> got;
    std::string token;
    for (;;) {
      auto r = List(*e, "d", "", "", token, 97);
      REQUIRE(r.ok());
      for (auto& k : Keys(r.value())) got.push_back(k);
      if (!r->is_truncated) break;
      token = r->next_marker;
      REQUIRE(e->DeleteObject("d", token).ok());  // may remove whole directories
    }
    CHECK(got == model);
  }
  SUBCASE("position tokens from outside the listed directory") {
    std::vector<std::string> sub = tree.Walk("a/");
    REQUIRE(!sub.empty());
    auto before = List(*e, "d", "a/", "", "A/zzz");  // "A" < "a": before the whole subtree
    REQUIRE(before.ok());
    CHECK(Keys(before.value()) == std::vector<std::string>(sub.begin(), sub.begin() + std::min<size_t>(1000, sub.size())));
    auto after = List(*e, "d", "a/", "", "b");  // after it
    REQUIRE(after.ok());
    CHECK(after->objects.empty());
    // "a/" reads as the key of a's folder marker, the first position inside a.
    std::vector<std::string> rest;
    for (const auto& k : sub) {
      if (k != "a/" && rest.size() < 1000) rest.push_back(k);
    }
    auto inside = List(*e, "d", "a/", "", "a/");
    REQUIRE(inside.ok());
    CHECK(Keys(inside.value()) == rest);
    CHECK(List(*e, "d", "", "x").status().code() == Code::InvalidArgument);  // delimiter must be "/"
    auto zero = List(*e, "d", "", "", "", 0);
    REQUIRE(zero.ok());
    CHECK_FALSE(zero->is_truncated);
  }
}

TEST_CASE("dir bucket: copies across bucket kinds; recovery keeps blobs of hierarchical records") {
  TempDir dir;
  std::string big = Pattern(20000, 2);
  {
    auto e = OpenEngine(dir.path, Durability::Fsync);
    MakeBucket(*e, "d");
    MakeBucket(*e, "g", BucketType::GeneralPurpose);
    REQUIRE(Put(*e, "g", "src/big", big).ok());
    REQUIRE(e->CopyObject("g", "src/big", "d", "x/y/big", {}).ok());
    REQUIRE(e->CopyObject("d", "x/y/big", "g", "back", {}).ok());
    REQUIRE(Put(*e, "d", "x/" + std::string(1000, 'n'), big).ok());
    REQUIRE(e->DeleteObject("g", "src/big").ok());
    CHECK(BlobFiles(dir.path).size() == 3);
  }
  std::string orphan = dir.path + "/blobs/00/11/00110000000000000000000000000000";
  fs::create_directories(fs::path(orphan).parent_path());
  std::ofstream(orphan) << "orphan";
  REQUIRE(fs::remove(dir.path + "/clean-shutdown"));  // a crash leaves no clean-shutdown marker
  auto e = OpenEngine(dir.path, Durability::Fsync);
  CHECK_FALSE(fs::exists(orphan));
  CHECK(BlobFiles(dir.path).size() == 3);
  CHECK(Get(*e, "d", "x/y/big") == big);
  CHECK(Get(*e, "g", "back") == big);
  CHECK(Get(*e, "d", "x/" + std::string(1000, 'n')) == big);
}

TEST_CASE("dir bucket: DeleteBucket is refused while any object exists, at any depth") {
  TempDir dir;
  auto e = OpenEngine(dir.path);
  MakeBucket(*e, "d");
  MakeBucket(*e, "d2");
  REQUIRE(Put(*e, "d2", "only", "1").ok());  // a neighbour's objects don't count
  REQUIRE(Put(*e, "d", "a/b/c/d/e", "deep").ok());
  CHECK(e->DeleteBucket("d").code() == Code::BucketNotEmpty);
  REQUIRE(e->DeleteObject("d", "a/b/c/d/e").ok());
  CHECK(e->DeleteBucket("d").ok());
  CHECK(e->DeleteBucket("d2").code() == Code::BucketNotEmpty);
  // Recreating the name starts empty.
  MakeBucket(*e, "d");
  auto r = List(*e, "d", "");
  REQUIRE(r.ok());
  CHECK(r->objects.empty());
}

TEST_CASE("append: offset 0 creates; pieces become extents; reads cross extents; wrong offsets fail") {
  TempDir dir;
  std::string expected;
  std::vector<std::string> blobs_before_reopen;
  {
    auto e = OpenEngine(dir.path, Durability::Fsync);
    MakeBucket(*e, "d");
    Status bad = Append(*e, "d", "logs/app.log", 5, "x");
    CHECK(bad.code() == Code::InvalidArgument);
    CHECK(bad.detail() == Detail::InvalidWriteOffset);
    ObjectMeta first;
    first.etag = "e1";
    first.content_type = "text/plain";
    first.user_meta = {{"k", "v"}};
    REQUIRE(e->AppendObject("d", "logs/app.log", 0, Writer(*e, "hello"), first).ok());
    expected = "hello";
    CHECK(Get(*e, "d", "logs/app.log") == expected);
    CHECK(Append(*e, "d", "logs/app.log", 4, "x").detail() == Detail::InvalidWriteOffset);
    CHECK(Append(*e, "d", "logs/app.log", 6, "x").detail() == Detail::InvalidWriteOffset);
    CHECK(Append(*e, "d", "logs/app.log", 0, "x").detail() == Detail::InvalidWriteOffset);

    REQUIRE(Append(*e, "d", "logs/app.log", 5, " world", "e2").ok());  // inline pieces merge
    expected += " world";
    auto r = e->GetObject("d", "logs/app.log");
    REQUIRE(r.ok());
    CHECK(r->extents.empty());
    CHECK(r->inline_body == expected);
    CHECK(r->meta.etag == "e2");
    CHECK(r->meta.content_type == "text/plain");  // kept from the creating request
    CHECK(r->meta.user_meta.size() == 1);

    std::string big = Pattern(9000, 3);  // spills: a blob piece
    REQUIRE(Append(*e, "d", "logs/app.log", expected.size(), big, "e3").ok());
    expected += big;
    std::vector<std::string> blobs1 = BlobFiles(dir.path);
    REQUIRE(blobs1.size() == 1);
    std::string small = Pattern(100, 4);  // inline piece after a blob piece
    REQUIRE(Append(*e, "d", "logs/app.log", expected.size(), small).ok());
    expected += small;
    std::string mid = Pattern(4000, 5);  // under the threshold, but the record's inline bytes would exceed it
    REQUIRE(Append(*e, "d", "logs/app.log", expected.size(), mid, "e5").ok());
    expected += mid;
    r = e->GetObject("d", "logs/app.log");
    REQUIRE(r.ok());
    CHECK(r->meta.size == expected.size());
    CHECK(r->meta.etag == "e5");
    REQUIRE(r->extents.size() == 4);
    CHECK(r->extents[0].inline_data == "hello world");
    CHECK(r->extents[1].blob_id == blobs1[0]);  // the first blob is never rewritten
    CHECK_FALSE(r->extents[3].blob_id.empty());
    CHECK(BlobFiles(dir.path).size() == 2);
    CHECK(fs::file_size(dir.path + "/blobs/" + blobs1[0].substr(0, 2) + "/" + blobs1[0].substr(2, 2) + "/" +
                        blobs1[0]) == big.size());

    auto o = e->OpenObject("d", "logs/app.log");
    REQUIRE(o.ok());
    Spans spans = ReadBySpans(*o->body);
    CHECK(spans.bytes == expected);
    CHECK(spans.count == 4);
    CHECK(spans.files == 2);
    CHECK(ReadAll(*o->body) == expected);
    std::mt19937 rng(7);
    for (int i = 0; i < 300; ++i) {
      uint64_t off = rng() % (expected.size() + 10);
      size_t len = rng() % 6000;
      std::string buf(len, '\0');
      auto n = o->body->ReadAt(off, buf.data(), len);
      REQUIRE(n.ok());
      size_t want = off >= expected.size() ? 0 : std::min<size_t>(len, expected.size() - off);
      REQUIRE(n.value() == want);
      CHECK(buf.substr(0, want) == expected.substr(std::min<size_t>(off, expected.size()), want));
    }
    blobs_before_reopen = BlobFiles(dir.path);

    // Conditions hold on the existing object; a missing key with If-Match is NoSuchKey.
    WriteConditions c;
    c.if_match_etag = "not-it";
    CHECK(e->AppendObject("d", "logs/app.log", expected.size(), Writer(*e, "zz"), {}, c).code() ==
          Code::PreconditionFailed);
    CHECK(e->AppendObject("d", "logs/none", 0, Writer(*e, "zz"), {}, c).code() == Code::NoSuchKey);
    // A failed append leaves no blob behind.
    CHECK(Append(*e, "d", "logs/app.log", 1, Pattern(10000, 8)).detail() == Detail::InvalidWriteOffset);
    CHECK(IsPathConflict(Append(*e, "d", "logs/app.log/x", 0, Pattern(10000, 8))));
    CHECK(BlobFiles(dir.path) == blobs_before_reopen);
  }
  // Recovery counts extent blobs as referenced and removes only orphans.
  std::string orphan = dir.path + "/blobs/ab/cd/abcd0000000000000000000000000000";
  fs::create_directories(fs::path(orphan).parent_path());
  std::ofstream(orphan) << "orphan";
  REQUIRE(fs::remove(dir.path + "/clean-shutdown"));  // a crash leaves no clean-shutdown marker
  auto e = OpenEngine(dir.path, Durability::Fsync);
  CHECK_FALSE(fs::exists(orphan));
  CHECK(BlobFiles(dir.path) == blobs_before_reopen);
  CHECK(Get(*e, "d", "logs/app.log") == expected);

  // Copies link every blob extent; deleting frees them.
  REQUIRE(e->CopyObject("d", "logs/app.log", "d", "copy/app.log", {}).ok());
  CHECK(Get(*e, "d", "copy/app.log") == expected);
  CHECK(BlobFiles(dir.path).size() == 4);
  REQUIRE(e->DeleteObject("d", "logs/app.log").ok());
  CHECK(BlobFiles(dir.path).size() == 2);
  CHECK(Get(*e, "d", "copy/app.log") == expected);
  // Overwriting a multi-extent object frees its blobs after the commit.
  REQUIRE(Put(*e, "d", "copy/app.log", "tiny").ok());
  CHECK(BlobFiles(dir.path).empty());
  // An empty append keeps the body and updates the metadata.
  REQUIRE(Append(*e, "d", "copy/app.log", 4, "", "e-empty").ok());
  CHECK(Get(*e, "d", "copy/app.log") == "tiny");
  CHECK(e->GetObject("d", "copy/app.log")->meta.etag == "e-empty");
  // The engine does not restrict appends to directory buckets (api does).
  MakeBucket(*e, "g", BucketType::GeneralPurpose);
  REQUIRE(Append(*e, "g", "k", 0, "ab").ok());
  REQUIRE(Append(*e, "g", "k", 2, Pattern(5000, 1)).ok());
  CHECK(Get(*e, "g", "k") == "ab" + Pattern(5000, 1));
}

TEST_CASE("append: a process killed mid-append leaves every acknowledged byte, no orphan blob") {
  TempDir dir;
  {
    auto e = OpenEngine(dir.path, Durability::Fsync);
    MakeBucket(*e, "d");
  }
  auto piece = [](uint32_t i) { return Pattern(i % 3 ? 150 : kThreshold * 2, i); };
  int fds[2];
  REQUIRE(::pipe(fds) == 0);
  pid_t child = ::fork();
  REQUIRE(child >= 0);
  if (child == 0) {  // appends forever, reporting each acknowledged size; killed by the parent
    ::close(fds[0]);
    EngineOptions o;
    o.data_dir = dir.path;
    o.inline_threshold = kThreshold;
    o.map_size = size_t{1} << 30;
    auto e = Engine::Open(o);
    if (!e.ok()) ::_exit(1);
    uint64_t size = 0;
    for (uint32_t i = 0;; ++i) {
      std::string body = piece(i);
      auto w = e.value()->NewBodyWriter();
      if (!w.value()->Append(body.data(), body.size()).ok()) ::_exit(1);
      if (!e.value()->AppendObject("d", "logs/x/app.log", size, std::move(w.value()), ObjectMeta{}).ok()) ::_exit(2);
      size += body.size();
      // Directory churn beside it: create and remove a nested key.
      std::string side = "tmp/" + std::to_string(i % 5) + "/f";
      auto w2 = e.value()->NewBodyWriter();
      if (i % 2 == 0) {
        if (!e.value()->PutObject("d", side, std::move(w2.value()), ObjectMeta{}).ok()) ::_exit(3);
      } else if (!e.value()->DeleteObject("d", side).ok()) {
        ::_exit(4);
      }
      if (::write(fds[1], &size, sizeof size) != sizeof size) ::_exit(1);
    }
  }
  ::close(fds[1]);
  uint64_t last = 0, got = 0;
  for (int n = 0; n < 150 && ::read(fds[0], &got, sizeof got) == sizeof got; ++n) last = got;
  ::kill(child, SIGKILL);
  int status = 0;
  ::waitpid(child, &status, 0);
  ::close(fds[0]);
  REQUIRE(WIFSIGNALED(status));

  auto e = OpenEngine(dir.path, Durability::Fsync);
  CHECK(CountFiles(dir.path + "/tmp") == 0);
  std::string body = Get(*e, "d", "logs/x/app.log");
  REQUIRE(body.size() >= last);
  std::string expected;
  for (uint32_t i = 0; expected.size() < body.size(); ++i) expected += piece(i);
  CHECK(body == expected);  // whole pieces only, in order
  auto r = e->GetObject("d", "logs/x/app.log");
  REQUIRE(r.ok());
  size_t blob_files = r->blob_id.empty() ? 0 : 1;
  for (const auto& x : r->extents) blob_files += x.blob_id.empty() ? 0 : 1;
  CHECK(BlobFiles(dir.path).size() == blob_files);  // the side keys are empty: inline
  // The directory churn left a consistent tree: every listed key reads back.
  auto l = List(*e, "d", "", "", "", 100000);
  REQUIRE(l.ok());
  for (const auto& o : l->objects) CHECK(e->GetObject("d", o.key).ok());
}

TEST_CASE("append: parts are counted up to 10,000 (TooManyParts); copies reset the count") {
  TempDir dir;
  auto e = OpenEngine(dir.path);
  MakeBucket(*e, "d");
  REQUIRE(Put(*e, "d", "p", "x").ok());
  CHECK(e->GetObject("d", "p")->part_count == 0);  // a plain PUT: one part
  REQUIRE(Append(*e, "d", "p", 1, "y").ok());
  CHECK(e->GetObject("d", "p")->part_count == 2);
  REQUIRE(Append(*e, "d", "fresh", 0, "a").ok());
  CHECK(e->GetObject("d", "fresh")->part_count == 1);
  for (uint64_t size = 1; size < Engine::kMaxAppendParts; ++size) {
    Status s = Append(*e, "d", "fresh", size, "a");
    REQUIRE_MESSAGE(s.ok(), s.message());
  }
  auto r = e->GetObject("d", "fresh");
  REQUIRE(r.ok());
  CHECK(r->part_count == Engine::kMaxAppendParts);
  CHECK(r->meta.size == Engine::kMaxAppendParts);
  Status s = Append(*e, "d", "fresh", Engine::kMaxAppendParts, "a");
  CHECK(s.code() == Code::InvalidArgument);
  CHECK(s.detail() == Detail::TooManyParts);
  REQUIRE(e->CopyObject("d", "fresh", "d", "fresh", {}).ok());  // copy onto itself resets
  CHECK(e->GetObject("d", "fresh")->part_count == 0);
  CHECK(Append(*e, "d", "fresh", Engine::kMaxAppendParts, "b").ok());
  CHECK(Get(*e, "d", "fresh") == std::string(Engine::kMaxAppendParts, 'a') + "b");
  // Renames keep the count.
  REQUIRE(e->RenameObject("d", "fresh", "moved").ok());
  CHECK(e->GetObject("d", "moved")->part_count == 2);
}

TEST_CASE("append: concurrent appenders at the same offset: exactly one wins each round") {
  TempDir dir;
  auto e = OpenEngine(dir.path);
  MakeBucket(*e, "d");
  constexpr int kThreads = 8, kRounds = 25;
  constexpr size_t kPiece = 3000;  // alternate inline and blob pieces by round parity below
  std::barrier sync(kThreads);
  std::atomic<int> wins[kRounds] = {};
  std::atomic<int> other_failures{0};
  std::vector<std::thread> threads;
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([&, t] {
      for (int round = 0; round < kRounds; ++round) {
        size_t piece = round % 2 ? kPiece * 3 : kPiece;
        uint64_t offset = (round / 2) * (kPiece + kPiece * 3) + (round % 2 ? kPiece : 0);
        std::string body(piece, static_cast<char>('A' + t));
        sync.arrive_and_wait();
        Status s = Append(*e, "d", "dir/log", offset, body);
        if (s.ok()) {
          wins[round]++;
        } else if (s.detail() != Detail::InvalidWriteOffset) {
          other_failures++;
        }
        sync.arrive_and_wait();
      }
    });
  }
  for (auto& th : threads) th.join();
  CHECK(other_failures.load() == 0);
  for (int round = 0; round < kRounds; ++round) CHECK_MESSAGE(wins[round].load() == 1, round);
  std::string body = Get(*e, "d", "dir/log");
  size_t pos = 0;
  for (int round = 0; round < kRounds; ++round) {  // each piece is one writer's bytes, whole
    size_t piece = round % 2 ? kPiece * 3 : kPiece;
    REQUIRE(pos + piece <= body.size());
    CHECK(body.substr(pos, piece) == std::string(piece, body[pos]));
    pos += piece;
  }
  CHECK(pos == body.size());
  // Losers' blobs were removed: only the winners' pieces remain as files.
  auto r = e->GetObject("d", "dir/log");
  REQUIRE(r.ok());
  size_t blob_extents = 0;
  for (const auto& x : r->extents) blob_extents += x.blob_id.empty() ? 0 : 1;
  CHECK(BlobFiles(dir.path).size() == blob_extents);
}

TEST_CASE("seal/publish extents: an object assembled from separately written pieces") {
  TempDir dir;
  auto e = OpenEngine(dir.path);
  MakeBucket(*e, "d");
  std::vector<std::string> parts = {Pattern(6000, 1), "small-1", Pattern(10000, 2), std::string(3000, 's')};
  std::vector<Extent> extents;
  for (const auto& p : parts) {
    auto x = e->SealExtent(Writer(*e, p));
    REQUIRE(x.ok());
    CHECK(x->size == p.size());
    extents.push_back(std::move(x.value()));
  }
  CHECK(BlobFiles(dir.path).size() == 2);
  ObjectMeta m;
  m.etag = "mpu-etag-2";
  REQUIRE(e->PublishExtents("d", "mpu/object", extents, m).ok());
  CHECK(e->GetObject("d", "mpu/object")->part_count == 4);
  std::string all;
  for (const auto& p : parts) all += p;
  CHECK(Get(*e, "d", "mpu/object") == all);
  auto r = e->GetObject("d", "mpu/object");
  REQUIRE(r.ok());
  CHECK(r->meta.size == all.size());
  size_t inline_bytes = 0;
  for (const auto& x : r->extents) inline_bytes += x.inline_data.size();
  CHECK(inline_bytes <= kThreshold);
  // A failed publish (path conflict) removes the pieces' blobs; DiscardExtent removes one.
  auto x = e->SealExtent(Writer(*e, Pattern(7000, 9)));
  REQUIRE(x.ok());
  size_t files = BlobFiles(dir.path).size();
  CHECK(IsPathConflict(e->PublishExtents("d", "mpu/object/x", {x.value()}, m)));
  CHECK(BlobFiles(dir.path).size() == files - 1);
  auto y = e->SealExtent(Writer(*e, Pattern(7000, 10)));
  REQUIRE(y.ok());
  e->DiscardExtent(y.value());
  CHECK(BlobFiles(dir.path).size() == files - 1);
  // A single extent is stored as a plain blob.
  auto z = e->SealExtent(Writer(*e, Pattern(7000, 11)));
  REQUIRE(z.ok());
  REQUIRE(e->PublishExtents("d", "single", {z.value()}, m).ok());
  CHECK(e->GetObject("d", "single")->blob_id == z->blob_id);
  Spans single = ReadBySpans(*e->OpenObject("d", "single")->body);
  CHECK(single.count == 1);
  CHECK(single.files == 1);
}

TEST_CASE("rename: atomic move with directories created and removed; conditions; errors") {
  TempDir dir;
  auto e = OpenEngine(dir.path);
  MakeBucket(*e, "d");
  REQUIRE(Put(*e, "d", "src/deep/a.bin", Pattern(9000, 1)).ok());
  REQUIRE(Put(*e, "d", "src/keep.txt", "keep").ok());
  auto before = e->GetObject("d", "src/deep/a.bin");
  REQUIRE(before.ok());
  REQUIRE(e->RenameObject("d", "src/deep/a.bin", "dst/x/y/a.bin").ok());
  CHECK(e->GetObject("d", "src/deep/a.bin").status().code() == Code::NoSuchKey);
  auto after = e->GetObject("d", "dst/x/y/a.bin");
  REQUIRE(after.ok());
  CHECK(after->blob_id == before->blob_id);  // no byte moved
  CHECK(after->meta.etag == before->meta.etag);
  CHECK(Get(*e, "d", "dst/x/y/a.bin") == Pattern(9000, 1));
  auto src = List(*e, "d", "src/", "/");
  REQUIRE(src.ok());
  CHECK(src->common_prefixes.empty());  // src/deep/ was removed with its last entry
  CHECK(Keys(src.value()) == std::vector<std::string>{"src/keep.txt"});

  CHECK(e->RenameObject("d", "missing", "x").code() == Code::NoSuchKey);
  CHECK(e->RenameObject("d", "src/keep.txt", "src/keep.txt").ok());  // to itself: no change
  // Destination conditions.
  WriteConditions none;
  none.if_none_match_star = true;
  CHECK(e->RenameObject("d", "src/keep.txt", "dst/x/y/a.bin", none).code() == Code::PreconditionFailed);
  WriteConditions match;
  match.if_match_etag = "\"etag-4\"";
  CHECK(e->RenameObject("d", "src/keep.txt", "nowhere", match).code() == Code::NoSuchKey);
  match.if_match_etag = "wrong";
  CHECK(e->RenameObject("d", "src/keep.txt", "dst/x/y/a.bin", match).code() == Code::PreconditionFailed);
  // Source condition.
  CHECK(e->RenameObject("d", "src/keep.txt", "k2", {}, std::string("wrong")).code() == Code::PreconditionFailed);
  CHECK(Get(*e, "d", "src/keep.txt") == "keep");
  // Path conflicts roll the whole rename back.
  CHECK(IsPathConflict(e->RenameObject("d", "src/keep.txt", "dst/x/y/a.bin/z")));
  CHECK(IsPathConflict(e->RenameObject("d", "src/keep.txt", "dst/x")));
  CHECK(Get(*e, "d", "src/keep.txt") == "keep");
  // Moving an object under its own former name works (the source goes first).
  REQUIRE(e->RenameObject("d", "src/keep.txt", "src/keep.txt/inner", {}, std::string("etag-4")).ok());
  CHECK(Get(*e, "d", "src/keep.txt/inner") == "keep");
  // Overwriting a destination frees its blob after the commit.
  REQUIRE(Put(*e, "d", "other.bin", Pattern(8000, 5)).ok());
  CHECK(BlobFiles(dir.path).size() == 2);
  match.if_match_etag = "etag-8000";
  REQUIRE(e->RenameObject("d", "dst/x/y/a.bin", "other.bin", match).ok());
  CHECK(BlobFiles(dir.path).size() == 1);
  CHECK(Get(*e, "d", "other.bin") == Pattern(9000, 1));
  auto top = List(*e, "d", "", "/");
  REQUIRE(top.ok());
  CHECK(top->common_prefixes == std::vector<std::string>{"src/"});
  // General-purpose buckets have no RenameObject.
  MakeBucket(*e, "g", BucketType::GeneralPurpose);
  REQUIRE(Put(*e, "g", "a", "1").ok());
  CHECK(e->RenameObject("g", "a", "b").code() == Code::InvalidArgument);
  CHECK(e->RenameObject("nobucket", "a", "b").code() == Code::NoSuchBucket);
}

}  // namespace
}  // namespace xs3::storage
