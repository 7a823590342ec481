#include <doctest/doctest.h>

#include <string>

#include "auth/checksum.h"

using namespace xs3::auth;

TEST_CASE("combining CRCs of two pieces gives the CRC of the whole") {
  std::string data;
  for (int i = 0; i < 100000; ++i) data += static_cast<char>((i * 131) ^ (i >> 7));
  for (auto a : {ChecksumAlgorithm::CRC32, ChecksumAlgorithm::CRC32C, ChecksumAlgorithm::CRC64NVME}) {
    for (size_t split : {size_t{0}, size_t{1}, size_t{7}, size_t{4096}, size_t{65537}, data.size()}) {
      std::string_view all = data, first = all.substr(0, split), second = all.substr(split);
      auto combined = CombineCrc(a, Digest(a, first), Digest(a, second), second.size());
      REQUIRE(combined);
      CHECK(*combined == Digest(a, all));
    }
  }
  CHECK_FALSE(CombineCrc(ChecksumAlgorithm::SHA256, "x", "y", 1));
  CHECK_FALSE(CombineCrc(ChecksumAlgorithm::CRC32, "abc", "abcd", 1));
}
