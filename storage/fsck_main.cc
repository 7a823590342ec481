// xs3-fsck DATA_DIR: compares the blob files of a data dir with what its metadata references,
// without changing anything (LMDB opened read-only; safe beside a running xs3d, meaningful while
// it has no write in flight). Prints one JSON object; exits 0 when consistent, 1 when there are
// orphan or missing blobs or tmp/ files, 2 when the data dir cannot be read.
#include <iostream>
#include <string>
#include <vector>

#include "storage/engine.h"

namespace {

std::string JsonList(const std::vector<std::string>& ids) {
  std::string out = "[";
  for (size_t i = 0; i < ids.size(); ++i) out += (i ? ",\"" : "\"") + ids[i] + "\"";  // ids are hex
  return out + "]";
}

}  // namespace

int main(int argc, char** argv) {
  if (argc != 2) {
    std::cerr << "usage: xs3-fsck DATA_DIR\n";
    return 2;
  }
  auto audit = xs3::storage::AuditBlobs(argv[1]);
  if (!audit.ok()) {
    std::cerr << "xs3-fsck: " << audit.status().message() << "\n";
    return 2;
  }
  const auto& a = audit.value();
  std::cout << "{\"referenced\":" << a.referenced << ",\"files\":" << a.files << ",\"tmp_files\":" << a.tmp_files
            << ",\"orphans\":" << JsonList(a.orphans) << ",\"missing\":" << JsonList(a.missing) << "}\n";
  return a.orphans.empty() && a.missing.empty() && a.tmp_files == 0 ? 0 : 1;
}
