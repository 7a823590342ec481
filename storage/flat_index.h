#pragma once
// The flat (general-purpose bucket) index: (bucket, key) -> encoded ObjectRecord in the objects
// DB, using key_codec.h's order-preserving encoding. Point operations work in any transaction;
// FlatCursor walks one bucket's keys in byte order, expanding group entries.
#include <lmdb.h>

#include <functional>
#include <string>
#include <string_view>

#include "storage/key_codec.h"
#include "storage/lmdb_env.h"
#include "storage/status.h"

namespace xs3::storage {

// Copies the encoded record of bucket/key into *record. NoSuchKey if absent.
Status FlatGet(MDB_txn* txn, MDB_dbi dbi, std::string_view bucket, std::string_view key, std::string* record);
// Inserts or replaces. REQUIRES: write txn, ValidBucketName, ValidObjectKey.
Status FlatPut(MDB_txn* txn, MDB_dbi dbi, std::string_view bucket, std::string_view key, std::string_view record);
// Removes bucket/key. NoSuchKey if absent.
Status FlatDelete(MDB_txn* txn, MDB_dbi dbi, std::string_view bucket, std::string_view key);
// True if the bucket has at least one key.
Result<bool> FlatBucketHasKeys(MDB_txn* txn, MDB_dbi dbi, std::string_view bucket);
// Calls fn(encoded record) for every object of every bucket (recovery's reference scan).
Status FlatForEachRecord(MDB_txn* txn, MDB_dbi dbi, const std::function<void(std::string_view)>& fn);

// Iterates one bucket's keys in ascending byte order.
// REQUIRES: the transaction outlives the cursor and is not written to while the cursor is used.
class FlatCursor {
 public:
  FlatCursor(MDB_txn* txn, MDB_dbi dbi, std::string_view bucket);
  // Positions on the first key >= target.
  void Seek(std::string_view target);
  void Next();
  bool Valid() const { return valid_; }
  const std::string& key() const { return key_; }
  std::string_view record() const { return record_; }
  // Not OK if LMDB failed or a value was malformed; the cursor is then invalid.
  const Status& status() const { return status_; }

 private:
  // Loads the LMDB entry at the cursor (after a positioning op that returned rc).
  void Load(int rc, MDB_val k, MDB_val v, std::string_view target);
  void Fail(Status s);

  Cursor cursor_;
  std::string prefix_;  // bucket + '\0'
  bool valid_ = false;
  Status status_;
  std::string key_;
  std::string_view record_;
  GroupEntries group_;  // the expanded group when positioned in one
  size_t group_index_ = 0;
  bool in_group_ = false;
};

}  // namespace xs3::storage
