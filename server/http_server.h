#pragma once
// The HTTP/1.1 front end: one io_context and acceptor (SO_REUSEPORT) per thread, keep-alive,
// header limits, 100-continue, idle and request timeouts, a connection cap, bounded streaming
// of bodies in both directions. S3 semantics live in api::Service, never here.
#include <atomic>
#include <cstdint>
#include <memory>
#include <string>

#include "api/service.h"
#include "config/config.h"

namespace xs3::server {

class HttpServer {
 public:
  HttpServer(const config::Config& config, api::Service& service);
  ~HttpServer();

  // Binds (port 0 picks a free port) and starts the I/O threads. Returns false with a message.
  bool Start(std::string* error);
  uint16_t port() const;
  // Stops accepting, lets in-flight requests finish, closes idle connections, joins threads.
  void Shutdown();
  // Blocks until SIGTERM or SIGINT.
  void WaitForSignal();

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace xs3::server
