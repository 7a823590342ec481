#include "api/iam_actions.h"

#include <array>
#include <utility>

namespace xs3::api {
namespace {

struct Row {
  std::string_view operation;
  IamAction iam;
};

// As the S3 API reference lists each operation's permission. Deleting a configuration is
// authorized as putting it where S3 has no separate Delete action (tagging, CORS, lifecycle,
// ownership controls, public access block). DeleteObjects is admitted on the bucket's objects as
// a whole (arn:aws:s3:::bucket/*); op_delete_objects.cc then applies a Deny key by key.
constexpr std::array kTable = {
    Row{"CreateBucket", {"s3:CreateBucket", false}},
    Row{"DeleteBucket", {"s3:DeleteBucket", false}},
    Row{"HeadBucket", {"s3:ListBucket", false}},
    Row{"ListObjects", {"s3:ListBucket", false}},
    Row{"ListObjectsV2", {"s3:ListBucket", false}},
    Row{"GetBucketLocation", {"s3:GetBucketLocation", false}},
    Row{"GetBucketVersioning", {"s3:GetBucketVersioning", false}},
    Row{"PutBucketVersioning", {"s3:PutBucketVersioning", false}},
    Row{"ListObjectVersions", {"s3:ListBucketVersions", false}},
    Row{"PutBucketPolicy", {"s3:PutBucketPolicy", false}},
    Row{"GetBucketPolicy", {"s3:GetBucketPolicy", false}},
    Row{"DeleteBucketPolicy", {"s3:DeleteBucketPolicy", false}},
    Row{"GetBucketPolicyStatus", {"s3:GetBucketPolicyStatus", false}},
    Row{"PutBucketTagging", {"s3:PutBucketTagging", false}},
    Row{"GetBucketTagging", {"s3:GetBucketTagging", false}},
    Row{"DeleteBucketTagging", {"s3:PutBucketTagging", false}},
    Row{"PutBucketCors", {"s3:PutBucketCORS", false}},
    Row{"GetBucketCors", {"s3:GetBucketCORS", false}},
    Row{"DeleteBucketCors", {"s3:PutBucketCORS", false}},
    Row{"GetBucketAcl", {"s3:GetBucketAcl", false}},
    Row{"PutBucketAcl", {"s3:PutBucketAcl", false}},
    Row{"GetBucketEncryption", {"s3:GetEncryptionConfiguration", false}},
    Row{"PutBucketEncryption", {"s3:PutEncryptionConfiguration", false}},
    Row{"DeleteBucketEncryption", {"s3:PutEncryptionConfiguration", false}},
    Row{"GetBucketOwnershipControls", {"s3:GetBucketOwnershipControls", false}},
    Row{"PutBucketOwnershipControls", {"s3:PutBucketOwnershipControls", false}},
    Row{"DeleteBucketOwnershipControls", {"s3:PutBucketOwnershipControls", false}},
    Row{"GetPublicAccessBlock", {"s3:GetBucketPublicAccessBlock", false}},
    Row{"PutPublicAccessBlock", {"s3:PutBucketPublicAccessBlock", false}},
    Row{"DeletePublicAccessBlock", {"s3:PutBucketPublicAccessBlock", false}},
    Row{"PutBucketLifecycleConfiguration", {"s3:PutLifecycleConfiguration", false}},
    Row{"GetBucketLifecycleConfiguration", {"s3:GetLifecycleConfiguration", false}},
    Row{"DeleteBucketLifecycle", {"s3:PutLifecycleConfiguration", false}},
    Row{"ListMultipartUploads", {"s3:ListBucketMultipartUploads", false}},
    Row{"DeleteObjects", {"s3:DeleteObject", true}},
    Row{"GetObject", {"s3:GetObject", true}},
    Row{"HeadObject", {"s3:GetObject", true}},
    Row{"GetObjectAttributes", {"s3:GetObjectAttributes", true}},
    Row{"PutObject", {"s3:PutObject", true}},
    Row{"CopyObject", {"s3:PutObject", true}},
    Row{"CreateMultipartUpload", {"s3:PutObject", true}},
    Row{"UploadPart", {"s3:PutObject", true}},
    Row{"UploadPartCopy", {"s3:PutObject", true}},
    Row{"CompleteMultipartUpload", {"s3:PutObject", true}},
    Row{"AbortMultipartUpload", {"s3:AbortMultipartUpload", true}},
    Row{"ListParts", {"s3:ListMultipartUploadParts", true}},
    Row{"DeleteObject", {"s3:DeleteObject", true}},
    Row{"GetObjectAcl", {"s3:GetObjectAcl", true}},
    Row{"PutObjectAcl", {"s3:PutObjectAcl", true}},
    Row{"GetObjectTagging", {"s3:GetObjectTagging", true}},
    Row{"PutObjectTagging", {"s3:PutObjectTagging", true}},
    Row{"DeleteObjectTagging", {"s3:DeleteObjectTagging", true}},
};

// Object actions that S3 authorizes under another name when the request names a version.
constexpr std::array<std::pair<std::string_view, std::string_view>, 9> kVersionActions = {{
    {"s3:GetObject", "s3:GetObjectVersion"},
    {"s3:DeleteObject", "s3:DeleteObjectVersion"},
    {"s3:GetObjectAcl", "s3:GetObjectVersionAcl"},
    {"s3:PutObjectAcl", "s3:PutObjectVersionAcl"},
    {"s3:GetObjectTagging", "s3:GetObjectVersionTagging"},
    {"s3:PutObjectTagging", "s3:PutObjectVersionTagging"},
    {"s3:DeleteObjectTagging", "s3:DeleteObjectVersionTagging"},
    {"s3:GetObjectAttributes", "s3:GetObjectVersionAttributes"},
    {"s3:GetObjectRetention", "s3:GetObjectVersionRetention"},
}};

}  // namespace

std::string_view VersionedAction(std::string_view action) {
  for (auto& [plain, versioned] : kVersionActions)
    if (plain == action) return versioned;
  return action;
}

std::optional<IamAction> IamActionFor(std::string_view operation) {
  for (auto& row : kTable)
    if (row.operation == operation) return row.iam;
  return std::nullopt;
}

}  // namespace xs3::api
