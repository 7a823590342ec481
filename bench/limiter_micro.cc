// The request-rate limiter's own cost at rates no loopback client on this machine reaches:
// Admit() calls from every core on one directory bucket (the most contended case: one shard),
// against the same loop without the limiter (a hash of the same key) as the reference.
//   build/bench/limiter_micro
#include <chrono>
#include <cstdio>
#include <functional>
#include <string>
#include <thread>
#include <vector>

#include "api/request_rate_limiter.h"

namespace {

template <class F>
double NsPerCall(unsigned threads, long calls_per_thread, F f) {
  auto t0 = std::chrono::steady_clock::now();
  std::vector<std::thread> pool;
  for (unsigned t = 0; t < threads; ++t)
    pool.emplace_back([&, t] {
      for (long i = 0; i < calls_per_thread; ++i) f(t, i);
    });
  for (auto& th : pool) th.join();
  double ns = std::chrono::duration<double, std::nano>(std::chrono::steady_clock::now() - t0).count();
  return ns / (static_cast<double>(calls_per_thread) * threads);
}

}  // namespace

int main() {
  unsigned threads = std::max(1u, std::thread::hardware_concurrency());
  const long calls = 2'000'000;
  xs3::api::RequestRateLimiter limiter(xs3::api::RateLimits{});
  const std::string bucket = "bench--use1-az4--x-s3", key = "shard/00001";
  volatile size_t sink = 0;
  double with = NsPerCall(threads, calls, [&](unsigned, long) { sink = sink + limiter.Admit(true, bucket, key, false); });
  double without = NsPerCall(threads, calls, [&](unsigned, long) { sink = sink + std::hash<std::string>{}("r\n" + bucket); });
  double capacity = 1e9 / with;  // NsPerCall is wall time per call over all threads
  std::printf("%u threads, one directory bucket: Admit %.0f ns/call, reference (same key hashing) %.0f ns/call\n",
              threads, with, without);
  std::printf("limiter alone sustains ~%.1f M admissions/s across %u threads\n", capacity / 1e6, threads);
  return 0;
}
