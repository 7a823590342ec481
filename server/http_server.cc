#include "server/http_server.h"

#include <sys/sendfile.h>

#include <signal.h>
#include <sys/socket.h>

#include <algorithm>
#include <array>
#include <boost/asio.hpp>
#include <boost/asio/as_tuple.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <condition_variable>
#include <cstring>
#include <iostream>
#include <list>
#include <mutex>
#include <thread>
#include <vector>

#include "api/directory_bucket_name.h"
#include "server/access_log.h"
#include "server/metrics.h"
#include "server/progress_deadline.h"
#include "server/request_head.h"

namespace xs3::server {

namespace net = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;
using tcp = net::ip::tcp;
using net::awaitable;
using net::use_awaitable;
constexpr auto kTuple = net::as_tuple(use_awaitable);

namespace {

// Per-connection memory is this buffer plus Beast's header buffer, whatever the object size.
constexpr size_t kBodyBufferBytes = 256 * 1024;
// An error answered before the body was read: bodies up to this size are drained so the
// connection stays usable; larger ones close it.
constexpr uint64_t kMaxDrainBytes = 1 << 20;

struct SessionState {
  net::any_io_executor executor;
  beast::tcp_stream* stream = nullptr;
  bool idle = true;  // waiting for a request head; touched only on `executor`
};

}  // namespace

struct HttpServer::Impl {
  const config::Config& config;
  api::Service& service;
  std::vector<std::unique_ptr<net::io_context>> contexts;
  std::vector<std::unique_ptr<tcp::acceptor>> acceptors;
  std::vector<std::thread> threads;
  std::unique_ptr<net::thread_pool> blocking_pool;
  uint16_t bound_port = 0;
  std::atomic<size_t> connections{0};
  std::atomic<bool> stopping{false};

  std::mutex sessions_mu;
  std::list<std::shared_ptr<SessionState>> sessions;
  Metrics metrics;
  AccessLog access_log;

  Impl(const config::Config& c, api::Service& s) : config(c), service(s) {}

  awaitable<void> Accept(tcp::acceptor& acceptor);
  awaitable<void> Session(tcp::socket socket);
  awaitable<bool> WriteResponse(beast::tcp_stream& stream, api::Response& response, bool keep_alive,
                                std::vector<char>& buffer, std::chrono::steady_clock::time_point* head_sent = nullptr);

  // The coroutine hops onto the blocking pool and back. The completion token must carry the
  // target executor: `post(pool, use_awaitable)` alone resumes on the coroutine's own (I/O)
  // executor, so the blocking call would run there and stall every connection of that thread.
  template <class F>
  awaitable<api::Outcome> OffloadBegin(F&& f) {
    auto self_exec = co_await net::this_coro::executor;
    co_await net::post(net::bind_executor(blocking_pool->get_executor(), use_awaitable));
    api::Outcome out = f();
    co_await net::post(net::bind_executor(self_exec, use_awaitable));
    co_return out;
  }
  awaitable<api::Response> OffloadFinish(api::BodyConsumer& consumer) {
    auto self_exec = co_await net::this_coro::executor;
    co_await net::post(net::bind_executor(blocking_pool->get_executor(), use_awaitable));
    api::Response r = consumer.Finish();
    co_await net::post(net::bind_executor(self_exec, use_awaitable));
    co_return r;
  }
};

HttpServer::HttpServer(const config::Config& config, api::Service& service) : impl_(new Impl(config, service)) {}

HttpServer::~HttpServer() { Shutdown(); }

uint16_t HttpServer::port() const { return impl_->bound_port; }

bool HttpServer::Start(std::string* error) {
  auto& m = *impl_;
  if (!m.access_log.Open(m.config.access_log, error)) return false;
  unsigned n = m.config.threads ? m.config.threads : std::max(1u, std::thread::hardware_concurrency());
  boost::system::error_code ec;
  auto address = net::ip::make_address(m.config.address, ec);
  if (ec) {
    *error = "invalid listen address '" + m.config.address + "'";
    return false;
  }
  uint16_t port = m.config.port;
  for (unsigned i = 0; i < n; ++i) {
    m.contexts.push_back(std::make_unique<net::io_context>(1));
    auto acceptor = std::make_unique<tcp::acceptor>(*m.contexts.back());
    tcp::endpoint ep(address, port);
    acceptor->open(ep.protocol(), ec);
    if (!ec) acceptor->set_option(net::socket_base::reuse_address(true), ec);
    // SO_REUSEPORT lets our per-thread acceptors share the port. The first one binds without it,
    // so a port some other process (another xs3d included) already holds fails here instead of
    // being silently shared; it opts in before listen() so the others can join it.
    int one = 1;
    if (!ec && i > 0) ::setsockopt(acceptor->native_handle(), SOL_SOCKET, SO_REUSEPORT, &one, sizeof one);
    if (!ec) acceptor->bind(ep, ec);
    if (!ec && i == 0) ::setsockopt(acceptor->native_handle(), SOL_SOCKET, SO_REUSEPORT, &one, sizeof one);
    if (!ec) acceptor->listen(net::socket_base::max_listen_connections, ec);
    if (ec) {
      *error = "cannot listen on " + m.config.address + ":" + std::to_string(port) + ": " + ec.message();
      return false;
    }
    port = acceptor->local_endpoint().port();  // later acceptors share the port the first one got
    m.acceptors.push_back(std::move(acceptor));
  }
  m.bound_port = port;
  m.blocking_pool = std::make_unique<net::thread_pool>(std::max(8u, 4 * n));
  for (unsigned i = 0; i < n; ++i) {
    net::co_spawn(*m.contexts[i], m.Accept(*m.acceptors[i]), net::detached);
    m.threads.emplace_back([ctx = m.contexts[i].get()] { ctx->run(); });
  }
  return true;
}

void HttpServer::WaitForSignal() {
  sigset_t set;
  sigemptyset(&set);
  sigaddset(&set, SIGTERM);
  sigaddset(&set, SIGINT);
  int sig = 0;
  sigwait(&set, &sig);
}

void HttpServer::Shutdown() {
  auto& m = *impl_;
  if (m.stopping.exchange(true)) return;
  for (size_t i = 0; i < m.acceptors.size(); ++i) {
    net::post(*m.contexts[i], [a = m.acceptors[i].get()] {
      boost::system::error_code ignored;
      a->close(ignored);
    });
  }
  {
    std::lock_guard lock(m.sessions_mu);
    for (auto& s : m.sessions) {
      net::post(s->executor, [s] {
        if (s->idle && s->stream) s->stream->socket().close();
      });
    }
  }
  // Busy sessions finish their request and then see `stopping`; bound the wait.
  for (auto& t : m.threads) t.join();
  m.threads.clear();
  if (m.blocking_pool) m.blocking_pool->join();
}

awaitable<void> HttpServer::Impl::Accept(tcp::acceptor& acceptor) {
  for (;;) {
    auto [ec, socket] = co_await acceptor.async_accept(kTuple);
    if (ec) {
      if (ec == net::error::operation_aborted || !acceptor.is_open()) co_return;
      continue;  // EMFILE and friends: keep serving the connections we have
    }
    if (connections.load() >= config.max_connections) {
      // Over the cap: one best-effort 503 SlowDown (the client retries later), then close.
      static const std::string kOverCapacity = [] {
        std::string body =
            "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<Error><Code>SlowDown</Code>"
            "<Message>Please reduce your request rate.</Message><RequestId>0000000000000000</RequestId></Error>";
        return "HTTP/1.1 503 Service Unavailable\r\nContent-Type: application/xml\r\nConnection: close\r\n"
               "x-amz-request-id: 0000000000000000\r\nContent-Length: " +
               std::to_string(body.size()) + "\r\n\r\n" + body;
      }();
      boost::system::error_code ignored;
      socket.non_blocking(true, ignored);
      socket.send(net::buffer(kOverCapacity), 0, ignored);
      socket.shutdown(tcp::socket::shutdown_both, ignored);
      socket.close(ignored);
      continue;
    }
    socket.set_option(tcp::no_delay(true), ec);
    ++connections;  // counted at accept, so the cap holds however late the session starts
    net::co_spawn(acceptor.get_executor(), Session(std::move(socket)), net::detached);
  }
}

namespace {

// GET /metrics (a Prometheus scrape) and /ready without credentials are the server's own;
// signed, they stay requests for buckets of those names (anonymous requests could never list a
// bucket anyway).
bool IsUnsignedGet(const api::Request& r, std::string_view path) {
  if (r.method != "GET" || r.raw_path != path || r.Header("authorization")) return false;
  return r.raw_query.find("Signature=") == std::string::npos;
}

std::string_view BucketType(const std::string& bucket) {
  if (bucket.empty()) return "none";
  return api::HasDirectorySuffix(bucket) ? "directory" : "general_purpose";
}

bool ExpectsContinue(const api::Request& r) {
  auto* e = r.Header("expect");
  if (!e) return false;
  std::string v = *e;
  for (auto& c : v) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return v == "100-continue";
}

}  // namespace

namespace {

// The response head as one string: no field container, and the Date line formatted once a
// second per thread.
std::string SerializeHead(const api::Response& response, bool keep_alive, bool bodiless_status) {
  thread_local std::time_t date_second = 0;
  thread_local char date[64];
  std::time_t now = std::time(nullptr);
  if (now != date_second) {
    date_second = now;
    std::tm tm{};
    gmtime_r(&now, &tm);
    std::strftime(date, sizeof date, "%a, %d %b %Y %H:%M:%S GMT", &tm);
  }
  std::string out;
  out.reserve(256 + response.headers.size() * 48);
  out.append("HTTP/1.1 ").append(std::to_string(response.status)).append(" ");
  out.append(http::obsolete_reason(static_cast<http::status>(response.status))).append("\r\n");
  for (const auto& [k, v] : response.headers) {
    // A line break in a name or value would forge headers: such a field is dropped.
    if (k.find_first_of("\r\n") != std::string::npos || v.find_first_of("\r\n") != std::string::npos) continue;
    out.append(k).append(": ").append(v).append("\r\n");
  }
  out.append("Server: xs3\r\nDate: ").append(date).append("\r\n");
  if (!bodiless_status) out.append("Content-Length: ").append(std::to_string(response.ContentLength())).append("\r\n");
  if (!keep_alive) out.append("Connection: close\r\n");
  out.append("\r\n");
  return out;
}

// Writes both buffers completely. Most responses fit the socket's send buffer: one
// non-blocking send and no timer. Only a send that would block arms a deadline (`timeout`
// without progress cancels it) and waits for the rest.
awaitable<bool> SendAll(tcp::socket& socket, std::array<net::const_buffer, 2> bufs, std::chrono::steady_clock::duration timeout) {
  boost::system::error_code ec;
  size_t total = net::buffer_size(bufs);
  if (!socket.non_blocking()) socket.non_blocking(true, ec);  // an ioctl: once per connection
  size_t n = ec ? 0 : socket.write_some(bufs, ec);
  if (!ec && n == total) co_return true;
  if (ec && ec != net::error::would_block && ec != net::error::try_again) co_return false;
  for (auto& b : bufs) {
    size_t k = std::min(n, b.size());
    b += k;
    n -= k;
  }
  ProgressDeadline deadline(socket, timeout);
  auto [ec2, sent] = co_await net::async_write(socket, bufs, kTuple);
  co_return !ec2;
}

// Repeats a non-blocking send-like call until `len` bytes are out: `send_some(left)` makes one
// send or sendfile of at most `left` bytes and returns what it returned. Waits for the socket
// to drain when it would block; false on an error, an end of file, or a cut-short wait (the
// deadline closes the socket when nothing moves).
template <class SendSome>
awaitable<bool> SendRepeatedly(tcp::socket& socket, ProgressDeadline& deadline, uint64_t len, SendSome send_some) {
  while (len > 0) {
    ssize_t n = send_some(len);
    if (n > 0) {
      len -= static_cast<uint64_t>(n);
      deadline.Progress();
    } else if (n < 0 && errno == EINTR) {
      continue;
    } else if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)) {
      auto [ec] = co_await socket.async_wait(tcp::socket::wait_write, kTuple);
      if (ec) co_return false;
    } else {
      co_return false;
    }
  }
  co_return true;
}

}  // namespace

awaitable<bool> HttpServer::Impl::WriteResponse(beast::tcp_stream& stream, api::Response& response, bool keep_alive,
                                                std::vector<char>& buffer, std::chrono::steady_clock::time_point* head_sent) {
  bool bodiless_status = response.status == 204 || response.status == 304 || response.status < 200;
  std::string head = SerializeHead(response, keep_alive && !response.close, bodiless_status);

  auto& socket = stream.socket();
  stream.expires_never();
  bool no_body = response.head_only || bodiless_status;
  auto note_head_sent = [&] {
    if (head_sent) *head_sent = std::chrono::steady_clock::now();
  };

  // Bodies in memory (and the first chunk of a copied stored body) leave with the head in one
  // send: a small object is one segment instead of two.
  if (no_body || !response.body_reader) {
    bool ok = co_await SendAll(socket, {net::buffer(head), no_body ? net::const_buffer() : net::buffer(response.body)},
                               config.request_timeout);
    note_head_sent();
    co_return ok;
  }
  uint64_t offset = response.body_offset;
  uint64_t remaining = response.body_length;
  const storage::BodyReader& reader = *response.body_reader;
  bool head_out = false;
  while (remaining > 0) {
    storage::FileSpan span = reader.SpanAt(offset);
    uint64_t run = std::min(remaining, span.length);
    if (run == 0) co_return false;  // a body shorter than its recorded size: cut it short
    if (span.fd >= 0) {
      ProgressDeadline deadline(socket, config.request_timeout);
      boost::system::error_code ec;
      socket.native_non_blocking(true, ec);
      if (ec) co_return false;
      int out = socket.native_handle();
      if (!head_out) {
        // The head goes out corked (MSG_MORE) so it shares a segment with the first sendfile bytes.
        if (!co_await SendRepeatedly(socket, deadline, head.size(), [&](uint64_t left) {
              return ::send(out, head.data() + (head.size() - left), left, MSG_NOSIGNAL | MSG_MORE);
            })) {
          co_return false;
        }
        head_out = true;
        note_head_sent();
      }
      // Blob bodies (each part of a multipart object) go from the page cache to the socket
      // without a copy through user space. Once the head is out, a failure can only cut the body
      // short.
      off_t off = static_cast<off_t>(span.file_offset);
      if (!co_await SendRepeatedly(socket, deadline, run, [&](uint64_t left) {
            return ::sendfile(out, span.fd, &off, static_cast<size_t>(std::min<uint64_t>(left, 4u << 20)));
          })) {
        co_return false;
      }
      offset += run;
      remaining -= run;
      continue;
    }
    // Inline or encrypted stretches are copied through `buffer`; the first chunk leaves with the
    // head in one send.
    for (uint64_t left = run; left > 0;) {
      size_t want = static_cast<size_t>(std::min<uint64_t>(left, buffer.size()));
      auto got = reader.ReadAt(offset, buffer.data(), want);
      // Before the first chunk nothing is sent yet; after it, all we can do is cut the body short.
      if (!got.ok() || got.value() == 0) co_return false;
      size_t n = std::min<size_t>(got.value(), want);
      if (!co_await SendAll(socket, {head_out ? net::const_buffer() : net::buffer(head), net::buffer(buffer.data(), n)},
                            config.request_timeout)) {
        co_return false;
      }
      if (!head_out) note_head_sent();
      head_out = true;
      offset += n;
      left -= n;
      remaining -= n;
    }
  }
  if (!head_out) {
    bool ok = co_await SendAll(socket, {net::buffer(head), net::const_buffer()}, config.request_timeout);
    note_head_sent();
    co_return ok;
  }
  co_return true;
}

awaitable<void> HttpServer::Impl::Session(tcp::socket socket) {
  beast::tcp_stream stream(std::move(socket));
  auto state = std::make_shared<SessionState>();
  state->executor = stream.get_executor();
  state->stream = &stream;
  std::list<std::shared_ptr<SessionState>>::iterator registered;
  {
    std::lock_guard lock(sessions_mu);
    registered = sessions.insert(sessions.end(), state);
  }
  // The argument is the buffer's maximum size, not a reservation (it grows on demand): it must
  // hold the largest head max_header_bytes allows plus a read's worth of body behind it, or a
  // head between 16 KiB and the configured limit fails as "malformed".
  beast::flat_buffer buffer(config.max_header_bytes + 64 * 1024);
  std::vector<char> body_buffer;
  std::string remote, peer_address;
  {
    boost::system::error_code ignored;
    auto ep = stream.socket().remote_endpoint(ignored);
    if (!ignored) {
      auto address = ep.address();
      // IPv4 clients of a dual-stack socket: policies name them by their IPv4 address.
      if (address.is_v6() && address.to_v6().is_v4_mapped()) address = net::ip::make_address_v4(net::ip::v4_mapped, address.to_v6());
      peer_address = address.to_string();
      remote = peer_address + ":" + std::to_string(ep.port());
    }
  }

  for (;;) {
    if (stopping) break;
    state->idle = true;
    http::request_parser<http::buffer_body> parser;
    parser.header_limit(static_cast<std::uint32_t>(config.max_header_bytes));
    parser.body_limit(boost::none);
    stream.expires_after(config.idle_timeout);
    auto [ec, n] = co_await http::async_read_header(stream, buffer, parser, kTuple);
    state->idle = false;
    if (ec) {
      if (ec == http::error::header_limit) {
        api::Response r = service.ErrorFor(make_error(ErrorCode::RequestHeaderSectionTooLarge), false);
        if (body_buffer.empty()) body_buffer.resize(kBodyBufferBytes);
        co_await WriteResponse(stream, r, false, body_buffer);
      } else if (ec != http::error::end_of_stream && ec != beast::error::timeout && ec != net::error::operation_aborted &&
                 ec != net::error::connection_reset && ec != net::error::eof) {
        api::Response r = service.ErrorFor(make_error(ErrorCode::InvalidRequest, "Malformed HTTP request."), false);
        if (body_buffer.empty()) body_buffer.resize(kBodyBufferBytes);
        co_await WriteResponse(stream, r, false, body_buffer);
      }
      break;
    }
    if (body_buffer.empty()) body_buffer.resize(kBodyBufferBytes);

    stream.expires_after(config.request_timeout);
    auto started = std::chrono::steady_clock::now();
    auto& head = parser.get();
    api::Request request = ToApiRequest(head, parser);
    request.peer_address = peer_address;
    bool keep_alive = head.keep_alive();
    bool is_head = request.method == "HEAD";
    uint64_t bytes_in = 0;

    if (IsUnsignedGet(request, "/metrics") || IsUnsignedGet(request, "/ready")) {
      api::Response r;
      auto engine = service.EngineStats();
      if (request.raw_path == "/metrics") {
        r.body = metrics.Render(connections.load(), engine);
        r.SetHeader("Content-Type", "text/plain; version=0.0.4");
      } else {
        // Ready while writes are accepted; after a failed commit only a restart helps.
        r.status = engine.writes_stopped ? 503 : 200;
        r.body = engine.writes_stopped ? "writes stopped\n" : "ready\n";
        r.SetHeader("Content-Type", "text/plain");
      }
      if (!co_await WriteResponse(stream, r, keep_alive && !stopping, body_buffer) || !keep_alive || stopping) break;
      continue;
    }

    api::Outcome outcome;
    if (api::Service::MayBlock(request)) {
      outcome = co_await OffloadBegin([&] { return service.Begin(request); });
    } else {
      outcome = service.Begin(request);
    }

    if (outcome.reset_connection) {
      // An injected fault: drop the connection with a TCP reset, as a failing network would.
      boost::system::error_code ignored;
      stream.socket().set_option(net::socket_base::linger(true, 0), ignored);
      stream.socket().close(ignored);
      metrics.RecordRequest(outcome.operation, BucketType(outcome.bucket), 0, 0, 0, 0, 0);
      break;
    }
    api::Response response;
    bool body_error = false;
    if (outcome.consumer) {
      if (ExpectsContinue(request) && !parser.is_done()) {
        static constexpr std::string_view kContinue = "HTTP/1.1 100 Continue\r\n\r\n";
        auto [ec_c, n_c] = co_await net::async_write(stream, net::buffer(kContinue.data(), kContinue.size()), kTuple);
        if (ec_c) break;
      }
      std::optional<S3Error> failure;
      bool io_failed = false;
      stream.expires_never();
      ProgressDeadline deadline(stream.socket(), config.request_timeout);
      // A body of known length is read straight from the socket into body_buffer: through the
      // parser every read is bounded by the header buffer's free space and costs a copy.
      bool direct = !parser.chunked() && parser.content_length().has_value();
      uint64_t direct_remaining = direct ? *parser.content_length() : 0;
      while (direct ? direct_remaining > 0 : !parser.is_done()) {
        size_t got = 0;
        boost::system::error_code ec_b;
        if (direct && buffer.size() > 0) {
          got = static_cast<size_t>(std::min<uint64_t>({buffer.size(), body_buffer.size(), direct_remaining}));
          std::memcpy(body_buffer.data(), buffer.data().data(), got);
          buffer.consume(got);
        } else if (direct) {
          size_t want = static_cast<size_t>(std::min<uint64_t>(body_buffer.size(), direct_remaining));
          std::tie(ec_b, got) = co_await stream.socket().async_read_some(net::buffer(body_buffer.data(), want), kTuple);
        } else {
          head.body().data = body_buffer.data();
          head.body().size = body_buffer.size();
          std::tie(ec_b, std::ignore) = co_await http::async_read(stream.socket(), buffer, parser, kTuple);
          if (ec_b == http::error::need_buffer) ec_b = {};
          got = body_buffer.size() - head.body().size;
        }
        direct_remaining -= std::min<uint64_t>(got, direct_remaining);
        deadline.Progress();
        bytes_in += got;
        if (got > 0 && !failure) failure = outcome.consumer->Write(body_buffer.data(), got);
        if (ec_b) {
          io_failed = true;
          if (deadline.expired()) failure = make_error(ErrorCode::RequestTimeout);
          else if (!failure) failure = make_error(ErrorCode::IncompleteBody);
          body_error = true;
          break;
        }
        if (failure) {
          body_error = true;
          break;
        }
      }
      if (failure) {
        response = api::ErrorResponse(*failure, outcome.consumer->request_id(), is_head);
        // The rest of the body is still on the wire. A client still sending it when the socket
        // closes sees a broken pipe instead of the answer (a refused POST form, say), so a small
        // remainder is read away and the connection kept; a large one is not worth reading.
        response.close = true;
        if (!io_failed && direct && direct_remaining <= kMaxDrainBytes) {
          while (direct_remaining > 0) {
            size_t want = static_cast<size_t>(std::min<uint64_t>(body_buffer.size(), direct_remaining));
            size_t got = 0;
            if (buffer.size() > 0) {
              got = std::min(buffer.size(), want);
              buffer.consume(got);
            } else {
              boost::system::error_code ec_d;
              std::tie(ec_d, got) = co_await stream.socket().async_read_some(net::buffer(body_buffer.data(), want), kTuple);
              if (ec_d) break;
            }
            deadline.Progress();
            direct_remaining -= std::min<uint64_t>(got, direct_remaining);
          }
          response.close = direct_remaining > 0;
        }
      } else {
        response = co_await OffloadFinish(*outcome.consumer);
      }
      for (auto& [name, value] : outcome.extra_headers) response.SetHeader(name, value);
      api::StampRequestIds(response, outcome.consumer->request_id());
      outcome.consumer.reset();
    } else {
      response = std::move(outcome.response);
      // The body was not wanted; read it away so the connection can serve the next request.
      if (!parser.is_done()) {
        if (ExpectsContinue(request) || !request.content_length || *request.content_length > kMaxDrainBytes) {
          response.close = true;
        } else {
          while (!parser.is_done()) {
            head.body().data = body_buffer.data();
            head.body().size = body_buffer.size();
            auto [ec_d, n_d] = co_await http::async_read(stream, buffer, parser, kTuple);
            if (ec_d == http::error::need_buffer) ec_d = {};
            if (ec_d) {
              response.close = true;
              break;
            }
          }
        }
      }
    }
    if (body_error && stream.socket().is_open() == false) break;
    if (outcome.added_latency.count() > 0) {
      net::steady_timer delay(stream.get_executor(), outcome.added_latency);
      co_await delay.async_wait(kTuple);
    }
    auto head_sent = std::chrono::steady_clock::now();
    bool ok = co_await WriteResponse(stream, response, keep_alive && !stopping, body_buffer, &head_sent);
    auto seconds = [&](std::chrono::steady_clock::time_point t) {
      return std::chrono::duration<double>(t - started).count();
    };
    uint64_t bytes_out = (response.head_only || response.status == 204 || response.status == 304)
                             ? 0 : response.ContentLength();
    double total = seconds(std::chrono::steady_clock::now());
    metrics.RecordRequest(outcome.operation, BucketType(outcome.bucket), response.status, bytes_in, ok ? bytes_out : 0,
                          seconds(head_sent), total);
    if (access_log.enabled()) {
      auto* id = response.Header("x-amz-request-id");
      access_log.Write({id ? *id : outcome.request_id, outcome.principal, outcome.operation, outcome.bucket,
                        outcome.key, request.method, remote, response.status, bytes_in, ok ? bytes_out : 0, total});
    }
    if (!ok || !keep_alive || response.close || stopping) break;
  }

  if (stream.socket().is_open()) {
    boost::system::error_code ignored;
    stream.socket().shutdown(tcp::socket::shutdown_send, ignored);
    stream.socket().close(ignored);
  }
  {
    std::lock_guard lock(sessions_mu);
    sessions.erase(registered);
  }
  state->stream = nullptr;
  --connections;
}

}  // namespace xs3::server
