#include "api/admin_response.h"

namespace xs3::api {

Outcome AdminJson(int status, const nlohmann::json& body) {
  Response r;
  r.status = status;
  r.body = body.dump(2) + "\n";
  r.SetHeader("Content-Type", "application/json");
  return Done(std::move(r));
}

Outcome AdminError(const OperationContext& ctx, int status, const std::string& code, const std::string& message) {
  return AdminJson(status, {{"code", code}, {"message", message}, {"request_id", ctx.request_id}});
}

std::optional<Outcome> RequireRoot(const OperationContext& ctx) {
  if (ctx.IsRoot()) return std::nullopt;
  return AdminError(ctx, 403, "AccessDenied", "The admin API is for the root user only.");
}

Outcome AdminStorageError(const OperationContext& ctx, const storage::Status& status) {
  S3Error e = FromStorage(status);
  std::string message = e.code == ErrorCode::InternalError ? status.message() : e.effective_message();
  return AdminError(ctx, e.http_status(), std::string(e.code_name()), message);
}

}  // namespace xs3::api
