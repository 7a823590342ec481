// PutObject: the body streams through the pipeline (decoding, digests) into a storage body
// writer; the object is published only after every digest matched.
#include <openssl/rand.h>

#include "api/body_pipeline.h"
#include "api/object_headers.h"
#include "api/operation.h"

namespace xs3::api {
namespace {

std::string RandomETag() {
  unsigned char raw[16];
  RAND_bytes(raw, sizeof raw);
  return auth::HexEncode(std::string_view(reinterpret_cast<const char*>(raw), sizeof raw));
}

class PutObjectConsumer : public BodyConsumer {
 public:
  PutObjectConsumer(OperationContext ctx, storage::ObjectMeta meta, storage::WriteConditions conditions,
                    std::unique_ptr<BodyPipeline> pipeline, std::unique_ptr<storage::BodyWriter> writer)
      : ctx_(std::move(ctx)),
        meta_(std::move(meta)),
        conditions_(std::move(conditions)),
        pipeline_(std::move(pipeline)),
        writer_(std::move(writer)) {}

  std::optional<S3Error> Write(const char* data, size_t len) override {
    return pipeline_->Feed(data, len, [this](const char* d, size_t n) -> std::optional<S3Error> {
      if (pipeline_->decoded_size() > ctx_.config.max_object_bytes) return make_error(ErrorCode::EntityTooLarge);
      auto st = writer_->Append(d, n);
      if (!st.ok()) return FromStorage(st);
      return std::nullopt;
    });
  }

  Response Finish() override {
    if (auto e = pipeline_->Finish()) return Fail(ctx_, *e).response;
    // Directory buckets' ETags are opaque, not the MD5 of the body (S3 Express behaviour).
    meta_.etag = ctx_.IsDirectoryBucket() ? RandomETag() : pipeline_->md5_hex();
    if (auto alg = pipeline_->checksum_algorithm()) {
      meta_.checksums[std::string(auth::ChecksumName(*alg))] = pipeline_->checksum_base64();
      meta_.checksum_type = "FULL_OBJECT";
    }
    auto st = ctx_.engine.PutObject(ctx_.address.bucket, ctx_.address.key, std::move(writer_), meta_, conditions_);
    if (!st.ok()) return Fail(ctx_, FromStorage(st)).response;
    Response r;
    r.SetHeader("ETag", QuoteETag(meta_.etag));
    AddChecksumHeaders(r, meta_);
    return r;
  }

  const std::string& request_id() const override { return ctx_.request_id; }

 private:
  OperationContext ctx_;
  storage::ObjectMeta meta_;
  storage::WriteConditions conditions_;
  std::unique_ptr<BodyPipeline> pipeline_;
  std::unique_ptr<storage::BodyWriter> writer_;
};

}  // namespace

Outcome PutObject(OperationContext& ctx) {
  if (auto e = ValidateKey(ctx.address.key)) return Fail(ctx, *e);
  if (auto e = AuthorizeBucket(ctx, ctx.address.bucket)) return Fail(ctx, *e);
  if (!ctx.request.content_length && !ctx.request.body_chunked) return Fail(ctx, ErrorCode::MissingContentLength);
  if (ctx.request.content_length && *ctx.request.content_length > ctx.config.max_object_bytes + (64u << 20)) {
    return Fail(ctx, ErrorCode::EntityTooLarge);
  }
  auto meta = MetaFromHeaders(ctx.request);
  if (auto* e = std::get_if<S3Error>(&meta)) return Fail(ctx, *e);

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

  // Directory buckets' ETags are not MD5s, so the digest is skipped there (unless Content-MD5 asks).
  auto pipeline =
      BodyPipeline::Create(ctx.request, ctx.auth, {.compute_md5 = !ctx.IsDirectoryBucket(), .default_checksum = true});
  if (auto* e = std::get_if<S3Error>(&pipeline)) return Fail(ctx, *e);
  auto& p = std::get<0>(pipeline);
  auto& object_meta = std::get<storage::ObjectMeta>(meta);
  object_meta.owner = ctx.auth.user;
  if (ctx.IsDirectoryBucket()) {
    if (!object_meta.storage_class.empty() && object_meta.storage_class != "EXPRESS_ONEZONE") {
      return Fail(ctx, ErrorCode::InvalidStorageClass);
    }
    object_meta.storage_class = "EXPRESS_ONEZONE";
  }
  if (ctx.request.Header("x-amz-write-offset-bytes")) {
    return Fail(ctx, ErrorCode::NotImplemented, "Appends are not implemented yet.");
  }
  if (p->declared_size() && *p->declared_size() > ctx.config.max_object_bytes) return Fail(ctx, ErrorCode::EntityTooLarge);

  auto writer = ctx.engine.NewBodyWriter();
  if (!writer.ok()) return Fail(ctx, FromStorage(writer.status()));
  Outcome o;
  o.consumer = std::make_unique<PutObjectConsumer>(ctx, std::move(std::get<storage::ObjectMeta>(meta)),
                                                   std::move(conditions), std::move(p), std::move(writer.value()));
  return o;
}

}  // namespace xs3::api
