#include "auth/session_token.h"

#include <openssl/crypto.h>
#include <openssl/rand.h>

#include <array>
#include <charconv>
#include <vector>

#include "auth/checksum.h"

namespace xs3::auth {
namespace {

constexpr std::string_view kVersion = "xs3s1";
// A key signs tokens for one hour and verifies them for one more, so a token minted just
// before the hour turns stays valid for its whole (minutes-long) life.
constexpr int64_t kKeyPeriodS = 3600;

std::string Base64Url(std::string_view raw) {
  std::string s = Base64Encode(raw);
  for (auto& c : s) {
    if (c == '+') c = '-';
    else if (c == '/') c = '_';
  }
  while (!s.empty() && s.back() == '=') s.pop_back();
  return s;
}

std::optional<std::string> FromBase64Url(std::string_view text) {
  std::string s(text);
  for (auto& c : s) {
    if (c == '-') c = '+';
    else if (c == '_') c = '/';
    else if (c == '+' || c == '/' || c == '=') return std::nullopt;
  }
  while (s.size() % 4) s += '=';
  return Base64Decode(s);
}

std::vector<std::string_view> Split(std::string_view s, char sep) {
  std::vector<std::string_view> out;
  size_t start = 0;
  for (size_t i = 0; i <= s.size(); ++i) {
    if (i == s.size() || s[i] == sep) {
      out.push_back(s.substr(start, i - start));
      start = i + 1;
    }
  }
  return out;
}

bool ParseI64(std::string_view s, int64_t& out) {
  auto [p, ec] = std::from_chars(s.data(), s.data() + s.size(), out);
  return ec == std::errc() && p == s.data() + s.size() && !s.empty();
}

std::optional<SessionMode> ModeFromName(std::string_view s) {
  if (s == "ReadWrite") return SessionMode::ReadWrite;
  if (s == "ReadOnly") return SessionMode::ReadOnly;
  if (s == "CreateBucketOnly") return SessionMode::CreateBucketOnly;
  return std::nullopt;
}

}  // namespace

std::string_view SessionModeName(SessionMode mode) {
  switch (mode) {
    case SessionMode::ReadWrite: return "ReadWrite";
    case SessionMode::ReadOnly: return "ReadOnly";
    case SessionMode::CreateBucketOnly: return "CreateBucketOnly";
  }
  return "ReadOnly";
}

SessionTokenIssuer::SessionTokenIssuer(std::string master_key) : master_key_(std::move(master_key)) {}

std::string SessionTokenIssuer::KeyFor(int64_t epoch_hour) const {
  return HmacSha256(master_key_, "xs3-session-key:" + std::to_string(epoch_hour));
}

SessionCredentials SessionTokenIssuer::Derive(const std::string& key, const std::string& payload) const {
  SessionCredentials c;
  std::string akid = HexEncode(HmacSha256(key, "akid:" + payload)).substr(0, 16);
  for (auto& ch : akid) ch = static_cast<char>(std::toupper(static_cast<unsigned char>(ch)));
  c.access_key_id = "XS3SESS" + akid;
  c.secret_access_key = Base64Url(HmacSha256(key, "secret:" + payload)).substr(0, 40);
  return c;
}

SessionCredentials SessionTokenIssuer::Issue(const SessionClaims& claims, int64_t now_epoch_s) const {
  std::array<unsigned char, 12> nonce{};
  RAND_bytes(nonce.data(), static_cast<int>(nonce.size()));
  int64_t epoch_hour = now_epoch_s / kKeyPeriodS;
  // Bucket names and user names never contain '\n' (both are validated where they are born).
  std::string payload = std::string(kVersion) + "\n" + std::to_string(epoch_hour) + "\n" +
                        std::string(SessionModeName(claims.mode)) + "\n" + std::to_string(claims.expires_epoch_s) +
                        "\n" + claims.user + "\n" + claims.bucket + "\n" +
                        HexEncode(std::string_view(reinterpret_cast<const char*>(nonce.data()), nonce.size()));
  std::string key = KeyFor(epoch_hour);
  SessionCredentials c = Derive(key, payload);
  c.token = Base64Url(payload) + "." + Base64Url(HmacSha256(key, "mac:" + payload));
  return c;
}

std::optional<SessionTokenIssuer::Verified> SessionTokenIssuer::Verify(std::string_view token,
                                                                      int64_t now_epoch_s) const {
  if (token.size() > 2048) return std::nullopt;
  auto dot = token.find('.');
  if (dot == std::string_view::npos) return std::nullopt;
  auto payload = FromBase64Url(token.substr(0, dot));
  auto mac = FromBase64Url(token.substr(dot + 1));
  if (!payload || !mac || mac->size() != 32) return std::nullopt;
  auto fields = Split(*payload, '\n');
  if (fields.size() != 7 || fields[0] != kVersion) return std::nullopt;
  int64_t epoch_hour = 0, expires = 0;
  if (!ParseI64(fields[1], epoch_hour) || !ParseI64(fields[3], expires)) return std::nullopt;
  int64_t now_hour = now_epoch_s / kKeyPeriodS;
  if (epoch_hour > now_hour || epoch_hour < now_hour - 1) return std::nullopt;  // key rotated out
  std::string key = KeyFor(epoch_hour);
  std::string expected = HmacSha256(key, "mac:" + *payload);
  if (CRYPTO_memcmp(expected.data(), mac->data(), expected.size()) != 0) return std::nullopt;
  auto mode = ModeFromName(fields[2]);
  if (!mode) return std::nullopt;
  Verified v;
  v.claims.mode = *mode;
  v.claims.expires_epoch_s = expires;
  v.claims.user = std::string(fields[4]);
  v.claims.bucket = std::string(fields[5]);
  v.credentials = Derive(key, *payload);
  v.credentials.token = std::string(token);
  return v;
}

}  // namespace xs3::auth
