#pragma once
// RFC 7232 preconditions as S3 evaluates them: If-Match before If-Unmodified-Since, If-None-Match
// before If-Modified-Since; a true If-Match overrides a false If-Unmodified-Since, a false
// If-None-Match overrides If-Modified-Since.
#include <optional>
#include <string>

#include "common/s3_error.h"
#include "storage/engine.h"

namespace xs3::api {

struct Preconditions {
  const std::string* if_match = nullptr;
  const std::string* if_none_match = nullptr;
  const std::string* if_modified_since = nullptr;
  const std::string* if_unmodified_since = nullptr;
};

// PreconditionFailed (412) or NotModified (304) when the object must not be sent. For
// x-amz-copy-source-if-* every failure is PreconditionFailed (copy_source = true).
std::optional<S3Error> EvaluatePreconditions(const Preconditions& p, const storage::ObjectMeta& meta, bool copy_source);

// True when `etag` (unquoted) is one of the entity tags in the header list, or the list is "*".
bool ETagListMatches(const std::string& header, const std::string& etag);

}  // namespace xs3::api
