#define DOCTEST_CONFIG_IMPLEMENT_WITH_MAIN
#include <doctest/doctest.h>

#include <cstdio>
#include <fstream>

#include "config/config.h"
#include "config/schema.h"

using xs3::config::Load;

TEST_CASE("embedded defaults run with no file, flags or environment") {
  const char* argv[] = {"xs3d"};
  auto r = Load(1, argv, nullptr);
  REQUIRE(r.config);
  CHECK(r.config->address == "127.0.0.1");
  CHECK(r.config->port == 9000);
  CHECK(r.config->data_dir == "./data");
  CHECK(r.config->region == "us-east-1");
  CHECK(r.config->users.at(0).access_key == "xs3devaccesskey");
}

TEST_CASE("file, then environment, then flags: each overrides the last") {
  std::string path = "/tmp/xs3_config_test.json";
  {
    std::ofstream f(path);
    f << R"({"region":"eu-west-1","data_dir":"/from/file","durability":"relaxed",
             "users":[{"name":"bob","access_key":"BOB","secret_key":"BOBSECRET",
                       "policy":{"Statement":{"Effect":"Allow","Action":"s3:*","Resource":"*"}}}]})";
  }
  const char* env[] = {"XS3_DATA_DIR=/from/env", "XS3_ROOT_ACCESS_KEY=ENVKEY", "XS3_SOMETHING_ELSE=1", "PATH=/bin", nullptr};
  const char* argv[] = {"xs3d", "--config", path.c_str(), "--data-dir", "/from/flag", "--address", "0.0.0.0:9100"};
  auto r = Load(7, argv, env);
  REQUIRE(r.config);
  CHECK(r.config->region == "eu-west-1");
  CHECK(r.config->durability == "relaxed");
  CHECK(r.config->data_dir == "/from/flag");
  CHECK(r.config->address == "0.0.0.0");
  CHECK(r.config->port == 9100);
  CHECK(r.config->users.size() == 2);
  CHECK(r.config->users[0].access_key == "ENVKEY");
  CHECK(r.config->users[1].name == "bob");
  CHECK(r.config->users[1].policy == R"({"Statement":{"Action":"s3:*","Effect":"Allow","Resource":"*"}})");
  CHECK(r.config->users[0].policy.empty());
  std::remove(path.c_str());
}

TEST_CASE("bad input is refused with a message") {
  const char* argv1[] = {"xs3d", "--durability", "sometimes"};
  CHECK_FALSE(Load(3, argv1, nullptr).config);
  const char* argv2[] = {"xs3d", "--address", "127.0.0.1:notaport"};
  CHECK_FALSE(Load(3, argv2, nullptr).config);
  const char* argv3[] = {"xs3d", "--no-such-flag", "1"};
  CHECK_FALSE(Load(3, argv3, nullptr).config);
  const char* env[] = {"XS3_ROOT_SECRET_KEY=", nullptr};
  const char* argv4[] = {"xs3d"};
  CHECK_FALSE(Load(1, argv4, env).config);
}

TEST_CASE("initial buckets and ephemeral mode") {
  const char* env[] = {"XS3_BUCKETS=assets,ckpt--use1-az4--x-s3", nullptr};
  const char* argv[] = {"xs3d", "--ephemeral", "--region", "us-east-1"};
  auto r = Load(4, argv, env);
  REQUIRE(r.config);
  CHECK(r.config->ephemeral);
  CHECK(r.config->region == "us-east-1");
  CHECK(r.config->buckets == std::vector<std::string>{"assets", "ckpt--use1-az4--x-s3"});
  const char* bad[] = {"XS3_EPHEMERAL=maybe", nullptr};
  const char* argv2[] = {"xs3d"};
  CHECK_FALSE(Load(1, argv2, bad).config);
}

TEST_CASE("per-bucket rate limits from the file") {
  std::string path = "/tmp/xs3_config_limits_test.json";
  {
    std::ofstream f(path);
    f << R"({"bucket_limits": {"tight": {"writes_per_s": 3}}})";
  }
  const char* argv[] = {"xs3d", "--config", path.c_str()};
  auto r = Load(3, argv, nullptr);
  REQUIRE(r.config);
  REQUIRE(r.config->bucket_limits.count("tight"));
  CHECK(r.config->bucket_limits.at("tight").writes_per_s == 3);
  CHECK(r.config->bucket_limits.at("tight").reads_per_s == 200000);
  std::remove(path.c_str());
}

TEST_CASE("the schema and the parser agree: every setting takes what it shows, by flag and environment") {
  using xs3::config::Schema;
  // A non-default value for each, so a setting the parser ignores cannot pass by accident.
  xs3::config::Config probe;
  probe.address = "0.0.0.0";
  probe.port = 9100;
  probe.data_dir = "/srv/xs3";
  probe.region = "eu-west-1";
  probe.domains = {"s3.example"};
  probe.durability = "relaxed";
  probe.users.at(0).access_key = "AK";
  probe.users.at(0).secret_key = "SK";
  probe.buckets = {"a", "b--euw1-az1--x-s3"};
  probe.ephemeral = true;
  probe.zones = {"euw1-az1"};
  probe.home_zone = "euw1-az1";
  probe.cross_zone_latency_min_ms = 1;
  probe.cross_zone_latency_max_ms = 7;
  probe.session_lifetime = std::chrono::seconds(60);
  probe.abort_incomplete_uploads_after = std::chrono::seconds(0);
  probe.rate_limits = false;
  probe.directory_reads_per_s = 11;
  probe.directory_writes_per_s = 12;
  probe.prefix_rate_limits = true;
  probe.prefix_reads_per_s = 13;
  probe.prefix_writes_per_s = 14;
  probe.threads = 3;
  probe.max_connections = 17;
  probe.max_header_bytes = 18000;
  probe.max_object_bytes = 19000;
  probe.inline_threshold = 2000;
  probe.lmdb_map_size = 1 << 20;
  probe.idle_timeout = std::chrono::seconds(21);
  probe.request_timeout = std::chrono::seconds(22);
  probe.log_format = "json";
  probe.lifecycle_day = std::chrono::milliseconds(1000);
  probe.lifecycle_sweep_interval = std::chrono::milliseconds(250);
  probe.access_log = "stdout";
  probe.faults = R"({"rules":[]})";
  xs3::config::Config defaults;
  for (auto& s : Schema()) {
    CAPTURE(s.name);
    std::string value = s.show(probe);
    CHECK(value != s.show(defaults));
    std::string flag = std::string("--") + s.name + "=" + value;
    const char* argv[] = {"xs3d", flag.c_str()};
    auto by_flag = Load(2, argv, nullptr);
    REQUIRE(by_flag.config);
    CHECK(s.show(*by_flag.config) == value);
    std::string env = xs3::config::EnvironmentName(s) + "=" + value;
    const char* environ_vars[] = {env.c_str(), nullptr};
    const char* argv0[] = {"xs3d"};
    auto by_env = Load(1, argv0, environ_vars);
    REQUIRE(by_env.config);
    CHECK(s.show(*by_env.config) == value);
  }
}

TEST_CASE("the reference table lists every setting with its environment variable and default") {
  std::string table = xs3::config::ReferenceMarkdown();
  for (auto& s : xs3::config::Schema()) {
    CAPTURE(s.name);
    CHECK(table.find(std::string("`--") + s.name) != std::string::npos);
    CHECK(table.find("`" + xs3::config::EnvironmentName(s) + "`") != std::string::npos);
  }
  CHECK(table.find("| `--durability fsync\\|relaxed` | `XS3_DURABILITY` | `fsync` |") != std::string::npos);
  auto json = xs3::config::ToJson(xs3::config::Config{});
  CHECK(json["root-secret-key"] == "xs3devsecretkey");  // the well-known dev default is not a secret
  xs3::config::Config c;
  c.users.at(0).secret_key = "real-secret";
  CHECK(xs3::config::ToJson(c)["root-secret-key"] == "********");
}
