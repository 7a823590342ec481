#include "api/initial_buckets.h"

#include <algorithm>

#include "api/bucket_name.h"
#include "api/directory_bucket_name.h"

namespace xs3::api {

std::optional<storage::BucketInfo> BucketInfoFor(const config::Config& config, const std::string& name,
                                                 const std::string& owner, std::string* error) {
  storage::BucketInfo info;
  info.name = name;
  info.region = config.region;
  info.owner = owner;
  if (HasDirectorySuffix(name)) {
    auto zone = DirectoryBucketZone(name);
    auto zones = config::EffectiveZones(config);
    if (!zone) {
      *error = "invalid directory bucket name '" + name + "'";
      return std::nullopt;
    }
    if (!zones.empty() && std::find(zones.begin(), zones.end(), *zone) == zones.end()) {
      *error = "bucket '" + name + "': zone " + *zone + " is not offered in " + config.region;
      return std::nullopt;
    }
    info.type = storage::BucketType::Directory;
    info.zone = *zone;
  } else if (!IsValidBucketName(name)) {
    *error = "invalid bucket name '" + name + "'";
    return std::nullopt;
  }
  return info;
}

std::string EnsureInitialBuckets(const config::Config& config, storage::Engine& engine) {
  for (const std::string& name : config.buckets) {
    std::string error;
    auto info = BucketInfoFor(config, name, config.users.at(0).name, &error);
    if (!info) return error;
    auto st = engine.CreateBucket(*info);
    if (!st.ok() && st.code() != storage::Code::BucketExists) return "bucket '" + name + "': " + st.message();
  }
  return {};
}

}  // namespace xs3::api
