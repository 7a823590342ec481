#include "auth/md5_lanes.h"

#include <doctest/doctest.h>

#include <random>
#include <string>
#include <thread>
#include <vector>

#include "auth/checksum.h"

namespace xs3::auth {
namespace {

std::string RandomBytes(std::mt19937_64& rng, size_t n) {
  std::string s(n, '\0');
  for (auto& c : s) c = static_cast<char>(rng());
  return s;
}

// Feeds `data` in random-sized pieces (1 byte .. 300 KiB, the server's reads are 256 KiB).
std::string LaneDigest(Hasher& h, const std::string& data, std::mt19937_64& rng) {
  size_t at = 0;
  while (at < data.size()) {
    size_t n = std::min<size_t>(data.size() - at, 1 + rng() % (rng() % 4 == 0 ? 300 * 1024 : 200));
    h.Update(data.data() + at, n);
    at += n;
  }
  return h.Final();
}

}  // namespace

TEST_CASE("md5 lanes: every length around the block and padding edges, and past the ring's wrap") {
  auto probe = NewLaneMd5();
  if (!probe) {
    MESSAGE("no AVX-512 on this CPU: NewLaneMd5 is nullptr and callers use OpenSSL");
    return;
  }
  probe.reset();
  std::mt19937_64 rng(1);
  std::vector<size_t> sizes;
  for (size_t n = 0; n <= 200; ++n) sizes.push_back(n);
  for (size_t n : {1u << 20, (1u << 20) + 55, (1u << 20) + 56, (1u << 20) + 64, 3u << 20, (5u << 20) + 17}) {
    sizes.push_back(n);
  }
  for (size_t n : sizes) {
    std::string data = RandomBytes(rng, n);
    auto h = NewLaneMd5();
    REQUIRE(h != nullptr);
    CHECK_MESSAGE(LaneDigest(*h, data, rng) == Digest(ChecksumAlgorithm::MD5, data), "size ", n);
  }
  // The RFC 1321 test suite's last vector.
  auto h = NewLaneMd5();
  std::string v = "12345678901234567890123456789012345678901234567890123456789012345678901234567890";
  h->Update(v.data(), v.size());
  CHECK(HexEncode(h->Final()) == "57edf4a22be3c955ac49da2e2107b67a");
}

TEST_CASE("md5 lanes: 16 streams at once from 16 threads hash side by side; a 17th gets no lane") {
  if (!NewLaneMd5()) return;
  std::vector<std::unique_ptr<Hasher>> hashers;
  for (int i = 0; i < 16; ++i) {
    hashers.push_back(NewLaneMd5());
    REQUIRE(hashers.back() != nullptr);
  }
  CHECK(NewLaneMd5() == nullptr);
  std::vector<std::string> data(16), got(16);
  std::vector<std::thread> threads;
  for (int i = 0; i < 16; ++i) {
    std::mt19937_64 rng(100 + static_cast<uint64_t>(i));
    data[static_cast<size_t>(i)] = RandomBytes(rng, (2u << 20) + static_cast<size_t>(i) * 4099);
  }
  for (int i = 0; i < 16; ++i) {
    threads.emplace_back([&, i] {
      std::mt19937_64 rng(200 + static_cast<uint64_t>(i));
      got[static_cast<size_t>(i)] = LaneDigest(*hashers[static_cast<size_t>(i)], data[static_cast<size_t>(i)], rng);
    });
  }
  for (auto& t : threads) t.join();
  for (size_t i = 0; i < 16; ++i) CHECK(got[i] == Digest(ChecksumAlgorithm::MD5, data[i]));
  hashers.clear();
  CHECK(NewLaneMd5() != nullptr);  // Final released every lane
}

TEST_CASE("md5 lanes: interleaved streams of one thread (batches of 2 to 16 lanes, 8- and 16-lane kernels), and a stream "
          "dropped without Final frees its lane") {
  if (!NewLaneMd5()) return;
  std::mt19937_64 rng(7);
  {
    auto dropped = NewLaneMd5();
    std::string junk = RandomBytes(rng, 700000);
    dropped->Update(junk.data(), junk.size());
  }
  for (size_t streams : {2, 5, 8, 9, 16}) {
    std::vector<std::unique_ptr<Hasher>> hashers;
    std::vector<std::string> data(streams);
    for (size_t i = 0; i < streams; ++i) {
      hashers.push_back(NewLaneMd5());
      REQUIRE(hashers.back() != nullptr);  // including the dropped stream's lane
      data[i] = RandomBytes(rng, 100000 + i * 777);
    }
    std::vector<size_t> at(streams, 0);
    for (bool more = true; more;) {
      more = false;
      for (size_t i = 0; i < streams; ++i) {
        size_t n = std::min<size_t>(data[i].size() - at[i], 1 + rng() % 5000);
        hashers[i]->Update(data[i].data() + at[i], n);
        at[i] += n;
        more |= at[i] < data[i].size();
      }
    }
    for (size_t i = 0; i < streams; ++i) {
      CHECK_MESSAGE(hashers[i]->Final() == Digest(ChecksumAlgorithm::MD5, data[i]), streams, " streams, #", i);
    }
  }
}

}  // namespace xs3::auth
