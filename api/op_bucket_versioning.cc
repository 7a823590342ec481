// Get/PutBucketVersioning (?versioning): general-purpose buckets only; a bucket once versioned
// can be suspended but never returns to unversioned. MFA Delete is not offered.
#include <pugixml.hpp>

#include "api/operation.h"
#include "api/xml_names.h"
#include "api/xml_writer.h"

namespace xs3::api {
namespace {

constexpr size_t kMaxBody = 16 * 1024;

}  // namespace

Outcome PutBucketVersioning(OperationContext& ctx) {
  storage::BucketInfo info;
  if (auto e = AuthorizeBucketOwner(ctx, &info)) return Fail(ctx, *e);
  return BufferedBody(ctx, kMaxBody, [ctx](std::string body) mutable {
    if (body.empty()) return Fail(ctx, ErrorCode::MissingRequestBodyError).response;
    pugi::xml_document doc;
    if (!doc.load_buffer(body.data(), body.size())) return Fail(ctx, ErrorCode::MalformedXML).response;
    auto root = doc.document_element();
    if (LocalName(root) != "VersioningConfiguration") return Fail(ctx, ErrorCode::MalformedXML).response;
    std::optional<std::string> status, mfa_delete;
    for (auto c : root.children()) {
      if (c.type() != pugi::node_element) continue;
      auto name = LocalName(c);
      std::optional<std::string>* field = name == "Status" ? &status : name == "MfaDelete" ? &mfa_delete : nullptr;
      if (field == nullptr || field->has_value()) return Fail(ctx, ErrorCode::MalformedXML).response;
      *field = c.text().get();
    }
    if (!status || (*status != "Enabled" && *status != "Suspended")) {
      return Fail(ctx, ErrorCode::MalformedXML).response;
    }
    if (mfa_delete && *mfa_delete != "Disabled") {
      if (*mfa_delete != "Enabled") return Fail(ctx, ErrorCode::MalformedXML).response;
      return Fail(ctx, ErrorCode::NotImplemented, "MFA Delete is not supported.").response;
    }
    auto st = ctx.engine.UpdateBucket(ctx.address.bucket, [&](storage::BucketInfo& b) { b.versioning = *status; });
    if (!st.ok()) return Fail(ctx, FromStorage(st)).response;
    return Response{};
  });
}

Outcome GetBucketVersioning(OperationContext& ctx) {
  storage::BucketInfo info;
  if (auto e = AuthorizeBucket(ctx, ctx.address.bucket, &info)) return Fail(ctx, *e);
  // A bucket never versioned answers an empty configuration, as S3 does.
  XmlWriter x("VersioningConfiguration");
  if (!info.versioning.empty()) x.Element("Status", info.versioning);
  return Done(XmlResponse(200, x.Finish()));
}

}  // namespace xs3::api
