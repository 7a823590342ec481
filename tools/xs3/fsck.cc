#include "tools/xs3/fsck.h"

#include <filesystem>
#include <map>
#include <memory>

#include "auth/checksum.h"
#include "storage/engine.h"

namespace xs3::tools {
namespace {

using storage::Engine;

bool IsMd5Hex(const std::string& etag) {
  if (etag.size() != 32) return false;
  for (char c : etag)
    if (!std::isxdigit(static_cast<unsigned char>(c))) return false;
  return true;
}

// Reads the whole body through the same reader GET uses and checks it against the record.
// Returns a problem description, empty when the object is sound.
std::string CheckObject(Engine& engine, const std::string& bucket, storage::BucketType type, const std::string& key,
                        FsckReport* report) {
  auto opened = engine.OpenObject(bucket, key);
  if (!opened.ok()) return "cannot open body: " + opened.status().message();
  const storage::ObjectMeta& meta = opened->record.meta;
  std::map<std::string, std::unique_ptr<auth::Hasher>> hashers;
  bool full_object = meta.checksum_type != "COMPOSITE";
  if (full_object) {
    for (auto& [name, value] : meta.checksums) {
      if (auto a = auth::ParseChecksumAlgorithm(name)) hashers[name] = auth::Hasher::Create(*a);
    }
  } else {
    ++report->composite_only;
  }
  bool check_md5 = type == storage::BucketType::GeneralPurpose && opened->record.part_count == 0 && IsMd5Hex(meta.etag);
  if (check_md5) hashers["MD5"] = auth::Hasher::Create(auth::ChecksumAlgorithm::MD5);

  if (opened->body->size() != meta.size) {
    return "record says " + std::to_string(meta.size) + " bytes, body has " + std::to_string(opened->body->size());
  }
  std::string buf(1 << 20, '\0');
  uint64_t offset = 0;
  while (offset < meta.size) {
    auto n = opened->body->ReadAt(offset, buf.data(), buf.size());
    if (!n.ok()) return "read failed at byte " + std::to_string(offset) + ": " + n.status().message();
    if (n.value() == 0) return "body ends at byte " + std::to_string(offset) + " of " + std::to_string(meta.size);
    for (auto& [name, h] : hashers) h->Update(buf.data(), n.value());
    offset += n.value();
  }
  report->bytes += meta.size;
  for (auto& [name, h] : hashers) {
    std::string digest = h->Final();
    if (name == "MD5") {
      if (auth::HexEncode(digest) != meta.etag) return "MD5 of the body differs from the ETag " + meta.etag;
    } else if (auth::Base64Encode(digest) != meta.checksums.at(name)) {
      return name + " of the body is " + auth::Base64Encode(digest) + ", the record says " + meta.checksums.at(name);
    }
    ++report->checksums_verified;
  }
  return {};
}

void CheckUploads(Engine& engine, const std::string& bucket, FsckReport* report) {
  storage::ListUploadsOptions list;
  for (;;) {
    auto uploads = engine.ListMultipartUploads(bucket, list);
    if (!uploads.ok()) {
      report->problems.push_back(bucket + ": cannot list uploads: " + uploads.status().message());
      return;
    }
    for (auto& u : uploads->uploads) {
      auto parts = engine.ListUploadParts(bucket, u.key, u.upload_id);
      if (!parts.ok()) {
        report->problems.push_back(bucket + "/" + u.key + " upload " + u.upload_id + ": " + parts.status().message());
        continue;
      }
      for (auto& p : parts.value()) {
        ++report->upload_parts;
        if (p.extent.blob_id.empty()) continue;  // inline: inside the record itself
        storage::ObjectRecord probe;
        probe.blob_id = p.extent.blob_id;
        probe.meta.size = p.extent.size;
        auto body = engine.OpenBody(probe);
        std::string where = bucket + "/" + u.key + " upload " + u.upload_id + " part " + std::to_string(p.part_number);
        if (!body.ok()) report->problems.push_back(where + ": blob " + p.extent.blob_id + " is missing");
        else if (body.value()->size() != p.extent.size) report->problems.push_back(where + ": size differs from its record");
      }
    }
    if (!uploads->is_truncated || uploads->uploads.empty()) return;
    list.key_marker = uploads->uploads.back().key;
    list.upload_id_marker = uploads->uploads.back().upload_id;
  }
}

}  // namespace

FsckReport Fsck(const FsckOptions& options) {
  FsckReport report;
  storage::EngineOptions eo;
  eo.data_dir = options.data_dir;
  eo.recovery = storage::EngineOptions::Recovery::Skip;  // report what recovery would remove instead of removing it
  if (!options.blobs_only) {
    auto engine = Engine::Open(eo);
    if (!engine.ok()) {
      report.error = engine.status().message();
      return report;
    }
    Engine& e = *engine.value();
    auto buckets = e.ListBuckets();
    if (!buckets.ok()) {
      report.error = buckets.status().message();
      return report;
    }
    for (auto& b : buckets.value()) {
      ++report.buckets;
      storage::ListOptions list;
      for (;;) {
        auto page = e.ListObjects(b.name, list);
        if (!page.ok()) {
          report.problems.push_back(b.name + ": cannot list: " + page.status().message());
          break;
        }
        for (auto& entry : page->objects) {
          ++report.objects;
          std::string problem = CheckObject(e, b.name, b.type, entry.key, &report);
          if (!problem.empty()) report.problems.push_back(b.name + "/" + entry.key + ": " + problem);
          if (options.progress) options.progress(report.objects, report.bytes);
        }
        if (!page->is_truncated) break;
        list.start_after = page->next_marker;
      }
      CheckUploads(e, b.name, &report);
    }
  }  // the engine is closed here: LMDB must not be opened twice in one process
  auto audit = storage::AuditBlobs(options.data_dir);
  if (!audit.ok()) {
    report.error = audit.status().message();
    return report;
  }
  report.blobs_referenced = audit->referenced;
  report.missing_blobs = audit->missing;
  report.orphan_blobs = audit->orphans;
  report.tmp_files = audit->tmp_files;
  for (auto& id : report.orphan_blobs) {
    std::error_code ec;
    auto size = std::filesystem::file_size(options.data_dir + "/blobs/" + id.substr(0, 2) + "/" + id.substr(2, 2) + "/" + id, ec);
    if (!ec) report.orphan_bytes += size;
  }
  if (options.repair && !options.blobs_only && (!report.orphan_blobs.empty() || report.tmp_files > 0)) {
    // Opening with recovery is exactly what a server start does: tmp/ emptied, orphans removed.
    eo.recovery = storage::EngineOptions::Recovery::Always;
    auto engine = Engine::Open(eo);
    if (!engine.ok()) {
      report.error = "repair: " + engine.status().message();
      return report;
    }
    report.repaired = true;
  }
  return report;
}

}  // namespace xs3::tools
