#pragma once
// The Engine implementation: wires LmdbEnv (metadata), BlobStore (bodies), GroupCommitWriter
// (all LMDB writes) and the flat index together. See engine.h for the contract.
#include <atomic>
#include <memory>
#include <optional>
#include <string>
#include <unordered_set>
#include <vector>

#include "storage/blob_store.h"
#include "storage/data_dir_lock.h"
#include "storage/engine.h"
#include "storage/group_commit_writer.h"
#include "storage/lmdb_env.h"

namespace xs3::storage {

// Left in the data dir by a clean shutdown: every blob file is referenced, no sweep needed.
constexpr const char* kCleanShutdownMarker = "clean-shutdown";

// Helpers shared by engine.cc and multipart.cc.
int64_t NowMs();
// Inline bytes allowed in a record whose index entry is grouped (KeyIsGrouped).
constexpr size_t kMaxInlineBodyInGroup = 1024;
Status NoSuchBucket(const std::string& name);
// NoSuchBucket for an invalid bucket name, InvalidArgument for a key outside 1..1,024 bytes.
Status ValidateObject(const std::string& bucket, const std::string& key);
// Every blob id a record references.
std::vector<std::string> BlobsOf(const ObjectRecord& r);
// A single extent becomes inline_body / blob_id; empty extents are dropped.
void NormalizeExtents(ObjectRecord* r);
// Bytes stored inside the record (inline_body plus inline extents).
uint64_t InlineBytes(const ObjectRecord& r);
// Adds the blob ids of every upload part to *referenced (multipart.cc).
Status CollectPartBlobs(MDB_txn* txn, MDB_dbi parts, std::unordered_set<std::string>* referenced);
// A new version id: 32 characters of [A-Za-z0-9_-] from 192 random bits (versioning.cc).
std::string NewVersionId();
// Every blob id the metadata references: object records of both indexes and upload parts.
Status CollectReferencedBlobs(MDB_txn* txn, const LmdbEnv& env, std::unordered_set<std::string>* referenced);

class EngineImpl final : public Engine {
 public:
  // read_only: the env was opened with MDB_RDONLY; every write answers IoError / Detail::ReadOnly.
  EngineImpl(const EngineOptions& options, std::unique_ptr<DataDirLock> lock, std::unique_ptr<LmdbEnv> env,
             bool read_only = false);
  ~EngineImpl() override;

  // Recovery: empties tmp/; removes unreferenced blobs unless the previous process left the
  // clean-shutdown marker (always_sweep: regardless). Called once by Open().
  Status Recover(bool always_sweep);

  Status CreateBucket(const BucketInfo& info) override;
  Status DeleteBucket(const std::string& name) override;
  Status SetBucketPolicy(const std::string& name, const std::string& policy) override;
  Status UpdateBucket(const std::string& name, const std::function<void(BucketInfo&)>& change) override;
  EngineStats Stats() override;
  Result<BucketInfo> GetBucket(const std::string& name) override;
  Result<std::vector<BucketInfo>> ListBuckets() override;

  Result<std::unique_ptr<BodyWriter>> NewBodyWriter() override;
  Status PutObject(const std::string& bucket, const std::string& key, std::unique_ptr<BodyWriter> writer,
                   ObjectMeta meta, const WriteConditions& conditions, VersionOutcome* outcome) override;
  Result<ObjectRecord> GetObject(const std::string& bucket, const std::string& key) override;
  Result<std::unique_ptr<BodyReader>> OpenBody(const ObjectRecord& record) override;
  Status DeleteObject(const std::string& bucket, const std::string& key, const DeleteOptions& options,
                      VersionOutcome* outcome) override;
  Status CopyObject(const std::string& src_bucket, const std::string& src_key, const std::string& dst_bucket,
                    const std::string& dst_key, ObjectMeta meta, const WriteConditions& conditions,
                    VersionOutcome* outcome, const std::optional<std::string>& src_version_id) override;
  Result<ListResult> ListObjects(const std::string& bucket, const ListOptions& options) override;
  Status UpdateObjectMeta(const std::string& bucket, const std::string& key,
                          const std::function<void(ObjectMeta&)>& change, const WriteConditions& conditions,
                          const std::optional<std::string>& version_id) override;
  Result<ObjectRecord> GetObjectVersion(const std::string& bucket, const std::string& key,
                                        const std::string& version_id) override;
  Result<ObjectRecord> GetLatestVersion(const std::string& bucket, const std::string& key) override;
  Result<ListVersionsResult> ListObjectVersions(const std::string& bucket, const ListVersionsOptions& options) override;
  Status AppendObject(const std::string& bucket, const std::string& key, uint64_t write_offset,
                      std::unique_ptr<BodyWriter> writer, ObjectMeta meta_updates,
                      const WriteConditions& conditions) override;
  Status RenameObject(const std::string& bucket, const std::string& src_key, const std::string& dst_key,
                      const WriteConditions& dst_conditions,
                      const std::optional<std::string>& src_if_match_etag) override;
  Result<Extent> SealExtent(std::unique_ptr<BodyWriter> writer) override;
  Status PublishExtents(const std::string& bucket, const std::string& key, std::vector<Extent> extents,
                        ObjectMeta meta, const WriteConditions& conditions, VersionOutcome* outcome) override;
  void DiscardExtent(const Extent& extent) override;

  Result<std::string> CreateMultipartUpload(const std::string& bucket, const std::string& key,
                                            ObjectMeta meta) override;
  Result<MultipartUpload> GetMultipartUpload(const std::string& bucket, const std::string& key,
                                             const std::string& upload_id) override;
  Status PutUploadPart(const std::string& bucket, const std::string& key, const std::string& upload_id,
                       UploadPart part) override;
  Result<std::vector<UploadPart>> ListUploadParts(const std::string& bucket, const std::string& key,
                                                  const std::string& upload_id, uint32_t part_number_marker,
                                                  size_t max_parts) override;
  Status CompleteMultipartUpload(const std::string& bucket, const std::string& key, const std::string& upload_id,
                                 const std::vector<uint32_t>& part_numbers, ObjectMeta meta,
                                 const WriteConditions& conditions, VersionOutcome* outcome) override;
  Status AbortMultipartUpload(const std::string& bucket, const std::string& key,
                              const std::string& upload_id) override;
  Result<ListUploadsResult> ListMultipartUploads(const std::string& bucket,
                                                 const ListUploadsOptions& options) override;

  GroupCommitWriter& writer_for_test() { return *writer_; }
  BlobStore& blobs_for_test() { return blobs_; }

 private:
  // Publishes `record` at bucket/key under `conditions` through the writer; on success the
  // replaced object's blob is unlinked after the commit. On a failure that certainly left the
  // record unpublished, the record's own blob is removed.
  Status Publish(const std::string& bucket, const std::string& key, ObjectRecord record,
                 const WriteConditions& conditions, VersionOutcome* outcome);
  // Inside a write txn: checks `conditions` against the current bucket/key, stores `record`
  // there (`value` is its encoding, made here when empty or when the bucket's versioning asks
  // for another version id; its blobs are `new_blobs`), and either moves the replaced object to
  // the key's version chain or schedules the unlinking (after the commit) of its other blobs.
  // Publish's core, also used by CompleteMultipartUpload.
  Status PublishInTxn(WriteTxn& t, const BucketInfo& bucket_info, const std::string& key, ObjectRecord& record,
                      std::string& value, const std::vector<std::string>& new_blobs,
                      const WriteConditions& conditions, VersionOutcome* outcome);
  // Inside a write txn: NoSuchBucket unless the bucket exists.
  Status CheckBucket(MDB_txn* txn, const std::string& bucket) const;
  // The bucket's record; NoSuchBucket if absent.
  Result<BucketInfo> BucketOf(MDB_txn* txn, const std::string& bucket) const;
  // The bucket's type; NoSuchBucket if absent.
  Result<BucketType> TypeOf(MDB_txn* txn, const std::string& bucket) const;

  // ---- Versioning (versioning.cc) ----
  // A key's noncurrent versions and delete markers, newest first (empty when it has none).
  Status LoadChain(MDB_txn* txn, const std::string& bucket, const std::string& key, std::vector<ObjectRecord>* chain,
                   bool with_body = true) const;
  Status StoreChain(MDB_txn* txn, const std::string& bucket, const std::string& key,
                    const std::vector<ObjectRecord>& chain) const;
  // Schedules the unlinking of a dropped version's blobs after the commit.
  void FreeAfterCommit(WriteTxn& t, const ObjectRecord& record, const std::vector<std::string>& keep = {});
  // Inside a write txn: the versioned DeleteObject paths (options.version_id set, or a bucket
  // with versioning).
  Status DeleteVersionInTxn(WriteTxn& t, const BucketInfo& info, const std::string& key, const std::string& version_id,
                            VersionOutcome* outcome);
  Status AddDeleteMarkerInTxn(WriteTxn& t, const BucketInfo& info, const std::string& key, const std::string& owner,
                              VersionOutcome* outcome);
  // Inline bytes a record of bucket/key may carry: smaller for grouped keys (KeyIsGrouped) and in
  // versioned buckets, whose noncurrent versions share one LMDB value per key.
  size_t InlineLimit(const BucketInfo& info, const std::string& key) const;
  // The bucket's record read outside any write, or a default one when it cannot be read (the
  // write transaction then fails on the missing bucket anyway).
  BucketInfo PeekBucket(const std::string& bucket) const;
  // The object index of either kind, by bucket type (flat_index.h / dir_index.h).
  Status IndexGet(MDB_txn* txn, BucketType type, const std::string& bucket, const std::string& key,
                  std::string* value) const;
  Status IndexPut(MDB_txn* txn, BucketType type, const std::string& bucket, const std::string& key,
                  std::string_view value) const;
  Status IndexDelete(MDB_txn* txn, BucketType type, const std::string& bucket, const std::string& key) const;
  // Moves inline bytes (inline_body or inline extents) to blobs when they exceed `limit`.
  Status EnforceInlineLimit(ObjectRecord* record, size_t limit);
  // True when bucket/key's index entry shares an LMDB value with other keys (key_codec.h for
  // general-purpose buckets, dir_index.h for directory buckets): its inline bytes are capped.
  bool KeyIsGrouped(const std::string& bucket, const std::string& key) const;
  bool KeyIsGrouped(const BucketInfo& info, const std::string& key) const;
  // Removes every blob of `record` (a record that will never be published).
  void RemoveBlobs(const ObjectRecord& record) const;
  // After a failed write: true when its new blobs are certainly unreferenced and may be removed
  // now; false when the commit's outcome is unknown, which also asks the next start to sweep.
  bool Discardable(const Status& failed_write);

  // ---- Multipart uploads (multipart.cc) ----
  // The upload `upload_id` of bucket/key; NoSuchUpload unless it exists for that very key.
  Status LoadUpload(MDB_txn* txn, const std::string& bucket, const std::string& key, const std::string& upload_id,
                    MultipartUpload* out) const;
  // Inside a write txn: deletes the upload's record and its parts; their blobs are unlinked after
  // the commit except those in `keep`.
  Status DropUpload(WriteTxn& t, const std::string& bucket, const std::string& upload_id,
                    const std::vector<std::string>& keep = {});
  // True if the bucket has an upload in progress.
  Result<bool> BucketHasUploads(MDB_txn* txn, const std::string& bucket) const;
  // Inside a write txn: aborts every upload of the bucket (DeleteBucket of a general-purpose bucket).
  Status DropBucketUploads(WriteTxn& t, const std::string& bucket);

  EngineOptions options_;
  std::unique_ptr<DataDirLock> lock_;  // first in, last out: held until everything below is closed
  std::unique_ptr<LmdbEnv> env_;
  BlobStore blobs_;
  std::unique_ptr<GroupCommitWriter> writer_;
  bool read_only_;
  std::atomic<bool> sweep_needed_{false};  // see Discardable()
  bool recovered_ = false;  // Recover() ran: tmp/ emptied and every blob file referenced
};

}  // namespace xs3::storage
