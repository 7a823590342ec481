// ListDirectoryBuckets (GET / signed for s3express): the caller's directory buckets, paged by an
// opaque continuation token.
#include <charconv>

#include "api/http_time.h"
#include "api/operation.h"
#include "api/xml_writer.h"
#include "auth/checksum.h"

namespace xs3::api {

Outcome ListDirectoryBuckets(OperationContext& ctx) {
  size_t max = 1000;
  if (auto* m = ctx.Query("max-directory-buckets")) {
    long long n = -1;
    auto [p, ec] = std::from_chars(m->data(), m->data() + m->size(), n);
    if (ec != std::errc() || p != m->data() + m->size() || n < 0 || n > 1000) {
      return Fail(ctx, ErrorCode::InvalidArgument, "max-directory-buckets must be between 0 and 1000");
    }
    max = static_cast<size_t>(n);
  }
  std::string after;
  if (auto* token = ctx.Query("continuation-token")) {
    auto decoded = auth::Base64Decode(*token);
    if (!decoded || decoded->rfind("xs3:", 0) != 0) {
      return Fail(ctx, ErrorCode::InvalidArgument, "The continuation token provided is incorrect");
    }
    after = decoded->substr(4);
  }
  auto buckets = ctx.engine.ListBuckets();
  if (!buckets.ok()) return Fail(ctx, FromStorage(buckets.status()));
  XmlWriter x("ListAllMyDirectoryBucketsResult");
  x.Open("Buckets");
  size_t listed = 0;
  std::string last;
  bool more = false;
  for (auto& b : buckets.value()) {
    if (b.type != storage::BucketType::Directory || b.name <= after) continue;
    if (b.owner != ctx.auth.user && !ctx.IsRoot()) continue;
    if (listed == max) {
      more = true;
      break;
    }
    x.Open("Bucket")
        .Element("Name", b.name)
        .Element("CreationDate", Iso8601Ms(b.created_ms))
        .Element("BucketRegion", b.region)
        .Element("BucketArn", BucketArn(ctx, b.name))
        .Close("Bucket");
    last = b.name;
    ++listed;
  }
  x.Close("Buckets");
  if (more) x.Element("ContinuationToken", auth::Base64Encode("xs3:" + last));
  return Done(XmlResponse(200, x.Finish()));
}

}  // namespace xs3::api
