#pragma once
#include <cstdint>
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "common/s3_error.h"
#include "storage/engine.h"

namespace xs3::api {

struct Response {
  int status = 200;
  std::vector<std::pair<std::string, std::string>> headers;
  std::string body;  // used when body_reader is null
  // A stored body to stream: body_length bytes from body_offset.
  std::unique_ptr<storage::BodyReader> body_reader;
  uint64_t body_offset = 0;
  uint64_t body_length = 0;
  // HEAD: Content-Length describes the object but no body follows.
  bool head_only = false;
  // Close the connection after this response (e.g. a request body was left unread).
  bool close = false;

  void SetHeader(std::string name, std::string value) {
    for (auto& [k, v] : headers)
      if (k == name) {
        v = std::move(value);
        return;
      }
    headers.emplace_back(std::move(name), std::move(value));
  }
  const std::string* Header(const std::string& name) const {
    for (auto& [k, v] : headers)
      if (k == name) return &v;
    return nullptr;
  }
  uint64_t ContentLength() const { return body_reader || head_only ? body_length : body.size(); }
};

// S3's XML error document (or a bodiless answer for HEAD requests and 304).
Response ErrorResponse(const S3Error& error, const std::string& request_id, bool is_head);

Response XmlResponse(int status, std::string xml);

}  // namespace xs3::api
