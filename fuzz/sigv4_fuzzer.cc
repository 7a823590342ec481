// The SigV4 (and SigV2 query) verifier: Authorization header and presigned-query parsing,
// canonicalisation, signature comparison. Then a round trip: the same request signed by our
// signer must verify, whatever its path, query and headers.
//
// Input, one item per line: method, raw path, raw query, then "name:value" header lines (names
// are lower-cased as the server does). The verifier's clock is the request's own x-amz-date /
// X-Amz-Date when it has one, so captured requests stay inside the skew window forever.
#include <algorithm>
#include <cctype>
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <ctime>
#include <string>
#include <string_view>
#include <vector>

#include "auth/sigv4.h"

namespace {

using xs3::auth::HeaderList;

std::vector<std::string_view> Lines(std::string_view s) {
  std::vector<std::string_view> out;
  size_t start = 0;
  for (size_t i = 0; i <= s.size(); ++i) {
    if (i == s.size() || s[i] == '\n') {
      std::string_view line = s.substr(start, i - start);
      if (!line.empty() && line.back() == '\r') line.remove_suffix(1);
      out.push_back(line);
      start = i + 1;
    }
  }
  return out;
}

// YYYYMMDDTHHMMSSZ -> time point; nullopt if it is not that shape.
std::optional<std::chrono::system_clock::time_point> ParseAmzDate(std::string_view s) {
  if (s.size() != 16 || s[8] != 'T' || s[15] != 'Z') return std::nullopt;
  for (size_t i = 0; i < 15; ++i)
    if (i != 8 && (s[i] < '0' || s[i] > '9')) return std::nullopt;
  auto num = [&](size_t pos, size_t len) { return std::stoi(std::string(s.substr(pos, len))); };
  // Beyond this the nanosecond system_clock overflows (the verifier's own limits are what is
  // under test, not the harness's clock).
  if (num(0, 4) < 1970 || num(0, 4) > 2200) return std::nullopt;
  std::tm tm{};
  tm.tm_year = num(0, 4) - 1900;
  tm.tm_mon = num(4, 2) - 1;
  tm.tm_mday = num(6, 2);
  tm.tm_hour = num(9, 2);
  tm.tm_min = num(11, 2);
  tm.tm_sec = num(13, 2);
  return std::chrono::system_clock::from_time_t(timegm(&tm));
}

std::optional<xs3::auth::Credential> Lookup(std::string_view key) {
  if (key == "xs3devaccesskey") return xs3::auth::Credential{"xs3devaccesskey", "xs3devsecretkey", "root"};
  if (key == "AKIDEXAMPLE") return xs3::auth::Credential{"AKIDEXAMPLE", "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY", "example"};
  return std::nullopt;
}

// What an HTTP parser lets through (RFC 9110 token names, values without control characters but
// HTAB): the only requests the round trip below can be asked to hold for.
bool IsHttpHeader(const std::string& name, const std::string& value) {
  static constexpr std::string_view kTchar = "!#$%&'*+-.^_`|~";
  if (name.empty()) return false;
  for (unsigned char c : name)
    if (!std::isalnum(c) && kTchar.find(static_cast<char>(c)) == std::string_view::npos) return false;
  for (unsigned char c : value)
    if ((c < 0x20 && c != '\t') || c == 0x7f) return false;
  return true;
}

bool HasPresignParams(std::string_view query) {
  for (auto p : {"X-Amz-", "x-amz-", "Signature", "AWSAccessKeyId", "Expires"})
    if (query.find(p) != std::string_view::npos) return true;
  return false;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::string_view input(reinterpret_cast<const char*>(data), size);
  auto lines = Lines(input);
  if (lines.size() < 3) return 0;
  xs3::auth::RequestParts parts;
  parts.method = std::string(lines[0]);
  parts.raw_path = std::string(lines[1]);
  parts.raw_query = std::string(lines[2]);
  HeaderList headers;
  for (size_t i = 3; i < lines.size(); ++i) {
    auto colon = lines[i].find(':');
    if (colon == std::string_view::npos || colon == 0) continue;
    std::string name(lines[i].substr(0, colon));
    for (auto& c : name) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    headers.emplace_back(std::move(name), std::string(lines[i].substr(colon + 1)));
  }
  parts.headers = &headers;

  xs3::auth::VerifyOptions options;
  options.now = std::chrono::system_clock::from_time_t(1764000000);
  for (auto& [k, v] : headers)
    if (k == "x-amz-date")
      if (auto t = ParseAmzDate(v)) options.now = *t;
  if (auto p = parts.raw_query.find("X-Amz-Date="); p != std::string::npos)
    if (auto t = ParseAmzDate(std::string_view(parts.raw_query).substr(p + 11, 16))) options.now = *t;
  auto verified = xs3::auth::VerifyRequest(parts, Lookup, options);
  if (auto* ctx = std::get_if<xs3::auth::AuthContext>(&verified); ctx && !ctx->anonymous && ctx->user.empty()) {
    std::fprintf(stderr, "a verified, non-anonymous request without a user\n");
    std::abort();
  }

  // Encoding round trip.
  if (xs3::auth::UriDecode(xs3::auth::UriEncode(parts.raw_path, true)) != parts.raw_path) {
    std::fprintf(stderr, "UriDecode(UriEncode(x)) != x\n");
    std::abort();
  }

  // Signer and verifier must agree on every request the signer accepts: same canonical form.
  if (HasPresignParams(parts.raw_query)) return 0;
  for (auto& [k, v] : headers)
    if (!IsHttpHeader(k, v)) return 0;
  HeaderList resigned;
  for (auto& h : headers)
    if (h.first != "authorization" && h.first != "x-amz-date" && h.first != "x-amz-content-sha256" &&
        h.first != "x-amz-security-token" && h.first != "x-amz-s3session-token" && h.first != "host")
      resigned.push_back(h);
  resigned.emplace_back("host", "localhost");
  resigned.emplace_back("x-amz-date", "20251125T000000Z");
  resigned.emplace_back("x-amz-content-sha256", "UNSIGNED-PAYLOAD");
  std::vector<std::string> names;
  for (auto& [k, v] : resigned) names.push_back(k);
  std::sort(names.begin(), names.end());
  names.erase(std::unique(names.begin(), names.end()), names.end());
  xs3::auth::RequestParts again = parts;
  again.headers = &resigned;
  resigned.emplace_back("authorization", xs3::auth::SignRequest(again, "xs3devaccesskey", "xs3devsecretkey", "us-east-1",
                                                               "s3", "UNSIGNED-PAYLOAD", names));
  options.now = *ParseAmzDate("20251125T000000Z");
  auto rt = xs3::auth::VerifyRequest(again, Lookup, options);
  if (auto* err = std::get_if<xs3::S3Error>(&rt); err && err->code == xs3::ErrorCode::SignatureDoesNotMatch) {
    std::fprintf(stderr, "our own signature does not verify: %s\n", err->message.c_str());
    std::abort();
  }
  return 0;
}
