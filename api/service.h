#pragma once
// The S3 API as a function of requests: Begin() takes a parsed request head and either answers
// at once or hands back a BodyConsumer that the server feeds the body into. No sockets here.
#include <chrono>
#include <memory>
#include <optional>
#include <string>

#include "api/request.h"
#include "api/response.h"
#include "common/s3_error.h"
#include "config/config.h"
#include "storage/engine.h"

namespace xs3::auth {
class UserDirectory;
}

namespace xs3::api {

class BodyConsumer {
 public:
  virtual ~BodyConsumer() = default;
  // Raw body bytes in order (after HTTP de-chunking). An error ends the request.
  virtual std::optional<S3Error> Write(const char* data, size_t len) = 0;
  // The whole body has arrived. May block (it commits to storage).
  virtual Response Finish() = 0;
  // The id every response of this request carries.
  virtual const std::string& request_id() const = 0;
};

struct Outcome {
  Response response;                       // valid when consumer is null
  std::unique_ptr<BodyConsumer> consumer;  // the operation wants the body
  const char* operation = "";              // the S3 operation, once routing chose one
  // For the access log.
  std::string request_id;
  std::string principal;
  std::string bucket;
  std::string key;
  // S3 Express: a directory bucket in another zone than this server's home zone answers after
  // this extra delay (the cross-AZ penalty AWS cites).
  std::chrono::microseconds added_latency{0};
  // An injected connection reset: the server drops the connection without answering.
  bool reset_connection = false;
  // Headers the final response carries whatever answers it, the consumer's too (CORS).
  std::vector<std::pair<std::string, std::string>> extra_headers;
};

class Service {
 public:
  // `session_master_key`: the secret CreateSession tokens are signed under (>= 32 bytes).
  // `users` resolves access keys (configured and managed users); it outlives the service.
  Service(const config::Config& config, storage::Engine& engine, std::string session_master_key,
          auth::UserDirectory& users);
  ~Service();
  Service(const Service&) = delete;
  Service& operator=(const Service&) = delete;

  // May block on a metadata commit when the operation mutates without a body (DeleteObject...).
  Outcome Begin(const Request& request);

  // True when Begin() or the consumer may wait on disk syncs, so the server runs them off the
  // I/O threads.
  static bool MayBlock(const Request& request);

  storage::EngineStats EngineStats() const;

  // An error answer for failures the server detects itself (header too large, timeouts...).
  Response ErrorFor(const S3Error& error, bool is_head) const;

 private:
  // Begin without the CORS headers of actual cross-origin requests.
  Outcome Dispatch(const Request& request);
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

std::string NewRequestId();
void StampRequestIds(Response& response, const std::string& request_id);

}  // namespace xs3::api
