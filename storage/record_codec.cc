#include "storage/record_codec.h"

#include "storage/wire.h"

namespace xs3::storage {

namespace {

constexpr uint8_t kRecordVersion = 1;          // no extents
constexpr uint8_t kRecordVersionExtents = 2;   // version 1 + part count + extent list (maybe empty)
constexpr uint8_t kBucketVersion = 1;
constexpr uint8_t kUploadVersion = 1;
constexpr uint8_t kPartVersion = 1;

// The ordered list of plain string fields of ObjectMeta, shared by encoder and decoder.
template <class Meta, class F>
bool ForEachMetaString(Meta& m, F&& f) {
  return f(m.etag) && f(m.owner) && f(m.content_type) && f(m.content_encoding) && f(m.content_disposition) &&
         f(m.content_language) && f(m.cache_control) && f(m.expires) && f(m.storage_class) && f(m.checksum_type);
}

// ObjectMeta as stored in object records (and upload records): size, mtime, the strings, user
// metadata, checksums.
void PutMeta(WireWriter& w, const ObjectMeta& m) {
  w.PutVarint(m.size);
  w.PutFixed64(static_cast<uint64_t>(m.mtime_ms));
  ForEachMetaString(m, [&](const std::string& s) {
    w.PutString(s);
    return true;
  });
  w.PutVarint(m.user_meta.size());
  for (const auto& [k, v] : m.user_meta) {
    w.PutString(k);
    w.PutString(v);
  }
  w.PutVarint(m.checksums.size());
  for (const auto& [k, v] : m.checksums) {
    w.PutString(k);
    w.PutString(v);
  }
}

// `limit` (the whole value's size) bounds the element counts before anything is reserved.
bool GetMeta(WireReader& r, size_t limit, ObjectMeta* out) {
  ObjectMeta& m = *out;
  uint64_t mtime = 0, n = 0;
  if (!r.GetVarint(&m.size) || !r.GetFixed64(&mtime)) return false;
  m.mtime_ms = static_cast<int64_t>(mtime);
  if (!ForEachMetaString(m, [&](std::string& s) { return r.GetString(&s); })) return false;
  if (!r.GetVarint(&n) || n > limit) return false;
  m.user_meta.clear();
  m.user_meta.reserve(n);
  for (uint64_t i = 0; i < n; ++i) {
    std::string k, v;
    if (!r.GetString(&k) || !r.GetString(&v)) return false;
    m.user_meta.emplace_back(std::move(k), std::move(v));
  }
  if (!r.GetVarint(&n) || n > limit) return false;
  m.checksums.clear();
  for (uint64_t i = 0; i < n; ++i) {
    std::string k, v;
    if (!r.GetString(&k) || !r.GetString(&v)) return false;
    m.checksums.emplace(std::move(k), std::move(v));
  }
  return true;
}

}  // namespace

std::string EncodeRecord(const ObjectRecord& record) {
  const ObjectMeta& m = record.meta;
  WireWriter w;
  const bool v2 = !record.extents.empty() || record.part_count != 0;
  w.PutByte(v2 ? kRecordVersionExtents : kRecordVersion);
  PutMeta(w, m);
  w.PutString(record.blob_id);
  w.PutString(record.inline_body);
  if (v2) {
    w.PutVarint(record.part_count);
    w.PutVarint(record.extents.size());
    for (const Extent& e : record.extents) {
      w.PutVarint(e.size);
      w.PutString(e.blob_id);
      w.PutString(e.inline_data);
    }
  }
  return w.Take();
}

bool DecodeRecord(std::string_view value, ObjectRecord* out, bool with_body) {
  WireReader r(value);
  ObjectMeta& m = out->meta;
  uint8_t version = 0;
  uint64_t n = 0;
  if (!r.GetByte(&version) || (version != kRecordVersion && version != kRecordVersionExtents)) return false;
  if (!GetMeta(r, value.size(), &m)) return false;
  std::string_view body;
  if (!r.GetString(&out->blob_id) || !r.GetString(&body)) return false;
  if (with_body) {
    out->inline_body.assign(body);
  } else {
    out->inline_body.clear();
  }
  out->extents.clear();
  out->part_count = 0;
  if (version == kRecordVersionExtents) {
    uint64_t parts = 0;
    if (!r.GetVarint(&parts) || parts > UINT32_MAX) return false;
    out->part_count = static_cast<uint32_t>(parts);
    if (!r.GetVarint(&n) || n > value.size()) return false;
    out->extents.resize(n);
    for (Extent& e : out->extents) {
      std::string_view data;
      if (!r.GetVarint(&e.size) || !r.GetString(&e.blob_id) || !r.GetString(&data)) return false;
      if (e.blob_id.empty() && data.size() != e.size) return false;
      if (with_body) e.inline_data.assign(data);
    }
  }
  return r.done();
}

std::string EncodeBucket(const BucketInfo& info) {
  WireWriter w;
  w.PutByte(kBucketVersion);
  w.PutString(info.region);
  w.PutString(info.owner);
  w.PutFixed64(static_cast<uint64_t>(info.created_ms));
  w.PutByte(static_cast<uint8_t>(info.type));
  w.PutString(info.zone);
  w.PutString(info.policy);
  return w.Take();
}

bool DecodeBucket(std::string_view name, std::string_view value, BucketInfo* out) {
  WireReader r(value);
  uint8_t version = 0, type = 0;
  uint64_t created = 0;
  if (!r.GetByte(&version) || version != kBucketVersion) return false;
  if (!r.GetString(&out->region) || !r.GetString(&out->owner) || !r.GetFixed64(&created) || !r.GetByte(&type) ||
      !r.GetString(&out->zone) || !r.GetString(&out->policy) || !r.done()) {
    return false;
  }
  if (type > static_cast<uint8_t>(BucketType::Directory)) return false;
  out->name.assign(name);
  out->created_ms = static_cast<int64_t>(created);
  out->type = static_cast<BucketType>(type);
  return true;
}

std::string EncodeUpload(const MultipartUpload& upload) {
  WireWriter w;
  w.PutByte(kUploadVersion);
  w.PutString(upload.key);
  w.PutFixed64(static_cast<uint64_t>(upload.initiated_ms));
  PutMeta(w, upload.meta);
  return w.Take();
}

bool DecodeUpload(std::string_view bucket, std::string_view upload_id, std::string_view value,
                  MultipartUpload* out) {
  WireReader r(value);
  uint8_t version = 0;
  uint64_t initiated = 0;
  if (!r.GetByte(&version) || version != kUploadVersion) return false;
  if (!r.GetString(&out->key) || !r.GetFixed64(&initiated) || !GetMeta(r, value.size(), &out->meta) || !r.done()) {
    return false;
  }
  out->bucket.assign(bucket);
  out->upload_id.assign(upload_id);
  out->initiated_ms = static_cast<int64_t>(initiated);
  return true;
}

std::string EncodePart(const UploadPart& part) {
  WireWriter w;
  w.PutByte(kPartVersion);
  w.PutVarint(part.part_number);
  w.PutVarint(part.extent.size);
  w.PutString(part.extent.blob_id);
  w.PutString(part.extent.inline_data);
  w.PutString(part.etag);
  w.PutString(part.checksum);
  w.PutFixed64(static_cast<uint64_t>(part.mtime_ms));
  return w.Take();
}

bool DecodePart(std::string_view value, UploadPart* out, bool with_body) {
  WireReader r(value);
  uint8_t version = 0;
  uint64_t number = 0, mtime = 0;
  std::string_view data;
  if (!r.GetByte(&version) || version != kPartVersion) return false;
  if (!r.GetVarint(&number) || number > UINT32_MAX || !r.GetVarint(&out->extent.size) ||
      !r.GetString(&out->extent.blob_id) || !r.GetString(&data) || !r.GetString(&out->etag) ||
      !r.GetString(&out->checksum) || !r.GetFixed64(&mtime) || !r.done()) {
    return false;
  }
  if (out->extent.blob_id.empty() && data.size() != out->extent.size) return false;
  out->part_number = static_cast<uint32_t>(number);
  out->mtime_ms = static_cast<int64_t>(mtime);
  if (with_body) {
    out->extent.inline_data.assign(data);
  } else {
    out->extent.inline_data.clear();
  }
  return true;
}

}  // namespace xs3::storage
