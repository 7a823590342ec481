// /_xs3/buckets: every bucket of every user, and buckets created on a user's behalf.
//   GET    /_xs3/buckets                    list (name, type, zone, owner, creation, policy?)
//   PUT    /_xs3/buckets/NAME[?owner=USER]  create (directory bucket when NAME ends --zone--x-s3)
//   DELETE /_xs3/buckets/NAME               delete an empty bucket
// Bucket policies go through the S3 API itself (PutBucketPolicy), signed as root.
#include "api/admin_response.h"
#include "api/initial_buckets.h"

namespace xs3::api {

Outcome AdminBuckets(OperationContext& ctx) {
  if (auto denied = RequireRoot(ctx)) return std::move(*denied);
  const std::string& m = ctx.request.method;
  const std::string& key = ctx.address.key;
  if (key == "buckets") {
    if (m != "GET") return AdminError(ctx, 405, "MethodNotAllowed", "GET lists buckets");
    auto buckets = ctx.engine.ListBuckets();
    if (!buckets.ok()) return AdminStorageError(ctx, buckets.status());
    nlohmann::json out = nlohmann::json::array();
    for (auto& b : buckets.value()) {
      out.push_back({{"name", b.name},
                     {"type", b.type == storage::BucketType::Directory ? "directory" : "general-purpose"},
                     {"zone", b.zone},
                     {"region", b.region},
                     {"owner", b.owner},
                     {"created_ms", b.created_ms},
                     {"has_policy", !b.policy.empty()}});
    }
    return AdminJson(200, {{"buckets", out}});
  }
  std::string name = key.substr(std::string("buckets/").size());
  if (m == "PUT") {
    const std::string* owner_arg = ctx.Query("owner");
    std::string owner = owner_arg ? *owner_arg : ctx.users.root();
    if (!ctx.users.Exists(owner)) return AdminError(ctx, 404, "NoSuchEntity", "no user '" + owner + "'");
    std::string error;
    auto info = BucketInfoFor(ctx.config, name, owner, &error);
    if (!info) return AdminError(ctx, 400, "InvalidBucketName", error);
    if (auto st = ctx.engine.CreateBucket(*info); !st.ok()) return AdminStorageError(ctx, st);
    return AdminJson(201, {{"created", name}, {"owner", owner}});
  }
  if (m == "DELETE") {
    if (auto st = ctx.engine.DeleteBucket(name); !st.ok()) return AdminStorageError(ctx, st);
    return AdminJson(200, {{"deleted", name}});
  }
  return AdminError(ctx, 405, "MethodNotAllowed", "PUT creates a bucket, DELETE deletes one");
}

}  // namespace xs3::api
