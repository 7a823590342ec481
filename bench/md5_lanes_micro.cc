// Multi-buffer MD5 against OpenSSL's, the CPU cost the checkpoint write pays per byte: N streams
// of S MiB each, fed in 256 KiB pieces (the server's body reads) from N threads.
//   build/bench/md5_lanes_micro [streams=8] [mib_per_stream=256]
#include <sys/resource.h>

#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <string>
#include <thread>
#include <vector>

#include "auth/checksum.h"
#include "auth/md5_lanes.h"

namespace {

double CpuSeconds() {
  rusage u{};
  getrusage(RUSAGE_SELF, &u);
  return u.ru_utime.tv_sec + u.ru_stime.tv_sec + (u.ru_utime.tv_usec + u.ru_stime.tv_usec) / 1e6;
}

void Run(const char* name, int streams, size_t bytes, bool lanes) {
  std::string buf(256 * 1024, 'x');
  for (size_t i = 0; i < buf.size(); ++i) buf[i] = static_cast<char>(i * 131 + 7);
  double cpu0 = CpuSeconds();
  auto t0 = std::chrono::steady_clock::now();
  std::vector<std::thread> threads;
  for (int s = 0; s < streams; ++s) {
    threads.emplace_back([&] {
      auto h = lanes ? xs3::auth::NewLaneMd5() : nullptr;
      if (!h) h = xs3::auth::Hasher::Create(xs3::auth::ChecksumAlgorithm::MD5);
      for (size_t done = 0; done < bytes; done += buf.size()) h->Update(buf.data(), buf.size());
      (void)h->Final();
    });
  }
  for (auto& t : threads) t.join();
  double wall = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  double cpu = CpuSeconds() - cpu0;
  double total = static_cast<double>(bytes) * streams;
  std::printf("%-8s %2d streams: %6.2f GB/s wall, %6.2f GB per CPU-second\n", name, streams, total / wall / 1e9,
              total / cpu / 1e9);
}

}  // namespace

int main(int argc, char** argv) {
  int streams = argc > 1 ? std::atoi(argv[1]) : 8;
  size_t mib = argc > 2 ? std::strtoull(argv[2], nullptr, 10) : 256;
  if (!xs3::auth::NewLaneMd5()) std::printf("no AVX-512: lanes fall back to OpenSSL\n");
  Run("openssl", streams, mib << 20, false);
  Run("lanes", streams, mib << 20, true);
  return 0;
}
