#include "api/bucket_name.h"

#include <array>

namespace xs3::api {
namespace {

bool LooksLikeIpAddress(std::string_view name) {
  int dots = 0;
  for (char c : name) {
    if (c == '.') ++dots;
    else if (c < '0' || c > '9') return false;
  }
  return dots == 3;
}

bool StartsWith(std::string_view s, std::string_view p) { return s.substr(0, p.size()) == p; }
bool EndsWith(std::string_view s, std::string_view p) {
  return s.size() >= p.size() && s.substr(s.size() - p.size()) == p;
}

}  // namespace

bool IsValidBucketName(std::string_view name) {
  if (name.size() < 3 || name.size() > 63) return false;
  for (char c : name) {
    bool ok = (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '.' || c == '-';
    if (!ok) return false;
  }
  auto alnum = [](char c) { return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9'); };
  if (!alnum(name.front()) || !alnum(name.back())) return false;
  if (name.find("..") != std::string_view::npos) return false;
  if (LooksLikeIpAddress(name)) return false;
  for (auto p : std::array<std::string_view, 3>{"xn--", "sthree-", "amzn-s3-demo-"})
    if (StartsWith(name, p)) return false;
  for (auto s : std::array<std::string_view, 5>{"-s3alias", "--ol-s3", ".mrap", "--x-s3", "--table-s3"})
    if (EndsWith(name, s)) return false;
  return true;
}

}  // namespace xs3::api
