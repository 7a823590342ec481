#include "server/request_head.h"

#include <cctype>

namespace xs3::server {

namespace http = boost::beast::http;

api::Request ToApiRequest(const http::request<http::buffer_body>& h, const http::request_parser<http::buffer_body>& parser) {
  api::Request r;
  r.method = std::string(h.method_string());
  std::string_view target = h.target();
  auto q = target.find('?');
  r.raw_path = std::string(target.substr(0, q));
  if (q != std::string_view::npos) r.raw_query = std::string(target.substr(q + 1));
  for (auto& field : h) {
    std::string name(field.name_string());
    for (auto& c : name) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    r.headers.emplace_back(std::move(name), std::string(field.value()));
  }
  r.body_chunked = parser.chunked();
  if (auto len = parser.content_length()) r.content_length = *len;
  return r;
}

}  // namespace xs3::server
