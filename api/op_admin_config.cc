// GET /_xs3/config: the effective configuration (config/schema.h), secrets masked.
#include "api/admin_response.h"
#include "config/schema.h"

namespace xs3::api {

Outcome AdminConfig(OperationContext& ctx) {
  if (auto denied = RequireRoot(ctx)) return std::move(*denied);
  if (ctx.request.method != "GET") return AdminError(ctx, 405, "MethodNotAllowed", "GET shows the configuration");
  nlohmann::json out = config::ToJson(ctx.config);
  nlohmann::json users = nlohmann::json::array();
  for (auto& u : ctx.users.List()) users.push_back({{"name", u.name}, {"source", u.from_config ? "config" : "admin"}});
  out["users"] = users;
  return AdminJson(200, out);
}

}  // namespace xs3::api
