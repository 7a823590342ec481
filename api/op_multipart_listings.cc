// AbortMultipartUpload, ListParts and ListMultipartUploads.
#include <charconv>

#include "api/http_time.h"
#include "api/listing_parameters.h"
#include "api/multipart_checksums.h"
#include "api/operation.h"
#include "api/xml_writer.h"

namespace xs3::api {
namespace {

void Principal(XmlWriter& x, std::string_view element, const std::string& user) {
  x.Open(element).Element("ID", CanonicalUserId(user)).Element("DisplayName", user).Close(element);
}

}  // namespace

Outcome AbortMultipartUpload(OperationContext& ctx) {
  if (auto e = AuthorizeBucket(ctx, ctx.address.bucket, nullptr, BucketAccess::Write)) return Fail(ctx, *e);
  auto st = ctx.engine.AbortMultipartUpload(ctx.address.bucket, ctx.address.key, *ctx.Query("uploadId"));
  if (!st.ok()) return Fail(ctx, FromStorage(st));
  Response r;
  r.status = 204;
  return Done(std::move(r));
}

Outcome ListParts(OperationContext& ctx) {
  if (auto e = AuthorizeBucket(ctx, ctx.address.bucket, nullptr, BucketAccess::Read)) return Fail(ctx, *e);
  size_t max = 0;
  if (auto e = ParseListingLimit(ctx, "max-parts", &max)) return Fail(ctx, *e);
  uint32_t marker = 0;
  if (auto* m = ctx.Query("part-number-marker")) {
    auto [p, ec] = std::from_chars(m->data(), m->data() + m->size(), marker);
    if (ec != std::errc() || p != m->data() + m->size()) {
      return Fail(ctx, ErrorCode::InvalidArgument, "Provided part-number-marker not an integer or within integer range");
    }
  }
  const std::string& upload_id = *ctx.Query("uploadId");
  auto upload = ctx.engine.GetMultipartUpload(ctx.address.bucket, ctx.address.key, upload_id);
  if (!upload.ok()) return Fail(ctx, FromStorage(upload.status()));
  auto parts = ctx.engine.ListUploadParts(ctx.address.bucket, ctx.address.key, upload_id, marker, max + 1);
  if (!parts.ok()) return Fail(ctx, FromStorage(parts.status()));
  bool truncated = parts->size() > max;
  if (truncated) parts->resize(max);
  UploadChecksum checksum = UploadChecksumOf(upload->meta);

  XmlWriter x("ListPartsResult");
  x.Element("Bucket", ctx.address.bucket).Element("Key", ctx.address.key).Element("UploadId", upload_id);
  x.Element("PartNumberMarker", std::to_string(marker));
  if (!parts->empty()) x.Element("NextPartNumberMarker", std::to_string(parts->back().part_number));
  x.Element("MaxParts", std::to_string(max)).Element("IsTruncated", truncated ? "true" : "false");
  for (auto& p : parts.value()) {
    x.Open("Part")
        .Element("PartNumber", std::to_string(p.part_number))
        .Element("LastModified", Iso8601Ms(p.mtime_ms))
        .Element("ETag", QuoteETag(p.etag))
        .Element("Size", std::to_string(p.extent.size));
    if (checksum.algorithm && !p.checksum.empty()) {
      x.Element("Checksum" + std::string(auth::ChecksumName(*checksum.algorithm)), p.checksum);
    }
    x.Close("Part");
  }
  Principal(x, "Initiator", upload->meta.owner);
  Principal(x, "Owner", upload->meta.owner);
  x.Element("StorageClass", upload->meta.storage_class.empty() ? "STANDARD" : upload->meta.storage_class);
  if (checksum.algorithm) {
    x.Element("ChecksumAlgorithm", auth::ChecksumName(*checksum.algorithm));
    x.Element("ChecksumType", checksum.full_object ? "FULL_OBJECT" : "COMPOSITE");
  }
  return Done(XmlResponse(200, x.Finish()));
}

Outcome ListMultipartUploads(OperationContext& ctx) {
  storage::BucketInfo bucket;
  if (auto e = AuthorizeBucketOrAcl(ctx, &bucket, AclPermission::Read, BucketAccess::Read)) return Fail(ctx, *e);
  size_t max = 0;
  if (auto e = ParseListingLimit(ctx, "max-uploads", &max)) return Fail(ctx, *e);
  auto param = [&](std::string_view n) {
    auto* v = ctx.Query(n);
    return v ? *v : std::string();
  };
  std::string delimiter = param("delimiter");
  bool url = false;
  if (auto e = ParseEncodingType(ctx, &url)) return Fail(ctx, *e);
  auto enc = [&](const std::string& s) { return url ? auth::UriEncode(s, false) : s; };
  if (ctx.IsDirectoryBucket()) {
    // As ListObjectsV2 in S3 Express: "/" is the only delimiter, and a prefix used with it ends in "/".
    if (!delimiter.empty() && delimiter != "/") {
      return Fail(ctx, ErrorCode::InvalidArgument, "The delimiter must be '/' for directory buckets.");
    }
    std::string prefix = param("prefix");
    if (!delimiter.empty() && !prefix.empty() && prefix.back() != '/') {
      return Fail(ctx, ErrorCode::InvalidArgument, "The prefix must end with the delimiter for directory buckets.");
    }
  }
  storage::ListUploadsOptions options;
  options.prefix = param("prefix");
  options.key_marker = param("key-marker");
  options.upload_id_marker = options.key_marker.empty() ? std::string() : param("upload-id-marker");

  // Uploads under a common prefix collapse into it; walk engine pages until max is reached.
  std::vector<storage::MultipartUpload> uploads;
  std::vector<std::string> prefixes;
  bool truncated = false;
  std::string next_key, next_id;
  while (!truncated) {
    options.max_uploads = 1000;
    auto page = ctx.engine.ListMultipartUploads(ctx.address.bucket, options);
    if (!page.ok()) return Fail(ctx, FromStorage(page.status()));
    for (auto& u : page->uploads) {
      options.key_marker = u.key;
      options.upload_id_marker = u.upload_id;
      if (!delimiter.empty()) {
        auto pos = u.key.find(delimiter, options.prefix.size());
        if (pos != std::string::npos) {
          std::string cp = u.key.substr(0, pos + delimiter.size());
          if (!prefixes.empty() && prefixes.back() == cp) continue;
          if (uploads.size() + prefixes.size() == max) {
            truncated = true;
            break;
          }
          prefixes.push_back(cp);
          next_key = cp;
          next_id.clear();
          continue;
        }
      }
      if (uploads.size() + prefixes.size() == max) {
        truncated = true;
        break;
      }
      uploads.push_back(u);
      next_key = u.key;
      next_id = u.upload_id;
    }
    if (!page->is_truncated) break;
  }

  XmlWriter x("ListMultipartUploadsResult");
  x.Element("Bucket", ctx.address.bucket)
      .Element("KeyMarker", enc(param("key-marker")))
      .Element("UploadIdMarker", param("upload-id-marker"));
  if (truncated) x.Element("NextKeyMarker", enc(next_key)).Element("NextUploadIdMarker", next_id);
  if (!delimiter.empty()) x.Element("Delimiter", enc(delimiter));
  x.Element("Prefix", enc(options.prefix)).Element("MaxUploads", std::to_string(max));
  if (url) x.Element("EncodingType", "url");
  x.Element("IsTruncated", truncated ? "true" : "false");
  for (auto& u : uploads) {
    UploadChecksum c = UploadChecksumOf(u.meta);
    x.Open("Upload").Element("Key", enc(u.key)).Element("UploadId", u.upload_id);
    Principal(x, "Initiator", u.meta.owner);
    Principal(x, "Owner", u.meta.owner);
    x.Element("StorageClass", u.meta.storage_class.empty() ? "STANDARD" : u.meta.storage_class)
        .Element("Initiated", Iso8601Ms(u.initiated_ms));
    if (c.algorithm) {
      x.Element("ChecksumAlgorithm", auth::ChecksumName(*c.algorithm))
          .Element("ChecksumType", c.full_object ? "FULL_OBJECT" : "COMPOSITE");
    }
    x.Close("Upload");
  }
  for (auto& p : prefixes) x.Open("CommonPrefixes").Element("Prefix", enc(p)).Close("CommonPrefixes");
  return Done(XmlResponse(200, x.Finish()));
}

}  // namespace xs3::api
