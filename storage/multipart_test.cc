// Multipart uploads: the engine's uploads/parts DBs against real LMDB in a temp dir.
#include <doctest/doctest.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <cerrno>
#include <filesystem>
#include <initializer_list>
#include <random>
#include <set>
#include <string_view>
#include <thread>

#include "storage/engine.h"
#include "storage/test_support.h"
#include "storage/engine_impl.h"
#include "storage/record_codec.h"

namespace xs3::storage {
namespace {

namespace fs = std::filesystem;

constexpr size_t kThreshold = testing::kTestInlineThreshold;

using testing::OpenEngine;
using testing::ReadBySpans;
using testing::Spans;
using testing::TempDir;

void MakeBucket(Engine& e, const std::string& name, BucketType type = BucketType::GeneralPurpose) {
  BucketInfo b;
  b.name = name;
  b.region = "us-east-1";
  b.owner = "alice";
  b.type = type;
  if (type == BucketType::Directory) b.zone = "use1-az4";
  REQUIRE(e.CreateBucket(b).ok());
}

std::string Pattern(size_t n, unsigned seed) {
  std::string s(n, '\0');
  std::mt19937 rng(seed);
  for (auto& c : s) c = static_cast<char>(rng());
  return s;
}

std::string Cat(std::initializer_list<std::string_view> parts) {
  std::string out;
  for (auto p : parts) out.append(p);
  return out;
}

std::unique_ptr<BodyWriter> Writer(Engine& e, std::string_view body) {
  auto w = e.NewBodyWriter();
  REQUIRE(w.ok());
  constexpr size_t kChunk = 65536;
  for (size_t off = 0; off < body.size(); off += kChunk) {
    REQUIRE(w.value()->Append(body.data() + off, std::min(kChunk, body.size() - off)).ok());
  }
  return std::move(w.value());
}

std::string EtagOf(uint32_t n, size_t size) { return Cat({"etag-", std::to_string(n), "-", std::to_string(size)}); }

Status PutPart(Engine& e, const std::string& bucket, const std::string& key, const std::string& id, uint32_t n,
               const std::string& body) {
  auto x = e.SealExtent(Writer(e, body));
  REQUIRE(x.ok());
  UploadPart p;
  p.part_number = n;
  p.extent = std::move(x.value());
  p.etag = EtagOf(n, body.size());
  p.checksum = "crc-" + std::to_string(n);
  return e.PutUploadPart(bucket, key, id, std::move(p));
}

std::string Create(Engine& e, const std::string& bucket, const std::string& key, const std::string& type = "") {
  ObjectMeta m;
  m.owner = "alice";
  m.content_type = type.empty() ? "application/x-test" : type;
  m.user_meta = {{"color", "blue"}};
  m.checksums = {{"CRC32", ""}};
  m.checksum_type = "COMPOSITE";
  auto id = e.CreateMultipartUpload(bucket, key, m);
  REQUIRE_MESSAGE(id.ok(), id.status().message());
  return id.value();
}

Status Complete(Engine& e, const std::string& bucket, const std::string& key, const std::string& id,
                const std::vector<uint32_t>& parts, const WriteConditions& c = {}) {
  ObjectMeta m;
  m.etag = "mpu-etag-" + std::to_string(parts.size());
  m.content_type = "application/x-done";
  return e.CompleteMultipartUpload(bucket, key, id, parts, m, c);
}

std::string ReadAll(const BodyReader& r) {
  std::string out;
  char buf[100000];
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

std::set<std::string> BlobFiles(const std::string& dir) {
  std::set<std::string> out;
  for (const auto& entry : fs::recursive_directory_iterator(dir + "/blobs")) {
    if (entry.is_regular_file()) out.insert(entry.path().filename().string());
  }
  return out;
}

std::vector<uint32_t> PartNumbers(const std::vector<UploadPart>& parts) {
  std::vector<uint32_t> out;
  for (const auto& p : parts) out.push_back(p.part_number);
  return out;
}

bool IsUrlSafe(const std::string& id) {
  return !id.empty() && std::all_of(id.begin(), id.end(), [](char c) {
    return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '-' || c == '_';
  });
}

TEST_CASE("multipart codec: uploads and parts round-trip; truncated values are rejected") {
  MultipartUpload u;
  u.key = std::string("k\0ey", 4);
  u.initiated_ms = 1700000000123;
  u.meta.owner = "alice";
  u.meta.content_type = "text/plain";
  u.meta.user_meta = {{"a", "1"}, {"b", ""}};
  u.meta.checksums = {{"SHA256", ""}};
  u.meta.checksum_type = "COMPOSITE";
  std::string v = EncodeUpload(u);
  MultipartUpload d;
  REQUIRE(DecodeUpload("bkt", "id1", v, &d));
  CHECK(d.bucket == "bkt");
  CHECK(d.upload_id == "id1");
  CHECK(d.key == u.key);
  CHECK(d.initiated_ms == u.initiated_ms);
  CHECK(d.meta.owner == "alice");
  CHECK(d.meta.user_meta == u.meta.user_meta);
  CHECK(d.meta.checksums == u.meta.checksums);
  CHECK(d.meta.checksum_type == "COMPOSITE");
  for (size_t n = 0; n < v.size(); ++n) CHECK_FALSE(DecodeUpload("b", "i", std::string_view(v).substr(0, n), &d));

  UploadPart p;
  p.part_number = 10000;
  p.extent = Extent{5, {}, "hello"};
  p.etag = "e";
  p.checksum = "c";
  p.mtime_ms = 42;
  std::string pv = EncodePart(p);
  UploadPart q;
  REQUIRE(DecodePart(pv, &q));
  CHECK(q.part_number == 10000);
  CHECK(q.extent.size == 5);
  CHECK(q.extent.inline_data == "hello");
  CHECK(q.etag == "e");
  CHECK(q.checksum == "c");
  CHECK(q.mtime_ms == 42);
  REQUIRE(DecodePart(pv, &q, /*with_body=*/false));
  CHECK(q.extent.inline_data.empty());
  CHECK(q.extent.size == 5);
  for (size_t n = 0; n < pv.size(); ++n) CHECK_FALSE(DecodePart(std::string_view(pv).substr(0, n), &q));
  p.extent = Extent{1 << 20, "0123456789abcdef0123456789abcdef", {}};
  REQUIRE(DecodePart(EncodePart(p), &q));
  CHECK(q.extent.blob_id == p.extent.blob_id);
  CHECK(q.extent.size == p.extent.size);
}

TEST_CASE("multipart: parts of every size complete into one object without copying a byte") {
  TempDir dir;
  auto e = OpenEngine(dir.path);
  MakeBucket(*e, "b");
  std::string id = Create(*e, "b", "big/object");
  CHECK(id.size() >= 32);
  CHECK(IsUrlSafe(id));
  auto up = e->GetMultipartUpload("b", "big/object", id);
  REQUIRE(up.ok());
  CHECK(up->key == "big/object");
  CHECK(up->bucket == "b");
  CHECK(up->upload_id == id);
  CHECK(up->meta.content_type == "application/x-test");
  CHECK(up->meta.user_meta.size() == 1);
  CHECK(up->meta.checksum_type == "COMPOSITE");
  CHECK(up->initiated_ms > 0);

  // 1: small inline, 2: empty, 3: just over the inline threshold, 4: 3 MiB, 5: small inline.
  std::vector<std::string> bodies = {Pattern(100, 1), "", Pattern(kThreshold + 1, 3), Pattern(3 << 20, 4),
                                     Pattern(50, 5)};
  for (uint32_t n = 1; n <= bodies.size(); ++n) REQUIRE(PutPart(*e, "b", "big/object", id, n, bodies[n - 1]).ok());
  std::set<std::string> blobs_before = BlobFiles(dir.path);
  CHECK(blobs_before.size() == 2);
  // Uploads and parts are invisible to object listings and reads.
  CHECK(e->GetObject("b", "big/object").status().code() == Code::NoSuchKey);
  CHECK(e->ListObjects("b", {})->objects.empty());

  auto parts = e->ListUploadParts("b", "big/object", id);
  REQUIRE(parts.ok());
  REQUIRE(parts->size() == 5);
  for (uint32_t n = 1; n <= 5; ++n) {
    const UploadPart& p = parts.value()[n - 1];
    CHECK(p.part_number == n);
    CHECK(p.extent.size == bodies[n - 1].size());
    CHECK(p.etag == EtagOf(n, bodies[n - 1].size()));
    CHECK(p.checksum == "crc-" + std::to_string(n));
    CHECK(p.mtime_ms > 0);
  }
  CHECK(PartNumbers(e->ListUploadParts("b", "big/object", id, 2, 2).value()) == std::vector<uint32_t>{3, 4});
  CHECK(PartNumbers(e->ListUploadParts("b", "big/object", id, 4).value()) == std::vector<uint32_t>{5});
  CHECK(e->ListUploadParts("b", "big/object", id, 5)->empty());
  CHECK(e->ListUploadParts("b", "big/object", id, 0, 0)->empty());
  CHECK(e->ListUploadParts("b", "big/object", id, UINT32_MAX)->empty());

  REQUIRE(Complete(*e, "b", "big/object", id, {1, 2, 3, 4, 5}).ok());
  // The parts' blobs became the object's: same files, nothing copied, nothing left over.
  CHECK(BlobFiles(dir.path) == blobs_before);
  auto r = e->GetObject("b", "big/object");
  REQUIRE(r.ok());
  std::string all;
  for (const auto& b : bodies) all += b;
  CHECK(r->meta.size == all.size());
  CHECK(r->part_count == 5);
  CHECK(r->meta.etag == "mpu-etag-5");
  CHECK(r->meta.content_type == "application/x-done");
  CHECK(r->meta.mtime_ms > 0);
  // One extent per part, the empty one included: extent i is part i + 1.
  REQUIRE(r->extents.size() == 5);
  for (size_t i = 0; i < bodies.size(); ++i) CHECK(r->extents[i].size == bodies[i].size());
  CHECK(Get(*e, "b", "big/object") == all);
  // Reads at offsets spanning the part boundaries.
  auto o = e->OpenObject("b", "big/object");
  REQUIRE(o.ok());
  // Sent part by part: the three inline parts through ReadAt, the two blob parts from their files
  // (the empty part is no stretch).
  Spans spans = ReadBySpans(*o->body);
  CHECK(spans.bytes == all);
  CHECK(spans.count == 4);
  CHECK(spans.files == 2);
  CHECK(o->body->SpanAt(100 + kThreshold + 1 + 10).file_offset == 10);  // 10 bytes into part 4
  std::vector<uint64_t> boundaries;
  uint64_t off = 0;
  for (const auto& b : bodies) boundaries.push_back(off += b.size());
  for (uint64_t bnd : boundaries) {
    for (uint64_t start : {bnd >= 7 ? bnd - 7 : 0, bnd, bnd >= 1 ? bnd - 1 : 0}) {
      char buf[5000];
      size_t want = std::min<uint64_t>(sizeof buf, all.size() - std::min<uint64_t>(start, all.size()));
      std::string got;
      while (got.size() < want) {
        auto n = o->body->ReadAt(start + got.size(), buf, want - got.size());
        REQUIRE(n.ok());
        REQUIRE(n.value() > 0);
        got.append(buf, n.value());
      }
      CHECK(got == all.substr(start, want));
    }
  }
  // The upload is gone.
  CHECK(e->GetMultipartUpload("b", "big/object", id).status().code() == Code::NoSuchUpload);
  CHECK(e->ListUploadParts("b", "big/object", id).status().code() == Code::NoSuchUpload);
  CHECK(Complete(*e, "b", "big/object", id, {1}).code() == Code::NoSuchUpload);
  CHECK(e->AbortMultipartUpload("b", "big/object", id).code() == Code::NoSuchUpload);
  CHECK(PutPart(*e, "b", "big/object", id, 1, Pattern(9000, 9)).code() == Code::NoSuchUpload);
  CHECK(BlobFiles(dir.path) == blobs_before);  // the refused part's blob was discarded
  CHECK(e->ListMultipartUploads("b", {})->uploads.empty());
  // Deleting the object frees the former parts' blobs.
  REQUIRE(e->DeleteObject("b", "big/object").ok());
  CHECK(BlobFiles(dir.path).empty());
}

TEST_CASE("multipart: a replaced part frees its old blob; a subset completes and frees the rest") {
  TempDir dir;
  auto e = OpenEngine(dir.path);
  MakeBucket(*e, "b");
  std::string id = Create(*e, "b", "k");
  REQUIRE(PutPart(*e, "b", "k", id, 1, Pattern(10000, 1)).ok());
  auto first = BlobFiles(dir.path);
  REQUIRE(first.size() == 1);
  REQUIRE(PutPart(*e, "b", "k", id, 1, Pattern(20000, 2)).ok());
  auto second = BlobFiles(dir.path);
  REQUIRE(second.size() == 1);
  CHECK(second != first);
  auto parts = e->ListUploadParts("b", "k", id);
  REQUIRE(parts->size() == 1);
  CHECK(parts.value()[0].extent.size == 20000);
  CHECK(parts.value()[0].etag == EtagOf(1, 20000));
  // A blob part replaced by an inline one, then by a blob again.
  REQUIRE(PutPart(*e, "b", "k", id, 1, "tiny").ok());
  CHECK(BlobFiles(dir.path).empty());
  REQUIRE(PutPart(*e, "b", "k", id, 1, Pattern(20000, 2)).ok());

  REQUIRE(PutPart(*e, "b", "k", id, 2, Pattern(30000, 3)).ok());
  REQUIRE(PutPart(*e, "b", "k", id, 3, Pattern(40000, 4)).ok());
  REQUIRE(PutPart(*e, "b", "k", id, 4, "inline part 4").ok());
  REQUIRE(PutPart(*e, "b", "k", id, 7, Pattern(50000, 7)).ok());
  REQUIRE(BlobFiles(dir.path).size() == 4);
  REQUIRE(Complete(*e, "b", "k", id, {1, 3, 4}).ok());
  auto r = e->GetObject("b", "k");
  REQUIRE(r.ok());
  CHECK(r->part_count == 3);
  CHECK(Get(*e, "b", "k") == Cat({Pattern(20000, 2), Pattern(40000, 4), "inline part 4"}));
  // Parts 2 and 7 were not named: their blobs are gone; the object's are exactly what is left.
  std::set<std::string> object_blobs;
  for (const auto& x : r->extents) {
    if (!x.blob_id.empty()) object_blobs.insert(x.blob_id);
  }
  CHECK(object_blobs.size() == 2);
  CHECK(BlobFiles(dir.path) == object_blobs);

  // A one-part upload becomes a plain blob object (sendfile-able).
  std::string one = Create(*e, "b", "one");
  REQUIRE(PutPart(*e, "b", "one", one, 9, Pattern(9000, 9)).ok());
  REQUIRE(Complete(*e, "b", "one", one, {9}).ok());
  auto plain = e->GetObject("b", "one");
  CHECK(plain->extents.empty());
  CHECK(!plain->blob_id.empty());
  CHECK(plain->part_count == 1);
  CHECK(ReadBySpans(*e->OpenObject("b", "one")->body).files == 1);
  CHECK(Get(*e, "b", "one") == Pattern(9000, 9));

  // An empty last part stays an extent of its own (extent i is part i + 1).
  std::string tail = Create(*e, "b", "tail");
  REQUIRE(PutPart(*e, "b", "tail", tail, 1, Pattern(9000, 10)).ok());
  REQUIRE(PutPart(*e, "b", "tail", tail, 2, "").ok());
  REQUIRE(Complete(*e, "b", "tail", tail, {1, 2}).ok());
  auto t = e->GetObject("b", "tail");
  REQUIRE(t->extents.size() == 2);
  CHECK(t->extents[1].size == 0);
  CHECK(t->part_count == 2);
  CHECK(Get(*e, "b", "tail") == Pattern(9000, 10));
  REQUIRE(e->DeleteObject("b", "tail").ok());

  // Completing over an existing object frees the old object's blobs.
  std::string again = Create(*e, "b", "k");
  REQUIRE(PutPart(*e, "b", "k", again, 1, "replacement").ok());
  REQUIRE(Complete(*e, "b", "k", again, {1}).ok());
  CHECK(Get(*e, "b", "k") == "replacement");
  CHECK(BlobFiles(dir.path) == std::set<std::string>{plain->blob_id});
}

TEST_CASE("multipart: errors: InvalidPart, NoSuchUpload, NoSuchBucket, bad part numbers, conditions") {
  TempDir dir;
  auto e = OpenEngine(dir.path);
  MakeBucket(*e, "b");
  std::string id = Create(*e, "b", "k");
  REQUIRE(PutPart(*e, "b", "k", id, 1, Pattern(10000, 1)).ok());
  REQUIRE(PutPart(*e, "b", "k", id, 2, "two").ok());

  Status s = Complete(*e, "b", "k", id, {1, 3});
  CHECK(s.code() == Code::InvalidPart);
  CHECK(s.message().find('3') != std::string::npos);
  CHECK(Complete(*e, "b", "k", id, {}).code() == Code::InvalidArgument);
  CHECK(Complete(*e, "b", "k", id, {1, 1}).code() == Code::InvalidArgument);
  CHECK(Complete(*e, "b", "k", id, {0}).code() == Code::InvalidPart);
  CHECK(e->GetObject("b", "k").status().code() == Code::NoSuchKey);
  CHECK(e->ListUploadParts("b", "k", id)->size() == 2);  // a failed completion changes nothing

  // Unknown ids, another key's id, malformed ids, missing buckets.
  std::string other = Create(*e, "b", "other");
  CHECK(e->GetMultipartUpload("b", "k", other).status().code() == Code::NoSuchUpload);
  CHECK(Complete(*e, "b", "k", other, {1}).code() == Code::NoSuchUpload);
  CHECK(e->AbortMultipartUpload("b", "k", other).code() == Code::NoSuchUpload);
  CHECK(e->GetMultipartUpload("b", "k", "nope").status().code() == Code::NoSuchUpload);
  CHECK(e->GetMultipartUpload("b", "k", "").status().code() == Code::NoSuchUpload);
  std::string flipped = id;
  flipped.back() = flipped.back() == '0' ? '1' : '0';
  CHECK(e->GetMultipartUpload("b", "k", flipped).status().code() == Code::NoSuchUpload);
  CHECK(e->GetMultipartUpload("nobucket", "k", id).status().code() == Code::NoSuchBucket);
  CHECK(e->CreateMultipartUpload("nobucket", "k", {}).status().code() == Code::NoSuchBucket);
  CHECK(e->ListMultipartUploads("nobucket", {}).status().code() == Code::NoSuchBucket);
  CHECK(e->CreateMultipartUpload("b", "", {}).status().code() == Code::InvalidArgument);
  CHECK(e->CreateMultipartUpload("b", std::string(1025, 'x'), {}).status().code() == Code::InvalidArgument);

  auto before = BlobFiles(dir.path);
  CHECK(PutPart(*e, "b", "k", id, 0, Pattern(9000, 5)).code() == Code::InvalidArgument);
  CHECK(PutPart(*e, "b", "k", id, 10001, Pattern(9000, 5)).code() == Code::InvalidArgument);
  CHECK(PutPart(*e, "b", "k", other, 1, Pattern(9000, 5)).code() == Code::NoSuchUpload);
  CHECK(PutPart(*e, "nobucket", "k", id, 1, Pattern(9000, 5)).code() == Code::NoSuchBucket);
  CHECK(BlobFiles(dir.path) == before);  // every refused part's blob was discarded
  REQUIRE(PutPart(*e, "b", "k", id, 10000, "last").ok());

  // WriteConditions are checked on the destination key; a refused completion keeps the upload.
  REQUIRE(e->PutObject("b", "k", [&] {
    auto w = e->NewBodyWriter();
    REQUIRE(w.value()->Append("old", 3).ok());
    return std::move(w.value());
  }(), ObjectMeta{.size = 0, .etag = "old-etag"}).ok());
  WriteConditions none_match;
  none_match.if_none_match_star = true;
  CHECK(Complete(*e, "b", "k", id, {1, 2}, none_match).code() == Code::PreconditionFailed);
  WriteConditions if_match;
  if_match.if_match_etag = "\"wrong\"";
  CHECK(Complete(*e, "b", "k", id, {1, 2}, if_match).code() == Code::PreconditionFailed);
  CHECK(Get(*e, "b", "k") == "old");
  CHECK(e->ListUploadParts("b", "k", id)->size() == 3);
  if_match.if_match_etag = "\"old-etag\"";
  REQUIRE(Complete(*e, "b", "k", id, {1, 2, 10000}, if_match).ok());
  CHECK(Get(*e, "b", "k") == Cat({Pattern(10000, 1), "two", "last"}));
  WriteConditions missing;
  missing.if_match_etag = "\"x\"";
  std::string fresh = Create(*e, "b", "fresh");
  REQUIRE(PutPart(*e, "b", "fresh", fresh, 1, "x").ok());
  CHECK(Complete(*e, "b", "fresh", fresh, {1}, missing).code() == Code::NoSuchKey);
}

TEST_CASE("multipart: abort frees every part's blob and ends the upload") {
  TempDir dir;
  auto e = OpenEngine(dir.path);
  MakeBucket(*e, "b");
  std::string keep = Create(*e, "b", "k");
  REQUIRE(PutPart(*e, "b", "k", keep, 1, Pattern(10000, 100)).ok());
  auto kept_blobs = BlobFiles(dir.path);
  std::string id = Create(*e, "b", "k");  // a second upload of the same key
  CHECK(id != keep);
  for (uint32_t n = 1; n <= 6; ++n) REQUIRE(PutPart(*e, "b", "k", id, n, Pattern(n % 2 ? 9000 : 10, n)).ok());
  CHECK(BlobFiles(dir.path).size() == 4);
  REQUIRE(e->AbortMultipartUpload("b", "k", id).ok());
  CHECK(BlobFiles(dir.path) == kept_blobs);
  CHECK(e->GetMultipartUpload("b", "k", id).status().code() == Code::NoSuchUpload);
  CHECK(e->AbortMultipartUpload("b", "k", id).code() == Code::NoSuchUpload);
  CHECK(e->ListUploadParts("b", "k", keep)->size() == 1);  // the other upload is untouched
  auto list = e->ListMultipartUploads("b", {});
  REQUIRE(list->uploads.size() == 1);
  CHECK(list->uploads[0].upload_id == keep);
}

TEST_CASE("multipart: ListMultipartUploads: key, initiation, id order; prefix; markers; truncation") {
  TempDir dir;
  auto e = OpenEngine(dir.path);
  MakeBucket(*e, "b");
  MakeBucket(*e, "b2");
  Create(*e, "b2", "a");  // another bucket's upload never shows
  std::vector<std::pair<std::string, std::string>> expected;  // key, id in listing order
  for (const std::string key : {"photos/2", "a", "photos/1", "a", "photos/1", "zz", "a"}) {
    std::string id = Create(*e, "b", key);
    expected.emplace_back(key, id);
    ::usleep(2000);  // distinct initiation times
  }
  std::stable_sort(expected.begin(), expected.end(),
                   [](const auto& x, const auto& y) { return x.first < y.first; });
  auto all = e->ListMultipartUploads("b", {});
  REQUIRE(all.ok());
  CHECK_FALSE(all->is_truncated);
  REQUIRE(all->uploads.size() == expected.size());
  for (size_t i = 0; i < expected.size(); ++i) {
    CHECK(all->uploads[i].key == expected[i].first);
    CHECK(all->uploads[i].upload_id == expected[i].second);
    CHECK(all->uploads[i].bucket == "b");
    CHECK(all->uploads[i].meta.content_type == "application/x-test");
    if (i > 0 && all->uploads[i].key == all->uploads[i - 1].key) {
      CHECK(all->uploads[i].initiated_ms > all->uploads[i - 1].initiated_ms);
      CHECK(all->uploads[i].upload_id > all->uploads[i - 1].upload_id);
    }
  }

  ListUploadsOptions o;
  o.prefix = "photos/";
  auto photos = e->ListMultipartUploads("b", o);
  REQUIRE(photos->uploads.size() == 3);
  CHECK(photos->uploads[0].key == "photos/1");
  CHECK(photos->uploads[2].key == "photos/2");

  o = {};
  o.key_marker = "a";  // no upload-id marker: keys after "a"
  auto after_a = e->ListMultipartUploads("b", o);
  REQUIRE(after_a->uploads.size() == 4);
  CHECK(after_a->uploads[0].key == "photos/1");
  o.upload_id_marker = expected[0].second;  // the first upload of "a": the other two of "a" follow
  auto mid = e->ListMultipartUploads("b", o);
  REQUIRE(mid->uploads.size() == 6);
  CHECK(mid->uploads[0].upload_id == expected[1].second);
  CHECK(mid->uploads[1].upload_id == expected[2].second);
  CHECK(mid->uploads[2].key == "photos/1");

  // Paging with the last key/id of each page visits every upload once, in order.
  std::vector<std::pair<std::string, std::string>> paged;
  o = {};
  o.max_uploads = 2;
  for (int pages = 0;; ++pages) {
    REQUIRE(pages < 10);
    auto page = e->ListMultipartUploads("b", o);
    REQUIRE(page.ok());
    CHECK(page->uploads.size() <= 2);
    for (const auto& u : page->uploads) paged.emplace_back(u.key, u.upload_id);
    if (!page->is_truncated) break;
    o.key_marker = page->uploads.back().key;
    o.upload_id_marker = page->uploads.back().upload_id;
  }
  CHECK(paged == expected);
  o = {};
  o.max_uploads = 0;
  auto none = e->ListMultipartUploads("b", o);
  CHECK(none->uploads.empty());
  CHECK(none->is_truncated);
  o.max_uploads = expected.size();
  CHECK_FALSE(e->ListMultipartUploads("b", o)->is_truncated);
}

TEST_CASE("multipart: directory buckets complete into the hierarchical index") {
  TempDir dir;
  auto e = OpenEngine(dir.path);
  MakeBucket(*e, "d", BucketType::Directory);
  std::string id = Create(*e, "d", "x/y/z.bin");
  REQUIRE(PutPart(*e, "d", "x/y/z.bin", id, 1, Pattern(10000, 1)).ok());
  REQUIRE(PutPart(*e, "d", "x/y/z.bin", id, 2, Pattern(70, 2)).ok());
  REQUIRE(PutPart(*e, "d", "x/y/z.bin", id, 3, Pattern(20000, 3)).ok());
  // In progress: no directory exists yet.
  CHECK(e->ListObjects("d", {})->objects.empty());
  REQUIRE(Complete(*e, "d", "x/y/z.bin", id, {1, 2, 3}).ok());
  CHECK(Get(*e, "d", "x/y/z.bin") == Cat({Pattern(10000, 1), Pattern(70, 2), Pattern(20000, 3)}));
  auto walk = e->ListObjects("d", {});
  REQUIRE(walk->objects.size() == 1);
  CHECK(walk->objects[0].key == "x/y/z.bin");
  CHECK(walk->objects[0].meta.size == 30070);
  ListOptions o;
  o.prefix = "x/";
  o.delimiter = "/";
  auto level = e->ListObjects("d", o);
  REQUIRE(level->common_prefixes.size() == 1);
  CHECK(level->common_prefixes[0] == "x/y/");

  // A completion that would put an object where a directory is fails and keeps the upload.
  std::string conflict = Create(*e, "d", "x/y");
  REQUIRE(PutPart(*e, "d", "x/y", conflict, 1, Pattern(10000, 4)).ok());
  Status s = Complete(*e, "d", "x/y", conflict, {1});
  CHECK(s.code() == Code::InvalidArgument);
  CHECK(s.detail() == Detail::PathConflict);
  CHECK(e->ListUploadParts("d", "x/y", conflict)->size() == 1);

  // A directory bucket with an upload in progress cannot be deleted, even when empty.
  REQUIRE(e->DeleteObject("d", "x/y/z.bin").ok());
  CHECK(e->DeleteBucket("d").code() == Code::BucketNotEmpty);
  REQUIRE(e->AbortMultipartUpload("d", "x/y", conflict).ok());
  CHECK(BlobFiles(dir.path).empty());
  REQUIRE(e->DeleteBucket("d").ok());
}

TEST_CASE("multipart: deleting a general-purpose bucket aborts its uploads and frees their parts") {
  TempDir dir;
  auto e = OpenEngine(dir.path);
  MakeBucket(*e, "b");
  MakeBucket(*e, "other");
  std::string id = Create(*e, "b", "k");
  REQUIRE(PutPart(*e, "b", "k", id, 1, Pattern(10000, 1)).ok());
  std::string id2 = Create(*e, "b", "k2");
  REQUIRE(PutPart(*e, "b", "k2", id2, 1, Pattern(10000, 2)).ok());
  std::string kept = Create(*e, "other", "k");
  REQUIRE(PutPart(*e, "other", "k", kept, 1, Pattern(10000, 3)).ok());
  auto kept_blobs = BlobFiles(dir.path);
  REQUIRE(kept_blobs.size() == 3);
  // Objects still make it non-empty (and nothing is aborted then).
  REQUIRE(e->PutObject("b", "obj", std::move(e->NewBodyWriter().value()), {}).ok());
  CHECK(e->DeleteBucket("b").code() == Code::BucketNotEmpty);
  CHECK(e->ListMultipartUploads("b", {})->uploads.size() == 2);
  REQUIRE(e->DeleteObject("b", "obj").ok());
  REQUIRE(e->DeleteBucket("b").ok());
  CHECK(BlobFiles(dir.path).size() == 1);
  // A bucket of the same name starts with no uploads.
  MakeBucket(*e, "b");
  CHECK(e->ListMultipartUploads("b", {})->uploads.empty());
  CHECK(e->GetMultipartUpload("b", "k", id).status().code() == Code::NoSuchUpload);
  CHECK(e->ListUploadParts("other", "k", kept)->size() == 1);
}

TEST_CASE("multipart: uploads and parts survive a reopen; recovery keeps part blobs") {
  TempDir dir;
  std::string id;
  std::vector<std::string> bodies = {Pattern(2 << 20, 1), Pattern(1000, 2), Pattern(5 << 20, 3), Pattern(777, 4)};
  {
    auto e = OpenEngine(dir.path);
    MakeBucket(*e, "b");
    id = Create(*e, "b", "persist");
    for (uint32_t n = 1; n <= bodies.size(); ++n) REQUIRE(PutPart(*e, "b", "persist", id, n, bodies[n - 1]).ok());
    REQUIRE(PutPart(*e, "b", "persist", id, 9, Pattern(10000, 9)).ok());  // never named
  }
  auto blobs = BlobFiles(dir.path);
  REQUIRE(blobs.size() == 3);
  {
    auto e = OpenEngine(dir.path);  // recovery runs here
    CHECK(BlobFiles(dir.path) == blobs);
    auto up = e->GetMultipartUpload("b", "persist", id);
    REQUIRE(up.ok());
    CHECK(up->meta.user_meta == std::vector<std::pair<std::string, std::string>>{{"color", "blue"}});
    CHECK(PartNumbers(e->ListUploadParts("b", "persist", id).value()) == std::vector<uint32_t>{1, 2, 3, 4, 9});
    CHECK(e->ListMultipartUploads("b", {})->uploads.size() == 1);
    REQUIRE(Complete(*e, "b", "persist", id, {1, 2, 3, 4}).ok());
  }
  auto e = OpenEngine(dir.path);
  std::string all;
  for (const auto& b : bodies) all += b;
  CHECK(Get(*e, "b", "persist") == all);
  CHECK(BlobFiles(dir.path).size() == 2);
  CHECK(e->GetObject("b", "persist")->part_count == 4);
}

TEST_CASE("multipart: concurrent parts of one upload all land; one part raced by many writers keeps one blob") {
  TempDir dir;
  auto e = OpenEngine(dir.path);
  MakeBucket(*e, "b");
  std::string id = Create(*e, "b", "k");
  constexpr uint32_t kParts = 24;
  std::atomic<int> failures{0};
  std::vector<std::thread> threads;
  for (uint32_t n = 1; n <= kParts; ++n) {
    threads.emplace_back([&, n] {
      if (!PutPart(*e, "b", "k", id, n, Pattern(n % 3 == 0 ? 100 : 9000 + n, n)).ok()) ++failures;
    });
  }
  for (auto& t : threads) t.join();
  CHECK(failures.load() == 0);
  REQUIRE(e->ListUploadParts("b", "k", id)->size() == kParts);
  // Many writers of the same part number: one wins, the other blobs are freed.
  threads.clear();
  for (unsigned w = 0; w < 8; ++w) {
    threads.emplace_back([&, w] {
      if (!PutPart(*e, "b", "k", id, 100, Pattern(8000 + w, 1000 + w)).ok()) ++failures;
    });
  }
  for (auto& t : threads) t.join();
  CHECK(failures.load() == 0);
  auto parts = e->ListUploadParts("b", "k", id, 99);
  REQUIRE(parts->size() == 1);
  const size_t winner = parts.value()[0].extent.size;
  CHECK(BlobFiles(dir.path).size() == kParts - kParts / 3 + 1);
  std::vector<uint32_t> names;
  std::string all;
  for (uint32_t n = 1; n <= kParts; ++n) {
    names.push_back(n);
    all += Pattern(n % 3 == 0 ? 100 : 9000 + n, n);
  }
  names.push_back(100);
  all += Pattern(winner, static_cast<unsigned>(1000 + winner - 8000));
  REQUIRE(Complete(*e, "b", "k", id, names).ok());
  CHECK(Get(*e, "b", "k") == all);
  CHECK(e->GetObject("b", "k")->part_count == kParts + 1);

  // Completion racing an abort and part uploads: exactly one of complete/abort wins.
  std::string race = Create(*e, "b", "race");
  REQUIRE(PutPart(*e, "b", "race", race, 1, Pattern(9000, 1)).ok());
  Status completed, aborted;
  std::thread t1([&] { completed = Complete(*e, "b", "race", race, {1}); });
  std::thread t2([&] { aborted = e->AbortMultipartUpload("b", "race", race); });
  std::thread t3([&] { (void)PutPart(*e, "b", "race", race, 2, Pattern(9000, 2)); });
  t1.join();
  t2.join();
  t3.join();
  CHECK(completed.ok() != aborted.ok());
  CHECK((completed.ok() || completed.code() == Code::NoSuchUpload));
  CHECK((aborted.ok() || aborted.code() == Code::NoSuchUpload));
  size_t expected_blobs = BlobFiles(dir.path).size();
  auto reopened = [&] {
    e.reset();
    e = OpenEngine(dir.path);
  };
  reopened();
  CHECK(BlobFiles(dir.path).size() == expected_blobs);  // no orphan was left behind
}

TEST_CASE("multipart: inline parts beyond the record's inline limit become blobs at completion") {
  TempDir dir;
  auto e = OpenEngine(dir.path);
  MakeBucket(*e, "b");
  MakeBucket(*e, "d", BucketType::Directory);
  std::vector<std::string> bodies;
  for (unsigned i = 0; i < 10; ++i) bodies.push_back(Pattern(1000 + i, 50 + i));  // each inline, 10 KB in all
  std::string all;
  for (const auto& b : bodies) all += b;
  std::vector<uint32_t> names;
  for (uint32_t n = 1; n <= bodies.size(); ++n) names.push_back(n);

  // A long key shares its LMDB value with its group: only 1 KiB may stay inline.
  const std::string long_key = std::string(600, 'L') + "/tail";
  for (const auto& bucket_key : std::vector<std::pair<std::string, std::string>>{
           {"b", "k"}, {"d", "dir/k"}, {"b", long_key}, {"d", std::string(600, 'n')}}) {
    // Not a structured binding: doctest's CAPTURE is a lambda, and clang 14 cannot capture those.
    const std::string& bucket = bucket_key.first;
    const std::string& key = bucket_key.second;
    CAPTURE(bucket);
    std::string id = Create(*e, bucket, key);
    for (uint32_t n = 1; n <= bodies.size(); ++n) REQUIRE(PutPart(*e, bucket, key, id, n, bodies[n - 1]).ok());
    REQUIRE(Complete(*e, bucket, key, id, names).ok());
    CHECK(Get(*e, bucket, key) == all);
    auto r = e->GetObject(bucket, key);
    REQUIRE(r.ok());
    size_t inline_bytes = 0;
    for (const auto& x : r->extents) inline_bytes += x.inline_data.size();
    CHECK(inline_bytes <= kThreshold);
    if (key.size() > 440) CHECK(inline_bytes <= 1024);
    CHECK(r->part_count == 10);
  }
  // Each blob on disk belongs to one of the objects.
  std::set<std::string> referenced;
  for (const auto& [bucket, key] : std::vector<std::pair<std::string, std::string>>{
           {"b", "k"}, {"d", "dir/k"}, {"b", long_key}, {"d", std::string(600, 'n')}}) {
    auto r = e->GetObject(bucket, key);
    REQUIRE(r.ok());
    for (const auto& x : r->extents) {
      if (!x.blob_id.empty()) referenced.insert(x.blob_id);
    }
  }
  CHECK(referenced.size() == 6 + 6 + 9 + 9);  // the parts past 4 KiB, or past 1 KiB for long keys
  CHECK(BlobFiles(dir.path) == referenced);
}

TEST_CASE("multipart: a failed commit loses nothing acknowledged and leaks nothing after reopen") {
  TempDir dir;
  std::string id;
  {
    auto e = OpenEngine(dir.path);
    MakeBucket(*e, "b");
    id = Create(*e, "b", "k");
    REQUIRE(PutPart(*e, "b", "k", id, 1, Pattern(9000, 1)).ok());
    auto* impl = dynamic_cast<EngineImpl*>(e.get());
    REQUIRE(impl != nullptr);
    impl->writer_for_test().SetCommitHookForTest([] { return EIO; });
    CHECK(PutPart(*e, "b", "k", id, 2, Pattern(9000, 2)).code() == Code::IoError);  // outcome unknown
    CHECK(PutPart(*e, "b", "k", id, 3, Pattern(9000, 3)).code() == Code::WritesStopped);
    CHECK(Complete(*e, "b", "k", id, {1}).code() == Code::WritesStopped);
    CHECK(e->AbortMultipartUpload("b", "k", id).code() == Code::WritesStopped);
    CHECK(e->CreateMultipartUpload("b", "k2", {}).status().code() == Code::WritesStopped);
    CHECK(e->ListUploadParts("b", "k", id)->size() == 1);  // reads still work
  }
  auto e = OpenEngine(dir.path);
  CHECK(BlobFiles(dir.path).size() == 1);  // part 2's blob was an orphan: recovery removed it
  CHECK(PartNumbers(e->ListUploadParts("b", "k", id).value()) == std::vector<uint32_t>{1});
  REQUIRE(Complete(*e, "b", "k", id, {1}).ok());
  CHECK(Get(*e, "b", "k") == Pattern(9000, 1));
}

}  // namespace
}  // namespace xs3::storage
