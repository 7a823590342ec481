#define DOCTEST_CONFIG_IMPLEMENT_WITH_MAIN
#include <doctest/doctest.h>

#include <cstdio>
#include <fstream>

#include "config/config.h"

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
             "users":[{"name":"bob","access_key":"BOB","secret_key":"BOBSECRET"}]})";
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
