// xs3d: the server process. Config, storage, the API service and the HTTP front end, wired
// together; SIGTERM/SIGINT finish in-flight requests and exit 0.
#include <signal.h>

#include <cstdio>
#include <iostream>

#include "api/service.h"
#include "config/config.h"
#include "server/http_server.h"
#include "storage/engine.h"

extern char** environ;

int main(int argc, char** argv) {
  using namespace xs3;
  auto loaded = config::Load(argc, argv, environ);
  if (loaded.show_help) {
    std::cout << config::Usage();
    return 0;
  }
  if (!loaded.config) {
    std::cerr << "xs3d: " << loaded.error << "\n" << config::Usage();
    return 2;
  }
  const config::Config& cfg = *loaded.config;

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
  auto engine = storage::Engine::Open(options);
  if (!engine.ok()) {
    std::cerr << "xs3d: cannot open data directory '" << cfg.data_dir << "': " << engine.status().message() << "\n";
    return 1;
  }

  api::Service service(cfg, *engine.value());
  server::HttpServer http(cfg, service);
  std::string error;
  if (!http.Start(&error)) {
    std::cerr << "xs3d: " << error << "\n";
    return 1;
  }
  std::cout << "xs3d starting with:\n" << config::Describe(cfg);
  std::cout << "xs3d listening on http://" << cfg.address << ":" << http.port() << std::endl;

  http.WaitForSignal();
  std::cout << "xs3d: shutting down" << std::endl;
  http.Shutdown();
  std::cout << "xs3d: stopped" << std::endl;
  return 0;
}
