// ListObjectVersions (GET ?versions): every version and delete marker, keys in byte order and
// each key's versions newest first, paginated by key-marker / version-id-marker.

#include "api/http_time.h"
#include "api/listing_parameters.h"
#include "api/operation.h"
#include "api/versioning.h"
#include "api/xml_writer.h"
#include "auth/checksum.h"

namespace xs3::api {

Outcome ListObjectVersions(OperationContext& ctx) {
  storage::BucketInfo bucket;
  if (auto e = AuthorizeBucketOrAcl(ctx, &bucket, AclPermission::Read)) return Fail(ctx, *e);
  auto param = [&](std::string_view name) {
    auto* v = ctx.Query(name);
    return v ? *v : std::string();
  };
  storage::ListVersionsOptions options;
  options.prefix = param("prefix");
  options.delimiter = param("delimiter");
  options.key_marker = param("key-marker");
  options.version_id_marker = param("version-id-marker");
  if (auto e = ParseListingLimit(ctx, "max-keys", &options.max_keys)) return Fail(ctx, *e);
  bool url = false;
  if (auto e = ParseEncodingType(ctx, &url)) return Fail(ctx, *e);
  if (!options.version_id_marker.empty() && options.key_marker.empty()) {
    return Fail(ctx, ErrorCode::InvalidArgument, "A version-id marker cannot be specified without a key marker.");
  }
  auto enc = [&](const std::string& s) { return url ? auth::UriEncode(s, false) : s; };

  auto listed = ctx.engine.ListObjectVersions(ctx.address.bucket, options);
  if (!listed.ok()) return Fail(ctx, FromStorage(listed.status()));
  const storage::ListVersionsResult& result = listed.value();

  XmlWriter x("ListVersionsResult");
  x.Element("Name", ctx.address.bucket)
      .Element("Prefix", enc(options.prefix))
      .Element("KeyMarker", enc(options.key_marker))
      .Element("VersionIdMarker", options.version_id_marker);
  if (result.is_truncated) {
    x.Element("NextKeyMarker", enc(result.next_key_marker));
    if (!result.next_version_id_marker.empty()) x.Element("NextVersionIdMarker", result.next_version_id_marker);
  }
  x.Element("MaxKeys", std::to_string(options.max_keys));
  if (!options.delimiter.empty()) x.Element("Delimiter", enc(options.delimiter));
  if (url) x.Element("EncodingType", "url");
  x.Element("IsTruncated", result.is_truncated ? "true" : "false");
  for (const auto& v : result.versions) {
    const auto& m = v.meta;
    const char* element = m.delete_marker ? "DeleteMarker" : "Version";
    x.Open(element)
        .Element("Key", enc(v.key))
        .Element("VersionId", ShownVersionId(m.version_id))
        .Element("IsLatest", v.is_latest ? "true" : "false")
        .Element("LastModified", Iso8601Ms(m.mtime_ms));
    if (!m.delete_marker) {
      x.Element("ETag", QuoteETag(m.etag));
      for (auto& [alg, value] : m.checksums) x.Element("ChecksumAlgorithm", alg);
      if (!m.checksums.empty()) x.Element("ChecksumType", m.checksum_type);
      x.Element("Size", std::to_string(m.size));
      x.Element("StorageClass", m.storage_class.empty() ? "STANDARD" : m.storage_class);
    }
    std::string owner = m.owner.empty() ? bucket.owner : m.owner;
    x.Open("Owner").Element("ID", CanonicalUserId(owner)).Element("DisplayName", owner).Close("Owner");
    x.Close(element);
  }
  for (auto& p : result.common_prefixes) x.Open("CommonPrefixes").Element("Prefix", enc(p)).Close("CommonPrefixes");
  return Done(XmlResponse(200, x.Finish()));
}

}  // namespace xs3::api
