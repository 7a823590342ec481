#include "api/service.h"

#include <openssl/rand.h>

#include <array>
#include <random>
#include <unordered_map>

#include "api/addressing.h"
#include "api/bucket_policy_check.h"
#include "api/request_rate_limiter.h"
#include "api/operation.h"
#include "api/directory_bucket_name.h"
#include "api/expected_bucket_owner.h"
#include "auth/checksum.h"
#include "auth/session_token.h"
#include "auth/user_directory.h"

namespace xs3::api {
namespace {

// Subresources S3 defines that xs3 does not implement yet: they answer NotImplemented instead of
// being mistaken for a plain GetObject/ListObjects.
constexpr std::array kUnsupportedSubresources = {
    "accelerate", "analytics", "intelligent-tiering", "inventory",
    "legal-hold", "logging", "metadataTable", "metrics", "notification", "object-lock",
    "policy", "policyStatus", "renameObject",
    "replication", "requestPayment", "restore", "retention", "select", "session", "torrent",
    "website"};

bool IsUnsupported(const OperationContext& ctx) {
  for (auto* s : kUnsupportedSubresources)
    if (ctx.HasQuery(s)) return true;
  return false;
}

// What a session may do: one bucket, within its mode, until it expires.
std::optional<S3Error> CheckSession(const OperationContext& ctx, const auth::SessionTokenIssuer::Verified& session,
                                    int64_t now_s) {
  if (ctx.auth.access_key != session.credentials.access_key_id) {
    return make_error(ErrorCode::AccessDenied, "The session token does not belong to the signing credentials.");
  }
  if (ctx.auth.service != "s3express") {
    // Session credentials exist only for the s3express service; an s3-scoped signature with them
    // is a key S3 does not know.
    return make_error(ErrorCode::InvalidAccessKeyId);
  }
  if (now_s >= session.claims.expires_epoch_s) return make_error(ErrorCode::ExpiredToken);
  // A session outlives nothing: deleting its user revokes it.
  if (!ctx.users.Exists(session.claims.user)) return make_error(ErrorCode::AccessDenied);
  if (ctx.HasQuery("session") && ctx.address.key.empty()) {
    return make_error(ErrorCode::InvalidRequest, "CreateSession request should not include x-amz-s3session-token");
  }
  if (ctx.address.bucket != session.claims.bucket) return make_error(ErrorCode::AccessDenied);
  const std::string& m = ctx.request.method;
  switch (session.claims.mode) {
    case auth::SessionMode::ReadWrite: break;
    case auth::SessionMode::ReadOnly:
      if (m != "GET" && m != "HEAD") return make_error(ErrorCode::AccessDenied);
      break;
    case auth::SessionMode::CreateBucketOnly: {
      bool create_bucket = m == "PUT" && ctx.address.key.empty();
      for (auto& [k, v] : ctx.query) create_bucket = create_bucket && k == "x-id";
      if (create_bucket) break;
      // SDKs keep using the session they opened before CreateBucket. Once the bucket exists and
      // belongs to the session's user, it carries exactly the rights a new session would.
      // While the bucket does not exist the operation itself answers NoSuchBucket.
      auto bucket = ctx.engine.GetBucket(ctx.address.bucket);
      bool root = session.claims.user == ctx.users.root();
      if (bucket.ok() && bucket->owner != session.claims.user && !root) return make_error(ErrorCode::AccessDenied);
      break;
    }
  }
  return std::nullopt;
}

// Which S3 operation a request is, decided before anything runs (so limits and faults can name
// it): the operation's name and handler, or the error a request no operation takes gets.
using Handler = Outcome (*)(OperationContext&);
struct Routed {
  const char* operation = "";
  Handler handler = nullptr;
  S3Error error;
};

Routed Refused(S3Error e) { return Routed{"", nullptr, std::move(e)}; }
S3Error NotForDirectoryBuckets() {
  return make_error(ErrorCode::NotImplemented, "This operation is not supported for directory buckets.");
}
Outcome ListObjectsV1(OperationContext& ctx) { return ListObjects(ctx, false); }
Outcome ListObjectsV2(OperationContext& ctx) { return ListObjects(ctx, true); }

Routed Classify(OperationContext& ctx) {
  const std::string& m = ctx.request.method;
  const auto& a = ctx.address;
  if (a.bucket.empty()) {
    if (m != "GET") return Refused(make_error(ErrorCode::MethodNotAllowed));
    // Both are "GET /": S3 Express clients sign with service s3express (boto3 sends nothing else
    // to tell them apart); Smithy SDKs also add x-id.
    auto* xid = ctx.Query("x-id");
    bool directory = ctx.auth.service == "s3express" || ctx.HasQuery("max-directory-buckets") ||
                     (xid && *xid == "ListDirectoryBuckets");
    if (xid && *xid == "ListBuckets") directory = false;
    return directory ? Routed{"ListDirectoryBuckets", &ListDirectoryBuckets} : Routed{"ListBuckets", &ListBuckets};
  }
  if (a.bucket == "_xs3" && !a.virtual_host) {
    // Not a valid bucket name, so the admin API shadows no bucket.
    if (a.key == "faults") return Routed{"AdminFaults", &AdminFaults};
    if (a.key == "users" || a.key.starts_with("users/")) return Routed{"AdminUsers", &AdminUsers};
    if (a.key == "buckets" || a.key.starts_with("buckets/")) return Routed{"AdminBuckets", &AdminBuckets};
    if (a.key == "import") return Routed{"AdminImport", &AdminImport};
    if (a.key == "config") return Routed{"AdminConfig", &AdminConfig};
  }
  if (a.key.empty() && m == "GET" && ctx.HasQuery("session")) return Routed{"CreateSession", &CreateSession};
  if (a.key.empty() && ctx.HasQuery("policy")) {
    if (m == "PUT") return Routed{"PutBucketPolicy", &PutBucketPolicy};
    if (m == "GET") return Routed{"GetBucketPolicy", &GetBucketPolicy};
    if (m == "DELETE") return Routed{"DeleteBucketPolicy", &DeleteBucketPolicy};
  }
  if (a.key.empty() && ctx.HasQuery("encryption")) {
    if (m == "PUT") return Routed{"PutBucketEncryption", &PutBucketEncryption};
    if (m == "GET") return Routed{"GetBucketEncryption", &GetBucketEncryption};
    if (m == "DELETE") return Routed{"DeleteBucketEncryption", &DeleteBucketEncryption};
    return Refused(make_error(ErrorCode::MethodNotAllowed));
  }
  if (a.key.empty() && m == "GET" && ctx.HasQuery("policyStatus") && !ctx.IsDirectoryBucket()) {
    return Routed{"GetBucketPolicyStatus", &GetBucketPolicyStatus};
  }
  if (ctx.IsDirectoryBucket()) {
    // Operations S3 Express does not offer on directory buckets.
    if (a.key.empty() && m == "GET" && (ctx.HasQuery("location") || !ctx.HasQuery("list-type"))) {
      if (!ctx.HasQuery("uploads")) return Refused(NotForDirectoryBuckets());
    }
    if (ctx.request.Header("x-amz-acl") || ctx.request.Header("x-amz-grant-full-control") ||
        ctx.request.Header("x-amz-grant-read") || ctx.request.Header("x-amz-grant-write") ||
        ctx.request.Header("x-amz-grant-read-acp") || ctx.request.Header("x-amz-grant-write-acp")) {
      return Refused(make_error(ErrorCode::NotImplemented, "ACLs are not supported for directory buckets."));
    }
  }
  if (a.key.empty()) {
    if (m == "GET" && ctx.HasQuery("location")) return Routed{"GetBucketLocation", &GetBucketLocation};
    if (ctx.HasQuery("versioning")) {
      if (ctx.IsDirectoryBucket()) return Refused(NotForDirectoryBuckets());
      if (m == "GET") return Routed{"GetBucketVersioning", &GetBucketVersioning};
      if (m == "PUT") return Routed{"PutBucketVersioning", &PutBucketVersioning};
      return Refused(make_error(ErrorCode::MethodNotAllowed));
    }
    if (ctx.HasQuery("versions")) {
      if (ctx.IsDirectoryBucket()) return Refused(NotForDirectoryBuckets());
      if (m == "GET") return Routed{"ListObjectVersions", &ListObjectVersions};
      return Refused(make_error(ErrorCode::MethodNotAllowed));
    }
    if (m == "POST" && ctx.HasQuery("delete")) return Routed{"DeleteObjects", &DeleteObjects};
    if (m == "GET" && ctx.HasQuery("uploads")) return Routed{"ListMultipartUploads", &ListMultipartUploads};
    if (IsUnsupported(ctx) || ctx.HasQuery("uploads") || ctx.HasQuery("uploadId")) {
      return Refused(make_error(ErrorCode::NotImplemented));
    }
    if (ctx.HasQuery("acl") || ctx.HasQuery("ownershipControls") || ctx.HasQuery("publicAccessBlock")) {
      if (ctx.IsDirectoryBucket()) return Refused(NotForDirectoryBuckets());
      if (ctx.HasQuery("acl")) {
        if (m == "GET") return Routed{"GetBucketAcl", &GetBucketAcl};
        if (m == "PUT") return Routed{"PutBucketAcl", &PutBucketAcl};
      } else if (ctx.HasQuery("ownershipControls")) {
        if (m == "GET") return Routed{"GetBucketOwnershipControls", &GetBucketOwnershipControls};
        if (m == "PUT") return Routed{"PutBucketOwnershipControls", &PutBucketOwnershipControls};
        if (m == "DELETE") return Routed{"DeleteBucketOwnershipControls", &DeleteBucketOwnershipControls};
      } else {
        if (m == "GET") return Routed{"GetPublicAccessBlock", &GetPublicAccessBlock};
        if (m == "PUT") return Routed{"PutPublicAccessBlock", &PutPublicAccessBlock};
        if (m == "DELETE") return Routed{"DeletePublicAccessBlock", &DeletePublicAccessBlock};
      }
      return Refused(make_error(ErrorCode::MethodNotAllowed));
    }
    if (ctx.HasQuery("cors")) {
      if (ctx.IsDirectoryBucket()) return Refused(NotForDirectoryBuckets());
      if (m == "PUT") return Routed{"PutBucketCors", &PutBucketCors};
      if (m == "GET") return Routed{"GetBucketCors", &GetBucketCors};
      if (m == "DELETE") return Routed{"DeleteBucketCors", &DeleteBucketCors};
      return Refused(make_error(ErrorCode::MethodNotAllowed));
    }
    if (ctx.HasQuery("lifecycle")) {
      if (ctx.IsDirectoryBucket()) return Refused(NotForDirectoryBuckets());
      if (m == "PUT") return Routed{"PutBucketLifecycleConfiguration", &PutBucketLifecycleConfiguration};
      if (m == "GET") return Routed{"GetBucketLifecycleConfiguration", &GetBucketLifecycleConfiguration};
      if (m == "DELETE") return Routed{"DeleteBucketLifecycle", &DeleteBucketLifecycle};
      return Refused(make_error(ErrorCode::MethodNotAllowed));
    }
    if (ctx.HasQuery("tagging")) {
      if (ctx.IsDirectoryBucket()) return Refused(NotForDirectoryBuckets());
      if (m == "PUT") return Routed{"PutBucketTagging", &PutBucketTagging};
      if (m == "GET") return Routed{"GetBucketTagging", &GetBucketTagging};
      if (m == "DELETE") return Routed{"DeleteBucketTagging", &DeleteBucketTagging};
      return Refused(make_error(ErrorCode::MethodNotAllowed));
    }
    if (m == "PUT") return Routed{"CreateBucket", &CreateBucket};
    if (m == "DELETE") return Routed{"DeleteBucket", &DeleteBucket};
    if (m == "HEAD") return Routed{"HeadBucket", &HeadBucket};
    if (m == "POST" && ctx.query.empty()) return Routed{"PostObject", &PostObject};
    if (m == "GET") {
      auto* lt = ctx.Query("list-type");
      if (lt && *lt == "2") return Routed{"ListObjectsV2", &ListObjectsV2};
      if (lt && *lt != "2") return Refused(make_error(ErrorCode::InvalidArgument, "Invalid List Type specified in Request"));
      return Routed{"ListObjects", &ListObjectsV1};
    }
    return Refused(make_error(ErrorCode::MethodNotAllowed));
  }
  if (m == "GET" && ctx.HasQuery("attributes")) return Routed{"GetObjectAttributes", &GetObjectAttributes};
  if (m == "PUT" && ctx.HasQuery("renameObject")) return Routed{"RenameObject", &RenameObject};
  if (IsUnsupported(ctx)) return Refused(make_error(ErrorCode::NotImplemented));
  if (ctx.HasQuery("acl")) {
    if (ctx.IsDirectoryBucket()) return Refused(NotForDirectoryBuckets());
    if (m == "GET") return Routed{"GetObjectAcl", &GetObjectAcl};
    if (m == "PUT") return Routed{"PutObjectAcl", &PutObjectAcl};
    return Refused(make_error(ErrorCode::MethodNotAllowed));
  }
  if (ctx.HasQuery("tagging")) {
    if (ctx.IsDirectoryBucket()) return Refused(NotForDirectoryBuckets());
    if (m == "PUT") return Routed{"PutObjectTagging", &PutObjectTagging};
    if (m == "GET") return Routed{"GetObjectTagging", &GetObjectTagging};
    if (m == "DELETE") return Routed{"DeleteObjectTagging", &DeleteObjectTagging};
    return Refused(make_error(ErrorCode::MethodNotAllowed));
  }
  if (m == "POST" && ctx.HasQuery("uploads")) return Routed{"CreateMultipartUpload", &CreateMultipartUpload};
  if (ctx.HasQuery("uploadId")) {
    if (m == "PUT" && ctx.HasQuery("partNumber")) {
      return ctx.request.Header("x-amz-copy-source") ? Routed{"UploadPartCopy", &UploadPartCopy}
                                                     : Routed{"UploadPart", &UploadPart};
    }
    if (m == "POST") return Routed{"CompleteMultipartUpload", &CompleteMultipartUpload};
    if (m == "DELETE") return Routed{"AbortMultipartUpload", &AbortMultipartUpload};
    if (m == "GET") return Routed{"ListParts", &ListParts};
    return Refused(make_error(ErrorCode::MethodNotAllowed));
  }
  if (ctx.HasQuery("uploads")) return Refused(make_error(ErrorCode::MethodNotAllowed));
  if (m == "PUT") {
    if (ctx.request.Header("x-amz-copy-source")) return Routed{"CopyObject", &CopyObject};
    return Routed{"PutObject", &PutObject};
  }
  if (m == "GET" || m == "HEAD") return Routed{m == "HEAD" ? "HeadObject" : "GetObject", &GetObject};
  if (m == "DELETE") return Routed{"DeleteObject", &DeleteObject};
  return Refused(make_error(ErrorCode::MethodNotAllowed));
}

// Requests to a directory bucket whose zone is not this server's home zone pay a random delay
// in the configured range, as a client in another AZ would.
std::chrono::microseconds CrossZoneLatency(const OperationContext& ctx) {
  const auto& c = ctx.config;
  if (!ctx.IsDirectoryBucket() || c.cross_zone_latency_max_ms <= 0) return {};
  auto zone = DirectoryBucketZone(ctx.address.bucket);
  auto home = c.home_zone.empty() ? config::EffectiveZones(c) : std::vector<std::string>{c.home_zone};
  if (!zone || home.empty() || *zone == home.front()) return {};
  thread_local std::mt19937_64 rng{std::random_device{}()};
  std::uniform_real_distribution<double> ms(c.cross_zone_latency_min_ms, c.cross_zone_latency_max_ms);
  return std::chrono::microseconds(static_cast<int64_t>(ms(rng) * 1000));
}

}  // namespace

std::string NewRequestId() {
  // Request ids need to be unique, not secret: a per-thread generator seeded once from the
  // CSPRNG, instead of RAND_bytes (a lock and a getpid() per request).
  thread_local std::mt19937_64 rng = [] {
    std::array<unsigned char, 8> seed{};
    RAND_bytes(seed.data(), static_cast<int>(seed.size()));
    uint64_t v = 0;
    for (unsigned char b : seed) v = v << 8 | b;
    return std::mt19937_64(v);
  }();
  static constexpr char kHex[] = "0123456789ABCDEF";
  uint64_t v = rng();
  std::string hex(16, '0');
  for (int i = 15; i >= 0; --i, v >>= 4) hex[static_cast<size_t>(i)] = kHex[v & 0xF];
  return hex;
}

void StampRequestIds(Response& response, const std::string& request_id) {
  response.SetHeader("x-amz-request-id", request_id);
  response.SetHeader("x-amz-id-2", auth::Base64Encode(auth::Sha256Hex(request_id).substr(0, 48)));
}

RateLimits LimitsFrom(const config::Config& c) {
  RateLimits l{c.rate_limits,          c.directory_reads_per_s, c.directory_writes_per_s, c.prefix_rate_limits,
               c.prefix_reads_per_s,   c.prefix_writes_per_s,   {}};
  for (auto& [bucket, lim] : c.bucket_limits) l.per_bucket[bucket] = {lim.reads_per_s, lim.writes_per_s};
  return l;
}

struct Service::Impl {
  const config::Config& config;
  storage::Engine& engine;
  auth::SessionTokenIssuer sessions;
  auth::UserDirectory& users;
  IdempotencyCache client_tokens;
  RequestRateLimiter limiter;
  FaultInjector faults;
};

Service::Service(const config::Config& config, storage::Engine& engine, std::string session_master_key,
                 auth::UserDirectory& users)
    : impl_(new Impl{config,
                     engine,
                     auth::SessionTokenIssuer(std::move(session_master_key)),
                     users,
                     {},
                     RequestRateLimiter(LimitsFrom(config)),
                     {}}) {
  // Validated at startup (config::Load), so a schedule from the file always parses here.
  impl_->faults.SetSchedule(config.faults);
}

Service::~Service() = default;

bool Service::MayBlock(const Request& request) { return request.method != "GET" && request.method != "HEAD"; }

storage::EngineStats Service::EngineStats() const { return impl_->engine.Stats(); }

Response Service::ErrorFor(const S3Error& error, bool is_head) const {
  std::string id = NewRequestId();
  Response r = ErrorResponse(error, id, is_head);
  StampRequestIds(r, id);
  return r;
}

Outcome Service::Begin(const Request& request) {
  Outcome out = Dispatch(request);
  if (request.method != "OPTIONS" && request.Header("origin")) {
    auto address = ResolveAddress(request.HeaderOr("host"), request.raw_path, impl_->config.domains);
    out.extra_headers = CorsHeadersForActualRequest(impl_->engine, request, address.bucket);
    if (!out.consumer) {
      for (auto& [name, value] : out.extra_headers) out.response.SetHeader(name, value);
    }
  }
  return out;
}

Outcome Service::Dispatch(const Request& request) {
  std::string request_id = NewRequestId();
  bool is_head = request.method == "HEAD";

  // Liveness: /_xs3/health always; /health when unsigned (signed, it names a bucket "health").
  bool unsigned_request = !request.Header("authorization") && request.raw_query.find("Signature=") == std::string::npos;
  if (request.raw_path == "/_xs3/health" || (request.raw_path == "/health" && unsigned_request &&
                                             (request.method == "GET" || request.method == "HEAD"))) {
    Response r;
    r.body = "ok\n";
    r.SetHeader("Content-Type", "text/plain");
    StampRequestIds(r, request_id);
    return Done(std::move(r));
  }

  // CreateSession credentials: the token names its bucket, mode and owner, and carries the key
  // the request must be signed with.
  std::string token = request.HeaderOr("x-amz-s3session-token");
  if (token.empty()) {
    for (auto& [k, v] : ParseQuery(request.raw_query))
      if (k == "X-Amz-S3session-Token") token = v;
  }
  int64_t now_s = std::chrono::duration_cast<std::chrono::seconds>(
                      std::chrono::system_clock::now().time_since_epoch()).count();
  std::optional<auth::SessionTokenIssuer::Verified> session;
  if (!token.empty()) {
    session = impl_->sessions.Verify(token, now_s);
    if (!session) {
      Response r = ErrorResponse(make_error(ErrorCode::InvalidToken), request_id, is_head);
      StampRequestIds(r, request_id);
      return Done(std::move(r));
    }
  }

  // CORS preflights carry no credentials (browsers send none); the bucket's rules answer them.
  if (request.method == "OPTIONS") {
    OperationContext ctx{request,
                         request_id,
                         ResolveAddress(request.HeaderOr("host"), request.raw_path, impl_->config.domains),
                         ParseQuery(request.raw_query),
                         auth::AuthContext{},
                         impl_->config,
                         impl_->engine,
                         impl_->users,
                         impl_->sessions,
                         impl_->client_tokens,
                         impl_->faults,
                         std::nullopt};
    ctx.auth.anonymous = true;
    Outcome o = ctx.address.malformed ? Fail(ctx, ErrorCode::InvalidURI) : OptionsObject(ctx);
    StampRequestIds(o.response, request_id);
    o.operation = "OptionsObject";
    o.request_id = request_id;
    o.bucket = ctx.address.bucket;
    o.key = ctx.address.key;
    return o;
  }

  auth::RequestParts parts{request.method, request.raw_path, request.raw_query, &request.headers};
  auth::VerifyOptions options;
  options.region = impl_->config.region;
  auto lookup = [this, &session](std::string_view key) -> std::optional<auth::Credential> {
    if (session && key == session->credentials.access_key_id) {
      return auth::Credential{session->credentials.access_key_id, session->credentials.secret_access_key,
                              session->claims.user};
    }
    return impl_->users.Lookup(key);
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
                       impl_->engine,
                       impl_->users,
                       impl_->sessions,
                       impl_->client_tokens,
                       impl_->faults,
                       std::nullopt};
  if (ctx.address.malformed) {
    Outcome o = Fail(ctx, ErrorCode::InvalidURI);
    StampRequestIds(o.response, request_id);
    return o;
  }
  if (session) {
    if (auto e = CheckSession(ctx, *session, now_s)) {
      Outcome o = Fail(ctx, *e);
      StampRequestIds(o.response, request_id);
      return o;
    }
    ctx.session = session->claims;
  }

  Outcome out;
  Routed routed = Classify(ctx);
  // Besides a bucket policy's Allow, only ACLs make anything public: anonymous requests may read
  // objects and list buckets (the operations check the ACLs), nothing else. A browser-form upload
  // carries its signature in the form, which PostObject verifies.
  bool anonymous_read = routed.handler == &GetObject || routed.handler == &ListObjectsV1 ||
                        routed.handler == &ListObjectsV2 || routed.handler == &PostObject;
  std::optional<S3Error> policy_refusal;
  if (routed.handler) policy_refusal = CheckBucketPolicy(ctx, routed.operation);
  if (policy_refusal) {
    out = Fail(ctx, *policy_refusal);
  } else if (ctx.auth.anonymous && !anonymous_read && !ctx.policy_allows) {
    out = Fail(ctx, ErrorCode::AccessDenied);
  } else if (!routed.handler) {
    out = Fail(ctx, routed.error);
  } else {
    // Limits and injected faults answer before the operation runs: no side effects.
    std::optional<Fault> fault;
    if (!ctx.address.bucket.empty() &&
        !impl_->limiter.Admit(ctx.IsDirectoryBucket(), ctx.address.bucket, ctx.address.key,
                              request.method != "GET" && request.method != "HEAD")) {
      out = Fail(ctx, ErrorCode::SlowDown);
    } else if (fault = impl_->faults.Draw(routed.operation, ctx.address.bucket, ctx.address.key);
               fault && fault->kind == FaultKind::SlowDown) {
      out = Fail(ctx, ErrorCode::SlowDown);
    } else if (fault && fault->kind == FaultKind::InternalError) {
      out = Fail(ctx, ErrorCode::InternalError);
    } else if (fault && fault->kind == FaultKind::Reset) {
      out.reset_connection = true;
    } else if (auto e = CheckExpectedBucketOwner(ctx)) {
      out = Fail(ctx, *e);
    } else {
      out = routed.handler(ctx);
    }
    if (fault && fault->kind == FaultKind::Latency) {
      out.added_latency += std::chrono::microseconds(static_cast<int64_t>(fault->latency_ms * 1000));
    }
    out.operation = routed.operation;
  }
  if (!out.consumer) StampRequestIds(out.response, request_id);
  out.request_id = request_id;
  out.principal = ctx.auth.user;
  out.bucket = ctx.address.bucket;
  out.key = ctx.address.key;
  out.added_latency += CrossZoneLatency(ctx);
  return out;
}

}  // namespace xs3::api
