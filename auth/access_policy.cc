#include "auth/access_policy.h"

#include <arpa/inet.h>

#include <algorithm>
#include <array>
#include <cstring>

#include <nlohmann/json.hpp>

namespace xs3::auth {
namespace {

using nlohmann::json;

S3Error Malformed(std::string message) { return make_error(ErrorCode::MalformedPolicy, std::move(message)); }

std::string Lower(std::string_view s) {
  std::string out(s);
  for (auto& c : out) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return out;
}

// The S3 actions S3 accepts in a bucket policy (lower case: IAM action names are case-insensitive).
// A name or pattern matching none of them is "Policy has invalid action", as on S3.
constexpr std::array kS3Actions = {
    "abortmultipartupload", "bypassgovernanceretention", "createbucket", "deletebucket", "deletebucketownershipcontrols",
    "deletebucketpolicy", "deletebucketwebsite", "deleteobject", "deleteobjecttagging", "deleteobjectversion",
    "deleteobjectversiontagging", "getaccelerateconfiguration", "getbucketacl", "getbucketcors", "getbucketlocation",
    "getbucketlogging", "getbucketnotification", "getbucketobjectlockconfiguration", "getbucketownershipcontrols",
    "getbucketpolicy", "getbucketpolicystatus", "getbucketpublicaccessblock", "getbuckettagging",
    "getbucketversioning", "getbucketwebsite", "getencryptionconfiguration", "getlifecycleconfiguration",
    "getobject", "getobjectacl", "getobjectattributes", "getobjectlegalhold", "getobjectretention",
    "getobjecttagging", "getobjectversion", "getobjectversionacl", "getobjectversionattributes",
    "getobjectversiontagging", "getreplicationconfiguration", "listbucket", "listbucketmultipartuploads",
    "listbucketversions", "listmultipartuploadparts", "putaccelerateconfiguration", "putbucketacl",
    "putbucketcors", "putbucketlogging", "putbucketnotification", "putbucketobjectlockconfiguration",
    "putbucketownershipcontrols", "putbucketpolicy", "putbucketpublicaccessblock", "putbuckettagging",
    "putbucketversioning", "putbucketwebsite", "putencryptionconfiguration", "putlifecycleconfiguration",
    "putobject", "putobjectacl", "putobjectlegalhold", "putobjectretention", "putobjecttagging",
    "putobjectversionacl", "putobjectversiontagging", "putreplicationconfiguration", "replicateobject",
    "restoreobject"};

// Identity policies may also name s3:ListAllMyBuckets (ListBuckets), which has no bucket and so
// has no place in a bucket policy, and s3express:CreateSession (directory buckets).
bool ValidAction(const std::string& action, bool identity) {
  std::string a = Lower(action);
  if (a == "*" || a == "s3:*") return true;
  if (identity && a.starts_with("s3express:")) return WildcardMatch(std::string_view(a).substr(10), "createsession");
  if (!a.starts_with("s3:")) return false;
  std::string_view name = std::string_view(a).substr(3);
  if (identity && WildcardMatch(name, "listallmybuckets")) return true;
  return std::any_of(kS3Actions.begin(), kS3Actions.end(),
                     [&](const char* known) { return WildcardMatch(name, known); });
}

// Whether `known` (lower case, without "s3:") acts on objects rather than on the bucket.
bool ObjectLevel(std::string_view known) {
  if (known.find("bucket") != std::string_view::npos) return false;
  return known.find("object") != std::string_view::npos || known == "abortmultipartupload" ||
         known == "listmultipartuploadparts" || known == "bypassgovernanceretention";
}

// S3 refuses a statement naming an action none of its resources can be: object actions need an
// object ARN (bucket/...), bucket actions the bucket ARN.
bool AppliesToSome(const std::string& action, const std::vector<std::string>& resources) {
  std::string a = Lower(action);
  std::string_view name = a == "*" ? std::string_view("*") : std::string_view(a).substr(3);
  for (auto& r : resources) {
    bool object_resource = r.find('/') != std::string::npos;
    for (const char* known : kS3Actions) {
      if (WildcardMatch(name, known) && ObjectLevel(known) == object_resource) return true;
    }
  }
  return false;
}

// Resources must lie in the bucket the policy is for: its ARN or an object ARN under it.
// An identity policy is attached to a user, not a bucket: "*" or any S3 ARN.
bool ValidResource(const std::string& resource, const std::string* bucket) {
  if (!bucket) {
    return resource == "*" || resource.starts_with("arn:aws:s3:::") || resource.starts_with("arn:aws:s3express:");
  }
  std::string base = "arn:aws:s3:::" + *bucket;
  if (!resource.starts_with(base)) return false;
  return resource.size() == base.size() || resource[base.size()] == '/';
}

// Condition operators and keys this subset evaluates (keys compared in lower case, as IAM does).
constexpr std::array kOperators = {"StringEquals", "StringNotEquals", "StringLike", "StringNotLike",
                                   "Bool",         "IpAddress",       "NotIpAddress"};
constexpr std::array kKeys = {"aws:securetransport", "aws:sourceip", "aws:username",
                              "s3:prefix",           "s3:delimiter", "s3:max-keys"};

// A string or an array of strings, as IAM allows for Action, Resource, principals and values.
std::optional<std::vector<std::string>> Strings(const json& j) {
  std::vector<std::string> out;
  auto one = [&](const json& e) {
    if (e.is_string()) out.push_back(e.get<std::string>());
    else if (e.is_boolean()) out.push_back(e.get<bool>() ? "true" : "false");  // Bool conditions
    else return false;
    return true;
  };
  if (j.is_array()) {
    for (auto& e : j)
      if (!one(e)) return std::nullopt;
  } else if (!one(j)) {
    return std::nullopt;
  }
  return out;
}

// An address and prefix length (IPv4-mapped to IPv6 so both families compare alike).
struct Cidr {
  std::array<unsigned char, 16> addr{};
  int bits = 128;
  bool v4 = false;
};

std::optional<Cidr> ParseCidr(std::string_view text) {
  std::string s(text);
  int bits = -1;
  if (auto slash = s.find('/'); slash != std::string::npos) {
    std::string len = s.substr(slash + 1);
    s.resize(slash);
    if (len.empty() || len.size() > 3 || !std::all_of(len.begin(), len.end(), ::isdigit)) return std::nullopt;
    bits = std::stoi(len);
  }
  Cidr c;
  unsigned char v4[4];
  if (inet_pton(AF_INET, s.c_str(), v4) == 1) {
    if (bits > 32) return std::nullopt;
    c.addr[10] = c.addr[11] = 0xff;
    std::memcpy(c.addr.data() + 12, v4, 4);
    c.bits = 96 + (bits < 0 ? 32 : bits);
    c.v4 = true;
    return c;
  }
  if (inet_pton(AF_INET6, s.c_str(), c.addr.data()) == 1) {
    if (bits > 128) return std::nullopt;
    c.bits = bits < 0 ? 128 : bits;
    return c;
  }
  return std::nullopt;
}

bool InCidr(const Cidr& range, const Cidr& ip) {
  for (int i = 0; i < range.bits; ++i) {
    int byte = i / 8, bit = 7 - i % 8;
    if (((range.addr[byte] >> bit) & 1) != ((ip.addr[byte] >> bit) & 1)) return false;
  }
  return true;
}

bool ValueMatches(const std::string& op, const std::string& want, const std::string& have) {
  if (op == "StringEquals" || op == "StringNotEquals") return want == have;
  if (op == "StringLike" || op == "StringNotLike") return WildcardMatch(want, have);
  if (op == "Bool") return Lower(want) == Lower(have);
  auto range = ParseCidr(want), ip = ParseCidr(have);
  return range && ip && InCidr(*range, *ip);
}

bool ConditionHolds(const PolicyCondition& c, const std::map<std::string, std::string>& context) {
  bool negated = c.op == "StringNotEquals" || c.op == "StringNotLike" || c.op == "NotIpAddress";
  auto it = context.find(c.key);
  if (it == context.end()) return negated;
  bool any = std::any_of(c.values.begin(), c.values.end(),
                         [&](const std::string& v) { return ValueMatches(c.op, v, it->second); });
  return negated ? !any : any;
}

bool IsAccountId(std::string_view s) {
  return s.size() == 12 && std::all_of(s.begin(), s.end(), [](char c) { return c >= '0' && c <= '9'; });
}

std::optional<std::string> UserOf(const std::string& principal, const std::set<std::string>* known_users,
                                  const AccountResolver& accounts) {
  auto account_user = [&](std::string_view id) -> std::optional<std::string> {
    if (!IsAccountId(id)) return std::nullopt;
    if (auto user = accounts(id)) return user;
    // A stored policy naming an account whose user is gone: a principal nobody is.
    if (!known_users) return "account:" + std::string(id);
    return std::nullopt;
  };
  if (principal.starts_with("arn:aws:iam::")) {
    size_t start = std::strlen("arn:aws:iam::");
    auto colon = principal.find(':', start);
    if (colon == std::string::npos) return std::nullopt;
    std::string_view rest = std::string_view(principal).substr(colon + 1);
    if (rest == "root") return account_user(std::string_view(principal).substr(start, colon - start));
    if (!rest.starts_with("user/")) return std::nullopt;
    std::string name(rest.substr(rest.rfind('/') + 1));
    if (name.empty() || (known_users && !known_users->count(name))) return std::nullopt;
    return name;
  }
  if (principal.empty() || principal.starts_with("arn:")) return std::nullopt;
  if (known_users && known_users->count(principal)) return principal;
  if (IsAccountId(principal)) return account_user(principal);
  if (known_users) return std::nullopt;
  return principal;
}

std::optional<S3Error> ParsePrincipal(const json& p, AccessStatement& out, const std::set<std::string>* known_users,
                                      const AccountResolver& accounts) {
  S3Error invalid = Malformed("Invalid principal in policy");
  if (p.is_string()) {
    if (p.get<std::string>() != "*") return invalid;
    out.everyone = true;
    return std::nullopt;
  }
  if (!p.is_object() || p.empty()) return invalid;
  for (auto& [kind, value] : p.items()) {
    if (kind != "AWS") return invalid;  // Service, Federated, CanonicalUser: nobody in xs3
    auto names = Strings(value);
    if (!names || names->empty()) return invalid;
    for (auto& n : *names) {
      if (n == "*") {
        out.everyone = true;
        continue;
      }
      auto user = UserOf(n, known_users, accounts);
      if (!user) return invalid;
      out.principals.insert(*user);
    }
  }
  return std::nullopt;
}

// s3express:SessionMode only means something for s3express:CreateSession, which only identity
// policies name here (directory-bucket policies have their own parser, auth/bucket_policy.h).
std::optional<S3Error> ParseConditions(const json& c, AccessStatement& out, bool identity) {
  if (!c.is_object()) return Malformed("Condition must be an object");
  for (auto& [op, body] : c.items()) {
    if (std::find(kOperators.begin(), kOperators.end(), op) == kOperators.end()) {
      return Malformed("Invalid Condition type : " + op);
    }
    if (!body.is_object()) return Malformed("Invalid Condition type : " + op);
    for (auto& [key, value] : body.items()) {
      std::string k = Lower(key);
      bool known = std::find(kKeys.begin(), kKeys.end(), k) != kKeys.end() ||
                   (identity && k == "s3express:sessionmode");
      if (!known) {
        return Malformed("Policy has an invalid condition key");
      }
      auto values = Strings(value);
      if (!values || values->empty()) return Malformed("Policy has an invalid condition value");
      bool ip_op = op == "IpAddress" || op == "NotIpAddress";
      if (ip_op != (k == "aws:sourceip")) return Malformed("Policy has an invalid condition key");
      for (auto& v : *values) {
        if (ip_op && !ParseCidr(v)) return Malformed("Invalid IP address or CIDR: " + v);
        if (op == "Bool" && Lower(v) != "true" && Lower(v) != "false") {
          return Malformed("Policy has an invalid condition value");
        }
      }
      out.conditions.push_back({op, k, std::move(*values)});
    }
  }
  return std::nullopt;
}

bool PrincipalMatches(const AccessStatement& st, const std::string& user) {
  bool named = st.everyone || (!user.empty() && st.principals.count(user));
  return st.not_principal ? !named : named;
}

bool ActionMatches(const AccessStatement& st, const std::string& action) {
  std::string a = Lower(action);
  bool any = std::any_of(st.actions.begin(), st.actions.end(),
                         [&](const std::string& p) { return WildcardMatch(Lower(p), a); });
  return st.not_action ? !any : any;
}

bool ResourceMatches(const AccessStatement& st, const std::string& resource) {
  bool any = std::any_of(st.resources.begin(), st.resources.end(),
                         [&](const std::string& p) { return WildcardMatch(p, resource); });
  return st.not_resource ? !any : any;
}

}  // namespace

bool WildcardMatch(std::string_view pattern, std::string_view text) {
  // Iterative glob with one backtrack point: linear enough for policy-sized inputs.
  size_t p = 0, t = 0, star = std::string_view::npos, mark = 0;
  while (t < text.size()) {
    if (p < pattern.size() && (pattern[p] == '?' || pattern[p] == text[t])) {
      ++p;
      ++t;
    } else if (p < pattern.size() && pattern[p] == '*') {
      star = p++;
      mark = t;
    } else if (star != std::string_view::npos) {
      p = star + 1;
      t = ++mark;
    } else {
      return false;
    }
  }
  while (p < pattern.size() && pattern[p] == '*') ++p;
  return p == pattern.size();
}

namespace {

// `bucket` null: an identity policy (no principal; its statements apply to the user holding it).
std::variant<AccessPolicy, S3Error> ParseDocument(std::string_view text, const std::string* bucket,
                                                  const std::set<std::string>* known_users,
                                                  const AccountResolver& accounts) {
  bool identity = bucket == nullptr;
  if (text.size() > 20 * 1024) return Malformed("Policies must be smaller than 20 KB");
  json doc = json::parse(text, nullptr, /*allow_exceptions=*/false);
  if (doc.is_discarded() || !doc.is_object()) return Malformed("Policies must be valid JSON and the first byte must be '{'");
  // Without Version, IAM takes 2008-10-17.
  if (doc.contains("Version") && doc["Version"] != "2012-10-17" && doc["Version"] != "2008-10-17") {
    return Malformed("The policy must contain a valid version string");
  }
  for (auto& [field, value] : doc.items()) {
    if (field != "Version" && field != "Statement" && field != "Id") return Malformed("Unknown field " + field);
  }
  if (!doc.contains("Statement")) return Malformed("Missing required field Statement");
  const json& raw = doc["Statement"];
  json statements = raw.is_array() ? raw : json::array({raw});
  if (statements.empty()) return Malformed("Could not parse the policy: Statement is empty!");
  AccessPolicy policy;
  for (auto& st : statements) {
    if (!st.is_object()) return Malformed("Policies must be valid JSON and the first byte must be '{'");
    for (auto& [field, value] : st.items()) {
      static constexpr std::array kFields = {"Sid",         "Effect",    "Principal", "NotPrincipal", "Action",
                                             "NotAction",   "Resource",  "NotResource", "Condition"};
      if (std::find(kFields.begin(), kFields.end(), field) == kFields.end()) return Malformed("Unknown field " + field);
    }
    AccessStatement out;
    if (!st.contains("Effect")) return Malformed("Missing required field Effect");
    std::string effect = st["Effect"].is_string() ? st["Effect"].get<std::string>() : st["Effect"].dump();
    if (effect != "Allow" && effect != "Deny") return Malformed("Invalid effect: " + effect);
    out.allow = effect == "Allow";

    if (identity) {
      // IAM's message for a principal in an identity-based policy.
      if (st.contains("Principal") || st.contains("NotPrincipal")) {
        return Malformed("Policy document should not specify a principal.");
      }
      out.everyone = true;
    } else {
      if (st.contains("Principal") == st.contains("NotPrincipal")) return Malformed("Missing required field Principal");
      out.not_principal = st.contains("NotPrincipal");
      if (auto e = ParsePrincipal(st[out.not_principal ? "NotPrincipal" : "Principal"], out, known_users, accounts)) {
        return *e;
      }
    }

    if (st.contains("Action") == st.contains("NotAction")) return Malformed("Missing required field Action");
    out.not_action = st.contains("NotAction");
    auto actions = Strings(st[out.not_action ? "NotAction" : "Action"]);
    if (!actions || actions->empty()) return Malformed("Policy has invalid action");
    for (auto& a : *actions)
      if (!ValidAction(a, identity)) return Malformed("Policy has invalid action");
    out.actions = std::move(*actions);

    if (st.contains("Resource") == st.contains("NotResource")) return Malformed("Missing required field Resource");
    out.not_resource = st.contains("NotResource");
    auto resources = Strings(st[out.not_resource ? "NotResource" : "Resource"]);
    if (!resources || resources->empty()) return Malformed("Policy has invalid resource");
    for (auto& r : *resources)
      if (!ValidResource(r, bucket)) return Malformed("Policy has invalid resource");
    // IAM does not tie actions to resource types in identity policies ("*" covers both).
    if (!identity && !out.not_action && !out.not_resource) {
      for (auto& a : out.actions) {
        if (!AppliesToSome(a, *resources)) return Malformed("Action does not apply to any resource(s) in statement");
      }
    }
    out.resources = std::move(*resources);

    if (st.contains("Condition")) {
      if (auto e = ParseConditions(st["Condition"], out, identity)) return *e;
    }
    policy.statements.push_back(std::move(out));
  }
  return policy;
}

}  // namespace

std::variant<AccessPolicy, S3Error> ParseAccessPolicy(std::string_view text, const std::string& bucket,
                                                      const std::set<std::string>* known_users,
                                                      const AccountResolver& accounts) {
  return ParseDocument(text, &bucket, known_users, accounts);
}

std::variant<AccessPolicy, S3Error> ParseIdentityPolicy(std::string_view text) {
  return ParseDocument(text, nullptr, nullptr, [](std::string_view) { return std::nullopt; });
}

PolicyDecision Evaluate(const AccessPolicy& policy, const AccessRequest& request) {
  PolicyDecision decision = PolicyDecision::NotApplicable;
  for (auto& st : policy.statements) {
    if (!PrincipalMatches(st, request.user) || !ActionMatches(st, request.action) ||
        !ResourceMatches(st, request.resource)) {
      continue;
    }
    if (!std::all_of(st.conditions.begin(), st.conditions.end(),
                     [&](const PolicyCondition& c) { return ConditionHolds(c, request.context); })) {
      continue;
    }
    if (!st.allow) return PolicyDecision::Deny;
    decision = PolicyDecision::Allow;
  }
  return decision;
}

bool IsPublic(const AccessPolicy& policy) {
  for (auto& st : policy.statements) {
    if (!st.allow) continue;
    // NotPrincipal with Allow grants everyone not listed.
    if (!st.everyone && !st.not_principal) continue;
    if (st.not_principal && st.everyone) continue;
    bool pinned = std::any_of(st.conditions.begin(), st.conditions.end(), [](const PolicyCondition& c) {
      if (c.op != "IpAddress") return false;
      return std::all_of(c.values.begin(), c.values.end(), [](const std::string& v) {
        auto range = ParseCidr(v);
        return range && range->bits - (range->v4 ? 96 : 0) >= 8;
      });
    });
    if (!pinned) return true;
  }
  return false;
}

}  // namespace xs3::auth
