// PutObject: the body streams through the pipeline (decoding, digests) into a storage body
// writer; the object is published only after every digest matched. With
// x-amz-write-offset-bytes on a directory bucket it appends instead (S3 Express).
#include <charconv>

#include "api/body_pipeline.h"
#include "api/object_headers.h"
#include "api/operation.h"
#include "api/sse_customer.h"
#include "api/versioning.h"

namespace xs3::api {
namespace {

// An append extends an existing object (or creates one at offset 0).
struct AppendPlan {
  uint64_t offset = 0;
  std::optional<storage::ObjectMeta> existing;
};

class PutObjectConsumer : public BodyConsumer {
 public:
  PutObjectConsumer(OperationContext ctx, storage::ObjectMeta meta, storage::WriteConditions conditions,
                    std::unique_ptr<BodyPipeline> pipeline, std::unique_ptr<storage::BodyWriter> writer,
                    std::optional<AppendPlan> append, std::optional<CustomerKey> customer_key)
      : ctx_(std::move(ctx)),
        meta_(std::move(meta)),
        conditions_(std::move(conditions)),
        pipeline_(std::move(pipeline)),
        writer_(std::move(writer)),
        append_(std::move(append)),
        customer_key_(std::move(customer_key)) {
    if (customer_key_) {
      const storage::SseCustomer& sse = *meta_.sse_customer;
      cipher_ = std::make_unique<CtrCipher>(CipherKey(*customer_key_, sse), sse.ivs[0], 0);
    }
  }

  std::optional<S3Error> Write(const char* data, size_t len) override {
    return pipeline_->Feed(data, len, [this](const char* d, size_t n) -> std::optional<S3Error> {
      if (pipeline_->decoded_size() > ctx_.config.max_object_bytes) return make_error(ErrorCode::EntityTooLarge);
      // Digests and checksums above saw the plaintext; only ciphertext reaches the disk.
      auto st = cipher_ ? writer_->Append(cipher_->Apply(d, n).data(), n) : writer_->Append(d, n);
      if (!st.ok()) return FromStorage(st);
      return std::nullopt;
    });
  }

  Response Finish() override {
    if (auto e = pipeline_->Finish()) return Fail(ctx_, *e).response;
    // Directory buckets' ETags are opaque, not the MD5 of the body (S3 Express behaviour), and
    // so are SSE-C objects' (an MD5 would tell of the plaintext).
    meta_.etag = ctx_.IsDirectoryBucket() || customer_key_ ? RandomETag() : pipeline_->md5_hex();
    if (auto alg = pipeline_->checksum_algorithm()) {
      meta_.checksums[std::string(auth::ChecksumName(*alg))] = pipeline_->checksum_base64();
      meta_.checksum_type = "FULL_OBJECT";
    }
    if (append_) return FinishAppend();
    storage::VersionOutcome outcome;
    auto st = ctx_.engine.PutObject(ctx_.address.bucket, ctx_.address.key, std::move(writer_), meta_, conditions_,
                                    &outcome);
    if (!st.ok()) return Fail(ctx_, FromStorage(st)).response;
    Response r;
    r.SetHeader("ETag", QuoteETag(meta_.etag));
    if (customer_key_) {
      AddCustomerKeyHeaders(r, *customer_key_);
    } else {
      r.SetHeader(kEncryptionHeader, "AES256");
    }
    AddChecksumHeaders(r, meta_);
    AddWriteVersionHeader(r, outcome);
    return r;
  }

  const std::string& request_id() const override { return ctx_.request_id; }

 private:
  Response FinishAppend() {
    uint64_t appended = pipeline_->decoded_size();
    if (appended == 0) return Fail(ctx_, ErrorCode::InvalidRequest, "An append must carry a non-empty body.").response;
    if (append_->existing && append_->existing->checksums.empty()) meta_.checksums.clear();
    if (append_->existing && !append_->existing->checksums.empty()) {
      // The object's full-object CRC extends over the new bytes without rereading the old ones.
      auto& [name, old_value] = *append_->existing->checksums.begin();
      auto alg = auth::ParseChecksumAlgorithm(name);
      auto old_raw = auth::Base64Decode(old_value);
      auto part_raw = auth::Base64Decode(meta_.checksums[name]);
      std::optional<std::string> combined;
      if (alg && old_raw && part_raw) combined = auth::CombineCrc(*alg, *old_raw, *part_raw, appended);
      if (!combined) return Fail(ctx_, ErrorCode::InternalError).response;
      meta_.checksums = {{name, auth::Base64Encode(*combined)}};
    }
    auto st = ctx_.engine.AppendObject(ctx_.address.bucket, ctx_.address.key, append_->offset, std::move(writer_), meta_,
                                       conditions_);
    if (!st.ok()) return Fail(ctx_, FromStorage(st)).response;
    Response r;
    r.SetHeader("ETag", QuoteETag(meta_.etag));
    AddChecksumHeaders(r, meta_);
    r.SetHeader("x-amz-object-size", std::to_string(append_->offset + appended));
    r.SetHeader(kEncryptionHeader, "AES256");
    return r;
  }

  OperationContext ctx_;
  storage::ObjectMeta meta_;
  storage::WriteConditions conditions_;
  std::unique_ptr<BodyPipeline> pipeline_;
  std::unique_ptr<storage::BodyWriter> writer_;
  std::optional<AppendPlan> append_;
  std::optional<CustomerKey> customer_key_;
  std::unique_ptr<CtrCipher> cipher_;
};

// The rules S3 Express puts on an append before any byte is read.
std::variant<AppendPlan, S3Error> PlanAppend(OperationContext& ctx, const std::string& offset_header,
                                             const storage::ObjectMeta& request_meta,
                                             storage::WriteConditions& conditions) {
  if (!ctx.IsDirectoryBucket()) {
    return make_error(ErrorCode::NotImplemented, "Appends are supported for directory buckets only.");
  }
  AppendPlan plan;
  auto [p, ec] = std::from_chars(offset_header.data(), offset_header.data() + offset_header.size(), plan.offset);
  if (ec != std::errc() || p != offset_header.data() + offset_header.size() || offset_header.empty()) {
    return make_error(ErrorCode::InvalidArgument, "Invalid x-amz-write-offset-bytes.");
  }
  auto existing = ctx.engine.GetObject(ctx.address.bucket, ctx.address.key);
  if (existing.ok()) {
    if (!request_meta.user_meta.empty()) {
      return make_error(ErrorCode::InvalidRequest, "User metadata cannot be set when appending to an existing object.");
    }
    const auto& m = existing->meta;
    if (!m.checksums.empty()) {
      auto alg = auth::ParseChecksumAlgorithm(m.checksums.begin()->first);
      if (!alg || (*alg != auth::ChecksumAlgorithm::CRC32 && *alg != auth::ChecksumAlgorithm::CRC32C &&
                   *alg != auth::ChecksumAlgorithm::CRC64NVME)) {
        return make_error(ErrorCode::InvalidRequest, "Only objects with a CRC checksum can be appended to.");
      }
    }
    if (conditions.if_match_etag && *conditions.if_match_etag != m.etag) return make_error(ErrorCode::PreconditionFailed);
    // Pin the version whose checksum we extend, so a concurrent append cannot slip in between.
    conditions.if_match_etag = m.etag;
    plan.existing = m;
  } else if (existing.status().code() != storage::Code::NoSuchKey) {
    return FromStorage(existing.status());
  }
  return plan;
}

}  // namespace

Outcome PutObject(OperationContext& ctx) {
  if (auto e = ValidateKey(ctx.address.key)) return Fail(ctx, *e);
  storage::BucketInfo bucket;
  // Callers the bucket does not admit may write when its ACL grants them WRITE.
  if (auto e = AuthorizeBucketOrAcl(ctx, &bucket, AclPermission::Write)) return Fail(ctx, *e);
  if (!ctx.request.content_length && !ctx.request.body_chunked) return Fail(ctx, ErrorCode::MissingContentLength);
  if (ctx.request.content_length && *ctx.request.content_length > ctx.config.max_object_bytes + (64u << 20)) {
    return Fail(ctx, ErrorCode::EntityTooLarge);
  }
  if (auto e = CheckEncryptionHeaders(ctx.request)) return Fail(ctx, *e);
  auto customer_key = ReadCustomerKey(ctx.request, KeyHeaders::Object);
  if (auto* e = std::get_if<S3Error>(&customer_key)) return Fail(ctx, *e);
  auto& key = std::get<std::optional<CustomerKey>>(customer_key);
  if (key && ctx.IsDirectoryBucket()) return Fail(ctx, SseCustomerNotSupported());
  auto meta = MetaFromHeaders(ctx.request);
  if (auto* e = std::get_if<S3Error>(&meta)) return Fail(ctx, *e);
  auto& object_meta = std::get<storage::ObjectMeta>(meta);
  if (key) {
    object_meta.sse_customer = NewSseCustomer(*key);
    object_meta.sse_customer->ivs = {NewIv()};
  }
  object_meta.owner = ctx.auth.user;
  if (auto e = ReadTaggingHeader(ctx.request, ctx.IsDirectoryBucket(), object_meta)) return Fail(ctx, *e);
  if (auto e = ReadAclHeaders(ctx, bucket, object_meta)) return Fail(ctx, *e);
  if (ctx.IsDirectoryBucket()) {
    if (!object_meta.storage_class.empty() && object_meta.storage_class != "EXPRESS_ONEZONE") {
      return Fail(ctx, ErrorCode::InvalidStorageClass);
    }
    object_meta.storage_class = "EXPRESS_ONEZONE";
  }

  storage::WriteConditions conditions;
  if (auto* inm = ctx.request.Header("if-none-match")) {
    if (*inm != "*") return Fail(ctx, ErrorCode::NotImplemented, "A header you provided implies functionality that is not implemented");
    conditions.if_none_match_star = true;
  }
  if (auto* im = ctx.request.Header("if-match")) {
    std::string etag = *im;
    if (etag.size() >= 2 && etag.front() == '"' && etag.back() == '"') etag = etag.substr(1, etag.size() - 2);
    conditions.if_match_etag = etag;
  }

  std::optional<AppendPlan> append;
  std::optional<auth::ChecksumAlgorithm> checksum = auth::ChecksumAlgorithm::CRC64NVME;
  if (auto* offset = ctx.request.Header("x-amz-write-offset-bytes")) {
    auto plan = PlanAppend(ctx, *offset, object_meta, conditions);
    if (auto* e = std::get_if<S3Error>(&plan)) return Fail(ctx, *e);
    append = std::get<AppendPlan>(plan);
    if (append->existing && !append->existing->checksums.empty()) {
      checksum = auth::ParseChecksumAlgorithm(append->existing->checksums.begin()->first);
    }
  }

  // Directory buckets' and SSE-C objects' ETags are not MD5s, so the digest is skipped there
  // (unless Content-MD5 asks).
  auto pipeline = BodyPipeline::Create(
      ctx.request, ctx.auth, {.compute_md5 = !ctx.IsDirectoryBucket() && !key, .default_checksum = checksum});
  if (auto* e = std::get_if<S3Error>(&pipeline)) return Fail(ctx, *e);
  auto& p = std::get<0>(pipeline);
  if (p->declared_size() && *p->declared_size() > ctx.config.max_object_bytes) return Fail(ctx, ErrorCode::EntityTooLarge);
  if (append && append->existing && !append->existing->checksums.empty() && p->checksum_algorithm() != checksum) {
    return Fail(ctx, ErrorCode::InvalidRequest, "The checksum algorithm of an append must match the object's.");
  }

  auto writer = ctx.engine.NewBodyWriter();
  if (!writer.ok()) return Fail(ctx, FromStorage(writer.status()));
  Outcome o;
  o.consumer = std::make_unique<PutObjectConsumer>(ctx, std::move(object_meta), std::move(conditions), std::move(p),
                                                   std::move(writer.value()), std::move(append), std::move(key));
  return o;
}

}  // namespace xs3::api
