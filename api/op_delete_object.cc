// DeleteObject: deleting a key that does not exist succeeds, as in S3.
#include "api/object_headers.h"
#include "api/operation.h"

namespace xs3::api {

Outcome DeleteObject(OperationContext& ctx) {
  if (auto e = AuthorizeBucket(ctx, ctx.address.bucket)) return Fail(ctx, *e);
  if (auto e = ValidateKey(ctx.address.key)) return Fail(ctx, *e);
  auto st = ctx.engine.DeleteObject(ctx.address.bucket, ctx.address.key);
  if (!st.ok()) return Fail(ctx, FromStorage(st));
  Response r;
  r.status = 204;
  return Done(std::move(r));
}

}  // namespace xs3::api
