#include <doctest/doctest.h>
#include <sys/stat.h>

#include <atomic>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <thread>

#include <nlohmann/json.hpp>

#include "auth/user_directory.h"

namespace {

using xs3::auth::UserDirectory;
using xs3::auth::UserDirectoryError;
using xs3::auth::UserEntry;

struct TempDir {
  std::string path;
  TempDir() {
    std::string tmpl = std::filesystem::temp_directory_path().string() + "/xs3-users-XXXXXX";
    path = mkdtemp(tmpl.data());
  }
  ~TempDir() { std::filesystem::remove_all(path); }
};

std::vector<UserEntry> Configured() { return {{"root", {{"ROOTKEY", "rootsecret", 0}}, true}}; }

std::unique_ptr<UserDirectory> OpenOrFail(const std::string& dir) {
  auto opened = UserDirectory::Open(Configured(), dir);
  REQUIRE(std::holds_alternative<std::unique_ptr<UserDirectory>>(opened));
  return std::move(std::get<std::unique_ptr<UserDirectory>>(opened));
}

}  // namespace

TEST_CASE("users: created keys sign at once, survive a reopen, and deleting revokes them") {
  TempDir dir;
  auto users = OpenOrFail(dir.path);
  CHECK(users->root() == "root");
  CHECK(users->Lookup("ROOTKEY")->user == "root");
  auto created = users->CreateUser("alice");
  REQUIRE(std::holds_alternative<xs3::auth::AccessKey>(created));
  auto key = std::get<xs3::auth::AccessKey>(created);
  CHECK(key.access_key.size() == 20);
  CHECK(key.secret_key.size() == 40);
  CHECK(users->Lookup(key.access_key)->secret_key == key.secret_key);
  CHECK(users->Exists("alice"));

  struct stat st {};
  REQUIRE(stat((dir.path + "/users.json").c_str(), &st) == 0);
  CHECK((st.st_mode & 0777) == 0600);  // secrets inside

  auto reopened = OpenOrFail(dir.path);
  CHECK(reopened->Lookup(key.access_key)->user == "alice");
  auto second = std::get<xs3::auth::AccessKey>(reopened->CreateAccessKey("alice"));
  auto third = reopened->CreateAccessKey("alice");
  REQUIRE(std::holds_alternative<UserDirectoryError>(third));
  CHECK(std::get<UserDirectoryError>(third).kind == UserDirectoryError::Kind::LimitExceeded);
  CHECK_FALSE(reopened->DeleteAccessKey("alice", key.access_key));
  CHECK_FALSE(reopened->Lookup(key.access_key));
  CHECK(reopened->Lookup(second.access_key));
  CHECK_FALSE(reopened->DeleteUser("alice"));
  CHECK_FALSE(reopened->Lookup(second.access_key));
  CHECK_FALSE(reopened->Exists("alice"));
  CHECK_FALSE(OpenOrFail(dir.path)->Exists("alice"));
}

TEST_CASE("users: refusals name IAM's errors and change nothing") {
  TempDir dir;
  auto users = OpenOrFail(dir.path);
  using K = UserDirectoryError::Kind;
  auto kind = [](auto result) { return std::get<UserDirectoryError>(result).kind; };
  CHECK(kind(users->CreateUser("root")) == K::EntityAlreadyExists);
  CHECK(kind(users->CreateUser("")) == K::InvalidInput);
  CHECK(kind(users->CreateUser("has space")) == K::InvalidInput);
  CHECK(kind(users->CreateUser(std::string(65, 'a'))) == K::InvalidInput);
  CHECK(kind(users->CreateAccessKey("root")) == K::Immutable);
  CHECK(kind(users->CreateAccessKey("nobody")) == K::NoSuchEntity);
  CHECK(users->DeleteUser("root")->kind == K::Immutable);
  CHECK(users->DeleteUser("nobody")->kind == K::NoSuchEntity);
  CHECK(users->Names() == std::set<std::string>{"root"});
  CHECK_FALSE(std::filesystem::exists(dir.path + "/users.json"));
}

TEST_CASE("users: a corrupt file or one naming a configured user stops the open") {
  TempDir dir;
  std::ofstream(dir.path + "/users.json") << "{not json";
  CHECK(std::holds_alternative<std::string>(UserDirectory::Open(Configured(), dir.path)));
  std::ofstream(dir.path + "/users.json") << R"({"users":[{"name":"root","keys":[]}]})";
  CHECK(std::holds_alternative<std::string>(UserDirectory::Open(Configured(), dir.path)));
  std::ofstream(dir.path + "/users.json") << R"({"users":[{"name":"x","keys":[{"access_key":"ROOTKEY","secret_key":"s"}]}]})";
  CHECK(std::holds_alternative<std::string>(UserDirectory::Open(Configured(), dir.path)));
}

TEST_CASE("users: lookups run while users are created and deleted") {
  TempDir dir;
  auto users = OpenOrFail(dir.path);
  std::atomic<bool> stop{false};
  std::atomic<long> lookups{0}, misses{0};
  std::thread reader([&] {
    while (!stop) {
      if (!users->Lookup("ROOTKEY")) ++misses;  // must never disappear while others change
      ++lookups;
    }
  });
  for (int i = 0; i < 50; ++i) {
    std::string name = "u" + std::to_string(i);
    REQUIRE(std::holds_alternative<xs3::auth::AccessKey>(users->CreateUser(name)));
    if (i % 2) CHECK_FALSE(users->DeleteUser(name));
  }
  stop = true;
  reader.join();
  CHECK(lookups > 0);
  CHECK(misses == 0);
  CHECK(users->Names().size() == 1 + 25);
}

TEST_CASE("user policies: put, get, delete, persisted; refusals change nothing") {
  using K = UserDirectoryError::Kind;
  TempDir dir;
  const std::string doc = R"({ "Version": "2012-10-17",
    "Statement": [{"Effect": "Allow", "Action": "s3:GetObject", "Resource": "arn:aws:s3:::data/*"}] })";
  {
    auto users = OpenOrFail(dir.path);
    REQUIRE(std::holds_alternative<xs3::auth::AccessKey>(users->CreateUser("alice")));
    CHECK(users->IdentityPolicy("alice") == nullptr);
    CHECK(std::get<UserDirectoryError>(users->GetUserPolicy("alice")).kind == K::NoSuchEntity);
    CHECK_FALSE(users->PutUserPolicy("alice", doc));
    REQUIRE(users->IdentityPolicy("alice") != nullptr);
    CHECK(users->IdentityPolicy("alice")->statements.size() == 1);

    auto bad = users->PutUserPolicy("alice", R"({"Statement":[{"Effect":"Allow","Action":"s3:Fly","Resource":"*"}]})");
    REQUIRE(bad);
    CHECK(bad->kind == K::MalformedPolicy);
    CHECK(bad->message == "Policy has invalid action");
    CHECK(users->PutUserPolicy("nobody", doc)->kind == K::NoSuchEntity);
    CHECK(users->PutUserPolicy("root", doc)->kind == K::Immutable);
    CHECK(users->DeleteUserPolicy("root")->kind == K::Immutable);
  }
  auto reopened = OpenOrFail(dir.path);
  auto stored = reopened->GetUserPolicy("alice");
  REQUIRE(std::holds_alternative<std::string>(stored));
  CHECK(nlohmann::json::parse(std::get<std::string>(stored)) == nlohmann::json::parse(doc));
  REQUIRE(reopened->IdentityPolicy("alice") != nullptr);
  CHECK_FALSE(reopened->DeleteUserPolicy("alice"));
  CHECK(reopened->IdentityPolicy("alice") == nullptr);
  CHECK(reopened->DeleteUserPolicy("alice")->kind == K::NoSuchEntity);
  CHECK(OpenOrFail(dir.path)->IdentityPolicy("alice") == nullptr);
}

TEST_CASE("user policies from the configuration: validated at open, never on root") {
  TempDir dir;
  const std::string allow = R"({"Statement":{"Effect":"Allow","Action":"s3:*","Resource":"*"}})";
  auto configured = Configured();
  configured.push_back({"bob", {{"BOBKEY", "bobsecret", 0}}, true, allow});
  auto opened = UserDirectory::Open(configured, dir.path);
  REQUIRE(std::holds_alternative<std::unique_ptr<UserDirectory>>(opened));
  auto& users = *std::get<std::unique_ptr<UserDirectory>>(opened);
  CHECK(users.IdentityPolicy("bob") != nullptr);
  CHECK(users.PutUserPolicy("bob", allow)->kind == UserDirectoryError::Kind::Immutable);
  CHECK(users.DeleteUserPolicy("bob")->kind == UserDirectoryError::Kind::Immutable);

  configured.back().policy = R"({"Statement":{"Effect":"Allow","Principal":"*","Action":"s3:*","Resource":"*"}})";
  auto bad = UserDirectory::Open(configured, dir.path);
  REQUIRE(std::holds_alternative<std::string>(bad));
  CHECK(std::get<std::string>(bad) == "policy of user 'bob': Policy document should not specify a principal.");

  configured = Configured();
  configured.front().policy = allow;
  auto root = UserDirectory::Open(configured, dir.path);
  REQUIRE(std::holds_alternative<std::string>(root));
  CHECK(std::get<std::string>(root) == "user 'root' is the root user; identity policies do not apply to root");
}
