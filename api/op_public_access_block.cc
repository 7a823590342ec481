// Get/Put/DeletePublicAccessBlock (?publicAccessBlock): Block Public Access refuses public ACLs
// (BlockPublicAcls) or makes them ineffective (IgnorePublicAcls) (api/acl.h). Owner or root only.
#include <pugixml.hpp>

#include "api/acl.h"
#include "api/operation.h"
#include "api/xml_names.h"
#include "api/xml_writer.h"

namespace xs3::api {
namespace {

constexpr size_t kMaxBody = 16 * 1024;

}  // namespace

Outcome PutPublicAccessBlock(OperationContext& ctx) {
  storage::BucketInfo info;
  if (auto e = AuthorizeBucketOwner(ctx, &info)) return Fail(ctx, *e);
  return BufferedBody(ctx, kMaxBody, [ctx](std::string body) mutable {
    if (body.empty()) return Fail(ctx, ErrorCode::MissingRequestBodyError).response;
    pugi::xml_document doc;
    if (!doc.load_buffer(body.data(), body.size())) return Fail(ctx, ErrorCode::MalformedXML).response;
    auto root = doc.document_element();
    if (LocalName(root) != "PublicAccessBlockConfiguration") return Fail(ctx, ErrorCode::MalformedXML).response;
    storage::PublicAccessBlock block;
    for (auto field : ChildElements(root)) {
      std::string_view name = LocalName(field), text = field.text().get();
      bool* slot = name == "BlockPublicAcls"         ? &block.block_public_acls
                   : name == "IgnorePublicAcls"      ? &block.ignore_public_acls
                   : name == "BlockPublicPolicy"     ? &block.block_public_policy
                   : name == "RestrictPublicBuckets" ? &block.restrict_public_buckets
                                                     : nullptr;
      if (!slot || (text != "true" && text != "false")) return Fail(ctx, ErrorCode::MalformedXML).response;
      *slot = text == "true";
    }
    auto st = ctx.engine.UpdateBucket(ctx.address.bucket, [&](storage::BucketInfo& b) { b.public_access_block = block; });
    if (!st.ok()) return Fail(ctx, FromStorage(st)).response;
    return Response{};
  });
}

Outcome GetPublicAccessBlock(OperationContext& ctx) {
  storage::BucketInfo info;
  if (auto e = AuthorizeBucketOwner(ctx, &info)) return Fail(ctx, *e);
  if (!info.public_access_block) {
    return Fail(ctx, WithBucketName(make_error(ErrorCode::NoSuchPublicAccessBlockConfiguration), info.name));
  }
  const auto& b = *info.public_access_block;
  auto flag = [](bool v) { return v ? "true" : "false"; };
  XmlWriter x("PublicAccessBlockConfiguration");
  x.Element("BlockPublicAcls", flag(b.block_public_acls))
      .Element("IgnorePublicAcls", flag(b.ignore_public_acls))
      .Element("BlockPublicPolicy", flag(b.block_public_policy))
      .Element("RestrictPublicBuckets", flag(b.restrict_public_buckets));
  return Done(XmlResponse(200, x.Finish()));
}

Outcome DeletePublicAccessBlock(OperationContext& ctx) {
  return DeleteBucketConfiguration(ctx, [](storage::BucketInfo& b) { b.public_access_block.reset(); });
}

}  // namespace xs3::api
