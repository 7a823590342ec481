#pragma once
// ACLs of general-purpose buckets and objects: canned ACLs (x-amz-acl), explicit grants
// (x-amz-grant-* headers and AccessControlPolicy documents) to canonical users and the S3
// groups, with S3 Object Ownership and Block Public Access deciding which ACLs a bucket takes and
// which grants count. An ACL is stored as a string: the canned name it is equivalent to ("" for
// private), or "grants\n" followed by one "PERMISSION user NAME" / "PERMISSION group URI" line
// per grant, in order, for ACLs no canned ACL expresses.
#include <optional>
#include <set>
#include <string>
#include <string_view>
#include <variant>

#include "api/request.h"
#include "common/s3_error.h"
#include "storage/engine.h"

namespace xs3::api {

enum class AclTarget { Bucket, Object };
enum class AclPermission { Read, Write, ReadAcp, WriteAcp };

// A canned ACL name valid for the target, or InvalidArgument. "private" comes back as "".
std::variant<std::string, S3Error> ParseCannedAcl(std::string_view name, AclTarget target);

// The ACL x-amz-acl or the x-amz-grant-* headers ask for (nullopt: neither is present).
// `users` are the user names canonical ids may name.
std::variant<std::optional<std::string>, S3Error> AclFromHeaders(const Request& request, AclTarget target,
                                                                 const std::set<std::string>& users);

// Why `bucket` refuses to take `acl` (already parsed): AccessControlListNotSupported when Object
// Ownership is BucketOwnerEnforced and the ACL grants more than the bucket owner's full control,
// AccessDenied when Block Public Access blocks public ACLs (any grant to AllUsers or
// AuthenticatedUsers).
std::optional<S3Error> RefuseAcl(const storage::BucketInfo& bucket, const std::string& acl);

// Whether `acl` grants anything to AllUsers or AuthenticatedUsers.
bool AclIsPublic(const std::string& acl);

// The ACL in effect: none (private) while the bucket enforces owner-only access.
std::string EffectiveAcl(const storage::BucketInfo& bucket, const std::string& stored);

// Whether `acl` of a resource owned by `owner` grants `permission` (or FULL_CONTROL) to `user`
// (nullopt: anonymous). ignore_public: grants to AllUsers and AuthenticatedUsers do not count.
bool AclAllows(const std::string& acl, const std::string& owner, const std::string& bucket_owner,
               const std::optional<std::string>& user, AclPermission permission, bool ignore_public);

// <AccessControlPolicy> for an owner and an ACL (bucket_owner: for bucket-owner-* ACLs).
std::string AccessControlPolicyXml(const std::string& owner, const std::string& acl, const std::string& bucket_owner);

// The ACL an <AccessControlPolicy> document sets: the canned name when one expresses its grants,
// else the grants as given. MalformedACLError when it is not such a document, InvalidArgument for
// an unknown canonical id or group, MethodNotAllowed for email grantees (as S3 since October 2025).
std::variant<std::string, S3Error> AclFromXml(std::string_view body, const std::string& owner,
                                              const std::string& bucket_owner, AclTarget target,
                                              const std::set<std::string>& users);

}  // namespace xs3::api
