#include "storage/lmdb_env.h"

#include <sys/stat.h>

#include <cerrno>
#include <cstring>
#include <utility>

namespace xs3::storage {

namespace {
constexpr unsigned kMaxDbs = 16;
constexpr unsigned kMaxReaders = 1024;

thread_local bool t_map_full = false;

std::shared_mutex* RemapGate(MDB_env* env) { return static_cast<std::shared_mutex*>(mdb_env_get_userctx(env)); }
}  // namespace

Status LmdbStatus(int rc, std::string_view what) {
  if (rc == MDB_MAP_FULL) t_map_full = true;
  return Status(Code::IoError, DetailOfErrno(rc), std::string(what) + ": " + mdb_strerror(rc));
}

bool TakeMapFull() { return std::exchange(t_map_full, false); }

Status GrowMap(MDB_env* env) {
  std::shared_mutex* gate = RemapGate(env);
  std::unique_lock<std::shared_mutex> lock;
  if (gate != nullptr) lock = std::unique_lock<std::shared_mutex>(*gate);
  MDB_envinfo info{};
  int rc = mdb_env_info(env, &info);
  if (rc != 0) return LmdbStatus(rc, "mdb_env_info");
  const size_t grown = info.me_mapsize * 2;
  if (grown <= info.me_mapsize) return Status(Code::IoError, "LMDB map size overflow");
  if ((rc = mdb_env_set_mapsize(env, grown)) != 0) return LmdbStatus(rc, "mdb_env_set_mapsize (grow)");
  return Status::OK();
}

Result<std::unique_ptr<LmdbEnv>> LmdbEnv::Open(const std::string& dir, bool relaxed, size_t map_size) {
  if (::mkdir(dir.c_str(), 0755) != 0 && errno != EEXIST) {
    return Status(Code::IoError, DetailOfErrno(errno), "mkdir " + dir + ": " + std::strerror(errno));
  }
  return OpenEnv(dir, relaxed, /*read_only=*/false, map_size);
}

Result<std::unique_ptr<LmdbEnv>> LmdbEnv::OpenReadOnly(const std::string& dir, size_t map_size) {
  return OpenEnv(dir, /*relaxed=*/false, /*read_only=*/true, map_size);
}

Result<std::unique_ptr<LmdbEnv>> LmdbEnv::OpenEnv(const std::string& dir, bool relaxed, bool read_only,
                                                  size_t map_size) {
  std::unique_ptr<LmdbEnv> e(new LmdbEnv());
  e->relaxed_ = relaxed;
  int rc = mdb_env_create(&e->env_);
  if (rc != 0) return LmdbStatus(rc, "mdb_env_create");
  if ((rc = mdb_env_set_maxdbs(e->env_, kMaxDbs)) != 0) return LmdbStatus(rc, "mdb_env_set_maxdbs");
  if ((rc = mdb_env_set_maxreaders(e->env_, kMaxReaders)) != 0) return LmdbStatus(rc, "mdb_env_set_maxreaders");
  if ((rc = mdb_env_set_mapsize(e->env_, map_size)) != 0) return LmdbStatus(rc, "mdb_env_set_mapsize");
  if ((rc = mdb_env_set_userctx(e->env_, &e->remap_)) != 0) return LmdbStatus(rc, "mdb_env_set_userctx");
  unsigned flags = MDB_NOTLS;
  if (relaxed) flags |= MDB_NOSYNC | MDB_NOMETASYNC;
  if (read_only) flags |= MDB_RDONLY;
  if ((rc = mdb_env_open(e->env_, dir.c_str(), flags, 0644)) != 0) return LmdbStatus(rc, "mdb_env_open " + dir);
  e->opened_ = true;
  int dead = 0;
  if ((rc = mdb_reader_check(e->env_, &dead)) != 0) return LmdbStatus(rc, "mdb_reader_check");

  MDB_txn* txn = nullptr;
  if ((rc = mdb_txn_begin(e->env_, nullptr, read_only ? MDB_RDONLY : 0, &txn)) != 0) {
    return LmdbStatus(rc, "mdb_txn_begin");
  }
  const unsigned create = read_only ? 0 : MDB_CREATE;
  if ((rc = mdb_dbi_open(txn, "buckets", create, &e->buckets_)) != 0 ||
      (rc = mdb_dbi_open(txn, "objects", create, &e->objects_)) != 0 ||
      (rc = mdb_dbi_open(txn, "dirents", create, &e->dirents_)) != 0 ||
      (rc = mdb_dbi_open(txn, "counters", create, &e->counters_)) != 0 ||
      (rc = mdb_dbi_open(txn, "uploads", create, &e->uploads_)) != 0 ||
      (rc = mdb_dbi_open(txn, "parts", create, &e->parts_)) != 0) {
    mdb_txn_abort(txn);
    return LmdbStatus(rc, "mdb_dbi_open");
  }
  rc = mdb_dbi_open(txn, "versions", create, &e->versions_);
  if (rc != 0 && !(read_only && rc == MDB_NOTFOUND)) {
    mdb_txn_abort(txn);
    return LmdbStatus(rc, "mdb_dbi_open versions");
  }
  e->has_versions_ = rc == 0;
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
  if (std::shared_mutex* gate = RemapGate(env)) t.gate_ = std::shared_lock<std::shared_mutex>(*gate);
  int rc = mdb_txn_begin(env, nullptr, MDB_RDONLY, &t.txn_);
  if (rc != 0) return LmdbStatus(rc, "mdb_txn_begin (read)");
  return t;
}

ReadTxn& ReadTxn::operator=(ReadTxn&& o) noexcept {
  if (this != &o) {
    if (txn_ != nullptr) mdb_txn_abort(txn_);
    txn_ = o.txn_;
    o.txn_ = nullptr;
    gate_ = std::move(o.gate_);
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
