#pragma once
// ListObjects over the flat index: a cursor walk with skip-ahead over common prefixes.
//
// Semantics (the S3 ListObjects/ListObjectsV2 model):
//  - keys > start_after that start with prefix, in byte order;
//  - with a delimiter, a key containing it after the prefix is rolled up into the common prefix
//    prefix + ... + delimiter; the walk then seeks past every key sharing it (no per-key cost);
//  - a common prefix <= start_after is not returned again (so next_marker = a common prefix
//    resumes after it), i.e. keys inside the common prefix that contains start_after are skipped;
//  - max_keys counts objects plus common prefixes; max_keys == 0 returns nothing, not truncated;
//  - next_marker is the last key or common prefix returned.
#include "storage/engine.h"
#include "storage/flat_index.h"

namespace xs3::storage {

Status ListFlat(FlatCursor& cursor, const ListOptions& options, ListResult* out);

}  // namespace xs3::storage
