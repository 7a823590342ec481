#pragma once
// The Engine implementation: wires LmdbEnv (metadata), BlobStore (bodies), GroupCommitWriter
// (all LMDB writes) and the flat index together. See engine.h for the contract.
#include <memory>
#include <string>

#include "storage/blob_store.h"
#include "storage/engine.h"
#include "storage/group_commit_writer.h"
#include "storage/lmdb_env.h"

namespace xs3::storage {

class EngineImpl final : public Engine {
 public:
  EngineImpl(const EngineOptions& options, std::unique_ptr<LmdbEnv> env);
  ~EngineImpl() override;

  // Recovery: empties tmp/, removes unreferenced blobs. Called once by Open().
  Status Recover();

  Status CreateBucket(const BucketInfo& info) override;
  Status DeleteBucket(const std::string& name) override;
  Result<BucketInfo> GetBucket(const std::string& name) override;
  Result<std::vector<BucketInfo>> ListBuckets() override;

  Result<std::unique_ptr<BodyWriter>> NewBodyWriter() override;
  Status PutObject(const std::string& bucket, const std::string& key, std::unique_ptr<BodyWriter> writer,
                   ObjectMeta meta, const WriteConditions& conditions) override;
  Result<ObjectRecord> GetObject(const std::string& bucket, const std::string& key) override;
  Result<std::unique_ptr<BodyReader>> OpenBody(const ObjectRecord& record) override;
  Status DeleteObject(const std::string& bucket, const std::string& key) override;
  Status CopyObject(const std::string& src_bucket, const std::string& src_key, const std::string& dst_bucket,
                    const std::string& dst_key, ObjectMeta meta, const WriteConditions& conditions) override;
  Result<ListResult> ListObjects(const std::string& bucket, const ListOptions& options) override;

  GroupCommitWriter& writer_for_test() { return *writer_; }
  BlobStore& blobs_for_test() { return blobs_; }

 private:
  // Publishes `record` at bucket/key under `conditions` through the writer; on success the
  // replaced object's blob is unlinked after the commit. On a failure that certainly left the
  // record unpublished, the record's own blob is removed.
  Status Publish(const std::string& bucket, const std::string& key, ObjectRecord record,
                 const WriteConditions& conditions);
  // Inside a write txn: NoSuchBucket unless the bucket exists.
  Status CheckBucket(MDB_txn* txn, const std::string& bucket) const;

  EngineOptions options_;
  std::unique_ptr<LmdbEnv> env_;
  BlobStore blobs_;
  std::unique_ptr<GroupCommitWriter> writer_;
};

}  // namespace xs3::storage
