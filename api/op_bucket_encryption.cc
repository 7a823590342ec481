// Get/Put/DeleteBucketEncryption (?encryption): a bucket's default encryption. Every object xs3
// stores is reported as SSE-S3 (AES256), as S3 encrypts every new object since 2023, so a bucket
// without a configuration answers that default rather than an error; SSE-KMS is not offered.
// Both bucket types, owner or root only.
#include <pugixml.hpp>

#include "api/operation.h"
#include "api/xml_names.h"
#include "api/xml_writer.h"

namespace xs3::api {
namespace {

constexpr size_t kMaxBody = 16 * 1024;

std::string ConfigurationXml(bool bucket_key_enabled) {
  XmlWriter x("ServerSideEncryptionConfiguration");
  x.Open("Rule")
      .Open("ApplyServerSideEncryptionByDefault")
      .Element("SSEAlgorithm", "AES256")
      .Close("ApplyServerSideEncryptionByDefault")
      .Element("BucketKeyEnabled", bucket_key_enabled ? "true" : "false")
      .Close("Rule");
  return x.Finish();
}

// The stored configuration from a PutBucketEncryption body, or the refusal S3 gives it.
std::variant<std::string, S3Error> ParseConfiguration(const std::string& body) {
  pugi::xml_document doc;
  if (!doc.load_buffer(body.data(), body.size())) return make_error(ErrorCode::MalformedXML);
  auto root = doc.document_element();
  if (LocalName(root) != "ServerSideEncryptionConfiguration") return make_error(ErrorCode::MalformedXML);
  pugi::xml_node rule;
  for (auto c : root.children()) {
    if (c.type() != pugi::node_element) continue;
    if (LocalName(c) != "Rule" || rule) return make_error(ErrorCode::MalformedXML);
    rule = c;
  }
  if (!rule) return make_error(ErrorCode::MalformedXML);
  std::optional<std::string> algorithm, kms_key;
  std::optional<bool> bucket_key;
  for (auto c : rule.children()) {
    if (c.type() != pugi::node_element) continue;
    if (LocalName(c) == "ApplyServerSideEncryptionByDefault" && !algorithm) {
      for (auto d : c.children()) {
        if (d.type() != pugi::node_element) continue;
        if (LocalName(d) == "SSEAlgorithm" && !algorithm) algorithm = d.text().get();
        else if (LocalName(d) == "KMSMasterKeyID" && !kms_key) kms_key = d.text().get();
        else return make_error(ErrorCode::MalformedXML);
      }
      if (!algorithm) return make_error(ErrorCode::MalformedXML);
    } else if (LocalName(c) == "BucketKeyEnabled" && !bucket_key) {
      std::string v = c.text().get();
      if (v != "true" && v != "false") return make_error(ErrorCode::MalformedXML);
      bucket_key = v == "true";
    } else {
      return make_error(ErrorCode::MalformedXML);
    }
  }
  if (!algorithm) return make_error(ErrorCode::MalformedXML);
  if (*algorithm == "aws:kms" || *algorithm == "aws:kms:dsse") {
    return make_error(ErrorCode::NotImplemented, "SSE-KMS is not implemented; objects are encrypted with SSE-S3.");
  }
  if (*algorithm != "AES256") return make_error(ErrorCode::MalformedXML);
  if (kms_key) {
    return make_error(ErrorCode::InvalidArgument,
                      "a KMSMasterKeyID is not applicable if the default sse algorithm is not aws:kms or aws:kms:dsse");
  }
  return ConfigurationXml(bucket_key.value_or(false));
}

}  // namespace

Outcome PutBucketEncryption(OperationContext& ctx) {
  storage::BucketInfo info;
  if (auto e = AuthorizeBucketOwner(ctx, &info)) return Fail(ctx, *e);
  return BufferedBody(ctx, kMaxBody, [ctx](std::string body) mutable {
    if (body.empty()) return Fail(ctx, ErrorCode::MissingRequestBodyError).response;
    auto parsed = ParseConfiguration(body);
    if (auto* e = std::get_if<S3Error>(&parsed)) return Fail(ctx, *e).response;
    auto st = ctx.engine.UpdateBucket(ctx.address.bucket, [&](storage::BucketInfo& b) {
      b.encryption = std::get<std::string>(parsed);
    });
    if (!st.ok()) return Fail(ctx, FromStorage(st)).response;
    return Response{};
  });
}

Outcome GetBucketEncryption(OperationContext& ctx) {
  storage::BucketInfo info;
  if (auto e = AuthorizeBucketOwner(ctx, &info)) return Fail(ctx, *e);
  return Done(XmlResponse(200, info.encryption.empty() ? ConfigurationXml(false) : info.encryption));
}

Outcome DeleteBucketEncryption(OperationContext& ctx) {
  return DeleteBucketConfiguration(ctx, [](storage::BucketInfo& b) { b.encryption.clear(); });
}

}  // namespace xs3::api
