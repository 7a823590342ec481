// ListObjects (v1, marker) and ListObjectsV2 (continuation-token, start-after): one storage
// cursor walk; the two differ only in parameters and response fields.
#include <set>

#include "api/http_time.h"
#include "api/listing_parameters.h"
#include "api/operation.h"
#include "api/xml_writer.h"
#include "auth/checksum.h"

namespace xs3::api {

Outcome ListObjects(OperationContext& ctx, bool v2) {
  // Callers the bucket does not admit may list when its ACL grants them READ.
  storage::BucketInfo bucket;
  if (auto e = AuthorizeBucketOrAcl(ctx, &bucket, AclPermission::Read)) return Fail(ctx, *e);

  auto param = [&](std::string_view name) {
    auto* v = ctx.Query(name);
    return v ? *v : std::string();
  };
  storage::ListOptions options;
  options.prefix = param("prefix");
  options.delimiter = param("delimiter");
  if (auto e = ParseListingLimit(ctx, "max-keys", &options.max_keys)) return Fail(ctx, *e);
  bool url = false;
  if (auto e = ParseEncodingType(ctx, &url)) return Fail(ctx, *e);
  auto enc = [&](const std::string& s) { return url ? auth::UriEncode(s, false) : s; };

  std::string continuation = param("continuation-token");
  bool has_continuation = v2 && ctx.HasQuery("continuation-token");
  if (has_continuation) {
    auto decoded = auth::Base64Decode(continuation);
    if (!decoded || decoded->rfind("xs3:", 0) != 0) {
      return Fail(ctx, ErrorCode::InvalidArgument, "The continuation token provided is incorrect");
    }
    options.start_after = decoded->substr(4);
  } else {
    options.start_after = v2 ? param("start-after") : param("marker");
  }
  bool fetch_owner = !v2 || param("fetch-owner") == "true";

  if (ctx.IsDirectoryBucket()) {
    // S3 Express: "/" is the only delimiter, a prefix listed with it must end in "/", and
    // start-after is not offered.
    if (!options.delimiter.empty() && options.delimiter != "/") {
      return Fail(ctx, ErrorCode::InvalidArgument, "The delimiter must be '/' for directory buckets.");
    }
    if (!options.delimiter.empty() && !options.prefix.empty() && options.prefix.back() != '/') {
      return Fail(ctx, ErrorCode::InvalidArgument, "The prefix must end with the delimiter for directory buckets.");
    }
    if (ctx.HasQuery("start-after")) {
      return Fail(ctx, ErrorCode::InvalidArgument, "StartAfter is not supported for directory buckets.");
    }
  }
  auto listed = ctx.engine.ListObjects(ctx.address.bucket, options);
  if (!listed.ok()) return Fail(ctx, FromStorage(listed.status()));
  storage::ListResult& result = listed.value();
  if (ctx.IsDirectoryBucket() && options.delimiter == "/" && !has_continuation) {
    // S3 Express lists the directories of in-progress multipart uploads as common prefixes
    // (their directories exist before the object does). Merged into the first page.
    storage::ListUploadsOptions uo;
    uo.prefix = options.prefix;
    auto uploads = ctx.engine.ListMultipartUploads(ctx.address.bucket, uo);
    if (uploads.ok()) {
      std::set<std::string> prefixes(result.common_prefixes.begin(), result.common_prefixes.end());
      for (auto& u : uploads->uploads) {
        auto slash = u.key.find('/', options.prefix.size());
        if (slash != std::string::npos) prefixes.insert(u.key.substr(0, slash + 1));
      }
      result.common_prefixes.assign(prefixes.begin(), prefixes.end());
    }
  }

  XmlWriter x("ListBucketResult");
  x.Element("Name", ctx.address.bucket).Element("Prefix", enc(options.prefix));
  if (v2) {
    if (has_continuation) x.Element("ContinuationToken", continuation);
    if (result.is_truncated) x.Element("NextContinuationToken", auth::Base64Encode("xs3:" + result.next_marker));
    if (ctx.HasQuery("start-after")) x.Element("StartAfter", enc(param("start-after")));
    x.Element("KeyCount", std::to_string(result.objects.size() + result.common_prefixes.size()));
  } else {
    x.Element("Marker", enc(param("marker")));
    // S3 returns NextMarker only with a delimiter; clients otherwise continue from the last key.
    if (result.is_truncated && !options.delimiter.empty()) x.Element("NextMarker", enc(result.next_marker));
  }
  x.Element("MaxKeys", std::to_string(options.max_keys));
  if (!options.delimiter.empty()) x.Element("Delimiter", enc(options.delimiter));
  if (url) x.Element("EncodingType", "url");
  x.Element("IsTruncated", result.is_truncated ? "true" : "false");
  for (auto& entry : result.objects) {
    const auto& m = entry.meta;
    x.Open("Contents")
        .Element("Key", enc(entry.key))
        .Element("LastModified", Iso8601Ms(m.mtime_ms))
        .Element("ETag", QuoteETag(m.etag));
    for (auto& [alg, value] : m.checksums) x.Element("ChecksumAlgorithm", alg);
    if (!m.checksums.empty()) x.Element("ChecksumType", m.checksum_type);
    x.Element("Size", std::to_string(m.size));
    if (fetch_owner) {
      std::string owner = m.owner.empty() ? ctx.auth.user : m.owner;
      x.Open("Owner").Element("ID", CanonicalUserId(owner)).Element("DisplayName", owner).Close("Owner");
    }
    x.Element("StorageClass", m.storage_class.empty() ? "STANDARD" : m.storage_class).Close("Contents");
  }
  for (auto& p : result.common_prefixes) x.Open("CommonPrefixes").Element("Prefix", enc(p)).Close("CommonPrefixes");
  return Done(XmlResponse(200, x.Finish()));
}

}  // namespace xs3::api
