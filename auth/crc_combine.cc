#include <cstdint>

#include "auth/checksum.h"

namespace xs3::auth {
namespace {

// Polynomial arithmetic modulo the reflected CRC polynomial P, as in zlib's crc32_combine:
// crc(A‖B) = crc(A)·x^(8|B|) mod P xor crc(B), for CRCs whose init and final xor are all ones.
template <class U>
U MultModP(U a, U b, U poly) {
  constexpr U top = U{1} << (sizeof(U) * 8 - 1);
  U m = top, p = 0;
  for (;;) {
    if (a & m) {
      p ^= b;
      if ((a & (m - 1)) == 0) break;
    }
    m >>= 1;
    b = (b & 1) ? (b >> 1) ^ poly : b >> 1;
  }
  return p;
}

// x^(2^k) mod P for k = 0..63, computed on first use.
template <class U>
U X8nModP(uint64_t n, U poly) {
  constexpr U top = U{1} << (sizeof(U) * 8 - 1);
  U table[64];
  U p = top >> 1;  // x^1
  for (auto& t : table) {
    t = p;
    p = MultModP<U>(p, p, poly);
  }
  // x^(8n) = product of x^(2^k) over the set bits of 8n.
  U xp = top;  // x^0
  unsigned k = 3;
  while (n) {
    if (n & 1) xp = MultModP<U>(table[k & 63], xp, poly);
    n >>= 1;
    ++k;
  }
  return xp;
}

template <class U>
std::optional<std::string> Combine(std::string_view first, std::string_view second, uint64_t len2, U poly) {
  if (first.size() != sizeof(U) || second.size() != sizeof(U)) return std::nullopt;
  auto load = [](std::string_view s) {
    U v = 0;
    for (unsigned char c : s) v = static_cast<U>((v << 8) | c);
    return v;
  };
  U c = MultModP<U>(X8nModP<U>(len2, poly), load(first), poly) ^ load(second);
  std::string out(sizeof(U), '\0');
  for (size_t i = 0; i < sizeof(U); ++i) out[sizeof(U) - 1 - i] = static_cast<char>((c >> (8 * i)) & 0xFF);
  return out;
}

}  // namespace

std::optional<std::string> CombineCrc(ChecksumAlgorithm a, std::string_view crc_first, std::string_view crc_second,
                                      uint64_t second_length) {
  switch (a) {
    case ChecksumAlgorithm::CRC32: return Combine<uint32_t>(crc_first, crc_second, second_length, 0xEDB88320u);
    case ChecksumAlgorithm::CRC32C: return Combine<uint32_t>(crc_first, crc_second, second_length, 0x82F63B78u);
    case ChecksumAlgorithm::CRC64NVME:
      return Combine<uint64_t>(crc_first, crc_second, second_length, 0x9A6C9329AC4BC9B5ull);
    default: return std::nullopt;
  }
}

}  // namespace xs3::auth
