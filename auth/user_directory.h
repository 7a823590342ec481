#pragma once
// Who may sign requests: the users from the configuration (fixed; the first is root) plus users
// an administrator manages at runtime (`xs3 user create`), kept in <data_dir>/users.json so they
// survive restarts. Each user but root may hold an identity policy (auth/access_policy.h),
// configured or put at runtime, which api/bucket_policy_check.h applies. Lookups run on every request and take a shared lock only; changes rewrite
// the file atomically (tmp, fsync, rename, directory fsync) before they become visible.
#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <set>
#include <shared_mutex>
#include <string>
#include <string_view>
#include <unordered_map>
#include <variant>
#include <vector>

#include "auth/access_policy.h"
#include "auth/sigv4.h"

namespace xs3::auth {

struct AccessKey {
  std::string access_key;
  std::string secret_key;
  int64_t created_ms = 0;
};

struct UserEntry {
  std::string name;
  std::vector<AccessKey> keys;
  bool from_config = false;  // configured users cannot be changed at runtime
  std::string policy;        // identity policy, compact JSON; empty: none
};

// Why a change was refused; the names follow IAM's errors for the same situations.
struct UserDirectoryError {
  enum class Kind { EntityAlreadyExists, NoSuchEntity, LimitExceeded, InvalidInput, MalformedPolicy, Immutable, Io };
  Kind kind;
  std::string message;
};

class UserDirectory {
 public:
  // IAM's limit of access keys per user.
  static constexpr size_t kMaxKeysPerUser = 2;

  // Loads <data_dir>/users.json when present. `fixed` are the configured users, root first.
  // An error string when the file exists but cannot be read or names a configured key.
  static std::variant<std::unique_ptr<UserDirectory>, std::string> Open(std::vector<UserEntry> fixed,
                                                                        std::string data_dir);

  std::optional<Credential> Lookup(std::string_view access_key) const;
  bool Exists(const std::string& name) const;
  std::set<std::string> Names() const;
  std::vector<UserEntry> List() const;  // sorted by name, configured users first
  const std::string& root() const { return root_; }

  // A new user with one generated access key (returned).
  std::variant<AccessKey, UserDirectoryError> CreateUser(const std::string& name);
  std::variant<AccessKey, UserDirectoryError> CreateAccessKey(const std::string& name);
  std::optional<UserDirectoryError> DeleteAccessKey(const std::string& name, const std::string& access_key);
  // Removes the user and all of its keys.
  std::optional<UserDirectoryError> DeleteUser(const std::string& name);

  // The user's identity policy; null without one. Read on every request: shared lock only.
  std::shared_ptr<const AccessPolicy> IdentityPolicy(const std::string& name) const;
  // The stored document (compact JSON); NoSuchEntity without the user or without a policy.
  std::variant<std::string, UserDirectoryError> GetUserPolicy(const std::string& name) const;
  // Replaces a managed user's policy once it validates (MalformedPolicy with the reason).
  std::optional<UserDirectoryError> PutUserPolicy(const std::string& name, std::string_view document);
  std::optional<UserDirectoryError> DeleteUserPolicy(const std::string& name);

 private:
  UserDirectory(std::vector<UserEntry> fixed, std::string data_dir);
  // REQUIRES: mu_ held exclusively. Writes managed_ to disk, then rebuilds the key and policy
  // indexes.
  std::optional<UserDirectoryError> Persist();
  // REQUIRES: mu_ held exclusively. Persist, and when the write fails `undo` the in-memory change
  // (the file still holds the state before it) and reindex.
  std::optional<UserDirectoryError> PersistOrUndo(const std::function<void()>& undo);
  // REQUIRES: mu_ held exclusively. The managed user `name`; configured users are Immutable.
  std::variant<UserEntry*, UserDirectoryError> ManagedUser(const std::string& name);
  void Reindex();
  bool KeyInUse(const std::string& access_key) const;

  mutable std::shared_mutex mu_;
  std::vector<UserEntry> fixed_;
  std::map<std::string, UserEntry> managed_;
  std::unordered_map<std::string, Credential> by_key_;
  std::map<std::string, std::shared_ptr<const AccessPolicy>> policies_;
  std::string path_;
  std::string root_;
};

}  // namespace xs3::auth
