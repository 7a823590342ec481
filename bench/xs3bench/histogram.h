#pragma once
// Latency histogram with HDR-style log-linear buckets: exact below 128 ns, then 64 linear
// sub-buckets per power of two, so any recorded value is reported within 1/64 (1.6%) of the
// truth over the whole 64-bit range, in a fixed 30 KiB with O(1) recording and no allocation
// on the hot path. Histograms of separate threads are merged after the run.
#include <array>
#include <cstdint>

namespace xs3::bench {

class Histogram {
 public:
  static constexpr int kSubBits = 6;                   // 64 sub-buckets per power of two
  static constexpr int kLinear = 2 << kSubBits;        // values below 128 have their own bucket
  static constexpr int kBuckets = (63 - kSubBits) * (1 << kSubBits) + kLinear;

  void Record(uint64_t value);
  void Merge(const Histogram& other);

  uint64_t count() const { return count_; }
  uint64_t min() const { return count_ ? min_ : 0; }
  uint64_t max() const { return max_; }
  double mean() const { return count_ ? static_cast<double>(sum_) / static_cast<double>(count_) : 0; }
  // The value at quantile q in [0, 1] (the bucket's midpoint, clamped to [min, max]); 0 if empty.
  uint64_t Percentile(double q) const;

  static int BucketOf(uint64_t value);
  static uint64_t LowerBound(int bucket);
  static uint64_t UpperBound(int bucket);  // inclusive

 private:
  std::array<uint64_t, kBuckets> buckets_{};
  uint64_t count_ = 0;
  uint64_t sum_ = 0;
  uint64_t min_ = UINT64_MAX;
  uint64_t max_ = 0;
};

}  // namespace xs3::bench
