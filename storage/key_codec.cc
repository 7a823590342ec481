#include "storage/key_codec.h"

#include <algorithm>

#include "storage/wire.h"

namespace xs3::storage {

namespace {
constexpr uint8_t kGroupVersion = 1;
}  // namespace

std::string BucketKeyPrefix(std::string_view bucket) {
  std::string out;
  out.reserve(bucket.size() + 1);
  out.append(bucket);
  out.push_back('\0');
  return out;
}

std::string EncodeObjectKey(std::string_view bucket, std::string_view key) {
  std::string out = BucketKeyPrefix(bucket);
  if (!IsGroupedKey(key)) {
    out.append(key);
  } else {
    out.append(key.substr(0, kInlineKeyLimit));
    out.push_back('\0');
  }
  return out;
}

std::optional<DecodedObjectKey> DecodeObjectKey(std::string_view lmdb_key) {
  size_t zero = lmdb_key.find('\0');
  if (zero == std::string_view::npos || zero == 0) return std::nullopt;
  DecodedObjectKey d;
  d.bucket = lmdb_key.substr(0, zero);
  d.suffix = lmdb_key.substr(zero + 1);
  if (d.suffix.size() > kInlineKeyLimit + 1) return std::nullopt;
  d.group = d.suffix.size() == kInlineKeyLimit + 1;
  return d;
}

bool ValidBucketName(std::string_view bucket) {
  return !bucket.empty() && bucket.size() <= kMaxBucketNameLen && bucket.find('\0') == std::string_view::npos;
}

bool ValidObjectKey(std::string_view key) { return !key.empty() && key.size() <= kMaxObjectKeyLen; }

std::string EncodeGroup(const GroupEntries& entries) {
  WireWriter w;
  w.PutByte(kGroupVersion);
  w.PutVarint(entries.size());
  for (const auto& [key, record] : entries) {
    w.PutString(key);
    w.PutString(record);
  }
  return w.Take();
}

bool DecodeGroup(std::string_view value, GroupEntries* out) {
  WireReader r(value);
  uint8_t version = 0;
  uint64_t n = 0;
  if (!r.GetByte(&version) || version != kGroupVersion || !r.GetVarint(&n)) return false;
  out->clear();
  if (n > value.size()) return false;  // each entry takes at least two bytes
  out->reserve(n);
  for (uint64_t i = 0; i < n; ++i) {
    std::string_view key, record;
    if (!r.GetString(&key) || !r.GetString(&record)) return false;
    out->emplace_back(std::string(key), std::string(record));
  }
  return r.done();
}

std::optional<std::string> PrefixSuccessor(std::string_view prefix) {
  std::string s(prefix);
  while (!s.empty() && static_cast<unsigned char>(s.back()) == 0xFF) s.pop_back();
  if (s.empty()) return std::nullopt;
  s.back() = static_cast<char>(static_cast<unsigned char>(s.back()) + 1);
  return s;
}

}  // namespace xs3::storage
