#include "auth/sigv4.h"

#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>

#include <algorithm>
#include <cstdio>
#include <ctime>
#include <mutex>
#include <unordered_map>

#include "auth/checksum.h"
#include "common/xml_escape.h"

namespace xs3::auth {
namespace {

using Clock = std::chrono::system_clock;
constexpr std::string_view kAlgorithm = "AWS4-HMAC-SHA256";
constexpr std::string_view kUnsignedPayload = "UNSIGNED-PAYLOAD";
constexpr int64_t kMaxPresignExpires = 604800;

// ---------------------------------------------------------------- small string helpers

char LowerAscii(char c) { return (c >= 'A' && c <= 'Z') ? static_cast<char>(c - 'A' + 'a') : c; }

std::string Lower(std::string_view s) {
  std::string out(s);
  for (auto& c : out) c = LowerAscii(c);
  return out;
}

bool IEquals(std::string_view a, std::string_view b) {
  if (a.size() != b.size()) return false;
  for (size_t i = 0; i < a.size(); ++i)
    if (LowerAscii(a[i]) != LowerAscii(b[i])) return false;
  return true;
}

bool StartsWith(std::string_view s, std::string_view prefix) { return s.substr(0, prefix.size()) == prefix; }

std::string_view Trim(std::string_view s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t')) s.remove_suffix(1);
  return s;
}

bool IsHex64(std::string_view s) {
  if (s.size() != 64) return false;
  for (char c : s)
    if (!((c >= '0' && c <= '9') || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F'))) return false;
  return true;
}

bool AllDigits(std::string_view s) {
  if (s.empty()) return false;
  for (char c : s)
    if (c < '0' || c > '9') return false;
  return true;
}

std::vector<std::string_view> Split(std::string_view s, char sep) {
  std::vector<std::string_view> out;
  size_t start = 0;
  while (true) {
    size_t pos = s.find(sep, start);
    if (pos == std::string_view::npos) {
      out.push_back(s.substr(start));
      break;
    }
    out.push_back(s.substr(start, pos - start));
    start = pos + 1;
  }
  return out;
}

std::string XmlElem(std::string_view name, std::string_view value) {
  std::string out = "<";
  out += name;
  out += '>';
  out += XmlEscape(value);
  out += "</";
  out += name;
  out += '>';
  return out;
}

// "41 57 53 34 ..." as AWS shows in <StringToSignBytes>.
std::string SpacedHex(std::string_view s) {
  std::string hex = HexEncode(s);
  std::string out;
  out.reserve(hex.size() * 3 / 2);
  for (size_t i = 0; i < hex.size(); i += 2) {
    if (i) out += ' ';
    out += hex[i];
    out += hex[i + 1];
  }
  return out;
}

S3Error Err(ErrorCode code, std::string message, std::string extra = {}) {
  S3Error e = make_error(code, std::move(message));
  e.extra_xml = std::move(extra);
  return e;
}

// ---------------------------------------------------------------- headers

std::optional<std::string_view> FindHeader(const HeaderList& headers, std::string_view name) {
  for (const auto& [k, v] : headers)
    if (IEquals(k, name)) return std::string_view(v);
  return std::nullopt;
}

// Trim, and fold internal runs of spaces into one.
void AppendFolded(std::string& out, std::string_view v) {
  v = Trim(v);
  bool in_space = false;
  for (char c : v) {
    if (c == ' ' || c == '\t') {
      if (!in_space) out += ' ';
      in_space = true;
    } else {
      out += c;
      in_space = false;
    }
  }
}

std::string CanonicalHeaderValue(const HeaderList& headers, std::string_view name) {
  std::string out;
  bool first = true;
  for (const auto& [k, v] : headers) {
    if (!IEquals(k, name)) continue;
    if (!first) out += ',';
    first = false;
    AppendFolded(out, v);
  }
  return out;
}

// ---------------------------------------------------------------- query

int HexVal(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

std::string Decode(std::string_view s, bool plus_is_space) {
  std::string out;
  out.reserve(s.size());
  for (size_t i = 0; i < s.size(); ++i) {
    char c = s[i];
    if (c == '%' && i + 2 < s.size()) {
      int hi = HexVal(s[i + 1]);
      int lo = HexVal(s[i + 2]);
      if (hi >= 0 && lo >= 0) {
        out += static_cast<char>(hi * 16 + lo);
        i += 2;
        continue;
      }
    }
    if (c == '+' && plus_is_space) {
      out += ' ';
      continue;
    }
    out += c;
  }
  return out;
}

struct QueryParam {
  std::string name;   // decoded
  std::string value;  // decoded
  bool has_equals = false;
};

std::vector<QueryParam> ParseQuery(std::string_view raw) {
  std::vector<QueryParam> out;
  if (raw.empty()) return out;
  for (auto part : Split(raw, '&')) {
    if (part.empty()) continue;
    QueryParam p;
    size_t eq = part.find('=');
    if (eq == std::string_view::npos) {
      p.name = Decode(part, true);
    } else {
      p.name = Decode(part.substr(0, eq), true);
      p.value = Decode(part.substr(eq + 1), true);
      p.has_equals = true;
    }
    out.push_back(std::move(p));
  }
  return out;
}

const QueryParam* FindParam(const std::vector<QueryParam>& params, std::string_view name) {
  for (const auto& p : params)
    if (p.name == name) return &p;
  return nullptr;
}

// ---------------------------------------------------------------- time

// YYYYMMDDTHHMMSSZ -> epoch seconds.
std::optional<int64_t> ParseAmzDate(std::string_view s) {
  if (s.size() != 16 || s[8] != 'T' || s[15] != 'Z') return std::nullopt;
  if (!AllDigits(s.substr(0, 8)) || !AllDigits(s.substr(9, 6))) return std::nullopt;
  auto num = [&](size_t pos, size_t len) {
    int v = 0;
    for (size_t i = 0; i < len; ++i) v = v * 10 + (s[pos + i] - '0');
    return v;
  };
  std::tm tm{};
  tm.tm_year = num(0, 4) - 1900;
  tm.tm_mon = num(4, 2) - 1;
  tm.tm_mday = num(6, 2);
  tm.tm_hour = num(9, 2);
  tm.tm_min = num(11, 2);
  tm.tm_sec = num(13, 2);
  if (tm.tm_mon < 0 || tm.tm_mon > 11 || tm.tm_mday < 1 || tm.tm_mday > 31 || tm.tm_hour > 23 || tm.tm_min > 59 ||
      tm.tm_sec > 60)
    return std::nullopt;
  return static_cast<int64_t>(timegm(&tm));
}

// RFC 1123 ("Fri, 24 May 2013 00:00:00 GMT"), RFC 850 and asctime forms, or the ISO basic form.
std::optional<int64_t> ParseHttpDate(std::string_view s) {
  s = Trim(s);
  if (auto iso = ParseAmzDate(s)) return iso;
  static constexpr const char* kMonths[] = {"Jan", "Feb", "Mar", "Apr", "May", "Jun",
                                            "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"};
  std::string str(s);
  char wday[16] = {0}, mon[8] = {0}, zone[8] = {0};
  int day = 0, year = 0, hh = 0, mm = 0, ss = 0;
  bool ok = false;
  if (std::sscanf(str.c_str(), "%15[A-Za-z], %d %3s %d %d:%d:%d %7s", wday, &day, mon, &year, &hh, &mm, &ss, zone) ==
      8) {
    ok = true;
  } else if (std::sscanf(str.c_str(), "%15[A-Za-z], %d-%3s-%d %d:%d:%d %7s", wday, &day, mon, &year, &hh, &mm, &ss,
                         zone) == 8) {
    if (year < 100) year += year < 70 ? 2000 : 1900;
    ok = true;
  } else if (std::sscanf(str.c_str(), "%15s %3s %d %d:%d:%d %d", wday, mon, &day, &hh, &mm, &ss, &year) == 7) {
    ok = true;
  }
  if (!ok) return std::nullopt;
  int month = -1;
  for (int i = 0; i < 12; ++i)
    if (std::string_view(mon) == kMonths[i]) month = i;
  if (month < 0 || day < 1 || day > 31 || hh > 23 || mm > 59 || ss > 60) return std::nullopt;
  std::tm tm{};
  tm.tm_year = year - 1900;
  tm.tm_mon = month;
  tm.tm_mday = day;
  tm.tm_hour = hh;
  tm.tm_min = mm;
  tm.tm_sec = ss;
  return static_cast<int64_t>(timegm(&tm));
}

std::string FormatTime(int64_t t, const char* fmt) {
  std::time_t tt = static_cast<std::time_t>(t);
  std::tm tm{};
  gmtime_r(&tt, &tm);
  char buf[64];
  size_t n = std::strftime(buf, sizeof buf, fmt, &tm);
  return std::string(buf, n);
}
std::string IsoBasic(int64_t t) { return FormatTime(t, "%Y%m%dT%H%M%SZ"); }
std::string IsoExtended(int64_t t) { return FormatTime(t, "%Y-%m-%dT%H:%M:%SZ"); }

int64_t NowSeconds(const VerifyOptions& o) {
  return std::chrono::duration_cast<std::chrono::seconds>(o.now.time_since_epoch()).count();
}

// ---------------------------------------------------------------- signing-key cache

class SigningKeyCache {
 public:
  std::string Get(std::string_view secret, std::string_view date, std::string_view region, std::string_view service) {
    std::string k;
    k.reserve(secret.size() + date.size() + region.size() + service.size() + 3);
    k.append(secret).append(1, '\0').append(date).append(1, '\0').append(region).append(1, '\0').append(service);
    {
      std::lock_guard<std::mutex> lock(mu_);
      auto it = map_.find(k);
      if (it != map_.end()) return it->second;
    }
    std::string key = DeriveSigningKey(secret, date, region, service);
    std::lock_guard<std::mutex> lock(mu_);
    if (map_.size() >= kMaxEntries) map_.clear();
    map_.emplace(std::move(k), key);
    return key;
  }

 private:
  static constexpr size_t kMaxEntries = 4096;
  std::mutex mu_;
  std::unordered_map<std::string, std::string> map_;
};

SigningKeyCache& KeyCache() {
  static SigningKeyCache cache;
  return cache;
}

bool ConstantTimeEqual(std::string_view a, std::string_view b) {
  if (a.size() != b.size()) return false;
  return CRYPTO_memcmp(a.data(), b.data(), a.size()) == 0;
}

// ---------------------------------------------------------------- credential scope

struct Scope {
  std::string access_key;
  std::string date;
  std::string region;
  std::string service;
  std::string terminal;
  std::string str() const { return date + "/" + region + "/" + service + "/" + terminal; }
};

std::optional<Scope> ParseCredential(std::string_view cred) {
  // The access key is everything before the last four '/'.
  size_t pos = cred.size();
  size_t slashes[4];
  for (int i = 3; i >= 0; --i) {
    if (pos == 0) return std::nullopt;
    size_t p = cred.rfind('/', pos - 1);
    if (p == std::string_view::npos) return std::nullopt;
    slashes[i] = p;
    pos = p;
  }
  Scope s;
  s.access_key = std::string(cred.substr(0, slashes[0]));
  s.date = std::string(cred.substr(slashes[0] + 1, slashes[1] - slashes[0] - 1));
  s.region = std::string(cred.substr(slashes[1] + 1, slashes[2] - slashes[1] - 1));
  s.service = std::string(cred.substr(slashes[2] + 1, slashes[3] - slashes[2] - 1));
  s.terminal = std::string(cred.substr(slashes[3] + 1));
  if (s.access_key.empty() || s.date.size() != 8 || !AllDigits(s.date)) return std::nullopt;
  return s;
}

// Checks region/service/terminal. `prefix` is the message prefix for the auth form.
std::optional<S3Error> CheckScope(const Scope& s, const VerifyOptions& o, ErrorCode code, const std::string& prefix) {
  if (s.region != o.region)
    return Err(code, prefix + "the region '" + s.region + "' is wrong; expecting '" + o.region + "'",
               XmlElem("Region", o.region));
  if (s.service != "s3" && s.service != "s3express")
    return Err(code, prefix + "incorrect service \"" + s.service + "\". This endpoint belongs to \"s3\".");
  if (s.terminal != "aws4_request")
    return Err(code, prefix + "incorrect terminal \"" + s.terminal + "\". This endpoint uses \"aws4_request\".");
  return std::nullopt;
}

std::vector<std::string> SplitSignedHeaders(std::string_view s) {
  std::vector<std::string> out;
  for (auto h : Split(s, ';'))
    if (!h.empty()) out.push_back(Lower(h));
  return out;
}

bool ContainsHost(const std::vector<std::string>& v) { return std::find(v.begin(), v.end(), "host") != v.end(); }

S3Error SignatureMismatch(std::string_view access_key, std::string_view sts, std::string_view provided,
                          std::string_view canonical_request) {
  std::string extra = XmlElem("AWSAccessKeyId", access_key) + XmlElem("StringToSign", sts) +
                      XmlElem("SignatureProvided", provided) + XmlElem("StringToSignBytes", SpacedHex(sts));
  if (!canonical_request.empty()) {
    extra += XmlElem("CanonicalRequest", canonical_request) +
             XmlElem("CanonicalRequestBytes", SpacedHex(canonical_request));
  }
  return Err(ErrorCode::SignatureDoesNotMatch, {}, std::move(extra));
}

S3Error MissingDate() {
  return Err(ErrorCode::AccessDenied, "AWS authentication requires a valid Date or x-amz-date header");
}

S3Error TooSkewed(std::string_view request_time, int64_t now, std::chrono::seconds max_skew) {
  return Err(ErrorCode::RequestTimeTooSkewed, {},
             XmlElem("RequestTime", request_time) + XmlElem("ServerTime", IsoExtended(now)) +
                 XmlElem("MaxAllowedSkewMilliseconds", std::to_string(max_skew.count() * 1000)));
}

S3Error UnknownKey(std::string_view access_key) {
  return Err(ErrorCode::InvalidAccessKeyId, {}, XmlElem("AWSAccessKeyId", access_key));
}

// Computes the SigV4 signature, trying the raw path first and then the path re-encoded the
// canonical way (clients that send a character raw but sign it percent-encoded).
struct V4Attempt {
  std::string canonical_request;
  std::string string_to_sign;
  std::string signature;
};

bool VerifyV4(const RequestParts& req, const HeaderList& headers, std::string_view canonical_query,
              const std::vector<std::string>& signed_headers, std::string_view payload_hash,
              std::string_view amz_date, const std::string& scope, const std::string& signing_key,
              std::string_view provided_lower, V4Attempt& first) {
  std::string path = req.raw_path.empty() ? std::string("/") : req.raw_path;
  first.canonical_request = CanonicalRequest(req.method, path, canonical_query, headers, signed_headers, payload_hash);
  first.string_to_sign = StringToSign(amz_date, scope, first.canonical_request);
  first.signature = HexEncode(HmacSha256(signing_key, first.string_to_sign));
  if (ConstantTimeEqual(first.signature, provided_lower)) return true;
  std::string normalized = UriEncode(UriDecode(path), false);
  if (normalized == path) return false;
  std::string cr = CanonicalRequest(req.method, normalized, canonical_query, headers, signed_headers, payload_hash);
  std::string sig = HexEncode(HmacSha256(signing_key, StringToSign(amz_date, scope, cr)));
  return ConstantTimeEqual(sig, provided_lower);
}

std::optional<S3Error> ApplyContentSha256(std::string_view value, AuthContext& ctx) {
  value = Trim(value);
  if (value == kUnsignedPayload) {
    ctx.payload_mode = PayloadMode::Unsigned;
  } else if (value == "STREAMING-AWS4-HMAC-SHA256-PAYLOAD") {
    ctx.payload_mode = PayloadMode::StreamingSigned;
  } else if (value == "STREAMING-AWS4-HMAC-SHA256-PAYLOAD-TRAILER") {
    ctx.payload_mode = PayloadMode::StreamingSignedTrailer;
  } else if (value == "STREAMING-UNSIGNED-PAYLOAD-TRAILER") {
    ctx.payload_mode = PayloadMode::StreamingUnsignedTrailer;
  } else if (IsHex64(value)) {
    ctx.payload_mode = PayloadMode::SignedHash;
    ctx.payload_sha256_hex = Lower(value);
  } else if (value == "STREAMING-AWS4-ECDSA-P256-SHA256-PAYLOAD" ||
             value == "STREAMING-AWS4-ECDSA-P256-SHA256-PAYLOAD-TRAILER") {
    return Err(ErrorCode::NotImplemented, {}, XmlElem("Header", "x-amz-content-sha256"));
  } else {
    return Err(ErrorCode::InvalidArgument,
               "x-amz-content-sha256 must be UNSIGNED-PAYLOAD, STREAMING-UNSIGNED-PAYLOAD-TRAILER, "
               "STREAMING-AWS4-HMAC-SHA256-PAYLOAD, STREAMING-AWS4-HMAC-SHA256-PAYLOAD-TRAILER, or a valid sha256 "
               "value.",
               XmlElem("ArgumentName", "x-amz-content-sha256") + XmlElem("ArgumentValue", value));
  }
  return std::nullopt;
}

std::string SessionTokenFromHeaders(const HeaderList& headers) {
  if (auto t = FindHeader(headers, "x-amz-s3session-token")) return std::string(Trim(*t));
  if (auto t = FindHeader(headers, "x-amz-security-token")) return std::string(Trim(*t));
  return {};
}

// ---------------------------------------------------------------- SigV4, Authorization header

// What both SigV4 forms record once the signature held: who signed, and what the body decoder
// needs to go on verifying chunk signatures.
void RecordVerifiedV4(AuthContext& ctx, const Credential& cred, const Scope& scope, std::string signing_key,
                      std::string seed_signature, std::string amz_date, std::string scope_str) {
  ctx.user = cred.user;
  ctx.access_key = scope.access_key;
  ctx.service = scope.service;
  ctx.signing_key = std::move(signing_key);
  ctx.seed_signature = std::move(seed_signature);
  ctx.amz_date = std::move(amz_date);
  ctx.scope = std::move(scope_str);
}

// S3 acts on x-amz-* headers (copy source, metadata, conditions), so one added after signing
// would change the request without changing its signature: AWS refuses those requests.
std::optional<S3Error> UnsignedAmzHeaders(const HeaderList& headers, const std::vector<std::string>& signed_headers) {
  std::string unsigned_names;
  for (const auto& [name, value] : headers) {
    if (name.rfind("x-amz-", 0) != 0) continue;
    if (std::find(signed_headers.begin(), signed_headers.end(), name) != signed_headers.end()) continue;
    if (unsigned_names.find(name) != std::string::npos) continue;
    unsigned_names += (unsigned_names.empty() ? "" : ", ") + name;
  }
  if (unsigned_names.empty()) return std::nullopt;
  S3Error e = make_error(ErrorCode::AccessDenied, "There were headers present in the request which were not signed");
  e.extra_xml = "<HeadersNotSigned>" + XmlEscape(unsigned_names) + "</HeadersNotSigned>";
  return e;
}

std::variant<AuthContext, S3Error> VerifyV4Header(const RequestParts& req, const HeaderList& headers,
                                                  std::string_view auth, const CredentialLookup& lookup,
                                                  const VerifyOptions& o) {
  const std::string malformed = "The authorization header is malformed; ";
  std::string_view rest = Trim(auth.substr(kAlgorithm.size()));
  std::optional<std::string_view> credential, signed_headers_str, signature;
  for (auto part : Split(rest, ',')) {
    part = Trim(part);
    if (part.empty()) continue;
    size_t eq = part.find('=');
    if (eq == std::string_view::npos) continue;
    std::string_view key = Trim(part.substr(0, eq));
    std::string_view val = Trim(part.substr(eq + 1));
    if (key == "Credential") credential = val;
    else if (key == "SignedHeaders") signed_headers_str = val;
    else if (key == "Signature") signature = val;
  }
  if (!credential || !signed_headers_str || !signature)
    return Err(ErrorCode::AuthorizationHeaderMalformed,
               malformed +
                   "the authorization header requires three components: Credential, SignedHeaders, and Signature.");
  auto scope = ParseCredential(*credential);
  if (!scope)
    return Err(ErrorCode::AuthorizationHeaderMalformed,
               malformed + "the Credential is mal-formed; expecting \"<YOUR-AKID>/YYYYMMDD/REGION/SERVICE/aws4_request\".");
  if (auto e = CheckScope(*scope, o, ErrorCode::AuthorizationHeaderMalformed, malformed)) return *e;

  std::vector<std::string> signed_headers = SplitSignedHeaders(*signed_headers_str);
  if (!ContainsHost(signed_headers))
    return Err(ErrorCode::AccessDenied, "There were headers present in the request which were not signed",
               XmlElem("HeadersNotSigned", "host"));

  // Date: x-amz-date, else Date.
  std::string amz_date;
  int64_t t = 0;
  std::string request_time;
  if (auto xd = FindHeader(headers, "x-amz-date")) {
    auto parsed = ParseAmzDate(Trim(*xd));
    if (!parsed) return MissingDate();
    t = *parsed;
    amz_date = std::string(Trim(*xd));
    request_time = amz_date;
  } else if (auto d = FindHeader(headers, "date")) {
    auto parsed = ParseHttpDate(*d);
    if (!parsed) return MissingDate();
    t = *parsed;
    amz_date = IsoBasic(t);
    request_time = std::string(Trim(*d));
  } else {
    return MissingDate();
  }
  if (scope->date != amz_date.substr(0, 8))
    return Err(ErrorCode::AuthorizationHeaderMalformed,
               malformed + "Invalid credential date. Date is not the same as X-Amz-Date.");

  AuthContext ctx;
  auto content_sha = FindHeader(headers, "x-amz-content-sha256");
  if (!content_sha)
    return Err(ErrorCode::InvalidRequest, "Missing required header for this request: x-amz-content-sha256");
  if (auto e = ApplyContentSha256(*content_sha, ctx)) return *e;

  int64_t now = NowSeconds(o);
  if (std::llabs(now - t) > o.max_skew.count()) return TooSkewed(request_time, now, o.max_skew);

  auto cred = lookup ? lookup(scope->access_key) : std::nullopt;
  if (!cred) return UnknownKey(scope->access_key);

  std::string scope_str = scope->str();
  std::string signing_key = KeyCache().Get(cred->secret_key, scope->date, scope->region, scope->service);
  std::string cq = CanonicalQuery(req.raw_query, false);
  std::string provided = Lower(*signature);
  V4Attempt attempt;
  if (!VerifyV4(req, headers, cq, signed_headers, Trim(*content_sha), amz_date, scope_str, signing_key, provided,
                attempt))
    return SignatureMismatch(scope->access_key, attempt.string_to_sign, *signature, attempt.canonical_request);
  if (auto e = UnsignedAmzHeaders(headers, signed_headers)) return *e;

  RecordVerifiedV4(ctx, *cred, *scope, std::move(signing_key), std::move(provided), std::move(amz_date),
                   std::move(scope_str));
  ctx.session_token = SessionTokenFromHeaders(headers);
  return ctx;
}

// ---------------------------------------------------------------- SigV4, presigned query

std::variant<AuthContext, S3Error> VerifyV4Query(const RequestParts& req, const HeaderList& headers,
                                                 const std::vector<QueryParam>& params, const CredentialLookup& lookup,
                                                 const VerifyOptions& o) {
  const auto* algorithm = FindParam(params, "X-Amz-Algorithm");
  const auto* credential = FindParam(params, "X-Amz-Credential");
  const auto* signature = FindParam(params, "X-Amz-Signature");
  const auto* date = FindParam(params, "X-Amz-Date");
  const auto* signed_headers_p = FindParam(params, "X-Amz-SignedHeaders");
  const auto* expires = FindParam(params, "X-Amz-Expires");
  if (!algorithm || !credential || !signature || !date || !signed_headers_p || !expires)
    return Err(ErrorCode::AuthorizationQueryParametersError, {});
  if (algorithm->value != kAlgorithm)
    return Err(ErrorCode::AuthorizationQueryParametersError, "X-Amz-Algorithm only supports \"AWS4-HMAC-SHA256\"");
  const std::string cred_prefix = "Error parsing the X-Amz-Credential parameter; ";
  auto scope = ParseCredential(credential->value);
  if (!scope)
    return Err(ErrorCode::AuthorizationQueryParametersError,
               cred_prefix + "the Credential is mal-formed; expecting \"<YOUR-AKID>/YYYYMMDD/REGION/SERVICE/aws4_request\".");
  if (auto e = CheckScope(*scope, o, ErrorCode::AuthorizationQueryParametersError, cred_prefix)) return *e;
  auto t = ParseAmzDate(date->value);
  if (!t)
    return Err(ErrorCode::AuthorizationQueryParametersError,
               "X-Amz-Date must be in the ISO8601 Long Format \"yyyyMMdd'T'HHmmss'Z'\"");
  if (scope->date != date->value.substr(0, 8))
    return Err(ErrorCode::AuthorizationQueryParametersError,
               "Invalid credential date \"" + scope->date + "\". This date is not the same as X-Amz-Date: \"" +
                   date->value.substr(0, 8) + "\".");
  std::string_view exp = Trim(expires->value);
  bool negative = !exp.empty() && exp.front() == '-';
  if (!AllDigits(negative ? exp.substr(1) : exp))
    return Err(ErrorCode::AuthorizationQueryParametersError, "X-Amz-Expires should be a number");
  if (negative) return Err(ErrorCode::AuthorizationQueryParametersError, "X-Amz-Expires must be non-negative");
  int64_t expires_s = exp.size() > 12 ? kMaxPresignExpires + 1 : std::stoll(std::string(exp));
  if (expires_s > kMaxPresignExpires)
    return Err(ErrorCode::AuthorizationQueryParametersError,
               "X-Amz-Expires must be less than a week (in seconds); that is, the given X-Amz-Expires must be less "
               "than 604800 seconds");
  std::vector<std::string> signed_headers = SplitSignedHeaders(signed_headers_p->value);
  if (!ContainsHost(signed_headers))
    return Err(ErrorCode::AccessDenied, "There were headers present in the request which were not signed",
               XmlElem("HeadersNotSigned", "host"));

  int64_t now = NowSeconds(o);
  if (*t > now + o.max_skew.count())  // AWS answers this way, X-Amz-Date echoed in epoch milliseconds
    return Err(ErrorCode::AccessDenied, "Request is not yet valid",
               XmlElem("X-Amz-Date", std::to_string(*t * 1000)) + XmlElem("Expires", IsoExtended(*t + expires_s)) +
                   XmlElem("ServerTime", IsoExtended(now)));
  if (now > *t + expires_s)
    return Err(ErrorCode::AccessDenied, "Request has expired",
               XmlElem("X-Amz-Expires", std::to_string(expires_s)) + XmlElem("Expires", IsoExtended(*t + expires_s)) +
                   XmlElem("ServerTime", IsoExtended(now)));

  auto cred = lookup ? lookup(scope->access_key) : std::nullopt;
  if (!cred) return UnknownKey(scope->access_key);

  AuthContext ctx;
  ctx.presigned = true;
  std::string payload_hash(kUnsignedPayload);
  if (const auto* ch = FindParam(params, "X-Amz-Content-Sha256")) {
    payload_hash = ch->value;
    if (IsHex64(payload_hash)) {
      ctx.payload_mode = PayloadMode::SignedHash;
      ctx.payload_sha256_hex = Lower(payload_hash);
    }
  }

  std::string scope_str = scope->str();
  std::string signing_key = KeyCache().Get(cred->secret_key, scope->date, scope->region, scope->service);
  std::string cq = CanonicalQuery(req.raw_query, true);
  std::string provided = Lower(signature->value);
  V4Attempt attempt;
  if (!VerifyV4(req, headers, cq, signed_headers, payload_hash, date->value, scope_str, signing_key, provided, attempt))
    return SignatureMismatch(scope->access_key, attempt.string_to_sign, signature->value, attempt.canonical_request);
  if (auto e = UnsignedAmzHeaders(headers, signed_headers)) return *e;

  RecordVerifiedV4(ctx, *cred, *scope, std::move(signing_key), std::move(provided), date->value, std::move(scope_str));
  if (const auto* tok = FindParam(params, "X-Amz-S3session-Token")) ctx.session_token = tok->value;
  else if (const auto* tok2 = FindParam(params, "X-Amz-Security-Token")) ctx.session_token = tok2->value;
  else ctx.session_token = SessionTokenFromHeaders(headers);
  return ctx;
}

// ---------------------------------------------------------------- SigV2

// Sub-resources that are part of the SigV2 canonical resource (botocore HmacV1Auth list plus a few).
bool IsV2SubResource(std::string_view name) {
  static constexpr std::string_view kNames[] = {
      "accelerate",       "acl",
      "analytics",        "cors",
      "defaultObjectAcl", "delete",
      "encryption",       "intelligent-tiering",
      "inventory",        "legal-hold",
      "lifecycle",        "location",
      "logging",          "metrics",
      "notification",     "object-lock",
      "ownershipControls", "partNumber",
      "policy",           "policyStatus",
      "publicAccessBlock", "replication",
      "requestPayment",   "response-cache-control",
      "response-content-disposition", "response-content-encoding",
      "response-content-language", "response-content-type",
      "response-expires", "restore",
      "retention",        "select",
      "select-type",      "storageClass",
      "tagging",          "torrent",
      "uploadId",         "uploads",
      "versionId",        "versioning",
      "versions",         "website",
  };
  for (auto n : kNames)
    if (n == name) return true;
  return false;
}

std::string V2CanonicalResource(std::string_view path, const std::vector<QueryParam>& params) {
  std::string out(path.empty() ? std::string_view("/") : path);
  std::vector<const QueryParam*> sub;
  for (const auto& p : params)
    if (IsV2SubResource(p.name)) sub.push_back(&p);
  std::stable_sort(sub.begin(), sub.end(), [](const QueryParam* a, const QueryParam* b) { return a->name < b->name; });
  for (size_t i = 0; i < sub.size(); ++i) {
    out += i == 0 ? '?' : '&';
    out += sub[i]->name;
    if (sub[i]->has_equals) {
      out += '=';
      out += sub[i]->value;
    }
  }
  return out;
}

// x-amz-* headers (and, for the query form, x-amz-* query parameters), sorted, "name:value\n".
std::string V2AmzHeaders(const HeaderList& headers, const std::vector<QueryParam>* query_params) {
  std::vector<std::pair<std::string, std::string>> amz;
  auto add = [&](std::string name, std::string_view value) {
    for (auto& [n, v] : amz) {
      if (n == name) {
        v += ',';
        AppendFolded(v, value);
        return;
      }
    }
    std::string folded;
    AppendFolded(folded, value);
    amz.emplace_back(std::move(name), std::move(folded));
  };
  for (const auto& [k, v] : headers) {
    std::string lk = Lower(k);
    if (StartsWith(lk, "x-amz-")) add(std::move(lk), v);
  }
  if (query_params) {
    for (const auto& p : *query_params) {
      std::string lk = Lower(p.name);
      if (StartsWith(lk, "x-amz-")) add(std::move(lk), p.value);
    }
  }
  std::sort(amz.begin(), amz.end());
  std::string out;
  for (const auto& [n, v] : amz) out += n + ":" + v + "\n";
  return out;
}

std::string V2StringToSign(const RequestParts& req, const HeaderList& headers, const std::vector<QueryParam>& params,
                           std::string_view date_line, bool query_form, std::string_view path) {
  auto header_or_query = [&](std::string_view name) -> std::string {
    if (auto h = FindHeader(headers, name)) return std::string(Trim(*h));
    if (query_form) {
      for (const auto& p : params)
        if (IEquals(p.name, name)) return p.value;
    }
    return {};
  };
  std::string sts = req.method + "\n";
  sts += header_or_query("content-md5") + "\n";
  sts += header_or_query("content-type") + "\n";
  sts += std::string(date_line) + "\n";
  sts += V2AmzHeaders(headers, query_form ? &params : nullptr);
  sts += V2CanonicalResource(path, params);
  return sts;
}

std::string HmacSha1Base64(std::string_view key, std::string_view data) {
  unsigned char out[EVP_MAX_MD_SIZE];
  unsigned int n = 0;
  HMAC(EVP_sha1(), key.data(), static_cast<int>(key.size()), reinterpret_cast<const unsigned char*>(data.data()),
       data.size(), out, &n);
  return Base64Encode(std::string_view(reinterpret_cast<char*>(out), n));
}

// Tries the path as sent, then with the virtual-host bucket prepended.
std::optional<std::string> V2Verify(const RequestParts& req, const HeaderList& headers,
                                    const std::vector<QueryParam>& params, std::string_view date_line, bool query_form,
                                    std::string_view secret, std::string_view provided) {
  std::string path = req.raw_path.empty() ? std::string("/") : req.raw_path;
  std::string first = V2StringToSign(req, headers, params, date_line, query_form, path);
  if (ConstantTimeEqual(HmacSha1Base64(secret, first), provided)) return std::nullopt;
  if (auto host = FindHeader(headers, "host")) {
    std::string_view h = Trim(*host);
    size_t dot = h.find('.');
    if (dot != std::string_view::npos && dot > 0) {
      std::string vpath = "/" + std::string(h.substr(0, dot)) + path;
      std::string sts = V2StringToSign(req, headers, params, date_line, query_form, vpath);
      if (ConstantTimeEqual(HmacSha1Base64(secret, sts), provided)) return std::nullopt;
    }
  }
  return first;
}

S3Error V2Mismatch(std::string_view access_key, std::string_view sts, std::string_view provided) {
  return Err(ErrorCode::SignatureDoesNotMatch, {},
             XmlElem("AWSAccessKeyId", access_key) + XmlElem("StringToSign", sts) +
                 XmlElem("SignatureProvided", provided) + XmlElem("StringToSignBytes", SpacedHex(sts)));
}

std::variant<AuthContext, S3Error> VerifyV2Header(const RequestParts& req, const HeaderList& headers,
                                                  std::string_view auth, const std::vector<QueryParam>& params,
                                                  const CredentialLookup& lookup, const VerifyOptions& o) {
  std::string_view rest = Trim(auth.substr(4));
  size_t colon = rest.rfind(':');
  if (colon == std::string_view::npos || colon == 0 || colon + 1 == rest.size())
    return Err(ErrorCode::InvalidArgument, "AWS authorization header is invalid.  Expected AwsAccessKeyId:signature",
               XmlElem("ArgumentName", "Authorization") + XmlElem("ArgumentValue", auth));
  std::string access_key(rest.substr(0, colon));
  std::string provided(rest.substr(colon + 1));

  int64_t t = 0;
  std::string date_line;
  std::string request_time;
  if (auto xd = FindHeader(headers, "x-amz-date")) {
    auto parsed = ParseHttpDate(*xd);
    if (!parsed) return MissingDate();
    t = *parsed;
    request_time = std::string(Trim(*xd));
    date_line = "";  // x-amz-date is signed among the amz headers instead
  } else if (auto d = FindHeader(headers, "date")) {
    auto parsed = ParseHttpDate(*d);
    if (!parsed) return MissingDate();
    t = *parsed;
    request_time = std::string(Trim(*d));
    date_line = request_time;
  } else {
    return MissingDate();
  }
  int64_t now = NowSeconds(o);
  if (std::llabs(now - t) > o.max_skew.count()) return TooSkewed(request_time, now, o.max_skew);

  auto cred = lookup ? lookup(access_key) : std::nullopt;
  if (!cred) return UnknownKey(access_key);
  if (auto sts = V2Verify(req, headers, params, date_line, false, cred->secret_key, provided))
    return V2Mismatch(access_key, *sts, provided);

  AuthContext ctx;
  ctx.user = cred->user;
  ctx.access_key = access_key;
  ctx.service = "s3";
  ctx.payload_mode = PayloadMode::Unsigned;
  ctx.session_token = SessionTokenFromHeaders(headers);
  return ctx;
}

std::variant<AuthContext, S3Error> VerifyV2Query(const RequestParts& req, const HeaderList& headers,
                                                 const std::vector<QueryParam>& params, const CredentialLookup& lookup,
                                                 const VerifyOptions& o) {
  const auto* ak = FindParam(params, "AWSAccessKeyId");
  const auto* sig = FindParam(params, "Signature");
  const auto* expires = FindParam(params, "Expires");
  if (!ak || !sig || !expires || !AllDigits(expires->value) || expires->value.size() > 15)
    return Err(ErrorCode::AccessDenied,
               "Query-string authentication requires the Signature, Expires and AWSAccessKeyId parameters");
  int64_t exp = std::stoll(expires->value);
  int64_t now = NowSeconds(o);
  if (now > exp)
    return Err(ErrorCode::AccessDenied, "Request has expired",
               XmlElem("Expires", IsoExtended(exp)) + XmlElem("ServerTime", IsoExtended(now)));
  auto cred = lookup ? lookup(ak->value) : std::nullopt;
  if (!cred) return UnknownKey(ak->value);
  if (auto sts = V2Verify(req, headers, params, expires->value, true, cred->secret_key, sig->value))
    return V2Mismatch(ak->value, *sts, sig->value);

  AuthContext ctx;
  ctx.presigned = true;
  ctx.user = cred->user;
  ctx.access_key = ak->value;
  ctx.service = "s3";
  ctx.payload_mode = PayloadMode::Unsigned;
  if (const auto* tok = FindParam(params, "x-amz-security-token")) ctx.session_token = tok->value;
  else ctx.session_token = SessionTokenFromHeaders(headers);
  return ctx;
}

}  // namespace

// ---------------------------------------------------------------- public building blocks

std::string DeriveSigningKey(std::string_view secret, std::string_view date, std::string_view region,
                             std::string_view service) {
  std::string k_secret = "AWS4" + std::string(secret);
  std::string k_date = HmacSha256(k_secret, date);
  std::string k_region = HmacSha256(k_date, region);
  std::string k_service = HmacSha256(k_region, service);
  OPENSSL_cleanse(k_secret.data(), k_secret.size());
  return HmacSha256(k_service, "aws4_request");
}

std::string UriEncode(std::string_view s, bool encode_slash) {
  static constexpr char kHex[] = "0123456789ABCDEF";
  std::string out;
  out.reserve(s.size() * 3 / 2);
  for (char ch : s) {
    auto c = static_cast<unsigned char>(ch);
    if ((c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-' || c == '_' ||
        c == '.' || c == '~' || (c == '/' && !encode_slash)) {
      out += static_cast<char>(c);
    } else {
      out += '%';
      out += kHex[c >> 4];
      out += kHex[c & 0xf];
    }
  }
  return out;
}

std::string UriDecode(std::string_view s) { return Decode(s, false); }

std::string CanonicalQuery(std::string_view raw_query, bool exclude_signature) {
  std::vector<std::pair<std::string, std::string>> items;
  for (auto& p : ParseQuery(raw_query)) {
    if (exclude_signature && p.name == "X-Amz-Signature") continue;
    items.emplace_back(UriEncode(p.name, true), UriEncode(p.value, true));
  }
  std::sort(items.begin(), items.end());
  std::string out;
  for (size_t i = 0; i < items.size(); ++i) {
    if (i) out += '&';
    out += items[i].first;
    out += '=';
    out += items[i].second;
  }
  return out;
}

std::string CanonicalRequest(std::string_view method, std::string_view raw_path, std::string_view canonical_query,
                             const HeaderList& headers, const std::vector<std::string>& signed_headers,
                             std::string_view payload_hash) {
  std::string out;
  out.reserve(256);
  out.append(method).append("\n");
  out.append(raw_path.empty() ? std::string_view("/") : raw_path).append("\n");
  out.append(canonical_query).append("\n");
  for (const auto& h : signed_headers) {
    out.append(h).append(":");
    out.append(CanonicalHeaderValue(headers, h)).append("\n");
  }
  out.append("\n");
  for (size_t i = 0; i < signed_headers.size(); ++i) {
    if (i) out += ';';
    out += signed_headers[i];
  }
  out.append("\n");
  out.append(payload_hash);
  return out;
}

std::string StringToSign(std::string_view amz_date, std::string_view scope, std::string_view canonical_request) {
  std::string out(kAlgorithm);
  out.append("\n").append(amz_date).append("\n").append(scope).append("\n").append(Sha256Hex(canonical_request));
  return out;
}

std::string SignRequest(const RequestParts& request, std::string_view access_key, std::string_view secret,
                        std::string_view region, std::string_view service, std::string_view payload_hash,
                        const std::vector<std::string>& signed_headers) {
  static const HeaderList kEmpty;
  const HeaderList& headers = request.headers ? *request.headers : kEmpty;
  std::string amz_date;
  if (auto d = FindHeader(headers, "x-amz-date")) amz_date = std::string(Trim(*d));
  std::string date = amz_date.substr(0, 8);
  std::string scope = date + "/" + std::string(region) + "/" + std::string(service) + "/aws4_request";
  std::string cr = CanonicalRequest(request.method, request.raw_path, CanonicalQuery(request.raw_query, false), headers,
                                    signed_headers, payload_hash);
  std::string key = DeriveSigningKey(secret, date, region, service);
  std::string sig = HexEncode(HmacSha256(key, StringToSign(amz_date, scope, cr)));
  std::string sh;
  for (size_t i = 0; i < signed_headers.size(); ++i) {
    if (i) sh += ';';
    sh += signed_headers[i];
  }
  return std::string(kAlgorithm) + " Credential=" + std::string(access_key) + "/" + scope + ", SignedHeaders=" + sh +
         ", Signature=" + sig;
}

std::variant<AuthContext, S3Error> VerifyRequest(const RequestParts& request, const CredentialLookup& lookup,
                                                 const VerifyOptions& options) {
  static const HeaderList kEmpty;
  const HeaderList& headers = request.headers ? *request.headers : kEmpty;
  auto auth = FindHeader(headers, "authorization");
  std::vector<QueryParam> params = ParseQuery(request.raw_query);
  bool v4_query = FindParam(params, "X-Amz-Algorithm") || FindParam(params, "X-Amz-Signature") ||
                  FindParam(params, "X-Amz-Credential");
  bool v2_query = FindParam(params, "Signature") || FindParam(params, "AWSAccessKeyId");

  int mechanisms = (auth ? 1 : 0) + (v4_query ? 1 : 0) + (v2_query ? 1 : 0);
  if (mechanisms == 0) {
    AuthContext anon;
    anon.anonymous = true;
    return anon;
  }
  if (mechanisms > 1)
    return Err(ErrorCode::InvalidArgument,
               "Only one auth mechanism allowed; only the X-Amz-Algorithm query parameter, Signature query string "
               "parameter or the Authorization header should be specified",
               XmlElem("ArgumentName", "Authorization") + XmlElem("ArgumentValue", auth ? *auth : ""));
  if (v4_query) return VerifyV4Query(request, headers, params, lookup, options);
  if (v2_query) return VerifyV2Query(request, headers, params, lookup, options);

  std::string_view a = Trim(*auth);
  if (StartsWith(a, kAlgorithm) && (a.size() == kAlgorithm.size() || a[kAlgorithm.size()] == ' '))
    return VerifyV4Header(request, headers, a, lookup, options);
  if (StartsWith(a, "AWS ")) return VerifyV2Header(request, headers, a, params, lookup, options);
  return Err(ErrorCode::InvalidArgument, "Unsupported Authorization Type",
             XmlElem("ArgumentName", "Authorization") + XmlElem("ArgumentValue", a));
}

}  // namespace xs3::auth
