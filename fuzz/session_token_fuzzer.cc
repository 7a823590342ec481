// The S3 Express session-token verifier. Arbitrary tokens must never verify (nor crash); a
// token issued for claims drawn from the input must verify to exactly those claims; and any
// single-byte change to an issued token must not verify to different claims or credentials.
//
// Input: the first byte picks the mode of the issued token, the second the byte to flip; the
// rest is tried as a token as-is, and (without '\n') as the bucket|user of the issued claims.
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <string>

#include "auth/session_token.h"

namespace {

using namespace xs3::auth;

// A fixed clock: a token minted at this time in a seed stays valid for the fuzzer forever.
constexpr int64_t kNow = 1764000000;

const SessionTokenIssuer& Issuer() {
  static const SessionTokenIssuer issuer(std::string(32, 'k'));
  return issuer;
}

[[noreturn]] void Fail(const char* what) {
  std::fprintf(stderr, "%s\n", what);
  std::abort();
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::string_view input(reinterpret_cast<const char*>(data), size);
  auto& issuer = Issuer();
  // As-is: anything that verifies must be a well-formed claim set.
  if (auto v = issuer.Verify(input, kNow)) {
    if (v->credentials.token != input || v->credentials.access_key_id.empty() || v->credentials.secret_access_key.empty())
      Fail("a verified token with inconsistent credentials");
  }
  if (size < 2 || input.find('\n') != std::string_view::npos) return 0;

  SessionClaims claims;
  claims.mode = static_cast<SessionMode>(data[0] % 3);
  std::string_view rest = input.substr(2);
  auto bar = rest.find('|');
  claims.bucket = std::string(rest.substr(0, bar));
  claims.user = bar == std::string_view::npos ? "root" : std::string(rest.substr(bar + 1));
  claims.expires_epoch_s = kNow + 300;
  SessionCredentials issued = issuer.Issue(claims, kNow);
  auto v = issuer.Verify(issued.token, kNow);
  if (issued.token.size() <= 2048) {
    if (!v) Fail("an issued token does not verify");
    if (v->claims.bucket != claims.bucket || v->claims.user != claims.user || v->claims.mode != claims.mode ||
        v->claims.expires_epoch_s != claims.expires_epoch_s)
      Fail("verified claims differ from the issued ones");
    if (v->credentials.access_key_id != issued.access_key_id || v->credentials.secret_access_key != issued.secret_access_key)
      Fail("verified credentials differ from the issued ones");
  }
  // Two hours later the signing key has rotated out.
  if (issuer.Verify(issued.token, kNow + 2 * 3600 + 1)) Fail("a token verifies after its key rotated out");

  std::string tampered = issued.token;
  size_t pos = data[1] % tampered.size();
  tampered[pos] = static_cast<char>(tampered[pos] ^ 0x01);
  if (auto t = issuer.Verify(tampered, kNow)) {
    // Base64 has slack bits in its last character; a flip there may decode to the same bytes.
    if (t->claims.bucket != claims.bucket || t->claims.user != claims.user || t->claims.mode != claims.mode ||
        t->credentials.access_key_id != issued.access_key_id || t->credentials.secret_access_key != issued.secret_access_key)
      Fail("a tampered token verifies to other claims");
  }
  return 0;
}
