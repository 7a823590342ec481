#include "auth/checksum.h"

#include <doctest/doctest.h>

#include <random>
#include <string>
#include <vector>

using namespace xs3::auth;

namespace {

std::string HexDigest(ChecksumAlgorithm a, std::string_view data) { return HexEncode(Digest(a, data)); }

std::string Bytes768() {
  std::string s;
  for (int r = 0; r < 3; ++r)
    for (int i = 0; i < 256; ++i) s += static_cast<char>(i);
  return s;
}

}  // namespace

TEST_CASE("checksum: check values for 123456789") {
  CHECK(HexDigest(ChecksumAlgorithm::CRC32, "123456789") == "cbf43926");
  CHECK(HexDigest(ChecksumAlgorithm::CRC32C, "123456789") == "e3069283");
  CHECK(HexDigest(ChecksumAlgorithm::CRC64NVME, "123456789") == "ae8b14860a799888");
}

TEST_CASE("checksum: hello vectors") {
  CHECK(HexDigest(ChecksumAlgorithm::CRC32, "hello") == "3610a686");
  CHECK(HexDigest(ChecksumAlgorithm::CRC32C, "hello") == "9a71bb4c");
  CHECK(HexDigest(ChecksumAlgorithm::CRC64NVME, "hello") == "3377857006524257");
  CHECK(HexDigest(ChecksumAlgorithm::SHA1, "hello") == "aaf4c61ddcc5e8a2dabede0f3b482cd9aea9434d");
  CHECK(HexDigest(ChecksumAlgorithm::SHA256, "hello") ==
        "2cf24dba5fb0a30e26e83b2ac5b9e29e1b161e5c1fa7425e73043362938b9824");
  CHECK(HexDigest(ChecksumAlgorithm::MD5, "hello") == "5d41402abc4b2a76b9719d911017c592");
}

TEST_CASE("checksum: empty input") {
  CHECK(Base64Encode(Digest(ChecksumAlgorithm::CRC32, "")) == "AAAAAA==");
  CHECK(Base64Encode(Digest(ChecksumAlgorithm::CRC32C, "")) == "AAAAAA==");
  CHECK(Base64Encode(Digest(ChecksumAlgorithm::CRC64NVME, "")) == "AAAAAAAAAAA=");
  CHECK(Sha256Hex("") == "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
  CHECK(Base64Encode(Digest(ChecksumAlgorithm::MD5, "")) == "1B2M2Y8AsgTpgAmY7PhCfg==");
}

TEST_CASE("checksum: wire fact, aws-chunked body CRC32") {
  std::string body = "hello aws-chunked world\n";
  REQUIRE(body.size() == 24);
  CHECK(Base64Encode(Digest(ChecksumAlgorithm::CRC32, body)) == "rwA4Jw==");
  CHECK(Base64Encode(Digest(ChecksumAlgorithm::CRC32C, body)) == "Lfk9Lg==");
  CHECK(Base64Encode(Digest(ChecksumAlgorithm::CRC64NVME, body)) == "t8JUhDwlfEs=");
}

TEST_CASE("checksum: longer input and incremental updates at every split") {
  std::string data = Bytes768();
  CHECK(HexDigest(ChecksumAlgorithm::CRC32, data) == "b0c0df2a");
  CHECK(HexDigest(ChecksumAlgorithm::CRC32C, data) == "9fa293b3");
  CHECK(HexDigest(ChecksumAlgorithm::CRC64NVME, data) == "4ef1921c56f5c1a6");
  for (auto a : {ChecksumAlgorithm::CRC32, ChecksumAlgorithm::CRC32C, ChecksumAlgorithm::CRC64NVME,
                 ChecksumAlgorithm::SHA1, ChecksumAlgorithm::SHA256, ChecksumAlgorithm::MD5}) {
    std::string whole = Digest(a, data);
    for (size_t step : {1u, 3u, 7u, 8u, 9u, 64u, 100u}) {
      auto h = Hasher::Create(a);
      for (size_t off = 0; off < data.size(); off += step) {
        size_t n = std::min(step, data.size() - off);
        h->Update(data.data() + off, n);
      }
      CHECK(h->Final() == whole);
    }
    // Unaligned start for the slicing path.
    auto h = Hasher::Create(a);
    h->Update(data.data(), 1);
    h->Update(data.data() + 1, data.size() - 1);
    CHECK(h->Final() == whole);
  }
}

TEST_CASE("checksum: names and parsing") {
  CHECK(ParseChecksumAlgorithm("crc32c") == ChecksumAlgorithm::CRC32C);
  CHECK(ParseChecksumAlgorithm("CRC64NVME") == ChecksumAlgorithm::CRC64NVME);
  CHECK(ParseChecksumAlgorithm("Sha256") == ChecksumAlgorithm::SHA256);
  CHECK(ParseChecksumAlgorithm("md5") == ChecksumAlgorithm::MD5);
  CHECK_FALSE(ParseChecksumAlgorithm("xxhash64").has_value());
  CHECK_FALSE(ParseChecksumAlgorithm("").has_value());
  CHECK(ChecksumName(ChecksumAlgorithm::CRC64NVME) == "CRC64NVME");
  CHECK(ChecksumHeaderName(ChecksumAlgorithm::CRC32) == "x-amz-checksum-crc32");
  CHECK(ChecksumHeaderName(ChecksumAlgorithm::MD5) == "content-md5");
}

TEST_CASE("checksum: hmac-sha256 RFC 4231 case 2") {
  CHECK(HexEncode(HmacSha256("Jefe", "what do ya want for nothing?")) ==
        "5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843");
}

TEST_CASE("checksum: base64 round trip and rejection") {
  CHECK(Base64Encode("") == "");
  CHECK(Base64Encode("f") == "Zg==");
  CHECK(Base64Encode("fo") == "Zm8=");
  CHECK(Base64Encode("foo") == "Zm9v");
  CHECK(Base64Encode("foobar") == "Zm9vYmFy");
  CHECK(Base64Decode("Zm9vYmFy") == std::optional<std::string>("foobar"));
  CHECK(Base64Decode("Zg==") == std::optional<std::string>("f"));
  CHECK(Base64Decode("Zm8=") == std::optional<std::string>("fo"));
  CHECK(Base64Decode("") == std::optional<std::string>(""));
  CHECK_FALSE(Base64Decode("Zg=").has_value());
  CHECK_FALSE(Base64Decode("Z===").has_value());
  CHECK_FALSE(Base64Decode("Zg==Zg==").has_value());
  CHECK_FALSE(Base64Decode("Zm9v!mFy").has_value());
  CHECK_FALSE(Base64Decode("Zm=v").has_value());
  std::string data = Bytes768();
  CHECK(Base64Decode(Base64Encode(data)) == std::optional<std::string>(data));
  CHECK(HexEncode(std::string("\x00\xff\x10", 3)) == "00ff10");
}

namespace {
uint64_t BitwiseCrc64Nvme(std::string_view d) {
  uint64_t crc = ~0ULL;
  for (unsigned char c : d) {
    crc ^= c;
    for (int k = 0; k < 8; ++k) crc = (crc & 1) ? (crc >> 1) ^ 0x9a6c9329ac4bc9b5ULL : crc >> 1;
  }
  return ~crc;
}
uint32_t BitwiseCrc32c(std::string_view d) {
  uint32_t crc = ~0U;
  for (unsigned char c : d) {
    crc ^= c;
    for (int k = 0; k < 8; ++k) crc = (crc & 1) ? (crc >> 1) ^ 0x82F63B78U : crc >> 1;
  }
  return ~crc;
}
std::string Be(uint64_t v, int n) {
  std::string out(static_cast<size_t>(n), '\0');
  for (int i = n - 1; i >= 0; --i) {
    out[static_cast<size_t>(i)] = static_cast<char>(v & 0xff);
    v >>= 8;
  }
  return out;
}
}  // namespace

TEST_CASE("checksum: CRC64NVME and CRC32C agree with a bitwise reference (all code paths)") {
  std::mt19937_64 rng(42);
  std::string buf(9000, '\0');
  for (auto& c : buf) c = static_cast<char>(rng());
  std::vector<size_t> lengths;
  for (size_t n = 0; n <= 300; ++n) lengths.push_back(n);
  for (size_t n : {511u, 512u, 513u, 1023u, 1024u, 4095u, 4096u, 8191u, 8999u}) lengths.push_back(n);
  for (size_t n : lengths) {
    for (size_t off : {0u, 1u, 7u}) {
      if (off + n > buf.size()) continue;
      std::string_view d(buf.data() + off, n);
      CAPTURE(n);
      CAPTURE(off);
      CHECK(Digest(ChecksumAlgorithm::CRC64NVME, d) == Be(BitwiseCrc64Nvme(d), 8));
      CHECK(Digest(ChecksumAlgorithm::CRC32C, d) == Be(BitwiseCrc32c(d), 4));
    }
  }
  // Random split points through a large buffer.
  for (int round = 0; round < 20; ++round) {
    auto h = Hasher::Create(ChecksumAlgorithm::CRC64NVME);
    size_t off = 0;
    while (off < buf.size()) {
      size_t n = std::min<size_t>(rng() % 700, buf.size() - off);
      h->Update(buf.data() + off, n);
      off += n;
    }
    CHECK(h->Final() == Be(BitwiseCrc64Nvme(buf), 8));
  }
}
