// CompleteMultipartUpload (POST ?uploadId): checks the client's part list against the stored
// parts (order, ETags, sizes, checksums) and publishes the parts as the object's extents.
#include <pugixml.hpp>

#include <charconv>
#include <map>

#include "api/multipart_checksums.h"
#include "api/operation.h"
#include "api/sse_customer.h"
#include "api/versioning.h"
#include "api/xml_writer.h"

namespace xs3::api {
namespace {

constexpr uint64_t kMinPartSize = 5 * 1024 * 1024;
constexpr size_t kMaxBody = 4 * 1024 * 1024;

std::string Unquote(std::string s) {
  auto trim = [](std::string& v) {
    while (!v.empty() && (v.front() == ' ' || v.front() == '\n')) v.erase(0, 1);
    while (!v.empty() && (v.back() == ' ' || v.back() == '\n')) v.pop_back();
  };
  trim(s);
  if (s.size() >= 2 && s.front() == '"' && s.back() == '"') s = s.substr(1, s.size() - 2);
  return s;
}

struct RequestedPart {
  uint32_t number = 0;
  std::string etag;
  std::map<std::string, std::string> checksums;  // "CRC32" -> value, as the client listed them
};

Response Complete(OperationContext& ctx, const std::string& body) {
  pugi::xml_document doc;
  if (!doc.load_buffer(body.data(), body.size())) return Fail(ctx, ErrorCode::MalformedXML).response;
  auto root = doc.document_element();
  if (std::string_view(root.name()) != "CompleteMultipartUpload") return Fail(ctx, ErrorCode::MalformedXML).response;
  std::vector<RequestedPart> requested;
  for (auto part : root.children("Part")) {
    RequestedPart r;
    std::string_view num = part.child("PartNumber").text().get();
    auto [p, ec] = std::from_chars(num.data(), num.data() + num.size(), r.number);
    if (ec != std::errc() || p != num.data() + num.size() || !part.child("ETag")) {
      return Fail(ctx, ErrorCode::MalformedXML).response;
    }
    r.etag = Unquote(part.child("ETag").text().get());
    for (auto child : part.children()) {
      std::string_view name = child.name();
      if (name.rfind("Checksum", 0) == 0 && name.size() > 8) r.checksums[std::string(name.substr(8))] = child.text().get();
    }
    requested.push_back(std::move(r));
  }
  if (requested.empty() || requested.size() > 10000) return Fail(ctx, ErrorCode::MalformedXML).response;
  for (size_t i = 1; i < requested.size(); ++i) {
    if (requested[i].number <= requested[i - 1].number) return Fail(ctx, ErrorCode::InvalidPartOrder).response;
  }
  // S3 Express: part numbers must run 1, 2, 3, ... with no gaps.
  if (ctx.IsDirectoryBucket()) {
    for (size_t i = 0; i < requested.size(); ++i) {
      if (requested[i].number != i + 1) return Fail(ctx, ErrorCode::InvalidPartOrder).response;
    }
  }

  const std::string& upload_id = *ctx.Query("uploadId");
  auto upload = ctx.engine.GetMultipartUpload(ctx.address.bucket, ctx.address.key, upload_id);
  if (!upload.ok()) return Fail(ctx, FromStorage(upload.status())).response;
  // The key is optional here (the parts are already encrypted); one that is sent must be right.
  auto customer_key = ReadCustomerKey(ctx.request, KeyHeaders::Object);
  if (auto* e = std::get_if<S3Error>(&customer_key)) return Fail(ctx, *e).response;
  const auto& key = std::get<std::optional<CustomerKey>>(customer_key);
  if (key) {
    if (auto e = CheckUploadKey(upload->meta.sse_customer, key)) return Fail(ctx, *e).response;
  }
  auto stored = ctx.engine.ListUploadParts(ctx.address.bucket, ctx.address.key, upload_id);
  if (!stored.ok()) return Fail(ctx, FromStorage(stored.status())).response;
  std::map<uint32_t, const storage::UploadPart*> by_number;
  for (auto& p : stored.value()) by_number[p.part_number] = &p;

  UploadChecksum checksum = UploadChecksumOf(upload->meta);
  std::vector<const storage::UploadPart*> parts;
  std::vector<uint32_t> numbers;
  uint64_t total = 0;
  auto md5s = auth::Hasher::Create(auth::ChecksumAlgorithm::MD5);
  for (size_t i = 0; i < requested.size(); ++i) {
    auto it = by_number.find(requested[i].number);
    if (it == by_number.end() || it->second->etag != requested[i].etag) {
      return Fail(ctx, ErrorCode::InvalidPart).response;
    }
    const storage::UploadPart& part = *it->second;
    if (i + 1 < requested.size() && part.extent.size < kMinPartSize) {
      S3Error e = make_error(ErrorCode::EntityTooSmall);
      e.extra_xml = "<ProposedSize>" + std::to_string(part.extent.size) + "</ProposedSize><MinSizeAllowed>" +
                    std::to_string(kMinPartSize) + "</MinSizeAllowed><PartNumber>" + std::to_string(part.part_number) +
                    "</PartNumber><ETag>" + XmlEscape(part.etag) + "</ETag>";
      return Fail(ctx, e).response;
    }
    if (checksum.algorithm) {
      // A part's checksum, when the client lists it, must be the one the part was uploaded with.
      auto listed = requested[i].checksums.find(std::string(auth::ChecksumName(*checksum.algorithm)));
      if (listed != requested[i].checksums.end() && listed->second != part.checksum) {
        return Fail(ctx, ErrorCode::InvalidPart, "The checksum of part " + std::to_string(part.part_number) +
                                                     " does not match the uploaded part.")
            .response;
      }
    }
    // The multipart ETag is the MD5 of the parts' binary MD5s (general-purpose buckets).
    auto nibble = [](char c) { return c <= '9' ? c - '0' : (c | 0x20) - 'a' + 10; };
    for (size_t k = 0; k + 1 < part.etag.size(); k += 2) {
      char byte = static_cast<char>(nibble(part.etag[k]) << 4 | nibble(part.etag[k + 1]));
      md5s->Update(&byte, 1);
    }
    parts.push_back(&part);
    numbers.push_back(part.part_number);
    total += part.extent.size;
  }
  if (auto* size = ctx.request.Header("x-amz-mp-object-size"); size && *size != std::to_string(total)) {
    return Fail(ctx, ErrorCode::InvalidRequest, "The provided x-amz-mp-object-size does not match the object's size.")
        .response;
  }

  storage::ObjectMeta meta = upload->meta;
  meta.checksums.clear();
  meta.checksum_type.clear();
  auto algorithm = checksum.algorithm.value_or(auth::ChecksumAlgorithm::CRC64NVME);
  bool full_object = checksum.algorithm ? checksum.full_object : true;
  bool every_part_has_one = true;
  for (auto* p : parts) every_part_has_one = every_part_has_one && !p->checksum.empty();
  if (every_part_has_one) {
    auto value = ObjectChecksum(algorithm, full_object, parts);
    if (!value) return Fail(ctx, ErrorCode::InternalError).response;
    if (auto* expected = ctx.request.Header(std::string(auth::ChecksumHeaderName(algorithm)));
        expected && *expected != *value) {
      return Fail(ctx, ErrorCode::BadDigest, "The " + std::string(auth::ChecksumName(algorithm)) +
                                                 " you specified did not match the calculated checksum.")
          .response;
    }
    meta.checksums[std::string(auth::ChecksumName(algorithm))] = *value;
    meta.checksum_type = full_object ? "FULL_OBJECT" : "COMPOSITE";
  }
  if (meta.sse_customer) {
    // The object's pieces are the parts, each decrypted with its own IV.
    meta.sse_customer->ivs.clear();
    for (auto* p : parts) {
      if (p->sse_iv.empty()) return Fail(ctx, ErrorCode::InternalError).response;
      meta.sse_customer->ivs.push_back(p->sse_iv);
    }
  }
  meta.etag = ctx.IsDirectoryBucket() ? RandomETag()
                                      : auth::HexEncode(md5s->Final()) + "-" + std::to_string(parts.size());

  storage::WriteConditions conditions;
  if (auto* inm = ctx.request.Header("if-none-match")) {
    if (*inm != "*") return Fail(ctx, ErrorCode::NotImplemented).response;
    conditions.if_none_match_star = true;
  }
  if (auto* im = ctx.request.Header("if-match")) conditions.if_match_etag = Unquote(*im);

  storage::VersionOutcome outcome;
  auto st = ctx.engine.CompleteMultipartUpload(ctx.address.bucket, ctx.address.key, upload_id, numbers, meta,
                                               conditions, &outcome);
  if (!st.ok()) return Fail(ctx, FromStorage(st)).response;

  XmlWriter x("CompleteMultipartUploadResult");
  x.Element("Location", "/" + ctx.address.bucket + "/" + ctx.address.key)
      .Element("Bucket", ctx.address.bucket)
      .Element("Key", ctx.address.key)
      .Element("ETag", QuoteETag(meta.etag));
  for (auto& [alg, value] : meta.checksums) x.Element("Checksum" + alg, value);
  if (!meta.checksums.empty()) x.Element("ChecksumType", meta.checksum_type);
  Response r = XmlResponse(200, x.Finish());
  AddWriteVersionHeader(r, outcome);
  if (key) AddCustomerKeyHeaders(r, *key);
  return r;
}

}  // namespace

Outcome CompleteMultipartUpload(OperationContext& ctx) {
  if (auto e = AuthorizeBucket(ctx, ctx.address.bucket, nullptr, BucketAccess::Write)) return Fail(ctx, *e);
  return BufferedBody(ctx, kMaxBody, [ctx](std::string body) mutable { return Complete(ctx, body); });
}

}  // namespace xs3::api
