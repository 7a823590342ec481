#pragma once
// What xs3bench runs: an operation mix over a key set (load), the PUT of every key (prefill),
// one object written as parallel multipart parts (multipart-put), one object read back with
// parallel ranged GETs (ranged-get) and that object's DELETE (delete-object). Each phase runs its workers on --threads io_contexts and
// returns merged per-operation statistics.
#include <array>
#include <atomic>
#include <cstdint>
#include <string>
#include <vector>

#include "bench/xs3bench/histogram.h"
#include "bench/xs3bench/request_builder.h"

namespace xs3::bench {

enum class Op { Get, Put, Head, List, Delete, UploadPart, RangedGet, kCount };
const char* OpName(Op op);

struct Options {
  std::string host = "127.0.0.1";
  uint16_t port = 9000;
  std::string target = "xs3";      // "xs3" or "nginx" (unsigned GETs of /<bucket>/<key>)
  std::string bucket = "bench";
  std::string bucket_type = "gp";  // "gp" or "directory"
  bool create_bucket = false;
  std::string region = "us-east-1";
  std::string access_key = "xs3devaccesskey";
  std::string secret_key = "xs3devsecretkey";
  std::string mode = "load";       // load | multipart-put | ranged-get | delete-object
  unsigned concurrency = 16;
  unsigned threads = 1;
  double duration_s = 10;
  uint64_t requests = 0;           // when set, the run stops after this many requests instead
  uint64_t size = 4096;
  uint64_t keys = 1000;
  std::string key_prefix = "";
  std::string distribution = "uniform";
  double zipf_s = 1.0;
  std::array<unsigned, static_cast<size_t>(Op::kCount)> mix{};  // weights; GET 100 by default
  bool prefill = false;
  unsigned prefill_concurrency = 0;  // 0: --concurrency
  bool signed_payload = false;       // x-amz-content-sha256 = SHA-256 of the body instead of UNSIGNED-PAYLOAD
  std::string object = "checkpoint.bin";
  uint64_t part_size = 64ull << 20;
  unsigned parallel = 8;
  bool progress = true;
  uint64_t seed = 1;
};

struct OpStats {
  Histogram ttfb;
  Histogram total;
  uint64_t ok = 0;
  uint64_t errors = 0;
  uint64_t bytes = 0;  // payload bytes sent (PUT) or received (GET)
  void Merge(const OpStats& o);
};

struct PhaseResult {
  std::string name;
  double seconds = 0;
  std::array<OpStats, static_cast<size_t>(Op::kCount)> ops;
  std::vector<std::string> sample_errors;  // a few, for the report
  OpStats All() const;
};

// Key i of the set: "<prefix>d<i/1000>/o<i%1000>" -- directories of 1,000 keys, so a LIST of one
// directory returns 1,000 keys in either bucket type and nginx can serve the same tree.
std::string KeyName(const std::string& prefix, uint64_t i);

// Creates the bucket when asked and opens the S3 Express session for directory buckets.
// Returns false (with *error) when the target cannot be used.
bool Prepare(const Options& options, Credentials* session, std::string* error);

PhaseResult RunPrefill(const Options& options, const Credentials& credentials);
PhaseResult RunLoad(const Options& options, const Credentials& credentials);
PhaseResult RunMultipartPut(const Options& options, const Credentials& credentials);
PhaseResult RunRangedGet(const Options& options, const Credentials& credentials);
PhaseResult RunDeleteObject(const Options& options, const Credentials& credentials);

}  // namespace xs3::bench
