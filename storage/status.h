#pragma once
// Expected storage failures as values (LevelDB's Status idea). storage/ knows nothing of HTTP;
// api/ maps these codes to S3 errors.
#include <cerrno>
#include <string>
#include <utility>

namespace xs3::storage {

enum class Code {
  Ok,
  NoSuchBucket,
  BucketExists,        // a bucket of that name already exists
  BucketNotEmpty,
  NoSuchKey,
  PreconditionFailed,  // If-None-Match: * on an existing key, or If-Match that does not hold
  InvalidArgument,     // e.g. a key the engine cannot store
  IoError,             // the disk failed; the message says how
  WritesStopped,       // an fsync failed earlier: no more writes until restart (LevelDB's rule)
  NoSuchUpload,        // no multipart upload with that id for that bucket and key
  InvalidPart,         // CompleteMultipartUpload names a part that was never uploaded
  NoSuchVersion,       // versioned reads: no version with that id for that key
};

// A finer reason under a Code, for callers that map some failures to specific S3 errors. Kept
// apart from Code so that adding one never breaks an exhaustive switch over Code.
// PathConflict, InvalidWriteOffset and TooManyParts come with Code::InvalidArgument; NoSpace and
// ReadOnly with Code::IoError.
enum class Detail {
  None,
  // Directory buckets: a directory component of the key names an existing object (PUT "a" then
  // PUT "a/b"), or the key names an existing directory (PUT "a/b" then PUT "a").
  PathConflict,
  // AppendObject: the write offset is not the object's current size (AWS: 400 InvalidWriteOffset).
  InvalidWriteOffset,
  // AppendObject: the object already has Engine::kMaxAppendParts parts (AWS: 400 TooManyParts).
  TooManyParts,
  // The data dir's filesystem is full (ENOSPC, EDQUOT). A failed commit with this detail
  // certainly did not happen: LMDB fails while extending its file, before the meta page.
  NoSpace,
  // The data dir's filesystem is read-only (EROFS).
  ReadOnly,
  // A version id that is neither "null" nor one this engine makes.
  InvalidVersionId,
  // The operation names a delete marker, which has no body or metadata to act on.
  DeleteMarker,
};

// The Detail an errno value implies (None for most).
inline Detail DetailOfErrno(int err) {
  if (err == ENOSPC || err == EDQUOT) return Detail::NoSpace;
  if (err == EROFS) return Detail::ReadOnly;
  return Detail::None;
}

class Status {
 public:
  Status() = default;
  Status(Code code, std::string message) : code_(code), message_(std::move(message)) {}
  Status(Code code, Detail detail, std::string message)
      : code_(code), detail_(detail), message_(std::move(message)) {}
  static Status OK() { return {}; }
  bool ok() const { return code_ == Code::Ok; }
  Code code() const { return code_; }
  Detail detail() const { return detail_; }
  const std::string& message() const { return message_; }

 private:
  Code code_ = Code::Ok;
  Detail detail_ = Detail::None;
  std::string message_;
};

// A failed write whose effect on disk is unknown (a commit that failed part-way): the blobs it
// would have referenced must stay until recovery decides. Any other failure changed nothing.
inline bool OutcomeUnknown(const Status& s) { return s.code() == Code::IoError && s.detail() != Detail::NoSpace; }

// A value or the Status that explains why there is none.
template <class T>
class Result {
 public:
  Result(T value) : value_(std::move(value)) {}  // NOLINT: implicit by design
  Result(Status status) : status_(std::move(status)) {}  // NOLINT
  bool ok() const { return status_.ok(); }
  const Status& status() const { return status_; }
  T& value() { return value_; }
  const T& value() const { return value_; }
  T* operator->() { return &value_; }
  const T* operator->() const { return &value_; }

 private:
  Status status_;
  T value_{};
};

}  // namespace xs3::storage
