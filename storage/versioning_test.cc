// Versioning against a model: random writes, deletes, version deletes and versioning changes on
// a few keys; after every step the engine's versions, current objects and listings must equal
// the model's, and at the end every blob must be referenced exactly when a version needs it.
#include <doctest/doctest.h>
#include <unistd.h>

#include <filesystem>
#include <map>
#include <random>

#include "storage/engine.h"
#include "storage/test_support.h"

namespace xs3::storage {
namespace {

namespace fs = std::filesystem;

using testing::OpenEngine;
using testing::TempDir;

Status Put(Engine& e, const std::string& key, const std::string& body, VersionOutcome* out) {
  auto w = e.NewBodyWriter();
  REQUIRE(w.ok());
  REQUIRE(w.value()->Append(body.data(), body.size()).ok());
  ObjectMeta m;
  m.etag = "etag-" + std::to_string(body.size());
  return e.PutObject("vb", key, std::move(w.value()), m, {}, out);
}

std::string Read(Engine& e, const ObjectRecord& r) {
  auto reader = e.OpenBody(r);
  REQUIRE_MESSAGE(reader.ok(), reader.status().message());
  std::string out(reader.value()->size(), '\0');
  size_t done = 0;
  while (done < out.size()) {
    auto n = reader.value()->ReadAt(done, out.data() + done, out.size() - done);
    REQUIRE(n.ok());
    REQUIRE(n.value() > 0);
    done += n.value();
  }
  return out;
}

struct ModelVersion {
  std::string id;  // "" is null
  bool delete_marker = false;
  std::string body;
};
using Model = std::map<std::string, std::vector<ModelVersion>>;  // newest first

void CheckAgainstModel(Engine& e, const Model& model) {
  // The whole version listing, then the same through pages of 3.
  ListVersionsOptions all;
  auto listed = e.ListObjectVersions("vb", all);
  REQUIRE(listed.ok());
  std::vector<std::tuple<std::string, std::string, bool, bool>> want, got;
  for (auto& [key, versions] : model) {
    for (size_t i = 0; i < versions.size(); ++i) want.emplace_back(key, versions[i].id, versions[i].delete_marker, i == 0);
  }
  for (auto& v : listed->versions) got.emplace_back(v.key, v.meta.version_id, v.meta.delete_marker, v.is_latest);
  CHECK(got == want);
  CHECK_FALSE(listed->is_truncated);
  std::vector<std::tuple<std::string, std::string, bool, bool>> paged;
  ListVersionsOptions page;
  page.max_keys = 3;
  for (int guard = 0; guard < 1000; ++guard) {
    auto p = e.ListObjectVersions("vb", page);
    REQUIRE(p.ok());
    for (auto& v : p->versions) paged.emplace_back(v.key, v.meta.version_id, v.meta.delete_marker, v.is_latest);
    if (!p->is_truncated) break;
    page.key_marker = p->next_key_marker;
    page.version_id_marker = p->next_version_id_marker;
  }
  CHECK(paged == want);

  // Current objects: what GET and ListObjects see; and every version readable by id.
  std::vector<std::string> current;
  for (auto& [key, versions] : model) {
    if (!versions.empty() && !versions.front().delete_marker) current.push_back(key);
    auto got_current = e.GetObject("vb", key);
    if (versions.empty() || versions.front().delete_marker) {
      CHECK(got_current.status().code() == Code::NoSuchKey);
    } else {
      REQUIRE(got_current.ok());
      CHECK(Read(e, got_current.value()) == versions.front().body);
    }
    for (auto& v : versions) {
      auto r = e.GetObjectVersion("vb", key, v.id.empty() ? "null" : v.id);
      REQUIRE_MESSAGE(r.ok(), r.status().message());
      CHECK(r->meta.delete_marker == v.delete_marker);
      if (!v.delete_marker) CHECK(Read(e, r.value()) == v.body);
    }
  }
  ListOptions lo;
  auto objects = e.ListObjects("vb", lo);
  REQUIRE(objects.ok());
  std::vector<std::string> keys;
  for (auto& o : objects->objects) keys.push_back(o.key);
  CHECK(keys == current);
}

TEST_CASE("versioning: random operations match the model, across restarts, with no orphan or missing blob") {
  TempDir dir;
  auto e = OpenEngine(dir.path);
  BucketInfo b;
  b.name = "vb";
  b.region = "us-east-1";
  b.owner = "alice";
  REQUIRE(e->CreateBucket(b).ok());
  std::mt19937 rng(7);
  Model model;
  std::string versioning;
  const std::vector<std::string> keys = {"a", "a/b", "b", "c", std::string(600, 'k')};
  for (int step = 0; step < 400; ++step) {
    CAPTURE(step);
    const std::string& key = keys[rng() % keys.size()];
    auto& versions = model[key];
    int op = static_cast<int>(rng() % 10);
    if (op == 0) {
      versioning = rng() % 2 ? "Enabled" : "Suspended";
      REQUIRE(e->UpdateBucket("vb", [&](BucketInfo& info) { info.versioning = versioning; }).ok());
    } else if (op <= 4) {
      // Bodies from inline-sized to blob-sized, so both kinds move into chains.
      std::string body(rng() % 3 == 0 ? 9000 + rng() % 100 : rng() % 2000, static_cast<char>('a' + step % 26));
      VersionOutcome out;
      REQUIRE(Put(*e, key, body, &out).ok());
      CHECK(out.versioned == !versioning.empty());
      if (versioning == "Enabled") {
        CHECK(Engine::ValidVersionId(out.version_id));
        versions.insert(versions.begin(), ModelVersion{out.version_id, false, body});
      } else {
        CHECK(out.version_id.empty());
        std::erase_if(versions, [](const ModelVersion& v) { return v.id.empty(); });
        versions.insert(versions.begin(), ModelVersion{"", false, body});
      }
    } else if (op <= 6) {
      VersionOutcome out;
      REQUIRE(e->DeleteObject("vb", key, {}, &out).ok());
      if (versioning.empty()) {
        versions.clear();
      } else {
        CHECK(out.delete_marker);
        if (versioning == "Suspended") std::erase_if(versions, [](const ModelVersion& v) { return v.id.empty(); });
        versions.insert(versions.begin(), ModelVersion{out.version_id, true, ""});
      }
    } else if (!versions.empty()) {
      size_t i = rng() % versions.size();
      DeleteOptions options;
      options.version_id = versions[i].id.empty() ? "null" : versions[i].id;
      VersionOutcome out;
      REQUIRE(e->DeleteObject("vb", key, options, &out).ok());
      CHECK(out.delete_marker == versions[i].delete_marker);
      versions.erase(versions.begin() + static_cast<long>(i));
    }
    if (step % 100 == 99) {
      e.reset();
      e = OpenEngine(dir.path);
    }
    CheckAgainstModel(*e, model);
  }
  // A bucket with versions left is not empty, even when no current object remains.
  for (auto& [key, versions] : model) {
    for (auto& v : versions) {
      if (v.delete_marker) continue;
      DeleteOptions options;
      options.version_id = v.id.empty() ? "null" : v.id;
      REQUIRE(e->DeleteObject("vb", key, options).ok());
    }
    std::erase_if(versions, [](const ModelVersion& v) { return !v.delete_marker; });
  }
  CheckAgainstModel(*e, model);
  bool any_marker = false;
  for (auto& [key, versions] : model) any_marker = any_marker || !versions.empty();
  if (any_marker) CHECK(e->DeleteBucket("vb").code() == Code::BucketNotEmpty);
  e.reset();
  auto audit = AuditBlobs(dir.path);
  REQUIRE(audit.ok());
  CHECK(audit->orphans.empty());
  CHECK(audit->missing.empty());
}

TEST_CASE("versioning: malformed and unknown version ids") {
  TempDir dir;
  auto e = OpenEngine(dir.path);
  BucketInfo b;
  b.name = "vb";
  b.owner = "alice";
  REQUIRE(e->CreateBucket(b).ok());
  REQUIRE(e->UpdateBucket("vb", [](BucketInfo& info) { info.versioning = "Enabled"; }).ok());
  VersionOutcome out;
  REQUIRE(Put(*e, "k", "body", &out).ok());
  CHECK(e->GetObjectVersion("vb", "k", "nope").status().detail() == Detail::InvalidVersionId);
  CHECK(e->GetObjectVersion("vb", "k", std::string(32, 'Z')).status().code() == Code::NoSuchVersion);
  // The object written while Enabled is not the null version.
  CHECK(e->GetObjectVersion("vb", "k", "null").status().code() == Code::NoSuchVersion);
  DeleteOptions bad;
  bad.version_id = "../../etc";
  CHECK(e->DeleteObject("vb", "k", bad).detail() == Detail::InvalidVersionId);
  DeleteOptions unknown;
  unknown.version_id = std::string(32, 'Z');
  CHECK(e->DeleteObject("vb", "k", unknown).ok());  // as S3: nothing to delete is success
  CHECK(e->GetObject("vb", "k").ok());
  // A copy from a delete marker by id is refused; tagging a delete marker too.
  VersionOutcome marker;
  REQUIRE(e->DeleteObject("vb", "k", {}, &marker).ok());
  ObjectMeta meta;
  CHECK(e->CopyObject("vb", "k", "vb", "k2", meta, {}, nullptr, marker.version_id).detail() == Detail::DeleteMarker);
  CHECK(e->CopyObject("vb", "k", "vb", "k2", meta).code() == Code::NoSuchKey);
  CHECK(e->UpdateObjectMeta("vb", "k", [](ObjectMeta&) {}, {}, marker.version_id).detail() == Detail::DeleteMarker);
  // The version under the marker can still be copied and tagged by id.
  VersionOutcome copied;
  REQUIRE(e->CopyObject("vb", "k", "vb", "k2", meta, {}, &copied, out.version_id).ok());
  CHECK(copied.source_version_id == out.version_id);
  REQUIRE(e->UpdateObjectMeta("vb", "k", [](ObjectMeta& m) { m.tags = {{"t", "1"}}; }, {}, out.version_id).ok());
  auto tagged = e->GetObjectVersion("vb", "k", out.version_id);
  REQUIRE(tagged.ok());
  CHECK(tagged->meta.tags.size() == 1);
}

}  // namespace
}  // namespace xs3::storage
