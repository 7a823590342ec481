#include "api/listing_parameters.h"

#include <algorithm>
#include <charconv>
#include <string>

namespace xs3::api {

std::optional<S3Error> ParseListingLimit(const OperationContext& ctx, std::string_view name, size_t* limit) {
  constexpr long long kPage = 1000;
  *limit = kPage;
  auto* v = ctx.Query(name);
  if (!v) return std::nullopt;
  long long n = -1;
  auto [p, ec] = std::from_chars(v->data(), v->data() + v->size(), n);
  if (ec != std::errc() || p != v->data() + v->size() || n < 0 || n > 2147483647LL) {
    return S3Error{ErrorCode::InvalidArgument,
                   "Provided " + std::string(name) + " not an integer or within integer range"};
  }
  *limit = static_cast<size_t>(std::min(n, kPage));
  return std::nullopt;
}

std::optional<S3Error> ParseEncodingType(const OperationContext& ctx, bool* url) {
  auto* v = ctx.Query("encoding-type");
  *url = v && *v == "url";
  if (v && !v->empty() && !*url) return S3Error{ErrorCode::InvalidArgument, "Invalid Encoding Method specified in Request"};
  return std::nullopt;
}

}  // namespace xs3::api
