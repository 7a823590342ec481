#pragma once
// Directory bucket names: "<base>--<zone-id>--x-s3" (S3 User Guide, "Directory bucket naming
// rules"), with the zone id found the way the SDKs' endpoint rules find it.
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace xs3::api {

// True for any name with the directory suffix, valid or not: such a name never names a
// general-purpose bucket.
bool HasDirectorySuffix(std::string_view name);

// The zone id of a well-formed directory bucket name; nullopt otherwise.
std::optional<std::string> DirectoryBucketZone(std::string_view name);

}  // namespace xs3::api
