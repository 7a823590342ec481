#pragma once
// The request and response sides of S3 versioning shared by the object operations: which
// version a request names, and the x-amz-version-id / x-amz-delete-marker headers and errors a
// versioned key answers with.
#include <optional>
#include <string>

#include "api/operation.h"

namespace xs3::api {

// ?versionId= as given ("null" included), or nullopt when absent.
std::optional<std::string> RequestedVersion(const OperationContext& ctx);
// How S3 shows a stored version id: the null version is "null".
std::string ShownVersionId(const std::string& stored);
// x-amz-version-id of a PUT, POST, copy or completed upload in a versioned bucket: the new
// version's id. A write that made the null version (Suspended) names none, as S3 answers.
void AddWriteVersionHeader(Response& response, const storage::VersionOutcome& outcome);
// x-amz-version-id and x-amz-delete-marker of a DELETE in a versioned bucket or by version id.
void AddDeleteVersionHeaders(Response& response, const storage::VersionOutcome& outcome);
// The failure of a GET/HEAD that found no object: NoSuchKey (with x-amz-delete-marker when the
// latest version of a versioned key is a delete marker), NoSuchVersion, or a malformed id.
Outcome FailMissingVersion(const OperationContext& ctx, const storage::Status& status,
                           const std::optional<std::string>& version, bool versioned_bucket);
// x-amz-copy-source-version-id of CopyObject and UploadPartCopy: S3 names the source version
// when the request named one or the source bucket is versioned (Enabled or Suspended).
void AddCopySourceVersionHeader(const OperationContext& ctx, Response& response, const std::string& source_bucket,
                                bool version_named, const std::string& source_version);
// The failure of a tagging or ACL write that found no object: as FailMissingVersion, except that
// a key whose latest version is a delete marker answers 405 MethodNotAllowed, as S3 does (a
// marker takes neither tags nor an ACL; reads of it stay 404 NoSuchKey).
Outcome FailMissingForUpdate(const OperationContext& ctx, const storage::Status& status,
                             const std::optional<std::string>& version);
// GET/HEAD of a delete marker by version id: 405 MethodNotAllowed, as S3 answers.
Outcome FailDeleteMarker(const OperationContext& ctx, const storage::ObjectMeta& marker);

}  // namespace xs3::api
