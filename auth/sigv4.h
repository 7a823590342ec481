#pragma once
// AWS Signature Version 4 (and the SigV2 query form old boto3 still presigns with) for S3:
// parsing the Authorization header or presigned query, rebuilding the canonical request exactly
// as the client signed it, and comparing signatures in constant time.
//
// S3 rules that differ from other services: the canonical URI is the path exactly as sent (no
// normalisation, no double encoding, "//" kept); x-amz-content-sha256 is the payload hash.
#include <chrono>
#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <variant>
#include <vector>

#include "common/s3_error.h"

namespace xs3::auth {

// Header names lower-case, values as received (the verifier trims and folds spaces itself).
using HeaderList = std::vector<std::pair<std::string, std::string>>;

struct RequestParts {
  std::string method;     // "GET"
  std::string raw_path;   // as sent on the request line, percent-encoded, without '?'
  std::string raw_query;  // as sent, without the leading '?', may be empty
  const HeaderList* headers = nullptr;
};

struct Credential {
  std::string access_key;
  std::string secret_key;
  std::string user;  // the principal the key belongs to
};
using CredentialLookup = std::function<std::optional<Credential>(std::string_view access_key)>;

enum class PayloadMode {
  SignedHash,                // x-amz-content-sha256 is a hex SHA-256 the body must match
  Unsigned,                  // UNSIGNED-PAYLOAD (and presigned URLs, and SigV2)
  StreamingSigned,           // STREAMING-AWS4-HMAC-SHA256-PAYLOAD
  StreamingSignedTrailer,    // STREAMING-AWS4-HMAC-SHA256-PAYLOAD-TRAILER
  StreamingUnsignedTrailer,  // STREAMING-UNSIGNED-PAYLOAD-TRAILER
};

struct VerifyOptions {
  std::string region = "us-east-1";
  std::chrono::system_clock::time_point now = std::chrono::system_clock::now();
  std::chrono::seconds max_skew{15 * 60};
};

// What a verified request proved, and what the body decoder needs to go on verifying.
struct AuthContext {
  bool anonymous = false;  // no credentials at all were presented
  bool presigned = false;
  std::string user;
  std::string access_key;
  std::string service;  // "s3" or "s3express" from the credential scope
  PayloadMode payload_mode = PayloadMode::Unsigned;
  std::string payload_sha256_hex;  // SignedHash: lower-case hex the body must hash to
  // Streaming signed modes: the chain of chunk signatures starts from these.
  std::string signing_key;     // raw bytes
  std::string seed_signature;  // hex signature of the request itself
  std::string amz_date;        // YYYYMMDDTHHMMSSZ
  std::string scope;           // YYYYMMDD/region/service/aws4_request
  // x-amz-s3session-token / x-amz-security-token (header or presigned query), empty if none.
  // Not verified here: the caller checks it against the session that issued access_key.
  std::string session_token;
};

// Verifies the request's signature (header or query form). A request with neither an
// Authorization header nor X-Amz-Signature/Signature query parameters comes back anonymous.
// Errors follow AWS: SignatureDoesNotMatch 403 (extra_xml: AWSAccessKeyId, StringToSign,
// SignatureProvided, StringToSignBytes, CanonicalRequest[Bytes]), InvalidAccessKeyId 403,
// AuthorizationHeaderMalformed 400 (wrong region adds <Region>), AuthorizationQueryParametersError
// 400, RequestTimeTooSkewed 403, AccessDenied 403 (expired / not yet valid presign, missing date,
// host unsigned), InvalidRequest 400 (missing x-amz-content-sha256), InvalidArgument 400 (bad
// x-amz-content-sha256, unsupported Authorization type, two auth mechanisms), NotImplemented 501
// (ECDSA streaming payloads). If the signature over the raw path fails, the path re-encoded the
// canonical way (decode, then UriEncode keeping '/') is tried once before giving up.
std::variant<AuthContext, S3Error> VerifyRequest(const RequestParts& request, const CredentialLookup& lookup,
                                                 const VerifyOptions& options = {});

// Building blocks, exposed for tests and for signing our own test requests.
std::string DeriveSigningKey(std::string_view secret, std::string_view date, std::string_view region,
                             std::string_view service);
// Percent-encodes per SigV4 (unreserved A-Za-z0-9-_.~ kept; '/' kept when encode_slash is false).
std::string UriEncode(std::string_view s, bool encode_slash);
std::string UriDecode(std::string_view s);
// The canonical query string of a raw query (X-Amz-Signature excluded when exclude_signature).
std::string CanonicalQuery(std::string_view raw_query, bool exclude_signature);
std::string CanonicalRequest(std::string_view method, std::string_view raw_path, std::string_view canonical_query,
                             const HeaderList& headers, const std::vector<std::string>& signed_headers,
                             std::string_view payload_hash);
std::string StringToSign(std::string_view amz_date, std::string_view scope, std::string_view canonical_request);

// Signs a request the way an SDK would (header form); used by unit tests and bench tools.
// Returns the Authorization header value. `headers` must already hold host and x-amz-date.
std::string SignRequest(const RequestParts& request, std::string_view access_key, std::string_view secret,
                        std::string_view region, std::string_view service, std::string_view payload_hash,
                        const std::vector<std::string>& signed_headers);

}  // namespace xs3::auth
