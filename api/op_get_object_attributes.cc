// GetObjectAttributes (GET /<bucket>/<key>?attributes): the attributes named in
// x-amz-object-attributes, without the body.
#include "api/conditions.h"
#include "api/http_time.h"
#include "api/operation.h"
#include "api/sse_customer.h"
#include "api/versioning.h"
#include "api/xml_writer.h"

namespace xs3::api {

Outcome GetObjectAttributes(OperationContext& ctx) {
  if (auto e = AuthorizeBucket(ctx, ctx.address.bucket)) return Fail(ctx, *e);
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
  if (!record.ok()) return FailMissingVersion(ctx, record.status(), version, false);
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
  // Single-part objects have no parts to describe; S3 omits ObjectParts for them.
  (void)parts;
  if (storage_class) x.Element("StorageClass", m.storage_class.empty() ? "STANDARD" : m.storage_class);
  if (size) x.Element("ObjectSize", std::to_string(m.size));
  Response r = XmlResponse(200, x.Finish());
  r.SetHeader("Last-Modified", HttpDate(m.mtime_ms));
  if (version || !m.version_id.empty()) r.SetHeader("x-amz-version-id", ShownVersionId(m.version_id));
  return Done(std::move(r));
}

}  // namespace xs3::api
