#pragma once
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace xs3::api {

std::string HttpDate(int64_t epoch_ms);     // "Wed, 25 Nov 2026 12:00:00 GMT"
std::string Iso8601Ms(int64_t epoch_ms);    // "2026-11-25T12:00:00.000Z"
// RFC 7231 dates (IMF-fixdate, RFC 850, asctime) -> epoch seconds.
std::optional<int64_t> ParseHttpDate(std::string_view text);

}  // namespace xs3::api
