#pragma once
// The structured access log: one JSON object per request, written with a single append so lines
// from different threads never interleave.
#include <cstdint>
#include <string>
#include <string_view>

namespace xs3::server {

struct AccessRecord {
  std::string_view request_id, principal, operation, bucket, key, method, remote;
  int status = 0;
  uint64_t bytes_in = 0, bytes_out = 0;
  double seconds = 0;
};

class AccessLog {
 public:
  // `target`: "off", "stdout" or a file path (appended to). False with a message on failure.
  bool Open(const std::string& target, std::string* error);
  ~AccessLog();
  bool enabled() const { return fd_ >= 0; }
  void Write(const AccessRecord& r);

 private:
  int fd_ = -1;
  bool owned_ = false;
};

}  // namespace xs3::server
