#include "api/range.h"

#include <charconv>

namespace xs3::api {
namespace {

bool ParseU64(std::string_view s, uint64_t& out) {
  if (s.empty()) return false;
  auto [p, ec] = std::from_chars(s.data(), s.data() + s.size(), out);
  return ec == std::errc() && p == s.data() + s.size();
}

std::string_view Trim(std::string_view s) {
  while (!s.empty() && s.front() == ' ') s.remove_prefix(1);
  while (!s.empty() && s.back() == ' ') s.remove_suffix(1);
  return s;
}

}  // namespace

RangeResult ParseRange(std::string_view header, uint64_t size) {
  RangeResult r;
  header = Trim(header);
  if (header.substr(0, 6) != "bytes=") return r;
  std::string_view spec = Trim(header.substr(6));
  if (spec.find(',') != std::string_view::npos) return r;
  auto dash = spec.find('-');
  if (dash == std::string_view::npos) return r;
  std::string_view a = Trim(spec.substr(0, dash)), b = Trim(spec.substr(dash + 1));
  uint64_t first = 0, last = 0;
  if (a.empty()) {  // suffix range: the last n bytes
    if (!ParseU64(b, last)) return r;
    if (last == 0 || size == 0) {
      r.outcome = RangeOutcome::Unsatisfiable;
      return r;
    }
    uint64_t n = last < size ? last : size;
    r.outcome = RangeOutcome::Satisfiable;
    r.range = {size - n, n};
    return r;
  }
  if (!ParseU64(a, first)) return r;
  if (b.empty()) {
    last = size ? size - 1 : 0;
  } else if (!ParseU64(b, last) || last < first) {
    return r;  // syntactically invalid: ignored
  }
  if (first >= size) {
    r.outcome = RangeOutcome::Unsatisfiable;
    return r;
  }
  if (last >= size) last = size - 1;
  r.outcome = RangeOutcome::Satisfiable;
  r.range = {first, last - first + 1};
  return r;
}

}  // namespace xs3::api
