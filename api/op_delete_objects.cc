// DeleteObjects: up to 1,000 keys in one XML body; per-key results, or only errors when Quiet.
#include <pugixml.hpp>

#include "api/bucket_policy_check.h"
#include "api/object_headers.h"
#include "api/operation.h"
#include "api/versioning.h"
#include "api/xml_writer.h"

namespace xs3::api {
namespace {

constexpr size_t kMaxKeys = 1000;
// 1,000 keys of 1,024 bytes, escaped, plus framing.
constexpr size_t kMaxBody = 8 * 1024 * 1024;

Response DeleteKeys(OperationContext& ctx, const std::string& body) {
  pugi::xml_document doc;
  if (!doc.load_buffer(body.data(), body.size())) return Fail(ctx, ErrorCode::MalformedXML).response;
  auto root = doc.document_element();
  if (std::string_view(root.name()) != "Delete") return Fail(ctx, ErrorCode::MalformedXML).response;
  bool quiet = std::string_view(root.child("Quiet").text().get()) == "true";
  struct Target {
    std::string key;
    std::optional<std::string> version_id;
  };
  std::vector<Target> keys;
  for (auto obj : root.children("Object")) {
    auto key = obj.child("Key");
    if (!key) return Fail(ctx, ErrorCode::MalformedXML).response;
    std::string k = key.text().get();
    // XML 1.0 has no way to carry these characters, raw or as references: S3's parser refuses
    // the document. (Such keys are deleted one at a time with DeleteObject.)
    for (char c : k) {
      if (static_cast<unsigned char>(c) < 0x20 && c != '\t' && c != '\n' && c != '\r') {
        return Fail(ctx, ErrorCode::MalformedXML).response;
      }
    }
    std::optional<std::string> version;
    if (auto v = obj.child("VersionId")) version = v.text().get();
    keys.push_back(Target{std::move(k), std::move(version)});
  }
  if (keys.empty() || keys.size() > kMaxKeys) return Fail(ctx, ErrorCode::MalformedXML).response;

  // The request was admitted for the bucket's objects as a whole; the policies may still refuse
  // some keys.
  BucketPolicyEvaluator policy(ctx, ctx.address.bucket);
  XmlWriter x("DeleteResult");
  for (auto& [key, version] : keys) {
    std::optional<S3Error> error = ValidateKey(key);
    const char* action = version ? "s3:DeleteObjectVersion" : "s3:DeleteObject";
    if (!error) error = CheckObjectAccess(ctx, policy, action, key);
    // Where DeleteObject refuses a malformed id (InvalidArgument), S3's DeleteObjects reports
    // that key as NoSuchVersion and goes on with the others.
    if (!error && version && !storage::Engine::ValidVersionId(*version)) {
      error = make_error(ErrorCode::NoSuchVersion);
    }
    storage::VersionOutcome outcome;
    if (!error) {
      storage::DeleteOptions options;
      options.version_id = version;
      options.owner = ctx.auth.user;
      auto st = ctx.engine.DeleteObject(ctx.address.bucket, key, options, &outcome);
      if (!st.ok()) error = FromStorage(st);
    }
    if (error) {
      x.Open("Error").Element("Key", key);
      if (version) x.Element("VersionId", *version);
      x.Element("Code", error->code_name()).Element("Message", error->effective_message()).Close("Error");
    } else if (!quiet) {
      x.Open("Deleted").Element("Key", key);
      if (version) x.Element("VersionId", *version);
      if (outcome.delete_marker) {
        x.Element("DeleteMarker", "true");
        // A delete that made the marker names it; one that removed a marker by id names that.
        x.Element("DeleteMarkerVersionId", ShownVersionId(outcome.version_id));
      }
      x.Close("Deleted");
    }
  }
  return XmlResponse(200, x.Finish());
}

}  // namespace

Outcome DeleteObjects(OperationContext& ctx) {
  storage::BucketInfo bucket;
  if (auto e = AuthorizeBucketOrAcl(ctx, &bucket, AclPermission::Write)) return Fail(ctx, *e);
  // S3 requires an integrity check on this call (Content-MD5 or any x-amz-checksum-*).
  bool has_integrity = ctx.request.Header("content-md5") != nullptr || ctx.request.Header("x-amz-trailer") != nullptr;
  for (auto& [name, value] : ctx.request.headers) {
    if (name.rfind("x-amz-checksum-", 0) == 0 && name != "x-amz-checksum-mode" && name != "x-amz-checksum-type") {
      has_integrity = true;
    }
  }
  if (!has_integrity) return Fail(ctx, ErrorCode::InvalidRequest, "Missing required header for this request: Content-Md5");
  return BufferedBody(ctx, kMaxBody, [ctx](std::string body) mutable { return DeleteKeys(ctx, body); });
}

}  // namespace xs3::api
