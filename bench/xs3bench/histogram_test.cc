#include "bench/xs3bench/histogram.h"

#include <doctest/doctest.h>

#include <random>
#include <vector>
#include <algorithm>

using xs3::bench::Histogram;

TEST_CASE("buckets tile the 64-bit range without gaps or overlaps") {
  CHECK(Histogram::BucketOf(0) == 0);
  CHECK(Histogram::BucketOf(127) == 127);
  CHECK(Histogram::BucketOf(128) == 128);
  CHECK(Histogram::BucketOf(UINT64_MAX) == Histogram::kBuckets - 1);
  for (int b = 0; b + 1 < Histogram::kBuckets; ++b) {
    REQUIRE(Histogram::UpperBound(b) + 1 == Histogram::LowerBound(b + 1));
    REQUIRE(Histogram::BucketOf(Histogram::LowerBound(b)) == b);
    REQUIRE(Histogram::BucketOf(Histogram::UpperBound(b)) == b);
  }
}

TEST_CASE("percentiles stay within the bucket precision of exact nearest-rank values") {
  std::mt19937_64 rng(42);
  std::lognormal_distribution<double> dist(11.0, 1.5);  // ~60 us median, long tail
  std::vector<uint64_t> values;
  Histogram h;
  for (int i = 0; i < 100000; ++i) {
    auto v = static_cast<uint64_t>(dist(rng));
    values.push_back(v);
    h.Record(v);
  }
  std::sort(values.begin(), values.end());
  for (double q : {0.5, 0.9, 0.99, 0.999}) {
    auto exact = static_cast<double>(values[static_cast<size_t>(std::ceil(q * values.size())) - 1]);
    auto got = static_cast<double>(h.Percentile(q));
    CHECK(std::abs(got - exact) <= exact / 64 + 1);
  }
  CHECK(h.count() == values.size());
  CHECK(h.min() == values.front());
  CHECK(h.max() == values.back());
  CHECK(h.Percentile(1.0) == values.back());
}

TEST_CASE("merging equals recording everything in one histogram") {
  Histogram a, b, all;
  for (uint64_t v = 1; v < 5000000; v = v * 3 / 2 + 7) {
    (v % 2 ? a : b).Record(v);
    all.Record(v);
  }
  a.Merge(b);
  CHECK(a.count() == all.count());
  for (double q : {0.1, 0.5, 0.99}) CHECK(a.Percentile(q) == all.Percentile(q));
  CHECK(Histogram().Percentile(0.5) == 0);
}
