#include "auth/md5_lanes.h"

#include <algorithm>
#include <array>
#include <condition_variable>
#include <cstdint>
#include <cstring>
#include <mutex>
#include <thread>
#include <utility>

#if defined(__x86_64__)
// GCC 12's AVX-512 headers seed results with _mm512_undefined_epi32(), which -Wmaybe-uninitialized
// reports at every use (GCC bug 105593, fixed in 13).
#if defined(__GNUC__) && !defined(__clang__)
#pragma GCC diagnostic ignored "-Wmaybe-uninitialized"
#endif
#include <immintrin.h>
#endif

namespace xs3::auth {
namespace {

constexpr uint32_t kInit[4] = {0x67452301u, 0xefcdab89u, 0x98badcfeu, 0x10325476u};

constexpr uint32_t kK[64] = {
    0xd76aa478, 0xe8c7b756, 0x242070db, 0xc1bdceee, 0xf57c0faf, 0x4787c62a, 0xa8304613, 0xfd469501,
    0x698098d8, 0x8b44f7af, 0xffff5bb1, 0x895cd7be, 0x6b901122, 0xfd987193, 0xa679438e, 0x49b40821,
    0xf61e2562, 0xc040b340, 0x265e5a51, 0xe9b6c7aa, 0xd62f105d, 0x02441453, 0xd8a1e681, 0xe7d3fbc8,
    0x21e1cde6, 0xc33707d6, 0xf4d50d87, 0x455a14ed, 0xa9e3e905, 0xfcefa3f8, 0x676f02d9, 0x8d2a4c8a,
    0xfffa3942, 0x8771f681, 0x6d9d6122, 0xfde5380c, 0xa4beea44, 0x4bdecfa9, 0xf6bb4b60, 0xbebfbc70,
    0x289b7ec6, 0xeaa127fa, 0xd4ef3085, 0x04881d05, 0xd9d4d039, 0xe6db99e5, 0x1fa27cf8, 0xc4ac5665,
    0xf4292244, 0x432aff97, 0xab9423a7, 0xfc93a039, 0x655b59c3, 0x8f0ccc92, 0xffeff47d, 0x85845dd1,
    0x6fa87e4f, 0xfe2ce6e0, 0xa3014314, 0x4e0811a1, 0xf7537e82, 0xbd3af235, 0x2ad7d2bb, 0xeb86d391};

constexpr int kShift[64] = {7, 12, 17, 22, 7, 12, 17, 22, 7, 12, 17, 22, 7, 12, 17, 22,
                            5, 9,  14, 20, 5, 9,  14, 20, 5, 9,  14, 20, 5, 9,  14, 20,
                            4, 11, 16, 23, 4, 11, 16, 23, 4, 11, 16, 23, 4, 11, 16, 23,
                            6, 10, 15, 21, 6, 10, 15, 21, 6, 10, 15, 21, 6, 10, 15, 21};

constexpr int MessageIndex(int i) {
  return i < 16 ? i : i < 32 ? (5 * i + 1) % 16 : i < 48 ? (3 * i + 5) % 16 : (7 * i) % 16;
}

uint32_t Rotl(uint32_t x, int s) { return (x << s) | (x >> (32 - s)); }

uint32_t LoadLe32(const unsigned char* p) {
  return uint32_t{p[0]} | uint32_t{p[1]} << 8 | uint32_t{p[2]} << 16 | uint32_t{p[3]} << 24;
}

// One 64-byte block into `st`, RFC 1321 as written.
void CompressScalar(uint32_t st[4], const unsigned char* block) {
  uint32_t m[16];
  for (int w = 0; w < 16; ++w) m[w] = LoadLe32(block + 4 * w);
  uint32_t a = st[0], b = st[1], c = st[2], d = st[3];
  for (int i = 0; i < 64; ++i) {
    uint32_t f = i < 16 ? (b & c) | (~b & d) : i < 32 ? (d & b) | (~d & c) : i < 48 ? b ^ c ^ d : c ^ (b | ~d);
    uint32_t t = d;
    d = c;
    c = b;
    b = b + Rotl(a + f + kK[i] + m[MessageIndex(i)], kShift[i]);
    a = t;
  }
  st[0] += a;
  st[1] += b;
  st[2] += c;
  st[3] += d;
}

constexpr int kLanes = 16;
constexpr size_t kRing = size_t{1} << 20;  // per lane; a multiple of 64, so no block wraps
constexpr uint64_t kBatchBlocks = 1024;    // per lane per batch: 64 KiB, then rings are freed up

#if defined(__x86_64__)
// One MD5 step in all 16 lanes.
template <int kI>
__attribute__((target("avx512f"), always_inline)) inline void Step(__m512i& a, __m512i b, __m512i c, __m512i d,
                                                                   const __m512i* m) {
  __m512i f;
  if constexpr (kI < 16) f = _mm512_ternarylogic_epi32(b, c, d, 0xCA);       // b ? c : d
  else if constexpr (kI < 32) f = _mm512_ternarylogic_epi32(b, c, d, 0xE4);  // d ? b : c
  else if constexpr (kI < 48) f = _mm512_ternarylogic_epi32(b, c, d, 0x96);  // b ^ c ^ d
  else f = _mm512_ternarylogic_epi32(b, c, d, 0x39);                         // c ^ (b | ~d)
  __m512i sum = _mm512_add_epi32(_mm512_add_epi32(a, f),
                                 _mm512_add_epi32(_mm512_set1_epi32(static_cast<int>(kK[kI])), m[MessageIndex(kI)]));
  a = _mm512_add_epi32(b, _mm512_rol_epi32(sum, kShift[kI]));
}

template <int kS>
__attribute__((target("avx512f"), always_inline)) inline void Four(__m512i& a, __m512i& b, __m512i& c, __m512i& d,
                                                                   const __m512i* m) {
  // Steps rotate the roles (a, b, c, d) -> (d, a, b, c); four at a time keeps the names fixed.
  Step<kS>(a, b, c, d, m);
  Step<kS + 1>(d, a, b, c, m);
  Step<kS + 2>(c, d, a, b, m);
  Step<kS + 3>(b, c, d, a, m);
}

template <int... kI>
__attribute__((target("avx512f"), always_inline)) inline void Rounds(__m512i& a, __m512i& b, __m512i& c, __m512i& d,
                                                                     const __m512i* m,
                                                                     std::integer_sequence<int, kI...>) {
  (Four<kI * 4>(a, b, c, d, m), ...);
}

// rows[l] = lane l's 16 message words -> m[w] = word w of every lane: a 16x16 transpose of
// 32-bit elements in three shuffle stages (64 shuffles; 16 gathers cost several times that).
__attribute__((target("avx512f"), always_inline)) inline void Transpose(const __m512i r[16], __m512i m[16]) {
  __m512i t[16], u[16];
  for (int i = 0; i < 8; ++i) {
    t[2 * i] = _mm512_unpacklo_epi32(r[2 * i], r[2 * i + 1]);
    t[2 * i + 1] = _mm512_unpackhi_epi32(r[2 * i], r[2 * i + 1]);
  }
  // u[4i + j], 128-bit block k = word 4k + j of rows 4i .. 4i + 3.
  for (int i = 0; i < 4; ++i) {
    u[4 * i] = _mm512_unpacklo_epi64(t[4 * i], t[4 * i + 2]);
    u[4 * i + 1] = _mm512_unpackhi_epi64(t[4 * i], t[4 * i + 2]);
    u[4 * i + 2] = _mm512_unpacklo_epi64(t[4 * i + 1], t[4 * i + 3]);
    u[4 * i + 3] = _mm512_unpackhi_epi64(t[4 * i + 1], t[4 * i + 3]);
  }
  for (int j = 0; j < 4; ++j) {
    __m512i x0 = _mm512_shuffle_i32x4(u[j], u[4 + j], 0x44), x1 = _mm512_shuffle_i32x4(u[j], u[4 + j], 0xEE);
    __m512i y0 = _mm512_shuffle_i32x4(u[8 + j], u[12 + j], 0x44), y1 = _mm512_shuffle_i32x4(u[8 + j], u[12 + j], 0xEE);
    m[j] = _mm512_shuffle_i32x4(x0, y0, 0x88);
    m[4 + j] = _mm512_shuffle_i32x4(x0, y0, 0xDD);
    m[8 + j] = _mm512_shuffle_i32x4(x1, y1, 0x88);
    m[12 + j] = _mm512_shuffle_i32x4(x1, y1, 0xDD);
  }
}

// For every lane l with blocks[l] > 0: hashes blocks[l] consecutive blocks at base + offset[l]
// into state[*][l]. Lanes that run out early are masked off, their state left alone.
__attribute__((target("avx512f"))) void CompressLanes(uint32_t state[4][kLanes], const char* base,
                                                      const uint32_t offset[kLanes], const uint64_t blocks[kLanes]) {
  // Only the lanes in this batch are touched: the others' state belongs to Acquire and Final.
  __mmask16 batch = 0;
  uint64_t most = 0;
  for (int l = 0; l < kLanes; ++l) {
    if (blocks[l] > 0) batch |= static_cast<__mmask16>(1u << l);
    most = std::max(most, blocks[l]);
  }
  __m512i sa = _mm512_maskz_loadu_epi32(batch, state[0]), sb = _mm512_maskz_loadu_epi32(batch, state[1]);
  __m512i sc = _mm512_maskz_loadu_epi32(batch, state[2]), sd = _mm512_maskz_loadu_epi32(batch, state[3]);
  for (uint64_t r = 0; r < most; ++r) {
    __mmask16 live = 0;
    __m512i rows[16], m[16];
    for (int l = 0; l < kLanes; ++l) {
      if (blocks[l] > r) {
        live |= static_cast<__mmask16>(1u << l);
        rows[l] = _mm512_loadu_si512(base + offset[l] + r * 64);
      } else {
        rows[l] = _mm512_setzero_si512();
      }
    }
    Transpose(rows, m);
    __m512i a = sa, b = sb, c = sc, d = sd;
    Rounds(a, b, c, d, m, std::make_integer_sequence<int, 16>{});
    sa = _mm512_mask_add_epi32(sa, live, sa, a);
    sb = _mm512_mask_add_epi32(sb, live, sb, b);
    sc = _mm512_mask_add_epi32(sc, live, sc, c);
    sd = _mm512_mask_add_epi32(sd, live, sd, d);
  }
  _mm512_mask_storeu_epi32(state[0], batch, sa);
  _mm512_mask_storeu_epi32(state[1], batch, sb);
  _mm512_mask_storeu_epi32(state[2], batch, sc);
  _mm512_mask_storeu_epi32(state[3], batch, sd);
}

bool HaveAvx512() { return __builtin_cpu_supports("avx512f"); }
#else
bool HaveAvx512() { return false; }
void CompressLanes(uint32_t[4][kLanes], const char*, const uint32_t[kLanes], const uint64_t[kLanes]) {}
#endif

// The lanes and their hashing thread. One per process, never destroyed (streams may outlive
// any static destruction order).
class LaneService {
 public:
  static LaneService* Get() {
    static LaneService* service = HaveAvx512() ? new LaneService() : nullptr;
    return service;
  }

  int Acquire() {
    std::lock_guard lock(mu_);
    for (int l = 0; l < kLanes; ++l) {
      if (!lanes_[l].active) {
        lanes_[l] = Lane{};
        lanes_[l].active = true;
        for (int i = 0; i < 4; ++i) state_[i][l] = kInit[i];
        return l;
      }
    }
    return -1;
  }

  void Update(int l, const char* data, size_t len) {
    Lane& lane = lanes_[l];
    while (len > 0) {
      uint64_t head;
      size_t n;
      {
        std::unique_lock lock(mu_);
        space_cv_.wait(lock, [&] { return lane.head - lane.tail < kRing; });
        head = lane.head;
        n = std::min<size_t>(len, kRing - (head - lane.tail));
      }
      // [head, head + n) is this stream's alone until published below; it may wrap.
      char* ring = arena_.get() + static_cast<size_t>(l) * kRing;
      size_t at = head % kRing, first = std::min(n, kRing - at);
      std::memcpy(ring + at, data, first);
      std::memcpy(ring, data + first, n - first);
      bool wake;
      {
        std::lock_guard lock(mu_);
        wake = (lane.head - lane.tail) / 64 != (lane.head + n - lane.tail) / 64;
        lane.head += n;
      }
      if (wake) work_cv_.notify_one();
      data += n;
      len -= n;
    }
  }

  // Waits for the lane's whole blocks, then releases the lane; returns the digest.
  std::string Final(int l) {
    Lane& lane = lanes_[l];
    uint32_t st[4];
    unsigned char tail[128] = {};
    uint64_t total;
    size_t rest;
    {
      std::unique_lock lock(mu_);
      space_cv_.wait(lock, [&] { return lane.head - lane.tail < 64 && !lane.in_batch; });
      for (int i = 0; i < 4; ++i) st[i] = state_[i][l];
      total = lane.head;
      rest = static_cast<size_t>(lane.head - lane.tail);
      const char* ring = arena_.get() + static_cast<size_t>(l) * kRing;
      std::memcpy(tail, ring + lane.tail % kRing, rest);  // never wraps: tail is block-aligned
      lane.active = false;
    }
    tail[rest] = 0x80;
    size_t padded = rest + 1 + 8 <= 64 ? 64 : 128;
    uint64_t bits = total * 8;
    for (int i = 0; i < 8; ++i) tail[padded - 8 + static_cast<size_t>(i)] = static_cast<unsigned char>(bits >> (8 * i));
    CompressScalar(st, tail);
    if (padded == 128) CompressScalar(st, tail + 64);
    std::string out(16, '\0');
    for (int i = 0; i < 4; ++i) {
      for (int k = 0; k < 4; ++k) out[static_cast<size_t>(4 * i + k)] = static_cast<char>(st[i] >> (8 * k));
    }
    return out;
  }

  // A stream dropped without Final(): wait out a batch that may be reading its ring.
  void Abandon(int l) {
    std::unique_lock lock(mu_);
    space_cv_.wait(lock, [&] { return !lanes_[l].in_batch; });
    lanes_[l].active = false;
  }

 private:
  struct Lane {
    bool active = false;
    bool in_batch = false;
    uint64_t head = 0;  // bytes written into the ring, ever
    uint64_t tail = 0;  // bytes hashed (a multiple of 64)
  };

  LaneService() : arena_(new char[kLanes * kRing]) {
    std::thread([this] { Run(); }).detach();
  }

  void Run() {
    uint32_t offset[kLanes];
    uint64_t blocks[kLanes];
    for (;;) {
      int live = 0, single = -1;
      {
        std::unique_lock lock(mu_);
        work_cv_.wait(lock, [&] {
          for (auto& lane : lanes_) {
            if (lane.active && lane.head - lane.tail >= 64) return true;
          }
          return false;
        });
        for (int l = 0; l < kLanes; ++l) {
          Lane& lane = lanes_[l];
          blocks[l] = 0;
          offset[l] = 0;
          if (!lane.active || lane.head - lane.tail < 64) continue;
          uint64_t at = lane.tail % kRing;
          blocks[l] = std::min({(lane.head - lane.tail) / 64, (kRing - at) / 64, kBatchBlocks});
          offset[l] = static_cast<uint32_t>(static_cast<size_t>(l) * kRing + at);
          lane.in_batch = true;
          ++live;
          single = l;
        }
      }
      if (live == 1) {
        // One stream: the scalar chain is as fast per stream and leaves the vector unit alone.
        uint32_t st[4] = {state_[0][single], state_[1][single], state_[2][single], state_[3][single]};
        const unsigned char* p = reinterpret_cast<const unsigned char*>(arena_.get()) + offset[single];
        for (uint64_t b = 0; b < blocks[single]; ++b) CompressScalar(st, p + 64 * b);
        for (int i = 0; i < 4; ++i) state_[i][single] = st[i];
      } else {
        CompressLanes(state_, arena_.get(), offset, blocks);
      }
      {
        std::lock_guard lock(mu_);
        for (int l = 0; l < kLanes; ++l) {
          if (blocks[l] == 0) continue;
          lanes_[l].tail += blocks[l] * 64;
          lanes_[l].in_batch = false;
        }
      }
      space_cv_.notify_all();
    }
  }

  std::mutex mu_;
  std::condition_variable work_cv_;   // the thread waits for whole blocks
  std::condition_variable space_cv_;  // streams wait for ring space, Final and Abandon for batches
  std::array<Lane, kLanes> lanes_{};
  // Chaining values, [word][lane]: the layout the vector loads want. Written by the thread
  // during a batch (lanes in_batch), read by Acquire/Final under mu_ otherwise.
  alignas(64) uint32_t state_[4][kLanes] = {};
  std::unique_ptr<char[]> arena_;  // kLanes rings of kRing bytes; gathers index it with 32 bits
};

class LaneMd5 final : public Hasher {
 public:
  LaneMd5(LaneService* service, int lane) : service_(service), lane_(lane) {}
  ~LaneMd5() override {
    if (lane_ >= 0) service_->Abandon(lane_);
  }
  LaneMd5(const LaneMd5&) = delete;
  LaneMd5& operator=(const LaneMd5&) = delete;

  void Update(const void* data, size_t len) override { service_->Update(lane_, static_cast<const char*>(data), len); }
  std::string Final() override {
    std::string digest = service_->Final(lane_);
    lane_ = -1;
    return digest;
  }

 private:
  LaneService* service_;
  int lane_;
};

}  // namespace

std::unique_ptr<Hasher> NewLaneMd5() {
  LaneService* service = LaneService::Get();
  if (service == nullptr) return nullptr;
  int lane = service->Acquire();
  if (lane < 0) return nullptr;
  return std::make_unique<LaneMd5>(service, lane);
}

}  // namespace xs3::auth
