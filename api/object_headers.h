#pragma once
// Object metadata to and from HTTP headers: Content-*, Cache-Control, Expires, x-amz-meta-*,
// storage class, checksums.
#include <variant>

#include "api/request.h"
#include "api/response.h"
#include "common/s3_error.h"
#include "storage/engine.h"

namespace xs3::api {

constexpr size_t kMaxUserMetadataBytes = 2 * 1024;
constexpr size_t kMaxKeyBytes = 1024;

// The metadata a PutObject (or CopyObject with REPLACE) sets. Size and ETag are not touched.
std::variant<storage::ObjectMeta, S3Error> MetaFromHeaders(const Request& request);

// x-amz-tagging (PutObject, CopyObject with REPLACE, CreateMultipartUpload) into meta.tags.
// Directory buckets have no object tags: NotImplemented there.
std::optional<S3Error> ReadTaggingHeader(const Request& request, bool directory_bucket, storage::ObjectMeta& meta);

// GetObject/HeadObject headers for `meta`; checksums only when asked and the whole object is sent.
void AddObjectHeaders(Response& response, const storage::ObjectMeta& meta, bool with_checksums);
void AddChecksumHeaders(Response& response, const storage::ObjectMeta& meta);

// x-amz-server-side-encryption: SSE-S3 (AES256) is what every object gets, as AWS applies it by
// default; SSE-KMS is not implemented. SSE-C has its own headers (api/sse_customer.h).
std::optional<S3Error> CheckEncryptionHeaders(const Request& request);
constexpr const char* kEncryptionHeader = "x-amz-server-side-encryption";

// S3 rejects keys it could not store; this is the one check every write path shares.
std::optional<S3Error> ValidateKey(const std::string& key);

}  // namespace xs3::api
