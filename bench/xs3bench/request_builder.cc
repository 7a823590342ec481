#include "bench/xs3bench/request_builder.h"

#include <utility>
#include <vector>

#include "auth/checksum.h"
#include "auth/sigv4.h"

namespace xs3::bench {

RequestBuilder::RequestBuilder(std::string host, std::string region, std::string service, Credentials credentials,
                               bool signed_requests)
    : host_(std::move(host)),
      region_(std::move(region)),
      service_(std::move(service)),
      credentials_(std::move(credentials)),
      signed_(signed_requests) {}

void RequestBuilder::SetCredentials(Credentials credentials) {
  credentials_ = std::move(credentials);
  key_day_.clear();
}

void RequestBuilder::RefreshDate() {
  std::time_t now = std::time(nullptr);
  if (now == date_second_) return;
  date_second_ = now;
  std::tm tm{};
  gmtime_r(&now, &tm);
  char buf[20];
  std::strftime(buf, sizeof buf, "%Y%m%dT%H%M%SZ", &tm);
  amz_date_ = buf;
  std::string day = amz_date_.substr(0, 8);
  if (day != key_day_) {
    key_day_ = day;
    signing_key_ = auth::DeriveSigningKey(credentials_.secret_key, day, region_, service_);
    scope_ = day + "/" + region_ + "/" + service_ + "/aws4_request";
  }
}

void RequestBuilder::Build(const RequestSpec& spec, std::string* out) {
  std::string& o = *out;
  o.clear();
  o.append(spec.method).append(" ").append(spec.path);
  if (!spec.query.empty()) o.append("?").append(spec.query);
  o.append(" HTTP/1.1\r\nHost: ").append(host_).append("\r\n");
  if (spec.content_length >= 0) o.append("Content-Length: ").append(std::to_string(spec.content_length)).append("\r\n");
  o.append(spec.extra_headers);
  if (!signed_) {
    o.append("\r\n");
    return;
  }
  if (key_day_.empty()) date_second_ = 0;  // credentials changed: derive the key again
  RefreshDate();
  const bool session = !credentials_.session_token.empty();
  auth::HeaderList headers = {{"host", host_},
                              {"x-amz-content-sha256", std::string(spec.payload_hash)},
                              {"x-amz-date", amz_date_}};
  static const std::vector<std::string> kSigned = {"host", "x-amz-content-sha256", "x-amz-date"};
  static const std::vector<std::string> kSignedSession = {"host", "x-amz-content-sha256", "x-amz-date",
                                                          "x-amz-s3session-token"};
  if (session) headers.emplace_back("x-amz-s3session-token", credentials_.session_token);
  const auto& signed_headers = session ? kSignedSession : kSigned;
  std::string canonical = auth::CanonicalRequest(spec.method, spec.path, auth::CanonicalQuery(spec.query, false),
                                                 headers, signed_headers, spec.payload_hash);
  std::string signature =
      auth::HexEncode(auth::HmacSha256(signing_key_, auth::StringToSign(amz_date_, scope_, canonical)));
  o.append("x-amz-content-sha256: ").append(spec.payload_hash).append("\r\n");
  o.append("x-amz-date: ").append(amz_date_).append("\r\n");
  if (session) o.append("x-amz-s3session-token: ").append(credentials_.session_token).append("\r\n");
  o.append("Authorization: AWS4-HMAC-SHA256 Credential=").append(credentials_.access_key).append("/").append(scope_);
  o.append(session ? ", SignedHeaders=host;x-amz-content-sha256;x-amz-date;x-amz-s3session-token, Signature="
                   : ", SignedHeaders=host;x-amz-content-sha256;x-amz-date, Signature=");
  o.append(signature).append("\r\n\r\n");
}

}  // namespace xs3::bench
