#include "api/service.h"

#include <openssl/rand.h>

#include <array>
#include <unordered_map>

#include "api/addressing.h"
#include "api/operation.h"
#include "auth/checksum.h"

namespace xs3::api {
namespace {

// Subresources S3 defines that xs3 does not implement yet: they answer NotImplemented instead of
// being mistaken for a plain GetObject/ListObjects.
constexpr std::array kUnsupportedSubresources = {
    "accelerate", "analytics", "attributes", "cors", "encryption", "intelligent-tiering", "inventory",
    "legal-hold", "lifecycle", "logging", "metadataTable", "metrics", "notification", "object-lock",
    "ownershipControls", "partNumber", "policy", "policyStatus", "publicAccessBlock", "renameObject",
    "replication", "requestPayment", "restore", "retention", "select", "session", "tagging", "torrent",
    "uploadId", "uploads", "versionId", "versions", "website", "acl"};

bool IsUnsupported(const OperationContext& ctx) {
  for (auto* s : kUnsupportedSubresources)
    if (ctx.HasQuery(s)) return true;
  return false;
}

Outcome Route(OperationContext& ctx) {
  const std::string& m = ctx.request.method;
  const auto& a = ctx.address;
  if (a.bucket.empty()) {
    if (m == "GET") return ListBuckets(ctx);
    return Fail(ctx, ErrorCode::MethodNotAllowed);
  }
  // versionId=null is what version-unaware clients may send for unversioned buckets.
  if (auto* v = ctx.Query("versionId"); v && *v == "null") {
    std::erase_if(ctx.query, [](auto& kv) { return kv.first == "versionId"; });
  }
  if (a.key.empty()) {
    if (m == "GET" && ctx.HasQuery("location")) return GetBucketLocation(ctx);
    if (m == "POST" && ctx.HasQuery("delete")) return DeleteObjects(ctx);
    if (IsUnsupported(ctx)) return Fail(ctx, ErrorCode::NotImplemented);
    if (m == "PUT") return CreateBucket(ctx);
    if (m == "DELETE") return DeleteBucket(ctx);
    if (m == "HEAD") return HeadBucket(ctx);
    if (m == "GET") {
      auto* lt = ctx.Query("list-type");
      if (lt && *lt == "2") return ListObjects(ctx, true);
      if (lt && *lt != "2") return Fail(ctx, ErrorCode::InvalidArgument, "Invalid List Type specified in Request");
      return ListObjects(ctx, false);
    }
    return Fail(ctx, ErrorCode::MethodNotAllowed);
  }
  if (IsUnsupported(ctx)) return Fail(ctx, ErrorCode::NotImplemented);
  if (m == "PUT") {
    if (ctx.request.Header("x-amz-copy-source")) return CopyObject(ctx);
    return PutObject(ctx);
  }
  if (m == "GET" || m == "HEAD") return GetObject(ctx);
  if (m == "DELETE") return DeleteObject(ctx);
  return Fail(ctx, ErrorCode::MethodNotAllowed);
}

}  // namespace

std::string NewRequestId() {
  std::array<unsigned char, 8> raw{};
  RAND_bytes(raw.data(), static_cast<int>(raw.size()));
  std::string hex = auth::HexEncode(std::string_view(reinterpret_cast<const char*>(raw.data()), raw.size()));
  for (auto& c : hex) c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
  return hex;
}

void StampRequestIds(Response& response, const std::string& request_id) {
  response.SetHeader("x-amz-request-id", request_id);
  response.SetHeader("x-amz-id-2", auth::Base64Encode(auth::Sha256Hex(request_id).substr(0, 48)));
}

struct Service::Impl {
  const config::Config& config;
  storage::Engine& engine;
  std::unordered_map<std::string, auth::Credential> credentials;
};

Service::Service(const config::Config& config, storage::Engine& engine)
    : impl_(new Impl{config, engine, {}}) {
  for (auto& u : config.users) impl_->credentials[u.access_key] = {u.access_key, u.secret_key, u.name};
}

Service::~Service() = default;

bool Service::MayBlock(const Request& request) { return request.method != "GET" && request.method != "HEAD"; }

Response Service::ErrorFor(const S3Error& error, bool is_head) const {
  std::string id = NewRequestId();
  Response r = ErrorResponse(error, id, is_head);
  StampRequestIds(r, id);
  return r;
}

Outcome Service::Begin(const Request& request) {
  std::string request_id = NewRequestId();
  bool is_head = request.method == "HEAD";

  if (request.raw_path == "/_xs3/health") {
    Response r;
    r.body = "ok\n";
    r.SetHeader("Content-Type", "text/plain");
    StampRequestIds(r, request_id);
    return Done(std::move(r));
  }

  auth::RequestParts parts{request.method, request.raw_path, request.raw_query, &request.headers};
  auth::VerifyOptions options;
  options.region = impl_->config.region;
  auto lookup = [this](std::string_view key) -> std::optional<auth::Credential> {
    auto it = impl_->credentials.find(std::string(key));
    if (it == impl_->credentials.end()) return std::nullopt;
    return it->second;
  };
  auto verified = auth::VerifyRequest(parts, lookup, options);
  if (auto* err = std::get_if<S3Error>(&verified)) {
    Response r = ErrorResponse(*err, request_id, is_head);
    StampRequestIds(r, request_id);
    return Done(std::move(r));
  }

  OperationContext ctx{request,
                       request_id,
                       ResolveAddress(request.HeaderOr("host"), request.raw_path, impl_->config.domains),
                       ParseQuery(request.raw_query),
                       std::get<auth::AuthContext>(verified),
                       impl_->config,
                       impl_->engine};

  Outcome out;
  if (ctx.auth.anonymous) {
    // Without bucket policies nothing is public yet: every anonymous request is denied.
    out = Fail(ctx, ErrorCode::AccessDenied);
  } else {
    out = Route(ctx);
  }
  if (!out.consumer) StampRequestIds(out.response, request_id);
  return out;
}

}  // namespace xs3::api
