#include "auth/checksum.h"

#include <isa-l/crc.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>

#if defined(__x86_64__)
#include <immintrin.h>
#endif

#include <array>
#include <climits>
#include <cstdint>
#include <cstring>
#include <stdexcept>

namespace xs3::auth {
namespace {

char ToUpperAscii(char c) { return (c >= 'a' && c <= 'z') ? static_cast<char>(c - 'a' + 'A') : c; }

bool IEquals(std::string_view a, std::string_view b) {
  if (a.size() != b.size()) return false;
  for (size_t i = 0; i < a.size(); ++i) {
    if (ToUpperAscii(a[i]) != ToUpperAscii(b[i])) return false;
  }
  return true;
}

std::string BigEndian32(uint32_t v) {
  std::string out(4, '\0');
  for (int i = 3; i >= 0; --i) {
    out[static_cast<size_t>(i)] = static_cast<char>(v & 0xff);
    v >>= 8;
  }
  return out;
}

std::string BigEndian64(uint64_t v) {
  std::string out(8, '\0');
  for (int i = 7; i >= 0; --i) {
    out[static_cast<size_t>(i)] = static_cast<char>(v & 0xff);
    v >>= 8;
  }
  return out;
}

// ---- CRC-64/NVME: reflected poly 0x9a6c9329ac4bc9b5, init and xorout all ones. Slicing-by-8.
constexpr uint64_t kCrc64NvmePoly = 0x9a6c9329ac4bc9b5ULL;

struct Crc64Tables {
  std::array<std::array<uint64_t, 256>, 8> t{};
  Crc64Tables() {
    for (uint32_t i = 0; i < 256; ++i) {
      uint64_t crc = i;
      for (int k = 0; k < 8; ++k) crc = (crc & 1) ? (crc >> 1) ^ kCrc64NvmePoly : crc >> 1;
      t[0][i] = crc;
    }
    for (uint32_t i = 0; i < 256; ++i) {
      for (size_t s = 1; s < 8; ++s) t[s][i] = (t[s - 1][i] >> 8) ^ t[0][t[s - 1][i] & 0xff];
    }
  }
};

const Crc64Tables& Tables64() {
  static const Crc64Tables tables;
  return tables;
}

// `crc` is the running register (already inverted at start).
uint64_t Crc64NvmeUpdateTable(uint64_t crc, const unsigned char* p, size_t len) {
  const auto& t = Tables64().t;
  while (len >= 8) {
    uint64_t word;
    std::memcpy(&word, p, 8);
#if defined(__BYTE_ORDER__) && __BYTE_ORDER__ == __ORDER_BIG_ENDIAN__
    word = __builtin_bswap64(word);
#endif
    crc ^= word;
    crc = t[7][crc & 0xff] ^ t[6][(crc >> 8) & 0xff] ^ t[5][(crc >> 16) & 0xff] ^ t[4][(crc >> 24) & 0xff] ^
          t[3][(crc >> 32) & 0xff] ^ t[2][(crc >> 40) & 0xff] ^ t[1][(crc >> 48) & 0xff] ^ t[0][crc >> 56];
    p += 8;
    len -= 8;
  }
  while (len--) crc = (crc >> 8) ^ t[0][(crc ^ *p++) & 0xff];
  return crc;
}

#if defined(__x86_64__)
// Carry-less-multiply folding for CRC-64/NVME (reflected). A 128-bit block whose first 8 bytes
// (low lane) carry the highest-degree coefficients is moved `s` bits further along the message by
// multiplying its low lane by x^(64+s-1) mod P and its high lane by x^(s-1) mod P (the extra -1
// absorbs the one-bit shift of a reflected carry-less product). Leftovers go through the tables.
uint64_t XPowModP(unsigned n) {
  constexpr uint64_t kNormalPoly = 0xad93d23594c93659ULL;  // bit-reverse of kCrc64NvmePoly
  uint64_t r = 1;
  for (unsigned i = 0; i < n; ++i) r = (r << 1) ^ ((r >> 63) ? kNormalPoly : 0);
  uint64_t out = 0;
  for (int i = 0; i < 64; ++i) out |= ((r >> i) & 1) << (63 - i);
  return out;
}

struct FoldConstants {
  uint64_t k512_lo, k512_hi, k384_lo, k384_hi, k256_lo, k256_hi, k128_lo, k128_hi;
  FoldConstants()
      : k512_lo(XPowModP(64 + 512 - 1)),
        k512_hi(XPowModP(512 - 1)),
        k384_lo(XPowModP(64 + 384 - 1)),
        k384_hi(XPowModP(384 - 1)),
        k256_lo(XPowModP(64 + 256 - 1)),
        k256_hi(XPowModP(256 - 1)),
        k128_lo(XPowModP(64 + 128 - 1)),
        k128_hi(XPowModP(128 - 1)) {}
};

const FoldConstants& Folds() {
  static const FoldConstants k;
  return k;
}

__attribute__((target("pclmul,sse2"))) inline __m128i Fold(__m128i acc, __m128i k) {
  return _mm_xor_si128(_mm_clmulepi64_si128(acc, k, 0x00), _mm_clmulepi64_si128(acc, k, 0x11));
}

__attribute__((target("pclmul,sse2"))) uint64_t Crc64NvmeClmul(uint64_t crc, const unsigned char* p, size_t len) {
  const FoldConstants& k = Folds();
  const __m128i k512 = _mm_set_epi64x(static_cast<long long>(k.k512_hi), static_cast<long long>(k.k512_lo));
  __m128i a0 = _mm_xor_si128(_mm_loadu_si128(reinterpret_cast<const __m128i*>(p)),
                             _mm_set_epi64x(0, static_cast<long long>(crc)));
  __m128i a1 = _mm_loadu_si128(reinterpret_cast<const __m128i*>(p + 16));
  __m128i a2 = _mm_loadu_si128(reinterpret_cast<const __m128i*>(p + 32));
  __m128i a3 = _mm_loadu_si128(reinterpret_cast<const __m128i*>(p + 48));
  p += 64;
  len -= 64;
  while (len >= 64) {
    a0 = _mm_xor_si128(Fold(a0, k512), _mm_loadu_si128(reinterpret_cast<const __m128i*>(p)));
    a1 = _mm_xor_si128(Fold(a1, k512), _mm_loadu_si128(reinterpret_cast<const __m128i*>(p + 16)));
    a2 = _mm_xor_si128(Fold(a2, k512), _mm_loadu_si128(reinterpret_cast<const __m128i*>(p + 32)));
    a3 = _mm_xor_si128(Fold(a3, k512), _mm_loadu_si128(reinterpret_cast<const __m128i*>(p + 48)));
    p += 64;
    len -= 64;
  }
  const __m128i k384 = _mm_set_epi64x(static_cast<long long>(k.k384_hi), static_cast<long long>(k.k384_lo));
  const __m128i k256 = _mm_set_epi64x(static_cast<long long>(k.k256_hi), static_cast<long long>(k.k256_lo));
  const __m128i k128 = _mm_set_epi64x(static_cast<long long>(k.k128_hi), static_cast<long long>(k.k128_lo));
  __m128i v = _mm_xor_si128(_mm_xor_si128(Fold(a0, k384), Fold(a1, k256)), _mm_xor_si128(Fold(a2, k128), a3));
  while (len >= 16) {
    v = _mm_xor_si128(Fold(v, k128), _mm_loadu_si128(reinterpret_cast<const __m128i*>(p)));
    p += 16;
    len -= 16;
  }
  alignas(16) unsigned char block[16];
  _mm_store_si128(reinterpret_cast<__m128i*>(block), v);
  uint64_t r = Crc64NvmeUpdateTable(0, block, 16);
  return Crc64NvmeUpdateTable(r, p, len);
}

bool HaveClmul() {
  static const bool have = __builtin_cpu_supports("pclmul") && __builtin_cpu_supports("sse2");
  return have;
}
#endif

uint64_t Crc64NvmeUpdate(uint64_t crc, const unsigned char* p, size_t len) {
#if defined(__x86_64__)
  if (len >= 128 && HaveClmul()) return Crc64NvmeClmul(crc, p, len);
#endif
  return Crc64NvmeUpdateTable(crc, p, len);
}

class Crc32Hasher final : public Hasher {
 public:
  void Update(const void* data, size_t len) override {
    crc_ = crc32_gzip_refl(crc_, static_cast<const unsigned char*>(data), len);
  }
  std::string Final() override { return BigEndian32(crc_); }

 private:
  uint32_t crc_ = 0;
};

class Crc32cHasher final : public Hasher {
 public:
  void Update(const void* data, size_t len) override {
    // ISA-L's crc32_iscsi neither pre- nor post-inverts: we keep the inverted register ourselves.
    auto* p = static_cast<unsigned char*>(const_cast<void*>(data));
    while (len > 0) {
      int n = len > (1u << 30) ? (1 << 30) : static_cast<int>(len);
      reg_ = crc32_iscsi(p, n, reg_);
      p += n;
      len -= static_cast<size_t>(n);
    }
  }
  std::string Final() override { return BigEndian32(reg_ ^ 0xFFFFFFFFu); }

 private:
  uint32_t reg_ = 0xFFFFFFFFu;
};

class Crc64NvmeHasher final : public Hasher {
 public:
  void Update(const void* data, size_t len) override {
    reg_ = Crc64NvmeUpdate(reg_, static_cast<const unsigned char*>(data), len);
  }
  std::string Final() override { return BigEndian64(reg_ ^ ~0ULL); }

 private:
  uint64_t reg_ = ~0ULL;
};

class EvpHasher final : public Hasher {
 public:
  explicit EvpHasher(const EVP_MD* md) : ctx_(EVP_MD_CTX_new()) {
    if (ctx_ == nullptr || EVP_DigestInit_ex(ctx_, md, nullptr) != 1) throw std::runtime_error("EVP init failed");
  }
  ~EvpHasher() override { EVP_MD_CTX_free(ctx_); }
  EvpHasher(const EvpHasher&) = delete;
  EvpHasher& operator=(const EvpHasher&) = delete;

  void Update(const void* data, size_t len) override { EVP_DigestUpdate(ctx_, data, len); }
  std::string Final() override {
    unsigned char out[EVP_MAX_MD_SIZE];
    unsigned int n = 0;
    EVP_DigestFinal_ex(ctx_, out, &n);
    return std::string(reinterpret_cast<char*>(out), n);
  }

 private:
  EVP_MD_CTX* ctx_;
};

constexpr char kB64Alphabet[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";

int B64Value(char c) {
  if (c >= 'A' && c <= 'Z') return c - 'A';
  if (c >= 'a' && c <= 'z') return c - 'a' + 26;
  if (c >= '0' && c <= '9') return c - '0' + 52;
  if (c == '+') return 62;
  if (c == '/') return 63;
  return -1;
}

}  // namespace

std::optional<ChecksumAlgorithm> ParseChecksumAlgorithm(std::string_view name) {
  if (IEquals(name, "CRC32")) return ChecksumAlgorithm::CRC32;
  if (IEquals(name, "CRC32C")) return ChecksumAlgorithm::CRC32C;
  if (IEquals(name, "CRC64NVME")) return ChecksumAlgorithm::CRC64NVME;
  if (IEquals(name, "SHA1")) return ChecksumAlgorithm::SHA1;
  if (IEquals(name, "SHA256")) return ChecksumAlgorithm::SHA256;
  if (IEquals(name, "MD5")) return ChecksumAlgorithm::MD5;
  return std::nullopt;
}

std::string_view ChecksumName(ChecksumAlgorithm a) {
  switch (a) {
    case ChecksumAlgorithm::CRC32: return "CRC32";
    case ChecksumAlgorithm::CRC32C: return "CRC32C";
    case ChecksumAlgorithm::CRC64NVME: return "CRC64NVME";
    case ChecksumAlgorithm::SHA1: return "SHA1";
    case ChecksumAlgorithm::SHA256: return "SHA256";
    case ChecksumAlgorithm::MD5: return "MD5";
  }
  return "";
}

std::string_view ChecksumHeaderName(ChecksumAlgorithm a) {
  switch (a) {
    case ChecksumAlgorithm::CRC32: return "x-amz-checksum-crc32";
    case ChecksumAlgorithm::CRC32C: return "x-amz-checksum-crc32c";
    case ChecksumAlgorithm::CRC64NVME: return "x-amz-checksum-crc64nvme";
    case ChecksumAlgorithm::SHA1: return "x-amz-checksum-sha1";
    case ChecksumAlgorithm::SHA256: return "x-amz-checksum-sha256";
    case ChecksumAlgorithm::MD5: return "content-md5";
  }
  return "";
}

std::unique_ptr<Hasher> Hasher::Create(ChecksumAlgorithm a) {
  switch (a) {
    case ChecksumAlgorithm::CRC32: return std::make_unique<Crc32Hasher>();
    case ChecksumAlgorithm::CRC32C: return std::make_unique<Crc32cHasher>();
    case ChecksumAlgorithm::CRC64NVME: return std::make_unique<Crc64NvmeHasher>();
    case ChecksumAlgorithm::SHA1: return std::make_unique<EvpHasher>(EVP_sha1());
    case ChecksumAlgorithm::SHA256: return std::make_unique<EvpHasher>(EVP_sha256());
    case ChecksumAlgorithm::MD5: return std::make_unique<EvpHasher>(EVP_md5());
  }
  return nullptr;
}

std::string Digest(ChecksumAlgorithm a, std::string_view data) {
  auto h = Hasher::Create(a);
  h->Update(data.data(), data.size());
  return h->Final();
}

std::string Sha256Hex(std::string_view data) {
  unsigned char out[32];
  unsigned int n = 0;
  EVP_Digest(data.data(), data.size(), out, &n, EVP_sha256(), nullptr);
  return HexEncode(std::string_view(reinterpret_cast<char*>(out), n));
}

std::string HmacSha256(std::string_view key, std::string_view data) {
  unsigned char out[EVP_MAX_MD_SIZE];
  unsigned int n = 0;
  HMAC(EVP_sha256(), key.data(), static_cast<int>(key.size()), reinterpret_cast<const unsigned char*>(data.data()),
       data.size(), out, &n);
  return std::string(reinterpret_cast<char*>(out), n);
}

std::string HexEncode(std::string_view raw) {
  static constexpr char kHex[] = "0123456789abcdef";
  std::string out;
  out.resize(raw.size() * 2);
  for (size_t i = 0; i < raw.size(); ++i) {
    auto b = static_cast<unsigned char>(raw[i]);
    out[2 * i] = kHex[b >> 4];
    out[2 * i + 1] = kHex[b & 0xf];
  }
  return out;
}

std::string Base64Encode(std::string_view raw) {
  std::string out;
  out.reserve((raw.size() + 2) / 3 * 4);
  size_t i = 0;
  const auto* p = reinterpret_cast<const unsigned char*>(raw.data());
  for (; i + 3 <= raw.size(); i += 3) {
    uint32_t v = (uint32_t{p[i]} << 16) | (uint32_t{p[i + 1]} << 8) | p[i + 2];
    out += kB64Alphabet[(v >> 18) & 63];
    out += kB64Alphabet[(v >> 12) & 63];
    out += kB64Alphabet[(v >> 6) & 63];
    out += kB64Alphabet[v & 63];
  }
  size_t rest = raw.size() - i;
  if (rest == 1) {
    uint32_t v = uint32_t{p[i]} << 16;
    out += kB64Alphabet[(v >> 18) & 63];
    out += kB64Alphabet[(v >> 12) & 63];
    out += "==";
  } else if (rest == 2) {
    uint32_t v = (uint32_t{p[i]} << 16) | (uint32_t{p[i + 1]} << 8);
    out += kB64Alphabet[(v >> 18) & 63];
    out += kB64Alphabet[(v >> 12) & 63];
    out += kB64Alphabet[(v >> 6) & 63];
    out += '=';
  }
  return out;
}

std::optional<std::string> Base64Decode(std::string_view text) {
  if (text.size() % 4 != 0) return std::nullopt;
  std::string out;
  out.reserve(text.size() / 4 * 3);
  for (size_t i = 0; i < text.size(); i += 4) {
    bool last = i + 4 == text.size();
    int v[4];
    int pad = 0;
    for (int k = 0; k < 4; ++k) {
      char c = text[i + static_cast<size_t>(k)];
      if (c == '=') {
        if (!last || k < 2) return std::nullopt;
        v[k] = 0;
        ++pad;
      } else {
        if (pad > 0) return std::nullopt;  // data after padding
        v[k] = B64Value(c);
        if (v[k] < 0) return std::nullopt;
      }
    }
    uint32_t n = (static_cast<uint32_t>(v[0]) << 18) | (static_cast<uint32_t>(v[1]) << 12) |
                 (static_cast<uint32_t>(v[2]) << 6) | static_cast<uint32_t>(v[3]);
    out += static_cast<char>((n >> 16) & 0xff);
    if (pad < 2) out += static_cast<char>((n >> 8) & 0xff);
    if (pad < 1) out += static_cast<char>(n & 0xff);
  }
  return out;
}

}  // namespace xs3::auth
