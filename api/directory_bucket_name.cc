#include "api/directory_bucket_name.h"

#include <array>

namespace xs3::api {
namespace {

constexpr std::string_view kSuffix = "--x-s3";

bool IsZoneChar(char c) { return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-'; }

}  // namespace

bool HasDirectorySuffix(std::string_view name) {
  return name.size() >= kSuffix.size() && name.substr(name.size() - kSuffix.size()) == kSuffix;
}

std::optional<std::string> DirectoryBucketZone(std::string_view name) {
  if (!HasDirectorySuffix(name) || name.size() < 3 || name.size() > 63) return std::nullopt;
  for (char c : name)
    if (!IsZoneChar(c)) return std::nullopt;  // lower case, digits, '-'; no dots
  auto alnum = [](char c) { return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9'); };
  if (!alnum(name.front())) return std::nullopt;
  for (auto p : std::array<std::string_view, 4>{"xn--", "sthree-", "sthree-configurator", "amzn-s3-demo-"})
    if (name.substr(0, p.size()) == p) return std::nullopt;
  std::string_view rest = name.substr(0, name.size() - kSuffix.size());
  // The SDK endpoint rules accept zone ids of these lengths only (e.g. use1-az4, usw2-az12,
  // test-zone-ab1, test1-long1-zone-ab1), each preceded by "--" and a non-empty base.
  for (size_t len : {8u, 9u, 13u, 14u, 20u}) {
    if (rest.size() < len + 3) continue;
    std::string_view zone = rest.substr(rest.size() - len);
    std::string_view before = rest.substr(0, rest.size() - len);
    if (before.substr(before.size() - 2) != "--") continue;
    std::string_view base = before.substr(0, before.size() - 2);
    if (base.empty() || !alnum(base.back()) || !alnum(zone.front()) || !alnum(zone.back())) continue;
    return std::string(zone);
  }
  return std::nullopt;
}

}  // namespace xs3::api
