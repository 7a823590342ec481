// PostObject: browser-form uploads to a general-purpose bucket (POST /bucket, multipart/form-data).
// The form's fields up to `file` are collected (20 KiB at most, as S3), then the policy and its
// signature are checked and the caller's access to the bucket, all before the first file byte
// is stored; the file streams into a body writer; fields after the file are ignored, as S3 does.
#include <chrono>

#include "api/acl.h"
#include "api/bucket_policy_check.h"
#include "api/form_data.h"
#include "api/post_policy.h"
#include "api/xml_writer.h"
#include "api/operation.h"
#include "api/versioning.h"
#include "auth/checksum.h"

namespace xs3::api {
namespace {

constexpr size_t kMaxFieldBytes = 20 * 1024;

std::string Lower(std::string s) {
  for (char& c : s) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return s;
}

int64_t NowS() {
  return std::chrono::duration_cast<std::chrono::seconds>(std::chrono::system_clock::now().time_since_epoch()).count();
}

class PostObjectConsumer : public BodyConsumer {
 public:
  PostObjectConsumer(OperationContext ctx, std::string boundary)
      : ctx_(std::move(ctx)),
        parser_(
            std::move(boundary), [this](const FormDataParser::Part& p) { return OnPart(p); },
            [this](const char* d, size_t n) { return OnData(d, n); }, [this] { return OnPartEnd(); }) {}

  std::optional<S3Error> Write(const char* data, size_t len) override { return parser_.Feed(data, len); }

  Response Finish() override {
    if (!parser_.done()) return Fail(ctx_, ErrorCode::MalformedPOSTRequest).response;
    if (!file_done_) return Fail(ctx_, ErrorCode::IncorrectNumberOfFilesInPostRequest).response;
    if (policy_.length_range) {
      auto [min, max] = *policy_.length_range;
      if (size_ > max) {
        return Fail(ctx_, ErrorCode::EntityTooLarge, "Your proposed upload exceeds the maximum allowed size").response;
      }
      if (size_ < min) {
        return Fail(ctx_, ErrorCode::EntityTooSmall, "Your proposed upload is smaller than the minimum allowed size")
            .response;
      }
    }
    meta_.etag = auth::HexEncode(md5_->Final());
    meta_.checksums["CRC64NVME"] = auth::Base64Encode(crc_->Final());
    meta_.checksum_type = "FULL_OBJECT";
    storage::VersionOutcome outcome;
    auto st = ctx_.engine.PutObject(ctx_.address.bucket, key_, std::move(writer_), meta_, {}, &outcome);
    if (!st.ok()) return Fail(ctx_, FromStorage(st)).response;
    Response r = Success();
    AddWriteVersionHeader(r, outcome);
    return r;
  }

  const std::string& request_id() const override { return ctx_.request_id; }

 private:
  std::optional<S3Error> OnPart(const FormDataParser::Part& part) {
    if (file_done_) {
      ignoring_ = true;  // S3 ignores whatever follows the file
      return std::nullopt;
    }
    if (Lower(part.name) == "file") {
      in_file_ = true;
      filename_ = part.filename.value_or("");
      return StartFile();
    }
    form_.fields.emplace_back(Lower(part.name), "");
    return std::nullopt;
  }

  std::optional<S3Error> OnData(const char* data, size_t len) {
    if (ignoring_) return std::nullopt;
    if (!in_file_) {
      field_bytes_ += len;
      if (field_bytes_ > kMaxFieldBytes) return make_error(ErrorCode::MaxPostPreDataLengthExceededError);
      form_.fields.back().second.append(data, len);
      return std::nullopt;
    }
    size_ += len;
    if (size_ > ctx_.config.max_object_bytes) return make_error(ErrorCode::EntityTooLarge);
    if (policy_.length_range && size_ > policy_.length_range->second) {
      return make_error(ErrorCode::EntityTooLarge, "Your proposed upload exceeds the maximum allowed size");
    }
    md5_->Update(data, len);
    crc_->Update(data, len);
    auto st = writer_->Append(data, len);
    if (!st.ok()) return FromStorage(st);
    return std::nullopt;
  }

  std::optional<S3Error> OnPartEnd() {
    if (in_file_) {
      in_file_ = false;
      file_done_ = true;
      ignoring_ = true;
    }
    return std::nullopt;
  }

  // Everything the file's bytes depend on is decided here, before the first one is stored.
  std::optional<S3Error> StartFile() {
    const std::string* key = form_.Get("key");
    if (!key || key->empty()) {
      return make_error(ErrorCode::InvalidArgument,
                        "Bucket POST must contain a field named 'key'.  If it is specified, please check the order of "
                        "the fields.");
    }
    key_ = *key;
    if (auto at = key_.find("${filename}"); at != std::string::npos) key_.replace(at, 11, filename_);
    if (key_.size() > 1024) return make_error(ErrorCode::KeyTooLongError);

    auto lookup = [this](std::string_view ak) { return ctx_.users.Lookup(ak); };
    auto signer = VerifyPostSignature(form_, lookup, ctx_.config.region);
    if (auto* e = std::get_if<S3Error>(&signer)) return *e;
    auto parsed = ParsePostPolicy(*form_.Get("policy"));
    if (auto* e = std::get_if<S3Error>(&parsed)) return *e;
    policy_ = std::get<PostPolicy>(parsed);
    if (auto e = CheckPostPolicy(policy_, form_, ctx_.address.bucket, NowS())) return e;

    // From here the upload is the signer's own request.
    const auth::Credential& who = std::get<auth::Credential>(signer);
    ctx_.auth.anonymous = false;
    ctx_.auth.user = who.user;
    ctx_.auth.access_key = who.access_key;
    if (auto e = CheckObjectPolicy(ctx_, "s3:PutObject", key_)) return e;
    storage::BucketInfo bucket;
    if (auto e = AuthorizeBucket(ctx_, ctx_.address.bucket, &bucket, BucketAccess::Write)) return e;

    // A form asking for SSE-C must not be stored in the clear as if it had been honoured.
    for (auto& [name, value] : form_.fields) {
      if (name.rfind("x-amz-server-side-encryption-customer-", 0) == 0) {
        return make_error(ErrorCode::NotImplemented, "SSE-C is not supported for browser-form uploads.");
      }
    }
    meta_.owner = who.user;
    meta_.mtime_ms = 0;
    const std::string* content_type = form_.Get("content-type");
    meta_.content_type = content_type ? *content_type : "binary/octet-stream";
    if (auto* v = form_.Get("cache-control")) meta_.cache_control = *v;
    if (auto* v = form_.Get("content-disposition")) meta_.content_disposition = *v;
    if (auto* v = form_.Get("content-encoding")) meta_.content_encoding = *v;
    if (auto* v = form_.Get("expires")) meta_.expires = *v;
    size_t meta_bytes = 0;
    for (auto& [name, value] : form_.fields) {
      if (name.rfind("x-amz-meta-", 0) != 0) continue;
      meta_.user_meta.emplace_back(name.substr(11), value);
      meta_bytes += name.size() - 11 + value.size();
    }
    if (meta_bytes > 2048) return make_error(ErrorCode::MetadataTooLarge);
    if (auto* acl = form_.Get("acl")) {
      auto canned = ParseCannedAcl(*acl, AclTarget::Object);
      if (auto* e = std::get_if<S3Error>(&canned)) return *e;
      if (auto e = RefuseAcl(bucket, std::get<std::string>(canned))) return e;
      meta_.acl = EffectiveAcl(bucket, std::get<std::string>(canned));
    }
    auto writer = ctx_.engine.NewBodyWriter();
    if (!writer.ok()) return FromStorage(writer.status());
    writer_ = std::move(writer.value());
    md5_ = auth::Hasher::Create(auth::ChecksumAlgorithm::MD5);
    crc_ = auth::Hasher::Create(auth::ChecksumAlgorithm::CRC64NVME);
    return std::nullopt;
  }

  Response Success() {
    std::string location = "/" + ctx_.address.bucket + "/" + auth::UriEncode(key_, /*encode_slash=*/false);
    std::string host = ctx_.request.HeaderOr("host");
    if (!host.empty()) location = "http://" + host + location;
    Response r;
    if (auto* redirect = form_.Get("success_action_redirect"); redirect && !redirect->empty()) {
      std::string url = *redirect + (redirect->find('?') == std::string::npos ? "?" : "&") +
                        "bucket=" + auth::UriEncode(ctx_.address.bucket, true) + "&key=" + auth::UriEncode(key_, true) +
                        "&etag=" + auth::UriEncode(QuoteETag(meta_.etag), true);
      r.status = 303;
      r.SetHeader("Location", url);
    } else if (auto* status = form_.Get("success_action_status"); status && *status == "201") {
      r.status = 201;
      XmlWriter x("PostResponse", /*with_namespace=*/false);
      x.Element("Location", location);
      x.Element("Bucket", ctx_.address.bucket);
      x.Element("Key", key_);
      x.Element("ETag", QuoteETag(meta_.etag));
      r.body = x.Finish();
      r.SetHeader("Content-Type", "application/xml");
    } else {
      r.status = status && *status == "200" ? 200 : 204;
    }
    r.SetHeader("ETag", QuoteETag(meta_.etag));
    r.SetHeader("Location", r.status == 303 ? *r.Header("Location") : location);
    r.SetHeader("x-amz-server-side-encryption", "AES256");
    return r;
  }

  OperationContext ctx_;
  FormDataParser parser_;
  PostForm form_;
  size_t field_bytes_ = 0;
  bool in_file_ = false;
  bool file_done_ = false;
  bool ignoring_ = false;
  std::string filename_;
  std::string key_;
  PostPolicy policy_;
  storage::ObjectMeta meta_;
  uint64_t size_ = 0;
  std::unique_ptr<storage::BodyWriter> writer_;
  std::unique_ptr<auth::Hasher> md5_;
  std::unique_ptr<auth::Hasher> crc_;
};

}  // namespace

Outcome PostObject(OperationContext& ctx) {
  if (ctx.IsDirectoryBucket()) {
    return Fail(ctx, ErrorCode::NotImplemented, "Browser-form uploads are not supported for directory buckets.");
  }
  auto boundary = FormBoundary(ctx.request.HeaderOr("content-type"));
  if (!boundary) {
    return Fail(ctx, ErrorCode::PreconditionFailed, "Bucket POST must be of the enclosure-type multipart/form-data");
  }
  // The bucket must exist before any byte is read; who may write to it is known only once the
  // signed fields have arrived.
  auto bucket = ctx.engine.GetBucket(ctx.address.bucket);
  if (!bucket.ok()) return Fail(ctx, FromStorage(bucket.status()));
  Outcome o;
  o.consumer = std::make_unique<PostObjectConsumer>(ctx, *boundary);
  return o;
}

}  // namespace xs3::api
