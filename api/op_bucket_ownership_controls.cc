// Get/Put/DeleteBucketOwnershipControls (?ownershipControls): Object Ownership decides whether a
// bucket takes ACLs at all (api/acl.h). Owner or root only.
#include <pugixml.hpp>

#include "api/acl.h"
#include "api/operation.h"
#include "api/xml_names.h"
#include "api/xml_writer.h"

namespace xs3::api {
namespace {

constexpr size_t kMaxBody = 16 * 1024;

}  // namespace

Outcome PutBucketOwnershipControls(OperationContext& ctx) {
  storage::BucketInfo info;
  if (auto e = AuthorizeBucketOwner(ctx, &info)) return Fail(ctx, *e);
  return BufferedBody(ctx, kMaxBody, [ctx, info](std::string body) mutable {
    if (body.empty()) return Fail(ctx, ErrorCode::MissingRequestBodyError).response;
    pugi::xml_document doc;
    if (!doc.load_buffer(body.data(), body.size())) return Fail(ctx, ErrorCode::MalformedXML).response;
    auto root = doc.document_element();
    auto rules = ChildElements(root);
    if (LocalName(root) != "OwnershipControls" || rules.size() != 1 || LocalName(rules[0]) != "Rule") {
      return Fail(ctx, ErrorCode::MalformedXML).response;
    }
    auto fields = ChildElements(rules[0]);
    std::string value = fields.size() == 1 && LocalName(fields[0]) == "ObjectOwnership" ? fields[0].text().get() : "";
    if (value != "BucketOwnerEnforced" && value != "BucketOwnerPreferred" && value != "ObjectWriter") {
      return Fail(ctx, ErrorCode::MalformedXML).response;
    }
    // Turning ACLs off while the bucket's own ACL grants more than the owner would hide that grant.
    if (value == "BucketOwnerEnforced" && !info.acl.empty()) {
      return Fail(ctx, ErrorCode::InvalidBucketAclWithObjectOwnership).response;
    }
    auto st = ctx.engine.UpdateBucket(ctx.address.bucket, [&](storage::BucketInfo& b) { b.object_ownership = value; });
    if (!st.ok()) return Fail(ctx, FromStorage(st)).response;
    return Response{};
  });
}

Outcome GetBucketOwnershipControls(OperationContext& ctx) {
  storage::BucketInfo info;
  if (auto e = AuthorizeBucketOwner(ctx, &info)) return Fail(ctx, *e);
  if (!info.object_ownership) return Fail(ctx, WithBucketName(make_error(ErrorCode::OwnershipControlsNotFoundError), info.name));
  XmlWriter x("OwnershipControls");
  x.Open("Rule").Element("ObjectOwnership", *info.object_ownership).Close("Rule");
  return Done(XmlResponse(200, x.Finish()));
}

Outcome DeleteBucketOwnershipControls(OperationContext& ctx) {
  return DeleteBucketConfiguration(ctx, [](storage::BucketInfo& b) { b.object_ownership.reset(); });
}

}  // namespace xs3::api
