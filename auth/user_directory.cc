#include "auth/user_directory.h"

#include <fcntl.h>
#include <openssl/rand.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <fstream>
#include <iterator>
#include <utility>
#include <nlohmann/json.hpp>

#include "auth/checksum.h"

namespace xs3::auth {
namespace {

int64_t NowMs() {
  return std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::system_clock::now().time_since_epoch())
      .count();
}

// IAM user names: 1-64 of [A-Za-z0-9+=,.@_-].
bool ValidUserName(const std::string& name) {
  if (name.empty() || name.size() > 64) return false;
  return std::all_of(name.begin(), name.end(), [](unsigned char c) {
    return std::isalnum(c) || c == '+' || c == '=' || c == ',' || c == '.' || c == '@' || c == '_' || c == '-';
  });
}

std::string RandomFrom(std::string_view alphabet, size_t n) {
  std::string raw(n, '\0');
  RAND_bytes(reinterpret_cast<unsigned char*>(raw.data()), static_cast<int>(n));
  std::string out;
  for (unsigned char c : raw) out += alphabet[c % alphabet.size()];
  return out;
}

// Shaped like AWS's (20 upper-case characters, 40-character secret) so tools that sanity-check
// key formats accept them; the XS3 prefix tells them apart from real AWS keys in logs.
AccessKey NewKey() {
  // 32 symbols: the modulo over a byte is unbiased.
  std::string access = "XS3K" + RandomFrom("ABCDEFGHIJKLMNOPQRSTUVWXYZ234567", 16);
  std::string raw(30, '\0');
  RAND_bytes(reinterpret_cast<unsigned char*>(raw.data()), static_cast<int>(raw.size()));
  std::string secret = Base64Encode(raw);  // 40 characters
  return AccessKey{std::move(access), std::move(secret), NowMs()};
}

bool WriteFileDurably(const std::string& path, const std::string& content) {
  std::string tmp = path + ".tmp";
  int fd = ::open(tmp.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
  if (fd < 0) return false;
  bool ok = ::write(fd, content.data(), content.size()) == static_cast<ssize_t>(content.size()) && ::fsync(fd) == 0;
  ::close(fd);
  if (!ok || ::rename(tmp.c_str(), path.c_str()) != 0) {
    ::unlink(tmp.c_str());
    return false;
  }
  std::string dir = path.substr(0, path.rfind('/'));
  int dfd = ::open(dir.empty() ? "/" : dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (dfd < 0) return false;
  ok = ::fsync(dfd) == 0;
  ::close(dfd);
  return ok;
}

// The policy as stored: compact JSON of a document that validates; nullopt and *error otherwise.
std::optional<std::string> CanonicalPolicy(std::string_view document, std::string* error) {
  auto parsed = ParseIdentityPolicy(document);
  if (auto* e = std::get_if<S3Error>(&parsed)) {
    *error = e->message;
    return std::nullopt;
  }
  return nlohmann::json::parse(document).dump();
}

}  // namespace

UserDirectory::UserDirectory(std::vector<UserEntry> fixed, std::string data_dir)
    : fixed_(std::move(fixed)), path_(std::move(data_dir) + "/users.json") {
  for (auto& u : fixed_) u.from_config = true;
  if (!fixed_.empty()) root_ = fixed_.front().name;
}

std::variant<std::unique_ptr<UserDirectory>, std::string> UserDirectory::Open(std::vector<UserEntry> fixed,
                                                                              std::string data_dir) {
  std::unique_ptr<UserDirectory> dir(new UserDirectory(std::move(fixed), std::move(data_dir)));
  std::ifstream in(dir->path_, std::ios::binary);
  if (in) {
    std::string text((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
    auto doc = nlohmann::json::parse(text, nullptr, /*allow_exceptions=*/false);
    if (doc.is_discarded() || !doc.is_object() || !doc.contains("users") || !doc["users"].is_array()) {
      return dir->path_ + " is not a users document";
    }
    for (auto& u : doc["users"]) {
      if (!u.is_object() || !u.contains("name") || !u["name"].is_string() || !u.contains("keys") ||
          !u["keys"].is_array()) {
        return dir->path_ + ": malformed user entry";
      }
      UserEntry entry;
      entry.name = u["name"].get<std::string>();
      if (u.contains("policy")) {
        std::string error;
        auto policy = CanonicalPolicy(u["policy"].dump(), &error);
        if (!policy) return dir->path_ + ": policy of user " + entry.name + ": " + error;
        entry.policy = std::move(*policy);
      }
      for (auto& k : u["keys"]) {
        if (!k.is_object() || !k.value("access_key", nlohmann::json()).is_string() ||
            !k.value("secret_key", nlohmann::json()).is_string()) {
          return dir->path_ + ": malformed key of user " + entry.name;
        }
        entry.keys.push_back({k["access_key"].get<std::string>(), k["secret_key"].get<std::string>(),
                              k.value("created_ms", int64_t{0})});
      }
      for (auto& f : dir->fixed_) {
        if (f.name == entry.name) return dir->path_ + ": user '" + entry.name + "' is also configured";
      }
      dir->managed_[entry.name] = std::move(entry);
    }
  }
  for (auto& f : dir->fixed_) {
    if (f.policy.empty()) continue;
    // Identity policies never bind the root user (as on AWS): one there would only mislead.
    if (f.name == dir->root_) return "user '" + f.name + "' is the root user; identity policies do not apply to root";
    std::string error;
    auto policy = CanonicalPolicy(f.policy, &error);
    if (!policy) return "policy of user '" + f.name + "': " + error;
    f.policy = std::move(*policy);
  }
  for (auto& f : dir->fixed_)
    for (auto& k : f.keys)
      for (auto& [name, u] : dir->managed_)
        for (auto& mk : u.keys)
          if (mk.access_key == k.access_key) return dir->path_ + ": access key " + k.access_key + " is also configured";
  dir->Reindex();
  return dir;
}

void UserDirectory::Reindex() {
  by_key_.clear();
  for (auto& [name, u] : managed_)
    for (auto& k : u.keys) by_key_[k.access_key] = {k.access_key, k.secret_key, name};
  // Configured users win over a stale file that names the same key.
  for (auto& u : fixed_)
    for (auto& k : u.keys) by_key_[k.access_key] = {k.access_key, k.secret_key, u.name};
  policies_.clear();
  auto index = [&](const UserEntry& u) {
    if (u.policy.empty()) return;
    // Validated when loaded or put.
    policies_[u.name] = std::make_shared<const AccessPolicy>(std::get<AccessPolicy>(ParseIdentityPolicy(u.policy)));
  };
  for (auto& u : fixed_) index(u);
  for (auto& [name, u] : managed_) index(u);
}

std::optional<Credential> UserDirectory::Lookup(std::string_view access_key) const {
  std::shared_lock lock(mu_);
  auto it = by_key_.find(std::string(access_key));
  if (it == by_key_.end()) return std::nullopt;
  return it->second;
}

bool UserDirectory::Exists(const std::string& name) const {
  std::shared_lock lock(mu_);
  if (managed_.count(name)) return true;
  return std::any_of(fixed_.begin(), fixed_.end(), [&](const UserEntry& u) { return u.name == name; });
}

std::set<std::string> UserDirectory::Names() const {
  std::shared_lock lock(mu_);
  std::set<std::string> names;
  for (auto& u : fixed_) names.insert(u.name);
  for (auto& [name, u] : managed_) names.insert(name);
  return names;
}

std::vector<UserEntry> UserDirectory::List() const {
  std::shared_lock lock(mu_);
  std::vector<UserEntry> out = fixed_;
  for (auto& [name, u] : managed_) out.push_back(u);
  return out;
}

bool UserDirectory::KeyInUse(const std::string& access_key) const { return by_key_.count(access_key) != 0; }

std::optional<UserDirectoryError> UserDirectory::Persist() {
  nlohmann::json users = nlohmann::json::array();
  for (auto& [name, u] : managed_) {
    nlohmann::json keys = nlohmann::json::array();
    for (auto& k : u.keys)
      keys.push_back({{"access_key", k.access_key}, {"secret_key", k.secret_key}, {"created_ms", k.created_ms}});
    nlohmann::json entry{{"name", name}, {"keys", keys}};
    if (!u.policy.empty()) entry["policy"] = nlohmann::json::parse(u.policy);
    users.push_back(std::move(entry));
  }
  if (!WriteFileDurably(path_, nlohmann::json{{"users", users}}.dump(2) + "\n")) {
    return UserDirectoryError{UserDirectoryError::Kind::Io, "cannot write " + path_};
  }
  Reindex();
  return std::nullopt;
}

std::optional<UserDirectoryError> UserDirectory::PersistOrUndo(const std::function<void()>& undo) {
  auto e = Persist();
  if (e) {
    undo();
    Reindex();
  }
  return e;
}

std::variant<UserEntry*, UserDirectoryError> UserDirectory::ManagedUser(const std::string& name) {
  using K = UserDirectoryError::Kind;
  for (auto& u : fixed_)
    if (u.name == name) return UserDirectoryError{K::Immutable, "user '" + name + "' is configured, not managed"};
  auto it = managed_.find(name);
  if (it == managed_.end()) return UserDirectoryError{K::NoSuchEntity, "no user '" + name + "'"};
  return &it->second;
}

std::variant<AccessKey, UserDirectoryError> UserDirectory::CreateUser(const std::string& name) {
  using K = UserDirectoryError::Kind;
  if (!ValidUserName(name)) {
    return UserDirectoryError{K::InvalidInput, "user names are 1-64 characters of A-Z a-z 0-9 +=,.@_-"};
  }
  std::unique_lock lock(mu_);
  bool configured = std::any_of(fixed_.begin(), fixed_.end(), [&](const UserEntry& u) { return u.name == name; });
  if (configured || managed_.count(name)) {
    return UserDirectoryError{K::EntityAlreadyExists, "user '" + name + "' already exists"};
  }
  AccessKey key = NewKey();
  while (KeyInUse(key.access_key)) key = NewKey();
  managed_[name] = UserEntry{name, {key}, false};
  if (auto e = PersistOrUndo([&] { managed_.erase(name); })) return *e;
  return key;
}

std::variant<AccessKey, UserDirectoryError> UserDirectory::CreateAccessKey(const std::string& name) {
  using K = UserDirectoryError::Kind;
  std::unique_lock lock(mu_);
  auto managed = ManagedUser(name);
  if (auto* e = std::get_if<UserDirectoryError>(&managed)) return *e;
  UserEntry& user = *std::get<UserEntry*>(managed);
  if (user.keys.size() >= kMaxKeysPerUser) {
    return UserDirectoryError{K::LimitExceeded, "user '" + name + "' already has " +
                                                    std::to_string(kMaxKeysPerUser) + " access keys"};
  }
  AccessKey key = NewKey();
  while (KeyInUse(key.access_key)) key = NewKey();
  user.keys.push_back(key);
  if (auto e = PersistOrUndo([&] { user.keys.pop_back(); })) return *e;
  return key;
}

std::optional<UserDirectoryError> UserDirectory::DeleteAccessKey(const std::string& name,
                                                                 const std::string& access_key) {
  using K = UserDirectoryError::Kind;
  std::unique_lock lock(mu_);
  auto managed = ManagedUser(name);
  if (auto* e = std::get_if<UserDirectoryError>(&managed)) return *e;
  UserEntry& user = *std::get<UserEntry*>(managed);
  auto& keys = user.keys;
  auto k = std::find_if(keys.begin(), keys.end(), [&](const AccessKey& a) { return a.access_key == access_key; });
  if (k == keys.end()) return UserDirectoryError{K::NoSuchEntity, "user '" + name + "' has no key " + access_key};
  AccessKey removed = *k;
  keys.erase(k);
  return PersistOrUndo([&] { keys.push_back(removed); });
}

std::optional<UserDirectoryError> UserDirectory::DeleteUser(const std::string& name) {
  std::unique_lock lock(mu_);
  auto managed = ManagedUser(name);
  if (auto* e = std::get_if<UserDirectoryError>(&managed)) return *e;
  UserEntry removed = std::move(*std::get<UserEntry*>(managed));
  managed_.erase(name);
  return PersistOrUndo([&] { managed_[name] = std::move(removed); });
}

std::shared_ptr<const AccessPolicy> UserDirectory::IdentityPolicy(const std::string& name) const {
  std::shared_lock lock(mu_);
  auto it = policies_.find(name);
  return it == policies_.end() ? nullptr : it->second;
}

std::variant<std::string, UserDirectoryError> UserDirectory::GetUserPolicy(const std::string& name) const {
  using K = UserDirectoryError::Kind;
  std::shared_lock lock(mu_);
  const UserEntry* user = nullptr;
  for (auto& u : fixed_)
    if (u.name == name) user = &u;
  if (auto it = managed_.find(name); it != managed_.end()) user = &it->second;
  if (!user) return UserDirectoryError{K::NoSuchEntity, "no user '" + name + "'"};
  if (user->policy.empty()) return UserDirectoryError{K::NoSuchEntity, "user '" + name + "' has no policy"};
  return user->policy;
}

std::optional<UserDirectoryError> UserDirectory::PutUserPolicy(const std::string& name, std::string_view document) {
  using K = UserDirectoryError::Kind;
  std::unique_lock lock(mu_);
  auto managed = ManagedUser(name);
  if (auto* e = std::get_if<UserDirectoryError>(&managed)) return *e;
  UserEntry& user = *std::get<UserEntry*>(managed);
  std::string error;
  auto policy = CanonicalPolicy(document, &error);
  if (!policy) return UserDirectoryError{K::MalformedPolicy, error};
  std::string previous = std::exchange(user.policy, std::move(*policy));
  return PersistOrUndo([&] { user.policy = std::move(previous); });
}

std::optional<UserDirectoryError> UserDirectory::DeleteUserPolicy(const std::string& name) {
  using K = UserDirectoryError::Kind;
  std::unique_lock lock(mu_);
  auto managed = ManagedUser(name);
  if (auto* e = std::get_if<UserDirectoryError>(&managed)) return *e;
  UserEntry& user = *std::get<UserEntry*>(managed);
  if (user.policy.empty()) return UserDirectoryError{K::NoSuchEntity, "user '" + name + "' has no policy"};
  std::string previous = std::exchange(user.policy, std::string());
  return PersistOrUndo([&] { user.policy = std::move(previous); });
}

}  // namespace xs3::auth
