#pragma once
// Compact, versioned binary encoding of the values stored in LMDB: ObjectRecord (objects DB)
// and BucketInfo minus its name (buckets DB; the name is the LMDB key), MultipartUpload minus its
// bucket and id (uploads DB; both are in the LMDB key) and UploadPart (parts DB). No JSON on the
// hot path.
#include <string>
#include <string_view>

#include "storage/engine.h"

namespace xs3::storage {

std::string EncodeRecord(const ObjectRecord& record);
// with_body=false skips copying inline_body (listings need only the metadata).
bool DecodeRecord(std::string_view value, ObjectRecord* out, bool with_body = true);

std::string EncodeBucket(const BucketInfo& info);
bool DecodeBucket(std::string_view name, std::string_view value, BucketInfo* out);

std::string EncodeUpload(const MultipartUpload& upload);
bool DecodeUpload(std::string_view bucket, std::string_view upload_id, std::string_view value,
                  MultipartUpload* out);

std::string EncodePart(const UploadPart& part);
// with_body=false leaves extent.inline_data empty (extent.size is still the part's size).
bool DecodePart(std::string_view value, UploadPart* out, bool with_body = true);

// A key's version chain (versions DB): its noncurrent versions and delete markers, newest first.
std::string EncodeChain(const std::vector<ObjectRecord>& chain);
bool DecodeChain(std::string_view value, std::vector<ObjectRecord>* out, bool with_body = true);

}  // namespace xs3::storage
