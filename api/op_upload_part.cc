// UploadPart (PUT ?partNumber&uploadId) and UploadPartCopy (the same with x-amz-copy-source):
// a part is written like an object body, sealed as an extent and handed to the upload.
#include <charconv>

#include "api/body_pipeline.h"
#include "api/bucket_policy_check.h"
#include "api/conditions.h"
#include "api/http_time.h"
#include "api/multipart_checksums.h"
#include "api/object_headers.h"
#include "api/operation.h"
#include "api/sse_customer.h"
#include "api/versioning.h"
#include "api/xml_writer.h"

namespace xs3::api {
namespace {

constexpr uint64_t kMaxPartSize = uint64_t{5} << 30;

std::optional<uint32_t> PartNumber(const OperationContext& ctx) {
  auto* v = ctx.Query("partNumber");
  uint32_t n = 0;
  if (!v) return std::nullopt;
  auto [p, ec] = std::from_chars(v->data(), v->data() + v->size(), n);
  if (ec != std::errc() || p != v->data() + v->size() || n < 1 || n > 10000) return std::nullopt;
  return n;
}

S3Error BadPartNumber() {
  return make_error(ErrorCode::InvalidArgument, "Part number must be an integer between 1 and 10000, inclusive");
}

struct PartTarget {
  uint32_t part_number = 0;
  storage::MultipartUpload upload;
  UploadChecksum checksum;
  std::optional<CustomerKey> customer_key;  // the upload's SSE-C key, checked
  std::string sse_iv;                       // with it, the new part's IV
};

std::variant<PartTarget, S3Error> FindTarget(OperationContext& ctx) {
  if (auto e = ValidateKey(ctx.address.key)) return *e;
  if (auto e = AuthorizeBucket(ctx, ctx.address.bucket, nullptr, BucketAccess::Write)) return *e;
  auto n = PartNumber(ctx);
  if (!n) return BadPartNumber();
  auto customer_key = ReadCustomerKey(ctx.request, KeyHeaders::Object);
  if (auto* e = std::get_if<S3Error>(&customer_key)) return *e;
  auto upload = ctx.engine.GetMultipartUpload(ctx.address.bucket, ctx.address.key, *ctx.Query("uploadId"));
  if (!upload.ok()) return FromStorage(upload.status());
  auto& key = std::get<std::optional<CustomerKey>>(customer_key);
  if (auto e = CheckUploadKey(upload->meta.sse_customer, key)) return *e;
  PartTarget target{*n, upload.value(), UploadChecksumOf(upload->meta), std::move(key), ""};
  if (target.customer_key) target.sse_iv = NewIv();
  return target;
}

// The part's cipher when the upload is SSE-C, else nullptr.
std::unique_ptr<CtrCipher> PartCipher(const PartTarget& t) {
  if (!t.customer_key) return nullptr;
  return std::make_unique<CtrCipher>(CipherKey(*t.customer_key, *t.upload.meta.sse_customer), t.sse_iv, 0);
}

void AddPartEncryptionHeaders(Response& r, const PartTarget& t) {
  if (t.customer_key) AddCustomerKeyHeaders(r, *t.customer_key);
}

class UploadPartConsumer : public BodyConsumer {
 public:
  UploadPartConsumer(OperationContext ctx, PartTarget target, std::unique_ptr<BodyPipeline> pipeline,
                     std::unique_ptr<storage::BodyWriter> writer)
      : ctx_(std::move(ctx)),
        target_(std::move(target)),
        pipeline_(std::move(pipeline)),
        writer_(std::move(writer)),
        cipher_(PartCipher(target_)) {}

  std::optional<S3Error> Write(const char* data, size_t len) override {
    return pipeline_->Feed(data, len, [this](const char* d, size_t n) -> std::optional<S3Error> {
      if (pipeline_->decoded_size() > kMaxPartSize) return make_error(ErrorCode::EntityTooLarge);
      auto st = cipher_ ? writer_->Append(cipher_->Apply(d, n).data(), n) : writer_->Append(d, n);
      if (!st.ok()) return FromStorage(st);
      return std::nullopt;
    });
  }

  Response Finish() override {
    if (auto e = pipeline_->Finish()) return Fail(ctx_, *e).response;
    auto extent = ctx_.engine.SealExtent(std::move(writer_));
    if (!extent.ok()) return Fail(ctx_, FromStorage(extent.status())).response;
    storage::UploadPart part;
    part.part_number = target_.part_number;
    part.extent = std::move(extent.value());
    part.etag = ctx_.IsDirectoryBucket() || target_.customer_key ? RandomETag() : pipeline_->md5_hex();
    part.sse_iv = target_.sse_iv;
    bool upload_algorithm = pipeline_->checksum_algorithm() ==
                            target_.checksum.algorithm.value_or(auth::ChecksumAlgorithm::CRC64NVME);
    if (upload_algorithm) part.checksum = pipeline_->checksum_base64();
    auto st = ctx_.engine.PutUploadPart(ctx_.address.bucket, ctx_.address.key, target_.upload.upload_id, part);
    if (!st.ok()) return Fail(ctx_, FromStorage(st)).response;
    Response r;
    r.SetHeader("ETag", QuoteETag(part.etag));
    AddPartEncryptionHeaders(r, target_);
    if (target_.checksum.algorithm) {
      r.SetHeader(std::string(auth::ChecksumHeaderName(*target_.checksum.algorithm)), part.checksum);
    }
    return r;
  }

  const std::string& request_id() const override { return ctx_.request_id; }

 private:
  OperationContext ctx_;
  PartTarget target_;
  std::unique_ptr<BodyPipeline> pipeline_;
  std::unique_ptr<storage::BodyWriter> writer_;
  std::unique_ptr<CtrCipher> cipher_;
};

}  // namespace

Outcome UploadPart(OperationContext& ctx) {
  auto target = FindTarget(ctx);
  if (auto* e = std::get_if<S3Error>(&target)) return Fail(ctx, *e);
  auto& t = std::get<PartTarget>(target);
  if (!ctx.request.content_length && !ctx.request.body_chunked) return Fail(ctx, ErrorCode::MissingContentLength);
  // Parts carry the upload's checksum algorithm; without one, CRC64NVME so completion can give
  // the object a full-object CRC64NVME as AWS does.
  auto algorithm = t.checksum.algorithm.value_or(auth::ChecksumAlgorithm::CRC64NVME);
  auto pipeline = BodyPipeline::Create(
      ctx.request, ctx.auth,
      {.compute_md5 = !ctx.IsDirectoryBucket() && !t.customer_key, .default_checksum = algorithm});
  if (auto* e = std::get_if<S3Error>(&pipeline)) return Fail(ctx, *e);
  auto& p = std::get<0>(pipeline);
  if (p->checksum_algorithm() != algorithm && t.checksum.algorithm) {
    return Fail(ctx, ErrorCode::InvalidRequest,
                "Checksum Type mismatch occurred, expected checksum Type: " + std::string(auth::ChecksumName(algorithm)));
  }
  // (An upload without an algorithm takes parts with any checksum: it is verified, and the
  // completed object then has no checksum of its own.)
  if (p->declared_size() && *p->declared_size() > kMaxPartSize) return Fail(ctx, ErrorCode::EntityTooLarge);
  auto writer = ctx.engine.NewBodyWriter();
  if (!writer.ok()) return Fail(ctx, FromStorage(writer.status()));
  Outcome o;
  o.consumer = std::make_unique<UploadPartConsumer>(ctx, std::move(t), std::move(p), std::move(writer.value()));
  return o;
}

Outcome UploadPartCopy(OperationContext& ctx) {
  auto target = FindTarget(ctx);
  if (auto* e = std::get_if<S3Error>(&target)) return Fail(ctx, *e);
  auto& t = std::get<PartTarget>(target);

  std::string source = *ctx.request.Header("x-amz-copy-source");
  std::optional<std::string> version;
  if (auto q = source.find("?versionId="); q != std::string::npos) {
    version = auth::UriDecode(source.substr(q + 11));
    source = source.substr(0, q);
  }
  source = auth::UriDecode(source);
  if (!source.empty() && source.front() == '/') source.erase(0, 1);
  auto slash = source.find('/');
  if (slash == std::string::npos || slash == 0 || slash + 1 >= source.size()) {
    return Fail(ctx, ErrorCode::InvalidArgument, "Copy Source must mention the source bucket and key: sourcebucket/sourcekey");
  }
  std::string src_bucket = source.substr(0, slash), src_key = source.substr(slash + 1);
  if (auto e = AuthorizeCopySource(ctx, src_bucket, src_key, version.has_value())) return Fail(ctx, *e);
  auto source_key = ReadCustomerKey(ctx.request, KeyHeaders::CopySource);
  if (auto* e = std::get_if<S3Error>(&source_key)) return Fail(ctx, *e);
  auto src = version ? ctx.engine.OpenObjectVersion(src_bucket, src_key, *version)
                     : ctx.engine.OpenObject(src_bucket, src_key);
  if (!src.ok()) return Fail(ctx, FromStorage(src.status()));
  if (src->record.meta.delete_marker) {
    return Fail(ctx, ErrorCode::InvalidRequest,
                "The source of a copy request may not specifically refer to a delete marker by version id.");
  }
  const auto& meta = src->record.meta;
  Preconditions pre{ctx.request.Header("x-amz-copy-source-if-match"), ctx.request.Header("x-amz-copy-source-if-none-match"),
                    ctx.request.Header("x-amz-copy-source-if-modified-since"),
                    ctx.request.Header("x-amz-copy-source-if-unmodified-since")};
  if (auto e = EvaluatePreconditions(pre, meta, true)) return Fail(ctx, *e);
  const auto& src_key_given = std::get<std::optional<CustomerKey>>(source_key);
  if (auto e = CheckCustomerKey(meta.sse_customer, src_key_given)) return Fail(ctx, *e);
  std::unique_ptr<storage::BodyReader> source_body = std::move(src->body);
  if (src_key_given) {
    source_body = DecryptingReader(std::move(source_body), src->record, *src_key_given);
    if (!source_body) return Fail(ctx, ErrorCode::InternalError);
  }

  uint64_t first = 0, length = meta.size;
  if (auto* range = ctx.request.Header("x-amz-copy-source-range")) {
    // Unlike GET, the copy range must be exact: "bytes=first-last" within the object.
    uint64_t a = 0, b = 0;
    std::string_view spec = *range;
    bool ok = spec.substr(0, 6) == "bytes=";
    auto dash = spec.find('-', 6);
    if (ok && dash != std::string_view::npos) {
      auto [p1, e1] = std::from_chars(spec.data() + 6, spec.data() + dash, a);
      auto [p2, e2] = std::from_chars(spec.data() + dash + 1, spec.data() + spec.size(), b);
      ok = e1 == std::errc() && p1 == spec.data() + dash && e2 == std::errc() && p2 == spec.data() + spec.size() &&
           dash > 6 && a <= b && b < meta.size;
    } else {
      ok = false;
    }
    if (!ok) {
      return Fail(ctx, ErrorCode::InvalidArgument, "The x-amz-copy-source-range value must be of the form bytes=first-last "
                                                  "where first and last are the zero-based offsets of the first and last bytes to copy");
    }
    first = a;
    length = b - a + 1;
  }
  if (length > kMaxPartSize) return Fail(ctx, ErrorCode::EntityTooLarge);

  // The bytes are copied through a bounded buffer into the part (a range has no blob to share).
  auto writer = ctx.engine.NewBodyWriter();
  if (!writer.ok()) return Fail(ctx, FromStorage(writer.status()));
  auto algorithm = t.checksum.algorithm.value_or(auth::ChecksumAlgorithm::CRC64NVME);
  auto checksum = auth::Hasher::Create(algorithm);
  auto md5 = auth::Hasher::Create(auth::ChecksumAlgorithm::MD5);
  auto cipher = PartCipher(t);
  std::vector<char> buf(1 << 20);
  for (uint64_t done = 0; done < length;) {
    auto got = source_body->ReadAt(first + done, buf.data(), static_cast<size_t>(std::min<uint64_t>(buf.size(), length - done)));
    if (!got.ok() || got.value() == 0) return Fail(ctx, ErrorCode::InternalError);
    checksum->Update(buf.data(), got.value());
    md5->Update(buf.data(), got.value());
    if (cipher) cipher->Apply(buf.data(), buf.data(), got.value());
    if (auto st = writer.value()->Append(buf.data(), got.value()); !st.ok()) return Fail(ctx, FromStorage(st));
    done += got.value();
  }
  auto extent = ctx.engine.SealExtent(std::move(writer.value()));
  if (!extent.ok()) return Fail(ctx, FromStorage(extent.status()));
  storage::UploadPart part;
  part.part_number = t.part_number;
  part.extent = std::move(extent.value());
  part.etag = ctx.IsDirectoryBucket() || t.customer_key ? RandomETag() : auth::HexEncode(md5->Final());
  part.checksum = auth::Base64Encode(checksum->Final());
  part.sse_iv = t.sse_iv;
  auto st = ctx.engine.PutUploadPart(ctx.address.bucket, ctx.address.key, t.upload.upload_id, part);
  if (!st.ok()) return Fail(ctx, FromStorage(st));
  XmlWriter x("CopyPartResult");
  x.Element("ETag", QuoteETag(part.etag)).Element("LastModified", Iso8601Ms(meta.mtime_ms));
  if (t.checksum.algorithm) x.Element("Checksum" + std::string(auth::ChecksumName(algorithm)), part.checksum);
  Response r = XmlResponse(200, x.Finish());
  AddCopySourceVersionHeader(ctx, r, src_bucket, version.has_value(), meta.version_id);
  AddPartEncryptionHeaders(r, t);
  return Done(std::move(r));
}

}  // namespace xs3::api
