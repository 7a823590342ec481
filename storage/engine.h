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
//  - S3 keys up to 1,024 bytes are stored although LMDB's key limit is 511 bytes (see key_codec.h).
//
// Thread-safety: every public method may be called from any thread concurrently.
#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "storage/status.h"

namespace xs3::storage {

enum class Durability { Fsync, Relaxed };

struct EngineOptions {
  std::string data_dir;
  Durability durability = Durability::Fsync;
  size_t inline_threshold = 64 * 1024;  // bodies up to this size live inside the LMDB record
  size_t map_size = size_t{64} << 30;   // LMDB map size (virtual; grows the file lazily)
};

enum class BucketType : uint8_t { GeneralPurpose = 0, Directory = 1 };

struct BucketInfo {
  std::string name;
  std::string region;
  std::string owner;  // user id of the creator
  int64_t created_ms = 0;
  BucketType type = BucketType::GeneralPurpose;
  std::string zone;  // directory buckets: availability zone id, e.g. "use1-az4"
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
};

// Where the bytes are. Filled by the engine; callers treat it as opaque except for reading.
struct ObjectRecord {
  ObjectMeta meta;
  std::string inline_body;  // the body when stored inline (size <= inline_threshold)
  std::string blob_id;      // non-empty when the body is a blob file
};

// Conditions checked inside the write transaction that publishes a PUT/COPY.
struct WriteConditions {
  bool if_none_match_star = false;          // fail with PreconditionFailed if the key exists
  std::optional<std::string> if_match_etag;  // fail with PreconditionFailed unless current etag equals (or NoSuchKey if absent)
};

// Streams one body to disk. Bytes are buffered in memory up to inline_threshold, then spill to
// a tmp/ file. Not thread-safe; one writer per request.
class BodyWriter {
 public:
  virtual ~BodyWriter() = default;
  virtual Status Append(const char* data, size_t len) = 0;
  virtual uint64_t size() const = 0;
};

// Reads a stored body. Thread-safe for concurrent ReadAt calls.
class BodyReader {
 public:
  virtual ~BodyReader() = default;
  virtual uint64_t size() const = 0;
  // Reads up to len bytes at offset; returns bytes read (0 at end) or an IoError.
  virtual Result<size_t> ReadAt(uint64_t offset, char* buf, size_t len) const = 0;
  // For sendfile: the open file descriptor, or -1 when the body is inline.
  virtual int fd() const = 0;
};

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

class Engine {
 public:
  // Opens or creates the data directory, runs recovery, starts the writer thread.
  static Result<std::unique_ptr<Engine>> Open(const EngineOptions& options);
  virtual ~Engine() = default;

  // Buckets
  virtual Status CreateBucket(const BucketInfo& info) = 0;      // BucketExists if present
  virtual Status DeleteBucket(const std::string& name) = 0;     // NoSuchBucket, BucketNotEmpty
  virtual Result<BucketInfo> GetBucket(const std::string& name) = 0;  // NoSuchBucket
  virtual Result<std::vector<BucketInfo>> ListBuckets() = 0;    // sorted by name

  // Objects
  virtual Result<std::unique_ptr<BodyWriter>> NewBodyWriter() = 0;
  // Publishes the body written by `writer` as bucket/key with `meta` (size is taken from the
  // writer). Syncs per durability mode before returning. The writer is consumed.
  virtual Status PutObject(const std::string& bucket, const std::string& key, std::unique_ptr<BodyWriter> writer,
                           ObjectMeta meta, const WriteConditions& conditions = {}) = 0;
  virtual Result<ObjectRecord> GetObject(const std::string& bucket, const std::string& key) = 0;  // NoSuchBucket, NoSuchKey
  // NoSuchKey if the blob is gone: the object was replaced or deleted after `record` was read.
  virtual Result<std::unique_ptr<BodyReader>> OpenBody(const ObjectRecord& record) = 0;
  // GetObject + OpenBody without that race: when the body vanished because the object was
  // replaced or deleted in between, the record is read again, so NoSuchKey means really absent.
  // Prefer this for GET. (Added to the original contract; non-virtual, built on the two above.)
  Result<OpenedObject> OpenObject(const std::string& bucket, const std::string& key);
  // Deleting a missing key is not an error (S3 semantics); NoSuchBucket is.
  virtual Status DeleteObject(const std::string& bucket, const std::string& key) = 0;
  // Server-side copy sharing the blob (hard link or reference count) rather than copying bytes.
  // `meta` is the destination's complete metadata (the caller applies COPY/REPLACE rules).
  virtual Status CopyObject(const std::string& src_bucket, const std::string& src_key, const std::string& dst_bucket,
                            const std::string& dst_key, ObjectMeta meta, const WriteConditions& conditions = {}) = 0;
  virtual Result<ListResult> ListObjects(const std::string& bucket, const ListOptions& options) = 0;
};

}  // namespace xs3::storage
