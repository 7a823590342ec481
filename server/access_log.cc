#include "server/access_log.h"

#include <fcntl.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <ctime>
#include <nlohmann/json.hpp>

namespace xs3::server {

bool AccessLog::Open(const std::string& target, std::string* error) {
  if (target == "off" || target.empty()) return true;
  if (target == "stdout") {
    fd_ = STDOUT_FILENO;
    return true;
  }
  fd_ = ::open(target.c_str(), O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC, 0640);
  if (fd_ < 0) {
    *error = "cannot open access log " + target + ": " + std::strerror(errno);
    return false;
  }
  owned_ = true;
  return true;
}

AccessLog::~AccessLog() {
  if (owned_) ::close(fd_);
}

void AccessLog::Write(const AccessRecord& r) {
  if (fd_ < 0) return;
  char when[32];
  std::time_t t = std::time(nullptr);
  std::tm tm{};
  gmtime_r(&t, &tm);
  std::strftime(when, sizeof when, "%Y-%m-%dT%H:%M:%SZ", &tm);
  nlohmann::json j = {{"time", when},
                      {"request_id", r.request_id},
                      {"remote", r.remote},
                      {"principal", r.principal},
                      {"operation", r.operation},
                      {"method", r.method},
                      {"bucket", r.bucket},
                      {"key", r.key},
                      {"status", r.status},
                      {"bytes_in", r.bytes_in},
                      {"bytes_out", r.bytes_out},
                      {"latency_ms", r.seconds * 1000}};
  // Keys are arbitrary bytes; replace what is not UTF-8 rather than fail the request.
  std::string line = j.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace) + "\n";
  ssize_t ignored = ::write(fd_, line.data(), line.size());
  (void)ignored;
}

}  // namespace xs3::server
