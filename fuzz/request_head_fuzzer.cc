// HTTP request head parsing and routing: raw bytes go through Beast's parser configured as xs3d
// configures it, become an api::Request exactly as in xs3d, and run through the Service (auth,
// addressing, Classify, the operation) against a real Engine.
//
// Input: one flags byte, then the raw HTTP message (head and body). Flag bit 0 re-signs the
// parsed request as the root user, so mutated requests get past authentication and reach the
// operations; without it the fuzzer works on the verifier's error paths.
#include <boost/asio/buffer.hpp>
#include <boost/beast/http.hpp>

#include <cstddef>
#include <cstdint>
#include <string>

#include "fuzz/service_fixture.h"
#include "server/request_head.h"

namespace http = boost::beast::http;

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  if (size < 1) return 0;
  const bool resign = data[0] & 1;
  std::string_view wire(reinterpret_cast<const char*>(data + 1), size - 1);
  auto& fixture = xs3::fuzz::ServiceFixture::Get();

  http::request_parser<http::buffer_body> parser;
  parser.header_limit(64 * 1024);  // config::Config::max_header_bytes
  parser.body_limit(boost::none);
  boost::beast::error_code ec;
  size_t off = 0;
  while (!parser.is_header_done() && off < wire.size()) {
    size_t used = parser.put(boost::asio::buffer(wire.data() + off, wire.size() - off), ec);
    off += used;
    if (ec == http::error::need_more) {
      ec = {};
      if (used == 0) break;
      continue;
    }
    if (ec) return 0;  // xs3d answers 400 InvalidRequest and closes
  }
  if (!parser.is_header_done()) return 0;  // xs3d would wait for the rest until the idle timeout

  std::string body;
  char chunk[4096];
  while (!parser.is_done() && off < wire.size()) {
    parser.get().body().data = chunk;
    parser.get().body().size = sizeof chunk;
    size_t used = parser.put(boost::asio::buffer(wire.data() + off, wire.size() - off), ec);
    off += used;
    body.append(chunk, sizeof chunk - parser.get().body().size);
    if (ec == http::error::need_buffer || ec == http::error::need_more) ec = {};
    if (ec) break;
    if (used == 0 && parser.get().body().size == sizeof chunk) break;
  }
  if (!parser.is_done() && !ec && parser.need_eof()) parser.put_eof(ec);

  xs3::api::Request request = xs3::server::ToApiRequest(parser.get(), parser);
  if (resign) xs3::fuzz::SignAsRoot(request);
  fixture.Run(request, body, parser.is_done() && !ec);
  return 0;
}
