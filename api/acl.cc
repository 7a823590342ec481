#include "api/acl.h"

#include <pugixml.hpp>

#include <algorithm>
#include <array>
#include <set>
#include <vector>

#include "api/operation.h"
#include "api/xml_names.h"
#include "api/xml_writer.h"

namespace xs3::api {
namespace {

constexpr std::string_view kAllUsers = "http://acs.amazonaws.com/groups/global/AllUsers";
constexpr std::string_view kAuthenticatedUsers = "http://acs.amazonaws.com/groups/global/AuthenticatedUsers";
constexpr std::string_view kLogDelivery = "http://acs.amazonaws.com/groups/s3/LogDelivery";

constexpr std::array kObjectAcls = {"private",          "public-read",       "public-read-write",        "authenticated-read",
                                    "aws-exec-read",    "bucket-owner-read", "bucket-owner-full-control"};
constexpr std::array kBucketAcls = {"private", "public-read", "public-read-write", "authenticated-read",
                                    "aws-exec-read", "log-delivery-write"};

constexpr std::array kPermissions = {"FULL_CONTROL", "READ", "WRITE", "READ_ACP", "WRITE_ACP"};

// The x-amz-grant-* headers and the permission each grants, in the order S3 documents them.
// Object requests take no x-amz-grant-write (WRITE means nothing on an object).
constexpr std::array<std::pair<const char*, const char*>, 5> kGrantHeaders = {{
    {"x-amz-grant-full-control", "FULL_CONTROL"},
    {"x-amz-grant-read", "READ"},
    {"x-amz-grant-read-acp", "READ_ACP"},
    {"x-amz-grant-write", "WRITE"},
    {"x-amz-grant-write-acp", "WRITE_ACP"},
}};

// Explicit grants are stored after this line; canned names never start with it.
constexpr std::string_view kGrantsPrefix = "grants\n";

// One grant: a canonical user (by user name) or a group URI, and a permission.
struct Grant {
  bool group = false;
  std::string who;
  std::string permission;
  auto operator<=>(const Grant&) const = default;
};

bool IsExplicit(std::string_view acl) { return acl.starts_with(kGrantsPrefix); }

std::string EncodeGrants(const std::vector<Grant>& grants) {
  std::string out(kGrantsPrefix);
  for (auto& g : grants) out += g.permission + (g.group ? " group " : " user ") + g.who + "\n";
  return out;
}

std::vector<Grant> DecodeGrants(std::string_view acl) {
  std::vector<Grant> out;
  acl.remove_prefix(kGrantsPrefix.size());
  while (!acl.empty()) {
    auto end = acl.find('\n');
    std::string_view line = acl.substr(0, end);
    acl.remove_prefix(end == std::string_view::npos ? acl.size() : end + 1);
    auto first = line.find(' ');
    auto second = line.find(' ', first + 1);
    if (first == std::string_view::npos || second == std::string_view::npos) continue;
    out.push_back({line.substr(first + 1, second - first - 1) == "group", std::string(line.substr(second + 1)),
                   std::string(line.substr(0, first))});
  }
  return out;
}

// The grants of a canned ACL besides the owner's FULL_CONTROL.
std::vector<Grant> ExtraGrants(const std::string& canned, const std::string& bucket_owner) {
  if (canned == "public-read") return {{true, std::string(kAllUsers), "READ"}};
  if (canned == "public-read-write") return {{true, std::string(kAllUsers), "READ"}, {true, std::string(kAllUsers), "WRITE"}};
  if (canned == "authenticated-read") return {{true, std::string(kAuthenticatedUsers), "READ"}};
  if (canned == "log-delivery-write") {
    return {{true, std::string(kLogDelivery), "WRITE"}, {true, std::string(kLogDelivery), "READ_ACP"}};
  }
  if (canned == "bucket-owner-read") return {{false, bucket_owner, "READ"}};
  if (canned == "bucket-owner-full-control") return {{false, bucket_owner, "FULL_CONTROL"}};
  return {};  // private, and aws-exec-read (EC2's grant is nobody here)
}

// Every grant of a stored ACL: a canned one gives its owner FULL_CONTROL first, as S3 shows it.
std::vector<Grant> Grants(const std::string& acl, const std::string& owner, const std::string& bucket_owner) {
  if (IsExplicit(acl)) return DecodeGrants(acl);
  std::vector<Grant> out{{false, owner, "FULL_CONTROL"}};
  for (auto& g : ExtraGrants(acl, bucket_owner)) {
    if (!g.group && g.who == owner) continue;  // the owner already has FULL_CONTROL
    out.push_back(std::move(g));
  }
  return out;
}

S3Error BadArgument(std::string message, std::string_view name, std::string_view value) {
  S3Error e = make_error(ErrorCode::InvalidArgument, std::move(message));
  e.extra_xml = "<ArgumentName>" + XmlEscape(name) + "</ArgumentName><ArgumentValue>" + XmlEscape(value) +
                "</ArgumentValue>";
  return e;
}

// A grantee named by a canonical id ("id"), a group URI ("uri") or an email address.
std::variant<Grant, S3Error> Grantee(std::string_view type, const std::string& value, const char* permission,
                                     const std::set<std::string>& users) {
  if (type == "id") {
    for (auto& u : users)
      if (CanonicalUserId(u) == value) return Grant{false, u, permission};
    return BadArgument("Invalid id", "CanonicalUser/ID", value);
  }
  if (type == "uri") {
    if (value != kAllUsers && value != kAuthenticatedUsers && value != kLogDelivery) {
      return BadArgument("Invalid group uri", "Group/URI", value);
    }
    return Grant{true, value, permission};
  }
  // S3 discontinued email grantees on October 1, 2025: 405 in the Regions that had them.
  return make_error(ErrorCode::MethodNotAllowed, "Email grantees are not supported.");
}

std::string_view Trim(std::string_view s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t')) s.remove_suffix(1);
  return s;
}

// `type="value", type="value"` of one x-amz-grant-* header (quotes optional) into `out`.
std::optional<S3Error> ParseGrantHeader(const char* header, std::string_view value, const char* permission,
                                        const std::set<std::string>& users, std::vector<Grant>& out) {
  S3Error malformed = BadArgument("Invalid grant header value", header, value);
  std::string_view rest = value;
  while (true) {
    auto eq = rest.find('=');
    if (eq == std::string_view::npos) return malformed;
    std::string_view type = Trim(rest.substr(0, eq));
    rest = Trim(rest.substr(eq + 1));
    std::string_view grantee;
    if (rest.starts_with('"')) {
      auto close = rest.find('"', 1);
      if (close == std::string_view::npos) return malformed;
      grantee = rest.substr(1, close - 1);
      rest = Trim(rest.substr(close + 1));
    } else {
      auto comma = rest.find(',');
      grantee = Trim(rest.substr(0, comma));
      rest = comma == std::string_view::npos ? std::string_view() : rest.substr(comma);
    }
    if (grantee.empty() || (type != "id" && type != "uri" && type != "emailAddress")) return malformed;
    auto g = Grantee(type, std::string(grantee), permission, users);
    if (auto* e = std::get_if<S3Error>(&g)) return *e;
    out.push_back(std::get<Grant>(std::move(g)));
    if (rest.empty()) return std::nullopt;
    if (!rest.starts_with(',')) return malformed;
    rest = Trim(rest.substr(1));
  }
}

pugi::xml_node Child(const pugi::xml_node& node, std::string_view name) {
  for (auto c : node.children())
    if (c.type() == pugi::node_element && LocalName(c) == name) return c;
  return {};
}

}  // namespace

std::variant<std::string, S3Error> ParseCannedAcl(std::string_view name, AclTarget target) {
  bool known = target == AclTarget::Object
                   ? std::find(kObjectAcls.begin(), kObjectAcls.end(), name) != kObjectAcls.end()
                   : std::find(kBucketAcls.begin(), kBucketAcls.end(), name) != kBucketAcls.end();
  // CreateBucket and PutBucketAcl ignore the object-only canned ACLs, as S3 does.
  if (!known && target == AclTarget::Bucket && (name == "bucket-owner-read" || name == "bucket-owner-full-control")) {
    return std::string();
  }
  if (!known) return BadArgument({}, "x-amz-acl", name);
  return name == "private" ? std::string() : std::string(name);
}

std::variant<std::optional<std::string>, S3Error> AclFromHeaders(const Request& request, AclTarget target,
                                                                 const std::set<std::string>& users) {
  auto taken = [&](const char* header) {
    return target == AclTarget::Bucket || std::string_view(header) != "x-amz-grant-write";
  };
  bool grants = std::any_of(kGrantHeaders.begin(), kGrantHeaders.end(),
                            [&](auto& h) { return taken(h.first) && request.Header(h.first) != nullptr; });
  auto* canned = request.Header("x-amz-acl");
  if (canned && grants) {
    return make_error(ErrorCode::InvalidRequest, "Specifying both Canned ACLs and Header Grants is not allowed");
  }
  if (canned) {
    auto parsed = ParseCannedAcl(*canned, target);
    if (auto* e = std::get_if<S3Error>(&parsed)) return *e;
    return std::optional<std::string>(std::get<std::string>(std::move(parsed)));
  }
  if (!grants) return std::optional<std::string>();
  std::vector<Grant> out;
  for (auto& [header, permission] : kGrantHeaders) {
    auto* value = request.Header(header);
    if (!value || !taken(header)) continue;
    if (auto e = ParseGrantHeader(header, *value, permission, users, out)) return *e;
  }
  return std::optional<std::string>(EncodeGrants(out));
}

std::optional<S3Error> RefuseAcl(const storage::BucketInfo& bucket, const std::string& acl) {
  auto owners_full_control = [&](const Grant& g) {
    return !g.group && g.who == bucket.owner && g.permission == "FULL_CONTROL";
  };
  bool owner_only = IsExplicit(acl) ? std::ranges::all_of(DecodeGrants(acl), owners_full_control)
                                    : acl.empty() || acl == "bucket-owner-full-control";
  if (bucket.object_ownership == "BucketOwnerEnforced" && !owner_only) {
    return make_error(ErrorCode::AccessControlListNotSupported);
  }
  if (AclIsPublic(acl) && bucket.public_access_block && bucket.public_access_block->block_public_acls) {
    return make_error(ErrorCode::AccessDenied);
  }
  return std::nullopt;
}

bool AclIsPublic(const std::string& acl) {
  return std::ranges::any_of(Grants(acl, {}, {}), [](const Grant& g) {
    return g.group && (g.who == kAllUsers || g.who == kAuthenticatedUsers);
  });
}

std::string EffectiveAcl(const storage::BucketInfo& bucket, const std::string& stored) {
  return bucket.object_ownership == "BucketOwnerEnforced" ? std::string() : stored;
}

bool AclAllows(const std::string& acl, const std::string& owner, const std::string& bucket_owner,
               const std::optional<std::string>& user, AclPermission permission, bool ignore_public) {
  const char* wanted = permission == AclPermission::Read    ? "READ"
                       : permission == AclPermission::Write ? "WRITE"
                       : permission == AclPermission::ReadAcp ? "READ_ACP"
                                                              : "WRITE_ACP";
  for (auto& g : Grants(acl, owner, bucket_owner)) {
    if (g.permission != wanted && g.permission != "FULL_CONTROL") continue;
    if (!g.group && user && g.who == *user) return true;
    if (g.group && !ignore_public && (g.who == kAllUsers || (g.who == kAuthenticatedUsers && user))) return true;
  }
  return false;
}

std::string AccessControlPolicyXml(const std::string& owner, const std::string& acl, const std::string& bucket_owner) {
  XmlWriter x("AccessControlPolicy");
  x.Open("Owner").Element("ID", CanonicalUserId(owner)).Element("DisplayName", owner).Close("Owner");
  x.Open("AccessControlList");
  for (auto& g : Grants(acl, owner, bucket_owner)) {
    x.Open("Grant");
    if (g.group) {
      x.Raw(R"(<Grantee xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance" xsi:type="Group">)");
      x.Element("URI", g.who).Close("Grantee");
    } else {
      x.Raw(R"(<Grantee xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance" xsi:type="CanonicalUser">)");
      x.Element("ID", CanonicalUserId(g.who)).Element("DisplayName", g.who).Close("Grantee");
    }
    x.Element("Permission", g.permission).Close("Grant");
  }
  x.Close("AccessControlList");
  return x.Finish();
}

std::variant<std::string, S3Error> AclFromXml(std::string_view body, const std::string& owner,
                                              const std::string& bucket_owner, AclTarget target,
                                              const std::set<std::string>& users) {
  S3Error malformed = make_error(ErrorCode::MalformedACLError);
  pugi::xml_document doc;
  if (body.empty() || !doc.load_buffer(body.data(), body.size())) return malformed;
  auto root = doc.document_element();
  auto list = Child(root, "AccessControlList");
  if (LocalName(root) != "AccessControlPolicy" || !list) return malformed;
  std::vector<Grant> grants;
  for (auto grant : list.children()) {
    if (grant.type() != pugi::node_element) continue;
    if (LocalName(grant) != "Grant") return malformed;
    auto grantee = Child(grant, "Grantee");
    std::string permission = Child(grant, "Permission").text().get();
    auto known = std::find(kPermissions.begin(), kPermissions.end(), permission);
    if (!grantee || known == kPermissions.end()) return malformed;
    std::variant<Grant, S3Error> g = malformed;
    if (auto uri = Child(grantee, "URI")) {
      g = Grantee("uri", uri.text().get(), *known, users);
    } else if (auto id = Child(grantee, "ID")) {
      g = Grantee("id", id.text().get(), *known, users);
    } else if (Child(grantee, "EmailAddress")) {
      g = Grantee("emailAddress", {}, *known, users);
    }
    if (auto* e = std::get_if<S3Error>(&g)) return *e;
    grants.push_back(std::get<Grant>(std::move(g)));
  }
  // A document a canned ACL expresses is stored as that name, so it reads back as S3 shows it.
  std::set<Grant> given(grants.begin(), grants.end());
  for (const char* canned : (target == AclTarget::Object ? std::vector<const char*>(kObjectAcls.begin(), kObjectAcls.end())
                                                          : std::vector<const char*>(kBucketAcls.begin(), kBucketAcls.end()))) {
    auto want = Grants(canned, owner, bucket_owner);
    if (std::set<Grant>(want.begin(), want.end()) == given) {
      return std::string(canned) == "private" ? std::string() : std::string(canned);
    }
  }
  return EncodeGrants(grants);
}

}  // namespace xs3::api
