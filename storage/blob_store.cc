#include "storage/blob_store.h"

#include <dirent.h>
#include <fcntl.h>
#include <sys/random.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <filesystem>
#include <system_error>

#include "storage/body_io.h"

namespace xs3::storage {

namespace fs = std::filesystem;

Status ErrnoStatus(const std::string& what) {
  const int err = errno;
  return Status(Code::IoError, DetailOfErrno(err), what + ": " + std::strerror(err));
}

Status BlobStore::Sync(int fd, const std::string& what) const {
  if (!fsync_) return Status::OK();
  int rc = fsync_fn_ ? fsync_fn_(fd) : ::fsync(fd);
  if (rc != 0) return ErrnoStatus("fsync " + what);
  return Status::OK();
}

Status BlobStore::SyncPath(const std::string& path) const {
  if (!fsync_) return Status::OK();
  int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) return ErrnoStatus("open " + path);
  Status s = Sync(fd, path);
  ::close(fd);
  return s;
}

BlobStore::BlobStore(std::string data_dir, bool fsync)
    : data_dir_(std::move(data_dir)), blobs_dir_(data_dir_ + "/blobs"), tmp_dir_(data_dir_ + "/tmp"), fsync_(fsync) {}

Status BlobStore::Init() {
  Status s = EnsureDir(blobs_dir_, data_dir_);
  if (!s.ok()) return s;
  return EnsureDir(tmp_dir_, data_dir_);
}

Status BlobStore::EnsureDir(const std::string& dir, const std::string& parent) const {
  if (::mkdir(dir.c_str(), 0755) == 0) {
    return SyncPath(parent);
  }
  if (errno == EEXIST) return Status::OK();
  return ErrnoStatus("mkdir " + dir);
}

std::string BlobStore::NewId() {
  unsigned char raw[16];
  size_t got = 0;
  while (got < sizeof raw) {
    ssize_t n = ::getrandom(raw + got, sizeof raw - got, 0);
    if (n > 0) got += static_cast<size_t>(n);
  }
  static constexpr char kHex[] = "0123456789abcdef";
  std::string id(32, '0');
  for (size_t i = 0; i < sizeof raw; ++i) {
    id[2 * i] = kHex[raw[i] >> 4];
    id[2 * i + 1] = kHex[raw[i] & 0xF];
  }
  return id;
}

std::string BlobStore::TmpPath(const std::string& id) const { return tmp_dir_ + "/" + id; }

std::string BlobStore::BlobPath(const std::string& id) const {
  return blobs_dir_ + "/" + id.substr(0, 2) + "/" + id.substr(2, 2) + "/" + id;
}

Status BlobStore::Publish(const std::string& tmp_path, const std::string& id) {
  std::string d1 = blobs_dir_ + "/" + id.substr(0, 2);
  std::string d2 = d1 + "/" + id.substr(2, 2);
  Status s = EnsureDir(d1, blobs_dir_);
  if (s.ok()) s = EnsureDir(d2, d1);
  if (!s.ok()) return s;
  std::string dst = d2 + "/" + id;
  if (::rename(tmp_path.c_str(), dst.c_str()) != 0) return ErrnoStatus("rename " + tmp_path + " -> " + dst);
  s = SyncPath(d2);
  if (!s.ok()) ::unlink(dst.c_str());  // never referenced; don't leave it until the next Open()
  return s;
}

Result<std::string> BlobStore::WriteBlob(std::string_view data) {
  SpillingBodyWriter writer(this, 0);
  Status s = writer.Append(data.data(), data.size());
  if (s.ok()) s = writer.Finish();
  if (!s.ok()) return s;
  std::string id = NewId();
  if (s = Publish(writer.tmp_path(), id); !s.ok()) return s;
  writer.ReleaseTmp();
  return id;
}

Status BlobStore::Link(const std::string& src_id, const std::string& dst_id) {
  std::string d1 = blobs_dir_ + "/" + dst_id.substr(0, 2);
  std::string d2 = d1 + "/" + dst_id.substr(2, 2);
  Status s = EnsureDir(d1, blobs_dir_);
  if (s.ok()) s = EnsureDir(d2, d1);
  if (!s.ok()) return s;
  std::string src = BlobPath(src_id), dst = d2 + "/" + dst_id;
  if (::link(src.c_str(), dst.c_str()) != 0) {
    if (errno == ENOENT) return Status(Code::NoSuchKey, "source blob vanished (object replaced concurrently)");
    return ErrnoStatus("link " + src + " -> " + dst);
  }
  s = SyncPath(d2);
  if (!s.ok()) ::unlink(dst.c_str());
  return s;
}

void BlobStore::Remove(const std::string& id) const {
  if (::unlink(BlobPath(id).c_str()) != 0 && errno != ENOENT) remove_failures_.fetch_add(1);
}

Result<int> BlobStore::OpenFd(const std::string& id) const {
  std::string path = BlobPath(id);
  int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) {
    if (errno == ENOENT) return Status(Code::NoSuchKey, "object body is gone (replaced or deleted concurrently)");
    return ErrnoStatus("open " + path);
  }
  return fd;
}

Result<std::unique_ptr<BodyReader>> BlobStore::OpenReader(const std::string& id, uint64_t size) const {
  auto fd = OpenFd(id);
  if (!fd.ok()) return fd.status();
  return std::unique_ptr<BodyReader>(new FileBodyReader(fd.value(), size));
}

Result<size_t> BlobStore::CleanTmp() {
  size_t removed = 0;
  std::error_code ec;
  for (const auto& entry : fs::directory_iterator(tmp_dir_, ec)) {
    std::error_code rm_ec;
    removed += fs::remove_all(entry.path(), rm_ec);
    if (rm_ec) return Status(Code::IoError, "remove " + entry.path().string() + ": " + rm_ec.message());
  }
  if (ec) return Status(Code::IoError, "list " + tmp_dir_ + ": " + ec.message());
  return removed;
}

Result<size_t> BlobStore::RemoveUnreferenced(const std::unordered_set<std::string>& referenced) {
  size_t removed = 0;
  std::error_code ec;
  for (auto it = fs::recursive_directory_iterator(blobs_dir_, ec); !ec && it != fs::recursive_directory_iterator();
       it.increment(ec)) {
    if (it.depth() != 2 || !it->is_regular_file()) continue;
    std::string name = it->path().filename().string();
    if (referenced.count(name) != 0) continue;
    if (::unlink(it->path().c_str()) != 0) return ErrnoStatus("unlink " + it->path().string());
    ++removed;
  }
  if (ec) return Status(Code::IoError, "walk " + blobs_dir_ + ": " + ec.message());
  return removed;
}

}  // namespace xs3::storage
