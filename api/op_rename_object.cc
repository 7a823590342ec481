// RenameObject (PUT /<bucket>/<new-key>?renameObject, S3 Express): moves a key within one
// directory bucket atomically, with conditions on both the destination and the source.
#include "api/conditions.h"
#include "api/operation.h"

namespace xs3::api {

Outcome RenameObject(OperationContext& ctx) {
  if (!ctx.IsDirectoryBucket()) {
    return Fail(ctx, ErrorCode::NotImplemented, "RenameObject is supported for directory buckets only.");
  }
  if (auto e = AuthorizeBucket(ctx, ctx.address.bucket)) return Fail(ctx, *e);
  auto* source_header = ctx.request.Header("x-amz-rename-source");
  if (!source_header || source_header->empty()) {
    return Fail(ctx, ErrorCode::InvalidArgument, "x-amz-rename-source is required.");
  }
  std::string source = auth::UriDecode(*source_header);
  if (!source.empty() && source.front() == '/') source.erase(0, 1);
  auto slash = source.find('/');
  if (slash == std::string::npos || slash == 0 || slash + 1 >= source.size()) {
    return Fail(ctx, ErrorCode::InvalidArgument, "x-amz-rename-source must be bucket/key.");
  }
  if (source.substr(0, slash) != ctx.address.bucket) {
    return Fail(ctx, ErrorCode::InvalidRequest, "The source and destination of a rename must be in the same bucket.");
  }
  std::string src_key = source.substr(slash + 1);

  // A retry of a rename that already happened must not fail on its now-missing source.
  std::string token_key, fingerprint = src_key + '\n' + ctx.address.key;
  if (auto* token = ctx.request.Header("x-amz-client-token")) {
    bool valid = !token->empty() && token->size() <= 64;
    for (char c : *token) valid = valid && c >= 33 && c <= 126;
    if (!valid) return Fail(ctx, ErrorCode::InvalidArgument, "Invalid x-amz-client-token.");
    token_key = ctx.address.bucket + '\n' + *token;
    switch (ctx.client_tokens.Check(token_key, fingerprint)) {
      case IdempotencyCache::Seen::SameRequest: return Done(Response{});
      case IdempotencyCache::Seen::DifferentRequest: return Fail(ctx, ErrorCode::IdempotencyParameterMismatch);
      case IdempotencyCache::Seen::New: break;
    }
  }

  storage::WriteConditions dst;
  if (auto* inm = ctx.request.Header("if-none-match")) {
    if (*inm != "*") return Fail(ctx, ErrorCode::NotImplemented);
    dst.if_none_match_star = true;
  }
  if (auto* im = ctx.request.Header("if-match")) dst.if_match_etag = *im;
  if (dst.if_match_etag && dst.if_match_etag->size() >= 2 && dst.if_match_etag->front() == '"') {
    *dst.if_match_etag = dst.if_match_etag->substr(1, dst.if_match_etag->size() - 2);
  }
  // Source conditions other than the ETag pin are evaluated here; the ETag is pinned in the
  // rename's own transaction so no other write can slip in between.
  auto src = ctx.engine.GetObject(ctx.address.bucket, src_key);
  if (!src.ok()) return Fail(ctx, FromStorage(src.status()));
  Preconditions pre{ctx.request.Header("x-amz-rename-source-if-match"),
                    ctx.request.Header("x-amz-rename-source-if-none-match"),
                    ctx.request.Header("x-amz-rename-source-if-modified-since"),
                    ctx.request.Header("x-amz-rename-source-if-unmodified-since")};
  if (auto e = EvaluatePreconditions(pre, src->meta, true)) return Fail(ctx, *e);

  // The date conditions on the destination are checked against the object it would replace.
  auto* ims = ctx.request.Header("if-modified-since");
  auto* ius = ctx.request.Header("if-unmodified-since");
  if (ims || ius) {
    auto existing = ctx.engine.GetObject(ctx.address.bucket, ctx.address.key);
    if (existing.ok()) {
      Preconditions dates{nullptr, nullptr, ims, ius};
      if (auto e = EvaluatePreconditions(dates, existing->meta, true)) return Fail(ctx, *e);
    }
  }
  auto st = ctx.engine.RenameObject(ctx.address.bucket, src_key, ctx.address.key, dst, src->meta.etag);
  if (!st.ok()) return Fail(ctx, FromStorage(st));
  if (!token_key.empty()) ctx.client_tokens.Remember(token_key, fingerprint);
  return Done(Response{});
}

}  // namespace xs3::api
