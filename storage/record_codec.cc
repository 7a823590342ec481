#include "storage/record_codec.h"

#include "storage/wire.h"

namespace xs3::storage {

namespace {

constexpr uint8_t kRecordVersion = 1;          // no extents
constexpr uint8_t kRecordVersionExtents = 2;   // version 1 + part count + extent list (maybe empty)
constexpr uint8_t kRecordVersionTags = 3;      // version 2 + tag list + canned ACL
constexpr uint8_t kRecordVersionVersioned = 4; // version 3 + version id + flags (bit 0: delete marker)
constexpr uint8_t kRecordVersionSseC = 5;      // version 4 + SSE-C block (salt, key HMAC, IVs)
constexpr uint8_t kBucketVersion = 1;
// version 1 + tag set (present flag + list), CORS, canned ACL, Object Ownership (present flag +
// value), Block Public Access (present flag + 4 flags)
constexpr uint8_t kBucketVersionConfig = 2;
constexpr uint8_t kUploadVersion = 1;
constexpr uint8_t kUploadVersionTags = 2;      // version 1 + tag list + canned ACL
constexpr uint8_t kUploadVersionSseC = 3;      // version 2 + SSE-C block
constexpr uint8_t kPartVersion = 1;
constexpr uint8_t kPartVersionSseC = 2;        // version 1 + the part's SSE-C IV

using Pairs = std::vector<std::pair<std::string, std::string>>;

void PutPairs(WireWriter& w, const Pairs& pairs) {
  w.PutVarint(pairs.size());
  for (const auto& [k, v] : pairs) {
    w.PutString(k);
    w.PutString(v);
  }
}

bool GetPairs(WireReader& r, size_t limit, Pairs* out) {
  uint64_t n = 0;
  if (!r.GetVarint(&n) || n > limit) return false;
  out->clear();
  out->reserve(n);
  for (uint64_t i = 0; i < n; ++i) {
    std::string k, v;
    if (!r.GetString(&k) || !r.GetString(&v)) return false;
    out->emplace_back(std::move(k), std::move(v));
  }
  return true;
}

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
  PutPairs(w, m.user_meta);
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
  if (!GetPairs(r, limit, &m.user_meta)) return false;
  if (!r.GetVarint(&n) || n > limit) return false;
  m.checksums.clear();
  for (uint64_t i = 0; i < n; ++i) {
    std::string k, v;
    if (!r.GetString(&k) || !r.GetString(&v)) return false;
    m.checksums.emplace(std::move(k), std::move(v));
  }
  return true;
}

void PutSseCustomer(WireWriter& w, const SseCustomer& sse) {
  w.PutString(sse.salt);
  w.PutString(sse.key_hmac);
  w.PutVarint(sse.ivs.size());
  for (const auto& iv : sse.ivs) w.PutString(iv);
}

bool GetSseCustomer(WireReader& r, size_t limit, SseCustomer* out) {
  uint64_t n = 0;
  if (!r.GetString(&out->salt) || !r.GetString(&out->key_hmac) || !r.GetVarint(&n) || n > limit) return false;
  out->ivs.resize(n);
  for (auto& iv : out->ivs) {
    if (!r.GetString(&iv)) return false;
  }
  return true;
}

}  // namespace

std::string EncodeRecord(const ObjectRecord& record) {
  const ObjectMeta& m = record.meta;
  WireWriter w;
  // Records are written in the oldest version that holds them, so untagged objects keep the
  // bytes earlier releases wrote.
  const bool v5 = m.sse_customer.has_value();
  const bool v4 = v5 || !m.version_id.empty() || m.delete_marker;
  const bool v3 = v4 || !m.tags.empty() || !m.acl.empty();
  const bool v2 = v3 || !record.extents.empty() || record.part_count != 0;
  w.PutByte(v5   ? kRecordVersionSseC
            : v4 ? kRecordVersionVersioned
            : v3 ? kRecordVersionTags : v2 ? kRecordVersionExtents : kRecordVersion);
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
  if (v3) {
    PutPairs(w, m.tags);
    w.PutString(m.acl);
  }
  if (v4) {
    w.PutString(m.version_id);
    w.PutByte(m.delete_marker ? 1 : 0);
  }
  if (v5) PutSseCustomer(w, *m.sse_customer);
  return w.Take();
}

bool DecodeRecord(std::string_view value, ObjectRecord* out, bool with_body) {
  WireReader r(value);
  ObjectMeta& m = out->meta;
  uint8_t version = 0;
  uint64_t n = 0;
  if (!r.GetByte(&version) || version < kRecordVersion || version > kRecordVersionSseC) return false;
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
  m.tags.clear();
  m.acl.clear();
  m.version_id.clear();
  m.delete_marker = false;
  m.sse_customer.reset();
  if (version >= kRecordVersionExtents) {
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
  if (version >= kRecordVersionTags && (!GetPairs(r, value.size(), &m.tags) || !r.GetString(&m.acl))) return false;
  if (version >= kRecordVersionVersioned) {
    uint8_t flags = 0;
    if (!r.GetString(&m.version_id) || !r.GetByte(&flags) || flags > 1) return false;
    m.delete_marker = flags == 1;
  }
  if (version >= kRecordVersionSseC && !GetSseCustomer(r, value.size(), &m.sse_customer.emplace())) return false;
  return r.done();
}

std::string EncodeBucket(const BucketInfo& info) {
  WireWriter w;
  // Version 1 reads back as BucketOwnerEnforced without Block Public Access.
  const bool v2 = info.tags.has_value() || !info.cors.empty() || !info.acl.empty() ||
                  info.object_ownership != "BucketOwnerEnforced" || info.public_access_block.has_value() ||
                  !info.lifecycle.empty() || !info.versioning.empty() || !info.encryption.empty();
  w.PutByte(v2 ? kBucketVersionConfig : kBucketVersion);
  w.PutString(info.region);
  w.PutString(info.owner);
  w.PutFixed64(static_cast<uint64_t>(info.created_ms));
  w.PutByte(static_cast<uint8_t>(info.type));
  w.PutString(info.zone);
  w.PutString(info.policy);
  if (v2) {
    w.PutByte(info.tags ? 1 : 0);
    if (info.tags) PutPairs(w, *info.tags);
    w.PutString(info.cors);
    w.PutString(info.acl);
    w.PutByte(info.object_ownership ? 1 : 0);
    if (info.object_ownership) w.PutString(*info.object_ownership);
    w.PutByte(info.public_access_block ? 1 : 0);
    if (const auto& p = info.public_access_block) {
      for (bool flag : {p->block_public_acls, p->ignore_public_acls, p->block_public_policy, p->restrict_public_buckets}) {
        w.PutByte(flag ? 1 : 0);
      }
    }
    // Added later, in this order: absent in older version-2 records, which read as no
    // configuration. Each is written when it or a later one is set.
    const bool encryption = !info.encryption.empty();
    const bool versioning = encryption || !info.versioning.empty();
    if (versioning || !info.lifecycle.empty()) w.PutString(info.lifecycle);
    if (versioning) w.PutString(info.versioning);
    if (encryption) w.PutString(info.encryption);
  }
  return w.Take();
}

bool DecodeBucket(std::string_view name, std::string_view value, BucketInfo* out) {
  WireReader r(value);
  uint8_t version = 0, type = 0;
  uint64_t created = 0;
  if (!r.GetByte(&version) || (version != kBucketVersion && version != kBucketVersionConfig)) return false;
  if (!r.GetString(&out->region) || !r.GetString(&out->owner) || !r.GetFixed64(&created) || !r.GetByte(&type) ||
      !r.GetString(&out->zone) || !r.GetString(&out->policy)) {
    return false;
  }
  out->tags.reset();
  out->cors.clear();
  out->acl.clear();
  out->object_ownership = "BucketOwnerEnforced";
  out->public_access_block.reset();
  out->lifecycle.clear();
  out->versioning.clear();
  out->encryption.clear();
  if (version == kBucketVersionConfig) {
    auto flag = [&r](bool* b) {
      uint8_t v = 0;
      if (!r.GetByte(&v) || v > 1) return false;
      *b = v == 1;
      return true;
    };
    bool has_tags = false, has_ownership = false, has_block = false;
    if (!flag(&has_tags) || (has_tags && !GetPairs(r, value.size(), &out->tags.emplace()))) return false;
    if (!r.GetString(&out->cors) || !r.GetString(&out->acl)) return false;
    if (!flag(&has_ownership)) return false;
    out->object_ownership.reset();
    if (has_ownership && !r.GetString(&out->object_ownership.emplace())) return false;
    if (!flag(&has_block)) return false;
    if (has_block) {
      auto& p = out->public_access_block.emplace();
      if (!flag(&p.block_public_acls) || !flag(&p.ignore_public_acls) || !flag(&p.block_public_policy) ||
          !flag(&p.restrict_public_buckets)) {
        return false;
      }
    }
    if (!r.done() && !r.GetString(&out->lifecycle)) return false;
    if (!r.done() && !r.GetString(&out->versioning)) return false;
    if (!r.done() && !r.GetString(&out->encryption)) return false;
  }
  if (!r.done()) return false;
  if (type > static_cast<uint8_t>(BucketType::Directory)) return false;
  out->name.assign(name);
  out->created_ms = static_cast<int64_t>(created);
  out->type = static_cast<BucketType>(type);
  return true;
}

std::string EncodeUpload(const MultipartUpload& upload) {
  WireWriter w;
  const bool v3 = upload.meta.sse_customer.has_value();
  const bool v2 = v3 || !upload.meta.tags.empty() || !upload.meta.acl.empty();
  w.PutByte(v3 ? kUploadVersionSseC : v2 ? kUploadVersionTags : kUploadVersion);
  w.PutString(upload.key);
  w.PutFixed64(static_cast<uint64_t>(upload.initiated_ms));
  PutMeta(w, upload.meta);
  if (v2) {
    PutPairs(w, upload.meta.tags);
    w.PutString(upload.meta.acl);
  }
  if (v3) PutSseCustomer(w, *upload.meta.sse_customer);
  return w.Take();
}

bool DecodeUpload(std::string_view bucket, std::string_view upload_id, std::string_view value,
                  MultipartUpload* out) {
  WireReader r(value);
  uint8_t version = 0;
  uint64_t initiated = 0;
  if (!r.GetByte(&version) || version < kUploadVersion || version > kUploadVersionSseC) return false;
  if (!r.GetString(&out->key) || !r.GetFixed64(&initiated) || !GetMeta(r, value.size(), &out->meta)) return false;
  out->meta.tags.clear();
  out->meta.acl.clear();
  out->meta.sse_customer.reset();
  if (version >= kUploadVersionTags && (!GetPairs(r, value.size(), &out->meta.tags) || !r.GetString(&out->meta.acl))) {
    return false;
  }
  if (version >= kUploadVersionSseC && !GetSseCustomer(r, value.size(), &out->meta.sse_customer.emplace())) {
    return false;
  }
  if (!r.done()) return false;
  out->bucket.assign(bucket);
  out->upload_id.assign(upload_id);
  out->initiated_ms = static_cast<int64_t>(initiated);
  return true;
}

std::string EncodePart(const UploadPart& part) {
  WireWriter w;
  w.PutByte(part.sse_iv.empty() ? kPartVersion : kPartVersionSseC);
  w.PutVarint(part.part_number);
  w.PutVarint(part.extent.size);
  w.PutString(part.extent.blob_id);
  w.PutString(part.extent.inline_data);
  w.PutString(part.etag);
  w.PutString(part.checksum);
  w.PutFixed64(static_cast<uint64_t>(part.mtime_ms));
  if (!part.sse_iv.empty()) w.PutString(part.sse_iv);
  return w.Take();
}

bool DecodePart(std::string_view value, UploadPart* out, bool with_body) {
  WireReader r(value);
  uint8_t version = 0;
  uint64_t number = 0, mtime = 0;
  std::string_view data;
  if (!r.GetByte(&version) || (version != kPartVersion && version != kPartVersionSseC)) return false;
  if (!r.GetVarint(&number) || number > UINT32_MAX || !r.GetVarint(&out->extent.size) ||
      !r.GetString(&out->extent.blob_id) || !r.GetString(&data) || !r.GetString(&out->etag) ||
      !r.GetString(&out->checksum) || !r.GetFixed64(&mtime)) {
    return false;
  }
  out->sse_iv.clear();
  if (version == kPartVersionSseC && (!r.GetString(&out->sse_iv) || out->sse_iv.empty())) return false;
  if (!r.done()) return false;
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

std::string EncodeChain(const std::vector<ObjectRecord>& chain) {
  WireWriter w;
  w.PutVarint(chain.size());
  for (const ObjectRecord& r : chain) w.PutString(EncodeRecord(r));
  return w.Take();
}

bool DecodeChain(std::string_view value, std::vector<ObjectRecord>* out, bool with_body) {
  WireReader r(value);
  uint64_t n = 0;
  if (!r.GetVarint(&n) || n > value.size()) return false;
  out->clear();
  out->resize(n);
  for (ObjectRecord& rec : *out) {
    std::string_view one;
    if (!r.GetString(&one) || !DecodeRecord(one, &rec, with_body)) return false;
  }
  return r.done();
}

}  // namespace xs3::storage
