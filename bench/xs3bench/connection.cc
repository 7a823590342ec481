#include "bench/xs3bench/connection.h"

#include <algorithm>
#include <array>
#include <cstring>
#include <boost/asio/as_tuple.hpp>
#include <boost/asio/connect.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/asio/write.hpp>
#include <boost/beast/http/buffer_body.hpp>
#include <boost/beast/http/parser.hpp>
#include <boost/beast/http/read.hpp>

namespace xs3::bench {

namespace net = boost::asio;
namespace http = boost::beast::http;
constexpr auto kTuple = net::as_tuple(net::use_awaitable);

Connection::Connection(net::any_io_executor executor, net::ip::tcp::endpoint endpoint)
    : socket_(executor), endpoint_(endpoint), scratch_(256 * 1024) {
  buffer_.reserve(64 * 1024);  // chunked bodies go through the parser, up to this much per read
}

net::awaitable<bool> Connection::EnsureOpen(Exchange& x) {
  if (open_) co_return true;
  boost::system::error_code ec;
  socket_ = net::ip::tcp::socket(socket_.get_executor());
  buffer_.clear();
  std::tie(ec) = co_await socket_.async_connect(endpoint_, kTuple);
  if (ec) {
    x.error = "connect: " + ec.message();
    co_return false;
  }
  socket_.set_option(net::ip::tcp::no_delay(true), ec);
  open_ = true;
  co_return true;
}

net::awaitable<Exchange> Connection::Do(const std::string& head, std::span<const char> body, bool is_head,
                                        bool keep_body) {
  Exchange x;
  x.start = Clock::now();
  // A keep-alive connection the server closed while idle fails on first use: retry once fresh.
  for (int attempt = 0; attempt < 2; ++attempt) {
    x.error.clear();
    if (!co_await EnsureOpen(x)) break;
    boost::system::error_code ec;
    std::array<net::const_buffer, 2> bufs = {net::buffer(head), net::buffer(body.data(), body.size())};
    std::tie(ec, std::ignore) = co_await net::async_write(socket_, bufs, kTuple);
    if (!ec) std::tie(ec) = co_await socket_.async_wait(net::socket_base::wait_read, kTuple);
    x.first_byte = Clock::now();
    http::response_parser<http::buffer_body> parser;
    parser.body_limit(boost::none);
    parser.header_limit(64 * 1024);
    if (is_head) parser.skip(true);
    if (!ec) std::tie(ec, std::ignore) = co_await http::async_read_header(socket_, buffer_, parser, kTuple);
    if (ec) {
      open_ = false;
      x.error = ec.message();
      if (attempt == 0 && buffer_.size() == 0) continue;
      break;
    }
    auto& msg = parser.get();
    x.status = msg.result_int();
    if (auto it = msg.find(http::field::etag); it != msg.end()) x.etag = std::string(it->value());
    // A body of known length is read straight from the socket into the scratch buffer: going
    // through the parser costs a copy and reads no more than the flat buffer's free space.
    if (!parser.is_done() && !parser.chunked() && parser.content_length()) {
      uint64_t remaining = *parser.content_length();
      while (remaining > 0 && !ec) {
        size_t got = 0;
        if (buffer_.size() > 0) {
          got = std::min<size_t>(buffer_.size(), static_cast<size_t>(std::min<uint64_t>(remaining, scratch_.size())));
          std::memcpy(scratch_.data(), buffer_.data().data(), got);
          buffer_.consume(got);
        } else {
          auto want = static_cast<size_t>(std::min<uint64_t>(remaining, scratch_.size()));
          std::tie(ec, got) = co_await socket_.async_read_some(net::buffer(scratch_.data(), want), kTuple);
        }
        remaining -= got;
        x.body_bytes += got;
        if (keep_body || x.status >= 300) x.body.append(scratch_.data(), got);
      }
      if (ec) {
        open_ = false;
        x.status = 0;
        x.error = "body: " + ec.message();
      } else if (!msg.keep_alive()) {
        socket_.close(ec);
        open_ = false;
      }
      break;
    }
    while (!parser.is_done()) {
      msg.body().data = scratch_.data();
      msg.body().size = scratch_.size();
      std::tie(ec, std::ignore) = co_await http::async_read(socket_, buffer_, parser, kTuple);
      if (ec == http::error::need_buffer) ec = {};
      size_t got = scratch_.size() - msg.body().size;
      x.body_bytes += got;
      if (keep_body || x.status >= 300) x.body.append(scratch_.data(), got);
      if (ec) {
        open_ = false;
        x.status = 0;
        x.error = "body: " + ec.message();
        break;
      }
    }
    if (!msg.keep_alive()) {
      socket_.close(ec);
      open_ = false;
    }
    break;
  }
  x.done = Clock::now();
  co_return x;
}

}  // namespace xs3::bench
