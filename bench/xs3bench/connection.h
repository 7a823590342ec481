#pragma once
// One keep-alive HTTP/1.1 client connection driven by C++20 coroutines: writes a request head
// and body, notes when the first response byte arrives (time to first byte), then reads the
// head and drains the body through a fixed scratch buffer. Reconnects transparently when the
// server closed the connection; a failed exchange comes back with status 0.
#include <boost/asio/awaitable.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <chrono>
#include <cstdint>
#include <span>
#include <string>
#include <vector>

namespace xs3::bench {

using Clock = std::chrono::steady_clock;

struct Exchange {
  unsigned status = 0;  // 0: connection error (see error)
  uint64_t body_bytes = 0;
  Clock::time_point start;
  Clock::time_point first_byte;
  Clock::time_point done;
  std::string etag;
  std::string body;   // only when asked to keep it
  std::string error;
};

class Connection {
 public:
  Connection(boost::asio::any_io_executor executor, boost::asio::ip::tcp::endpoint endpoint);

  // `head` is a complete request head; `body` is sent after it (may be empty). HEAD requests
  // must say so: their responses announce a length but carry no body.
  boost::asio::awaitable<Exchange> Do(const std::string& head, std::span<const char> body, bool is_head,
                                      bool keep_body);

 private:
  boost::asio::awaitable<bool> EnsureOpen(Exchange& x);

  boost::asio::ip::tcp::socket socket_;
  boost::asio::ip::tcp::endpoint endpoint_;
  boost::beast::flat_buffer buffer_;
  std::vector<char> scratch_;
  bool open_ = false;
};

}  // namespace xs3::bench
