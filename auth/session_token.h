#pragma once
// Self-verifying S3 Express session credentials (CreateSession). Nothing is stored per session:
// the token carries its claims (bucket, mode, owner, expiry) and a MAC under an hourly key
// derived from the server's master key, and the session's access key id and secret are derived
// from the token, so any thread (or any node sharing the master key) verifies it alone.
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace xs3::auth {

enum class SessionMode {
  ReadWrite,
  ReadOnly,
  // The stock SDKs open a session on a directory bucket before creating it; such a session may
  // only create that bucket.
  CreateBucketOnly,
};

std::string_view SessionModeName(SessionMode mode);

struct SessionClaims {
  std::string bucket;
  std::string user;
  SessionMode mode = SessionMode::ReadWrite;
  int64_t expires_epoch_s = 0;
};

struct SessionCredentials {
  std::string access_key_id;
  std::string secret_access_key;
  std::string token;
};

class SessionTokenIssuer {
 public:
  // REQUIRES: master_key is at least 32 bytes of secret randomness.
  explicit SessionTokenIssuer(std::string master_key);

  SessionCredentials Issue(const SessionClaims& claims, int64_t now_epoch_s) const;

  struct Verified {
    SessionClaims claims;
    SessionCredentials credentials;
  };
  // The claims and derived credentials when the MAC holds and the signing key is still in
  // rotation; nullopt for a garbled, foreign or tampered token. Expiry is the caller's check.
  std::optional<Verified> Verify(std::string_view token, int64_t now_epoch_s) const;

 private:
  std::string KeyFor(int64_t epoch_hour) const;
  SessionCredentials Derive(const std::string& key, const std::string& payload) const;
  std::string master_key_;
};

}  // namespace xs3::auth
