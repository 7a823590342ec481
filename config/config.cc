#include "config/config.h"

#include "config/schema.h"

#include <cstring>
#include <fstream>
#include <map>
#include <nlohmann/json.hpp>
#include <sstream>

namespace xs3::config {
namespace {

bool ParseAddress(const std::string& text, Config& c, std::string& error) {
  auto colon = text.rfind(':');
  if (colon == std::string::npos) {
    c.address = text;
    return true;
  }
  std::string host = text.substr(0, colon);
  if (host.size() >= 2 && host.front() == '[' && host.back() == ']') host = host.substr(1, host.size() - 2);
  unsigned long port = 0;
  try {
    size_t used = 0;
    port = std::stoul(text.substr(colon + 1), &used);
    if (used != text.size() - colon - 1 || port > 65535) throw std::invalid_argument("port");
  } catch (const std::exception&) {
    error = "invalid address '" + text + "': expected host:port";
    return false;
  }
  c.address = host;
  c.port = static_cast<uint16_t>(port);
  return true;
}

bool ParseBool(const std::string& v) {
  if (v == "true" || v == "1" || v == "on") return true;
  if (v == "false" || v == "0" || v == "off") return false;
  throw std::invalid_argument("bool");
}

double ParsePositive(const std::string& v) {
  double d = std::stod(v);
  if (!(d > 0)) throw std::invalid_argument("positive");
  return d;
}

bool IsSetting(const std::string& name) {
  for (auto& s : Schema())
    if (name == s.name) return true;
  return false;
}

bool SetScalar(Config& c, const std::string& name, const std::string& value, std::string& error) {
  try {
    if (name == "address") return ParseAddress(value, c, error);
    if (name == "port") {
      unsigned long p = std::stoul(value);
      if (p > 65535) throw std::invalid_argument("port");
      c.port = static_cast<uint16_t>(p);
    } else if (name == "data-dir") {
      c.data_dir = value;
    } else if (name == "region") {
      c.region = value;
    } else if (name == "domain") {
      c.domains.clear();
      std::stringstream ss(value);
      for (std::string d; std::getline(ss, d, ',');)
        if (!d.empty()) c.domains.push_back(d);
    } else if (name == "durability") {
      if (value != "fsync" && value != "relaxed") {
        error = "durability must be 'fsync' or 'relaxed', not '" + value + "'";
        return false;
      }
      c.durability = value;
    } else if (name == "inline-threshold") {
      c.inline_threshold = std::stoull(value);
    } else if (name == "lmdb-map-size") {
      c.lmdb_map_size = std::stoull(value);
      if (c.lmdb_map_size < 64 * 1024) throw std::invalid_argument("range");
    } else if (name == "threads") {
      c.threads = static_cast<unsigned>(std::stoul(value));
    } else if (name == "max-connections") {
      c.max_connections = std::stoull(value);
    } else if (name == "max-header-bytes") {
      c.max_header_bytes = std::stoull(value);
    } else if (name == "max-object-bytes") {
      c.max_object_bytes = std::stoull(value);
    } else if (name == "idle-timeout") {
      c.idle_timeout = std::chrono::seconds(std::stoll(value));
    } else if (name == "request-timeout") {
      c.request_timeout = std::chrono::seconds(std::stoll(value));
    } else if (name == "zones") {
      c.zones.clear();
      std::stringstream ss(value);
      for (std::string z; std::getline(ss, z, ',');)
        if (!z.empty()) c.zones.push_back(z);
    } else if (name == "session-lifetime") {
      c.session_lifetime = std::chrono::seconds(std::stoll(value));
      if (c.session_lifetime.count() < 1 || c.session_lifetime.count() > 3600) throw std::invalid_argument("range");
    } else if (name == "abort-incomplete-uploads-after") {
      c.abort_incomplete_uploads_after = std::chrono::seconds(std::stoll(value));
      if (c.abort_incomplete_uploads_after.count() < 0) throw std::invalid_argument("negative");
    } else if (name == "buckets") {
      c.buckets.clear();
      std::stringstream ss(value);
      for (std::string b; std::getline(ss, b, ',');)
        if (!b.empty()) c.buckets.push_back(b);
    } else if (name == "ephemeral") {
      c.ephemeral = ParseBool(value);
    } else if (name == "home-zone") {
      c.home_zone = value;
    } else if (name == "cross-zone-latency-ms") {
      // "2-4" (a range) or "3" (fixed); "0" turns it off.
      auto dash = value.find('-');
      c.cross_zone_latency_min_ms = std::stod(value.substr(0, dash));
      c.cross_zone_latency_max_ms = dash == std::string::npos ? c.cross_zone_latency_min_ms : std::stod(value.substr(dash + 1));
      if (c.cross_zone_latency_min_ms < 0 || c.cross_zone_latency_max_ms < c.cross_zone_latency_min_ms) {
        throw std::invalid_argument("range");
      }
    } else if (name == "lifecycle-day-ms") {
      c.lifecycle_day = std::chrono::milliseconds(std::stoll(value));
      if (c.lifecycle_day.count() < 1) throw std::invalid_argument("range");
    } else if (name == "lifecycle-sweep-interval-ms") {
      c.lifecycle_sweep_interval = std::chrono::milliseconds(std::stoll(value));
      if (c.lifecycle_sweep_interval.count() < 1) throw std::invalid_argument("range");
    } else if (name == "log-format") {
      if (value != "text" && value != "json") throw std::invalid_argument("log-format");
      c.log_format = value;
    } else if (name == "access-log") {
      c.access_log = value;
    } else if (name == "faults") {
      auto doc = nlohmann::json::parse(value, nullptr, /*allow_exceptions=*/false);
      if (!value.empty() && (doc.is_discarded() || !doc.is_object())) {
        error = "faults must be a JSON object";
        return false;
      }
      c.faults = value;
    } else if (name == "rate-limits") {
      c.rate_limits = ParseBool(value);
    } else if (name == "prefix-rate-limits") {
      c.prefix_rate_limits = ParseBool(value);
    } else if (name == "directory-reads-per-s") {
      c.directory_reads_per_s = ParsePositive(value);
    } else if (name == "directory-writes-per-s") {
      c.directory_writes_per_s = ParsePositive(value);
    } else if (name == "prefix-reads-per-s") {
      c.prefix_reads_per_s = ParsePositive(value);
    } else if (name == "prefix-writes-per-s") {
      c.prefix_writes_per_s = ParsePositive(value);
    } else if (name == "root-access-key") {
      c.users[0].access_key = value;
    } else if (name == "root-secret-key") {
      c.users[0].secret_key = value;
    } else {
      error = "unknown setting '" + name + "'";
      return false;
    }
  } catch (const std::exception&) {
    error = "invalid value '" + value + "' for " + name;
    return false;
  }
  return true;
}

bool ApplyJson(Config& c, const std::string& path, std::string& error) {
  std::ifstream in(path);
  if (!in) {
    error = "cannot read config file '" + path + "'";
    return false;
  }
  nlohmann::json j = nlohmann::json::parse(in, nullptr, /*allow_exceptions=*/false);
  if (j.is_discarded() || !j.is_object()) {
    error = "config file '" + path + "' is not a JSON object";
    return false;
  }
  for (auto& [k, v] : j.items()) {
    std::string name = k;
    for (auto& ch : name)
      if (ch == '_') ch = '-';
    if (name == "users") {
      if (!v.is_array()) {
        error = "'users' must be an array";
        return false;
      }
      for (auto& u : v) {
        if (!u.is_object() || !u.contains("access_key") || !u.contains("secret_key") || !u["access_key"].is_string() ||
            !u["secret_key"].is_string()) {
          error = "each user needs string 'access_key' and 'secret_key'";
          return false;
        }
        User user{u.value("name", u["access_key"].get<std::string>()), u["access_key"].get<std::string>(),
                  u["secret_key"].get<std::string>()};
        // Validated with the users (auth/user_directory.h), which knows the policy language.
        if (u.contains("policy")) {
          if (!u["policy"].is_object()) {
            error = "user '" + user.name + "': 'policy' must be a JSON object (an IAM policy document)";
            return false;
          }
          user.policy = u["policy"].dump();
        }
        c.users.push_back(user);
      }
      continue;
    }
    if (name == "bucket-limits" && v.is_object()) {
      for (auto& [bucket, lim] : v.items()) {
        // Named, not captured as a structured binding: clang 14 cannot capture those.
        auto rate = [&l = lim](const char* field, double fallback) {
          return l.contains(field) && l[field].is_number() && l[field].get<double>() > 0 ? l[field].get<double>() : fallback;
        };
        if (!lim.is_object()) {
          error = "bucket_limits." + bucket + " must be an object";
          return false;
        }
        c.bucket_limits[bucket] = {rate("reads_per_s", c.directory_reads_per_s), rate("writes_per_s", c.directory_writes_per_s)};
      }
      continue;
    }
    if (name == "faults" && v.is_object()) {
      c.faults = v.dump();
      continue;
    }
    if (name == "buckets" && v.is_array()) {
      c.buckets.clear();
      for (auto& b : v)
        if (b.is_string()) c.buckets.push_back(b.get<std::string>());
      continue;
    }
    if (v.is_boolean() && (name == "ephemeral" || name == "rate-limits" || name == "prefix-rate-limits")) {
      if (!SetScalar(c, name, v.get<bool>() ? "true" : "false", error)) return false;
      continue;
    }
    if (v.is_number_float()) {
      if (!SetScalar(c, name, std::to_string(v.get<double>()), error)) return false;
      continue;
    }
    if ((name == "zones") && v.is_array()) {
      c.zones.clear();
      for (auto& z : v)
        if (z.is_string()) c.zones.push_back(z.get<std::string>());
      continue;
    }
    if (name == "domains" && v.is_array()) {
      c.domains.clear();
      for (auto& d : v)
        if (d.is_string()) c.domains.push_back(d.get<std::string>());
      continue;
    }
    std::string value;
    if (v.is_string()) value = v.get<std::string>();
    else if (v.is_number_integer()) value = std::to_string(v.get<long long>());
    else {
      error = "config '" + k + "' must be a string or integer";
      return false;
    }
    if (!SetScalar(c, name, value, error)) return false;
  }
  return true;
}

}  // namespace

std::vector<std::string> EffectiveZones(const Config& c) {
  if (!c.zones.empty()) return c.zones;
  // AZ ids AWS publishes for S3 Express One Zone (S3 User Guide, "Regional and Zonal endpoints").
  static const std::map<std::string, std::vector<std::string>> kPublished = {
      {"us-east-1", {"use1-az4", "use1-az5", "use1-az6"}},
      {"us-east-2", {"use2-az1", "use2-az2"}},
      {"us-west-2", {"usw2-az1", "usw2-az3", "usw2-az4"}},
      {"ap-south-1", {"aps1-az1", "aps1-az3"}},
      {"ap-northeast-1", {"apne1-az1", "apne1-az4"}},
      {"eu-west-1", {"euw1-az1", "euw1-az3"}},
      {"eu-north-1", {"eun1-az1", "eun1-az2", "eun1-az3"}},
  };
  auto it = kPublished.find(c.region);
  if (it != kPublished.end()) return it->second;
  return {};
}

std::string Usage() {
  std::ostringstream out;
  out << "usage: xs3d [--config FILE] [--SETTING VALUE]...\n"
         "       xs3d --config-reference   (the settings as a Markdown table)\n"
         "Settings (flag, environment; flags win over environment, environment over the file):\n";
  for (auto& s : Schema()) {
    std::string flag = std::string("--") + s.name + (*s.placeholder ? " " : "") + s.placeholder;
    out << "  " << flag << std::string(flag.size() < 44 ? 44 - flag.size() : 1, ' ') << EnvironmentName(s) << "\n"
        << "      " << s.help << "\n";
  }
  return out.str();
}

LoadResult Load(int argc, const char* const* argv, const char* const* environ_vars) {
  LoadResult result;
  Config c;
  std::string error;

  std::string config_file;
  std::vector<std::pair<std::string, std::string>> flags;
  for (int i = 1; i < argc; ++i) {
    std::string arg = argv[i];
    if (arg == "-h" || arg == "--help") {
      result.show_help = true;
      return result;
    }
    if (arg == "--config-reference") {
      result.show_reference = true;
      return result;
    }
    if (arg.rfind("--", 0) != 0) {
      result.error = "unexpected argument '" + arg + "'";
      return result;
    }
    std::string name = arg.substr(2), value;
    if (auto eq = name.find('='); eq != std::string::npos) {
      value = name.substr(eq + 1);
      name = name.substr(0, eq);
    } else if (name == "ephemeral") {
      value = "true";  // a switch: takes no value
    } else if (i + 1 < argc) {
      value = argv[++i];
    } else {
      result.error = "flag --" + name + " needs a value";
      return result;
    }
    if (name == "config") config_file = value;
    else flags.emplace_back(name, value);
  }

  if (!config_file.empty() && !ApplyJson(c, config_file, error)) {
    result.error = error;
    return result;
  }

  for (const char* const* e = environ_vars; e && *e; ++e) {
    std::string kv = *e;
    if (kv.rfind("XS3_", 0) != 0) continue;
    auto eq = kv.find('=');
    if (eq == std::string::npos) continue;
    std::string name = kv.substr(4, eq - 4);
    for (auto& ch : name) ch = (ch == '_') ? '-' : static_cast<char>(std::tolower(static_cast<unsigned char>(ch)));
    // Other tools share the XS3_ prefix in the environment; only our settings are read.
    if (!IsSetting(name)) continue;
    if (!SetScalar(c, name, kv.substr(eq + 1), error)) {
      result.error = "environment " + kv.substr(0, eq) + ": " + error;
      return result;
    }
  }
  for (auto& [name, value] : flags) {
    if (!SetScalar(c, name, value, error)) {
      result.error = "--" + name + ": " + error;
      return result;
    }
  }
  std::map<std::string, int> seen;
  for (auto& u : c.users) {
    if (u.access_key.empty() || u.secret_key.empty()) {
      result.error = "user '" + u.name + "' has an empty access or secret key";
      return result;
    }
    if (seen[u.access_key]++) {
      result.error = "access key '" + u.access_key + "' is configured twice";
      return result;
    }
  }
  result.config = c;
  return result;
}

std::string Describe(const Config& c) {
  std::ostringstream out;
  out << "  address      " << c.address << ":" << c.port << "\n"
      << "  data dir     " << c.data_dir << "\n"
      << "  region       " << c.region << "\n"
      << "  durability   " << c.durability << "\n"
      << "  zones        ";
  auto zones = EffectiveZones(c);
  for (size_t i = 0; i < zones.size(); ++i) out << (i ? "," : "") << zones[i];
  out << (zones.empty() ? "(any well-formed zone id)" : "") << "\n"
      << "  domains      ";
  for (size_t i = 0; i < c.domains.size(); ++i) out << (i ? "," : "") << c.domains[i];
  out << "\n";
  for (auto& u : c.users) {
    bool dev = u.secret_key == "xs3devsecretkey";
    out << "  user         " << u.name << "  access key " << u.access_key << "  secret key "
        << (dev ? u.secret_key + "  (well-known dev credentials)" : std::string("********")) << "\n";
  }
  return out.str();
}

}  // namespace xs3::config
