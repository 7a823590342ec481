#pragma once
// Order-preserving encoding of (bucket, key) into LMDB keys for the flat index.
//
// LMDB (Debian build) limits keys to 511 bytes, S3 keys reach 1,024 bytes and bucket names 63.
// Encoding, with L = kInlineKeyLimit (440) and B the bucket name (1..63 bytes, no '\0'):
//   |key| <= L : lmdb_key = B + '\0' + key                     -> value = one record
//   |key| >  L : lmdb_key = B + '\0' + key[0, L) + '\0'        -> value = a "group": the sorted list
//                of (full key, record) of every key longer than L that shares those L bytes.
// The longest LMDB key is 63 + 1 + L + 1 = 505 <= 511.
// Inside one bucket the suffix after B + '\0' identifies the entry: a suffix of exactly L + 1 bytes
// is a group (short keys have at most L bytes), anything shorter is a single key.
//
// Why the order is right. Let enc(k) = k if |k| <= L, else k[0,L) + '\0'. Claim: for keys
// j < k (bytewise, shorter-is-smaller on a common prefix), enc(j) <= enc(k), with equality only
// when both are long and share their first L bytes (then they live in the same, sorted, group).
//  1. j and k differ first at position i < L: enc keeps bytes [0, min(|.|, L)) ⊇ [0, i], so
//     enc(j) and enc(k) differ first at i the same way.
//  2. Otherwise they agree on [0, min(|j|, |k|, L)). If j is a proper prefix of k with |j| <= L,
//     enc(j) = j is a prefix of enc(k) (k[0,L) or k itself) and shorter unless j = k[0, L) with
//     |k| > L, where enc(k) = j + '\0' is still longer: enc(j) < enc(k).
//  3. Else both are longer than L and share k[0, L): enc(j) = enc(k), same group.
// Since buckets never contain '\0', B + '\0' separates buckets: every key of bucket "a" sorts
// before every key of "ab" and of "b" in LMDB's memcmp order.
// Hence a cursor walk over LMDB entries, expanding each group in order, yields the keys of a
// bucket in exactly std::sort order, and seeking to enc(target) lands on the first entry that
// can hold a key >= target.
#include <cstddef>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "storage/status.h"

namespace xs3::storage {

inline constexpr size_t kInlineKeyLimit = 440;  // L above
inline constexpr size_t kMaxBucketNameLen = 63;
inline constexpr size_t kMaxObjectKeyLen = 1024;

// B + '\0': the common prefix of every LMDB key of the bucket.
std::string BucketKeyPrefix(std::string_view bucket);

// The LMDB key for (bucket, key). REQUIRES: ValidBucketName(bucket).
std::string EncodeObjectKey(std::string_view bucket, std::string_view key);

// True when the key is stored in a group entry (|key| > L).
inline bool IsGroupedKey(std::string_view key) { return key.size() > kInlineKeyLimit; }

// Given an LMDB key of the objects DB, its bucket and suffix; nullopt if malformed.
struct DecodedObjectKey {
  std::string_view bucket;
  std::string_view suffix;  // the key itself, or the group's L bytes + '\0'
  bool group = false;
};
std::optional<DecodedObjectKey> DecodeObjectKey(std::string_view lmdb_key);

bool ValidBucketName(std::string_view bucket);
bool ValidObjectKey(std::string_view key);  // 1..1024 bytes

// The value of a group entry: (full key, encoded record) sorted by key, keys unique.
using GroupEntries = std::vector<std::pair<std::string, std::string>>;
std::string EncodeGroup(const GroupEntries& entries);
bool DecodeGroup(std::string_view value, GroupEntries* out);

// The smallest string greater than every string that starts with `prefix`, or nullopt when
// none exists (prefix empty or all 0xFF).
std::optional<std::string> PrefixSuccessor(std::string_view prefix);

}  // namespace xs3::storage
