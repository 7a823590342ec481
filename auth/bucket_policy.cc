#include "auth/bucket_policy.h"

#include <nlohmann/json.hpp>

namespace xs3::auth {
namespace {

using nlohmann::json;

S3Error Malformed(std::string message) { return make_error(ErrorCode::MalformedPolicy, std::move(message)); }

// A string or an array of strings, as IAM allows for Action, Resource and principals.
std::optional<std::vector<std::string>> Strings(const json& j) {
  std::vector<std::string> out;
  if (j.is_string()) {
    out.push_back(j.get<std::string>());
  } else if (j.is_array()) {
    for (auto& e : j) {
      if (!e.is_string()) return std::nullopt;
      out.push_back(e.get<std::string>());
    }
  } else {
    return std::nullopt;
  }
  return out;
}

std::string UserOf(const std::string& principal) {
  auto slash = principal.rfind('/');
  if (principal.rfind("arn:", 0) == 0 && slash != std::string::npos) return principal.substr(slash + 1);
  return principal;
}

}  // namespace

std::variant<BucketPolicy, S3Error> ParseDirectoryBucketPolicy(std::string_view text,
                                                               const std::set<std::string>& known_users) {
  if (text.size() > 20 * 1024) return Malformed("Policies must be smaller than 20 KB");
  json doc = json::parse(text, nullptr, /*allow_exceptions=*/false);
  if (doc.is_discarded() || !doc.is_object()) return Malformed("Policies must be valid JSON and the first byte must be '{'");
  if (doc.contains("Version") && doc["Version"] != "2012-10-17" && doc["Version"] != "2008-10-17") {
    return Malformed("The policy must contain a valid version string");
  }
  if (!doc.contains("Statement")) return Malformed("Missing required field Statement");
  json statements = doc["Statement"].is_array() ? doc["Statement"] : json::array({doc["Statement"]});
  BucketPolicy policy;
  for (auto& st : statements) {
    if (!st.is_object()) return Malformed("Statement must be an object");
    PolicyStatement out;
    // Not st.value("Effect", ""): it throws when Effect is there but not a string.
    const json* e = st.contains("Effect") ? &st["Effect"] : nullptr;
    std::string effect = e && e->is_string() ? e->get<std::string>() : "";
    if (effect != "Allow" && effect != "Deny") return Malformed("Invalid effect: " + effect);
    out.allow = effect == "Allow";

    if (!st.contains("Action")) return Malformed("Missing required field Action");
    auto actions = Strings(st["Action"]);
    if (!actions) return Malformed("Action must be a string or a list of strings");
    for (auto& a : *actions) {
      if (a != "s3express:CreateSession" && a != "s3express:*") {
        return Malformed("Policy has invalid action: directory bucket policies allow only s3express:CreateSession");
      }
    }

    if (!st.contains("Principal")) return Malformed("Missing required field Principal");
    const json& p = st["Principal"];
    std::optional<std::vector<std::string>> principals;
    if (p.is_string() && p.get<std::string>() == "*") {
      principals = std::vector<std::string>{"*"};
    } else if (p.is_object() && p.contains("AWS")) {
      principals = Strings(p["AWS"]);
    }
    if (!principals) return Malformed("Invalid principal in policy");
    for (auto& pr : *principals) {
      if (pr == "*") {
        // Block Public Access is always on for directory buckets.
        return make_error(ErrorCode::AccessDenied,
                          "Access Denied: public policies are blocked for directory buckets");
      }
      std::string user = UserOf(pr);
      if (!known_users.count(user)) return Malformed("Invalid principal in policy");
      out.principals.insert(user);
    }

    if (st.contains("Condition")) {
      const json& c = st["Condition"];
      if (!c.is_object()) return Malformed("Condition must be an object");
      for (auto& [op, body] : c.items()) {
        if (op != "StringEquals" || !body.is_object()) return Malformed("Unsupported condition operator: " + op);
        for (auto& [key, value] : body.items()) {
          if (key != "s3express:SessionMode") return Malformed("Unsupported condition key: " + key);
          auto modes = Strings(value);
          if (!modes) return Malformed("Condition values must be strings");
          for (auto& m : *modes) {
            if (m != "ReadOnly" && m != "ReadWrite") return Malformed("Invalid s3express:SessionMode: " + m);
            out.session_modes.insert(m);
          }
        }
      }
    }
    policy.statements.push_back(std::move(out));
  }
  return policy;
}

bool PolicyAllowsSession(const BucketPolicy& policy, const std::string& user, std::string_view mode) {
  bool allowed = false;
  for (auto& st : policy.statements) {
    if (!st.principals.count(user)) continue;
    if (!st.session_modes.empty() && !st.session_modes.count(std::string(mode))) continue;
    if (!st.allow) return false;
    allowed = true;
  }
  return allowed;
}

bool PolicyDeniesSession(const BucketPolicy& policy, const std::string& user, std::string_view mode) {
  for (auto& st : policy.statements) {
    if (st.allow || !st.principals.count(user)) continue;
    if (st.session_modes.empty() || st.session_modes.count(std::string(mode))) return true;
  }
  return false;
}

}  // namespace xs3::auth
