// xs3d: the server process. Config, storage, the API service and the HTTP front end, wired
// together; SIGTERM/SIGINT finish in-flight requests and exit 0.
#include <fcntl.h>
#include <openssl/rand.h>
#include <signal.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cstdio>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <iterator>

#include "api/fault_injector.h"
#include "api/initial_buckets.h"
#include "api/service.h"
#include "auth/user_directory.h"
#include "config/config.h"
#include "config/schema.h"
#include "server/http_server.h"
#include "server/lifecycle_sweeper.h"
#include "server/server_log.h"
#include "server/upload_reaper.h"
#include "storage/engine.h"

extern char** environ;

namespace {

// The secret CreateSession tokens are signed under, kept in the data directory so sessions
// survive a restart (SDKs cache them for minutes). Created once, readable by the owner only.
std::optional<std::string> LoadOrCreateSessionKey(const std::string& data_dir, std::string* error) {
  std::string path = data_dir + "/session-master.key";
  {
    std::ifstream in(path, std::ios::binary);
    if (in) {
      std::string key((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
      if (key.size() >= 32) return key;
      *error = path + " is shorter than 32 bytes";
      return std::nullopt;
    }
  }
  std::string key(32, '\0');
  RAND_bytes(reinterpret_cast<unsigned char*>(key.data()), static_cast<int>(key.size()));
  std::string tmp = path + ".tmp";
  int fd = ::open(tmp.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
  bool ok = fd >= 0 && ::write(fd, key.data(), key.size()) == static_cast<ssize_t>(key.size()) && ::fsync(fd) == 0;
  if (fd >= 0) ::close(fd);
  if (!ok || ::rename(tmp.c_str(), path.c_str()) != 0) {
    *error = "cannot write " + path;
    return std::nullopt;
  }
  return key;
}

}  // namespace

int main(int argc, char** argv) {
  using namespace xs3;
  auto loaded = config::Load(argc, argv, environ);
  if (loaded.show_reference) {
    std::cout << config::ReferenceMarkdown();
    return 0;
  }
  if (loaded.show_help) {
    std::cout << config::Usage();
    return 0;
  }
  if (!loaded.config) {
    std::cerr << "xs3d: " << loaded.error << "\n" << config::Usage();
    return 2;
  }
  config::Config& cfg = *loaded.config;
  const server::ServerLog log(cfg.log_format == "json");
  std::string ephemeral_dir;
  if (cfg.ephemeral) {
    // A throwaway server: a fresh directory on tmpfs when there is one, no syncs, gone at exit.
    std::string base = std::filesystem::is_directory("/dev/shm") ? "/dev/shm" : "/tmp";
    std::string tmpl = base + "/xs3-ephemeral-XXXXXX";
    if (!mkdtemp(tmpl.data())) {
      log.Error("cannot create an ephemeral data directory under " + base);
      return 1;
    }
    ephemeral_dir = tmpl;
    cfg.data_dir = ephemeral_dir;
    cfg.durability = "relaxed";
  }
  // Declared before the engine, so it runs after the engine has closed its files.
  struct RemoveOnExit {
    std::string dir;
    ~RemoveOnExit() {
      std::error_code ignored;
      if (!dir.empty()) std::filesystem::remove_all(dir, ignored);
    }
  } ephemeral_cleanup{ephemeral_dir};

  // Signals are taken synchronously by WaitForSignal; block them before any thread starts.
  sigset_t set;
  sigemptyset(&set);
  sigaddset(&set, SIGTERM);
  sigaddset(&set, SIGINT);
  pthread_sigmask(SIG_BLOCK, &set, nullptr);
  signal(SIGPIPE, SIG_IGN);

  storage::EngineOptions options;
  options.data_dir = cfg.data_dir;
  options.durability = cfg.durability == "relaxed" ? storage::Durability::Relaxed : storage::Durability::Fsync;
  options.inline_threshold = cfg.inline_threshold;
  options.map_size = cfg.lmdb_map_size;
  auto engine = storage::Engine::Open(options);
  if (!engine.ok()) {
    log.Error("cannot open data directory '" + cfg.data_dir + "': " + engine.status().message());
    return 1;
  }
  if (engine.value()->Stats().read_only) {
    std::cerr << "xs3d: data directory '" << cfg.data_dir
              << "' is on a read-only filesystem: serving reads; writes answer 500 InternalError\n";
  }

  if (auto e = api::FaultInjector().SetSchedule(cfg.faults)) {
    log.Error("fault schedule: " + *e);
    return 2;
  }
  if (std::string e = api::EnsureInitialBuckets(cfg, *engine.value()); !e.empty()) {
    log.Error(e);
    return 1;
  }
  std::string key_error;
  auto session_key = LoadOrCreateSessionKey(cfg.data_dir, &key_error);
  if (!session_key) {
    log.Error(key_error);
    return 1;
  }
  std::vector<auth::UserEntry> configured;
  for (auto& u : cfg.users) configured.push_back({u.name, {{u.access_key, u.secret_key, 0}}, true, u.policy});
  auto users = auth::UserDirectory::Open(std::move(configured), cfg.data_dir);
  if (auto* e = std::get_if<std::string>(&users)) {
    log.Error(*e);
    return 1;
  }
  auto& user_directory = *std::get<std::unique_ptr<auth::UserDirectory>>(users);
  api::Service service(cfg, *engine.value(), *session_key, user_directory);
  server::UploadReaper reaper(*engine.value(), cfg.abort_incomplete_uploads_after);
  server::LifecycleSweeper lifecycle(*engine.value(), cfg.lifecycle_day, cfg.lifecycle_sweep_interval);
  server::HttpServer http(cfg, service);
  std::string error;
  if (!http.Start(&error)) {
    log.Error(error);
    return 1;
  }
  {
    // What to paste: the endpoint as a client reaches it, and one line per common client.
    std::string host = cfg.address == "0.0.0.0" || cfg.address == "::" ? "127.0.0.1" : cfg.address;
    std::string endpoint = "http://" + host + ":" + std::to_string(http.port());
    const auto& root = cfg.users.at(0);
    bool dev = root.secret_key == "xs3devsecretkey";
    std::string secret = dev ? root.secret_key : "<your secret key>";
    if (log.json()) {
      nlohmann::json fields = {{"address", cfg.address + ":" + std::to_string(http.port())},
                               {"endpoint", endpoint},
                               {"data_dir", cfg.data_dir},
                               {"durability", cfg.durability},
                               {"region", cfg.region},
                               {"access_key", root.access_key}};
      if (dev) fields["secret_key"] = root.secret_key;  // only the well-known dev default
      log.Info("xs3d listening on http://" + cfg.address + ":" + std::to_string(http.port()), fields);
    } else {
      std::cout << "xs3d starting with:\n" << config::Describe(cfg);
      std::cout << "xs3d listening on http://" << cfg.address << ":" << http.port() << std::endl;
      std::cout << "  endpoint     " << endpoint << "\n"
                << "  aws CLI      AWS_ACCESS_KEY_ID=" << root.access_key << " AWS_SECRET_ACCESS_KEY=" << secret
                << " aws --region " << cfg.region << " --endpoint-url " << endpoint << " s3 ls\n"
                << "  JS SDK v3    new S3Client({ endpoint: \"" << endpoint << "\", region: \"" << cfg.region
                << "\", forcePathStyle: true, credentials: { accessKeyId: \"" << root.access_key
                << "\", secretAccessKey: \"" << secret << "\" } })" << std::endl;
    }
  }

  http.WaitForSignal();
  log.Info("xs3d: shutting down");
  http.Shutdown();
  log.Info("xs3d: stopped");
  return 0;
}
