#include "storage/lmdb_env.h"

#include <sys/stat.h>

#include <cerrno>
#include <cstring>

namespace xs3::storage {

namespace {
constexpr unsigned kMaxDbs = 16;
constexpr unsigned kMaxReaders = 1024;
}  // namespace

Status LmdbStatus(int rc, std::string_view what) {
  return Status(Code::IoError, std::string(what) + ": " + mdb_strerror(rc));
}

Result<std::unique_ptr<LmdbEnv>> LmdbEnv::Open(const std::string& dir, bool relaxed, size_t map_size) {
  if (::mkdir(dir.c_str(), 0755) != 0 && errno != EEXIST) {
    return Status(Code::IoError, "mkdir " + dir + ": " + std::strerror(errno));
  }
  std::unique_ptr<LmdbEnv> e(new LmdbEnv());
  e->relaxed_ = relaxed;
  int rc = mdb_env_create(&e->env_);
  if (rc != 0) return LmdbStatus(rc, "mdb_env_create");
  if ((rc = mdb_env_set_maxdbs(e->env_, kMaxDbs)) != 0) return LmdbStatus(rc, "mdb_env_set_maxdbs");
  if ((rc = mdb_env_set_maxreaders(e->env_, kMaxReaders)) != 0) return LmdbStatus(rc, "mdb_env_set_maxreaders");
  if ((rc = mdb_env_set_mapsize(e->env_, map_size)) != 0) return LmdbStatus(rc, "mdb_env_set_mapsize");
  unsigned flags = MDB_NOTLS;
  if (relaxed) flags |= MDB_NOSYNC | MDB_NOMETASYNC;
  if ((rc = mdb_env_open(e->env_, dir.c_str(), flags, 0644)) != 0) return LmdbStatus(rc, "mdb_env_open " + dir);
  e->opened_ = true;
  int dead = 0;
  if ((rc = mdb_reader_check(e->env_, &dead)) != 0) return LmdbStatus(rc, "mdb_reader_check");

  MDB_txn* txn = nullptr;
  if ((rc = mdb_txn_begin(e->env_, nullptr, 0, &txn)) != 0) return LmdbStatus(rc, "mdb_txn_begin");
  if ((rc = mdb_dbi_open(txn, "buckets", MDB_CREATE, &e->buckets_)) != 0 ||
      (rc = mdb_dbi_open(txn, "objects", MDB_CREATE, &e->objects_)) != 0 ||
      (rc = mdb_dbi_open(txn, "dirents", MDB_CREATE, &e->dirents_)) != 0 ||
      (rc = mdb_dbi_open(txn, "counters", MDB_CREATE, &e->counters_)) != 0 ||
      (rc = mdb_dbi_open(txn, "uploads", MDB_CREATE, &e->uploads_)) != 0 ||
      (rc = mdb_dbi_open(txn, "parts", MDB_CREATE, &e->parts_)) != 0) {
    mdb_txn_abort(txn);
    return LmdbStatus(rc, "mdb_dbi_open");
  }
  if ((rc = mdb_txn_commit(txn)) != 0) return LmdbStatus(rc, "mdb_txn_commit (open dbs)");
  return e;
}

LmdbEnv::~LmdbEnv() {
  if (env_ == nullptr) return;
  if (relaxed_ && opened_) mdb_env_sync(env_, 1);  // a clean shutdown persists even relaxed commits
  mdb_env_close(env_);
}

Result<ReadTxn> ReadTxn::Begin(MDB_env* env) {
  ReadTxn t;
  int rc = mdb_txn_begin(env, nullptr, MDB_RDONLY, &t.txn_);
  if (rc != 0) return LmdbStatus(rc, "mdb_txn_begin (read)");
  return t;
}

ReadTxn& ReadTxn::operator=(ReadTxn&& o) noexcept {
  if (this != &o) {
    if (txn_ != nullptr) mdb_txn_abort(txn_);
    txn_ = o.txn_;
    o.txn_ = nullptr;
  }
  return *this;
}

ReadTxn::~ReadTxn() {
  if (txn_ != nullptr) mdb_txn_abort(txn_);
}

Status Cursor::Open(MDB_txn* txn, MDB_dbi dbi) {
  int rc = mdb_cursor_open(txn, dbi, &cursor_);
  if (rc != 0) return LmdbStatus(rc, "mdb_cursor_open");
  return Status::OK();
}

Cursor::~Cursor() {
  if (cursor_ != nullptr) mdb_cursor_close(cursor_);
}

}  // namespace xs3::storage
