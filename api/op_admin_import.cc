// /_xs3/import: copies a general-purpose bucket's prefix into a directory bucket server-side,
// sharing the blobs (hard links, as CopyObject), so no byte is copied whatever the size.
//   GET  /_xs3/import?source=B&prefix=P                       what an import would take: objects, bytes
//   POST /_xs3/import?source=B&prefix=P&target=D[&start-after=K][&max-keys=N]
//        one page (N <= 1000 objects, in key order after K); the answer names the next start-after,
//        so a client shows progress and a failure midway resumes where it stopped.
// Keys keep their names. Objects that cannot exist in a directory bucket (a key that is also
// another key's directory, like "a" beside "a/b") are reported in "failed" and skipped; the rest
// go on. An object replaced during the import is copied as it is when its page runs.
#include "api/admin_response.h"

namespace xs3::api {
namespace {

constexpr size_t kMaxPage = 1000;

}  // namespace

Outcome AdminImport(OperationContext& ctx) {
  if (auto denied = RequireRoot(ctx)) return std::move(*denied);
  const std::string& m = ctx.request.method;
  const std::string* source = ctx.Query("source");
  if (!source || source->empty()) return AdminError(ctx, 400, "InvalidArgument", "source=<bucket> is required");
  auto src = ctx.engine.GetBucket(*source);
  if (!src.ok()) return AdminStorageError(ctx, src.status());
  if (src->type != storage::BucketType::GeneralPurpose) {
    return AdminError(ctx, 400, "InvalidArgument", "the source must be a general-purpose bucket");
  }
  storage::ListOptions list;
  if (auto* p = ctx.Query("prefix")) list.prefix = *p;

  if (m == "GET") {
    uint64_t objects = 0, bytes = 0;
    list.max_keys = kMaxPage;
    for (;;) {
      auto page = ctx.engine.ListObjects(*source, list);
      if (!page.ok()) return AdminStorageError(ctx, page.status());
      for (auto& e : page->objects) {
        ++objects;
        bytes += e.meta.size;
      }
      if (!page->is_truncated) break;
      list.start_after = page->next_marker;
    }
    return AdminJson(200, {{"source", *source}, {"prefix", list.prefix}, {"objects", objects}, {"bytes", bytes}});
  }
  if (m != "POST") return AdminError(ctx, 405, "MethodNotAllowed", "GET sizes an import, POST runs a page of it");

  const std::string* target = ctx.Query("target");
  if (!target || target->empty()) return AdminError(ctx, 400, "InvalidArgument", "target=<directory bucket> is required");
  auto dst = ctx.engine.GetBucket(*target);
  if (!dst.ok()) return AdminStorageError(ctx, dst.status());
  if (dst->type != storage::BucketType::Directory) {
    return AdminError(ctx, 400, "InvalidArgument", "the target must be a directory bucket");
  }
  list.max_keys = kMaxPage;
  if (auto* n = ctx.Query("max-keys")) {
    char* end = nullptr;
    unsigned long v = std::strtoul(n->c_str(), &end, 10);
    if (n->empty() || *end || v == 0) return AdminError(ctx, 400, "InvalidArgument", "max-keys must be 1..1000");
    list.max_keys = std::min<size_t>(v, kMaxPage);
  }
  if (auto* a = ctx.Query("start-after")) list.start_after = *a;
  auto page = ctx.engine.ListObjects(*source, list);
  if (!page.ok()) return AdminStorageError(ctx, page.status());

  uint64_t imported = 0, bytes = 0;
  nlohmann::json failed = nlohmann::json::array();
  for (auto& e : page->objects) {
    storage::ObjectMeta meta = e.meta;
    meta.storage_class = "EXPRESS_ONEZONE";
    auto st = ctx.engine.CopyObject(*source, e.key, *target, e.key, meta);
    if (st.code() == storage::Code::NoSuchKey) continue;  // deleted since the listing
    if (!st.ok()) {
      S3Error err = FromStorage(st);
      failed.push_back({{"key", e.key}, {"code", err.code_name()}, {"message", st.message()}});
      continue;
    }
    ++imported;
    bytes += e.meta.size;
  }
  nlohmann::json out = {{"imported", imported},
                        {"bytes", bytes},
                        {"failed", failed},
                        {"is_truncated", page->is_truncated}};
  if (page->is_truncated) out["next_start_after"] = page->next_marker;
  return AdminJson(200, out);
}

}  // namespace xs3::api
