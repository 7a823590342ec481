#pragma once
// The admin API (/_xs3/...) speaks JSON, not S3 XML: it is for the `xs3` CLI and scripts.
// Errors are {"code": ..., "message": ..., "request_id": ...} with an HTTP status; the codes
// follow IAM's names where IAM has the same situation (EntityAlreadyExists, NoSuchEntity...).
#include <nlohmann/json.hpp>
#include <string>

#include "api/operation.h"

namespace xs3::api {

Outcome AdminJson(int status, const nlohmann::json& body);
Outcome AdminError(const OperationContext& ctx, int status, const std::string& code, const std::string& message);
// Root only; nullopt when the caller may go on.
std::optional<Outcome> RequireRoot(const OperationContext& ctx);
// The S3 error of a storage failure, as an admin JSON error.
Outcome AdminStorageError(const OperationContext& ctx, const storage::Status& status);

}  // namespace xs3::api
