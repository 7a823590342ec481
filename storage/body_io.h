#pragma once
// The engine's BodyWriter and BodyReader implementations.
#include <string>
#include <vector>

#include "storage/blob_store.h"
#include "storage/engine.h"

namespace xs3::storage {

// Buffers up to `threshold` bytes in memory; the first Append that would exceed it moves
// everything to a tmp/ file, then writes go out in large (1 MiB) chunks.
class SpillingBodyWriter final : public BodyWriter {
 public:
  SpillingBodyWriter(const BlobStore* store, size_t threshold) : store_(store), threshold_(threshold) {}
  ~SpillingBodyWriter() override;  // removes an unpublished tmp file

  Status Append(const char* data, size_t len) override;
  uint64_t size() const override { return size_; }

  // Flushes, fsyncs (Fsync mode) and closes the tmp file. Call once, after the last Append.
  Status Finish();
  bool spilled() const { return fd_ >= 0 || !tmp_path_.empty(); }
  const std::string& tmp_path() const { return tmp_path_; }
  // The tmp file was renamed away: the destructor must not unlink it.
  void ReleaseTmp() { tmp_path_.clear(); }
  std::string TakeInline() { return std::move(buffer_); }

 private:
  Status Spill();
  Status Flush();
  Status WriteAll(const char* data, size_t len);

  const BlobStore* store_;
  size_t threshold_;
  uint64_t size_ = 0;
  std::string buffer_;
  std::string tmp_path_;
  int fd_ = -1;
  uint64_t written_ = 0;       // bytes in the tmp file
  uint64_t write_behind_ = 0;  // writeback started up to here
  Status error_;  // sticky
};

class InlineBodyReader final : public BodyReader {
 public:
  explicit InlineBodyReader(std::string body) : body_(std::move(body)) {}
  uint64_t size() const override { return body_.size(); }
  Result<size_t> ReadAt(uint64_t offset, char* buf, size_t len) const override;
  FileSpan SpanAt(uint64_t offset) const override { return {-1, 0, body_.size() - offset}; }

 private:
  std::string body_;
};

class FileBodyReader final : public BodyReader {
 public:
  FileBodyReader(int fd, uint64_t size) : fd_(fd), size_(size) {}  // takes ownership of fd
  ~FileBodyReader() override;
  uint64_t size() const override { return size_; }
  Result<size_t> ReadAt(uint64_t offset, char* buf, size_t len) const override;
  FileSpan SpanAt(uint64_t offset) const override { return {fd_, offset, size_ - offset}; }

 private:
  int fd_;
  uint64_t size_;
};

// A body made of several extents (ObjectRecord::extents): blob pieces by open fd (owned),
// inline pieces by value. Each piece is its own FileSpan.
class ExtentBodyReader final : public BodyReader {
 public:
  struct Piece {
    uint64_t size = 0;
    int fd = -1;       // owned when >= 0
    std::string data;  // when fd < 0
  };
  explicit ExtentBodyReader(std::vector<Piece> pieces);
  ~ExtentBodyReader() override;
  ExtentBodyReader(const ExtentBodyReader&) = delete;
  ExtentBodyReader& operator=(const ExtentBodyReader&) = delete;
  uint64_t size() const override { return size_; }
  Result<size_t> ReadAt(uint64_t offset, char* buf, size_t len) const override;
  FileSpan SpanAt(uint64_t offset) const override;

 private:
  // The piece holding `offset`, skipping empty ones (offset < size_).
  size_t PieceAt(uint64_t offset) const;

  std::vector<Piece> pieces_;
  std::vector<uint64_t> starts_;  // starts_[i] = offset of pieces_[i]
  uint64_t size_ = 0;
};

}  // namespace xs3::storage
