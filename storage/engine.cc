#include "storage/engine.h"

#include <sys/stat.h>

#include <cerrno>
#include <chrono>
#include <cstring>
#include <filesystem>
#include <unordered_set>

#include "storage/body_io.h"
#include "storage/engine_impl.h"
#include "storage/flat_index.h"
#include "storage/key_codec.h"
#include "storage/object_list.h"
#include "storage/record_codec.h"

namespace xs3::storage {

namespace {

int64_t NowMs() {
  return std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::system_clock::now().time_since_epoch())
      .count();
}

constexpr size_t kMaxInlineBodyInGroup = 1024;

Status NoSuchBucket(const std::string& name) { return Status(Code::NoSuchBucket, "no such bucket: " + name); }

Status ValidateObject(const std::string& bucket, const std::string& key) {
  if (!ValidBucketName(bucket)) return NoSuchBucket(bucket);
  if (!ValidObjectKey(key)) return Status(Code::InvalidArgument, "object key must be 1..1024 bytes");
  return Status::OK();
}

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
  auto env = LmdbEnv::Open(options.data_dir + "/meta", options.durability == Durability::Relaxed, options.map_size);
  if (!env.ok()) return env.status();
  auto engine = std::make_unique<EngineImpl>(options, std::move(env.value()));
  if (Status s = engine->Recover(); !s.ok()) return s;
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

EngineImpl::EngineImpl(const EngineOptions& options, std::unique_ptr<LmdbEnv> env)
    : options_(options),
      env_(std::move(env)),
      blobs_(options.data_dir, options.durability == Durability::Fsync),
      writer_(std::make_unique<GroupCommitWriter>(env_->env())) {}

EngineImpl::~EngineImpl() { writer_.reset(); }  // drain writes before the env closes

Status EngineImpl::Recover() {
  if (Status s = blobs_.Init(); !s.ok()) return s;
  if (auto r = blobs_.CleanTmp(); !r.ok()) return r.status();
  std::unordered_set<std::string> referenced;
  {
    auto txn = ReadTxn::Begin(env_->env());
    if (!txn.ok()) return txn.status();
    Status bad;
    Status s = FlatForEachRecord(txn->get(), env_->objects(), [&](std::string_view value) {
      ObjectRecord r;
      if (!DecodeRecord(value, &r, /*with_body=*/false)) {
        bad = Status(Code::IoError, "corrupt object record during recovery");
      } else if (!r.blob_id.empty()) {
        referenced.insert(r.blob_id);
      }
    });
    if (!s.ok()) return s;
    if (!bad.ok()) return bad;  // never delete blobs on the strength of a scan we could not read
  }
  if (auto r = blobs_.RemoveUnreferenced(referenced); !r.ok()) return r.status();
  return Status::OK();
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
    if (Status s = CheckBucket(t.txn, name); !s.ok()) return s;
    auto has = FlatBucketHasKeys(t.txn, env_->objects(), name);
    if (!has.ok()) return has.status();
    if (has.value()) return Status(Code::BucketNotEmpty, "bucket not empty: " + name);
    MDB_val k = ToVal(name);
    int rc = mdb_del(t.txn, env_->buckets(), &k, nullptr);
    if (rc != 0) return LmdbStatus(rc, "mdb_del bucket");
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
                             ObjectMeta meta, const WriteConditions& conditions) {
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
  return Publish(bucket, key, std::move(record), conditions);
}

Status EngineImpl::Publish(const std::string& bucket, const std::string& key, ObjectRecord record,
                           const WriteConditions& conditions) {
  // A key longer than the LMDB limit shares one LMDB value with its group (key_codec.h), which is
  // rewritten on every change: keep large inline bodies out of it.
  if (IsGroupedKey(key) && record.inline_body.size() > kMaxInlineBodyInGroup) {
    auto id = blobs_.WriteBlob(record.inline_body);
    if (!id.ok()) return id.status();
    record.blob_id = std::move(id.value());
    record.inline_body.clear();
  }
  std::string value = EncodeRecord(record);
  Status result = writer_->Submit([&](WriteTxn& t) {
    if (Status s = CheckBucket(t.txn, bucket); !s.ok()) return s;
    std::string old_value;
    Status got = FlatGet(t.txn, env_->objects(), bucket, key, &old_value);
    if (!got.ok() && got.code() != Code::NoSuchKey) return got;
    ObjectRecord old;
    if (got.ok() && !DecodeRecord(old_value, &old, /*with_body=*/false)) {
      return Status(Code::IoError, "corrupt object record: " + key);
    }
    if (Status s = CheckConditions(conditions, got.ok() ? &old : nullptr); !s.ok()) return s;
    if (Status s = FlatPut(t.txn, env_->objects(), bucket, key, value); !s.ok()) return s;
    if (!old.blob_id.empty() && old.blob_id != record.blob_id) {
      t.on_commit.push_back([this, id = old.blob_id] { blobs_.Remove(id); });
    }
    return Status::OK();
  });
  // IoError may come from a failed commit whose outcome on disk is unknown: keep the blob and
  // let recovery decide. Any other failure certainly left it unreferenced.
  if (!result.ok() && result.code() != Code::IoError && !record.blob_id.empty()) blobs_.Remove(record.blob_id);
  return result;
}

Result<ObjectRecord> EngineImpl::GetObject(const std::string& bucket, const std::string& key) {
  if (Status s = ValidateObject(bucket, key); !s.ok()) return s;
  auto txn = ReadTxn::Begin(env_->env());
  if (!txn.ok()) return txn.status();
  if (Status s = CheckBucket(txn->get(), bucket); !s.ok()) return s;
  std::string value;
  if (Status s = FlatGet(txn->get(), env_->objects(), bucket, key, &value); !s.ok()) return s;
  ObjectRecord record;
  if (!DecodeRecord(value, &record)) return Status(Code::IoError, "corrupt object record: " + key);
  return record;
}

Result<std::unique_ptr<BodyReader>> EngineImpl::OpenBody(const ObjectRecord& record) {
  if (record.blob_id.empty()) return std::unique_ptr<BodyReader>(new InlineBodyReader(record.inline_body));
  return blobs_.OpenReader(record.blob_id, record.meta.size);
}

Status EngineImpl::DeleteObject(const std::string& bucket, const std::string& key) {
  if (Status s = ValidateObject(bucket, key); !s.ok()) return s;
  return writer_->Submit([&](WriteTxn& t) {
    if (Status s = CheckBucket(t.txn, bucket); !s.ok()) return s;
    std::string old_value;
    Status got = FlatGet(t.txn, env_->objects(), bucket, key, &old_value);
    if (got.code() == Code::NoSuchKey) return Status::OK();
    if (!got.ok()) return got;
    ObjectRecord old;
    if (!DecodeRecord(old_value, &old, /*with_body=*/false)) return Status(Code::IoError, "corrupt object record");
    if (Status s = FlatDelete(t.txn, env_->objects(), bucket, key); !s.ok()) return s;
    if (!old.blob_id.empty()) t.on_commit.push_back([this, id = old.blob_id] { blobs_.Remove(id); });
    return Status::OK();
  });
}

Status EngineImpl::CopyObject(const std::string& src_bucket, const std::string& src_key, const std::string& dst_bucket,
                              const std::string& dst_key, ObjectMeta meta, const WriteConditions& conditions) {
  if (Status s = ValidateObject(dst_bucket, dst_key); !s.ok()) return s;
  if (writer_->stopped()) return Status(Code::WritesStopped, "writes stopped after an earlier sync failure");
  // The source is read outside the write txn, then its blob hard-linked under a new id: the copy
  // is a consistent snapshot of the source even if it is replaced meanwhile. If it is replaced
  // between the read and the link (its blob unlinked), read again.
  constexpr int kAttempts = 8;
  for (int attempt = 0;; ++attempt) {
    auto src = GetObject(src_bucket, src_key);
    if (!src.ok()) return src.status();
    ObjectRecord record;
    record.meta = meta;
    record.meta.size = src->meta.size;
    if (record.meta.etag.empty()) record.meta.etag = src->meta.etag;
    if (record.meta.mtime_ms == 0) record.meta.mtime_ms = NowMs();
    if (!src->blob_id.empty()) {
      std::string id = BlobStore::NewId();
      Status s = blobs_.Link(src->blob_id, id);
      if (s.code() == Code::NoSuchKey && attempt + 1 < kAttempts) continue;
      if (!s.ok()) return s;
      record.blob_id = std::move(id);
    } else {
      record.inline_body = std::move(src->inline_body);
    }
    return Publish(dst_bucket, dst_key, std::move(record), conditions);
  }
}

Result<ListResult> EngineImpl::ListObjects(const std::string& bucket, const ListOptions& options) {
  if (!ValidBucketName(bucket)) return NoSuchBucket(bucket);
  auto txn = ReadTxn::Begin(env_->env());
  if (!txn.ok()) return txn.status();
  if (Status s = CheckBucket(txn->get(), bucket); !s.ok()) return s;
  FlatCursor cursor(txn->get(), env_->objects(), bucket);
  ListResult result;
  if (Status s = ListFlat(cursor, options, &result); !s.ok()) return s;
  return result;
}

}  // namespace xs3::storage
