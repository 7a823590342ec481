#include "api/object_headers.h"

#include <array>
#include <string_view>

#include "api/http_time.h"
#include "api/tag_set.h"
#include "auth/checksum.h"

namespace xs3::api {
namespace {

constexpr std::array kStorageClasses = {"STANDARD",     "REDUCED_REDUNDANCY", "STANDARD_IA", "ONEZONE_IA",
                                        "INTELLIGENT_TIERING", "GLACIER",     "DEEP_ARCHIVE", "GLACIER_IR",
                                        "OUTPOSTS",     "EXPRESS_ONEZONE",    "SNOW"};

}  // namespace

std::optional<S3Error> CheckEncryptionHeaders(const Request& request) {
  if (auto* sse = request.Header(kEncryptionHeader)) {
    if (*sse == "aws:kms" || *sse == "aws:kms:dsse") {
      return make_error(ErrorCode::NotImplemented, "SSE-KMS is not implemented; objects are encrypted with SSE-S3.");
    }
    if (*sse != "AES256") return make_error(ErrorCode::InvalidArgument, "The encryption method specified is not supported");
  }
  return std::nullopt;
}

std::optional<S3Error> ValidateKey(const std::string& key) {
  if (key.size() > kMaxKeyBytes) return make_error(ErrorCode::KeyTooLongError);
  return std::nullopt;
}

std::variant<storage::ObjectMeta, S3Error> MetaFromHeaders(const Request& request) {
  storage::ObjectMeta m;
  m.content_type = request.HeaderOr("content-type", "binary/octet-stream");
  // aws-chunked is transfer framing, not a property of the object: drop it from the list.
  std::string encodings = request.HeaderOr("content-encoding");
  for (size_t pos = 0; pos <= encodings.size();) {
    size_t comma = encodings.find(',', pos);
    std::string item = encodings.substr(pos, comma == std::string::npos ? std::string::npos : comma - pos);
    while (!item.empty() && item.front() == ' ') item.erase(0, 1);
    while (!item.empty() && item.back() == ' ') item.pop_back();
    if (!item.empty() && item != "aws-chunked") m.content_encoding += (m.content_encoding.empty() ? "" : ",") + item;
    if (comma == std::string::npos) break;
    pos = comma + 1;
  }
  m.content_disposition = request.HeaderOr("content-disposition");
  m.content_language = request.HeaderOr("content-language");
  m.cache_control = request.HeaderOr("cache-control");
  m.expires = request.HeaderOr("expires");
  if (auto* sc = request.Header("x-amz-storage-class")) {
    bool known = false;
    for (auto* s : kStorageClasses) known = known || *sc == s;
    if (!known) return make_error(ErrorCode::InvalidStorageClass);
    if (*sc != "STANDARD") m.storage_class = *sc;
  }
  size_t meta_bytes = 0;
  for (auto& [name, value] : request.headers) {
    if (name.rfind("x-amz-meta-", 0) != 0) continue;
    std::string key = name.substr(11);
    meta_bytes += key.size() + value.size();
    bool merged = false;
    for (auto& [k, v] : m.user_meta) {
      if (k == key) {
        v += "," + value;
        merged = true;
      }
    }
    if (!merged) m.user_meta.emplace_back(key, value);
  }
  if (meta_bytes > kMaxUserMetadataBytes) return make_error(ErrorCode::MetadataTooLarge);
  return m;
}

std::optional<S3Error> ReadTaggingHeader(const Request& request, bool directory_bucket, storage::ObjectMeta& meta) {
  auto* header = request.Header("x-amz-tagging");
  if (!header) return std::nullopt;
  if (directory_bucket) return make_error(ErrorCode::NotImplemented, "Object tagging is not supported for directory buckets.");
  auto tags = TagsFromHeader(*header);
  if (auto* e = std::get_if<S3Error>(&tags)) return *e;
  meta.tags = std::move(std::get<TagList>(tags));
  return std::nullopt;
}

void AddChecksumHeaders(Response& r, const storage::ObjectMeta& meta) {
  for (auto& [alg, value] : meta.checksums) {
    auto a = auth::ParseChecksumAlgorithm(alg);
    if (!a) continue;
    r.SetHeader(std::string(auth::ChecksumHeaderName(*a)), value);
  }
  if (!meta.checksums.empty() && !meta.checksum_type.empty()) r.SetHeader("x-amz-checksum-type", meta.checksum_type);
}

void AddObjectHeaders(Response& r, const storage::ObjectMeta& meta, bool with_checksums) {
  r.SetHeader("Content-Type", meta.content_type.empty() ? "binary/octet-stream" : meta.content_type);
  r.SetHeader("ETag", "\"" + meta.etag + "\"");
  r.SetHeader("Last-Modified", HttpDate(meta.mtime_ms));
  r.SetHeader("Accept-Ranges", "bytes");
  // SSE-C objects answer with the customer-key headers instead (api/sse_customer.h).
  if (!meta.sse_customer) r.SetHeader(kEncryptionHeader, "AES256");
  if (!meta.content_encoding.empty()) r.SetHeader("Content-Encoding", meta.content_encoding);
  if (!meta.content_disposition.empty()) r.SetHeader("Content-Disposition", meta.content_disposition);
  if (!meta.content_language.empty()) r.SetHeader("Content-Language", meta.content_language);
  if (!meta.cache_control.empty()) r.SetHeader("Cache-Control", meta.cache_control);
  if (!meta.expires.empty()) r.SetHeader("Expires", meta.expires);
  if (!meta.storage_class.empty()) r.SetHeader("x-amz-storage-class", meta.storage_class);
  for (auto& [k, v] : meta.user_meta) r.SetHeader("x-amz-meta-" + k, v);
  if (!meta.tags.empty()) r.SetHeader("x-amz-tagging-count", std::to_string(meta.tags.size()));
  if (with_checksums) AddChecksumHeaders(r, meta);
}

}  // namespace xs3::api
