#include "server/server_log.h"

#include <chrono>
#include <ctime>
#include <iostream>

namespace xs3::server {
namespace {

std::string Now() {
  auto now = std::chrono::system_clock::now();
  std::time_t t = std::chrono::system_clock::to_time_t(now);
  std::tm tm{};
  gmtime_r(&t, &tm);
  char buf[32];
  std::strftime(buf, sizeof buf, "%Y-%m-%dT%H:%M:%S", &tm);
  auto ms = std::chrono::duration_cast<std::chrono::milliseconds>(now.time_since_epoch()).count() % 1000;
  char out[40];
  std::snprintf(out, sizeof out, "%s.%03lldZ", buf, static_cast<long long>(ms));
  return out;
}

std::string Line(const char* level, const std::string& text, const nlohmann::json& fields) {
  nlohmann::json j = {{"time", Now()}, {"level", level}, {"msg", text}};
  for (auto& [k, v] : fields.items()) j[k] = v;
  return j.dump();
}

}  // namespace

void ServerLog::Info(const std::string& text, const nlohmann::json& fields) const {
  if (json_) std::cout << Line("info", text, fields) << std::endl;
  else std::cout << text << std::endl;
}

void ServerLog::Error(const std::string& text, const nlohmann::json& fields) const {
  if (json_) std::cerr << Line("error", text, fields) << std::endl;
  else std::cerr << "xs3d: " << text << std::endl;
}

}  // namespace xs3::server
