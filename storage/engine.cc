#include "storage/engine.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <sys/statvfs.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <chrono>
#include <cstring>
#include <filesystem>
#include <unordered_set>

#include "storage/body_io.h"
#include "storage/dir_index.h"
#include "storage/engine_impl.h"
#include "storage/flat_index.h"
#include "storage/key_codec.h"
#include "storage/object_list.h"
#include "storage/record_codec.h"

namespace xs3::storage {

// ---- Helpers shared with multipart.cc (declared in engine_impl.h) ----

int64_t NowMs() {
  return std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::system_clock::now().time_since_epoch())
      .count();
}

Status NoSuchBucket(const std::string& name) { return Status(Code::NoSuchBucket, "no such bucket: " + name); }

Status ValidateObject(const std::string& bucket, const std::string& key) {
  if (!ValidBucketName(bucket)) return NoSuchBucket(bucket);
  if (!ValidObjectKey(key)) return Status(Code::InvalidArgument, "object key must be 1..1024 bytes");
  return Status::OK();
}

namespace {

std::string_view Unquote(std::string_view etag) {
  if (etag.size() >= 2 && etag.front() == '"' && etag.back() == '"') return etag.substr(1, etag.size() - 2);
  return etag;
}

// WriteConditions against the current record (nullptr when the key does not exist).
Status CheckConditions(const WriteConditions& c, const ObjectRecord* current) {
  if (c.if_none_match_star && current != nullptr)
    return Status(Code::PreconditionFailed, "If-None-Match: * and key exists");
  if (c.if_match_etag) {
    if (current == nullptr) return Status(Code::NoSuchKey, "If-Match on a missing key");
    std::string_view want = Unquote(*c.if_match_etag);
    if (want != "*" && want != Unquote(current->meta.etag)) {
      return Status(Code::PreconditionFailed, "If-Match etag does not match");
    }
  }
  return Status::OK();
}

}  // namespace

// Every blob id a record references.
std::vector<std::string> BlobsOf(const ObjectRecord& r) {
  std::vector<std::string> ids;
  if (!r.blob_id.empty()) ids.push_back(r.blob_id);
  for (const Extent& e : r.extents) {
    if (!e.blob_id.empty()) ids.push_back(e.blob_id);
  }
  return ids;
}


// A single extent becomes inline_body / blob_id; empty extents are dropped.
void NormalizeExtents(ObjectRecord* r) {
  std::erase_if(r->extents, [](const Extent& e) { return e.size == 0; });
  if (r->extents.size() > 1) return;
  if (r->extents.size() == 1) {
    Extent e = std::move(r->extents[0]);
    r->extents.clear();
    if (e.blob_id.empty()) {
      r->inline_body = std::move(e.inline_data);
    } else {
      r->blob_id = std::move(e.blob_id);
    }
  }
}

uint64_t InlineBytes(const ObjectRecord& r) {
  uint64_t n = r.inline_body.size();
  for (const Extent& e : r.extents) n += e.inline_data.size();
  return n;
}

namespace {

Status MkdirP(const std::string& dir) {
  std::error_code ec;
  std::filesystem::create_directories(dir, ec);
  if (ec) return Status(Code::IoError, "mkdir " + dir + ": " + ec.message());
  return Status::OK();
}

}  // namespace

Result<std::unique_ptr<Engine>> Engine::Open(const EngineOptions& options) {
  if (options.data_dir.empty()) return Status(Code::InvalidArgument, "data_dir is empty");
  if (Status s = MkdirP(options.data_dir); !s.ok()) return s;
  struct statvfs fs {};
  if (::statvfs(options.data_dir.c_str(), &fs) == 0 && (fs.f_flag & ST_RDONLY) != 0) {
    // A read-only filesystem (a ro mount, a snapshot): serve reads, refuse writes. There is no
    // lock to take (nobody can write here) and no recovery to run (it would delete files).
    auto env = LmdbEnv::OpenReadOnly(options.data_dir + "/meta", options.map_size);
    if (!env.ok()) return env.status();
    return std::unique_ptr<Engine>(
        std::make_unique<EngineImpl>(options, nullptr, std::move(env.value()), /*read_only=*/true));
  }
  auto lock = DataDirLock::Acquire(options.data_dir);
  if (!lock.ok()) return lock.status();
  auto env = LmdbEnv::Open(options.data_dir + "/meta", options.durability == Durability::Relaxed, options.map_size);
  if (!env.ok()) return env.status();
  auto engine = std::make_unique<EngineImpl>(options, std::move(lock.value()), std::move(env.value()));
  if (options.recovery != EngineOptions::Recovery::Skip) {
    if (Status s = engine->Recover(options.recovery == EngineOptions::Recovery::Always); !s.ok()) return s;
  }
  return std::unique_ptr<Engine>(std::move(engine));
}

Result<OpenedObject> Engine::OpenObject(const std::string& bucket, const std::string& key) {
  // Each retry means a writer committed a change to this key in between; give up only after
  // many (a key overwritten continuously), reporting what the last attempt saw.
  constexpr int kAttempts = 16;
  Status last;
  for (int attempt = 0; attempt < kAttempts; ++attempt) {
    auto record = GetObject(bucket, key);
    if (!record.ok()) return record.status();
    auto body = OpenBody(record.value());
    if (body.ok()) return OpenedObject{std::move(record.value()), std::move(body.value())};
    if (body.status().code() != Code::NoSuchKey) return body.status();
    last = body.status();
  }
  return last;
}

EngineImpl::EngineImpl(const EngineOptions& options, std::unique_ptr<DataDirLock> lock, std::unique_ptr<LmdbEnv> env,
                       bool read_only)
    : options_(options),
      lock_(std::move(lock)),
      env_(std::move(env)),
      blobs_(options.data_dir, options.durability == Durability::Fsync),
      writer_(std::make_unique<GroupCommitWriter>(env_->env(), read_only)),
      read_only_(read_only) {}

EngineImpl::~EngineImpl() {
  const bool stopped = writer_->stopped();
  writer_.reset();  // drain writes before the env closes
  // Every blob this process published is now referenced or unlinked, unless a commit's outcome
  // was unknown or an unlink failed: only then does the next start need the sweep.
  // An engine opened without recovery (fsck's report) never knew the blobs were clean.
  if (read_only_ || !lock_ || !recovered_ || stopped || sweep_needed_.load() || blobs_.remove_failures() > 0) return;
  std::string marker = options_.data_dir + "/" + kCleanShutdownMarker;
  int fd = ::open(marker.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
  if (fd < 0) return;  // no marker: the next start sweeps, which is always safe
  bool ok = ::fsync(fd) == 0;
  ::close(fd);
  if (ok) blobs_.SyncPath(options_.data_dir);
}

bool EngineImpl::Discardable(const Status& failed_write) {
  if (!OutcomeUnknown(failed_write)) return true;
  sweep_needed_.store(true);
  return false;
}

Status CollectReferencedBlobs(MDB_txn* txn, const LmdbEnv& env, std::unordered_set<std::string>* referenced) {
  Status bad;
  auto collect = [&](std::string_view value) {
    ObjectRecord r;
    if (!DecodeRecord(value, &r, /*with_body=*/false)) {
      bad = Status(Code::IoError, "corrupt object record");
    } else {
      for (std::string& id : BlobsOf(r)) referenced->insert(std::move(id));
    }
  };
  if (Status s = FlatForEachRecord(txn, env.objects(), collect); !s.ok()) return s;
  if (Status s = DirForEachRecord(txn, DirIndex{env.dirents(), env.counters()}, collect); !s.ok()) return s;
  if (env.has_versions()) {
    auto collect_chain = [&](std::string_view value) {
      std::vector<ObjectRecord> chain;
      if (!DecodeChain(value, &chain, /*with_body=*/false)) {
        bad = Status(Code::IoError, "corrupt version chain");
        return;
      }
      for (const ObjectRecord& r : chain) {
        for (std::string& id : BlobsOf(r)) referenced->insert(std::move(id));
      }
    };
    if (Status s = FlatForEachRecord(txn, env.versions(), collect_chain); !s.ok()) return s;
  }
  if (Status s = CollectPartBlobs(txn, env.parts(), referenced); !s.ok()) return s;  // uploads in progress
  return bad;
}

Status EngineImpl::Recover(bool always_sweep) {
  if (Status s = blobs_.Init(); !s.ok()) return s;
  if (auto r = blobs_.CleanTmp(); !r.ok()) return r.status();
  // The marker vouches for one start only: it goes (durably, whatever the durability mode)
  // before this process can write anything, so a crash from here on means a sweep next time.
  std::string marker = options_.data_dir + "/" + kCleanShutdownMarker;
  bool clean = ::unlink(marker.c_str()) == 0;
  if (!clean && errno != ENOENT) return ErrnoStatus("unlink " + marker);
  if (clean) {
    int dir = ::open(options_.data_dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (dir < 0) return ErrnoStatus("open " + options_.data_dir);
    int rc = ::fsync(dir);
    ::close(dir);
    if (rc != 0) return ErrnoStatus("fsync " + options_.data_dir);
  }
  if (clean && !always_sweep) {
    recovered_ = true;
    return Status::OK();
  }
  std::unordered_set<std::string> referenced;
  {
    auto txn = ReadTxn::Begin(env_->env());
    if (!txn.ok()) return txn.status();
    // Never delete blobs on the strength of a scan we could not read.
    if (Status s = CollectReferencedBlobs(txn->get(), *env_, &referenced); !s.ok()) return s;
  }
  if (auto r = blobs_.RemoveUnreferenced(referenced); !r.ok()) return r.status();
  recovered_ = true;
  return Status::OK();
}

Result<BlobAudit> AuditBlobs(const std::string& data_dir) {
  auto env = LmdbEnv::OpenReadOnly(data_dir + "/meta", EngineOptions{}.map_size);
  if (!env.ok()) return env.status();
  std::unordered_set<std::string> referenced;
  {
    auto txn = ReadTxn::Begin(env.value()->env());
    if (!txn.ok()) return txn.status();
    if (Status s = CollectReferencedBlobs(txn->get(), *env.value(), &referenced); !s.ok()) return s;
  }
  BlobAudit audit;
  audit.referenced = referenced.size();
  std::unordered_set<std::string> present;
  std::error_code ec;
  const std::filesystem::path blobs = data_dir + "/blobs";
  for (auto it = std::filesystem::recursive_directory_iterator(blobs, ec);
       !ec && it != std::filesystem::recursive_directory_iterator(); it.increment(ec)) {
    if (it.depth() != 2 || !it->is_regular_file()) continue;
    std::string name = it->path().filename().string();
    if (referenced.count(name) == 0) audit.orphans.push_back(name);
    present.insert(std::move(name));
  }
  if (ec) return Status(Code::IoError, "walk " + blobs.string() + ": " + ec.message());
  audit.files = present.size();
  for (const std::string& id : referenced) {
    if (present.count(id) == 0) audit.missing.push_back(id);
  }
  for (const auto& entry : std::filesystem::directory_iterator(data_dir + "/tmp", ec)) {
    (void)entry;
    ++audit.tmp_files;
  }
  std::sort(audit.orphans.begin(), audit.orphans.end());
  std::sort(audit.missing.begin(), audit.missing.end());
  return audit;
}

Result<BucketInfo> EngineImpl::BucketOf(MDB_txn* txn, const std::string& bucket) const {
  MDB_val k = ToVal(bucket), v;
  int rc = mdb_get(txn, env_->buckets(), &k, &v);
  if (rc == MDB_NOTFOUND) return NoSuchBucket(bucket);
  if (rc != 0) return LmdbStatus(rc, "mdb_get bucket");
  BucketInfo info;
  if (!DecodeBucket(bucket, FromVal(v), &info)) return Status(Code::IoError, "corrupt bucket record: " + bucket);
  return info;
}

Result<BucketType> EngineImpl::TypeOf(MDB_txn* txn, const std::string& bucket) const {
  auto info = BucketOf(txn, bucket);
  if (!info.ok()) return info.status();
  return info->type;
}

Status EngineImpl::IndexGet(MDB_txn* txn, BucketType type, const std::string& bucket, const std::string& key,
                            std::string* value) const {
  if (type == BucketType::Directory) return DirGet(txn, DirIndex{env_->dirents(), env_->counters()}, bucket, key, value);
  return FlatGet(txn, env_->objects(), bucket, key, value);
}

Status EngineImpl::IndexPut(MDB_txn* txn, BucketType type, const std::string& bucket, const std::string& key,
                            std::string_view value) const {
  if (type == BucketType::Directory) return DirPut(txn, DirIndex{env_->dirents(), env_->counters()}, bucket, key, value);
  return FlatPut(txn, env_->objects(), bucket, key, value);
}

Status EngineImpl::IndexDelete(MDB_txn* txn, BucketType type, const std::string& bucket,
                               const std::string& key) const {
  if (type == BucketType::Directory) return DirDelete(txn, DirIndex{env_->dirents(), env_->counters()}, bucket, key);
  return FlatDelete(txn, env_->objects(), bucket, key);
}

Status EngineImpl::EnforceInlineLimit(ObjectRecord* record, size_t limit) {
  if (InlineBytes(*record) <= limit) return Status::OK();
  if (!record->inline_body.empty()) {
    auto id = blobs_.WriteBlob(record->inline_body);
    if (!id.ok()) return id.status();
    record->blob_id = std::move(id.value());
    record->inline_body.clear();
  }
  for (Extent& e : record->extents) {
    if (!e.blob_id.empty() || e.inline_data.empty()) continue;
    auto id = blobs_.WriteBlob(e.inline_data);
    if (!id.ok()) return id.status();
    e.blob_id = std::move(id.value());
    e.inline_data.clear();
  }
  return Status::OK();
}

bool EngineImpl::KeyIsGrouped(const BucketInfo& info, const std::string& key) const {
  return info.type == BucketType::Directory ? IsGroupedName(LastComponent(key)) : IsGroupedKey(key);
}

BucketInfo EngineImpl::PeekBucket(const std::string& bucket) const {
  BucketInfo info;
  if (auto txn = ReadTxn::Begin(env_->env()); txn.ok()) {
    if (auto b = BucketOf(txn->get(), bucket); b.ok()) info = std::move(b.value());
  }
  return info;
}

size_t EngineImpl::InlineLimit(const BucketInfo& info, const std::string& key) const {
  return KeyIsGrouped(info, key) || !info.versioning.empty() ? kMaxInlineBodyInGroup : options_.inline_threshold;
}

void EngineImpl::RemoveBlobs(const ObjectRecord& record) const {
  for (const std::string& id : BlobsOf(record)) blobs_.Remove(id);
}

Status EngineImpl::CheckBucket(MDB_txn* txn, const std::string& bucket) const {
  MDB_val k = ToVal(bucket), v;
  int rc = mdb_get(txn, env_->buckets(), &k, &v);
  if (rc == MDB_NOTFOUND) return NoSuchBucket(bucket);
  if (rc != 0) return LmdbStatus(rc, "mdb_get bucket");
  return Status::OK();
}

// ---- Buckets ----

Status EngineImpl::CreateBucket(const BucketInfo& info) {
  if (!ValidBucketName(info.name)) return Status(Code::InvalidArgument, "invalid bucket name");
  BucketInfo stored = info;
  if (stored.created_ms == 0) stored.created_ms = NowMs();
  std::string value = EncodeBucket(stored);
  return writer_->Submit([&](WriteTxn& t) {
    MDB_val k = ToVal(info.name), v = ToVal(value);
    int rc = mdb_put(t.txn, env_->buckets(), &k, &v, MDB_NOOVERWRITE);
    if (rc == MDB_KEYEXIST) return Status(Code::BucketExists, "bucket exists: " + info.name);
    if (rc != 0) return LmdbStatus(rc, "mdb_put bucket");
    return Status::OK();
  });
}

Status EngineImpl::DeleteBucket(const std::string& name) {
  if (!ValidBucketName(name)) return NoSuchBucket(name);
  return writer_->Submit([&](WriteTxn& t) {
    auto type = TypeOf(t.txn, name);
    if (!type.ok()) return type.status();
    auto has = FlatBucketHasKeys(t.txn, env_->objects(), name);
    if (!has.ok()) return has.status();
    if (has.value()) return Status(Code::BucketNotEmpty, "bucket not empty: " + name);
    // Noncurrent versions and delete markers count: S3 deletes only a bucket with no version.
    has = FlatBucketHasKeys(t.txn, env_->versions(), name);
    if (!has.ok()) return has.status();
    if (has.value()) return Status(Code::BucketNotEmpty, "bucket has object versions: " + name);
    has = DirBucketHasEntries(t.txn, DirIndex{env_->dirents(), env_->counters()}, name);
    if (!has.ok()) return has.status();
    if (has.value()) return Status(Code::BucketNotEmpty, "bucket not empty: " + name);
    // Uploads in progress: AWS refuses to delete a directory bucket that has any, and deletes a
    // general-purpose bucket anyway (the uploads go with it).
    if (type.value() == BucketType::Directory) {
      has = BucketHasUploads(t.txn, name);
      if (!has.ok()) return has.status();
      if (has.value()) return Status(Code::BucketNotEmpty, "bucket has multipart uploads in progress: " + name);
    } else if (Status s = DropBucketUploads(t, name); !s.ok()) {
      return s;
    }
    MDB_val k = ToVal(name);
    int rc = mdb_del(t.txn, env_->buckets(), &k, nullptr);
    if (rc != 0) return LmdbStatus(rc, "mdb_del bucket");
    return Status::OK();
  });
}

EngineStats EngineImpl::Stats() {
  EngineStats s;
  MDB_envinfo info{};
  MDB_stat stat{};
  // Both read the meta pages inside the map: hold GrowMap's remap off like any reader.
  auto gate = ReadTxn::Begin(env_->env());
  if (gate.ok() && mdb_env_info(env_->env(), &info) == 0 && mdb_env_stat(env_->env(), &stat) == 0) {
    s.map_size_bytes = info.me_mapsize;
    s.map_used_bytes = static_cast<uint64_t>(info.me_last_pgno + 1) * stat.ms_psize;
  }
  s.batches_committed = writer_->batches_committed();
  s.mutations_committed = writer_->mutations_committed();
  s.writes_stopped = writer_->stopped();
  s.read_only = read_only_;
  return s;
}

Status EngineImpl::SetBucketPolicy(const std::string& name, const std::string& policy) {
  return UpdateBucket(name, [&](BucketInfo& info) { info.policy = policy; });
}

Status EngineImpl::UpdateBucket(const std::string& name, const std::function<void(BucketInfo&)>& change) {
  if (!ValidBucketName(name)) return NoSuchBucket(name);
  return writer_->Submit([&](WriteTxn& t) {
    MDB_val k = ToVal(name), v;
    int rc = mdb_get(t.txn, env_->buckets(), &k, &v);
    if (rc == MDB_NOTFOUND) return NoSuchBucket(name);
    if (rc != 0) return LmdbStatus(rc, "mdb_get bucket");
    BucketInfo info;
    if (!DecodeBucket(name, FromVal(v), &info)) return Status(Code::IoError, "corrupt bucket record: " + name);
    BucketInfo changed = info;
    change(changed);
    changed.name = info.name;
    changed.type = info.type;
    changed.owner = info.owner;
    changed.created_ms = info.created_ms;
    std::string value = EncodeBucket(changed);
    MDB_val nv = ToVal(value);
    rc = mdb_put(t.txn, env_->buckets(), &k, &nv, 0);
    if (rc != 0) return LmdbStatus(rc, "mdb_put bucket");
    return Status::OK();
  });
}

Result<BucketInfo> EngineImpl::GetBucket(const std::string& name) {
  if (!ValidBucketName(name)) return NoSuchBucket(name);
  auto txn = ReadTxn::Begin(env_->env());
  if (!txn.ok()) return txn.status();
  MDB_val k = ToVal(name), v;
  int rc = mdb_get(txn->get(), env_->buckets(), &k, &v);
  if (rc == MDB_NOTFOUND) return NoSuchBucket(name);
  if (rc != 0) return LmdbStatus(rc, "mdb_get bucket");
  BucketInfo info;
  if (!DecodeBucket(name, FromVal(v), &info)) return Status(Code::IoError, "corrupt bucket record: " + name);
  return info;
}

Result<std::vector<BucketInfo>> EngineImpl::ListBuckets() {
  auto txn = ReadTxn::Begin(env_->env());
  if (!txn.ok()) return txn.status();
  Cursor c;
  if (Status s = c.Open(txn->get(), env_->buckets()); !s.ok()) return s;
  std::vector<BucketInfo> out;
  MDB_val k, v;
  for (int rc = mdb_cursor_get(c.get(), &k, &v, MDB_FIRST); rc != MDB_NOTFOUND;
       rc = mdb_cursor_get(c.get(), &k, &v, MDB_NEXT)) {
    if (rc != 0) return LmdbStatus(rc, "mdb_cursor_get buckets");
    BucketInfo info;
    if (!DecodeBucket(FromVal(k), FromVal(v), &info)) return Status(Code::IoError, "corrupt bucket record");
    out.push_back(std::move(info));
  }
  return out;
}

// ---- Objects ----

Result<std::unique_ptr<BodyWriter>> EngineImpl::NewBodyWriter() {
  return std::unique_ptr<BodyWriter>(new SpillingBodyWriter(&blobs_, options_.inline_threshold));
}

Status EngineImpl::PutObject(const std::string& bucket, const std::string& key, std::unique_ptr<BodyWriter> writer,
                             ObjectMeta meta, const WriteConditions& conditions, VersionOutcome* outcome) {
  if (Status s = ValidateObject(bucket, key); !s.ok()) return s;
  auto* body = dynamic_cast<SpillingBodyWriter*>(writer.get());
  if (body == nullptr) return Status(Code::InvalidArgument, "body writer not created by this engine");
  if (writer_->stopped()) return Status(Code::WritesStopped, "writes stopped after an earlier sync failure");
  if (Status s = body->Finish(); !s.ok()) return s;

  ObjectRecord record;
  record.meta = std::move(meta);
  record.meta.size = body->size();
  if (record.meta.mtime_ms == 0) record.meta.mtime_ms = NowMs();
  if (body->spilled()) {
    std::string id = BlobStore::NewId();
    if (Status s = blobs_.Publish(body->tmp_path(), id); !s.ok()) return s;
    body->ReleaseTmp();
    record.blob_id = std::move(id);
  } else {
    record.inline_body = body->TakeInline();
  }
  writer.reset();
  return Publish(bucket, key, std::move(record), conditions, outcome);
}

Status EngineImpl::Publish(const std::string& bucket, const std::string& key, ObjectRecord record,
                           const WriteConditions& conditions, VersionOutcome* outcome) {
  // A key longer than the LMDB limit shares one LMDB value with its group (key_codec.h,
  // dir_index.h), and a versioned key's old versions share its version chain; both values are
  // rewritten on every change: keep large inline bodies out of them.
  const BucketInfo seen = PeekBucket(bucket);
  if (const size_t limit = InlineLimit(seen, key); limit < options_.inline_threshold) {
    if (Status s = EnforceInlineLimit(&record, limit); !s.ok()) {
      RemoveBlobs(record);
      return s;
    }
  }
  // The encoding is made here, off the writer thread; PublishInTxn redoes it only if the
  // bucket's versioning changed in between.
  record.meta.delete_marker = false;
  record.meta.version_id =
      seen.type == BucketType::GeneralPurpose && seen.versioning == "Enabled" ? NewVersionId() : std::string();
  std::string value = EncodeRecord(record);
  std::vector<std::string> new_blobs = BlobsOf(record);
  Status result = writer_->Submit([&](WriteTxn& t) {
    auto info = BucketOf(t.txn, bucket);
    if (!info.ok()) return info.status();
    return PublishInTxn(t, info.value(), key, record, value, new_blobs, conditions, outcome);
  });
  // IoError may come from a failed commit whose outcome on disk is unknown: keep the blob and
  // let recovery decide. Any other failure certainly left it unreferenced.
  if (!result.ok() && Discardable(result)) RemoveBlobs(record);
  return result;
}

Status EngineImpl::PublishInTxn(WriteTxn& t, const BucketInfo& info, const std::string& key, ObjectRecord& record,
                                std::string& value, const std::vector<std::string>& new_blobs,
                                const WriteConditions& conditions, VersionOutcome* outcome) {
  const std::string& bucket = info.name;
  const BucketType type = info.type;
  const bool versioned = type == BucketType::GeneralPurpose && !info.versioning.empty();
  const bool enabled = versioned && info.versioning == "Enabled";
  if (enabled == record.meta.version_id.empty() || value.empty()) {
    record.meta.version_id = enabled ? NewVersionId() : std::string();
    value = EncodeRecord(record);
  }
  std::string old_value;
  Status got = IndexGet(t.txn, type, bucket, key, &old_value);
  if (!got.ok() && got.code() != Code::NoSuchKey) return got;
  ObjectRecord old;
  // A replaced version that is kept moves to the chain with its inline bytes.
  if (got.ok() && !DecodeRecord(old_value, &old, /*with_body=*/versioned)) {
    return Status(Code::IoError, "corrupt object record: " + key);
  }
  if (Status s = CheckConditions(conditions, got.ok() ? &old : nullptr); !s.ok()) return s;
  if (Status s = IndexPut(t.txn, type, bucket, key, value); !s.ok()) return s;
  if (outcome) {
    outcome->versioned = versioned;
    outcome->version_id = record.meta.version_id;
  }
  if (!versioned) {
    if (got.ok()) FreeAfterCommit(t, old, new_blobs);
    return Status::OK();
  }
  std::vector<ObjectRecord> chain;
  if (Status s = LoadChain(t.txn, bucket, key, &chain); !s.ok()) return s;
  const size_t before = chain.size();
  if (!enabled) {
    // Suspended: the new null version replaces the key's null version wherever it is.
    std::erase_if(chain, [&](const ObjectRecord& r) {
      if (!r.meta.version_id.empty()) return false;
      FreeAfterCommit(t, r, new_blobs);
      return true;
    });
  }
  bool changed = chain.size() != before;
  if (got.ok()) {
    if (!enabled && old.meta.version_id.empty()) {
      FreeAfterCommit(t, old, new_blobs);
    } else {
      chain.insert(chain.begin(), std::move(old));
      changed = true;
    }
  }
  if (!changed) return Status::OK();
  return StoreChain(t.txn, bucket, key, chain);
}

Result<ObjectRecord> EngineImpl::GetObject(const std::string& bucket, const std::string& key) {
  if (Status s = ValidateObject(bucket, key); !s.ok()) return s;
  auto txn = ReadTxn::Begin(env_->env());
  if (!txn.ok()) return txn.status();
  auto type = TypeOf(txn->get(), bucket);
  if (!type.ok()) return type.status();
  std::string value;
  if (Status s = IndexGet(txn->get(), type.value(), bucket, key, &value); !s.ok()) return s;
  ObjectRecord record;
  if (!DecodeRecord(value, &record)) return Status(Code::IoError, "corrupt object record: " + key);
  return record;
}

Result<std::unique_ptr<BodyReader>> EngineImpl::OpenBody(const ObjectRecord& record) {
  if (!record.extents.empty()) {
    // Every blob is opened now, so the reader stays whole if the object is replaced later.
    std::vector<ExtentBodyReader::Piece> pieces;
    pieces.reserve(record.extents.size());
    auto reader_guard = [&pieces] {
      for (auto& p : pieces) {
        if (p.fd >= 0) ::close(p.fd);
      }
    };
    for (const Extent& e : record.extents) {
      ExtentBodyReader::Piece p;
      p.size = e.size;
      if (e.blob_id.empty()) {
        p.data = e.inline_data;
      } else {
        auto fd = blobs_.OpenFd(e.blob_id);
        if (!fd.ok()) {
          reader_guard();
          return fd.status();
        }
        p.fd = fd.value();
      }
      pieces.push_back(std::move(p));
    }
    return std::unique_ptr<BodyReader>(new ExtentBodyReader(std::move(pieces)));
  }
  if (record.blob_id.empty()) return std::unique_ptr<BodyReader>(new InlineBodyReader(record.inline_body));
  return blobs_.OpenReader(record.blob_id, record.meta.size);
}

Status EngineImpl::DeleteObject(const std::string& bucket, const std::string& key, const DeleteOptions& options,
                                VersionOutcome* outcome) {
  if (Status s = ValidateObject(bucket, key); !s.ok()) return s;
  if (options.version_id && !ValidVersionId(*options.version_id)) {
    return Status(Code::InvalidArgument, Detail::InvalidVersionId, "Invalid version id specified");
  }
  return writer_->Submit([&](WriteTxn& t) {
    auto info = BucketOf(t.txn, bucket);
    if (!info.ok()) return info.status();
    if (options.version_id) return DeleteVersionInTxn(t, info.value(), key, *options.version_id, outcome);
    if (info->type == BucketType::GeneralPurpose && !info->versioning.empty()) {
      return AddDeleteMarkerInTxn(t, info.value(), key, options.owner, outcome);
    }
    auto type = info->type;
    std::string old_value;
    Status got = IndexGet(t.txn, type, bucket, key, &old_value);
    if (got.code() == Code::NoSuchKey) return Status::OK();
    if (!got.ok()) return got;
    ObjectRecord old;
    if (!DecodeRecord(old_value, &old, /*with_body=*/false)) return Status(Code::IoError, "corrupt object record");
    if (Status s = IndexDelete(t.txn, type, bucket, key); !s.ok()) return s;
    FreeAfterCommit(t, old);
    return Status::OK();
  });
}

Status EngineImpl::CopyObject(const std::string& src_bucket, const std::string& src_key, const std::string& dst_bucket,
                              const std::string& dst_key, ObjectMeta meta, const WriteConditions& conditions,
                              VersionOutcome* outcome, const std::optional<std::string>& src_version_id) {
  if (Status s = ValidateObject(dst_bucket, dst_key); !s.ok()) return s;
  if (writer_->stopped()) return Status(Code::WritesStopped, "writes stopped after an earlier sync failure");
  // The source is read outside the write txn, then its blob hard-linked under a new id: the copy
  // is a consistent snapshot of the source even if it is replaced meanwhile. If it is replaced
  // between the read and the link (its blob unlinked), read again.
  constexpr int kAttempts = 8;
  for (int attempt = 0;; ++attempt) {
    auto src = src_version_id ? GetObjectVersion(src_bucket, src_key, *src_version_id) : GetObject(src_bucket, src_key);
    if (!src.ok()) return src.status();
    if (src->meta.delete_marker) {
      return Status(Code::InvalidArgument, Detail::DeleteMarker, "the copy source is a delete marker");
    }
    if (outcome) outcome->source_version_id = src->meta.version_id;
    ObjectRecord record;
    record.meta = meta;
    record.meta.size = src->meta.size;
    if (record.meta.etag.empty()) record.meta.etag = src->meta.etag;
    if (record.meta.mtime_ms == 0) record.meta.mtime_ms = NowMs();
    Status s;
    if (!src->blob_id.empty()) {
      std::string id = BlobStore::NewId();
      s = blobs_.Link(src->blob_id, id);
      if (s.ok()) record.blob_id = std::move(id);
    } else if (!src->extents.empty()) {
      for (Extent& e : src->extents) {
        if (!e.blob_id.empty()) {
          std::string id = BlobStore::NewId();
          s = blobs_.Link(e.blob_id, id);
          if (!s.ok()) break;
          e.blob_id = std::move(id);
        }
        record.extents.push_back(std::move(e));
      }
      if (!s.ok()) RemoveBlobs(record);  // the links made so far (the failed extent was not added)
    } else {
      record.inline_body = std::move(src->inline_body);
    }
    if (s.code() == Code::NoSuchKey && attempt + 1 < kAttempts) continue;
    if (!s.ok()) return s;
    return Publish(dst_bucket, dst_key, std::move(record), conditions, outcome);
  }
}

Status EngineImpl::UpdateObjectMeta(const std::string& bucket, const std::string& key,
                                    const std::function<void(ObjectMeta&)>& change, const WriteConditions& conditions,
                                    const std::optional<std::string>& version_id) {
  if (Status s = ValidateObject(bucket, key); !s.ok()) return s;
  if (version_id && !ValidVersionId(*version_id)) {
    return Status(Code::InvalidArgument, Detail::InvalidVersionId, "Invalid version id specified");
  }
  const std::string wanted = version_id && *version_id != "null" ? *version_id : std::string();
  auto apply = [&](ObjectRecord& record) {
    ObjectMeta changed = record.meta;
    change(changed);
    changed.size = record.meta.size;
    changed.etag = record.meta.etag;
    changed.mtime_ms = record.meta.mtime_ms;
    changed.owner = record.meta.owner;
    changed.checksums = record.meta.checksums;
    changed.checksum_type = record.meta.checksum_type;
    changed.version_id = record.meta.version_id;
    changed.delete_marker = record.meta.delete_marker;
    changed.sse_customer = record.meta.sse_customer;
    record.meta = std::move(changed);
  };
  return writer_->Submit([&](WriteTxn& t) {
    auto type = TypeOf(t.txn, bucket);
    if (!type.ok()) return type.status();
    std::string value;
    Status got = IndexGet(t.txn, type.value(), bucket, key, &value);
    if (!got.ok() && (got.code() != Code::NoSuchKey || !version_id)) return got;
    ObjectRecord record;
    if (got.ok() && !DecodeRecord(value, &record)) return Status(Code::IoError, "corrupt object record: " + key);
    if (got.ok() && (!version_id || record.meta.version_id == wanted)) {
      if (Status s = CheckConditions(conditions, &record); !s.ok()) return s;
      apply(record);
      // The blobs stay where they are: only the record changes.
      return IndexPut(t.txn, type.value(), bucket, key, EncodeRecord(record));
    }
    // A noncurrent version (or a delete marker) of a versioned key.
    std::vector<ObjectRecord> chain;
    if (type.value() == BucketType::GeneralPurpose) {
      if (Status s = LoadChain(t.txn, bucket, key, &chain); !s.ok()) return s;
    }
    auto it = std::find_if(chain.begin(), chain.end(),
                           [&](const ObjectRecord& r) { return r.meta.version_id == wanted; });
    if (it == chain.end()) return Status(Code::NoSuchVersion, "no such version: " + *version_id);
    if (it->meta.delete_marker) return Status(Code::InvalidArgument, Detail::DeleteMarker, "a delete marker");
    if (Status s = CheckConditions(conditions, &*it); !s.ok()) return s;
    apply(*it);
    return StoreChain(t.txn, bucket, key, chain);
  });
}

Result<ListResult> EngineImpl::ListObjects(const std::string& bucket, const ListOptions& options) {
  if (!ValidBucketName(bucket)) return NoSuchBucket(bucket);
  auto txn = ReadTxn::Begin(env_->env());
  if (!txn.ok()) return txn.status();
  auto type = TypeOf(txn->get(), bucket);
  if (!type.ok()) return type.status();
  if (type.value() == BucketType::Directory) {
    ListResult result;
    if (Status s = ListDirectoryBucket(txn->get(), DirIndex{env_->dirents(), env_->counters()}, bucket, options,
                                       &result);
        !s.ok()) {
      return s;
    }
    return result;
  }
  FlatCursor cursor(txn->get(), env_->objects(), bucket);
  ListResult result;
  if (Status s = ListFlat(cursor, options, &result); !s.ok()) return s;
  return result;
}

}  // namespace xs3::storage

namespace xs3::storage {

// ---- Directory-bucket additions: append, rename, extents ----

Result<Extent> EngineImpl::SealExtent(std::unique_ptr<BodyWriter> writer) {
  auto* body = dynamic_cast<SpillingBodyWriter*>(writer.get());
  if (body == nullptr) return Status(Code::InvalidArgument, "body writer not created by this engine");
  if (Status s = body->Finish(); !s.ok()) return s;
  Extent e;
  e.size = body->size();
  if (body->spilled()) {
    std::string id = BlobStore::NewId();
    if (Status s = blobs_.Publish(body->tmp_path(), id); !s.ok()) return s;
    body->ReleaseTmp();
    e.blob_id = std::move(id);
  } else {
    e.inline_data = body->TakeInline();
  }
  return e;
}

void EngineImpl::DiscardExtent(const Extent& extent) {
  if (!extent.blob_id.empty()) blobs_.Remove(extent.blob_id);
}

Status EngineImpl::PublishExtents(const std::string& bucket, const std::string& key, std::vector<Extent> extents,
                                  ObjectMeta meta, const WriteConditions& conditions, VersionOutcome* outcome) {
  ObjectRecord record;
  record.extents = std::move(extents);
  if (Status s = ValidateObject(bucket, key); !s.ok()) {
    RemoveBlobs(record);
    return s;
  }
  record.part_count = static_cast<uint32_t>(std::min<size_t>(record.extents.size(), UINT32_MAX));
  record.meta = std::move(meta);
  record.meta.size = 0;
  for (const Extent& e : record.extents) record.meta.size += e.size;
  if (record.meta.mtime_ms == 0) record.meta.mtime_ms = NowMs();
  NormalizeExtents(&record);
  if (Status s = EnforceInlineLimit(&record, options_.inline_threshold); !s.ok()) {
    RemoveBlobs(record);
    return s;
  }
  return Publish(bucket, key, std::move(record), conditions, outcome);
}

Status EngineImpl::AppendObject(const std::string& bucket, const std::string& key, uint64_t write_offset,
                                std::unique_ptr<BodyWriter> writer, ObjectMeta meta_updates,
                                const WriteConditions& conditions) {
  if (Status s = ValidateObject(bucket, key); !s.ok()) return s;
  if (writer_->stopped()) return Status(Code::WritesStopped, "writes stopped after an earlier sync failure");
  auto sealed = SealExtent(std::move(writer));
  if (!sealed.ok()) return sealed.status();
  Extent piece = std::move(sealed.value());
  const size_t inline_limit = InlineLimit(PeekBucket(bucket), key);
  const int64_t now = NowMs();

  // An inline piece that would push the record's inline bytes over the limit is written as a
  // blob and the mutation retried (the decision needs the current record, read in the txn).
  for (;;) {
    bool need_blob = false;
    std::vector<std::string> replaced_blobs;
    Status result = writer_->Submit([&](WriteTxn& t) {
      auto type = TypeOf(t.txn, bucket);
      if (!type.ok()) return type.status();
      std::string old_value;
      Status got = IndexGet(t.txn, type.value(), bucket, key, &old_value);
      if (!got.ok() && got.code() != Code::NoSuchKey) return got;
      const bool exists = got.ok();
      ObjectRecord record;
      if (exists && !DecodeRecord(old_value, &record)) return Status(Code::IoError, "corrupt object record: " + key);
      const uint64_t current = exists ? record.meta.size : 0;
      if (write_offset != current) {
        return Status(Code::InvalidArgument, Detail::InvalidWriteOffset,
                      "write offset " + std::to_string(write_offset) + " is not the object size " +
                          std::to_string(current));
      }
      if (Status s = CheckConditions(conditions, exists ? &record : nullptr); !s.ok()) return s;
      const uint32_t parts = exists ? std::max<uint32_t>(record.part_count, 1) : 0;
      if (parts >= kMaxAppendParts) {
        return Status(Code::InvalidArgument, Detail::TooManyParts,
                      "the object already has " + std::to_string(parts) + " parts");
      }
      record.part_count = parts + 1;
      if (!exists) {
        record.meta = meta_updates;
      } else {
        if (!meta_updates.etag.empty()) record.meta.etag = meta_updates.etag;
        if (!meta_updates.checksums.empty()) {
          record.meta.checksums = meta_updates.checksums;
          record.meta.checksum_type = meta_updates.checksum_type;
        }
      }
      record.meta.mtime_ms = meta_updates.mtime_ms != 0 ? meta_updates.mtime_ms : now;
      record.meta.size = current + piece.size;
      // The old body as extents, then the new piece (adjacent inline pieces merge: they live in
      // this record, rewritten atomically by the commit anyway).
      if (record.extents.empty()) {
        if (!record.blob_id.empty()) {
          record.extents.push_back(Extent{current, std::move(record.blob_id), {}});
          record.blob_id.clear();
        } else if (!record.inline_body.empty()) {
          record.extents.push_back(Extent{current, {}, std::move(record.inline_body)});
          record.inline_body.clear();
        }
      }
      if (piece.size > 0) {
        if (piece.blob_id.empty()) {
          if (InlineBytes(record) + piece.size > inline_limit) {
            need_blob = true;
            return Status(Code::InvalidArgument, "retry with the piece as a blob");
          }
          if (!record.extents.empty() && record.extents.back().blob_id.empty()) {
            record.extents.back().inline_data += piece.inline_data;
            record.extents.back().size += piece.size;
          } else {
            record.extents.push_back(piece);
          }
        } else {
          record.extents.push_back(piece);
        }
      }
      NormalizeExtents(&record);
      std::string value = EncodeRecord(record);
      return IndexPut(t.txn, type.value(), bucket, key, value);
    });
    if (need_blob) {
      auto id = blobs_.WriteBlob(piece.inline_data);
      if (!id.ok()) return id.status();
      piece.blob_id = std::move(id.value());
      piece.inline_data.clear();
      continue;
    }
    if (!result.ok() && Discardable(result)) DiscardExtent(piece);
    return result;
  }
}

Status EngineImpl::RenameObject(const std::string& bucket, const std::string& src_key, const std::string& dst_key,
                                const WriteConditions& dst_conditions,
                                const std::optional<std::string>& src_if_match_etag) {
  if (Status s = ValidateObject(bucket, src_key); !s.ok()) return s;
  if (Status s = ValidateObject(bucket, dst_key); !s.ok()) return s;
  if (src_key.ends_with('/') || dst_key.ends_with('/')) {
    return Status(Code::InvalidArgument, "RenameObject does not apply to keys ending in '/'");
  }
  return writer_->Submit([&](WriteTxn& t) {
    auto type = TypeOf(t.txn, bucket);
    if (!type.ok()) return type.status();
    if (type.value() != BucketType::Directory) {
      return Status(Code::InvalidArgument, "RenameObject is supported only in directory buckets");
    }
    std::string src_value;
    if (Status s = IndexGet(t.txn, type.value(), bucket, src_key, &src_value); !s.ok()) return s;
    ObjectRecord src;
    if (!DecodeRecord(src_value, &src, /*with_body=*/false)) return Status(Code::IoError, "corrupt object record");
    if (src_if_match_etag) {
      std::string_view want = Unquote(*src_if_match_etag);
      if (want != "*" && want != Unquote(src.meta.etag)) {
        return Status(Code::PreconditionFailed, "source If-Match etag does not match");
      }
    }
    std::string dst_value;
    Status got = src_key == dst_key ? Status::OK() : IndexGet(t.txn, type.value(), bucket, dst_key, &dst_value);
    if (!got.ok() && got.code() != Code::NoSuchKey) return got;
    ObjectRecord dst;
    if (src_key == dst_key) {
      dst = src;
    } else if (got.ok() && !DecodeRecord(dst_value, &dst, /*with_body=*/false)) {
      return Status(Code::IoError, "corrupt object record");
    }
    if (Status s = CheckConditions(dst_conditions, got.ok() ? &dst : nullptr); !s.ok()) return s;
    if (src_key == dst_key) return Status::OK();
    if (Status s = IndexDelete(t.txn, type.value(), bucket, src_key); !s.ok()) return s;
    if (Status s = IndexPut(t.txn, type.value(), bucket, dst_key, src_value); !s.ok()) return s;
    std::vector<std::string> kept = BlobsOf(src);
    for (std::string& id : BlobsOf(dst)) {
      if (std::find(kept.begin(), kept.end(), id) != kept.end()) continue;
      t.on_commit.push_back([this, id = std::move(id)] { blobs_.Remove(id); });
    }
    return Status::OK();
  });
}


}  // namespace xs3::storage
