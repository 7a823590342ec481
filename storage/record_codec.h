#pragma once
// Compact, versioned binary encoding of the values stored in LMDB: ObjectRecord (objects DB)
// and BucketInfo minus its name (buckets DB; the name is the LMDB key). No JSON on the hot path.
#include <string>
#include <string_view>

#include "storage/engine.h"

namespace xs3::storage {

std::string EncodeRecord(const ObjectRecord& record);
// with_body=false skips copying inline_body (listings need only the metadata).
bool DecodeRecord(std::string_view value, ObjectRecord* out, bool with_body = true);

std::string EncodeBucket(const BucketInfo& info);
bool DecodeBucket(std::string_view name, std::string_view value, BucketInfo* out);

}  // namespace xs3::storage
