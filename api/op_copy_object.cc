// CopyObject: the destination shares the source's bytes (storage links the blob); metadata is
// copied or replaced per x-amz-metadata-directive. With SSE-C on either side the bytes are read,
// decrypted with the source's key and written again, encrypted under the destination's (a new
// salt and IV even when the key is the same), so no two objects share a keystream.
#include "api/bucket_policy_check.h"
#include "api/conditions.h"
#include "api/directory_bucket_name.h"
#include "api/http_time.h"
#include "api/object_headers.h"
#include "api/operation.h"
#include "api/sse_customer.h"
#include "api/versioning.h"
#include "api/xml_writer.h"
#include "auth/checksum.h"

namespace xs3::api {
namespace {

struct CopySource {
  std::string bucket;
  std::string key;
  std::optional<std::string> version_id;  // ?versionId= of the header
};

std::optional<CopySource> ParseCopySource(const std::string& header) {
  std::string s = header;
  std::optional<std::string> version;
  if (auto q = s.find('?'); q != std::string::npos) {
    std::string query = s.substr(q + 1);
    s = s.substr(0, q);
    constexpr std::string_view kVersion = "versionId=";
    if (!query.starts_with(kVersion)) return std::nullopt;
    version = auth::UriDecode(query.substr(kVersion.size()));
  }
  s = auth::UriDecode(s);
  if (!s.empty() && s.front() == '/') s.erase(0, 1);
  auto slash = s.find('/');
  if (slash == std::string::npos || slash == 0 || slash + 1 >= s.size()) return std::nullopt;
  return CopySource{s.substr(0, slash), s.substr(slash + 1), std::move(version)};
}

// Reads the object once through a bounded buffer.
std::optional<std::string> Md5OfObject(OperationContext& ctx, const CopySource& source) {
  auto opened = source.version_id ? ctx.engine.OpenObjectVersion(source.bucket, source.key, *source.version_id)
                                  : ctx.engine.OpenObject(source.bucket, source.key);
  if (!opened.ok() || !opened->body) return std::nullopt;
  auto hasher = auth::Hasher::Create(auth::ChecksumAlgorithm::MD5);
  std::vector<char> buf(1 << 20);
  for (uint64_t off = 0; off < opened->body->size();) {
    auto got = opened->body->ReadAt(off, buf.data(), buf.size());
    if (!got.ok() || got.value() == 0) return std::nullopt;
    hasher->Update(buf.data(), got.value());
    off += got.value();
  }
  return auth::HexEncode(hasher->Final());
}

// Writes the source's plaintext as the destination: decrypted with `source_key` when the source
// is SSE-C, encrypted with `dest_key` when given (meta.sse_customer is set here). Sets meta.etag.
std::optional<S3Error> CopyRewritingBytes(OperationContext& ctx, const CopySource& source,
                                          const std::optional<CustomerKey>& source_key,
                                          const std::optional<CustomerKey>& dest_key, storage::ObjectMeta& meta,
                                          const storage::WriteConditions& conditions, storage::VersionOutcome& outcome) {
  auto opened = source.version_id ? ctx.engine.OpenObjectVersion(source.bucket, source.key, *source.version_id)
                                  : ctx.engine.OpenObject(source.bucket, source.key);
  if (!opened.ok()) return FromStorage(opened.status());
  if (!opened->body) return make_error(ErrorCode::NoSuchKey);
  // The source may have been replaced since its key was checked.
  if (auto e = CheckCustomerKey(opened->record.meta.sse_customer, source_key)) return e;
  std::unique_ptr<storage::BodyReader> body = std::move(opened->body);
  if (source_key) {
    body = DecryptingReader(std::move(body), opened->record, *source_key);
    if (!body) return make_error(ErrorCode::InternalError);
  }
  std::unique_ptr<CtrCipher> cipher;
  if (dest_key) {
    meta.sse_customer = NewSseCustomer(*dest_key);
    meta.sse_customer->ivs = {NewIv()};
    cipher = std::make_unique<CtrCipher>(CipherKey(*dest_key, *meta.sse_customer), meta.sse_customer->ivs[0], 0);
  }
  auto writer = ctx.engine.NewBodyWriter();
  if (!writer.ok()) return FromStorage(writer.status());
  auto md5 = auth::Hasher::Create(auth::ChecksumAlgorithm::MD5);
  std::vector<char> buf(1 << 20);
  for (uint64_t off = 0; off < body->size();) {
    auto got = body->ReadAt(off, buf.data(), static_cast<size_t>(std::min<uint64_t>(buf.size(), body->size() - off)));
    if (!got.ok() || got.value() == 0) return make_error(ErrorCode::InternalError);
    md5->Update(buf.data(), got.value());
    if (cipher) cipher->Apply(buf.data(), buf.data(), got.value());
    if (auto st = writer.value()->Append(buf.data(), got.value()); !st.ok()) return FromStorage(st);
    off += got.value();
  }
  meta.size = body->size();
  meta.etag = dest_key || ctx.IsDirectoryBucket() ? RandomETag() : auth::HexEncode(md5->Final());
  auto st = ctx.engine.PutObject(ctx.address.bucket, ctx.address.key, std::move(writer.value()), meta, conditions,
                                 &outcome);
  if (!st.ok()) return FromStorage(st);
  outcome.source_version_id = opened->record.meta.version_id;
  return std::nullopt;
}

}  // namespace

Outcome CopyObject(OperationContext& ctx) {
  if (auto e = ValidateKey(ctx.address.key)) return Fail(ctx, *e);
  auto source = ParseCopySource(*ctx.request.Header("x-amz-copy-source"));
  if (!source) return Fail(ctx, ErrorCode::InvalidArgument, "Copy Source must mention the source bucket and key: sourcebucket/sourcekey");
  storage::BucketInfo bucket;
  if (auto e = AuthorizeBucket(ctx, ctx.address.bucket, &bucket, BucketAccess::Write)) return Fail(ctx, *e);
  if (auto e = AuthorizeCopySource(ctx, source->bucket, source->key, source->version_id.has_value())) return Fail(ctx, *e);
  auto source_key_headers = ReadCustomerKey(ctx.request, KeyHeaders::CopySource);
  if (auto* e = std::get_if<S3Error>(&source_key_headers)) return Fail(ctx, *e);
  const auto& source_key = std::get<std::optional<CustomerKey>>(source_key_headers);
  auto dest_key_headers = ReadCustomerKey(ctx.request, KeyHeaders::Object);
  if (auto* e = std::get_if<S3Error>(&dest_key_headers)) return Fail(ctx, *e);
  const auto& dest_key = std::get<std::optional<CustomerKey>>(dest_key_headers);
  if (dest_key && ctx.IsDirectoryBucket()) return Fail(ctx, SseCustomerNotSupported());

  auto src = source->version_id ? ctx.engine.GetObjectVersion(source->bucket, source->key, *source->version_id)
                                : ctx.engine.GetObject(source->bucket, source->key);
  if (!src.ok()) return Fail(ctx, FromStorage(src.status()));
  if (src->meta.delete_marker) {
    return Fail(ctx, ErrorCode::InvalidRequest,
                "The source of a copy request may not specifically refer to a delete marker by version id.");
  }

  Preconditions pre{ctx.request.Header("x-amz-copy-source-if-match"), ctx.request.Header("x-amz-copy-source-if-none-match"),
                    ctx.request.Header("x-amz-copy-source-if-modified-since"),
                    ctx.request.Header("x-amz-copy-source-if-unmodified-since")};
  if (auto e = EvaluatePreconditions(pre, src->meta, true)) return Fail(ctx, *e);
  if (auto e = CheckCustomerKey(src->meta.sse_customer, source_key)) return Fail(ctx, *e);
  const bool rewrite = source_key || dest_key;

  if (auto e = CheckEncryptionHeaders(ctx.request)) return Fail(ctx, *e);
  std::string directive = ctx.request.HeaderOr("x-amz-metadata-directive", "COPY");
  if (directive != "COPY" && directive != "REPLACE") {
    return Fail(ctx, ErrorCode::InvalidArgument, "Unknown metadata directive.");
  }
  std::string tagging_directive = ctx.request.HeaderOr("x-amz-tagging-directive", "COPY");
  if (tagging_directive != "COPY" && tagging_directive != "REPLACE") {
    return Fail(ctx, ErrorCode::InvalidArgument, "Unknown tagging directive.");
  }
  storage::ObjectMeta meta;
  if (directive == "REPLACE") {
    auto replaced = MetaFromHeaders(ctx.request);
    if (auto* e = std::get_if<S3Error>(&replaced)) return Fail(ctx, *e);
    meta = std::move(std::get<storage::ObjectMeta>(replaced));
  } else {
    meta = src->meta;
    if (auto* sc = ctx.request.Header("x-amz-storage-class")) meta.storage_class = *sc == "STANDARD" ? "" : *sc;
  }
  // Copying a named version onto its own key is how S3 restores an older version.
  bool same_object = source->bucket == ctx.address.bucket && source->key == ctx.address.key && !source->version_id;
  if (same_object && directive == "COPY" && !ctx.request.Header("x-amz-storage-class") && !rewrite) {
    return Fail(ctx, ErrorCode::InvalidRequest,
                "This copy request is illegal because it is trying to copy an object to itself without changing the "
                "object's metadata, storage class, website redirect location or encryption attributes.");
  }
  // Tags follow their own directive: the source's (COPY, the default) or x-amz-tagging's.
  meta.tags.clear();
  if (tagging_directive == "REPLACE") {
    if (auto e = ReadTaggingHeader(ctx.request, ctx.IsDirectoryBucket(), meta)) return Fail(ctx, *e);
  } else if (!ctx.IsDirectoryBucket()) {
    meta.tags = src->meta.tags;
  }
  // ACLs are not copied: the copy gets x-amz-acl's or x-amz-grant-*'s, or private.
  if (auto e = ReadAclHeaders(ctx, bucket, meta)) return Fail(ctx, *e);
  meta.size = src->meta.size;
  meta.etag = src->meta.etag;
  // ETags follow the destination's bucket type: opaque in directory buckets, the MD5 of the
  // bytes in general-purpose ones (which a directory-bucket source does not have).
  bool source_is_directory = HasDirectorySuffix(source->bucket);
  if (ctx.IsDirectoryBucket() && !source_is_directory) {
    meta.etag = RandomETag();
  } else if (!ctx.IsDirectoryBucket() && source_is_directory && !rewrite) {  // a rewrite hashes as it copies
    auto md5 = Md5OfObject(ctx, *source);
    if (!md5) return Fail(ctx, ErrorCode::InternalError);
    meta.etag = *md5;
  }
  if (ctx.IsDirectoryBucket()) {
    if (!meta.storage_class.empty() && meta.storage_class != "EXPRESS_ONEZONE") {
      return Fail(ctx, ErrorCode::InvalidStorageClass);
    }
    meta.storage_class = "EXPRESS_ONEZONE";
  } else if (meta.storage_class == "EXPRESS_ONEZONE") {
    meta.storage_class.clear();  // a copy out of a directory bucket lands in STANDARD
  }
  meta.checksums = src->meta.checksums;
  meta.checksum_type = src->meta.checksum_type;
  meta.owner = ctx.auth.user;
  meta.mtime_ms = 0;
  meta.sse_customer.reset();  // the destination's encryption is the request's, never the source's

  storage::WriteConditions conditions;
  if (auto* inm = ctx.request.Header("if-none-match"); inm && *inm == "*") conditions.if_none_match_star = true;
  storage::VersionOutcome outcome;
  if (rewrite) {
    if (auto e = CopyRewritingBytes(ctx, *source, source_key, dest_key, meta, conditions, outcome)) return Fail(ctx, *e);
  } else {
    auto st = ctx.engine.CopyObject(source->bucket, source->key, ctx.address.bucket, ctx.address.key, meta, conditions,
                                    &outcome, source->version_id);
    if (!st.ok()) {
      if (st.detail() == storage::Detail::DeleteMarker) return Fail(ctx, ErrorCode::NoSuchKey);  // deleted meanwhile
      return Fail(ctx, FromStorage(st));
    }
  }

  auto copied = ctx.engine.GetObject(ctx.address.bucket, ctx.address.key);
  int64_t mtime = copied.ok() ? copied->meta.mtime_ms : 0;
  XmlWriter x("CopyObjectResult");
  x.Element("ETag", QuoteETag(meta.etag)).Element("LastModified", Iso8601Ms(mtime));
  for (auto& [alg, value] : meta.checksums) x.Element("Checksum" + alg, value);
  if (!meta.checksums.empty()) x.Element("ChecksumType", meta.checksum_type);
  Response r = XmlResponse(200, x.Finish());
  if (dest_key) {
    AddCustomerKeyHeaders(r, *dest_key);
  } else {
    r.SetHeader(kEncryptionHeader, "AES256");
  }
  AddWriteVersionHeader(r, outcome);
  AddCopySourceVersionHeader(ctx, r, source->bucket, source->version_id.has_value(), outcome.source_version_id);
  return Done(std::move(r));
}

}  // namespace xs3::api
