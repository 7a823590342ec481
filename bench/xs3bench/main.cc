// xs3bench: S3 load generator for xs3 (and an unsigned-GET mode against nginx as reference).
// See bench/README.md for the scenarios; `xs3bench --help` for the flags.
#include <cinttypes>
#include <cstdio>
#include <cstring>
#include <fstream>
#include <iostream>
#include <nlohmann/json.hpp>
#include <string>

#include "bench/xs3bench/scenarios.h"

namespace {

using namespace xs3::bench;

constexpr const char* kUsage = R"(usage: xs3bench [flags]
  --endpoint HOST:PORT       server (default 127.0.0.1:9000)
  --target xs3|nginx         nginx: unsigned GETs of /<bucket>/<key> (GET-only mixes, ranged-get)
  --bucket NAME              (default bench); directory buckets are NAME--ZONE--x-s3
  --bucket-type gp|directory directory: CreateSession, then s3express session signing
  --create-bucket            create the bucket first (an existing one of ours is fine)
  --access-key K --secret-key S --region R
  --mode load|multipart-put|ranged-get|delete-object
  --concurrency N            connections (default 16)
  --threads N                client threads (default 1)
  --duration SECONDS         load: run time (default 10)
  --requests N               load: stop after N requests instead
  --size BYTES               object size (load, prefill) or total object size (multipart/ranged)
  --keys N                   key set size; key i is <prefix>d<i/1000>/o<i%1000>
  --key-prefix P
  --distribution uniform|zipf  --zipf-s S (default 1.0)
  --mix get=90,put=10,head=0,list=0,delete=0  weights (default get=100)
  --prefill                  PUT every key before the load phase
  --prefill-concurrency N
  --signed-payload           sign the SHA-256 of bodies instead of UNSIGNED-PAYLOAD
  --object KEY               multipart-put / ranged-get / delete-object object (default checkpoint.bin)
  --part-size BYTES          part / range size (default 64 MiB)
  --parallel N               parts or ranges in flight (default 8)
  --json FILE                write the results as JSON ("-" for stdout, table then goes to stderr)
  --quiet                    no progress line
Sizes accept K, M, G suffixes (powers of 1024).
)";

uint64_t ParseSize(const std::string& s) {
  size_t used = 0;
  double v = std::stod(s, &used);
  std::string suffix = s.substr(used);
  double mult = suffix.empty() ? 1 : (suffix[0] == 'K' || suffix[0] == 'k') ? 1024.0
                                  : (suffix[0] == 'M' || suffix[0] == 'm') ? 1048576.0
                                  : (suffix[0] == 'G' || suffix[0] == 'g') ? 1073741824.0 : -1;
  if (mult < 0 || v < 0) throw std::invalid_argument("size");
  return static_cast<uint64_t>(v * mult);
}

bool ParseMix(const std::string& s, Options* o) {
  o->mix = {};
  size_t pos = 0;
  while (pos < s.size()) {
    size_t comma = s.find(',', pos);
    std::string item = s.substr(pos, comma == std::string::npos ? std::string::npos : comma - pos);
    pos = comma == std::string::npos ? s.size() : comma + 1;
    auto eq = item.find('=');
    std::string name = item.substr(0, eq);
    unsigned w = eq == std::string::npos ? 1 : static_cast<unsigned>(std::stoul(item.substr(eq + 1)));
    Op op;
    if (name == "get") op = Op::Get;
    else if (name == "put") op = Op::Put;
    else if (name == "head") op = Op::Head;
    else if (name == "list") op = Op::List;
    else if (name == "delete") op = Op::Delete;
    else return false;
    o->mix[static_cast<size_t>(op)] = w;
  }
  return true;
}

double Us(uint64_t ns) { return static_cast<double>(ns) / 1000.0; }

nlohmann::json StatsJson(const OpStats& s, double seconds) {
  auto pct = [](const Histogram& h) {
    return nlohmann::json{{"p50", Us(h.Percentile(0.5))},   {"p90", Us(h.Percentile(0.9))},
                          {"p99", Us(h.Percentile(0.99))},  {"p999", Us(h.Percentile(0.999))},
                          {"max", Us(h.max())},             {"mean", h.mean() / 1000.0}};
  };
  return {{"ok", s.ok},
          {"errors", s.errors},
          {"bytes", s.bytes},
          {"req_per_s", static_cast<double>(s.ok) / seconds},
          {"mb_per_s", static_cast<double>(s.bytes) / 1e6 / seconds},
          {"ttfb_us", pct(s.ttfb)},
          {"total_us", pct(s.total)}};
}

void PrintTable(std::FILE* f, const PhaseResult& r) {
  std::fprintf(f, "%s: %.2f s\n", r.name.c_str(), r.seconds);
  std::fprintf(f, "  %-10s %10s %7s %10s %9s | %-35s | %-35s\n", "op", "ok", "errors", "req/s", "MB/s",
               "  TTFB us  p50     p90     p99   p99.9", "  total us p50     p90     p99   p99.9");
  auto row = [&](const char* name, const OpStats& s) {
    auto q = [](const Histogram& h, double p) { return Us(h.Percentile(p)); };
    std::fprintf(f, "  %-10s %10" PRIu64 " %7" PRIu64 " %10.0f %9.1f | %8.0f %7.0f %7.0f %7.0f    | %8.0f %7.0f %7.0f %7.0f\n",
                 name, s.ok, s.errors, static_cast<double>(s.ok) / r.seconds,
                 static_cast<double>(s.bytes) / 1e6 / r.seconds, q(s.ttfb, .5), q(s.ttfb, .9), q(s.ttfb, .99),
                 q(s.ttfb, .999), q(s.total, .5), q(s.total, .9), q(s.total, .99), q(s.total, .999));
  };
  int used = 0;
  for (size_t i = 0; i < r.ops.size(); ++i) {
    if (r.ops[i].ok + r.ops[i].errors == 0) continue;
    row(OpName(static_cast<Op>(i)), r.ops[i]);
    ++used;
  }
  if (used > 1) row("all", r.All());
  for (const auto& e : r.sample_errors) std::fprintf(f, "  error: %s\n", e.c_str());
}

}  // namespace

int main(int argc, char** argv) {
  Options o;
  o.mix[static_cast<size_t>(Op::Get)] = 100;
  std::string json_path;
  std::string flag;  // the one being parsed, for the error message
  try {
    for (int i = 1; i < argc; ++i) {
      std::string a = argv[i];
      flag = a;
      auto val = [&]() -> std::string {
        if (i + 1 >= argc) throw std::invalid_argument(a + " needs a value");
        return argv[++i];
      };
      if (a == "-h" || a == "--help") {
        std::fputs(kUsage, stdout);
        return 0;
      } else if (a == "--endpoint") {
        std::string e = val();
        auto colon = e.rfind(':');
        if (colon == std::string::npos) throw std::invalid_argument("--endpoint HOST:PORT");
        o.host = e.substr(0, colon);
        o.port = static_cast<uint16_t>(std::stoul(e.substr(colon + 1)));
      } else if (a == "--target") o.target = val();
      else if (a == "--bucket") o.bucket = val();
      else if (a == "--bucket-type") o.bucket_type = val();
      else if (a == "--create-bucket") o.create_bucket = true;
      else if (a == "--access-key") o.access_key = val();
      else if (a == "--secret-key") o.secret_key = val();
      else if (a == "--region") o.region = val();
      else if (a == "--mode") o.mode = val();
      else if (a == "--concurrency") o.concurrency = static_cast<unsigned>(std::stoul(val()));
      else if (a == "--threads") o.threads = static_cast<unsigned>(std::stoul(val()));
      else if (a == "--duration") o.duration_s = std::stod(val());
      else if (a == "--requests") o.requests = std::stoull(val());
      else if (a == "--size") o.size = ParseSize(val());
      else if (a == "--keys") o.keys = std::stoull(val());
      else if (a == "--key-prefix") o.key_prefix = val();
      else if (a == "--distribution") o.distribution = val();
      else if (a == "--zipf-s") o.zipf_s = std::stod(val());
      else if (a == "--mix") {
        if (!ParseMix(val(), &o)) throw std::invalid_argument("--mix: ops are get, put, head, list, delete");
      } else if (a == "--prefill") o.prefill = true;
      else if (a == "--prefill-concurrency") o.prefill_concurrency = static_cast<unsigned>(std::stoul(val()));
      else if (a == "--signed-payload") o.signed_payload = true;
      else if (a == "--object") o.object = val();
      else if (a == "--part-size") o.part_size = ParseSize(val());
      else if (a == "--parallel") o.parallel = static_cast<unsigned>(std::stoul(val()));
      else if (a == "--json") json_path = val();
      else if (a == "--quiet") o.progress = false;
      else if (a == "--seed") o.seed = std::stoull(val());
      else throw std::invalid_argument("unknown flag " + a);
    }
    if (o.target != "xs3" && o.target != "nginx") throw std::invalid_argument("--target xs3|nginx");
    if (o.bucket_type != "gp" && o.bucket_type != "directory") throw std::invalid_argument("--bucket-type gp|directory");
    if (o.distribution != "uniform" && o.distribution != "zipf") throw std::invalid_argument("--distribution uniform|zipf");
    if (o.mode != "load" && o.mode != "multipart-put" && o.mode != "ranged-get" && o.mode != "delete-object") {
      throw std::invalid_argument("--mode load|multipart-put|ranged-get|delete-object");
    }
    if (o.bucket_type == "directory" && o.bucket.size() < 8) throw std::invalid_argument("directory bucket names end in --x-s3");
    if (o.target == "nginx") {
      for (size_t i = 0; i < o.mix.size(); ++i) {
        if (o.mix[i] && static_cast<Op>(i) != Op::Get) throw std::invalid_argument("--target nginx serves GETs only");
      }
      if (o.prefill || o.mode == "multipart-put" || o.mode == "delete-object" || o.create_bucket) {
        throw std::invalid_argument("--target nginx: put the files in nginx's root instead");
      }
    }
    if (o.concurrency == 0 || o.parallel == 0 || o.threads == 0 || o.part_size == 0) {
      throw std::invalid_argument("--concurrency, --parallel, --threads and --part-size must be positive");
    }
  } catch (const std::invalid_argument& e) {
    std::fprintf(stderr, "xs3bench: %s (at %s)\n%s", e.what(), flag.c_str(), kUsage);
    return 2;
  } catch (const std::exception& e) {
    std::fprintf(stderr, "xs3bench: %s: bad value (%s)\n%s", flag.c_str(), e.what(), kUsage);
    return 2;
  }

  Credentials credentials;
  std::string error;
  if (!Prepare(o, &credentials, &error)) {
    std::fprintf(stderr, "xs3bench: %s\n", error.c_str());
    return 1;
  }
  std::vector<PhaseResult> results;
  if (o.prefill) results.push_back(RunPrefill(o, credentials));
  if (o.mode == "load" && (o.duration_s > 0 || o.requests > 0)) results.push_back(RunLoad(o, credentials));
  if (o.mode == "multipart-put") results.push_back(RunMultipartPut(o, credentials));
  if (o.mode == "ranged-get") results.push_back(RunRangedGet(o, credentials));
  if (o.mode == "delete-object") results.push_back(RunDeleteObject(o, credentials));

  std::FILE* table = json_path == "-" ? stderr : stdout;
  nlohmann::json doc = {{"target", o.target}, {"endpoint", o.host + ":" + std::to_string(o.port)},
                        {"bucket", o.bucket},  {"bucket_type", o.bucket_type},
                        {"concurrency", o.concurrency}, {"size", o.size}, {"keys", o.keys},
                        {"phases", nlohmann::json::object()}};
  uint64_t errors = 0;
  for (const auto& r : results) {
    PrintTable(table, r);
    nlohmann::json phase = {{"seconds", r.seconds}, {"all", StatsJson(r.All(), r.seconds)},
                            {"errors_sample", r.sample_errors}};
    for (size_t i = 0; i < r.ops.size(); ++i) {
      if (r.ops[i].ok + r.ops[i].errors) phase["ops"][OpName(static_cast<Op>(i))] = StatsJson(r.ops[i], r.seconds);
    }
    doc["phases"][r.name] = phase;
    errors += r.All().errors;
  }
  if (json_path == "-") {
    std::cout << doc.dump(2) << std::endl;
  } else if (!json_path.empty()) {
    std::ofstream(json_path) << doc.dump(2) << "\n";
  }
  return errors ? 3 : 0;
}
