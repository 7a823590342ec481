#pragma once
// Canned ACLs (x-amz-acl) and the AccessControlPolicy documents of Get/PutBucketAcl and
// Get/PutObjectAcl, with S3 Object Ownership and Block Public Access deciding which ACLs a
// bucket takes. xs3 stores an ACL as the canned name it is equivalent to; grants that no canned
// ACL expresses are not supported.
#include <optional>
#include <string>
#include <string_view>
#include <variant>

#include "common/s3_error.h"
#include "storage/engine.h"

namespace xs3::api {

enum class AclTarget { Bucket, Object };

// A canned ACL name valid for the target, or InvalidArgument. "private" comes back as "".
std::variant<std::string, S3Error> ParseCannedAcl(std::string_view name, AclTarget target);

// Why `bucket` refuses to take `canned` (already parsed): AccessControlListNotSupported when
// Object Ownership is BucketOwnerEnforced and the ACL grants more than owner full control,
// AccessDenied when Block Public Access blocks public ACLs.
std::optional<S3Error> RefuseAcl(const storage::BucketInfo& bucket, const std::string& canned);

// The ACL in effect: none (private) while the bucket enforces owner-only access.
std::string EffectiveAcl(const storage::BucketInfo& bucket, const std::string& stored);

// True when `canned` lets everyone (anonymous) read, or any signed-in user read.
bool AclGrantsPublicRead(const std::string& canned);
bool AclGrantsAuthenticatedRead(const std::string& canned);

// <AccessControlPolicy> for an owner and a canned ACL (bucket_owner: for bucket-owner-* ACLs).
std::string AccessControlPolicyXml(const std::string& owner, const std::string& canned,
                                   const std::string& bucket_owner);

// The canned ACL an <AccessControlPolicy> document is equivalent to. MalformedACLError when it
// is not such a document, NotImplemented when no canned ACL expresses its grants.
std::variant<std::string, S3Error> CannedAclFromXml(std::string_view body, const std::string& owner,
                                                    const std::string& bucket_owner, AclTarget target);

}  // namespace xs3::api
