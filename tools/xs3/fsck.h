#pragma once
// `xs3 fsck`: checks a data directory no server has open. Every object's body is read back and
// compared with what its record promises (size, full-object checksums, and the MD5 ETag of
// general-purpose single-part objects); parts of uploads in progress are checked for size;
// blobs no record references and leftover tmp/ files are reported (and removed with repair,
// which is the recovery xs3d runs at every start).
#include <cstdint>
#include <functional>
#include <string>
#include <vector>

namespace xs3::tools {

struct FsckOptions {
  std::string data_dir;
  bool repair = false;
  // Only compare blob files with what the metadata references (LMDB opened read-only): no body
  // is read, and it is safe beside a running server that has no write in flight.
  bool blobs_only = false;
  // Called after each object with the running count, for a progress line.
  std::function<void(uint64_t objects, uint64_t bytes)> progress;
};

struct FsckReport {
  uint64_t buckets = 0;
  uint64_t objects = 0;
  uint64_t bytes = 0;
  uint64_t checksums_verified = 0;  // full-object checksums and MD5 ETags recomputed and equal
  uint64_t composite_only = 0;      // objects whose only checksum is composite: sizes checked only
  uint64_t upload_parts = 0;
  std::vector<std::string> problems;  // "bucket/key: what is wrong", one per damaged object or part
  uint64_t blobs_referenced = 0;
  std::vector<std::string> missing_blobs;  // referenced by a record, no file: lost data
  std::vector<std::string> orphan_blobs;
  uint64_t orphan_bytes = 0;
  size_t tmp_files = 0;
  bool repaired = false;
  std::string error;  // set when the check could not run at all (e.g. the directory is in use)
};

FsckReport Fsck(const FsckOptions& options);

}  // namespace xs3::tools
