#pragma once
#include <string_view>

namespace xs3::api {

// General-purpose bucket naming rules (S3 User Guide, "General purpose bucket naming rules").
bool IsValidBucketName(std::string_view name);

}  // namespace xs3::api
