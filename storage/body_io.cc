#include "storage/body_io.h"

#include <fcntl.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>

namespace xs3::storage {

namespace {
// Small appends gather into one write of this size; appends at least kDirectWrite long (the
// server's body reads are 256 KiB) go to the file as they are, without the copy.
constexpr size_t kWriteChunk = size_t{1} << 20;
constexpr size_t kDirectWrite = size_t{64} << 10;
// Every this many bytes, start the writeback of what was just written: a large body's dirty
// pages never pile up until the kernel's dirty limit throttles every writer at once (three 4 GiB
// relaxed checkpoints in a row: 0.72-0.89 GB/s without write-behind, 0.86-1.01 with it), and the
// fsync at Finish() waits for the last stretch only. When the disk is slower than the network,
// sync_file_range itself blocks once the device's request queue is full: that is the flow
// control. Also waiting for the window before (tried) held up the I/O thread, and every
// connection on it, while the device still had room: 4 GiB checkpoints, 6 interleaved pairs,
// 0.78 vs 0.89 GB/s in fsync mode and 0.89 vs 1.01 relaxed, the faster without the wait each time.
// A small window leaves less for each part's fsync to wait for: 2 vs 8 MiB, 12 interleaved pairs
// of 4 GiB fsync-mode checkpoints, median 1.04 vs 0.97 GB/s (9 pairs of 12); relaxed unchanged.
constexpr uint64_t kWriteBehind = uint64_t{2} << 20;
}  // namespace

SpillingBodyWriter::~SpillingBodyWriter() {
  if (fd_ >= 0) ::close(fd_);
  if (!tmp_path_.empty()) ::unlink(tmp_path_.c_str());
}

Status SpillingBodyWriter::Append(const char* data, size_t len) {
  if (!error_.ok()) return error_;
  if (fd_ < 0 && tmp_path_.empty()) {
    if (buffer_.size() + len <= threshold_) {
      buffer_.append(data, len);
      size_ += len;
      return Status::OK();
    }
    if (Status s = Spill(); !s.ok()) return error_ = s;
  }
  if (fd_ < 0) return error_ = Status(Code::InvalidArgument, "Append after Finish");
  size_ += len;
  if (buffer_.size() + len < kWriteChunk && len < kDirectWrite) {
    buffer_.append(data, len);
    return Status::OK();
  }
  if (Status s = Flush(); !s.ok()) return error_ = s;
  if (len >= kDirectWrite) {
    if (Status s = WriteAll(data, len); !s.ok()) return error_ = s;
  } else {
    buffer_.append(data, len);
  }
  return Status::OK();
}

Status SpillingBodyWriter::Spill() {
  tmp_path_ = store_->TmpPath(BlobStore::NewId());
  fd_ = ::open(tmp_path_.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0644);
  if (fd_ < 0) {
    Status s = ErrnoStatus("create " + tmp_path_);
    tmp_path_.clear();
    return s;
  }
  Status s = Flush();
  buffer_.reserve(kWriteChunk);
  return s;
}

Status SpillingBodyWriter::Flush() {
  Status s = WriteAll(buffer_.data(), buffer_.size());
  buffer_.clear();
  return s;
}

Status SpillingBodyWriter::WriteAll(const char* data, size_t len) {
  while (len > 0) {
    ssize_t n = ::write(fd_, data, len);
    if (n < 0) {
      if (errno == EINTR) continue;
      return ErrnoStatus("write " + tmp_path_);
    }
    data += n;
    len -= static_cast<size_t>(n);
    written_ += static_cast<uint64_t>(n);
  }
  if (written_ - write_behind_ >= kWriteBehind) {
    // Flow control, not durability: errors surface at the fsync, which is what durability rests on.
    (void)::sync_file_range(fd_, static_cast<off_t>(write_behind_), static_cast<off_t>(written_ - write_behind_),
                            SYNC_FILE_RANGE_WRITE);
    write_behind_ = written_;
  }
  return Status::OK();
}

Status SpillingBodyWriter::Finish() {
  if (!error_.ok()) return error_;
  if (fd_ < 0) return Status::OK();  // inline, or already finished
  Status s = Flush();
  if (s.ok()) s = store_->Sync(fd_, tmp_path_);
  if (::close(fd_) != 0 && s.ok()) s = ErrnoStatus("close " + tmp_path_);
  fd_ = -1;
  std::string().swap(buffer_);
  if (!s.ok()) error_ = s;
  return s;
}

Result<size_t> InlineBodyReader::ReadAt(uint64_t offset, char* buf, size_t len) const {
  if (offset >= body_.size()) return size_t{0};
  size_t n = std::min<uint64_t>(len, body_.size() - offset);
  std::memcpy(buf, body_.data() + offset, n);
  return n;
}

FileBodyReader::~FileBodyReader() { ::close(fd_); }

Result<size_t> FileBodyReader::ReadAt(uint64_t offset, char* buf, size_t len) const {
  for (;;) {
    ssize_t n = ::pread(fd_, buf, len, static_cast<off_t>(offset));
    if (n >= 0) return static_cast<size_t>(n);
    if (errno != EINTR) return ErrnoStatus("pread");
  }
}

ExtentBodyReader::ExtentBodyReader(std::vector<Piece> pieces) : pieces_(std::move(pieces)) {
  starts_.reserve(pieces_.size());
  for (const Piece& p : pieces_) {
    starts_.push_back(size_);
    size_ += p.size;
  }
}

ExtentBodyReader::~ExtentBodyReader() {
  for (const Piece& p : pieces_) {
    if (p.fd >= 0) ::close(p.fd);
  }
}

size_t ExtentBodyReader::PieceAt(uint64_t offset) const {
  // The last piece starting at or before `offset`: empty pieces share their start with the next
  // one, so this lands past them.
  return static_cast<size_t>(std::upper_bound(starts_.begin(), starts_.end(), offset) - starts_.begin()) - 1;
}

FileSpan ExtentBodyReader::SpanAt(uint64_t offset) const {
  if (offset >= size_) return {};
  size_t i = PieceAt(offset);
  const Piece& p = pieces_[i];
  uint64_t in_piece = offset - starts_[i];
  if (p.fd < 0) return {-1, 0, p.size - in_piece};
  return {p.fd, in_piece, p.size - in_piece};
}

Result<size_t> ExtentBodyReader::ReadAt(uint64_t offset, char* buf, size_t len) const {
  if (offset >= size_ || len == 0) return size_t{0};
  size_t i = PieceAt(offset);
  size_t done = 0;
  while (done < len && i < pieces_.size()) {
    const Piece& p = pieces_[i];
    uint64_t in_piece = offset - starts_[i];
    if (in_piece >= p.size) {
      ++i;
      continue;
    }
    size_t want = static_cast<size_t>(std::min<uint64_t>(len - done, p.size - in_piece));
    size_t got = 0;
    if (p.fd < 0) {
      std::memcpy(buf + done, p.data.data() + in_piece, want);
      got = want;
    } else {
      for (;;) {
        ssize_t n = ::pread(p.fd, buf + done, want, static_cast<off_t>(in_piece));
        if (n >= 0) {
          got = static_cast<size_t>(n);
          break;
        }
        if (errno != EINTR) return ErrnoStatus("pread");
      }
      if (got == 0) return Status(Code::IoError, "extent blob shorter than its recorded size");
    }
    done += got;
    offset += got;
    if (got == want) ++i;
  }
  return done;
}

}  // namespace xs3::storage
