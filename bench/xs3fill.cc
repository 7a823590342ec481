// xs3fill: loads millions of empty objects into a stopped server's data dir through the storage
// engine, for the metadata scale runs (LIST at 10M keys, startup, lookup latency, bytes per
// object). Loading 10M keys through HTTP takes ~20 minutes per bucket on a 2-core box; what
// those runs measure is the resulting index, not the loading path (the PUT scenarios measure
// that). Records match what PutObject stores for an empty body with no headers: owner, the
// empty body's MD5 as ETag (a random one in directory buckets), CRC64NVME, mtime.
//
//   xs3fill --data-dir D --bucket B --keys N [--key-prefix P] [--threads T]
//
// Keys are xs3bench's (KeyName: "<prefix>dNNNNNN/oNNN"), so xs3bench's LIST and HEAD mixes find
// them. The bucket must exist; xs3d must not be running (the data dir lock says so if it is).
#include <atomic>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <random>
#include <string>
#include <thread>
#include <vector>

#include "auth/checksum.h"
#include "bench/xs3bench/scenarios.h"
#include "storage/engine.h"

namespace {

int Usage() {
  std::fprintf(stderr, "usage: xs3fill --data-dir D --bucket B --keys N [--key-prefix P] [--threads T]\n");
  return 2;
}

std::string RandomHex32() {
  static thread_local uint64_t state = std::random_device{}() | (uint64_t{std::random_device{}()} << 32);
  std::string out(32, '0');
  for (int half = 0; half < 2; ++half) {
    state = state * 6364136223846793005ULL + 1442695040888963407ULL;
    uint64_t v = state ^ (state >> 29);
    for (int i = 0; i < 16; ++i) out[half * 16 + i] = "0123456789abcdef"[(v >> (i * 4)) & 15];
  }
  return out;
}

}  // namespace

int main(int argc, char** argv) {
  std::string data_dir, bucket, prefix;
  uint64_t keys = 0;
  unsigned threads = 8;
  for (int i = 1; i < argc; ++i) {
    std::string a = argv[i];
    if (i + 1 >= argc) return Usage();
    std::string v = argv[++i];
    if (a == "--data-dir") data_dir = v;
    else if (a == "--bucket") bucket = v;
    else if (a == "--keys") keys = std::stoull(v);
    else if (a == "--key-prefix") prefix = v;
    else if (a == "--threads") threads = static_cast<unsigned>(std::stoul(v));
    else return Usage();
  }
  if (data_dir.empty() || bucket.empty() || threads == 0) return Usage();

  xs3::storage::EngineOptions options;
  options.data_dir = data_dir;
  options.durability = xs3::storage::Durability::Relaxed;  // one sync at the clean close
  auto engine = xs3::storage::Engine::Open(options);
  if (!engine.ok()) {
    std::fprintf(stderr, "xs3fill: %s\n", engine.status().message().c_str());
    return 1;
  }
  auto info = engine.value()->GetBucket(bucket);
  if (!info.ok()) {
    std::fprintf(stderr, "xs3fill: %s\n", info.status().message().c_str());
    return 1;
  }
  const bool directory = info->type == xs3::storage::BucketType::Directory;
  xs3::storage::ObjectMeta base;
  base.owner = info->owner;
  base.checksums["CRC64NVME"] =
      xs3::auth::Base64Encode(xs3::auth::Digest(xs3::auth::ChecksumAlgorithm::CRC64NVME, ""));
  base.checksum_type = "FULL_OBJECT";
  if (directory) base.storage_class = "EXPRESS_ONEZONE";
  const std::string empty_md5 = xs3::auth::HexEncode(xs3::auth::Digest(xs3::auth::ChecksumAlgorithm::MD5, ""));

  std::atomic<uint64_t> next{0}, failed{0};
  auto started = std::chrono::steady_clock::now();
  std::vector<std::thread> workers;
  for (unsigned t = 0; t < threads; ++t) {
    workers.emplace_back([&] {
      for (uint64_t i; (i = next.fetch_add(1)) < keys;) {
        auto writer = engine.value()->NewBodyWriter();
        xs3::storage::ObjectMeta meta = base;
        meta.etag = directory ? RandomHex32() : empty_md5;
        xs3::storage::Status s =
            writer.ok() ? engine.value()->PutObject(bucket, xs3::bench::KeyName(prefix, i), std::move(writer.value()),
                                                    std::move(meta), {})
                        : writer.status();
        if (!s.ok() && failed.fetch_add(1) == 0) std::fprintf(stderr, "xs3fill: %s\n", s.message().c_str());
        if (i % 1000000 == 999999) std::fprintf(stderr, "xs3fill: %llu keys\n", static_cast<unsigned long long>(i + 1));
      }
    });
  }
  for (auto& w : workers) w.join();
  double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count();
  engine.value().reset();  // the clean close: one sync, and the clean-shutdown marker
  std::printf("{\"keys\": %llu, \"failed\": %llu, \"seconds\": %.2f, \"per_s\": %.0f}\n",
              static_cast<unsigned long long>(keys), static_cast<unsigned long long>(failed.load()), seconds,
              keys / (seconds > 0 ? seconds : 1));
  return failed.load() == 0 ? 0 : 1;
}
