#include "bench/xs3bench/scenarios.h"

#include <algorithm>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/io_context.hpp>
#include <cinttypes>
#include <cmath>
#include <cstdlib>
#include <cstring>
#include <optional>
#include <cstdio>
#include <functional>
#include <memory>
#include <mutex>
#include <random>
#include <thread>

#include "auth/checksum.h"
#include "auth/sigv4.h"
#include "bench/xs3bench/connection.h"

namespace xs3::bench {

namespace net = boost::asio;
using net::awaitable;

const char* OpName(Op op) {
  switch (op) {
    case Op::Get: return "GET";
    case Op::Put: return "PUT";
    case Op::Head: return "HEAD";
    case Op::List: return "LIST";
    case Op::Delete: return "DELETE";
    case Op::UploadPart: return "UploadPart";
    case Op::RangedGet: return "RangedGET";
    case Op::kCount: break;
  }
  return "?";
}

void OpStats::Merge(const OpStats& o) {
  ttfb.Merge(o.ttfb);
  total.Merge(o.total);
  ok += o.ok;
  errors += o.errors;
  bytes += o.bytes;
}

OpStats PhaseResult::All() const {
  OpStats all;
  for (const auto& s : ops) all.Merge(s);
  return all;
}

std::string KeyName(const std::string& prefix, uint64_t i) {
  char buf[48];
  std::snprintf(buf, sizeof buf, "d%06" PRIu64 "/o%03" PRIu64, i / 1000, i % 1000);
  return prefix + buf;
}

namespace {

// Session credentials are renewed well before the server's shortest lifetime (60 s minimum
// would be too tight; xs3 defaults to 300 s).
constexpr auto kSessionRefresh = std::chrono::seconds(120);

std::string Service(const Options& o) { return o.bucket_type == "directory" ? "s3express" : "s3"; }
std::string HostHeader(const Options& o) { return o.host + ":" + std::to_string(o.port); }
std::string BucketPath(const Options& o) { return "/" + o.bucket; }
std::string ObjectPath(const Options& o, std::string_view key) {
  return "/" + o.bucket + "/" + auth::UriEncode(key, false);
}

std::string XmlText(const std::string& xml, const std::string& tag) {
  auto b = xml.find("<" + tag + ">");
  if (b == std::string::npos) return {};
  b += tag.size() + 2;
  auto e = xml.find("</" + tag + ">", b);
  return e == std::string::npos ? std::string() : xml.substr(b, e - b);
}

std::vector<char> RandomBytes(uint64_t n, uint64_t seed) {
  std::vector<char> v(n);
  std::mt19937_64 rng(seed);
  for (uint64_t i = 0; i + 8 <= n; i += 8) {
    uint64_t r = rng();
    std::memcpy(v.data() + i, &r, 8);
  }
  return v;
}

// Runs one exchange to completion on a private io_context (setup and teardown steps).
Exchange SyncDo(const Options& o, RequestBuilder& builder, const RequestSpec& spec, std::span<const char> body) {
  net::io_context io(1);
  auto endpoint = net::ip::tcp::endpoint(net::ip::make_address(o.host), o.port);
  Connection conn(io.get_executor(), endpoint);
  std::string head;
  builder.Build(spec, &head);
  Exchange result;
  net::co_spawn(
      io, [&]() -> awaitable<void> { result = co_await conn.Do(head, body, spec.method == "HEAD", true); },
      net::detached);
  io.run();
  return result;
}

std::string Describe(const Exchange& x) {
  if (x.status == 0) return "connection error: " + x.error;
  std::string code = XmlText(x.body, "Code");
  return "HTTP " + std::to_string(x.status) + (code.empty() ? "" : " " + code);
}

std::optional<Credentials> ParseSession(const std::string& xml) {
  Credentials c{XmlText(xml, "AccessKeyId"), XmlText(xml, "SecretAccessKey"), XmlText(xml, "SessionToken")};
  if (c.access_key.empty() || c.secret_key.empty() || c.session_token.empty()) return std::nullopt;
  return c;
}

// Picks keys uniformly or by a Zipf law over ranks (rank 0 = key 0 hottest), via a precomputed
// CDF shared read-only by all threads.
class KeyPicker {
 public:
  explicit KeyPicker(const Options& o) : keys_(std::max<uint64_t>(1, o.keys)) {
    if (o.distribution == "zipf") {
      cdf_.resize(keys_);
      double sum = 0;
      for (uint64_t i = 0; i < keys_; ++i) cdf_[i] = (sum += 1.0 / std::pow(static_cast<double>(i + 1), o.zipf_s));
      for (auto& c : cdf_) c /= sum;
    }
  }
  uint64_t Pick(std::mt19937_64& rng) const {
    if (cdf_.empty()) return rng() % keys_;
    double u = std::uniform_real_distribution<double>(0, 1)(rng);
    auto it = std::lower_bound(cdf_.begin(), cdf_.end(), u);
    return std::min<uint64_t>(static_cast<uint64_t>(it - cdf_.begin()), keys_ - 1);
  }
  uint64_t keys() const { return keys_; }

 private:
  uint64_t keys_;
  std::vector<double> cdf_;
};

struct Shared {
  const Options& o;
  Clock::time_point deadline;
  uint64_t limit = 0;  // 0: run until deadline
  std::atomic<uint64_t> issued{0};
  std::atomic<uint64_t> done{0};
  std::atomic<uint64_t> errors{0};
  std::atomic<uint64_t> bytes{0};
  std::mutex mu;
  std::vector<std::string> sample_errors;
  Credentials root;

  // Claims the next unit of work; false once the phase is over.
  bool Next(uint64_t* index = nullptr) {
    if (limit) {
      uint64_t i = issued.fetch_add(1);
      if (index) *index = i;
      return i < limit;
    }
    return Clock::now() < deadline;
  }
};

struct Worker {
  Shared& shared;
  RequestBuilder builder;
  PhaseResult partial;
  std::mt19937_64 rng;
  Clock::time_point session_born = Clock::now();
  bool refreshing = false;

  void Record(Op op, const Exchange& x, uint64_t payload_bytes, bool ok) {
    auto& s = partial.ops[static_cast<size_t>(op)];
    if (ok) {
      ++s.ok;
      s.bytes += payload_bytes;
      s.ttfb.Record(static_cast<uint64_t>(std::chrono::nanoseconds(x.first_byte - x.start).count()));
      s.total.Record(static_cast<uint64_t>(std::chrono::nanoseconds(x.done - x.start).count()));
      shared.bytes.fetch_add(payload_bytes, std::memory_order_relaxed);
    } else {
      ++s.errors;
      shared.errors.fetch_add(1, std::memory_order_relaxed);
      std::lock_guard lock(shared.mu);
      if (shared.sample_errors.size() < 5) {
        shared.sample_errors.push_back(std::string(OpName(op)) + ": " + Describe(x));
      }
    }
    shared.done.fetch_add(1, std::memory_order_relaxed);
  }

  // Directory buckets: renew the session on this connection before it expires.
  awaitable<void> MaybeRefreshSession(Connection& conn) {
    const Options& o = shared.o;
    if (o.bucket_type != "directory" || o.target != "xs3" || refreshing) co_return;
    if (Clock::now() - session_born < kSessionRefresh) co_return;
    refreshing = true;
    RequestBuilder root(HostHeader(o), o.region, "s3express", shared.root, true);
    std::string h;
    root.Build({"GET", BucketPath(o), "session="}, &h);
    Exchange x = co_await conn.Do(h, {}, false, true);
    if (auto c = x.status == 200 ? ParseSession(x.body) : std::nullopt) {
      builder.SetCredentials(*c);
      session_born = Clock::now();
    }
    refreshing = false;
  }
};

using WorkerFn = std::function<awaitable<void>(Worker&, Connection&)>;

PhaseResult RunPhase(const std::string& name, const Options& o, const Credentials& credentials, unsigned workers,
                     Shared& shared, const WorkerFn& fn) {
  unsigned nthreads = std::max(1u, std::min(o.threads, workers));
  auto endpoint = net::ip::tcp::endpoint(net::ip::make_address(o.host), o.port);
  std::vector<std::unique_ptr<net::io_context>> ios;
  std::vector<std::unique_ptr<Worker>> states;  // one per thread
  std::vector<std::unique_ptr<Connection>> conns;
  for (unsigned t = 0; t < nthreads; ++t) {
    ios.push_back(std::make_unique<net::io_context>(1));
    states.push_back(std::make_unique<Worker>(Worker{
        shared, RequestBuilder(HostHeader(o), o.region, Service(o), credentials, o.target == "xs3"), {},
        std::mt19937_64(o.seed * 7919 + t)}));
  }
  for (unsigned w = 0; w < workers; ++w) {
    auto& io = *ios[w % nthreads];
    conns.push_back(std::make_unique<Connection>(io.get_executor(), endpoint));
    net::co_spawn(io, fn(*states[w % nthreads], *conns.back()), net::detached);
  }
  auto start = Clock::now();
  std::vector<std::thread> threads;
  std::atomic<unsigned> running{nthreads};
  std::mutex end_mu;
  Clock::time_point end = start;  // when the last thread ran out of work
  for (auto& io : ios) {
    threads.emplace_back([&io, &running, &end_mu, &end] {
      io->run();
      std::lock_guard lock(end_mu);
      end = std::max(end, Clock::now());
      running.fetch_sub(1);
    });
  }
  uint64_t last_done = 0;
  auto last = start;
  while (running.load() > 0) {
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
    auto now = Clock::now();
    if (o.progress && now - last >= std::chrono::seconds(1)) {
      uint64_t d = shared.done.load();
      double dt = std::chrono::duration<double>(now - last).count();
      std::fprintf(stderr, "\r[%s] %6.1fs  %10" PRIu64 " done  %9.0f req/s  %9.1f MB/s  %" PRIu64 " errors   ",
                   name.c_str(), std::chrono::duration<double>(now - start).count(), d,
                   static_cast<double>(d - last_done) / dt, static_cast<double>(shared.bytes.load()) / 1e6 /
                   std::chrono::duration<double>(now - start).count(), shared.errors.load());
      std::fflush(stderr);
      last_done = d;
      last = now;
    }
  }
  for (auto& t : threads) t.join();
  if (o.progress && last != start) std::fprintf(stderr, "\n");
  PhaseResult r;
  r.name = name;
  r.seconds = std::chrono::duration<double>(end - start).count();
  for (auto& s : states) {
    for (size_t i = 0; i < r.ops.size(); ++i) r.ops[i].Merge(s->partial.ops[i]);
  }
  r.sample_errors = shared.sample_errors;
  return r;
}

bool Ok(const Exchange& x) { return x.status >= 200 && x.status < 300; }

}  // namespace

bool Prepare(const Options& o, Credentials* session, std::string* error) {
  Credentials root{o.access_key, o.secret_key, {}};
  *session = root;
  if (o.target != "xs3") return true;
  RequestBuilder builder(HostHeader(o), o.region, Service(o), root, true);
  if (o.create_bucket) {
    std::string body;
    if (o.bucket_type == "directory") {
      auto zone = o.bucket.substr(0, o.bucket.size() - 6);  // "<name>--<zone>--x-s3"
      zone = zone.substr(zone.rfind("--") + 2);
      body = "<CreateBucketConfiguration xmlns=\"http://s3.amazonaws.com/doc/2006-03-01/\"><Location><Type>"
             "AvailabilityZone</Type><Name>" + zone + "</Name></Location><Bucket><DataRedundancy>"
             "SingleAvailabilityZone</DataRedundancy><Type>Directory</Type></Bucket></CreateBucketConfiguration>";
    }
    std::string hash = auth::Sha256Hex(body);
    Exchange x = SyncDo(o, builder, {"PUT", BucketPath(o), "", hash, static_cast<int64_t>(body.size())}, body);
    if (!Ok(x) && XmlText(x.body, "Code") != "BucketAlreadyOwnedByYou") {
      *error = "CreateBucket " + o.bucket + ": " + Describe(x);
      return false;
    }
  }
  if (o.bucket_type == "directory") {
    Exchange x = SyncDo(o, builder, {"GET", BucketPath(o), "session="}, {});
    auto c = Ok(x) ? ParseSession(x.body) : std::nullopt;
    if (!c) {
      *error = "CreateSession " + o.bucket + ": " + Describe(x);
      return false;
    }
    *session = *c;
  }
  return true;
}

PhaseResult RunPrefill(const Options& o, const Credentials& credentials) {
  Shared shared{o};
  shared.limit = o.keys;
  shared.root = {o.access_key, o.secret_key, {}};
  auto body = RandomBytes(o.size, o.seed);
  std::string hash(o.signed_payload ? auth::Sha256Hex(std::string_view(body.data(), body.size())) : kUnsignedPayload);
  unsigned workers = o.prefill_concurrency ? o.prefill_concurrency : o.concurrency;
  return RunPhase("prefill", o, credentials, workers, shared, [&](Worker& w, Connection& c) -> awaitable<void> {
    std::string head;  // per connection: the write of one request may still be using it
    uint64_t i;
    while (shared.Next(&i)) {
      co_await w.MaybeRefreshSession(c);
      std::string path = ObjectPath(o, KeyName(o.key_prefix, i));
      w.builder.Build({"PUT", path, "", hash, static_cast<int64_t>(body.size())}, &head);
      Exchange x = co_await c.Do(head, body, false, false);
      w.Record(Op::Put, x, body.size(), Ok(x));
    }
  });
}

PhaseResult RunLoad(const Options& o, const Credentials& credentials) {
  Shared shared{o};
  shared.limit = o.requests;
  shared.deadline = Clock::now() + std::chrono::duration_cast<Clock::duration>(std::chrono::duration<double>(o.duration_s));
  shared.root = {o.access_key, o.secret_key, {}};
  KeyPicker picker(o);
  auto body = RandomBytes(o.size, o.seed);
  std::string hash(o.signed_payload ? auth::Sha256Hex(std::string_view(body.data(), body.size())) : kUnsignedPayload);
  std::vector<Op> wheel;  // weighted choice: one slot per unit of weight
  for (size_t i = 0; i < o.mix.size(); ++i) wheel.insert(wheel.end(), o.mix[i], static_cast<Op>(i));
  if (wheel.empty()) wheel.push_back(Op::Get);
  std::string list_prefix = auth::UriEncode(o.key_prefix, true);
  return RunPhase("load", o, credentials, o.concurrency, shared, [&](Worker& w, Connection& c) -> awaitable<void> {
    std::string head;  // per connection: the write of one request may still be using it
    std::string path, query;
    while (shared.Next()) {
      co_await w.MaybeRefreshSession(c);
      Op op = wheel[w.rng() % wheel.size()];
      uint64_t k = picker.Pick(w.rng);
      path = ObjectPath(o, KeyName(o.key_prefix, k));
      Exchange x;
      switch (op) {
        case Op::Put:
          w.builder.Build({"PUT", path, "", hash, static_cast<int64_t>(body.size())}, &head);
          x = co_await c.Do(head, body, false, false);
          w.Record(op, x, body.size(), Ok(x));
          break;
        case Op::List: {
          char dir[24];
          std::snprintf(dir, sizeof dir, "d%06" PRIu64 "%%2F", k / 1000);
          query = "delimiter=%2F&list-type=2&max-keys=1000&prefix=" + list_prefix + dir;
          w.builder.Build({"GET", BucketPath(o), query}, &head);
          x = co_await c.Do(head, {}, false, false);
          w.Record(op, x, x.body_bytes, Ok(x));
          break;
        }
        default: {
          const char* method = op == Op::Head ? "HEAD" : op == Op::Delete ? "DELETE" : "GET";
          w.builder.Build({method, path, ""}, &head);
          x = co_await c.Do(head, {}, op == Op::Head, false);
          w.Record(op, x, x.body_bytes, Ok(x));
        }
      }
    }
  });
}

PhaseResult RunMultipartPut(const Options& o, const Credentials& credentials) {
  PhaseResult failed;
  failed.name = "multipart-put";
  RequestBuilder builder(HostHeader(o), o.region, Service(o), credentials, true);
  std::string path = ObjectPath(o, o.object);
  auto start = Clock::now();
  Exchange created = SyncDo(o, builder, {"POST", path, "uploads="}, {});
  std::string upload_id = XmlText(created.body, "UploadId");
  if (!Ok(created) || upload_id.empty()) {
    failed.sample_errors.push_back("CreateMultipartUpload: " + Describe(created));
    return failed;
  }
  uint64_t parts = (o.size + o.part_size - 1) / o.part_size;
  Shared shared{o};
  shared.limit = parts;
  shared.root = {o.access_key, o.secret_key, {}};
  auto body = RandomBytes(o.part_size, o.seed);
  std::string hash(o.signed_payload ? auth::Sha256Hex(std::string_view(body.data(), body.size())) : kUnsignedPayload);
  std::vector<std::string> etags(parts);
  std::string encoded_id = auth::UriEncode(upload_id, true);
  PhaseResult r = RunPhase("multipart-put", o, credentials, o.parallel, shared,
                           [&](Worker& w, Connection& c) -> awaitable<void> {
    std::string head;  // per connection: the write of one request may still be using it
    uint64_t i;
    while (shared.Next(&i)) {
      uint64_t len = std::min(o.part_size, o.size - i * o.part_size);
      std::string part_hash = len == body.size() ? hash
                              : o.signed_payload ? auth::Sha256Hex(std::string_view(body.data(), len))
                                                 : std::string(kUnsignedPayload);
      std::string query = "partNumber=" + std::to_string(i + 1) + "&uploadId=" + encoded_id;
      w.builder.Build({"PUT", path, query, part_hash, static_cast<int64_t>(len)}, &head);
      Exchange x = co_await c.Do(head, std::span<const char>(body.data(), len), false, false);
      etags[i] = x.etag;
      w.Record(Op::UploadPart, x, len, Ok(x) && !x.etag.empty());
    }
  });
  if (r.All().errors == 0) {
    std::string xml = "<CompleteMultipartUpload>";
    for (uint64_t i = 0; i < parts; ++i) {
      xml += "<Part><PartNumber>" + std::to_string(i + 1) + "</PartNumber><ETag>" + etags[i] + "</ETag></Part>";
    }
    xml += "</CompleteMultipartUpload>";
    Exchange done = SyncDo(o, builder,
                           {"POST", path, "uploadId=" + encoded_id, auth::Sha256Hex(xml), static_cast<int64_t>(xml.size())},
                           xml);
    if (!Ok(done) || done.body.find("<Error>") != std::string::npos) {
      r.sample_errors.push_back("CompleteMultipartUpload: " + Describe(done) + (std::getenv("XS3BENCH_DEBUG") ? xml + done.body : ""));
      r.ops[static_cast<size_t>(Op::UploadPart)].errors++;
    }
  }
  r.seconds = std::chrono::duration<double>(Clock::now() - start).count();  // create + parts + complete
  return r;
}

PhaseResult RunRangedGet(const Options& o, const Credentials& credentials) {
  uint64_t chunks = (o.size + o.part_size - 1) / o.part_size;
  Shared shared{o};
  shared.limit = chunks;
  shared.root = {o.access_key, o.secret_key, {}};
  std::string path = ObjectPath(o, o.object);
  return RunPhase("ranged-get", o, credentials, o.parallel, shared, [&](Worker& w, Connection& c) -> awaitable<void> {
    std::string head;  // per connection: the write of one request may still be using it
    uint64_t i;
    while (shared.Next(&i)) {
      uint64_t first = i * o.part_size, last = std::min(o.size, first + o.part_size) - 1;
      std::string range = "Range: bytes=" + std::to_string(first) + "-" + std::to_string(last) + "\r\n";
      w.builder.Build({"GET", path, "", kEmptySha256, -1, range}, &head);
      Exchange x = co_await c.Do(head, {}, false, false);
      w.Record(Op::RangedGet, x, x.body_bytes, x.status == 206 && x.body_bytes == last - first + 1);
    }
  });
}

PhaseResult RunDeleteObject(const Options& o, const Credentials& credentials) {
  PhaseResult r;
  r.name = "delete-object";
  RequestBuilder builder(HostHeader(o), o.region, Service(o), credentials, true);
  auto start = Clock::now();
  Exchange x = SyncDo(o, builder, {"DELETE", ObjectPath(o, o.object), ""}, {});
  r.seconds = std::chrono::duration<double>(Clock::now() - start).count();
  auto& s = r.ops[static_cast<size_t>(Op::Delete)];
  if (x.status == 204) {
    ++s.ok;
    s.total.Record(static_cast<uint64_t>(std::chrono::nanoseconds(x.done - x.start).count()));
  } else {
    ++s.errors;
    r.sample_errors.push_back("DeleteObject: " + Describe(x));
  }
  return r;
}

}  // namespace xs3::bench
