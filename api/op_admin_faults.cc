// /_xs3/faults: the fault-injection schedule at runtime (api/fault_injector.h). Root only: GET
// shows it (with how often each rule fired), PUT replaces it, DELETE clears it.
#include "api/operation.h"

namespace xs3::api {

Outcome AdminFaults(OperationContext& ctx) {
  if (!ctx.IsRoot()) return Fail(ctx, ErrorCode::AccessDenied);
  const std::string& m = ctx.request.method;
  if (m == "GET") {
    Response r;
    r.body = ctx.faults.ScheduleJson();
    r.SetHeader("Content-Type", "application/json");
    return Done(std::move(r));
  }
  if (m == "DELETE") {
    ctx.faults.SetSchedule("");
    Response r;
    r.status = 204;
    return Done(std::move(r));
  }
  if (m != "PUT") return Fail(ctx, ErrorCode::MethodNotAllowed);
  return BufferedBody(
      ctx, 1 << 20,
      [ctx](std::string body) mutable {
        if (auto e = ctx.faults.SetSchedule(body)) return Fail(ctx, ErrorCode::InvalidArgument, *e).response;
        Response r;
        r.status = 204;
        return r;
      });
}

}  // namespace xs3::api
