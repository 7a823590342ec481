#pragma once
// A SigV4-signing HTTP client for one xs3 endpoint: what the `xs3` CLI speaks to the admin API
// (/_xs3/...) and to the S3 API (bucket policies). Plain HTTP only: the CLI talks to a server
// it runs beside, as `docker exec` or on the same host.
#include <string>
#include <utility>
#include <vector>

namespace xs3::tools {

struct Endpoint {
  std::string host = "127.0.0.1";
  std::string port = "9000";
  std::string access_key;
  std::string secret_key;
  std::string region = "us-east-1";
};

struct HttpAnswer {
  int status = 0;  // 0: no answer (connection failed; see body)
  std::string body;
};

// Parses "http://host:port" into endpoint's host and port; false for anything else.
bool ParseEndpointUrl(const std::string& url, Endpoint* endpoint);

// `path` and `query` are already percent-encoded as they go on the request line.
HttpAnswer Call(const Endpoint& endpoint, const std::string& method, const std::string& path,
                const std::string& query = {}, const std::string& body = {});

// Percent-encodes a query value or path segment (RFC 3986 unreserved characters kept).
std::string Encode(const std::string& s);

}  // namespace xs3::tools
