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
// A batch costs the same with one lane or sixteen, so the thread waits until every open stream
// has a batch's worth, and starts earlier only for a lane this full (a stream whose neighbours
// stall must not fill its ring and block) or a lane whose stream is in Final().
constexpr uint64_t kHighWater = kRing / 2;

#if defined(__x86_64__)
#define XS3_LANES_TARGET __attribute__((target("avx512f,avx512vl"), always_inline)) inline

// The two kernels' vectors: 16 lanes in a zmm register, or 8 in a ymm one. Zen 4 runs 512-bit
// operations as two 256-bit halves, so a batch of at most 8 streams (lanes 0-7, which Acquire
// hands out first) costs a third less CPU in the ymm kernel than in a half-empty zmm one.
struct Zmm {
  using V = __m512i;
  using Mask = __mmask16;
  static constexpr int kWidth = 16;
  static XS3_LANES_TARGET V Add(V a, V b) { return _mm512_add_epi32(a, b); }
  static XS3_LANES_TARGET V MaskAdd(V src, Mask k, V a, V b) { return _mm512_mask_add_epi32(src, k, a, b); }
  static XS3_LANES_TARGET V Set1(uint32_t x) { return _mm512_set1_epi32(static_cast<int>(x)); }
  template <int kImm>
  static XS3_LANES_TARGET V Ternary(V a, V b, V c) { return _mm512_ternarylogic_epi32(a, b, c, kImm); }
  template <int kS>
  static XS3_LANES_TARGET V Rotl(V a) { return _mm512_rol_epi32(a, kS); }
  static XS3_LANES_TARGET V Load(Mask k, const uint32_t* p) { return _mm512_maskz_loadu_epi32(k, p); }
  static XS3_LANES_TARGET void Store(uint32_t* p, Mask k, V v) { _mm512_mask_storeu_epi32(p, k, v); }

  // Lane l's 64-byte block at rows[l] -> m[w] = word w of every lane: a 16x16 transpose of
  // 32-bit elements in three shuffle stages (64 shuffles; 16 gathers cost several times that).
  static XS3_LANES_TARGET void Messages(const char* const rows[kWidth], V m[16]) {
    V r[16], t[16], u[16];
    for (int l = 0; l < 16; ++l) r[l] = rows[l] ? _mm512_loadu_si512(rows[l]) : _mm512_setzero_si512();
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
      V x0 = _mm512_shuffle_i32x4(u[j], u[4 + j], 0x44), x1 = _mm512_shuffle_i32x4(u[j], u[4 + j], 0xEE);
      V y0 = _mm512_shuffle_i32x4(u[8 + j], u[12 + j], 0x44), y1 = _mm512_shuffle_i32x4(u[8 + j], u[12 + j], 0xEE);
      m[j] = _mm512_shuffle_i32x4(x0, y0, 0x88);
      m[4 + j] = _mm512_shuffle_i32x4(x0, y0, 0xDD);
      m[8 + j] = _mm512_shuffle_i32x4(x1, y1, 0x88);
      m[12 + j] = _mm512_shuffle_i32x4(x1, y1, 0xDD);
    }
  }
};

struct Ymm {
  using V = __m256i;
  using Mask = __mmask8;
  static constexpr int kWidth = 8;
  static XS3_LANES_TARGET V Add(V a, V b) { return _mm256_add_epi32(a, b); }
  static XS3_LANES_TARGET V MaskAdd(V src, Mask k, V a, V b) { return _mm256_mask_add_epi32(src, k, a, b); }
  static XS3_LANES_TARGET V Set1(uint32_t x) { return _mm256_set1_epi32(static_cast<int>(x)); }
  template <int kImm>
  static XS3_LANES_TARGET V Ternary(V a, V b, V c) { return _mm256_ternarylogic_epi32(a, b, c, kImm); }
  template <int kS>
  static XS3_LANES_TARGET V Rotl(V a) { return _mm256_rol_epi32(a, kS); }
  static XS3_LANES_TARGET V Load(Mask k, const uint32_t* p) { return _mm256_maskz_loadu_epi32(k, p); }
  static XS3_LANES_TARGET void Store(uint32_t* p, Mask k, V v) { _mm256_mask_storeu_epi32(p, k, v); }

  // An 8x8 transpose of one 32-byte half of every lane's block -> 8 message words.
  static XS3_LANES_TARGET void Transpose(const V r[8], V m[8]) {
    V t[8], u[8];
    for (int i = 0; i < 4; ++i) {
      t[2 * i] = _mm256_unpacklo_epi32(r[2 * i], r[2 * i + 1]);
      t[2 * i + 1] = _mm256_unpackhi_epi32(r[2 * i], r[2 * i + 1]);
    }
    for (int i = 0; i < 2; ++i) {
      u[4 * i] = _mm256_unpacklo_epi64(t[4 * i], t[4 * i + 2]);
      u[4 * i + 1] = _mm256_unpackhi_epi64(t[4 * i], t[4 * i + 2]);
      u[4 * i + 2] = _mm256_unpacklo_epi64(t[4 * i + 1], t[4 * i + 3]);
      u[4 * i + 3] = _mm256_unpackhi_epi64(t[4 * i + 1], t[4 * i + 3]);
    }
    for (int j = 0; j < 4; ++j) {
      m[j] = _mm256_permute2x128_si256(u[j], u[4 + j], 0x20);
      m[4 + j] = _mm256_permute2x128_si256(u[j], u[4 + j], 0x31);
    }
  }
  static XS3_LANES_TARGET void Messages(const char* const rows[kWidth], V m[16]) {
    V lo[8], hi[8];
    for (int l = 0; l < 8; ++l) {
      lo[l] = rows[l] ? _mm256_loadu_si256(reinterpret_cast<const V*>(rows[l])) : _mm256_setzero_si256();
      hi[l] = rows[l] ? _mm256_loadu_si256(reinterpret_cast<const V*>(rows[l] + 32)) : _mm256_setzero_si256();
    }
    Transpose(lo, m);
    Transpose(hi, m + 8);
  }
};

// One MD5 step in every lane.
template <typename W, int kI>
XS3_LANES_TARGET void Step(typename W::V& a, typename W::V b, typename W::V c, typename W::V d, const typename W::V* m) {
  typename W::V f;
  if constexpr (kI < 16) f = W::template Ternary<0xCA>(b, c, d);       // b ? c : d
  else if constexpr (kI < 32) f = W::template Ternary<0xE4>(b, c, d);  // d ? b : c
  else if constexpr (kI < 48) f = W::template Ternary<0x96>(b, c, d);  // b ^ c ^ d
  else f = W::template Ternary<0x39>(b, c, d);                         // c ^ (b | ~d)
  typename W::V sum = W::Add(W::Add(a, f), W::Add(W::Set1(kK[kI]), m[MessageIndex(kI)]));
  a = W::Add(b, W::template Rotl<kShift[kI]>(sum));
}

template <typename W, int kS>
XS3_LANES_TARGET void Four(typename W::V& a, typename W::V& b, typename W::V& c, typename W::V& d,
                           const typename W::V* m) {
  // Steps rotate the roles (a, b, c, d) -> (d, a, b, c); four at a time keeps the names fixed.
  Step<W, kS>(a, b, c, d, m);
  Step<W, kS + 1>(d, a, b, c, m);
  Step<W, kS + 2>(c, d, a, b, m);
  Step<W, kS + 3>(b, c, d, a, m);
}

template <typename W, int... kI>
XS3_LANES_TARGET void Rounds(typename W::V& a, typename W::V& b, typename W::V& c, typename W::V& d,
                             const typename W::V* m, std::integer_sequence<int, kI...>) {
  (Four<W, kI * 4>(a, b, c, d, m), ...);
}

// For every lane l < W::kWidth with blocks[l] > 0: hashes blocks[l] consecutive blocks at
// base + offset[l] into state[*][l]. Lanes that run out early are masked off, their state left
// alone; lanes outside the batch are not touched (their state belongs to Acquire and Final).
template <typename W>
__attribute__((target("avx512f,avx512vl"))) void Compress(uint32_t state[4][kLanes], const char* base,
                                                          const uint32_t offset[kLanes], const uint64_t blocks[kLanes]) {
  using V = typename W::V;
  typename W::Mask batch = 0;
  uint64_t most = 0;
  for (int l = 0; l < W::kWidth; ++l) {
    if (blocks[l] > 0) batch |= static_cast<typename W::Mask>(1u << l);
    most = std::max(most, blocks[l]);
  }
  V sa = W::Load(batch, state[0]), sb = W::Load(batch, state[1]);
  V sc = W::Load(batch, state[2]), sd = W::Load(batch, state[3]);
  for (uint64_t r = 0; r < most; ++r) {
    typename W::Mask live = 0;
    const char* rows[W::kWidth];
    for (int l = 0; l < W::kWidth; ++l) {
      rows[l] = nullptr;
      if (blocks[l] > r) {
        live |= static_cast<typename W::Mask>(1u << l);
        rows[l] = base + offset[l] + r * 64;
      }
    }
    V m[16];
    W::Messages(rows, m);
    V a = sa, b = sb, c = sc, d = sd;
    Rounds<W>(a, b, c, d, m, std::make_integer_sequence<int, 16>{});
    sa = W::MaskAdd(sa, live, sa, a);
    sb = W::MaskAdd(sb, live, sb, b);
    sc = W::MaskAdd(sc, live, sc, c);
    sd = W::MaskAdd(sd, live, sd, d);
  }
  W::Store(state[0], batch, sa);
  W::Store(state[1], batch, sb);
  W::Store(state[2], batch, sc);
  W::Store(state[3], batch, sd);
}

void CompressLanes(uint32_t state[4][kLanes], const char* base, const uint32_t offset[kLanes],
                   const uint64_t blocks[kLanes]) {
  bool upper = false;
  for (int l = Ymm::kWidth; l < kLanes; ++l) upper |= blocks[l] > 0;
  if (upper) {
    Compress<Zmm>(state, base, offset, blocks);
  } else {
    Compress<Ymm>(state, base, offset, blocks);
  }
}

bool HaveAvx512() { return __builtin_cpu_supports("avx512f") && __builtin_cpu_supports("avx512vl"); }
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
        uint64_t before = lane.head - lane.tail, after = before + n;
        wake = (before < kBatchBlocks * 64 && after >= kBatchBlocks * 64) || (before < kHighWater && after >= kHighWater);
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
      lane.flushing = true;
      work_cv_.notify_one();
      space_cv_.wait(lock, [&] { return lane.head - lane.tail < 64 && !lane.in_batch; });
      for (int i = 0; i < 4; ++i) st[i] = state_[i][l];
      total = lane.head;
      rest = static_cast<size_t>(lane.head - lane.tail);
      const char* ring = arena_.get() + static_cast<size_t>(l) * kRing;
      std::memcpy(tail, ring + lane.tail % kRing, rest);  // never wraps: tail is block-aligned
      lane.active = false;
    }
    work_cv_.notify_one();  // the streams left open may now all have a batch's worth
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
    {
      std::unique_lock lock(mu_);
      space_cv_.wait(lock, [&] { return !lanes_[l].in_batch; });
      lanes_[l].active = false;
    }
    work_cv_.notify_one();
  }

 private:
  struct Lane {
    bool active = false;
    bool in_batch = false;
    bool flushing = false;  // Final() waits for the ring to drain
    uint64_t head = 0;      // bytes written into the ring, ever
    uint64_t tail = 0;      // bytes hashed (a multiple of 64)
  };

  LaneService() : arena_(new char[kLanes * kRing]) {
    std::thread([this] { Run(); }).detach();
  }

  bool BatchDue() const {
    int open = 0, full = 0;
    for (const Lane& lane : lanes_) {
      if (!lane.active) continue;
      uint64_t pending = lane.head - lane.tail;
      if (pending >= kHighWater || (lane.flushing && pending >= 64)) return true;
      ++open;
      if (pending >= kBatchBlocks * 64) ++full;
    }
    return open > 0 && full == open;
  }

  void Run() {
    uint32_t offset[kLanes];
    uint64_t blocks[kLanes];
    for (;;) {
      int live = 0, single = -1;
      {
        std::unique_lock lock(mu_);
        work_cv_.wait(lock, [&] { return BatchDue(); });
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
