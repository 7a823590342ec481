#pragma once
// The hierarchical index of directory buckets (BucketType::Directory), like a file system's.
//
// DB `dirents`: (bucket, parent directory id, name) -> entry, where an entry is a directory
// (kind byte 1 + its own id, fixed64) or an object (kind byte 2 + encoded ObjectRecord). The
// root directory of every bucket has id 0; new directory ids come from the `counters` DB
// (key "dir_id"), unique across buckets. Keys are split on '/' into components; an empty
// component is a name like any other, so "a/" is the object named "" in directory "a" (a folder
// marker: AWS directory buckets hold keys ending in '/') and "a//b" goes through directory "".
// Invariants kept by DirPut/DirDelete: every directory holds at least one entry (deleting the
// last entry removes the directory, recursively), and a name is an object or a directory,
// never both (PathConflict).
//
// LMDB key (LMDB limits keys to 511 bytes; names reach 1,024): with L = kDirNameInlineLimit
//   prefix = bucket + '\0' + big-endian 8-byte dir id   (at most 63 + 1 + 8 = 72 bytes)
//   |name| <= L : prefix + name                 -> value = one entry
//   |name| >  L : prefix + name[0, L) + '\0'    -> value = a group (key_codec.h EncodeGroup) of
//                 (full name, entry) for every name longer than L sharing those L bytes.
// Longest key: 72 + L + 1 = 503 <= 511. The prefix has a fixed length per bucket, so the suffix
// length tells a group (L + 1 bytes) from a name (<= L). Order preservation is key_codec.h's
// proof with the prefix in place of B + '\0': a cursor walk over one directory's prefix,
// expanding groups, yields its names in byte order, and seeking to enc(target) lands on the
// first entry that can hold a name >= target.
#include <lmdb.h>

#include <cstdint>
#include <functional>
#include <string>
#include <string_view>
#include <vector>

#include "storage/engine.h"
#include "storage/lmdb_env.h"
#include "storage/status.h"

namespace xs3::storage {

inline constexpr size_t kDirNameInlineLimit = 430;
inline constexpr uint64_t kRootDirId = 0;

inline bool IsGroupedName(std::string_view name) { return name.size() > kDirNameInlineLimit; }
// The last path component of a key (the whole key when it has no '/').
std::string_view LastComponent(std::string_view key);

// Splits key on '/' ("a/" -> {"a", ""}); never empty.
std::vector<std::string_view> SplitDirKey(std::string_view key);

std::string DirPrefix(std::string_view bucket, uint64_t dir_id);
std::string DirEntryKey(std::string_view bucket, uint64_t dir_id, std::string_view name);

struct DirIndex {
  MDB_dbi dirents = 0;
  MDB_dbi counters = 0;
};

// The encoded ObjectRecord of bucket/key. NoSuchKey when absent, when a component is not a
// directory, when the key names a directory, or when the key is not a valid directory key.
Status DirGet(MDB_txn* txn, const DirIndex& ix, std::string_view bucket, std::string_view key, std::string* record);
// Inserts or replaces the object, creating missing directories. REQUIRES: write txn.
// InvalidArgument + Detail::PathConflict when a component names an object or the key a directory.
Status DirPut(MDB_txn* txn, const DirIndex& ix, std::string_view bucket, std::string_view key,
              std::string_view record);
// Removes the object and every directory left empty. NoSuchKey if there is no such object.
Status DirDelete(MDB_txn* txn, const DirIndex& ix, std::string_view bucket, std::string_view key);
// True if the bucket has any entry (hence, by the invariants, an object).
Result<bool> DirBucketHasEntries(MDB_txn* txn, const DirIndex& ix, std::string_view bucket);
// Calls fn(encoded record) for every object of every directory bucket (recovery).
Status DirForEachRecord(MDB_txn* txn, const DirIndex& ix, const std::function<void(std::string_view)>& fn);
// ListObjects for a directory bucket; the semantics are in engine.h (ListOptions).
Status ListDirectoryBucket(MDB_txn* txn, const DirIndex& ix, std::string_view bucket, const ListOptions& options,
                           ListResult* out);

}  // namespace xs3::storage
