#pragma once
// The IAM action each routed S3 operation is authorized as (the names Classify in service.cc
// gives operations), and whether its resource is the object ARN or the bucket ARN.
#include <optional>
#include <string_view>

namespace xs3::api {

struct IamAction {
  std::string_view action;  // "s3:GetObject"
  bool object_level = false;  // resource arn:aws:s3:::bucket/key, else arn:aws:s3:::bucket
};

// nullopt for operations no bucket policy governs (ListBuckets, the admin API, CreateSession).
std::optional<IamAction> IamActionFor(std::string_view operation);

}  // namespace xs3::api
