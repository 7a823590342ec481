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
// The action S3 checks instead when the request names a version (?versionId=):
// s3:GetObject -> s3:GetObjectVersion, ...; other actions unchanged.
std::string_view VersionedAction(std::string_view action);

}  // namespace xs3::api
