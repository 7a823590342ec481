#pragma once
// xs3d's own messages (start, stop, fatal errors), as plain text for people or, with
// --log-format json, one JSON object per line for log collectors. Requests go to the access log.
#include <nlohmann/json.hpp>
#include <string>

namespace xs3::server {

class ServerLog {
 public:
  explicit ServerLog(bool json) : json_(json) {}
  // Text mode prints `text` to stdout; JSON mode prints {"time","level":"info","msg":text,...fields}.
  void Info(const std::string& text, const nlohmann::json& fields = nlohmann::json::object()) const;
  // To stderr; text mode prefixes "xs3d: ".
  void Error(const std::string& text, const nlohmann::json& fields = nlohmann::json::object()) const;
  bool json() const { return json_; }

 private:
  bool json_;
};

}  // namespace xs3::server
