#include "config/schema.h"

#include <sstream>

namespace xs3::config {
namespace {

std::string Join(const std::vector<std::string>& v) {
  std::string out;
  for (size_t i = 0; i < v.size(); ++i) out += (i ? "," : "") + v[i];
  return out;
}

std::string Num(double d) {
  std::ostringstream out;
  out << d;
  return out.str();
}

std::string OnOff(bool b) { return b ? "on" : "off"; }

}  // namespace

const std::vector<SettingInfo>& Schema() {
  static const std::vector<SettingInfo> kSchema = {
      {"address", "HOST:PORT", "listen address (port 0 picks a free port)",
       [](const Config& c) { return c.address + ":" + std::to_string(c.port); }},
      {"port", "N", "listen port (overrides the address's port)", [](const Config& c) { return std::to_string(c.port); }},
      {"data-dir", "DIR", "where objects and metadata live", [](const Config& c) { return c.data_dir; }},
      {"region", "REGION", "the region the server answers for", [](const Config& c) { return c.region; }},
      {"domain", "D1,D2", "virtual-host domains: a Host of BUCKET.DOMAIN names the bucket",
       [](const Config& c) { return Join(c.domains); }},
      {"durability", "fsync|relaxed", "fsync: acknowledged writes survive power loss; relaxed: no syncs",
       [](const Config& c) { return c.durability; }},
      {"root-access-key", "KEY", "the root user's access key", [](const Config& c) { return c.users.at(0).access_key; }},
      {"root-secret-key", "SECRET", "the root user's secret key",
       [](const Config& c) { return c.users.at(0).secret_key; }, true},
      {"buckets", "B1,B2--use1-az4--x-s3", "buckets created at start when missing (idempotent)",
       [](const Config& c) { return Join(c.buckets); }},
      {"ephemeral", "", "throwaway mode: data on tmpfs, relaxed durability, removed at exit (a switch; XS3_EPHEMERAL=1)",
       [](const Config& c) { return OnOff(c.ephemeral); }},
      {"zones", "use1-az4,use1-az5", "zone ids directory buckets may use (empty: the region's published ones)",
       [](const Config& c) { return Join(c.zones); }},
      {"home-zone", "ZONE", "this server's zone (empty: the first offered zone)",
       [](const Config& c) { return c.home_zone; }},
      {"cross-zone-latency-ms", "MIN-MAX", "delay added to requests for directory buckets in other zones",
       [](const Config& c) { return Num(c.cross_zone_latency_min_ms) + "-" + Num(c.cross_zone_latency_max_ms); }},
      {"session-lifetime", "SECONDS", "CreateSession credentials' lifetime (1-3600)",
       [](const Config& c) { return std::to_string(c.session_lifetime.count()); }},
      {"abort-incomplete-uploads-after", "SECONDS", "multipart uploads older than this are aborted (0: never)",
       [](const Config& c) { return std::to_string(c.abort_incomplete_uploads_after.count()); }},
      {"rate-limits", "on|off", "directory-bucket request-rate limits (503 SlowDown)",
       [](const Config& c) { return OnOff(c.rate_limits); }},
      {"directory-reads-per-s", "N", "reads per second per directory bucket",
       [](const Config& c) { return Num(c.directory_reads_per_s); }},
      {"directory-writes-per-s", "N", "writes per second per directory bucket",
       [](const Config& c) { return Num(c.directory_writes_per_s); }},
      {"prefix-rate-limits", "on|off", "general-purpose per-prefix limits, as S3 scales them",
       [](const Config& c) { return OnOff(c.prefix_rate_limits); }},
      {"prefix-reads-per-s", "N", "reads per second per prefix (when on)",
       [](const Config& c) { return Num(c.prefix_reads_per_s); }},
      {"prefix-writes-per-s", "N", "writes per second per prefix (when on)",
       [](const Config& c) { return Num(c.prefix_writes_per_s); }},
      {"threads", "N", "I/O threads (0: one per core)", [](const Config& c) { return std::to_string(c.threads); }},
      {"max-connections", "N", "connections served at once; more wait in the kernel's backlog",
       [](const Config& c) { return std::to_string(c.max_connections); }},
      {"max-header-bytes", "BYTES", "largest request head (431 beyond)",
       [](const Config& c) { return std::to_string(c.max_header_bytes); }},
      {"max-object-bytes", "BYTES", "largest single PUT (EntityTooLarge beyond; AWS: 5 GiB)",
       [](const Config& c) { return std::to_string(c.max_object_bytes); }},
      {"inline-threshold", "BYTES", "bodies up to this size live inside the metadata record",
       [](const Config& c) { return std::to_string(c.inline_threshold); }},
      {"lmdb-map-size", "BYTES", "initial LMDB map size; doubled whenever the metadata outgrows it",
       [](const Config& c) { return std::to_string(c.lmdb_map_size); }},
      {"idle-timeout", "SECONDS", "an idle keep-alive connection is closed after this",
       [](const Config& c) { return std::to_string(c.idle_timeout.count()); }},
      {"request-timeout", "SECONDS", "a request making no progress for this long is closed",
       [](const Config& c) { return std::to_string(c.request_timeout.count()); }},
      {"lifecycle-day-ms", "MS", "how long a lifecycle rule's day lasts (tests shorten it to run rules fast)",
       [](const Config& c) { return std::to_string(c.lifecycle_day.count()); }},
      {"lifecycle-sweep-interval-ms", "MS", "how often lifecycle rules are applied",
       [](const Config& c) { return std::to_string(c.lifecycle_sweep_interval.count()); }},
      {"log-format", "text|json", "the server's own messages: plain text or one JSON object per line",
       [](const Config& c) { return c.log_format; }},
      {"access-log", "off|stdout|PATH", "one JSON object per request", [](const Config& c) { return c.access_log; }},
      {"faults", "JSON", "fault-injection schedule (see Observability)", [](const Config& c) { return c.faults; }},
  };
  return kSchema;
}

std::string EnvironmentName(const SettingInfo& s) {
  std::string env = "XS3_";
  for (const char* p = s.name; *p; ++p) env += *p == '-' ? '_' : static_cast<char>(std::toupper(*p));
  return env;
}

std::string ReferenceMarkdown() {
  Config defaults;
  std::ostringstream out;
  out << "| flag | environment | default | meaning |\n|---|---|---|---|\n";
  for (auto& s : Schema()) {
    std::string def = s.show(defaults);
    std::string placeholder = s.placeholder;
    std::string escaped;
    for (char ch : placeholder) escaped += ch == '|' ? std::string("\\|") : std::string(1, ch);
    out << "| `--" << s.name << (escaped.empty() ? "" : " ") << escaped << "` | `" << EnvironmentName(s) << "` | "
        << (def.empty() ? std::string("(none)") : "`" + def + "`") << " | " << s.help << " |\n";
  }
  out << "| `--config FILE` | | | a JSON file of the settings above (keys as the flags, `-` or `_`), "
         "plus `users` and `bucket_limits` |\n";
  return out.str();
}

nlohmann::json ToJson(const Config& c) {
  nlohmann::json out = nlohmann::json::object();
  for (auto& s : Schema()) {
    std::string v = s.show(c);
    if (s.secret && v != Config{}.users.at(0).secret_key) v = "********";
    out[s.name] = v;
  }
  nlohmann::json users = nlohmann::json::array();
  for (auto& u : c.users) {
    nlohmann::json user{{"name", u.name}, {"access_key", u.access_key}};
    if (!u.policy.empty()) user["policy"] = nlohmann::json::parse(u.policy);
    users.push_back(std::move(user));
  }
  out["users"] = users;
  nlohmann::json limits = nlohmann::json::object();
  for (auto& [b, l] : c.bucket_limits) limits[b] = {{"reads_per_s", l.reads_per_s}, {"writes_per_s", l.writes_per_s}};
  out["bucket_limits"] = limits;
  return out;
}

}  // namespace xs3::config
