#include "tools/xs3/admin_client.h"

#include <boost/asio/connect.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <chrono>
#include <ctime>

#include "auth/checksum.h"
#include "auth/sigv4.h"

namespace xs3::tools {
namespace http = boost::beast::http;

bool ParseEndpointUrl(const std::string& url, Endpoint* endpoint) {
  const std::string scheme = "http://";
  if (url.rfind(scheme, 0) != 0) return false;
  std::string rest = url.substr(scheme.size());
  while (!rest.empty() && rest.back() == '/') rest.pop_back();
  auto colon = rest.rfind(':');
  if (rest.empty() || rest.find('/') != std::string::npos) return false;
  if (colon == std::string::npos) {
    endpoint->host = rest;
    endpoint->port = "80";
  } else {
    endpoint->host = rest.substr(0, colon);
    endpoint->port = rest.substr(colon + 1);
  }
  return !endpoint->host.empty() && !endpoint->port.empty();
}

std::string Encode(const std::string& s) { return auth::UriEncode(s, /*encode_slash=*/true); }

HttpAnswer Call(const Endpoint& endpoint, const std::string& method, const std::string& path,
                const std::string& query, const std::string& body) {
  char date[17];
  std::time_t now = std::time(nullptr);
  std::tm tm{};
  gmtime_r(&now, &tm);
  std::strftime(date, sizeof date, "%Y%m%dT%H%M%SZ", &tm);
  std::string payload_hash = auth::Sha256Hex(body);
  std::string host = endpoint.host + ":" + endpoint.port;
  auth::HeaderList headers = {{"host", host}, {"x-amz-content-sha256", payload_hash}, {"x-amz-date", date}};
  auth::RequestParts parts{method, path, query, &headers};
  std::string authorization = auth::SignRequest(parts, endpoint.access_key, endpoint.secret_key, endpoint.region, "s3",
                                                payload_hash, {"host", "x-amz-content-sha256", "x-amz-date"});
  HttpAnswer answer;
  try {
    boost::asio::io_context io;
    boost::asio::ip::tcp::resolver resolver(io);
    boost::beast::tcp_stream stream(io);
    stream.expires_after(std::chrono::minutes(10));  // an import page of 1,000 large objects is quick; a hung server is not
    stream.connect(resolver.resolve(endpoint.host, endpoint.port));
    http::request<http::string_body> req{http::string_to_verb(method), query.empty() ? path : path + "?" + query, 11};
    for (auto& [k, v] : headers) req.set(k, v);
    req.set(http::field::authorization, authorization);
    req.body() = body;
    req.prepare_payload();
    http::write(stream, req);
    boost::beast::flat_buffer buffer;
    http::response_parser<http::string_body> parser;
    parser.body_limit(64 << 20);
    http::read(stream, buffer, parser);
    answer.status = static_cast<int>(parser.get().result_int());
    answer.body = parser.get().body();
    boost::beast::error_code ignored;
    stream.socket().shutdown(boost::asio::ip::tcp::socket::shutdown_both, ignored);
  } catch (const boost::system::system_error& e) {
    answer.status = 0;
    answer.body = "cannot reach http://" + host + ": " + e.code().message();
  }
  return answer;
}

}  // namespace xs3::tools
