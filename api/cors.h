#pragma once
// A bucket's CORS configuration: the <CORSConfiguration> document (parsed, validated, written
// back) and the rule matching S3 does for preflight (OPTIONS) and actual cross-origin requests.
#include <optional>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

#include "api/response.h"
#include "common/s3_error.h"

namespace xs3::api {

struct CorsRule {
  std::string id;
  std::vector<std::string> allowed_headers;
  std::vector<std::string> allowed_methods;  // GET, PUT, HEAD, POST, DELETE
  std::vector<std::string> allowed_origins;
  std::vector<std::string> expose_headers;
  std::optional<int64_t> max_age_seconds;
};

struct CorsConfiguration {
  std::vector<CorsRule> rules;
};

// The document a PutBucketCors carries. Empty: MissingRequestBodyError; not the schema (no rule,
// a rule without AllowedMethod or AllowedOrigin, unknown elements): MalformedXML; a method S3
// does not allow or a second wildcard: InvalidRequest.
std::variant<CorsConfiguration, S3Error> ParseCorsConfiguration(std::string_view body);

// The GetBucketCors document; also the form the configuration is stored in.
std::string CorsConfigurationXml(const CorsConfiguration& config);

// The first rule allowing `origin` to send `method` with `request_headers` (lower case), or
// nullptr. Actual requests pass no headers: S3 checks them only in preflights.
const CorsRule* MatchCorsRule(const CorsConfiguration& config, std::string_view origin, std::string_view method,
                              const std::vector<std::string>& request_headers);

// Access-Control-* headers for a matched rule. `allow_headers`: the preflight's requested headers.
void AddCorsHeaders(Response& response, const CorsRule& rule, std::string_view origin,
                    const std::vector<std::string>* allow_headers);

}  // namespace xs3::api
