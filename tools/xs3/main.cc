// xs3: the administrator's CLI. Everything except fsck talks to a running xs3d over its admin
// API (JSON, root credentials); fsck opens a stopped server's data directory itself.
#include <unistd.h>

#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <iostream>
#include <iterator>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "tools/xs3/admin_client.h"
#include "tools/xs3/fsck.h"

namespace {

using nlohmann::json;
using xs3::tools::Call;
using xs3::tools::Encode;
using xs3::tools::Endpoint;
using xs3::tools::HttpAnswer;

constexpr const char* kUsage =
    "usage: xs3 [--endpoint URL] [--access-key KEY] [--secret-key SECRET] [--region R] [--json] COMMAND\n"
    "  user list\n"
    "  user create NAME                 prints the new access key and secret (shown once)\n"
    "  user delete NAME\n"
    "  user key-create NAME             a second key pair (at most two per user)\n"
    "  user key-delete NAME ACCESS_KEY\n"
    "  user policy set NAME FILE|-      the user's identity (IAM) policy\n"
    "  user policy get|delete NAME\n"
    "  bucket list\n"
    "  bucket create NAME [--owner USER]   NAME--<zone>--x-s3 makes a directory bucket\n"
    "  bucket delete NAME\n"
    "  policy get|delete BUCKET\n"
    "  policy put BUCKET FILE|-\n"
    "  config show\n"
    "  import SOURCE_BUCKET[/PREFIX] TARGET_DIRECTORY_BUCKET\n"
    "                                   server-side, zero-copy (blobs are shared)\n"
    "  fsck --data-dir DIR [--repair]   offline: verify every object, report orphans\n"
    "  fsck --data-dir DIR --blobs-only blob files vs metadata only (LMDB read-only; safe\n"
    "                                   beside a running server with no write in flight)\n"
    "Defaults: endpoint $XS3_ENDPOINT or $AWS_ENDPOINT_URL or http://127.0.0.1:9000; keys\n"
    "$XS3_ROOT_ACCESS_KEY/$XS3_ROOT_SECRET_KEY, else $AWS_ACCESS_KEY_ID/$AWS_SECRET_ACCESS_KEY,\n"
    "else the dev defaults; region $XS3_REGION or $AWS_REGION or us-east-1.\n";

const char* Env(const char* a, const char* b = nullptr) {
  if (const char* v = std::getenv(a); v && *v) return v;
  if (b)
    if (const char* v = std::getenv(b); v && *v) return v;
  return nullptr;
}

bool json_output = false;

// Prints the server's error (admin JSON or S3 XML) and returns the exit status for it.
int Failed(const HttpAnswer& a) {
  if (a.status == 0) {
    std::cerr << "xs3: " << a.body << "\n";
    return 3;
  }
  auto doc = json::parse(a.body, nullptr, false);
  if (!doc.is_discarded() && doc.is_object() && doc.contains("code")) {
    std::cerr << "xs3: " << doc["code"].get<std::string>() << ": " << doc.value("message", "") << " (HTTP " << a.status
              << ")\n";
  } else {
    std::cerr << "xs3: HTTP " << a.status << "\n" << a.body << "\n";
  }
  return 1;
}

std::optional<json> CallJson(const Endpoint& ep, const std::string& method, const std::string& path,
                             const std::string& query, int* exit_code) {
  HttpAnswer a = Call(ep, method, path, query);
  if (a.status < 200 || a.status > 299) {
    *exit_code = Failed(a);
    return std::nullopt;
  }
  auto doc = json::parse(a.body, nullptr, false);
  if (doc.is_discarded()) {
    std::cerr << "xs3: the server's answer is not JSON\n";
    *exit_code = 1;
    return std::nullopt;
  }
  return doc;
}

std::string HumanBytes(double b) {
  const char* units[] = {"B", "KiB", "MiB", "GiB", "TiB"};
  int u = 0;
  while (b >= 1024 && u < 4) {
    b /= 1024;
    ++u;
  }
  char out[32];
  std::snprintf(out, sizeof out, u ? "%.1f %s" : "%.0f %s", b, units[u]);
  return out;
}

// A policy document from a file, or from standard input for "-".
std::optional<std::string> ReadDocument(const std::string& source) {
  std::string document;
  if (source == "-") {
    document.assign(std::istreambuf_iterator<char>(std::cin), std::istreambuf_iterator<char>());
    return document;
  }
  std::ifstream in(source, std::ios::binary);
  if (!in) {
    std::cerr << "xs3: cannot read " << source << "\n";
    return std::nullopt;
  }
  document.assign(std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>());
  return document;
}

// The user's identity policy: set prints nothing, get prints the document.
int UserPolicy(const Endpoint& ep, const std::vector<std::string>& args) {
  std::string sub = args.size() > 2 ? args[2] : "";
  if ((sub == "set" && args.size() != 5) || ((sub == "get" || sub == "delete") && args.size() != 4) ||
      (sub != "set" && sub != "get" && sub != "delete")) {
    std::cerr << kUsage;
    return 2;
  }
  std::string path = "/_xs3/users/" + Encode(args[3]) + "/policy";
  HttpAnswer a;
  if (sub == "set") {
    auto document = ReadDocument(args[4]);
    if (!document) return 2;
    a = Call(ep, "PUT", path, "", *document);
  } else {
    a = Call(ep, sub == "get" ? "GET" : "DELETE", path, "");
  }
  if (a.status < 200 || a.status > 299) return Failed(a);
  auto doc = json::parse(a.body, nullptr, false);
  if (json_output || doc.is_discarded()) {
    std::cout << a.body << (a.body.empty() || a.body.back() == '\n' ? "" : "\n");
  } else if (sub == "get") {
    std::cout << doc["policy"].dump(2) << "\n";
  }
  return 0;
}

int Users(const Endpoint& ep, const std::vector<std::string>& args) {
  int rc = 0;
  std::string sub = args.size() > 1 ? args[1] : "";
  std::optional<json> doc;
  if (sub == "policy") return UserPolicy(ep, args);
  if (sub == "list" && args.size() == 2) {
    doc = CallJson(ep, "GET", "/_xs3/users", "", &rc);
    if (doc && !json_output) {
      for (auto& u : (*doc)["users"]) {
        std::string keys;
        for (auto& k : u["access_keys"]) keys += (keys.empty() ? "" : ",") + k["access_key"].get<std::string>();
        std::printf("%-24s %-7s %s  %s%s%s\n", u["name"].get<std::string>().c_str(),
                    u["source"].get<std::string>().c_str(), u["account_id"].get<std::string>().c_str(), keys.c_str(),
                    u["root"].get<bool>() ? "  (root)" : "", u.value("has_policy", false) ? "  (policy)" : "");
      }
      return 0;
    }
  } else if (sub == "create" && args.size() == 3) {
    doc = CallJson(ep, "PUT", "/_xs3/users/" + Encode(args[2]), "", &rc);
  } else if (sub == "delete" && args.size() == 3) {
    doc = CallJson(ep, "DELETE", "/_xs3/users/" + Encode(args[2]), "", &rc);
  } else if (sub == "key-create" && args.size() == 3) {
    doc = CallJson(ep, "PUT", "/_xs3/users/" + Encode(args[2]) + "/keys", "", &rc);
  } else if (sub == "key-delete" && args.size() == 4) {
    doc = CallJson(ep, "DELETE", "/_xs3/users/" + Encode(args[2]) + "/keys/" + Encode(args[3]), "", &rc);
  } else {
    std::cerr << kUsage;
    return 2;
  }
  if (!doc) return rc;
  if (!json_output && doc->contains("secret_key")) {
    std::cout << "user        " << (*doc)["user"].get<std::string>() << "\n"
              << "access key  " << (*doc)["access_key"].get<std::string>() << "\n"
              << "secret key  " << (*doc)["secret_key"].get<std::string>() << "   (shown only now)\n";
  } else {
    std::cout << doc->dump(2) << "\n";
  }
  return 0;
}

int Buckets(const Endpoint& ep, const std::vector<std::string>& args) {
  int rc = 0;
  std::string sub = args.size() > 1 ? args[1] : "";
  std::optional<json> doc;
  if (sub == "list" && args.size() == 2) {
    doc = CallJson(ep, "GET", "/_xs3/buckets", "", &rc);
    if (doc && !json_output) {
      for (auto& b : (*doc)["buckets"]) {
        std::printf("%-50s %-16s %-10s %s\n", b["name"].get<std::string>().c_str(), b["type"].get<std::string>().c_str(),
                    b["zone"].get<std::string>().empty() ? "-" : b["zone"].get<std::string>().c_str(),
                    b["owner"].get<std::string>().c_str());
      }
      return 0;
    }
  } else if (sub == "create" && (args.size() == 3 || (args.size() == 5 && args[3] == "--owner"))) {
    doc = CallJson(ep, "PUT", "/_xs3/buckets/" + Encode(args[2]), args.size() == 5 ? "owner=" + Encode(args[4]) : "", &rc);
  } else if (sub == "delete" && args.size() == 3) {
    doc = CallJson(ep, "DELETE", "/_xs3/buckets/" + Encode(args[2]), "", &rc);
  } else {
    std::cerr << kUsage;
    return 2;
  }
  if (!doc) return rc;
  std::cout << doc->dump(2) << "\n";
  return 0;
}

// Bucket policies are the S3 API's own (Put/Get/DeleteBucketPolicy), signed as root.
int Policy(const Endpoint& ep, const std::vector<std::string>& args) {
  std::string sub = args.size() > 1 ? args[1] : "";
  if (args.size() < 3 || (sub == "put" && args.size() != 4) || (sub != "put" && args.size() != 3)) {
    std::cerr << kUsage;
    return 2;
  }
  std::string path = "/" + Encode(args[2]);
  HttpAnswer a;
  if (sub == "get") {
    a = Call(ep, "GET", path, "policy=");
  } else if (sub == "delete") {
    a = Call(ep, "DELETE", path, "policy=");
  } else if (sub == "put") {
    auto document = ReadDocument(args[3]);
    if (!document) return 2;
    a = Call(ep, "PUT", path, "policy=", *document);
  } else {
    std::cerr << kUsage;
    return 2;
  }
  if (a.status < 200 || a.status > 299) return Failed(a);
  if (!a.body.empty()) std::cout << a.body << (a.body.back() == '\n' ? "" : "\n");
  return 0;
}

int Import(const Endpoint& ep, const std::vector<std::string>& args) {
  if (args.size() != 3) {
    std::cerr << kUsage;
    return 2;
  }
  std::string source = args[1], prefix;
  if (auto slash = source.find('/'); slash != std::string::npos) {
    prefix = source.substr(slash + 1);
    source = source.substr(0, slash);
  }
  const std::string& target = args[2];
  std::string base = "source=" + Encode(source) + "&prefix=" + Encode(prefix);
  int rc = 0;
  auto size = CallJson(ep, "GET", "/_xs3/import", base, &rc);
  if (!size) return rc;
  uint64_t total = (*size)["objects"].get<uint64_t>(), total_bytes = (*size)["bytes"].get<uint64_t>();
  bool tty = ::isatty(2);
  auto start = std::chrono::steady_clock::now();
  uint64_t done = 0, bytes = 0, last_report = 0;
  json failed = json::array();
  std::string start_after;
  auto elapsed = [&] { return std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count(); };
  auto progress = [&](bool final) {
    double fraction = total ? static_cast<double>(done) / static_cast<double>(total) : 1.0;
    if (fraction > 1) fraction = 1;  // objects added to the source during the import
    int filled = static_cast<int>(fraction * 30);
    std::fprintf(stderr, "%s[%s%s] %3.0f%%  %llu/%llu objects  %s  %.1f s%s", tty ? "\r" : "",
                 std::string(filled, '#').c_str(), std::string(30 - filled, '.').c_str(), fraction * 100,
                 static_cast<unsigned long long>(done), static_cast<unsigned long long>(total),
                 HumanBytes(static_cast<double>(bytes)).c_str(), elapsed(), tty && !final ? "" : "\n");
  };
  for (;;) {
    std::string query = base + "&target=" + Encode(target);
    if (!start_after.empty()) query += "&start-after=" + Encode(start_after);
    auto page = CallJson(ep, "POST", "/_xs3/import", query, &rc);
    if (!page) {
      std::cerr << "xs3: import stopped after " << done << " objects; rerun to resume (objects are overwritten)\n";
      return rc;
    }
    done += (*page)["imported"].get<uint64_t>();
    bytes += (*page)["bytes"].get<uint64_t>();
    for (auto& f : (*page)["failed"]) {
      failed.push_back(f);
      ++done;  // counted as handled, for the bar
    }
    bool more = (*page)["is_truncated"].get<bool>();
    if (tty || done - last_report >= std::max<uint64_t>(total / 10, 1) || !more) {
      progress(!more);
      last_report = done;
    }
    if (!more) break;
    start_after = (*page)["next_start_after"].get<std::string>();
  }
  double seconds = elapsed();
  uint64_t imported = done - failed.size();
  if (json_output) {
    std::cout << json{{"imported", imported}, {"bytes", bytes}, {"seconds", seconds}, {"failed", failed},
                      {"source_objects", total}, {"source_bytes", total_bytes}}
                     .dump(2)
              << "\n";
  } else {
    std::printf("imported %llu objects, %s (%llu bytes) in %.2f s into %s; %zu failed\n",
                static_cast<unsigned long long>(imported), HumanBytes(static_cast<double>(bytes)).c_str(),
                static_cast<unsigned long long>(bytes), seconds, target.c_str(), failed.size());
    for (auto& f : failed) {
      std::printf("  failed: %s: %s %s\n", f["key"].get<std::string>().c_str(), f["code"].get<std::string>().c_str(),
                  f["message"].get<std::string>().c_str());
    }
  }
  return failed.empty() ? 0 : 1;
}

int Fsck(const std::vector<std::string>& args) {
  xs3::tools::FsckOptions options;
  for (size_t i = 1; i < args.size(); ++i) {
    if (args[i] == "--data-dir" && i + 1 < args.size()) options.data_dir = args[++i];
    else if (args[i] == "--repair") options.repair = true;
    else if (args[i] == "--blobs-only") options.blobs_only = true;
    else {
      std::cerr << kUsage;
      return 2;
    }
  }
  if (options.data_dir.empty()) {
    std::cerr << "xs3 fsck: --data-dir is required\n";
    return 2;
  }
  bool tty = ::isatty(2);
  auto last = std::chrono::steady_clock::now();
  options.progress = [&](uint64_t objects, uint64_t bytes) {
    auto now = std::chrono::steady_clock::now();
    if (!tty || now - last < std::chrono::milliseconds(200)) return;
    last = now;
    std::fprintf(stderr, "\rchecked %llu objects, %s", static_cast<unsigned long long>(objects),
                 HumanBytes(static_cast<double>(bytes)).c_str());
  };
  auto r = xs3::tools::Fsck(options);
  if (tty) std::fprintf(stderr, "\r%60s\r", "");
  if (!r.error.empty()) {
    std::cerr << "xs3 fsck: " << r.error << "\n";
    if (r.error.find("in use") != std::string::npos) std::cerr << "  (is xs3d running on this directory? stop it first)\n";
    return 3;
  }
  if (json_output) {
    std::cout << json{{"buckets", r.buckets},           {"objects", r.objects},
                      {"bytes", r.bytes},               {"checksums_verified", r.checksums_verified},
                      {"composite_only", r.composite_only}, {"upload_parts", r.upload_parts},
                      {"problems", r.problems},         {"orphan_blobs", r.orphan_blobs},
                      {"blobs_referenced", r.blobs_referenced}, {"missing_blobs", r.missing_blobs},
                      {"orphan_bytes", r.orphan_bytes}, {"tmp_files", r.tmp_files},
                      {"repaired", r.repaired}}
                     .dump(2)
              << "\n";
  } else {
    std::printf("checked %llu buckets, %llu objects, %s; %llu checksums verified, %llu with composite checksums "
                "(sizes only), %llu upload parts\n",
                static_cast<unsigned long long>(r.buckets), static_cast<unsigned long long>(r.objects),
                HumanBytes(static_cast<double>(r.bytes)).c_str(), static_cast<unsigned long long>(r.checksums_verified),
                static_cast<unsigned long long>(r.composite_only), static_cast<unsigned long long>(r.upload_parts));
    for (auto& p : r.problems) std::printf("DAMAGED  %s\n", p.c_str());
    for (auto& m : r.missing_blobs) std::printf("MISSING  blob %s (referenced, no file)\n", m.c_str());
    for (auto& o : r.orphan_blobs) std::printf("ORPHAN   blob %s\n", o.c_str());
    std::printf("%zu damaged, %zu orphan blobs (%s), %zu tmp files%s\n", r.problems.size(), r.orphan_blobs.size(),
                HumanBytes(static_cast<double>(r.orphan_bytes)).c_str(), r.tmp_files,
                r.repaired ? "; orphans and tmp files removed" : "");
  }
  if (!r.problems.empty() || !r.missing_blobs.empty()) return 1;
  return (r.orphan_blobs.empty() && r.tmp_files == 0) || r.repaired ? 0 : 1;
}

}  // namespace

int main(int argc, char** argv) {
  Endpoint ep;
  std::string url = Env("XS3_ENDPOINT", "AWS_ENDPOINT_URL") ? Env("XS3_ENDPOINT", "AWS_ENDPOINT_URL") : "http://127.0.0.1:9000";
  ep.access_key = Env("XS3_ROOT_ACCESS_KEY") ? Env("XS3_ROOT_ACCESS_KEY")
                  : Env("AWS_ACCESS_KEY_ID") ? Env("AWS_ACCESS_KEY_ID")
                                             : "xs3devaccesskey";
  ep.secret_key = Env("XS3_ROOT_SECRET_KEY") ? Env("XS3_ROOT_SECRET_KEY")
                  : Env("AWS_SECRET_ACCESS_KEY") ? Env("AWS_SECRET_ACCESS_KEY")
                                                 : "xs3devsecretkey";
  if (const char* r = Env("XS3_REGION", "AWS_REGION")) ep.region = r;
  std::vector<std::string> args;
  for (int i = 1; i < argc; ++i) {
    std::string a = argv[i];
    auto value = [&]() -> std::string {
      if (i + 1 >= argc) {
        std::cerr << "xs3: " << a << " needs a value\n";
        std::exit(2);
      }
      return argv[++i];
    };
    if (a == "-h" || a == "--help") {
      std::cout << kUsage;
      return 0;
    }
    if (args.empty() && a == "--endpoint") url = value();
    else if (args.empty() && a == "--access-key") ep.access_key = value();
    else if (args.empty() && a == "--secret-key") ep.secret_key = value();
    else if (args.empty() && a == "--region") ep.region = value();
    else if (a == "--json") json_output = true;
    else args.push_back(a);
  }
  if (args.empty()) {
    std::cerr << kUsage;
    return 2;
  }
  if (args[0] == "fsck") return Fsck(args);
  if (!xs3::tools::ParseEndpointUrl(url, &ep)) {
    std::cerr << "xs3: endpoint must look like http://HOST:PORT, not '" << url << "'\n";
    return 2;
  }
  if (args[0] == "user") return Users(ep, args);
  if (args[0] == "bucket") return Buckets(ep, args);
  if (args[0] == "policy") return Policy(ep, args);
  if (args[0] == "import") return Import(ep, args);
  if (args[0] == "config" && args.size() == 2 && args[1] == "show") {
    int rc = 0;
    auto doc = CallJson(ep, "GET", "/_xs3/config", "", &rc);
    if (!doc) return rc;
    std::cout << doc->dump(2) << "\n";
    return 0;
  }
  std::cerr << kUsage;
  return 2;
}
