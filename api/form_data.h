#pragma once
// A streaming multipart/form-data parser (RFC 7578) for browser-form uploads (POST Object): field
// values are small and collected, the file part can be gigabytes and is handed on in pieces as it
// arrives, never buffered whole.
#include <functional>
#include <optional>
#include <string>
#include <string_view>

#include "common/s3_error.h"

namespace xs3::api {

// The boundary parameter of a multipart/form-data Content-Type, or nullopt.
std::optional<std::string> FormBoundary(std::string_view content_type);

class FormDataParser {
 public:
  struct Part {
    std::string name;                     // Content-Disposition name
    std::optional<std::string> filename;  // Content-Disposition filename, for file parts
    std::string content_type;             // the part's own Content-Type header, if any
  };
  using OnPart = std::function<std::optional<S3Error>(const Part&)>;
  using OnData = std::function<std::optional<S3Error>(const char* data, size_t len)>;
  using OnPartEnd = std::function<std::optional<S3Error>()>;

  FormDataParser(std::string boundary, OnPart on_part, OnData on_data, OnPartEnd on_part_end);

  // Bytes of the body in order. An error (malformed form or from a callback) ends the parse.
  std::optional<S3Error> Feed(const char* data, size_t len);
  // True once the closing boundary was seen.
  bool done() const { return state_ == State::Done; }

 private:
  enum class State { Preamble, AfterBoundary, Headers, Body, Done };
  std::optional<S3Error> Run();

  std::string delimiter_;  // "\r\n--" + boundary
  OnPart on_part_;
  OnData on_data_;
  OnPartEnd on_part_end_;
  State state_ = State::Preamble;
  std::string buf_;
  size_t pos_ = 0;  // consumed prefix of buf_
};

}  // namespace xs3::api
