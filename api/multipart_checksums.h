#pragma once
// How a multipart upload's parts make the object's checksum: COMPOSITE is the checksum of the
// parts' raw checksums with a "-N" suffix; FULL_OBJECT is the CRC of all the bytes, combined
// from the parts' CRCs without rereading them.
#include <optional>
#include <string>
#include <variant>
#include <vector>

#include "auth/checksum.h"
#include "common/s3_error.h"
#include "storage/engine.h"

namespace xs3::api {

struct UploadChecksum {
  std::optional<auth::ChecksumAlgorithm> algorithm;  // asked for at CreateMultipartUpload
  bool full_object = false;
};

// The upload's checksum settings from CreateMultipartUpload's headers, with AWS's defaults
// (CRC64NVME is full-object only; the others default to COMPOSITE).
std::variant<UploadChecksum, S3Error> UploadChecksumFromHeaders(const std::string* algorithm,
                                                                const std::string* type);
// Where an upload's settings live in its stored metadata (the algorithm with an empty value).
UploadChecksum UploadChecksumOf(const storage::ObjectMeta& upload_meta);
void RecordUploadChecksum(const UploadChecksum& c, storage::ObjectMeta& meta);

// The part checksums (base64) in order and the part sizes → the object's checksum value.
std::optional<std::string> ObjectChecksum(auth::ChecksumAlgorithm algorithm, bool full_object,
                                          const std::vector<const storage::UploadPart*>& parts);

}  // namespace xs3::api
