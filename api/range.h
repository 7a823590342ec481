#pragma once
// The Range header of GetObject: one byte range; anything S3 would ignore is ignored.
#include <cstdint>
#include <optional>
#include <string_view>

namespace xs3::api {

struct ByteRange {
  uint64_t first = 0;
  uint64_t length = 0;
};

enum class RangeOutcome { None, Satisfiable, Unsatisfiable };

struct RangeResult {
  RangeOutcome outcome = RangeOutcome::None;
  ByteRange range;
};

// "bytes=a-b", "bytes=a-", "bytes=-n". A header S3 cannot parse (or with several ranges) means
// the whole object, as AWS does.
RangeResult ParseRange(std::string_view header, uint64_t object_size);

}  // namespace xs3::api
