// CreateMultipartUpload (POST /<bucket>/<key>?uploads): metadata, content headers and the
// checksum settings given here apply to the completed object.
#include "api/multipart_checksums.h"
#include "api/object_headers.h"
#include "api/operation.h"
#include "api/sse_customer.h"
#include "api/xml_writer.h"

namespace xs3::api {

Outcome CreateMultipartUpload(OperationContext& ctx) {
  if (auto e = ValidateKey(ctx.address.key)) return Fail(ctx, *e);
  storage::BucketInfo bucket;
  if (auto e = AuthorizeBucket(ctx, ctx.address.bucket, &bucket, BucketAccess::Write)) return Fail(ctx, *e);
  if (auto e = CheckEncryptionHeaders(ctx.request)) return Fail(ctx, *e);
  auto customer_key = ReadCustomerKey(ctx.request, KeyHeaders::Object);
  if (auto* e = std::get_if<S3Error>(&customer_key)) return Fail(ctx, *e);
  const auto& key = std::get<std::optional<CustomerKey>>(customer_key);
  if (key && ctx.IsDirectoryBucket()) return Fail(ctx, SseCustomerNotSupported());
  auto meta = MetaFromHeaders(ctx.request);
  if (auto* e = std::get_if<S3Error>(&meta)) return Fail(ctx, *e);
  auto& m = std::get<storage::ObjectMeta>(meta);
  // Every part is encrypted under this salt, each with its own IV (UploadPart::sse_iv).
  if (key) m.sse_customer = NewSseCustomer(*key);
  m.owner = ctx.auth.user;
  if (auto e = ReadTaggingHeader(ctx.request, ctx.IsDirectoryBucket(), m)) return Fail(ctx, *e);
  if (auto e = ReadAclHeaders(ctx, bucket, m)) return Fail(ctx, *e);
  if (ctx.IsDirectoryBucket()) {
    if (!m.storage_class.empty() && m.storage_class != "EXPRESS_ONEZONE") return Fail(ctx, ErrorCode::InvalidStorageClass);
    m.storage_class = "EXPRESS_ONEZONE";
  }
  auto checksum = UploadChecksumFromHeaders(ctx.request.Header("x-amz-checksum-algorithm"),
                                            ctx.request.Header("x-amz-checksum-type"));
  if (auto* e = std::get_if<S3Error>(&checksum)) return Fail(ctx, *e);
  auto& c = std::get<UploadChecksum>(checksum);
  RecordUploadChecksum(c, m);

  auto id = ctx.engine.CreateMultipartUpload(ctx.address.bucket, ctx.address.key, m);
  if (!id.ok()) return Fail(ctx, FromStorage(id.status()));
  XmlWriter x("InitiateMultipartUploadResult");
  x.Element("Bucket", ctx.address.bucket).Element("Key", ctx.address.key).Element("UploadId", id.value());
  Response r = XmlResponse(200, x.Finish());
  if (key) {
    AddCustomerKeyHeaders(r, *key);
  } else {
    r.SetHeader(kEncryptionHeader, "AES256");
  }
  if (c.algorithm) {
    r.SetHeader("x-amz-checksum-algorithm", std::string(auth::ChecksumName(*c.algorithm)));
    r.SetHeader("x-amz-checksum-type", c.full_object ? "FULL_OBJECT" : "COMPOSITE");
  }
  return Done(std::move(r));
}

}  // namespace xs3::api
