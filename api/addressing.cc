#include "api/addressing.h"

#include <algorithm>
#include <cctype>

#include "api/directory_bucket_name.h"
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

bool HasBadEscape(std::string_view s) {
  auto hex = [](char c) { return std::isxdigit(static_cast<unsigned char>(c)) != 0; };
  for (size_t i = 0; i < s.size(); ++i) {
    if (s[i] != '%') continue;
    if (i + 2 >= s.size() || !hex(s[i + 1]) || !hex(s[i + 2])) return true;
    i += 2;
  }
  return false;
}

}  // namespace

bool IsValidUtf8(std::string_view s) {
  size_t i = 0;
  while (i < s.size()) {
    unsigned char c = static_cast<unsigned char>(s[i]);
    if (c < 0x80) {
      ++i;
      continue;
    }
    size_t n;
    uint32_t cp;
    if ((c & 0xE0) == 0xC0) {
      n = 1;
      cp = c & 0x1F;
    } else if ((c & 0xF0) == 0xE0) {
      n = 2;
      cp = c & 0x0F;
    } else if ((c & 0xF8) == 0xF0) {
      n = 3;
      cp = c & 0x07;
    } else {
      return false;
    }
    if (i + n >= s.size()) return false;
    for (size_t k = 1; k <= n; ++k) {
      unsigned char cc = static_cast<unsigned char>(s[i + k]);
      if ((cc & 0xC0) != 0x80) return false;
      cp = (cp << 6) | (cc & 0x3F);
    }
    if ((n == 1 && cp < 0x80) || (n == 2 && cp < 0x800) || (n == 3 && cp < 0x10000)) return false;  // overlong
    if (cp > 0x10FFFF || (cp >= 0xD800 && cp <= 0xDFFF)) return false;
    i += n + 1;
  }
  return true;
}

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
  if (a.virtual_host) {
    // S3 Express hosts under the domain: "<bucket>.s3express-<zone>.<region>" (zonal) and
    // "s3express-control.<region>" (control plane, path style).
    if (a.bucket.rfind("s3express-control.", 0) == 0) {
      a.bucket.clear();
      a.virtual_host = false;
    } else if (auto zonal = a.bucket.find(".s3express-"); zonal != std::string::npos) {
      a.bucket = a.bucket.substr(0, zonal);
    }
  }
  std::string_view path = raw_path;
  if (!path.empty() && path.front() == '/') path.remove_prefix(1);
  a.malformed = HasBadEscape(path);
  if (a.virtual_host) {
    a.key = auth::UriDecode(path);
    a.malformed = a.malformed || !IsValidUtf8(a.key);
    return a;
  }
  auto slash = path.find('/');
  if (slash == std::string_view::npos) {
    a.bucket = auth::UriDecode(path);
  } else {
    a.bucket = auth::UriDecode(path.substr(0, slash));
    std::string_view rest = path.substr(slash + 1);
    // The JS SDK joins an IP endpoint and a directory bucket key with "//" ("/b--use1-az4--x-s3//k");
    // boto3 sends one slash. Directory bucket keys cannot start with "/", so drop it.
    if (!rest.empty() && rest.front() == '/' && HasDirectorySuffix(a.bucket)) rest.remove_prefix(1);
    a.key = auth::UriDecode(rest);
  }
  a.malformed = a.malformed || !IsValidUtf8(a.bucket) || !IsValidUtf8(a.key);
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
