// CORS: Put/Get/DeleteBucketCors (?cors on a general-purpose bucket), the preflight OPTIONS
// request (unauthenticated, answered from the bucket's rules), and the Access-Control-* headers
// of actual cross-origin requests.
#include "api/cors.h"
#include "api/operation.h"
#include "api/xml_writer.h"

namespace xs3::api {
namespace {

// 100 rules with a handful of origins and headers each.
constexpr size_t kMaxCorsBody = 64 * 1024;

// The names of Access-Control-Request-Headers, lower case, in the order requested.
std::vector<std::string> RequestedHeaders(const Request& request) {
  std::vector<std::string> out;
  std::string list = request.HeaderOr("access-control-request-headers");
  for (size_t pos = 0; pos <= list.size();) {
    size_t comma = list.find(',', pos);
    std::string item = list.substr(pos, comma == std::string::npos ? std::string::npos : comma - pos);
    while (!item.empty() && (item.front() == ' ' || item.front() == '\t')) item.erase(0, 1);
    while (!item.empty() && (item.back() == ' ' || item.back() == '\t')) item.pop_back();
    for (char& c : item) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    if (!item.empty()) out.push_back(std::move(item));
    if (comma == std::string::npos) break;
    pos = comma + 1;
  }
  return out;
}

// The 403 of a refused preflight: S3 names the method asked for and what the URL addresses.
Outcome Forbidden(const OperationContext& ctx, std::string message, const std::string& method, bool object) {
  S3Error e = make_error(ErrorCode::AccessForbidden, std::move(message));
  e.extra_xml = "<Method>" + XmlEscape(method) + "</Method><ResourceType>" + (object ? "OBJECT" : "BUCKET") +
                "</ResourceType>";
  return Done(ErrorResponse(e, ctx.request_id, false));
}

}  // namespace

Outcome PutBucketCors(OperationContext& ctx) {
  storage::BucketInfo info;
  if (auto e = AuthorizeBucketOwner(ctx, &info)) return Fail(ctx, *e);
  return BufferedBody(
      ctx, kMaxCorsBody,
      [ctx](std::string body) mutable {
        auto config = ParseCorsConfiguration(body);
        if (auto* e = std::get_if<S3Error>(&config)) return Fail(ctx, *e).response;
        std::string stored = CorsConfigurationXml(std::get<CorsConfiguration>(config));
        auto st = ctx.engine.UpdateBucket(ctx.address.bucket, [&](storage::BucketInfo& b) { b.cors = stored; });
        if (!st.ok()) return Fail(ctx, FromStorage(st)).response;
        return Response{};
      });
}

Outcome GetBucketCors(OperationContext& ctx) {
  storage::BucketInfo info;
  if (auto e = AuthorizeBucketOwner(ctx, &info)) return Fail(ctx, *e);
  if (info.cors.empty()) return Fail(ctx, WithBucketName(make_error(ErrorCode::NoSuchCORSConfiguration), info.name));
  return Done(XmlResponse(200, info.cors));
}

Outcome DeleteBucketCors(OperationContext& ctx) {
  return DeleteBucketConfiguration(ctx, [](storage::BucketInfo& b) { b.cors.clear(); });
}

Outcome OptionsObject(OperationContext& ctx) {
  const std::string* origin = ctx.request.Header("origin");
  if (!origin) return Fail(ctx, ErrorCode::BadRequest, "Insufficient information. Origin request header needed.");
  std::string method = ctx.request.HeaderOr("access-control-request-method", "OPTIONS");
  auto bucket = ctx.address.bucket.empty() ? storage::Result<storage::BucketInfo>(storage::Status(
                                                 storage::Code::NoSuchBucket, "no bucket"))
                                           : ctx.engine.GetBucket(ctx.address.bucket);
  if (!bucket.ok()) return Forbidden(ctx, "CORSResponse: Bucket not found", method, false);
  if (bucket->cors.empty()) return Forbidden(ctx, "CORSResponse: CORS is not enabled for this bucket.", method, false);
  auto config = ParseCorsConfiguration(bucket->cors);
  if (!std::holds_alternative<CorsConfiguration>(config)) return Fail(ctx, ErrorCode::InternalError);
  auto requested = RequestedHeaders(ctx.request);
  const CorsRule* rule = MatchCorsRule(std::get<CorsConfiguration>(config), *origin, method, requested);
  if (!rule) return Forbidden(ctx, "", method, !ctx.address.key.empty());
  Response r;
  AddCorsHeaders(r, *rule, *origin, &requested);
  return Done(std::move(r));
}

std::vector<std::pair<std::string, std::string>> CorsHeadersForActualRequest(storage::Engine& engine,
                                                                            const Request& request,
                                                                            const std::string& bucket) {
  const std::string* origin = request.Header("origin");
  if (!origin || bucket.empty()) return {};
  auto info = engine.GetBucket(bucket);
  if (!info.ok() || info->cors.empty()) return {};
  auto config = ParseCorsConfiguration(info->cors);
  if (!std::holds_alternative<CorsConfiguration>(config)) return {};
  // An Access-Control-Request-Method on an actual request decides the match, as on S3; the
  // request's headers are not checked.
  std::string method = request.HeaderOr("access-control-request-method", request.method);
  const CorsRule* rule = MatchCorsRule(std::get<CorsConfiguration>(config), *origin, method, {});
  if (!rule) return {};
  Response r;
  AddCorsHeaders(r, *rule, *origin, nullptr);
  return std::move(r.headers);
}

}  // namespace xs3::api
