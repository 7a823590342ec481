// Multipart uploads (engine.h, MultipartUpload).
//
// Two named DBs:
//   uploads: bucket '\0' upload_id                      -> EncodeUpload (key, initiated, meta)
//   parts:   bucket '\0' upload_id <part number, BE32>  -> EncodePart (extent, etag, checksum, mtime)
// Upload ids are 48 lower-case hex digits: the initiation time in ms (16 digits) then 128 random
// bits, so that within one key, upload-id order is initiation order (ListMultipartUploads sorts
// by key, initiation, id, and upload_id_marker compares ids). Bucket names never contain '\0'
// and ids have a fixed length, so one upload's parts are exactly the keys with its prefix.
//
// A part's extent is owned by its part record (recovery counts it as referenced); completion
// moves the named extents into the object record in the same transaction that deletes the
// upload, so no byte is copied and no blob is ever referenced by both or by neither.
#include <algorithm>
#include <cstring>
#include <map>
#include <set>

#include "storage/blob_store.h"
#include "storage/engine_impl.h"
#include "storage/key_codec.h"
#include "storage/record_codec.h"

namespace xs3::storage {

namespace {

constexpr size_t kUploadIdLen = 48;
constexpr uint32_t kMaxPartNumber = 10000;

bool ValidUploadId(std::string_view id) {
  if (id.size() != kUploadIdLen) return false;
  return std::all_of(id.begin(), id.end(), [](char c) { return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f'); });
}

std::string NewUploadId(int64_t initiated_ms) {
  static constexpr char kHex[] = "0123456789abcdef";
  std::string id(16, '0');
  auto t = static_cast<uint64_t>(initiated_ms);
  for (int i = 15; i >= 0; --i, t >>= 4) id[static_cast<size_t>(i)] = kHex[t & 0xF];
  return id + BlobStore::NewId();
}

Status NoSuchUpload(const std::string& upload_id) {
  return Status(Code::NoSuchUpload, "no such upload: " + upload_id);
}

// uploads key, and the prefix of the upload's parts keys.
std::string UploadKey(std::string_view bucket, std::string_view upload_id) {
  std::string k;
  k.reserve(bucket.size() + 1 + upload_id.size());
  k.append(bucket);
  k.push_back('\0');
  k.append(upload_id);
  return k;
}

std::string PartKey(std::string_view upload_key, uint32_t part_number) {
  std::string k(upload_key);
  for (int shift = 24; shift >= 0; shift -= 8) k.push_back(static_cast<char>((part_number >> shift) & 0xFF));
  return k;
}

uint32_t PartNumberOf(std::string_view part_key) {
  uint32_t n = 0;
  for (size_t i = part_key.size() - 4; i < part_key.size(); ++i) n = (n << 8) | static_cast<uint8_t>(part_key[i]);
  return n;
}

// Calls fn(part number, raw value) for the upload's parts numbered >= first, in order, while fn
// returns true.
template <class F>
Status ScanParts(MDB_txn* txn, MDB_dbi parts, const std::string& upload_key, uint64_t first, F&& fn) {
  if (first > UINT32_MAX) return Status::OK();
  Cursor c;
  if (Status s = c.Open(txn, parts); !s.ok()) return s;
  std::string start = PartKey(upload_key, static_cast<uint32_t>(first));
  MDB_val k = ToVal(start), v;
  for (int rc = mdb_cursor_get(c.get(), &k, &v, MDB_SET_RANGE); rc != MDB_NOTFOUND;
       rc = mdb_cursor_get(c.get(), &k, &v, MDB_NEXT)) {
    if (rc != 0) return LmdbStatus(rc, "mdb_cursor_get parts");
    std::string_view key = FromVal(k);
    if (key.size() != upload_key.size() + 4 || !key.starts_with(upload_key)) break;
    if (!fn(PartNumberOf(key), FromVal(v))) break;
  }
  return Status::OK();
}

// Calls fn(upload id, raw value) for every upload of the bucket, in id order, while fn returns
// true.
template <class F>
Status ScanUploads(MDB_txn* txn, MDB_dbi uploads, const std::string& bucket, F&& fn) {
  Cursor c;
  if (Status s = c.Open(txn, uploads); !s.ok()) return s;
  std::string prefix = UploadKey(bucket, "");
  MDB_val k = ToVal(prefix), v;
  for (int rc = mdb_cursor_get(c.get(), &k, &v, MDB_SET_RANGE); rc != MDB_NOTFOUND;
       rc = mdb_cursor_get(c.get(), &k, &v, MDB_NEXT)) {
    if (rc != 0) return LmdbStatus(rc, "mdb_cursor_get uploads");
    std::string_view key = FromVal(k);
    if (!key.starts_with(prefix)) break;
    if (!fn(key.substr(prefix.size()), FromVal(v))) break;
  }
  return Status::OK();
}

Status CheckPartNumber(uint32_t n) {
  if (n < 1 || n > kMaxPartNumber) {
    return Status(Code::InvalidArgument, "part number must be 1..10000, not " + std::to_string(n));
  }
  return Status::OK();
}

}  // namespace

// ---- Helpers ----

Status EngineImpl::LoadUpload(MDB_txn* txn, const std::string& bucket, const std::string& key,
                              const std::string& upload_id, MultipartUpload* out) const {
  if (!ValidUploadId(upload_id)) return NoSuchUpload(upload_id);
  std::string k = UploadKey(bucket, upload_id);
  MDB_val kv = ToVal(k), v;
  int rc = mdb_get(txn, env_->uploads(), &kv, &v);
  if (rc == MDB_NOTFOUND) return NoSuchUpload(upload_id);
  if (rc != 0) return LmdbStatus(rc, "mdb_get upload");
  if (!DecodeUpload(bucket, upload_id, FromVal(v), out)) return Status(Code::IoError, "corrupt upload record");
  if (out->key != key) return NoSuchUpload(upload_id);
  return Status::OK();
}

Status EngineImpl::DropUpload(WriteTxn& t, const std::string& bucket, const std::string& upload_id,
                              const std::vector<std::string>& keep) {
  const std::string upload_key = UploadKey(bucket, upload_id);
  std::vector<std::string> keys;
  std::vector<std::string> blobs;
  Status bad;
  Status s = ScanParts(t.txn, env_->parts(), upload_key, 0, [&](uint32_t n, std::string_view value) {
    UploadPart p;
    if (!DecodePart(value, &p, /*with_body=*/false)) {
      bad = Status(Code::IoError, "corrupt part record");
      return false;
    }
    keys.push_back(PartKey(upload_key, n));
    if (!p.extent.blob_id.empty() && std::find(keep.begin(), keep.end(), p.extent.blob_id) == keep.end()) {
      blobs.push_back(std::move(p.extent.blob_id));
    }
    return true;
  });
  if (!s.ok()) return s;
  if (!bad.ok()) return bad;
  for (const std::string& k : keys) {
    MDB_val kv = ToVal(k);
    if (int rc = mdb_del(t.txn, env_->parts(), &kv, nullptr); rc != 0) return LmdbStatus(rc, "mdb_del part");
  }
  MDB_val kv = ToVal(upload_key);
  if (int rc = mdb_del(t.txn, env_->uploads(), &kv, nullptr); rc != 0) return LmdbStatus(rc, "mdb_del upload");
  for (std::string& id : blobs) t.on_commit.push_back([this, id = std::move(id)] { blobs_.Remove(id); });
  return Status::OK();
}

Result<bool> EngineImpl::BucketHasUploads(MDB_txn* txn, const std::string& bucket) const {
  bool any = false;
  Status s = ScanUploads(txn, env_->uploads(), bucket, [&](std::string_view, std::string_view) {
    any = true;
    return false;
  });
  if (!s.ok()) return s;
  return any;
}

Status EngineImpl::DropBucketUploads(WriteTxn& t, const std::string& bucket) {
  std::vector<std::string> ids;
  Status s = ScanUploads(t.txn, env_->uploads(), bucket, [&](std::string_view id, std::string_view) {
    ids.emplace_back(id);
    return true;
  });
  if (!s.ok()) return s;
  for (const std::string& id : ids) {
    if (s = DropUpload(t, bucket, id); !s.ok()) return s;
  }
  return Status::OK();
}

Status CollectPartBlobs(MDB_txn* txn, MDB_dbi parts, std::unordered_set<std::string>* referenced) {
  Cursor c;
  if (Status s = c.Open(txn, parts); !s.ok()) return s;
  MDB_val k, v;
  for (int rc = mdb_cursor_get(c.get(), &k, &v, MDB_FIRST); rc != MDB_NOTFOUND;
       rc = mdb_cursor_get(c.get(), &k, &v, MDB_NEXT)) {
    if (rc != 0) return LmdbStatus(rc, "mdb_cursor_get parts");
    UploadPart p;
    if (!DecodePart(FromVal(v), &p, /*with_body=*/false)) {
      return Status(Code::IoError, "corrupt part record during recovery");
    }
    if (!p.extent.blob_id.empty()) referenced->insert(std::move(p.extent.blob_id));
  }
  return Status::OK();
}

// ---- Operations ----

Result<std::string> EngineImpl::CreateMultipartUpload(const std::string& bucket, const std::string& key,
                                                      ObjectMeta meta) {
  if (Status s = ValidateObject(bucket, key); !s.ok()) return s;
  MultipartUpload upload;
  upload.key = key;
  upload.meta = std::move(meta);
  upload.initiated_ms = NowMs();
  const std::string value = EncodeUpload(upload);
  std::string id;
  Status result = writer_->Submit([&](WriteTxn& t) {
    if (Status s = CheckBucket(t.txn, bucket); !s.ok()) return s;
    for (;;) {  // 128 random bits: a collision is only theoretical, but never overwrite an upload
      id = NewUploadId(upload.initiated_ms);
      std::string k = UploadKey(bucket, id);
      MDB_val kv = ToVal(k), v = ToVal(value);
      int rc = mdb_put(t.txn, env_->uploads(), &kv, &v, MDB_NOOVERWRITE);
      if (rc == MDB_KEYEXIST) continue;
      if (rc != 0) return LmdbStatus(rc, "mdb_put upload");
      return Status::OK();
    }
  });
  if (!result.ok()) return result;
  return id;
}

Result<MultipartUpload> EngineImpl::GetMultipartUpload(const std::string& bucket, const std::string& key,
                                                       const std::string& upload_id) {
  if (Status s = ValidateObject(bucket, key); !s.ok()) return s;
  auto txn = ReadTxn::Begin(env_->env());
  if (!txn.ok()) return txn.status();
  if (Status s = CheckBucket(txn->get(), bucket); !s.ok()) return s;
  MultipartUpload upload;
  if (Status s = LoadUpload(txn->get(), bucket, key, upload_id, &upload); !s.ok()) return s;
  return upload;
}

Status EngineImpl::PutUploadPart(const std::string& bucket, const std::string& key, const std::string& upload_id,
                                 UploadPart part) {
  auto fail = [&](Status s) {
    DiscardExtent(part.extent);
    return s;
  };
  if (Status s = ValidateObject(bucket, key); !s.ok()) return fail(s);
  if (Status s = CheckPartNumber(part.part_number); !s.ok()) return fail(s);
  if (part.extent.blob_id.empty() && part.extent.inline_data.size() != part.extent.size) {
    return fail(Status(Code::InvalidArgument, "inline extent size does not match its data"));
  }
  if (!ValidUploadId(upload_id)) return fail(NoSuchUpload(upload_id));
  if (writer_->stopped()) return fail(Status(Code::WritesStopped, "writes stopped after an earlier sync failure"));
  if (part.mtime_ms == 0) part.mtime_ms = NowMs();
  const std::string value = EncodePart(part);
  const std::string part_key = PartKey(UploadKey(bucket, upload_id), part.part_number);
  Status result = writer_->Submit([&](WriteTxn& t) {
    if (Status s = CheckBucket(t.txn, bucket); !s.ok()) return s;
    MultipartUpload upload;
    if (Status s = LoadUpload(t.txn, bucket, key, upload_id, &upload); !s.ok()) return s;
    MDB_val k = ToVal(part_key), old;
    int rc = mdb_get(t.txn, env_->parts(), &k, &old);
    if (rc != 0 && rc != MDB_NOTFOUND) return LmdbStatus(rc, "mdb_get part");
    std::string replaced_blob;
    if (rc == 0) {
      UploadPart p;
      if (!DecodePart(FromVal(old), &p, /*with_body=*/false)) return Status(Code::IoError, "corrupt part record");
      if (p.extent.blob_id != part.extent.blob_id) replaced_blob = std::move(p.extent.blob_id);
    }
    MDB_val v = ToVal(value);
    if (rc = mdb_put(t.txn, env_->parts(), &k, &v, 0); rc != 0) return LmdbStatus(rc, "mdb_put part");
    if (!replaced_blob.empty()) {
      t.on_commit.push_back([this, id = std::move(replaced_blob)] { blobs_.Remove(id); });
    }
    return Status::OK();
  });
  // IoError may come from a failed commit whose outcome is unknown: keep the blob and let
  // recovery decide (as Publish does). Any other failure certainly left it unreferenced.
  if (!result.ok() && Discardable(result)) DiscardExtent(part.extent);
  return result;
}

Result<std::vector<UploadPart>> EngineImpl::ListUploadParts(const std::string& bucket, const std::string& key,
                                                            const std::string& upload_id,
                                                            uint32_t part_number_marker, size_t max_parts) {
  if (Status s = ValidateObject(bucket, key); !s.ok()) return s;
  auto txn = ReadTxn::Begin(env_->env());
  if (!txn.ok()) return txn.status();
  if (Status s = CheckBucket(txn->get(), bucket); !s.ok()) return s;
  MultipartUpload upload;
  if (Status s = LoadUpload(txn->get(), bucket, key, upload_id, &upload); !s.ok()) return s;
  std::vector<UploadPart> out;
  if (max_parts == 0) return out;
  Status bad;
  Status s = ScanParts(txn->get(), env_->parts(), UploadKey(bucket, upload_id), uint64_t{part_number_marker} + 1,
                       [&](uint32_t, std::string_view value) {
                         UploadPart p;
                         if (!DecodePart(value, &p, /*with_body=*/false)) {
                           bad = Status(Code::IoError, "corrupt part record");
                           return false;
                         }
                         out.push_back(std::move(p));
                         return out.size() < max_parts;
                       });
  if (!s.ok()) return s;
  if (!bad.ok()) return bad;
  return out;
}

Status EngineImpl::CompleteMultipartUpload(const std::string& bucket, const std::string& key,
                                           const std::string& upload_id, const std::vector<uint32_t>& part_numbers,
                                           ObjectMeta meta, const WriteConditions& conditions,
                                           VersionOutcome* outcome) {
  if (Status s = ValidateObject(bucket, key); !s.ok()) return s;
  if (!ValidUploadId(upload_id)) return NoSuchUpload(upload_id);
  if (part_numbers.empty()) return Status(Code::InvalidArgument, "a multipart upload completes with at least one part");
  {
    std::set<uint32_t> seen;
    for (uint32_t n : part_numbers) {
      if (Status s = CheckPartNumber(n); !s.ok()) return Status(Code::InvalidPart, s.message());
      if (!seen.insert(n).second) {
        return Status(Code::InvalidArgument, "part " + std::to_string(n) + " is named more than once");
      }
    }
  }
  if (writer_->stopped()) return Status(Code::WritesStopped, "writes stopped after an earlier sync failure");
  // The assembled record keeps small parts inline up to the record's inline limit; beyond it,
  // inline parts must become blobs. That is disk I/O, done outside the write txn: the txn asks
  // for the conversions it needs and the mutation is retried. A conversion is used only while
  // the part still has the value it was converted from (a concurrent PutUploadPart may replace it).
  const size_t limit = InlineLimit(PeekBucket(bucket), key);
  if (meta.mtime_ms == 0) meta.mtime_ms = NowMs();
  struct Converted {
    std::string source;  // the part record's value when its inline bytes were written as a blob
    std::string blob_id;
  };
  std::map<uint32_t, Converted> converted;
  auto remove_converted = [&](const std::set<std::string>& keep) {
    for (const auto& [n, c] : converted) {
      if (keep.count(c.blob_id) == 0) blobs_.Remove(c.blob_id);
    }
  };
  constexpr int kAttempts = 16;
  for (int attempt = 0;; ++attempt) {
    std::vector<std::pair<uint32_t, std::string>> need;  // inline parts to write as blobs: number, value
    std::set<std::string> used;                            // converted blobs in the published record
    Status result = writer_->Submit([&](WriteTxn& t) {
      need.clear();
      used.clear();
      auto info = BucketOf(t.txn, bucket);
      if (!info.ok()) return info.status();
      MultipartUpload upload;
      if (Status s = LoadUpload(t.txn, bucket, key, upload_id, &upload); !s.ok()) return s;
      const std::string upload_key = UploadKey(bucket, upload_id);
      ObjectRecord record;
      record.meta = meta;
      record.meta.size = 0;
      record.part_count = static_cast<uint32_t>(part_numbers.size());
      uint64_t inline_bytes = 0;
      for (uint32_t n : part_numbers) {
        std::string part_key = PartKey(upload_key, n);
        MDB_val k = ToVal(part_key), v;
        int rc = mdb_get(t.txn, env_->parts(), &k, &v);
        if (rc == MDB_NOTFOUND) {
          return Status(Code::InvalidPart, "part " + std::to_string(n) + " was not uploaded");
        }
        if (rc != 0) return LmdbStatus(rc, "mdb_get part");
        UploadPart p;
        if (!DecodePart(FromVal(v), &p)) return Status(Code::IoError, "corrupt part record");
        Extent& e = p.extent;
        if (e.blob_id.empty() && e.size > 0) {
          auto c = converted.find(n);
          if (c != converted.end() && c->second.source == FromVal(v)) {
            e.blob_id = c->second.blob_id;
            e.inline_data.clear();
            used.insert(e.blob_id);
          } else if (inline_bytes + e.size <= limit) {
            inline_bytes += e.size;
          } else {
            need.emplace_back(n, std::string(FromVal(v)));
          }
        }
        record.meta.size += e.size;
        record.extents.push_back(std::move(e));
      }
      if (!need.empty()) return Status(Code::IoError, "inline parts must become blobs first");
      // One part is stored as a plain body (a blob can be sent with sendfile). Several stay one
      // extent per part, empty ones included, so that extent i is part i + 1 (GET ?partNumber).
      if (record.extents.size() == 1) NormalizeExtents(&record);
      std::string value;  // encoded by PublishInTxn, with the version id it assigns
      std::vector<std::string> new_blobs = BlobsOf(record);
      if (Status s = PublishInTxn(t, info.value(), key, record, value, new_blobs, conditions, outcome); !s.ok()) {
        return s;
      }
      // The named parts' blobs now belong to the object; the others are freed after the commit.
      return DropUpload(t, bucket, upload_id, new_blobs);
    });
    if (!need.empty() && attempt + 1 < kAttempts) {
      for (auto& [n, source] : need) {
        UploadPart p;
        if (!DecodePart(source, &p)) {
          remove_converted({});
          return Status(Code::IoError, "corrupt part record");
        }
        auto id = blobs_.WriteBlob(p.extent.inline_data);
        if (!id.ok()) {
          remove_converted({});
          return id.status();
        }
        if (auto old = converted.find(n); old != converted.end()) blobs_.Remove(old->second.blob_id);
        converted[n] = Converted{std::move(source), std::move(id.value())};
      }
      continue;
    }
    if (result.ok()) {
      remove_converted(used);
    } else if (!need.empty() || Discardable(result)) {
      remove_converted({});  // certainly not published
    }
    // else: a failed commit with an unknown outcome; recovery collects what is unreferenced.
    return result;
  }
}

Status EngineImpl::AbortMultipartUpload(const std::string& bucket, const std::string& key,
                                        const std::string& upload_id) {
  if (Status s = ValidateObject(bucket, key); !s.ok()) return s;
  if (!ValidUploadId(upload_id)) return NoSuchUpload(upload_id);
  return writer_->Submit([&](WriteTxn& t) {
    if (Status s = CheckBucket(t.txn, bucket); !s.ok()) return s;
    MultipartUpload upload;
    if (Status s = LoadUpload(t.txn, bucket, key, upload_id, &upload); !s.ok()) return s;
    return DropUpload(t, bucket, upload_id);
  });
}

Result<ListUploadsResult> EngineImpl::ListMultipartUploads(const std::string& bucket,
                                                           const ListUploadsOptions& options) {
  if (!ValidBucketName(bucket)) return NoSuchBucket(bucket);
  auto txn = ReadTxn::Begin(env_->env());
  if (!txn.ok()) return txn.status();
  if (Status s = CheckBucket(txn->get(), bucket); !s.ok()) return s;
  ListUploadsResult result;
  Status bad;
  Status s = ScanUploads(txn->get(), env_->uploads(), bucket, [&](std::string_view id, std::string_view value) {
    MultipartUpload u;
    if (!DecodeUpload(bucket, id, value, &u)) {
      bad = Status(Code::IoError, "corrupt upload record");
      return false;
    }
    if (!u.key.starts_with(options.prefix)) return true;
    if (u.key < options.key_marker) return true;
    if (u.key == options.key_marker && (options.upload_id_marker.empty() || u.upload_id <= options.upload_id_marker)) {
      return true;
    }
    result.uploads.push_back(std::move(u));
    return true;
  });
  if (!s.ok()) return s;
  if (!bad.ok()) return bad;
  std::sort(result.uploads.begin(), result.uploads.end(), [](const MultipartUpload& a, const MultipartUpload& b) {
    if (a.key != b.key) return a.key < b.key;
    if (a.initiated_ms != b.initiated_ms) return a.initiated_ms < b.initiated_ms;
    return a.upload_id < b.upload_id;
  });
  if (result.uploads.size() > options.max_uploads) {
    result.uploads.resize(options.max_uploads);
    result.is_truncated = true;
  }
  return result;
}

}  // namespace xs3::storage
