#pragma once
// What every operation handler gets: the request, who made it, what it addresses.
#include <functional>
#include <set>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "api/acl.h"
#include "api/addressing.h"
#include "api/fault_injector.h"
#include "api/idempotency_cache.h"
#include "api/request.h"
#include "api/service.h"
#include "auth/bucket_policy.h"
#include "auth/session_token.h"
#include "auth/sigv4.h"
#include "auth/user_directory.h"
#include "config/config.h"
#include "storage/engine.h"

namespace xs3::api {

struct OperationContext {
  Request request;
  std::string request_id;
  Address address;
  std::vector<std::pair<std::string, std::string>> query;
  auth::AuthContext auth;
  const config::Config& config;
  storage::Engine& engine;
  auth::UserDirectory& users;
  const auth::SessionTokenIssuer& sessions;
  IdempotencyCache& client_tokens;
  FaultInjector& faults;
  // Set when the request was signed with CreateSession credentials (x-amz-s3session-token).
  std::optional<auth::SessionClaims> session;
  // The bucket's policy Allows this request (api/bucket_policy_check.h).
  bool policy_allows = false;
  // A policy within the caller's account Allows it: the caller may act as the bucket's owner.
  bool account_allows = false;

  const std::string* Query(std::string_view name) const {
    for (auto& [k, v] : query)
      if (k == name) return &v;
    return nullptr;
  }
  bool HasQuery(std::string_view name) const { return Query(name) != nullptr; }
  bool IsHead() const { return request.method == "HEAD"; }
  bool IsRoot() const { return auth.user == users.root(); }
  // The bucket's owner may: root, the owner, or a caller a policy of the owner's account allows.
  bool ActsAsOwner(const std::string& owner) const {
    return owner == auth.user || IsRoot() || (account_allows && !session);
  }
  bool IsDirectoryBucket() const;
};

// Shared steps, named once.
S3Error FromStorage(const storage::Status& status);
Outcome Fail(const OperationContext& ctx, S3Error error);
// The error with the <BucketName> S3 adds to NoSuchBucket and the NoSuch...Configuration errors.
S3Error WithBucketName(S3Error error, const std::string& bucket);
Outcome Fail(const OperationContext& ctx, ErrorCode code, std::string message = {});
Outcome Done(Response response);
enum class BucketAccess { FromMethod, Read, Write };
// Looks the bucket up and checks the caller may use it: its owner, the root user, a session for
// it, or (directory buckets) a principal the bucket policy grants sessions to.
std::optional<S3Error> AuthorizeBucket(const OperationContext& ctx, const std::string& bucket,
                                       storage::BucketInfo* info = nullptr,
                                       BucketAccess access = BucketAccess::FromMethod);
// AuthorizeBucket, then only the bucket's owner, root, or a caller a policy of the bucket's
// account allows (ctx.account_allows): the bucket-configuration operations.
std::optional<S3Error> AuthorizeBucketOwner(const OperationContext& ctx, storage::BucketInfo* info);
// Delete* of a bucket configuration (tagging, CORS, lifecycle, encryption, ownership controls,
// public access block): AuthorizeBucketOwner, `clear` resets the field, 204 whether or not there
// was one, as S3 answers.
Outcome DeleteBucketConfiguration(OperationContext& ctx, const std::function<void(storage::BucketInfo&)>& clear);
std::set<std::string> KnownUsers(const OperationContext& ctx);
std::optional<auth::BucketPolicy> ParsePolicy(const OperationContext& ctx, const std::string& document);
std::string CanonicalUserId(const std::string& user);
std::string QuoteETag(const std::string& etag);
// Directory buckets' ETags: opaque and unique per write, not a digest of the bytes.
std::string RandomETag();

std::string BucketArn(const OperationContext& ctx, const std::string& bucket);

// Operations, one file each (api/op_*.cc).
Outcome CreateSession(OperationContext& ctx);
Outcome AdminFaults(OperationContext& ctx);  // GET/PUT/DELETE /_xs3/faults (root only)
// The admin API for the `xs3` CLI (JSON, root only): api/op_admin_*.cc.
Outcome AdminUsers(OperationContext& ctx);
Outcome AdminBuckets(OperationContext& ctx);
Outcome AdminImport(OperationContext& ctx);
Outcome AdminConfig(OperationContext& ctx);
Outcome ListDirectoryBuckets(OperationContext& ctx);
Outcome ListBuckets(OperationContext& ctx);
Outcome CreateBucket(OperationContext& ctx);
Outcome DeleteBucket(OperationContext& ctx);
Outcome HeadBucket(OperationContext& ctx);
Outcome GetBucketLocation(OperationContext& ctx);
Outcome GetBucketVersioning(OperationContext& ctx);
Outcome PutBucketVersioning(OperationContext& ctx);
Outcome ListObjectVersions(OperationContext& ctx);
Outcome PutBucketPolicy(OperationContext& ctx);
Outcome GetBucketPolicy(OperationContext& ctx);
Outcome DeleteBucketPolicy(OperationContext& ctx);
Outcome GetBucketPolicyStatus(OperationContext& ctx);  // general-purpose buckets only
Outcome PutBucketTagging(OperationContext& ctx);
Outcome GetBucketTagging(OperationContext& ctx);
Outcome DeleteBucketTagging(OperationContext& ctx);
Outcome PutBucketCors(OperationContext& ctx);
Outcome GetBucketCors(OperationContext& ctx);
Outcome DeleteBucketCors(OperationContext& ctx);
Outcome OptionsObject(OperationContext& ctx);  // the CORS preflight, unauthenticated
// Access-Control-* headers for a request with an Origin that one of the bucket's CORS rules
// allows; empty otherwise.
std::vector<std::pair<std::string, std::string>> CorsHeadersForActualRequest(storage::Engine& engine,
                                                                            const Request& request,
                                                                            const std::string& bucket);
Outcome GetBucketAcl(OperationContext& ctx);
Outcome PutBucketAcl(OperationContext& ctx);
Outcome GetBucketEncryption(OperationContext& ctx);
Outcome PutBucketEncryption(OperationContext& ctx);
Outcome DeleteBucketEncryption(OperationContext& ctx);
Outcome GetBucketOwnershipControls(OperationContext& ctx);
Outcome PutBucketOwnershipControls(OperationContext& ctx);
Outcome DeleteBucketOwnershipControls(OperationContext& ctx);
Outcome GetPublicAccessBlock(OperationContext& ctx);
Outcome PutPublicAccessBlock(OperationContext& ctx);
Outcome DeletePublicAccessBlock(OperationContext& ctx);
Outcome ListObjects(OperationContext& ctx, bool v2);
Outcome PutBucketLifecycleConfiguration(OperationContext& ctx);
Outcome GetBucketLifecycleConfiguration(OperationContext& ctx);
Outcome DeleteBucketLifecycle(OperationContext& ctx);
Outcome PutObject(OperationContext& ctx);
Outcome PostObject(OperationContext& ctx);  // browser-form upload (presigned POST)
Outcome GetObject(OperationContext& ctx);  // HeadObject too
Outcome GetObjectAttributes(OperationContext& ctx);
Outcome DeleteObject(OperationContext& ctx);
Outcome GetObjectAcl(OperationContext& ctx);
Outcome PutObjectAcl(OperationContext& ctx);
// x-amz-acl or x-amz-grant-* of PutObject, CopyObject, CreateMultipartUpload into meta.acl, as
// `bucket`'s Object Ownership and Block Public Access allow (op_acl.cc).
std::optional<S3Error> ReadAclHeaders(const OperationContext& ctx, const storage::BucketInfo& bucket,
                                      storage::ObjectMeta& meta);
// Whether an ACL (an object's, or the bucket's) of a resource owned by `owner` grants this caller
// (anonymous, or a user the bucket does not admit) `permission`, as the bucket's settings allow.
bool GrantedThroughAcl(const OperationContext& ctx, const storage::BucketInfo& bucket, const std::string& acl,
                       const std::string& owner, AclPermission permission);
// AuthorizeBucket for ctx's bucket, or when that denies access, the bucket ACL's `permission`:
// READ lists, WRITE puts and deletes objects, READ_ACP reads the bucket's ACL.
std::optional<S3Error> AuthorizeBucketOrAcl(const OperationContext& ctx, storage::BucketInfo* info,
                                            AclPermission permission,
                                            BucketAccess access = BucketAccess::FromMethod);
Outcome PutObjectTagging(OperationContext& ctx);
Outcome GetObjectTagging(OperationContext& ctx);
Outcome DeleteObjectTagging(OperationContext& ctx);
Outcome DeleteObjects(OperationContext& ctx);
Outcome CopyObject(OperationContext& ctx);
Outcome RenameObject(OperationContext& ctx);
Outcome CreateMultipartUpload(OperationContext& ctx);
Outcome UploadPart(OperationContext& ctx);
Outcome UploadPartCopy(OperationContext& ctx);
Outcome CompleteMultipartUpload(OperationContext& ctx);
Outcome AbortMultipartUpload(OperationContext& ctx);
Outcome ListParts(OperationContext& ctx);
Outcome ListMultipartUploads(OperationContext& ctx);

// Collects a small body (XML, JSON) through the body pipeline, then calls `done` for the
// response; a body the pipeline refuses up front (bad checksum headers) fails right away.
Outcome BufferedBody(OperationContext& ctx, size_t limit, std::function<Response(std::string body)> done);

}  // namespace xs3::api
