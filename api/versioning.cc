#include "api/versioning.h"

#include "api/http_time.h"
#include "common/xml_escape.h"

namespace xs3::api {

std::optional<std::string> RequestedVersion(const OperationContext& ctx) {
  if (const std::string* v = ctx.Query("versionId")) return *v;
  return std::nullopt;
}

std::string ShownVersionId(const std::string& stored) { return stored.empty() ? "null" : stored; }

void AddWriteVersionHeader(Response& response, const storage::VersionOutcome& outcome) {
  if (outcome.versioned && !outcome.version_id.empty()) response.SetHeader("x-amz-version-id", outcome.version_id);
}

void AddDeleteVersionHeaders(Response& response, const storage::VersionOutcome& outcome) {
  if (!outcome.versioned) return;
  response.SetHeader("x-amz-version-id", ShownVersionId(outcome.version_id));
  if (outcome.delete_marker) response.SetHeader("x-amz-delete-marker", "true");
}

Outcome FailMissingVersion(const OperationContext& ctx, const storage::Status& status,
                           const std::optional<std::string>& version, bool versioned_bucket) {
  S3Error e = FromStorage(status);
  const std::string key_xml = "<Key>" + XmlEscape(ctx.address.key) + "</Key>";
  if (e.code == ErrorCode::NoSuchKey) e.extra_xml = key_xml;
  if (e.code == ErrorCode::NoSuchVersion) e.extra_xml = key_xml + "<VersionId>" + XmlEscape(*version) + "</VersionId>";
  if (status.detail() == storage::Detail::InvalidVersionId) {
    e.extra_xml = "<ArgumentName>versionId</ArgumentName><ArgumentValue>" + XmlEscape(version.value_or("")) +
                  "</ArgumentValue>";
  }
  Outcome o = Fail(ctx, e);
  if (e.code == ErrorCode::NoSuchKey && versioned_bucket) {
    auto latest = ctx.engine.GetLatestVersion(ctx.address.bucket, ctx.address.key);
    if (latest.ok() && latest->meta.delete_marker) {
      o.response.SetHeader("x-amz-delete-marker", "true");
      o.response.SetHeader("x-amz-version-id", ShownVersionId(latest->meta.version_id));
    }
  }
  return o;
}

Outcome FailMissingForUpdate(const OperationContext& ctx, const storage::Status& status,
                             const std::optional<std::string>& version) {
  if (!version && status.code() == storage::Code::NoSuchKey) {
    auto latest = ctx.engine.GetLatestVersion(ctx.address.bucket, ctx.address.key);
    if (latest.ok() && latest->meta.delete_marker) return FailDeleteMarker(ctx, latest->meta);
  }
  return FailMissingVersion(ctx, status, version, false);
}

void AddCopySourceVersionHeader(const OperationContext& ctx, Response& response, const std::string& source_bucket,
                                bool version_named, const std::string& source_version) {
  if (!version_named) {
    auto info = ctx.engine.GetBucket(source_bucket);
    if (!info.ok() || info->versioning.empty()) return;
  }
  response.SetHeader("x-amz-copy-source-version-id", ShownVersionId(source_version));
}

Outcome FailDeleteMarker(const OperationContext& ctx, const storage::ObjectMeta& marker) {
  S3Error e = make_error(ErrorCode::MethodNotAllowed);
  e.extra_xml = "<Method>" + XmlEscape(ctx.request.method) + "</Method><ResourceType>DeleteMarker</ResourceType>";
  Outcome o = Fail(ctx, e);
  o.response.SetHeader("x-amz-delete-marker", "true");
  o.response.SetHeader("x-amz-version-id", ShownVersionId(marker.version_id));
  o.response.SetHeader("Last-Modified", HttpDate(marker.mtime_ms));
  o.response.SetHeader("Allow", "DELETE");
  return o;
}

}  // namespace xs3::api
