#pragma once
// Browser-form uploads (POST Object): the policy document a form carries and its signature.
// The policy (base64 JSON) says until when the form is valid and what each field may be; the
// signature (SigV4 fields x-amz-credential/-date/-signature, or SigV2 AWSAccessKeyId/signature)
// signs the base64 policy text itself with the uploader's secret.
#include <cstdint>
#include <optional>
#include <string>
#include <utility>
#include <variant>
#include <vector>

#include "auth/sigv4.h"
#include "common/s3_error.h"

namespace xs3::api {

// Form fields in order, names lower-cased (S3 matches field names case-insensitively).
struct PostForm {
  std::vector<std::pair<std::string, std::string>> fields;
  const std::string* Get(const std::string& lower_name) const {
    for (auto& [k, v] : fields)
      if (k == lower_name) return &v;
    return nullptr;
  }
};

struct PostPolicy {
  int64_t expiration_s = 0;
  struct Condition {
    std::string op;     // "eq", "starts-with"
    std::string field;  // lower-cased, without '$'
    std::string value;
    std::string text;   // as written, for error messages
  };
  std::vector<Condition> conditions;
  std::optional<std::pair<uint64_t, uint64_t>> length_range;  // content-length-range
};

// InvalidPolicyDocument when the document is not base64 JSON of the documented shape.
std::variant<PostPolicy, S3Error> ParsePostPolicy(const std::string& base64_policy);

// Every condition holds for `form` (with "bucket" being `bucket`), every field is covered by a
// condition (except the signature fields, file, policy and x-ignore-*), and the policy has not
// expired. AccessDenied "Invalid according to Policy: ..." otherwise, as S3 words it.
std::optional<S3Error> CheckPostPolicy(const PostPolicy& policy, const PostForm& form, const std::string& bucket,
                                       int64_t now_s);

// Verifies the form's signature over its policy; the signing user on success. `region` is the
// server's region (a SigV4 credential scope must name it).
std::variant<auth::Credential, S3Error> VerifyPostSignature(const PostForm& form, const auth::CredentialLookup& lookup,
                                                            const std::string& region);

}  // namespace xs3::api
