// GetObjectAttributes (GET /<bucket>/<key>?attributes): the attributes named in
// x-amz-object-attributes, without the body.
#include <algorithm>
#include <charconv>

#include "api/conditions.h"
#include "api/http_time.h"
#include "api/operation.h"
#include "api/sse_customer.h"
#include "api/versioning.h"
#include "api/xml_writer.h"

namespace xs3::api {
namespace {

// ObjectParts of a multipart (or, in a directory bucket, appended) object. S3 lists the parts
// themselves only where it keeps a description of each: always in directory buckets, and in
// general-purpose buckets only for parts uploaded with an additional checksum, whose per-part
// values xs3 does not keep after completion (so there it answers PartsCount alone, the SDKs'
// TotalPartsCount).
// Single-part objects have no ObjectParts at all.
std::optional<S3Error> WriteObjectParts(const OperationContext& ctx, const storage::ObjectRecord& record,
                                        XmlWriter& x) {
  x.Open("ObjectParts").Element("PartsCount", std::to_string(record.part_count));
  if (ctx.IsDirectoryBucket() && record.extents.size() == record.part_count) {
    uint32_t marker = 0;
    if (auto* m = ctx.request.Header("x-amz-part-number-marker")) {
      auto [p, ec] = std::from_chars(m->data(), m->data() + m->size(), marker);
      if (ec != std::errc() || p != m->data() + m->size()) {
        return S3Error{ErrorCode::InvalidArgument, "Provided part-number-marker not an integer or within integer range"};
      }
    }
    long long max = 1000;
    if (auto* m = ctx.request.Header("x-amz-max-parts")) {
      auto [p, ec] = std::from_chars(m->data(), m->data() + m->size(), max);
      if (ec != std::errc() || p != m->data() + m->size() || max < 0 || max > 2147483647LL) {
        return S3Error{ErrorCode::InvalidArgument, "Provided max-parts not an integer or within integer range"};
      }
      max = std::min(max, 1000LL);
    }
    const uint32_t first = std::min<uint32_t>(marker, record.part_count);
    const uint32_t end = static_cast<uint32_t>(std::min<long long>(record.part_count, first + max));
    const bool truncated = end < record.part_count;
    x.Element("PartNumberMarker", std::to_string(marker));
    if (truncated) x.Element("NextPartNumberMarker", std::to_string(end));
    x.Element("MaxParts", std::to_string(max)).Element("IsTruncated", truncated ? "true" : "false");
    for (uint32_t i = first; i < end; ++i) {
      x.Open("Part").Element("PartNumber", std::to_string(i + 1)).Element("Size", std::to_string(record.extents[i].size));
      x.Close("Part");
    }
  }
  x.Close("ObjectParts");
  return std::nullopt;
}

}  // namespace

Outcome GetObjectAttributes(OperationContext& ctx) {
  storage::BucketInfo bucket;
  if (auto e = AuthorizeBucket(ctx, ctx.address.bucket, &bucket)) return Fail(ctx, *e);
  auto* requested = ctx.request.Header("x-amz-object-attributes");
  if (!requested || requested->empty()) {
    return Fail(ctx, ErrorCode::InvalidArgument, "The x-amz-object-attributes header specifying the attributes to be retrieved is either missing or empty");
  }
  bool etag = false, checksum = false, parts = false, storage_class = false, size = false;
  size_t pos = 0;
  while (pos <= requested->size()) {
    size_t comma = requested->find(',', pos);
    std::string item = requested->substr(pos, comma == std::string::npos ? std::string::npos : comma - pos);
    while (!item.empty() && item.front() == ' ') item.erase(0, 1);
    while (!item.empty() && item.back() == ' ') item.pop_back();
    if (item == "ETag") etag = true;
    else if (item == "Checksum") checksum = true;
    else if (item == "ObjectParts") parts = true;
    else if (item == "StorageClass") storage_class = true;
    else if (item == "ObjectSize") size = true;
    else return Fail(ctx, ErrorCode::InvalidArgument, "Invalid attribute name specified.");
    if (comma == std::string::npos) break;
    pos = comma + 1;
  }

  const auto version = RequestedVersion(ctx);
  auto record = version ? ctx.engine.GetObjectVersion(ctx.address.bucket, ctx.address.key, *version)
                        : ctx.engine.GetObject(ctx.address.bucket, ctx.address.key);
  // As GET: a key whose latest version is a delete marker answers 404 with x-amz-delete-marker.
  if (!record.ok()) return FailMissingVersion(ctx, record.status(), version, !bucket.versioning.empty());
  const storage::ObjectMeta& m = record->meta;
  if (m.delete_marker) return FailDeleteMarker(ctx, m);
  // SSE-C objects describe themselves only to the key holder, as they read.
  auto customer_key = ReadCustomerKey(ctx.request, KeyHeaders::Object);
  if (auto* e = std::get_if<S3Error>(&customer_key)) return Fail(ctx, *e);
  const auto& key = std::get<std::optional<CustomerKey>>(customer_key);
  if (auto e = CheckCustomerKey(m.sse_customer, key)) return Fail(ctx, *e);
  Preconditions pre{ctx.request.Header("if-match"), ctx.request.Header("if-none-match"),
                    ctx.request.Header("if-modified-since"), ctx.request.Header("if-unmodified-since")};
  if (auto e = EvaluatePreconditions(pre, m, false)) return Fail(ctx, *e);

  XmlWriter x("GetObjectAttributesResponse");
  if (etag) x.Element("ETag", m.etag);
  if (checksum && !m.checksums.empty()) {
    x.Open("Checksum");
    for (auto& [alg, value] : m.checksums) x.Element("Checksum" + alg, value);
    x.Element("ChecksumType", m.checksum_type.empty() ? "FULL_OBJECT" : m.checksum_type);
    x.Close("Checksum");
  }
  if (parts && record->part_count > 0) {
    if (auto e = WriteObjectParts(ctx, record.value(), x)) return Fail(ctx, *e);
  }
  if (storage_class) x.Element("StorageClass", m.storage_class.empty() ? "STANDARD" : m.storage_class);
  if (size) x.Element("ObjectSize", std::to_string(m.size));
  Response r = XmlResponse(200, x.Finish());
  r.SetHeader("Last-Modified", HttpDate(m.mtime_ms));
  if (version || !m.version_id.empty()) r.SetHeader("x-amz-version-id", ShownVersionId(m.version_id));
  return Done(std::move(r));
}

}  // namespace xs3::api
