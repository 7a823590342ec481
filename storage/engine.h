#pragma once
// The storage engine: one LMDB environment for metadata plus a blob directory for large bodies.
//
// Layout under <data_dir>:
//   meta/            LMDB environment (data.mdb, lock.mdb)
//   blobs/xx/yy/<id> body files, fan-out by the id's first hex digits
//   tmp/             bodies being written; everything here is garbage at startup
//
// Invariants:
//  - An object is visible only once its metadata commit is durable (durability = fsync).
//    Blob bodies are written to tmp/, fsync'd, renamed into blobs/ and their directory fsync'd
//    before the metadata that references them is committed.
//  - A crash at any instant leaves the old object or the new one, never a mix; Open() removes
//    tmp/ files and blobs that no record references.
//  - All LMDB writes go through one writer thread that group-commits: concurrent callers' mutations
//    are applied in one transaction and one sync, then every caller is acknowledged.
//  - After a failed fsync the engine refuses writes (Code::WritesStopped) until reopened.
//  - A full disk fails the writes that need space (IoError, Detail::NoSpace) and nothing else.
//  - A data dir on a read-only filesystem opens for reads; writes fail (IoError, Detail::ReadOnly).
//  - S3 keys up to 1,024 bytes are stored although LMDB's key limit is 511 bytes (see key_codec.h).
//
// Thread-safety: every public method may be called from any thread concurrently.
#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "storage/status.h"

namespace xs3::storage {

enum class Durability { Fsync, Relaxed };

struct EngineOptions {
  std::string data_dir;
  Durability durability = Durability::Fsync;
  size_t inline_threshold = 64 * 1024;  // bodies up to this size live inside the LMDB record
  size_t map_size = size_t{64} << 30;   // LMDB map size (virtual; grows the file lazily)
  // What Open() does about files a previous process left behind. tmp/ is always emptied (a
  // cheap directory listing) except with Skip. The unreferenced-blob sweep reads every object
  // record, O(objects) before the first request is served, so it runs only when the previous
  // process did not leave the clean-shutdown marker (a crash, a kill, a failed commit).
  enum class Recovery {
    Skip,              // neither: fsck opens this way so that AuditBlobs can report them
    AfterUncleanStop,  // what a server start does
    Always,            // sweep even after a clean stop (fsck --repair)
  };
  Recovery recovery = Recovery::AfterUncleanStop;
};

enum class BucketType : uint8_t { GeneralPurpose = 0, Directory = 1 };

// S3 Block Public Access settings of a bucket.
struct PublicAccessBlock {
  bool block_public_acls = false;
  bool ignore_public_acls = false;
  bool block_public_policy = false;
  bool restrict_public_buckets = false;
  bool operator==(const PublicAccessBlock&) const = default;
};

struct BucketInfo {
  std::string name;
  std::string region;
  std::string owner;  // user id of the creator
  int64_t created_ms = 0;
  BucketType type = BucketType::GeneralPurpose;
  std::string zone;  // directory buckets: availability zone id, e.g. "use1-az4"
  std::string policy;  // the bucket policy document as the owner put it; empty: none
  // Bucket tagging; nullopt: no tag set (GetBucketTagging answers NoSuchTagSet), which differs
  // from an empty one.
  std::optional<std::vector<std::pair<std::string, std::string>>> tags;
  std::string cors;  // the CORS configuration as validated XML (api/cors.h); empty: none
  std::string acl;   // canned ACL ("public-read", ...); empty: private
  // Object Ownership (BucketOwnerEnforced | BucketOwnerPreferred | ObjectWriter); nullopt: the
  // bucket has no OwnershipControls (ACLs apply, as with ObjectWriter). Buckets stored before
  // this field existed read as BucketOwnerEnforced, S3's default since 2023.
  std::optional<std::string> object_ownership = "BucketOwnerEnforced";
  std::optional<PublicAccessBlock> public_access_block;  // nullopt: no configuration
  std::string lifecycle;  // the lifecycle configuration as validated XML (api/lifecycle.h); empty: none
  // S3 versioning: "" (never enabled), "Enabled" or "Suspended". General-purpose buckets only;
  // once enabled a bucket never returns to "".
  std::string versioning;
  // Default encryption (Put/GetBucketEncryption) as validated XML (api/op_bucket_encryption.cc);
  // empty: S3's default, SSE-S3 without a bucket key.
  std::string encryption;
};

// SSE-C: how a body was encrypted with the customer's key, which is never stored (api/sse_customer.h).
struct SseCustomer {
  // Random per object (per upload for multipart); the key's HMAC and the cipher key derive from it.
  std::string salt;
  std::string key_hmac;  // HMAC-SHA256 of the customer key over the salt: checks the key a request brings
  // The AES-256-CTR IV of each piece of the body: one for a plain body, one per extent (part).
  std::vector<std::string> ivs;
  bool operator==(const SseCustomer&) const = default;
};

// Everything S3 stores about an object except its bytes.
struct ObjectMeta {
  uint64_t size = 0;
  std::string etag;  // without quotes
  int64_t mtime_ms = 0;
  std::string owner;
  std::string content_type;
  std::string content_encoding;
  std::string content_disposition;
  std::string content_language;
  std::string cache_control;
  std::string expires;
  std::string storage_class;  // empty means STANDARD
  std::vector<std::pair<std::string, std::string>> user_meta;  // lower-case name without x-amz-meta-
  std::map<std::string, std::string> checksums;  // "CRC32" | "CRC32C" | "CRC64NVME" | "SHA1" | "SHA256" -> base64
  std::string checksum_type;                     // "FULL_OBJECT" or "COMPOSITE" when checksums is non-empty
  std::vector<std::pair<std::string, std::string>> tags;  // object tagging, in the order given
  std::string acl;  // canned ACL ("public-read", ...); empty: private
  std::string version_id;      // empty: S3's "null" version (every object of a never-versioned bucket)
  bool delete_marker = false;  // a delete marker of a versioned bucket: no body, size 0
  std::optional<SseCustomer> sse_customer;  // the body is ciphertext under a customer key (SSE-C)
};

// One piece of a body stored as a list of extents (appended objects; later multipart manifests).
struct Extent {
  uint64_t size = 0;
  std::string blob_id;      // non-empty: the piece is this whole blob file (`size` bytes)
  std::string inline_data;  // otherwise the bytes themselves (size == inline_data.size())
};

// Where the bytes are. Filled by the engine; callers treat it as opaque except for reading.
// A body is exactly one of: inline_body (may be empty), a blob (blob_id), or, when `extents` is
// non-empty, the concatenation of the extents (then inline_body and blob_id are empty).
struct ObjectRecord {
  ObjectMeta meta;
  std::string inline_body;  // the body when stored inline (size <= inline_threshold)
  std::string blob_id;      // non-empty when the body is a blob file
  std::vector<Extent> extents;  // non-empty for multi-piece bodies (see AppendObject)
  // Parts the object was assembled from: 0 for a plain PUT/COPY (one part), else the number of
  // appends (counting the creating write) or of multipart parts, plus later appends. AWS caps
  // this at 10,000 for appends (TooManyParts); CopyObject resets it.
  uint32_t part_count = 0;
};

// Conditions checked inside the write transaction that publishes a PUT/COPY.
struct WriteConditions {
  bool if_none_match_star = false;          // fail with PreconditionFailed if the key exists
  std::optional<std::string> if_match_etag;  // fail with PreconditionFailed unless current etag equals (or NoSuchKey if absent)
};

// What a write did in terms of versions, for x-amz-version-id / x-amz-delete-marker.
struct VersionOutcome {
  bool versioned = false;      // the bucket's versioning is Enabled or Suspended: report version_id
  std::string version_id;      // the version written or deleted; "" is "null"
  bool delete_marker = false;  // DeleteObject created, or permanently deleted, a delete marker
  std::string source_version_id;  // CopyObject: the source version copied ("" is "null")
};

struct DeleteOptions {
  // Delete this version permanently ("null": the null version) instead of the current object.
  std::optional<std::string> version_id;
  std::string owner;  // owner of the delete marker a versioned delete creates
};

// Versioned listing (ListObjectVersions). Keys in byte order, each key's versions newest first.
// key_marker alone: start after that key's versions; with version_id_marker: after that version
// of key_marker. max_keys counts versions, delete markers and common prefixes.
struct ListVersionsOptions {
  std::string prefix;
  std::string delimiter;
  std::string key_marker;
  std::string version_id_marker;  // "null" names the null version
  size_t max_keys = 1000;
};

struct VersionEntry {
  std::string key;
  ObjectMeta meta;  // meta.version_id, meta.delete_marker
  bool is_latest = false;
};

struct ListVersionsResult {
  std::vector<VersionEntry> versions;
  std::vector<std::string> common_prefixes;
  bool is_truncated = false;
  std::string next_key_marker;         // the last key or common prefix returned
  std::string next_version_id_marker;  // its version ("null" for the null version); empty after a common prefix
};

// Streams one body to disk. Bytes are buffered in memory up to inline_threshold, then spill to
// a tmp/ file. Not thread-safe; one writer per request.
class BodyWriter {
 public:
  virtual ~BodyWriter() = default;
  virtual Status Append(const char* data, size_t len) = 0;
  virtual uint64_t size() const = 0;
};

// Where a stretch of a body lies on disk, for sendfile: bytes [offset, offset + length) of the
// body are bytes [file_offset, file_offset + length) of fd. fd is -1 when those bytes are not
// stored as they are sent (inline, encrypted); length still says how far the stretch runs.
struct FileSpan {
  int fd = -1;
  uint64_t file_offset = 0;
  uint64_t length = 0;
};

// Reads a stored body. Thread-safe for concurrent ReadAt calls.
class BodyReader {
 public:
  virtual ~BodyReader() = default;
  virtual uint64_t size() const = 0;
  // Reads up to len bytes at offset; returns bytes read (0 at end) or an IoError.
  virtual Result<size_t> ReadAt(uint64_t offset, char* buf, size_t len) const = 0;
  // The stretch holding `offset` (< size()), as far as it runs in one piece: a blob body is one
  // stretch, a multipart object one per part.
  virtual FileSpan SpanAt(uint64_t offset) const = 0;
};

// Directory buckets (BucketType::Directory) list in *walk order*, not byte order:
//  - Entries of one directory come in byte order of their names (the path component), and a
//    sub-directory sits at its name's place: with delimiter "/" it is the common prefix
//    "<dir>/<name>/"; without a delimiter the walk descends into it there (depth first). So
//    "a/x" (inside directory "a") comes before "a.txt" because "a" < "a.txt", although
//    "a.txt" < "a/x" bytewise. Equivalently: keys ordered by their '/'-split component lists,
//    compared component by component. Empty directories do not exist.
//  - delimiter must be empty or "/" (else InvalidArgument). With "/" only the directory named by
//    the prefix is read (a range scan of that directory, whatever the bucket size).
//  - prefix "a/b/" (or "") selects a directory; a prefix whose last component is partial
//    ("a/b/fo") walks directory "a/b/" keeping the entries whose names start with "fo".
//  - start_after is a *position token*: the engine's next_marker of a previous page with the
//    same prefix and delimiter (api passes it opaquely inside the continuation token). It is the
//    last key or common prefix returned; the listing resumes right after that position in walk
//    order (after the whole directory for a common prefix), even if it was deleted meanwhile.
//    (Read as a key, its position is well defined for any string; api should still not accept
//    StartAfter from clients for directory buckets, as AWS does not.)
//  - Keys ending in '/' (folder markers) are the entry "" of their directory, so "a/" comes
//    first among "a/..." — listed as an object with prefix "a/", rolled into the common prefix
//    "a/" from its parent.
//  - max_keys counts objects plus common prefixes; is_truncated is exact.
struct ListOptions {
  std::string prefix;
  std::string delimiter;   // empty: no grouping
  std::string start_after; // exclusive lower bound on keys (also used for v1 marker and continuation)
  size_t max_keys = 1000;
};

struct ListEntry {
  std::string key;
  ObjectMeta meta;
};

struct ListResult {
  std::vector<ListEntry> objects;
  std::vector<std::string> common_prefixes;
  bool is_truncated = false;
  // The last key or common prefix returned: the exclusive start of the next page.
  std::string next_marker;
};

// A record together with its opened body (see Engine::OpenObject).
struct OpenedObject {
  ObjectRecord record;
  std::unique_ptr<BodyReader> body;
};

// Multipart uploads. The upload remembers the metadata given at creation; parts are extents
// (SealExtent) owned by the upload until it completes (they become the object's extents, no
// byte copied) or is aborted (their blobs are freed). Uploads and their parts survive restarts.
struct MultipartUpload {
  std::string upload_id;
  std::string bucket;
  std::string key;
  ObjectMeta meta;  // as given to CreateMultipartUpload (owner, content headers, checksum algorithm/type)
  int64_t initiated_ms = 0;
};

struct UploadPart {
  uint32_t part_number = 0;  // 1..10,000
  Extent extent;             // size is the part's size
  std::string etag;          // without quotes
  std::string checksum;      // base64 value for the upload's checksum algorithm, or empty
  int64_t mtime_ms = 0;      // set by the engine when 0
  std::string sse_iv;        // SSE-C uploads: the AES-256-CTR IV the part was encrypted with
};

struct ListUploadsOptions {
  std::string prefix;
  std::string key_marker;        // uploads with key > key_marker, or key == key_marker and
  std::string upload_id_marker;  // upload_id > upload_id_marker
  size_t max_uploads = 1000;
};

struct ListUploadsResult {
  std::vector<MultipartUpload> uploads;  // sorted by key, then initiation time, then upload id
  bool is_truncated = false;
};

// Health and load of the engine, for metrics and readiness.
struct EngineStats {
  uint64_t map_size_bytes = 0;       // the LMDB map's configured size
  uint64_t map_used_bytes = 0;       // pages in use times the page size
  uint64_t batches_committed = 0;    // group commits (one sync each in fsync mode)
  uint64_t mutations_committed = 0;  // writes those batches carried
  bool writes_stopped = false;       // a commit failed: read-only until restart
  bool read_only = false;            // the data dir is on a read-only filesystem: reads only
};

// The blob files of a data dir against what its metadata references (`xs3 fsck`, crash tests).
// Opens LMDB read-only beside a running server; meaningful while no write is in flight.
struct BlobAudit {
  uint64_t referenced = 0;            // distinct blob ids the records and upload parts name
  uint64_t files = 0;                 // blob files under blobs/
  std::vector<std::string> orphans;   // files nothing references (recovery removes these)
  std::vector<std::string> missing;   // referenced ids without a file: lost data
  uint64_t tmp_files = 0;             // entries under tmp/ (recovery empties it)
};
Result<BlobAudit> AuditBlobs(const std::string& data_dir);

class Engine {
 public:
  // Opens or creates the data directory, runs recovery, starts the writer thread.
  static Result<std::unique_ptr<Engine>> Open(const EngineOptions& options);
  virtual ~Engine() = default;

  // Buckets
  virtual Status CreateBucket(const BucketInfo& info) = 0;      // BucketExists if present
  virtual Status DeleteBucket(const std::string& name) = 0;     // NoSuchBucket, BucketNotEmpty
  // Replaces the bucket's policy document (empty removes it). NoSuchBucket.
  virtual Status SetBucketPolicy(const std::string& name, const std::string& policy) = 0;
  // Applies `change` to the stored BucketInfo in one write transaction (name, type, owner and
  // creation time are kept whatever it does). NoSuchBucket.
  virtual Status UpdateBucket(const std::string& name, const std::function<void(BucketInfo&)>& change) = 0;
  virtual Result<BucketInfo> GetBucket(const std::string& name) = 0;  // NoSuchBucket
  virtual Result<std::vector<BucketInfo>> ListBuckets() = 0;    // sorted by name
  virtual EngineStats Stats() = 0;

  // Objects
  virtual Result<std::unique_ptr<BodyWriter>> NewBodyWriter() = 0;
  // Publishes the body written by `writer` as bucket/key with `meta` (size is taken from the
  // writer). Syncs per durability mode before returning. The writer is consumed.
  virtual Status PutObject(const std::string& bucket, const std::string& key, std::unique_ptr<BodyWriter> writer,
                           ObjectMeta meta, const WriteConditions& conditions = {},
                           VersionOutcome* outcome = nullptr) = 0;
  virtual Result<ObjectRecord> GetObject(const std::string& bucket, const std::string& key) = 0;  // NoSuchBucket, NoSuchKey
  // NoSuchKey if the blob is gone: the object was replaced or deleted after `record` was read.
  virtual Result<std::unique_ptr<BodyReader>> OpenBody(const ObjectRecord& record) = 0;
  // GetObject + OpenBody without that race: when the body vanished because the object was
  // replaced or deleted in between, the record is read again, so NoSuchKey means really absent.
  // Prefer this for GET. (Added to the original contract; non-virtual, built on the two above.)
  Result<OpenedObject> OpenObject(const std::string& bucket, const std::string& key);
  // Deleting a missing key is not an error (S3 semantics); NoSuchBucket is. In a versioned
  // bucket it adds a delete marker (see Versioning below).
  virtual Status DeleteObject(const std::string& bucket, const std::string& key, const DeleteOptions& options = {},
                              VersionOutcome* outcome = nullptr) = 0;
  // Server-side copy sharing the blob (hard link or reference count) rather than copying bytes.
  // `meta` is the destination's complete metadata (the caller applies COPY/REPLACE rules).
  // src_version_id: copy that version of the source (InvalidArgument + Detail::DeleteMarker when
  // it is a delete marker); NoSuchKey when the source's latest version is a delete marker.
  virtual Status CopyObject(const std::string& src_bucket, const std::string& src_key, const std::string& dst_bucket,
                            const std::string& dst_key, ObjectMeta meta, const WriteConditions& conditions = {},
                            VersionOutcome* outcome = nullptr,
                            const std::optional<std::string>& src_version_id = std::nullopt) = 0;
  virtual Result<ListResult> ListObjects(const std::string& bucket, const ListOptions& options) = 0;
  // Applies `change` to the object's metadata in place, in one write transaction: the body stays,
  // and so do size, ETag, mtime, owner and checksums whatever `change` does (it is for tags and
  // ACLs). `conditions` are checked on the current object. NoSuchBucket, NoSuchKey.
  // version_id: change that version instead (NoSuchVersion; a delete marker: InvalidArgument +
  // Detail::DeleteMarker).
  virtual Status UpdateObjectMeta(const std::string& bucket, const std::string& key,
                                  const std::function<void(ObjectMeta&)>& change,
                                  const WriteConditions& conditions = {},
                                  const std::optional<std::string>& version_id = std::nullopt) = 0;

  // ---- Versioning (general-purpose buckets; BucketInfo::versioning) ----
  //
  // A key's versions are its current object, in the index as in an unversioned bucket, plus its
  // noncurrent versions and delete markers, newest first, in a per-key chain (versions DB). The
  // current object is always the newest version; when the newest is a delete marker the index
  // has no entry, so GetObject, ListObjects and the directory-bucket paths never see versions.
  //  - Enabled: a write gets a new version id and the replaced current object joins the chain;
  //    DeleteObject moves the current object to the chain and adds a delete marker.
  //  - Suspended: writes and delete markers get the null version id (""), replacing the key's
  //    null version wherever it is; versions with ids stay.
  //  - Deleting a version by id removes it for good; when it was the newest, the next one
  //    becomes current (back into the index) unless it is a delete marker.
  // Version ids are 32 characters of [A-Za-z0-9_-]; "null" names the null version. A malformed
  // id is InvalidArgument + Detail::InvalidVersionId.
  static bool ValidVersionId(std::string_view version_id);
  // One version, delete markers included (meta.delete_marker). NoSuchVersion.
  virtual Result<ObjectRecord> GetObjectVersion(const std::string& bucket, const std::string& key,
                                                const std::string& version_id) = 0;
  // The newest version, delete markers included. NoSuchKey when the key has no version.
  virtual Result<ObjectRecord> GetLatestVersion(const std::string& bucket, const std::string& key) = 0;
  // OpenObject for one version; a delete marker comes back with no body (OpenedObject::body null).
  Result<OpenedObject> OpenObjectVersion(const std::string& bucket, const std::string& key,
                                         const std::string& version_id);
  virtual Result<ListVersionsResult> ListObjectVersions(const std::string& bucket,
                                                        const ListVersionsOptions& options) = 0;

  // ---- Additions for directory buckets (S3 Express One Zone) ----
  //
  // Directory buckets keep a hierarchical index: PutObject/CopyObject create missing parent
  // directories, DeleteObject removes directories it leaves empty, ListObjects walks
  // directories (see ListOptions). Keys are split on '/'; an empty component is a name like any
  // other ("a/" is a folder-marker object inside directory "a"). An object and a directory
  // cannot share a path: PUT "a" then "a/b" (or "a/"), or "a/b" then "a", fail with
  // InvalidArgument + Detail::PathConflict.

  // Appends the writer's bytes to bucket/key. write_offset must equal the object's current size
  // (0 creates a missing key), checked in the write transaction: InvalidArgument +
  // Detail::InvalidWriteOffset otherwise; InvalidArgument + Detail::TooManyParts when the object
  // already has kMaxAppendParts parts (part_count) (a missing key is size 0, not NoSuchKey). Existing bytes are
  // never rewritten: the object becomes a list of extents. Metadata: for a new object
  // `meta_updates` is the whole metadata; for an existing one the stored metadata is kept except
  // etag, checksums, checksum_type (replaced when non-empty in meta_updates) and mtime_ms
  // (meta_updates.mtime_ms, or now). The engine sets size = write_offset + appended bytes.
  // `conditions` (e.g. If-Match on the etag api read to combine checksums) are checked on the
  // existing object. Works for any bucket type; api restricts it to directory buckets.
  static constexpr uint32_t kMaxAppendParts = 10000;
  virtual Status AppendObject(const std::string& bucket, const std::string& key, uint64_t write_offset,
                              std::unique_ptr<BodyWriter> writer, ObjectMeta meta_updates,
                              const WriteConditions& conditions = {}) = 0;

  // Moves bucket/src_key to bucket/dst_key in one transaction (record and body unchanged,
  // directories created/removed as needed). NoSuchKey if the source is missing;
  // PreconditionFailed when `dst_conditions` (checked on the destination) or src_if_match_etag
  // (on the source) fail; If-Match on a missing destination is NoSuchKey. Renaming a key to
  // itself succeeds without change. Like AWS, keys ending in '/' cannot be renamed (either side:
  // InvalidArgument). Directory buckets only (InvalidArgument otherwise). Metadata, including
  // mtime, is preserved (AWS keeps creation and last-modified dates).
  virtual Status RenameObject(const std::string& bucket, const std::string& src_key, const std::string& dst_key,
                              const WriteConditions& dst_conditions = {},
                              const std::optional<std::string>& src_if_match_etag = std::nullopt) = 0;

  // Building blocks for objects assembled from separately written pieces (multipart uploads).
  // SealExtent finishes a writer and makes its bytes durable as an extent owned by the caller
  // (inline when small). PublishExtents publishes bucket/key as the concatenation of `extents`
  // (size = their sum, part_count = extents.size(); taking ownership of their blobs, which are
  // removed on a definite failure).
  // DiscardExtent removes an extent's blob that will never be published.
  virtual Result<Extent> SealExtent(std::unique_ptr<BodyWriter> writer) = 0;
  virtual Status PublishExtents(const std::string& bucket, const std::string& key, std::vector<Extent> extents,
                                ObjectMeta meta, const WriteConditions& conditions = {},
                                VersionOutcome* outcome = nullptr) = 0;
  virtual void DiscardExtent(const Extent& extent) = 0;

  // Multipart uploads (see MultipartUpload). All return NoSuchBucket for a missing bucket and
  // NoSuchUpload for an unknown (or completed, or aborted) upload id of that bucket and key.
  virtual Result<std::string> CreateMultipartUpload(const std::string& bucket, const std::string& key,
                                                    ObjectMeta meta) = 0;
  virtual Result<MultipartUpload> GetMultipartUpload(const std::string& bucket, const std::string& key,
                                                     const std::string& upload_id) = 0;
  // Adds or replaces part `part.part_number`, taking ownership of `part.extent` (a replaced
  // part's blob is freed after the commit; on failure the new extent is discarded).
  virtual Status PutUploadPart(const std::string& bucket, const std::string& key, const std::string& upload_id,
                               UploadPart part) = 0;
  // Parts sorted by number, starting after `part_number_marker`, at most `max_parts`. Their
  // extents carry no inline bytes (extent.size is the part's size; reading parts is not a use).
  virtual Result<std::vector<UploadPart>> ListUploadParts(const std::string& bucket, const std::string& key,
                                                          const std::string& upload_id, uint32_t part_number_marker = 0,
                                                          size_t max_parts = 10000) = 0;
  // Publishes bucket/key as the concatenation of the named parts in the given order (the caller
  // has checked order, sizes and ETags), with `meta` (size and part_count are set by the engine),
  // frees the parts not named, and ends the upload, all in one transaction. InvalidPart if a
  // named part does not exist; WriteConditions as for PutObject. With several parts the record
  // has one extent per named part, empty ones included, in order (extent i is part i + 1); a
  // single part is stored as a plain body (no extents).
  virtual Status CompleteMultipartUpload(const std::string& bucket, const std::string& key,
                                         const std::string& upload_id, const std::vector<uint32_t>& part_numbers,
                                         ObjectMeta meta, const WriteConditions& conditions = {},
                                         VersionOutcome* outcome = nullptr) = 0;
  // Ends the upload and frees its parts.
  virtual Status AbortMultipartUpload(const std::string& bucket, const std::string& key,
                                      const std::string& upload_id) = 0;
  virtual Result<ListUploadsResult> ListMultipartUploads(const std::string& bucket,
                                                         const ListUploadsOptions& options) = 0;
};

}  // namespace xs3::storage
