#pragma once
// Streaming checksums S3 accepts (x-amz-checksum-*, Content-MD5) and the encodings around them.
#include <cstddef>
#include <memory>
#include <optional>
#include <string>
#include <string_view>

namespace xs3::auth {

enum class ChecksumAlgorithm { CRC32, CRC32C, CRC64NVME, SHA1, SHA256, MD5 };

// "CRC32", "crc32c", "CRC64NVME", "SHA1", "SHA256", "MD5" (case-insensitive) -> algorithm.
std::optional<ChecksumAlgorithm> ParseChecksumAlgorithm(std::string_view name);
std::string_view ChecksumName(ChecksumAlgorithm a);        // upper case, as in x-amz-checksum-algorithm
std::string_view ChecksumHeaderName(ChecksumAlgorithm a);  // "x-amz-checksum-crc32" etc. (MD5: "content-md5")

class Hasher {
 public:
  static std::unique_ptr<Hasher> Create(ChecksumAlgorithm a);
  virtual ~Hasher() = default;
  virtual void Update(const void* data, size_t len) = 0;
  // The raw digest bytes (CRCs big-endian, as S3 base64-encodes them). Call once.
  virtual std::string Final() = 0;
};

// One-shot helpers.
std::string Digest(ChecksumAlgorithm a, std::string_view data);  // raw bytes
std::string Sha256Hex(std::string_view data);
std::string HmacSha256(std::string_view key, std::string_view data);  // raw bytes

std::string HexEncode(std::string_view raw);  // lower case
std::string Base64Encode(std::string_view raw);
std::optional<std::string> Base64Decode(std::string_view text);  // nullopt on invalid input

}  // namespace xs3::auth

namespace xs3::auth {

// The CRC of A‖B from crc(A), crc(B) and |B| (zlib's crc32_combine, generalised), so an append
// extends a full-object CRC32/CRC32C/CRC64NVME without rereading A. `a` must be one of those
// three; digests are the raw big-endian bytes Hasher::Final() returns. nullopt for other
// algorithms or malformed digests.
std::optional<std::string> CombineCrc(ChecksumAlgorithm a, std::string_view crc_first, std::string_view crc_second,
                                      uint64_t second_length);

}  // namespace xs3::auth
