// S3 versioning for general-purpose buckets (see "Versioning" in engine.h).
//
// The current object stays in the flat index exactly as in an unversioned bucket, so reads and
// listings of current objects cost what they always did. Everything older lives in one value
// per key in the versions DB (same flat-index key encoding): the key's version chain, newest
// first. A write to a versioned key therefore rewrites that chain; records entering it carry at
// most kMaxInlineBodyInGroup inline bytes (Publish stores larger bodies of versioned buckets as
// blobs), so a chain costs about its version count times a record's metadata.
#include <sys/random.h>

#include <algorithm>

#include "storage/engine_impl.h"
#include "storage/flat_index.h"
#include "storage/key_codec.h"
#include "storage/record_codec.h"

namespace xs3::storage {

namespace {

constexpr size_t kVersionIdLength = 32;
constexpr char kVersionIdAlphabet[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";

// "null" names the null version, stored as an empty version id.
std::string StoredId(const std::string& version_id) { return version_id == "null" ? std::string() : version_id; }
std::string ShownId(const std::string& stored) { return stored.empty() ? "null" : stored; }

}  // namespace

std::string NewVersionId() {
  unsigned char raw[kVersionIdLength];
  size_t got = 0;
  while (got < sizeof raw) {
    ssize_t n = ::getrandom(raw + got, sizeof raw - got, 0);
    if (n > 0) got += static_cast<size_t>(n);
  }
  std::string id(kVersionIdLength, 'A');
  for (size_t i = 0; i < kVersionIdLength; ++i) id[i] = kVersionIdAlphabet[raw[i] & 63];
  return id;
}

bool Engine::ValidVersionId(std::string_view version_id) {
  if (version_id == "null") return true;
  if (version_id.size() != kVersionIdLength) return false;
  return std::all_of(version_id.begin(), version_id.end(), [](char c) {
    return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-' || c == '_';
  });
}

Result<OpenedObject> Engine::OpenObjectVersion(const std::string& bucket, const std::string& key,
                                               const std::string& version_id) {
  // As OpenObject: a body that vanished means the version was deleted in between; read again.
  constexpr int kAttempts = 4;
  Status last;
  for (int attempt = 0; attempt < kAttempts; ++attempt) {
    auto record = GetObjectVersion(bucket, key, version_id);
    if (!record.ok()) return record.status();
    if (record->meta.delete_marker) return OpenedObject{std::move(record.value()), nullptr};
    auto body = OpenBody(record.value());
    if (body.ok()) return OpenedObject{std::move(record.value()), std::move(body.value())};
    if (body.status().code() != Code::NoSuchKey) return body.status();
    last = Status(Code::NoSuchVersion, "version deleted while opened");
  }
  return last;
}

Status EngineImpl::LoadChain(MDB_txn* txn, const std::string& bucket, const std::string& key,
                             std::vector<ObjectRecord>* chain, bool with_body) const {
  chain->clear();
  if (!env_->has_versions()) return Status::OK();
  std::string value;
  Status s = FlatGet(txn, env_->versions(), bucket, key, &value);
  if (s.code() == Code::NoSuchKey) return Status::OK();
  if (!s.ok()) return s;
  if (!DecodeChain(value, chain, with_body)) return Status(Code::IoError, "corrupt version chain: " + key);
  return Status::OK();
}

Status EngineImpl::StoreChain(MDB_txn* txn, const std::string& bucket, const std::string& key,
                              const std::vector<ObjectRecord>& chain) const {
  if (chain.empty()) {
    Status s = FlatDelete(txn, env_->versions(), bucket, key);
    return s.code() == Code::NoSuchKey ? Status::OK() : s;
  }
  return FlatPut(txn, env_->versions(), bucket, key, EncodeChain(chain));
}

void EngineImpl::FreeAfterCommit(WriteTxn& t, const ObjectRecord& record, const std::vector<std::string>& keep) {
  for (std::string& id : BlobsOf(record)) {
    if (std::find(keep.begin(), keep.end(), id) != keep.end()) continue;
    t.on_commit.push_back([this, id = std::move(id)] { blobs_.Remove(id); });
  }
}

Status EngineImpl::AddDeleteMarkerInTxn(WriteTxn& t, const BucketInfo& info, const std::string& key,
                                        const std::string& owner, VersionOutcome* outcome) {
  const bool enabled = info.versioning == "Enabled";
  std::vector<ObjectRecord> chain;
  if (Status s = LoadChain(t.txn, info.name, key, &chain); !s.ok()) return s;
  if (!enabled) {
    // Suspended: the marker is the key's null version, replacing the previous one.
    std::erase_if(chain, [&](const ObjectRecord& r) {
      if (!r.meta.version_id.empty()) return false;
      FreeAfterCommit(t, r);
      return true;
    });
  }
  std::string value;
  Status got = IndexGet(t.txn, info.type, info.name, key, &value);
  if (!got.ok() && got.code() != Code::NoSuchKey) return got;
  if (got.ok()) {
    ObjectRecord current;
    if (!DecodeRecord(value, &current)) return Status(Code::IoError, "corrupt object record: " + key);
    if (Status s = IndexDelete(t.txn, info.type, info.name, key); !s.ok()) return s;
    if (!enabled && current.meta.version_id.empty()) {
      FreeAfterCommit(t, current);
    } else {
      chain.insert(chain.begin(), std::move(current));
    }
  }
  ObjectRecord marker;
  marker.meta.delete_marker = true;
  marker.meta.version_id = enabled ? NewVersionId() : std::string();
  marker.meta.mtime_ms = NowMs();
  marker.meta.owner = owner;
  if (outcome) {
    outcome->versioned = true;
    outcome->delete_marker = true;
    outcome->version_id = marker.meta.version_id;
  }
  chain.insert(chain.begin(), std::move(marker));
  return StoreChain(t.txn, info.name, key, chain);
}

Status EngineImpl::DeleteVersionInTxn(WriteTxn& t, const BucketInfo& info, const std::string& key,
                                      const std::string& version_id, VersionOutcome* outcome) {
  const std::string wanted = StoredId(version_id);
  if (outcome) {
    outcome->versioned = info.type == BucketType::GeneralPurpose && !info.versioning.empty();
    outcome->version_id = wanted;
  }
  std::string value;
  Status got = IndexGet(t.txn, info.type, info.name, key, &value);
  if (!got.ok() && got.code() != Code::NoSuchKey) return got;
  ObjectRecord current;
  if (got.ok() && !DecodeRecord(value, &current, /*with_body=*/false)) {
    return Status(Code::IoError, "corrupt object record: " + key);
  }
  if (info.type == BucketType::Directory) {
    // No versions: only the current object's null version can be named.
    if (!got.ok() || current.meta.version_id != wanted) return Status::OK();
    if (Status s = IndexDelete(t.txn, info.type, info.name, key); !s.ok()) return s;
    FreeAfterCommit(t, current);
    return Status::OK();
  }
  std::vector<ObjectRecord> chain;
  if (Status s = LoadChain(t.txn, info.name, key, &chain); !s.ok()) return s;
  bool latest_removed = false, chain_changed = false;
  if (got.ok() && current.meta.version_id == wanted) {
    if (Status s = IndexDelete(t.txn, info.type, info.name, key); !s.ok()) return s;
    FreeAfterCommit(t, current);
    latest_removed = true;
  } else {
    auto it = std::find_if(chain.begin(), chain.end(),
                           [&](const ObjectRecord& r) { return r.meta.version_id == wanted; });
    // S3 answers a delete of a version that does not exist with success, like any delete.
    if (it == chain.end()) return Status::OK();
    if (outcome) outcome->delete_marker = it->meta.delete_marker;
    latest_removed = !got.ok() && it == chain.begin();
    FreeAfterCommit(t, *it);
    chain.erase(it);
    chain_changed = true;
  }
  // The next newest version becomes current, unless it is a delete marker (which stays latest).
  if (latest_removed && !chain.empty() && !chain.front().meta.delete_marker) {
    if (Status s = IndexPut(t.txn, info.type, info.name, key, EncodeRecord(chain.front())); !s.ok()) return s;
    chain.erase(chain.begin());
    chain_changed = true;
  }
  if (!chain_changed) return Status::OK();
  return StoreChain(t.txn, info.name, key, chain);
}

Result<ObjectRecord> EngineImpl::GetObjectVersion(const std::string& bucket, const std::string& key,
                                                  const std::string& version_id) {
  if (Status s = ValidateObject(bucket, key); !s.ok()) return s;
  if (!ValidVersionId(version_id)) {
    return Status(Code::InvalidArgument, Detail::InvalidVersionId, "Invalid version id specified");
  }
  const std::string wanted = StoredId(version_id);
  auto txn = ReadTxn::Begin(env_->env());
  if (!txn.ok()) return txn.status();
  auto type = TypeOf(txn->get(), bucket);
  if (!type.ok()) return type.status();
  std::string value;
  Status got = IndexGet(txn->get(), type.value(), bucket, key, &value);
  if (!got.ok() && got.code() != Code::NoSuchKey) return got;
  if (got.ok()) {
    ObjectRecord record;
    if (!DecodeRecord(value, &record)) return Status(Code::IoError, "corrupt object record: " + key);
    if (record.meta.version_id == wanted) return record;
  }
  if (type.value() == BucketType::GeneralPurpose) {
    std::vector<ObjectRecord> chain;
    if (Status s = LoadChain(txn->get(), bucket, key, &chain); !s.ok()) return s;
    for (ObjectRecord& r : chain) {
      if (r.meta.version_id == wanted) return std::move(r);
    }
  }
  return Status(Code::NoSuchVersion, "no version " + version_id + " of " + key);
}

Result<ObjectRecord> EngineImpl::GetLatestVersion(const std::string& bucket, const std::string& key) {
  if (Status s = ValidateObject(bucket, key); !s.ok()) return s;
  auto txn = ReadTxn::Begin(env_->env());
  if (!txn.ok()) return txn.status();
  auto type = TypeOf(txn->get(), bucket);
  if (!type.ok()) return type.status();
  std::string value;
  Status got = IndexGet(txn->get(), type.value(), bucket, key, &value);
  if (!got.ok() && got.code() != Code::NoSuchKey) return got;
  ObjectRecord record;
  if (got.ok()) {
    if (!DecodeRecord(value, &record)) return Status(Code::IoError, "corrupt object record: " + key);
    return record;
  }
  if (type.value() == BucketType::GeneralPurpose) {
    std::vector<ObjectRecord> chain;
    if (Status s = LoadChain(txn->get(), bucket, key, &chain, /*with_body=*/false); !s.ok()) return s;
    if (!chain.empty()) return std::move(chain.front());
  }
  return Status(Code::NoSuchKey, "no such key: " + key);
}

Result<ListVersionsResult> EngineImpl::ListObjectVersions(const std::string& bucket,
                                                          const ListVersionsOptions& options) {
  if (!ValidBucketName(bucket)) return NoSuchBucket(bucket);
  if (!options.version_id_marker.empty() && !ValidVersionId(options.version_id_marker)) {
    return Status(Code::InvalidArgument, Detail::InvalidVersionId, "Invalid version id specified");
  }
  auto txn = ReadTxn::Begin(env_->env());
  if (!txn.ok()) return txn.status();
  auto type = TypeOf(txn->get(), bucket);
  if (!type.ok()) return type.status();
  if (type.value() != BucketType::GeneralPurpose) {
    return Status(Code::InvalidArgument, "ListObjectVersions is not supported for directory buckets");
  }
  ListVersionsResult out;
  if (options.max_keys == 0) return out;
  const std::string& prefix = options.prefix;
  auto common_prefix_of = [&](std::string_view key) -> std::string_view {
    if (options.delimiter.empty()) return {};
    size_t pos = key.find(options.delimiter, prefix.size());
    if (pos == std::string_view::npos) return {};
    return key.substr(0, pos + options.delimiter.size());
  };

  // Start at key_marker itself when a version marker resumes inside its versions, else after it
  // (past its whole common prefix when it is one, as ListObjects does).
  std::string start = prefix;
  const bool resume_in_key = !options.key_marker.empty() && !options.version_id_marker.empty();
  if (!options.key_marker.empty()) {
    std::string after = resume_in_key ? options.key_marker : options.key_marker + '\0';
    if (!resume_in_key && options.key_marker.starts_with(prefix)) {
      std::string_view cp = common_prefix_of(options.key_marker);
      if (!cp.empty()) {
        auto succ = PrefixSuccessor(cp);
        if (!succ) return out;
        after = *succ;
      }
    }
    start = std::max(start, after);
  }

  FlatCursor current(txn->get(), env_->objects(), bucket);
  std::optional<FlatCursor> older;
  if (env_->has_versions()) older.emplace(txn->get(), env_->versions(), bucket);
  auto seek = [&](const std::string& target) {
    current.Seek(target);
    if (older) older->Seek(target);
  };
  seek(start);
  size_t count = 0;
  const std::string marker_version = StoredId(options.version_id_marker);
  for (;;) {
    const bool has_current = current.Valid();
    const bool has_older = older && older->Valid();
    if (!has_current && !has_older) break;
    std::string key = !has_older ? current.key()
                      : !has_current ? older->key()
                                     : std::min(current.key(), older->key());
    if (!key.starts_with(prefix)) break;
    if (std::string_view cp = common_prefix_of(key); !cp.empty()) {
      if (count == options.max_keys) {
        out.is_truncated = true;
        break;
      }
      out.common_prefixes.emplace_back(cp);
      out.next_key_marker.assign(cp);
      out.next_version_id_marker.clear();
      ++count;
      auto succ = PrefixSuccessor(cp);
      if (!succ) break;
      seek(*succ);
      continue;
    }
    std::vector<ObjectRecord> versions;
    if (has_current && current.key() == key) {
      ObjectRecord r;
      if (!DecodeRecord(current.record(), &r, /*with_body=*/false)) {
        return Status(Code::IoError, "corrupt object record for key " + key);
      }
      versions.push_back(std::move(r));
      current.Next();
    }
    if (has_older && older->key() == key) {
      std::vector<ObjectRecord> chain;
      if (!DecodeChain(older->record(), &chain, /*with_body=*/false)) {
        return Status(Code::IoError, "corrupt version chain for key " + key);
      }
      for (ObjectRecord& r : chain) versions.push_back(std::move(r));
      older->Next();
    }
    size_t first = 0;
    if (resume_in_key && key == options.key_marker) {
      auto it = std::find_if(versions.begin(), versions.end(),
                             [&](const ObjectRecord& r) { return r.meta.version_id == marker_version; });
      first = it == versions.end() ? versions.size() : static_cast<size_t>(it - versions.begin()) + 1;
    }
    bool stop = false;
    for (size_t i = first; i < versions.size(); ++i) {
      if (count == options.max_keys) {
        out.is_truncated = true;
        stop = true;
        break;
      }
      out.next_key_marker = key;
      out.next_version_id_marker = ShownId(versions[i].meta.version_id);
      out.versions.push_back(VersionEntry{key, std::move(versions[i].meta), i == 0});
      ++count;
    }
    if (stop) break;
  }
  if (!current.status().ok()) return current.status();
  if (older && !older->status().ok()) return older->status();
  return out;
}

}  // namespace xs3::storage
