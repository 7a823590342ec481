#include "api/acl.h"

#include <pugixml.hpp>

#include <algorithm>
#include <array>
#include <set>
#include <tuple>

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

// One grant: a canonical user (by user name) or a group URI, and a permission.
struct Grant {
  bool group = false;
  std::string who;
  std::string permission;
  auto operator<=>(const Grant&) const = default;
};

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
  if (!known) {
    S3Error e = make_error(ErrorCode::InvalidArgument);
    e.extra_xml = "<ArgumentName>x-amz-acl</ArgumentName><ArgumentValue>" + XmlEscape(name) + "</ArgumentValue>";
    return e;
  }
  return name == "private" ? std::string() : std::string(name);
}

std::optional<S3Error> RefuseAcl(const storage::BucketInfo& bucket, const std::string& canned) {
  bool owner_only = canned.empty() || canned == "bucket-owner-full-control";
  if (bucket.object_ownership == "BucketOwnerEnforced" && !owner_only) {
    return make_error(ErrorCode::AccessControlListNotSupported);
  }
  bool is_public = AclGrantsPublicRead(canned) || AclGrantsAuthenticatedRead(canned);
  if (is_public && bucket.public_access_block && bucket.public_access_block->block_public_acls) {
    return make_error(ErrorCode::AccessDenied);
  }
  return std::nullopt;
}

std::string EffectiveAcl(const storage::BucketInfo& bucket, const std::string& stored) {
  return bucket.object_ownership == "BucketOwnerEnforced" ? std::string() : stored;
}

bool AclGrantsPublicRead(const std::string& canned) {
  return canned == "public-read" || canned == "public-read-write";
}

bool AclGrantsAuthenticatedRead(const std::string& canned) {
  return AclGrantsPublicRead(canned) || canned == "authenticated-read";
}

std::string AccessControlPolicyXml(const std::string& owner, const std::string& canned,
                                   const std::string& bucket_owner) {
  auto user = [](XmlWriter& x, const std::string& name) {
    x.Raw(R"(<Grantee xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance" xsi:type="CanonicalUser">)");
    x.Element("ID", CanonicalUserId(name)).Element("DisplayName", name).Close("Grantee");
  };
  XmlWriter x("AccessControlPolicy");
  x.Open("Owner").Element("ID", CanonicalUserId(owner)).Element("DisplayName", owner).Close("Owner");
  x.Open("AccessControlList");
  x.Open("Grant");
  user(x, owner);
  x.Element("Permission", "FULL_CONTROL").Close("Grant");
  for (auto& g : ExtraGrants(canned, bucket_owner)) {
    if (!g.group && g.who == owner) continue;  // the owner already has FULL_CONTROL
    x.Open("Grant");
    if (g.group) {
      x.Raw(R"(<Grantee xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance" xsi:type="Group">)");
      x.Element("URI", g.who).Close("Grantee");
    } else {
      user(x, g.who);
    }
    x.Element("Permission", g.permission).Close("Grant");
  }
  x.Close("AccessControlList");
  return x.Finish();
}

std::variant<std::string, S3Error> CannedAclFromXml(std::string_view body, const std::string& owner,
                                                    const std::string& bucket_owner, AclTarget target) {
  S3Error malformed = make_error(ErrorCode::MalformedACLError);
  pugi::xml_document doc;
  if (body.empty() || !doc.load_buffer(body.data(), body.size())) return malformed;
  auto root = doc.document_element();
  auto list = Child(root, "AccessControlList");
  if (LocalName(root) != "AccessControlPolicy" || !list) return malformed;
  std::set<Grant> grants;
  for (auto grant : list.children()) {
    if (grant.type() != pugi::node_element) continue;
    if (LocalName(grant) != "Grant") return malformed;
    auto grantee = Child(grant, "Grantee");
    std::string permission = Child(grant, "Permission").text().get();
    if (!grantee || permission.empty()) return malformed;
    Grant g;
    g.permission = permission;
    if (auto uri = Child(grantee, "URI")) {
      g.group = true;
      g.who = uri.text().get();
    } else if (auto id = Child(grantee, "ID")) {
      std::string wanted = id.text().get();
      // Canonical user IDs name users; only the owner and the bucket owner can be told apart.
      if (wanted == CanonicalUserId(owner)) {
        g.who = owner;
      } else if (wanted == CanonicalUserId(bucket_owner)) {
        g.who = bucket_owner;
      } else {
        S3Error e = make_error(ErrorCode::InvalidArgument, "Invalid id");
        e.extra_xml = "<ArgumentName>CanonicalUser/ID</ArgumentName><ArgumentValue>" + XmlEscape(wanted) +
                      "</ArgumentValue>";
        return e;
      }
    } else {
      return make_error(ErrorCode::NotImplemented, "Only canonical user and group grantees are supported.");
    }
    grants.insert(std::move(g));
  }
  std::set<Grant> owner_grant{{false, owner, "FULL_CONTROL"}};
  for (const char* canned : (target == AclTarget::Object ? std::vector<const char*>(kObjectAcls.begin(), kObjectAcls.end())
                                                          : std::vector<const char*>(kBucketAcls.begin(), kBucketAcls.end()))) {
    std::set<Grant> want = owner_grant;
    for (auto& g : ExtraGrants(canned, bucket_owner)) {
      if (!g.group && g.who == owner) continue;
      want.insert(g);
    }
    if (want == grants) return std::string(canned) == "private" ? std::string() : std::string(canned);
  }
  return make_error(ErrorCode::NotImplemented, "Only ACLs that a canned ACL expresses are supported.");
}

}  // namespace xs3::api
