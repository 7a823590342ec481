#include "api/initial_buckets.h"

#include <algorithm>

#include "api/bucket_name.h"
#include "api/directory_bucket_name.h"

namespace xs3::api {

std::string EnsureInitialBuckets(const config::Config& config, storage::Engine& engine) {
  for (const std::string& name : config.buckets) {
    storage::BucketInfo info;
    info.name = name;
    info.region = config.region;
    info.owner = config.users.at(0).name;
    if (HasDirectorySuffix(name)) {
      auto zone = DirectoryBucketZone(name);
      auto zones = config::EffectiveZones(config);
      if (!zone) return "invalid directory bucket name '" + name + "'";
      if (!zones.empty() && std::find(zones.begin(), zones.end(), *zone) == zones.end()) {
        return "bucket '" + name + "': zone " + *zone + " is not offered in " + config.region;
      }
      info.type = storage::BucketType::Directory;
      info.zone = *zone;
    } else if (!IsValidBucketName(name)) {
      return "invalid bucket name '" + name + "'";
    }
    auto st = engine.CreateBucket(info);
    if (!st.ok() && st.code() != storage::Code::BucketExists) return "bucket '" + name + "': " + st.message();
  }
  return {};
}

}  // namespace xs3::api
