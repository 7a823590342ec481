#include "auth/session_token.h"

#include <doctest/doctest.h>

#include "auth/checksum.h"

using namespace xs3::auth;

namespace {
const std::string kMaster(32, 'k');
const int64_t kNow = 1'790'000'000;
}  // namespace

TEST_CASE("a session token verifies alone and yields the same derived credentials") {
  SessionTokenIssuer issuer(kMaster);
  SessionClaims claims{"b--use1-az4--x-s3", "root", SessionMode::ReadOnly, kNow + 300};
  auto creds = issuer.Issue(claims, kNow);
  CHECK(creds.access_key_id.rfind("XS3SESS", 0) == 0);
  CHECK(creds.secret_access_key.size() == 40);
  auto v = issuer.Verify(creds.token, kNow + 10);
  REQUIRE(v);
  CHECK(v->claims.bucket == claims.bucket);
  CHECK(v->claims.user == "root");
  CHECK(v->claims.mode == SessionMode::ReadOnly);
  CHECK(v->claims.expires_epoch_s == kNow + 300);
  CHECK(v->credentials.access_key_id == creds.access_key_id);
  CHECK(v->credentials.secret_access_key == creds.secret_access_key);
  // A second issuer with the same master key (another thread or node) agrees.
  CHECK(SessionTokenIssuer(kMaster).Verify(creds.token, kNow));
}

TEST_CASE("tokens are unique even for identical claims") {
  SessionTokenIssuer issuer(kMaster);
  SessionClaims claims{"b--use1-az4--x-s3", "root", SessionMode::ReadWrite, kNow + 300};
  auto a = issuer.Issue(claims, kNow), b = issuer.Issue(claims, kNow);
  CHECK(a.token != b.token);
  CHECK(a.access_key_id != b.access_key_id);
}

TEST_CASE("tampered, foreign, garbled and rotated-out tokens are refused") {
  SessionTokenIssuer issuer(kMaster);
  auto creds = issuer.Issue({"bucket-a--use1-az4--x-s3", "root", SessionMode::ReadOnly, kNow + 300}, kNow);

  // Flip the mode inside the payload and keep the MAC: refused.
  std::string token = creds.token;
  auto dot = token.find('.');
  std::string payload = "xs3s1\n" + std::to_string(kNow / 3600) + "\nReadWrite\n" + std::to_string(kNow + 300) +
                        "\nroot\nbucket-a--use1-az4--x-s3\n000000000000000000000000";
  std::string forged = Base64Encode(payload);
  for (auto& c : forged) c = c == '+' ? '-' : c == '/' ? '_' : c;
  while (!forged.empty() && forged.back() == '=') forged.pop_back();
  CHECK_FALSE(issuer.Verify(forged + token.substr(dot), kNow));

  std::string flipped = token;
  flipped[dot + 3] = flipped[dot + 3] == 'A' ? 'B' : 'A';
  CHECK_FALSE(issuer.Verify(flipped, kNow));

  CHECK_FALSE(SessionTokenIssuer(std::string(32, 'x')).Verify(token, kNow));
  CHECK_FALSE(issuer.Verify("", kNow));
  CHECK_FALSE(issuer.Verify("no-dot-here", kNow));
  CHECK_FALSE(issuer.Verify("!!!.!!!", kNow));
  CHECK_FALSE(issuer.Verify(std::string(5000, 'a'), kNow));

  // Still valid an hour later (previous key), gone two hours later (rotated out).
  CHECK(issuer.Verify(token, kNow + 3600));
  CHECK_FALSE(issuer.Verify(token, kNow + 2 * 3600 + 1));
}
