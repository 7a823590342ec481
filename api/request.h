#pragma once
// The HTTP request as api/ sees it: parsed head only. The body reaches an operation through a
// BodyConsumer (see service.h), so api/ is testable without sockets.
#include <optional>
#include <string>
#include <string_view>

#include "auth/sigv4.h"

namespace xs3::api {

struct Request {
  std::string method;     // upper case
  std::string raw_path;   // as sent, percent-encoded
  std::string raw_query;  // as sent, without '?'
  auth::HeaderList headers;  // names lower-case, in arrival order
  bool body_chunked = false;              // Transfer-Encoding: chunked
  std::optional<uint64_t> content_length; // absent when chunked or not sent
  std::string peer_address;  // the client's IP address (aws:SourceIp); empty when unknown

  const std::string* Header(std::string_view lower_name) const {
    for (auto& [k, v] : headers)
      if (k == lower_name) return &v;
    return nullptr;
  }
  std::string HeaderOr(std::string_view lower_name, std::string fallback = {}) const {
    auto* v = Header(lower_name);
    return v ? *v : fallback;
  }
};

}  // namespace xs3::api
