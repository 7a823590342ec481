#include "api/conditions.h"

#include "api/http_time.h"

namespace xs3::api {

bool ETagListMatches(const std::string& header, const std::string& etag) {
  size_t pos = 0;
  while (pos <= header.size()) {
    size_t comma = header.find(',', pos);
    std::string item = header.substr(pos, comma == std::string::npos ? std::string::npos : comma - pos);
    while (!item.empty() && item.front() == ' ') item.erase(0, 1);
    while (!item.empty() && item.back() == ' ') item.pop_back();
    if (item.rfind("W/", 0) == 0) item = item.substr(2);
    if (item.size() >= 2 && item.front() == '"' && item.back() == '"') item = item.substr(1, item.size() - 2);
    if (item == "*" || item == etag) return true;
    if (comma == std::string::npos) break;
    pos = comma + 1;
  }
  return false;
}

std::optional<S3Error> EvaluatePreconditions(const Preconditions& p, const storage::ObjectMeta& meta, bool copy_source) {
  int64_t mtime_s = meta.mtime_ms / 1000;
  auto failed = [] { return make_error(ErrorCode::PreconditionFailed); };
  bool match_held = false;
  if (p.if_match) {
    if (!ETagListMatches(*p.if_match, meta.etag)) return failed();
    match_held = true;
  }
  if (p.if_unmodified_since && !match_held) {
    auto t = ParseHttpDate(*p.if_unmodified_since);
    if (t && mtime_s > *t) return failed();
  }
  bool none_match_checked = false;
  if (p.if_none_match) {
    if (ETagListMatches(*p.if_none_match, meta.etag)) {
      return copy_source ? failed() : make_error(ErrorCode::NotModified);
    }
    none_match_checked = true;
  }
  if (p.if_modified_since && !none_match_checked) {
    auto t = ParseHttpDate(*p.if_modified_since);
    if (t && mtime_s <= *t) return copy_source ? failed() : make_error(ErrorCode::NotModified);
  }
  return std::nullopt;
}

}  // namespace xs3::api
