#include "api/addressing.h"

#include <algorithm>
#include <cctype>

#include "auth/sigv4.h"

namespace xs3::api {
namespace {

std::string LowerHostWithoutPort(std::string_view host) {
  if (!host.empty() && host.front() == '[') {  // IPv6 literal: never a bucket host
    auto end = host.find(']');
    host = host.substr(0, end == std::string_view::npos ? host.size() : end + 1);
  } else if (auto colon = host.rfind(':'); colon != std::string_view::npos) {
    host = host.substr(0, colon);
  }
  std::string out(host);
  std::transform(out.begin(), out.end(), out.begin(), [](unsigned char c) { return std::tolower(c); });
  return out;
}

}  // namespace

Address ResolveAddress(std::string_view host_header, std::string_view raw_path,
                       const std::vector<std::string>& domains) {
  Address a;
  std::string host = LowerHostWithoutPort(host_header);
  // Longest matching domain wins, so "s3.localhost" beats "localhost" for "b.s3.localhost".
  size_t best = 0;
  for (auto& d : domains) {
    if (d.empty() || host.size() <= d.size() + 1 || d.size() < best) continue;
    if (host.compare(host.size() - d.size(), d.size(), d) == 0 && host[host.size() - d.size() - 1] == '.') {
      a.bucket = host.substr(0, host.size() - d.size() - 1);
      a.virtual_host = true;
      best = d.size();
    }
  }
  std::string_view path = raw_path;
  if (!path.empty() && path.front() == '/') path.remove_prefix(1);
  if (a.virtual_host) {
    a.key = auth::UriDecode(path);
    return a;
  }
  auto slash = path.find('/');
  if (slash == std::string_view::npos) {
    a.bucket = auth::UriDecode(path);
  } else {
    a.bucket = auth::UriDecode(path.substr(0, slash));
    a.key = auth::UriDecode(path.substr(slash + 1));
  }
  return a;
}

std::vector<std::pair<std::string, std::string>> ParseQuery(std::string_view raw_query) {
  std::vector<std::pair<std::string, std::string>> out;
  while (!raw_query.empty()) {
    auto amp = raw_query.find('&');
    std::string_view part = raw_query.substr(0, amp);
    raw_query = amp == std::string_view::npos ? std::string_view{} : raw_query.substr(amp + 1);
    if (part.empty()) continue;
    auto eq = part.find('=');
    // Query values may carry '+' for a space (form encoding), which SigV4 clients never send
    // unescaped; treat it as a space only in values, as S3 does.
    std::string name = auth::UriDecode(part.substr(0, eq));
    std::string value;
    if (eq != std::string_view::npos) {
      std::string v(part.substr(eq + 1));
      std::replace(v.begin(), v.end(), '+', ' ');
      value = auth::UriDecode(v);
    }
    out.emplace_back(std::move(name), std::move(value));
  }
  return out;
}

}  // namespace xs3::api
