// DeleteObject: deleting a key that does not exist succeeds, as in S3. In a versioned bucket it
// adds a delete marker; with ?versionId= it removes that version for good.
#include "api/object_headers.h"
#include "api/operation.h"
#include "api/versioning.h"

namespace xs3::api {

Outcome DeleteObject(OperationContext& ctx) {
  storage::BucketInfo bucket;
  if (auto e = AuthorizeBucketOrAcl(ctx, &bucket, AclPermission::Write)) return Fail(ctx, *e);
  if (auto e = ValidateKey(ctx.address.key)) return Fail(ctx, *e);
  storage::DeleteOptions options;
  options.version_id = RequestedVersion(ctx);
  options.owner = ctx.auth.user;
  storage::VersionOutcome outcome;
  auto st = ctx.engine.DeleteObject(ctx.address.bucket, ctx.address.key, options, &outcome);
  if (!st.ok()) return FailMissingVersion(ctx, st, options.version_id, false);
  Response r;
  r.status = 204;
  // A version deleted by id is reported even in a bucket that was never versioned.
  if (options.version_id) outcome.versioned = true;
  AddDeleteVersionHeaders(r, outcome);
  return Done(std::move(r));
}

}  // namespace xs3::api
