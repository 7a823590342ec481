// GetObject and HeadObject: preconditions, one byte range, response-* overrides; the body is
// streamed by the server from the storage reader.
#include <array>
#include <charconv>

#include "api/conditions.h"
#include "api/xml_writer.h"
#include "api/http_time.h"
#include "api/object_headers.h"
#include "api/operation.h"
#include "api/range.h"
#include "api/sse_customer.h"
#include "api/versioning.h"

namespace xs3::api {
namespace {

constexpr std::array<std::pair<const char*, const char*>, 6> kResponseOverrides = {{
    {"response-content-type", "Content-Type"},
    {"response-content-language", "Content-Language"},
    {"response-expires", "Expires"},
    {"response-cache-control", "Cache-Control"},
    {"response-content-disposition", "Content-Disposition"},
    {"response-content-encoding", "Content-Encoding"},
}};

}  // namespace

Outcome GetObject(OperationContext& ctx) {
  // A caller the bucket does not admit may still read an object whose ACL grants it (checked
  // once the record is read); a missing key is then AccessDenied too, as S3 answers.
  storage::BucketInfo bucket;
  auto denied = AuthorizeBucket(ctx, ctx.address.bucket, &bucket);
  if (denied && denied->code != ErrorCode::AccessDenied) return Fail(ctx, *denied);
  // GET opens the body together with the record, so an overwrite in between cannot pull the
  // blob away; HEAD needs no body.
  const std::optional<std::string> version = RequestedVersion(ctx);
  storage::OpenedObject object;
  storage::Status status;
  if (ctx.IsHead()) {
    auto record = version ? ctx.engine.GetObjectVersion(ctx.address.bucket, ctx.address.key, *version)
                          : ctx.engine.GetObject(ctx.address.bucket, ctx.address.key);
    if (record.ok()) object.record = std::move(record.value());
    status = record.status();
  } else {
    auto opened = version ? ctx.engine.OpenObjectVersion(ctx.address.bucket, ctx.address.key, *version)
                          : ctx.engine.OpenObject(ctx.address.bucket, ctx.address.key);
    if (opened.ok()) object = std::move(opened.value());
    status = opened.status();
  }
  if (denied && (!status.ok() || !GrantedThroughAcl(ctx, bucket, object.record.meta.acl, object.record.meta.owner, AclPermission::Read))) return Fail(ctx, *denied);
  if (!status.ok()) return FailMissingVersion(ctx, status, version, !bucket.versioning.empty());
  const storage::ObjectMeta& meta = object.record.meta;
  if (meta.delete_marker) return FailDeleteMarker(ctx, meta);
  auto customer_key = ReadCustomerKey(ctx.request, KeyHeaders::Object);
  if (auto* e = std::get_if<S3Error>(&customer_key)) return Fail(ctx, *e);
  const auto& key = std::get<std::optional<CustomerKey>>(customer_key);
  if (auto e = CheckCustomerKey(meta.sse_customer, key)) return Fail(ctx, *e);

  Preconditions pre{ctx.request.Header("if-match"), ctx.request.Header("if-none-match"),
                    ctx.request.Header("if-modified-since"), ctx.request.Header("if-unmodified-since")};
  if (auto e = EvaluatePreconditions(pre, meta, false)) {
    if (e->code == ErrorCode::NotModified) {
      Response r;
      r.status = 304;
      r.SetHeader("ETag", QuoteETag(meta.etag));
      r.SetHeader("Last-Modified", HttpDate(meta.mtime_ms));
      return Done(std::move(r));
    }
    return Fail(ctx, *e);
  }

  Response r;
  RangeResult range;
  if (auto* h = ctx.request.Header("range")) range = ParseRange(*h, meta.size);
  if (auto* pn = ctx.Query("partNumber")) {
    // One part of a multipart (or appended) object: its byte range, as S3 serves it.
    uint32_t n = 0;
    auto [p, ec] = std::from_chars(pn->data(), pn->data() + pn->size(), n);
    if (ec != std::errc() || p != pn->data() + pn->size() || n < 1 || n > 10000) {
      return Fail(ctx, ErrorCode::InvalidArgument, "Part number must be an integer between 1 and 10000, inclusive");
    }
    if (ctx.request.Header("range")) {
      return Fail(ctx, ErrorCode::InvalidRequest, "Cannot specify both Range header and partNumber query parameter");
    }
    const auto& extents = object.record.extents;
    size_t parts = extents.empty() ? 1 : extents.size();
    if (n > parts) return Fail(ctx, ErrorCode::InvalidPartNumber);
    uint64_t first = 0;
    for (size_t i = 0; i + 1 < n; ++i) first += extents[i].size;
    uint64_t length = extents.empty() ? meta.size : extents[n - 1].size;
    if (!extents.empty()) r.SetHeader("x-amz-mp-parts-count", std::to_string(parts));
    if (length > 0) range = {RangeOutcome::Satisfiable, {first, length}};
  }
  if (range.outcome == RangeOutcome::Unsatisfiable) {
    S3Error e = make_error(ErrorCode::InvalidRange);
    e.extra_xml = "<RangeRequested>" + XmlEscape(*ctx.request.Header("range")) +
                  "</RangeRequested><ActualObjectSize>" + std::to_string(meta.size) + "</ActualObjectSize>";
    Outcome o = Fail(ctx, e);
    o.response.SetHeader("Content-Range", "bytes */" + std::to_string(meta.size));
    return o;
  }
  bool whole = range.outcome != RangeOutcome::Satisfiable;
  bool checksum_mode = ctx.request.HeaderOr("x-amz-checksum-mode") == "ENABLED";
  AddObjectHeaders(r, meta, checksum_mode && whole);
  if (key) AddCustomerKeyHeaders(r, *key);
  if (!bucket.versioning.empty() || !meta.version_id.empty()) r.SetHeader("x-amz-version-id", ShownVersionId(meta.version_id));
  for (auto& [param, header] : kResponseOverrides)
    if (auto* v = ctx.Query(param)) r.SetHeader(header, *v);

  if (whole) {
    r.body_offset = 0;
    r.body_length = meta.size;
  } else {
    r.status = 206;
    r.body_offset = range.range.first;
    r.body_length = range.range.length;
    r.SetHeader("Content-Range", "bytes " + std::to_string(range.range.first) + "-" +
                                     std::to_string(range.range.first + range.range.length - 1) + "/" +
                                     std::to_string(meta.size));
  }
  if (ctx.IsHead()) {
    r.head_only = true;
    return Done(std::move(r));
  }
  r.body_reader = std::move(object.body);
  if (key && r.body_reader) {
    r.body_reader = DecryptingReader(std::move(r.body_reader), object.record, *key);
    if (!r.body_reader) return Fail(ctx, ErrorCode::InternalError);
  }
  return Done(std::move(r));
}

}  // namespace xs3::api
