#pragma once
// Thin RAII layer over the LMDB environment at <data_dir>/meta and its named databases.
//
// The environment is opened with MDB_NOTLS, so a read transaction may be used on any thread and
// readers never block the writer. Relaxed durability adds MDB_NOSYNC | MDB_NOMETASYNC.
#include <lmdb.h>

#include <memory>
#include <mutex>
#include <shared_mutex>
#include <string>
#include <string_view>

#include "storage/status.h"

namespace xs3::storage {

// IoError carrying mdb_strerror(rc) (and DetailOfErrno(rc) for system errors). An MDB_MAP_FULL
// also raises this thread's map-full flag, so that the writer notices it however the mutation
// wrapped the Status.
Status LmdbStatus(int rc, std::string_view what);
// Returns and clears this thread's map-full flag.
bool TakeMapFull();

// Doubles the map size (mdb_env_set_mapsize). LMDB unmaps and remaps the file, so no transaction
// of this process may be open: it waits for every ReadTxn to end and holds new ones back.
// REQUIRES: the calling thread has no transaction open (the writer, between batches).
Status GrowMap(MDB_env* env);

inline MDB_val ToVal(std::string_view s) { return MDB_val{s.size(), const_cast<char*>(s.data())}; }
inline std::string_view FromVal(const MDB_val& v) { return {static_cast<const char*>(v.mv_data), v.mv_size}; }

class LmdbEnv {
 public:
  // Creates `dir` if needed, opens the env and the named DBs, clears stale reader slots.
  static Result<std::unique_ptr<LmdbEnv>> Open(const std::string& dir, bool relaxed, size_t map_size);
  // Opens an existing env with MDB_RDONLY (writes fail), e.g. beside a running server.
  static Result<std::unique_ptr<LmdbEnv>> OpenReadOnly(const std::string& dir, size_t map_size);
  ~LmdbEnv();
  LmdbEnv(const LmdbEnv&) = delete;
  LmdbEnv& operator=(const LmdbEnv&) = delete;

  MDB_env* env() const { return env_; }
  MDB_dbi buckets() const { return buckets_; }
  MDB_dbi objects() const { return objects_; }  // the flat index (key_codec.h)
  MDB_dbi dirents() const { return dirents_; }  // the hierarchical index (dir_index.h)
  MDB_dbi counters() const { return counters_; }  // named uint64 counters (dir_index.h)
  MDB_dbi uploads() const { return uploads_; }  // multipart uploads (multipart.cc)
  MDB_dbi parts() const { return parts_; }      // their parts (multipart.cc)
  // Version chains of versioned buckets (flat-index keys, versioning.cc). A data dir written
  // before versioning existed, opened read-only, has none: has_versions() is false.
  MDB_dbi versions() const { return versions_; }
  bool has_versions() const { return has_versions_; }

 private:
  LmdbEnv() = default;
  static Result<std::unique_ptr<LmdbEnv>> OpenEnv(const std::string& dir, bool relaxed, bool read_only,
                                                  size_t map_size);
  MDB_env* env_ = nullptr;
  MDB_dbi buckets_ = 0;
  MDB_dbi objects_ = 0;
  MDB_dbi dirents_ = 0;
  MDB_dbi counters_ = 0;
  MDB_dbi uploads_ = 0;
  MDB_dbi parts_ = 0;
  MDB_dbi versions_ = 0;
  bool has_versions_ = false;
  bool relaxed_ = false;
  bool opened_ = false;
  // Held shared by every ReadTxn and exclusively by GrowMap (reached through the env's userctx).
  std::shared_mutex remap_;
};

// A read-only transaction, aborted on destruction. Move-only. Holds GrowMap off while open, so
// it must not be held across a GroupCommitWriter::Submit.
class ReadTxn {
 public:
  ReadTxn() = default;
  static Result<ReadTxn> Begin(MDB_env* env);
  ReadTxn(ReadTxn&& o) noexcept : txn_(o.txn_), gate_(std::move(o.gate_)) { o.txn_ = nullptr; }
  ReadTxn& operator=(ReadTxn&& o) noexcept;
  ~ReadTxn();
  MDB_txn* get() const { return txn_; }

 private:
  MDB_txn* txn_ = nullptr;
  std::shared_lock<std::shared_mutex> gate_;
};

// A cursor closed on destruction. REQUIRES: outlived by its transaction.
class Cursor {
 public:
  Cursor() = default;
  Status Open(MDB_txn* txn, MDB_dbi dbi);
  ~Cursor();
  Cursor(const Cursor&) = delete;
  Cursor& operator=(const Cursor&) = delete;
  MDB_cursor* get() const { return cursor_; }

 private:
  MDB_cursor* cursor_ = nullptr;
};

}  // namespace xs3::storage
