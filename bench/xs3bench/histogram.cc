#include "bench/xs3bench/histogram.h"

#include <algorithm>
#include <bit>
#include <cmath>

namespace xs3::bench {

int Histogram::BucketOf(uint64_t value) {
  if (value < static_cast<uint64_t>(kLinear)) return static_cast<int>(value);
  int shift = (63 - std::countl_zero(value)) - kSubBits;  // value >> shift lands in [64, 128)
  return (shift << kSubBits) + static_cast<int>(value >> shift);
}

uint64_t Histogram::LowerBound(int bucket) {
  if (bucket < kLinear) return static_cast<uint64_t>(bucket);
  int shift = (bucket >> kSubBits) - 1;
  uint64_t sub = static_cast<uint64_t>((bucket & ((1 << kSubBits) - 1)) + (1 << kSubBits));
  return sub << shift;
}

uint64_t Histogram::UpperBound(int bucket) {
  if (bucket < kLinear) return static_cast<uint64_t>(bucket);
  int shift = (bucket >> kSubBits) - 1;
  return LowerBound(bucket) + ((uint64_t{1} << shift) - 1);
}

void Histogram::Record(uint64_t value) {
  ++buckets_[static_cast<size_t>(BucketOf(value))];
  ++count_;
  sum_ += value;
  min_ = std::min(min_, value);
  max_ = std::max(max_, value);
}

void Histogram::Merge(const Histogram& other) {
  for (size_t i = 0; i < buckets_.size(); ++i) buckets_[i] += other.buckets_[i];
  count_ += other.count_;
  sum_ += other.sum_;
  min_ = std::min(min_, other.min_);
  max_ = std::max(max_, other.max_);
}

uint64_t Histogram::Percentile(double q) const {
  if (count_ == 0) return 0;
  q = std::clamp(q, 0.0, 1.0);
  // The rank-th smallest value (1-based), as the nearest-rank definition.
  uint64_t rank = std::max<uint64_t>(1, static_cast<uint64_t>(std::ceil(q * static_cast<double>(count_))));
  uint64_t seen = 0;
  for (int b = 0; b < kBuckets; ++b) {
    seen += buckets_[static_cast<size_t>(b)];
    if (seen >= rank) {
      uint64_t lo = LowerBound(b), hi = UpperBound(b);
      return std::clamp(lo + (hi - lo) / 2, min_, max_);
    }
  }
  return max_;
}

}  // namespace xs3::bench
