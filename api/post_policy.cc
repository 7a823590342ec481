#include "api/post_policy.h"

#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>

#include <ctime>
#include <nlohmann/json.hpp>

#include "auth/checksum.h"

namespace xs3::api {
namespace {

std::string Lower(std::string s) {
  for (char& c : s) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return s;
}

S3Error Denied(const std::string& why) {
  return make_error(ErrorCode::AccessDenied, "Invalid according to Policy: " + why);
}

S3Error BadPolicy(const std::string& why) {
  return make_error(ErrorCode::InvalidPolicyDocument, "Invalid Policy: " + why);
}

// "2026-11-25T16:00:00Z" or with fractional seconds.
std::optional<int64_t> ParseIsoTime(const std::string& s) {
  std::tm tm{};
  const char* end = strptime(s.c_str(), "%Y-%m-%dT%H:%M:%S", &tm);
  if (!end) return std::nullopt;
  if (*end == '.') {
    ++end;
    while (std::isdigit(static_cast<unsigned char>(*end))) ++end;
  }
  if (std::string(end) != "Z") return std::nullopt;
  return static_cast<int64_t>(timegm(&tm));
}

bool EqualConstantTime(const std::string& a, const std::string& b) {
  return a.size() == b.size() && CRYPTO_memcmp(a.data(), b.data(), a.size()) == 0;
}

// Fields no condition needs to name.
bool Exempt(const std::string& name) {
  return name == "x-amz-signature" || name == "signature" || name == "awsaccesskeyid" || name == "file" ||
         name == "policy" || name.rfind("x-ignore-", 0) == 0;
}

}  // namespace

std::variant<PostPolicy, S3Error> ParsePostPolicy(const std::string& base64_policy) {
  auto text = auth::Base64Decode(base64_policy);
  if (!text) return BadPolicy("Policy is not base64 encoded.");
  auto doc = nlohmann::json::parse(*text, nullptr, /*allow_exceptions=*/false);
  if (doc.is_discarded() || !doc.is_object()) return BadPolicy("Policy is not valid JSON.");
  PostPolicy policy;
  if (!doc.contains("expiration") || !doc["expiration"].is_string()) {
    return BadPolicy("Policy missing expiration.");
  }
  auto expiration = ParseIsoTime(doc["expiration"].get<std::string>());
  if (!expiration) return BadPolicy("Invalid 'expiration' value: '" + doc["expiration"].get<std::string>() + "'");
  policy.expiration_s = *expiration;
  if (!doc.contains("conditions") || !doc["conditions"].is_array()) return BadPolicy("Policy missing conditions.");
  for (auto& c : doc["conditions"]) {
    if (c.is_object()) {
      if (c.size() != 1 || !c.begin().value().is_string()) return BadPolicy("Invalid condition: " + c.dump());
      policy.conditions.push_back({"eq", Lower(c.begin().key()), c.begin().value().get<std::string>(), c.dump()});
      continue;
    }
    if (!c.is_array() || c.size() != 3 || !c[0].is_string()) return BadPolicy("Invalid condition: " + c.dump());
    std::string op = Lower(c[0].get<std::string>());
    if (op == "content-length-range") {
      if (!c[1].is_number_unsigned() || !c[2].is_number_unsigned() || c[1].get<uint64_t>() > c[2].get<uint64_t>()) {
        return BadPolicy("Invalid content-length-range: " + c.dump());
      }
      policy.length_range = std::make_pair(c[1].get<uint64_t>(), c[2].get<uint64_t>());
      continue;
    }
    if ((op != "eq" && op != "starts-with") || !c[1].is_string() || !c[2].is_string()) {
      return BadPolicy("Invalid condition: " + c.dump());
    }
    std::string field = c[1].get<std::string>();
    if (field.empty() || field[0] != '$') return BadPolicy("Invalid condition field: " + field);
    policy.conditions.push_back({op, Lower(field.substr(1)), c[2].get<std::string>(), c.dump()});
  }
  return policy;
}

std::optional<S3Error> CheckPostPolicy(const PostPolicy& policy, const PostForm& form, const std::string& bucket,
                                       int64_t now_s) {
  if (now_s >= policy.expiration_s) return Denied("Policy expired.");
  for (auto& c : policy.conditions) {
    std::string actual;
    if (c.field == "bucket") {
      actual = bucket;
    } else if (auto* v = form.Get(c.field)) {
      actual = *v;
    } else if (!(c.op == "starts-with" && c.value.empty())) {
      return Denied("Policy Condition failed: " + c.text);
    }
    bool ok = c.op == "eq" ? actual == c.value : actual.rfind(c.value, 0) == 0;
    if (!ok) return Denied("Policy Condition failed: " + c.text);
  }
  std::string extra;
  for (auto& [name, value] : form.fields) {
    if (Exempt(name)) continue;
    bool covered = false;
    for (auto& c : policy.conditions) covered = covered || c.field == name;
    if (!covered) extra += (extra.empty() ? "" : ", ") + name;
  }
  if (!extra.empty()) return Denied("Extra input fields: " + extra);
  return std::nullopt;
}

std::variant<auth::Credential, S3Error> VerifyPostSignature(const PostForm& form, const auth::CredentialLookup& lookup,
                                                            const std::string& region) {
  const std::string* policy = form.Get("policy");
  if (form.Get("x-amz-security-token")) {
    return make_error(ErrorCode::InvalidToken, "xs3 issues no temporary credentials for browser-form uploads.");
  }
  if (auto* signature = form.Get("x-amz-signature")) {
    const std::string* algorithm = form.Get("x-amz-algorithm");
    const std::string* credential = form.Get("x-amz-credential");
    const std::string* date = form.Get("x-amz-date");
    if (!policy || !algorithm || !credential || !date) {
      return make_error(ErrorCode::InvalidArgument,
                        "Bucket POST must contain the fields policy, x-amz-algorithm, x-amz-credential and x-amz-date.");
    }
    if (*algorithm != "AWS4-HMAC-SHA256") {
      return make_error(ErrorCode::InvalidArgument, "Only AWS4-HMAC-SHA256 is supported as x-amz-algorithm.");
    }
    // AK/yyyymmdd/region/s3/aws4_request
    std::vector<std::string> scope;
    for (size_t i = 0;;) {
      size_t slash = credential->find('/', i);
      scope.push_back(credential->substr(i, slash == std::string::npos ? std::string::npos : slash - i));
      if (slash == std::string::npos) break;
      i = slash + 1;
    }
    if (scope.size() != 5 || scope[3] != "s3" || scope[4] != "aws4_request" || scope[1].size() != 8) {
      return make_error(ErrorCode::InvalidArgument, "Invalid x-amz-credential: " + *credential);
    }
    if (scope[2] != region) {
      return make_error(ErrorCode::AuthorizationQueryParametersError,
                        "Error parsing the X-Amz-Credential parameter; the region '" + scope[2] +
                            "' is wrong; expecting '" + region + "'");
    }
    auto cred = lookup(scope[0]);
    if (!cred) return make_error(ErrorCode::InvalidAccessKeyId);
    std::string key = auth::DeriveSigningKey(cred->secret_key, scope[1], scope[2], "s3");
    if (!EqualConstantTime(auth::HexEncode(auth::HmacSha256(key, *policy)), *signature)) {
      return make_error(ErrorCode::SignatureDoesNotMatch);
    }
    return *cred;
  }
  if (auto* signature = form.Get("signature")) {
    const std::string* access_key = form.Get("awsaccesskeyid");
    if (!policy || !access_key) {
      return make_error(ErrorCode::InvalidArgument, "Bucket POST must contain the fields policy and AWSAccessKeyId.");
    }
    auto cred = lookup(*access_key);
    if (!cred) return make_error(ErrorCode::InvalidAccessKeyId);
    unsigned char out[EVP_MAX_MD_SIZE];
    unsigned int n = 0;
    HMAC(EVP_sha1(), cred->secret_key.data(), static_cast<int>(cred->secret_key.size()),
         reinterpret_cast<const unsigned char*>(policy->data()), policy->size(), out, &n);
    if (!EqualConstantTime(auth::Base64Encode(std::string_view(reinterpret_cast<char*>(out), n)), *signature)) {
      return make_error(ErrorCode::SignatureDoesNotMatch);
    }
    return *cred;
  }
  return make_error(ErrorCode::AccessDenied, "Anonymous browser-form uploads are not allowed: the form must be signed.");
}

}  // namespace xs3::api
