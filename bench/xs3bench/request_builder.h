#pragma once
// Builds HTTP/1.1 request heads the way an SDK sends them: SigV4 header auth with the payload
// hash in x-amz-content-sha256, for service s3 with long-term keys or for s3express with a
// CreateSession session (x-amz-s3session-token). The signing key is derived once per
// (secret, day) and reused, as the SDKs do; a request costs one canonical request hash and
// one HMAC. Unsigned mode (nginx reference) writes a bare GET.
#include <cstdint>
#include <ctime>
#include <string>
#include <string_view>

namespace xs3::bench {

struct Credentials {
  std::string access_key;
  std::string secret_key;
  std::string session_token;  // set for S3 Express sessions
};

inline constexpr std::string_view kUnsignedPayload = "UNSIGNED-PAYLOAD";
inline constexpr std::string_view kEmptySha256 = "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855";

struct RequestSpec {
  std::string_view method;
  std::string_view path;   // percent-encoded, starts with '/'
  std::string_view query;  // raw, no '?'; parameters in canonical (sorted) order
  std::string_view payload_hash = kEmptySha256;
  int64_t content_length = -1;  // -1: no body, no header
  std::string_view extra_headers;  // unsigned "Name: value\r\n" lines (e.g. Range)
};

class RequestBuilder {
 public:
  // signed_requests false: plain unsigned requests (the nginx reference).
  RequestBuilder(std::string host, std::string region, std::string service, Credentials credentials,
                 bool signed_requests);

  void SetCredentials(Credentials credentials);
  const Credentials& credentials() const { return credentials_; }

  // Replaces *out with the complete request head (request line, headers, blank line).
  void Build(const RequestSpec& spec, std::string* out);

 private:
  void RefreshDate();

  std::string host_;
  std::string region_;
  std::string service_;
  Credentials credentials_;
  bool signed_;
  std::time_t date_second_ = 0;
  std::string amz_date_;    // YYYYMMDDTHHMMSSZ for date_second_
  std::string key_day_;     // YYYYMMDD the cached signing key is for
  std::string signing_key_;
  std::string scope_;
};

}  // namespace xs3::bench
