#pragma once
// What the storage tests share: a scratch data directory removed afterwards, and an engine
// opened on it with a small inline threshold so that tests reach blob bodies with small data.
#include <doctest/doctest.h>
#include <stdlib.h>

#include <filesystem>
#include <memory>
#include <string>

#include "storage/engine.h"

namespace xs3::storage::testing {

constexpr size_t kTestInlineThreshold = 4096;

struct TempDir {
  TempDir() {
    std::string tmpl = (std::filesystem::temp_directory_path() / "xs3-storage-test-XXXXXX").string();
    REQUIRE(::mkdtemp(tmpl.data()) != nullptr);
    path = tmpl;
  }
  ~TempDir() {
    std::error_code ec;
    std::filesystem::remove_all(path, ec);
  }
  TempDir(const TempDir&) = delete;
  TempDir& operator=(const TempDir&) = delete;
  std::string path;
};

inline std::unique_ptr<Engine> OpenEngine(const std::string& dir, Durability durability = Durability::Relaxed,
                                          size_t inline_threshold = kTestInlineThreshold) {
  EngineOptions o;
  o.data_dir = dir;
  o.durability = durability;
  o.inline_threshold = inline_threshold;
  o.map_size = size_t{1} << 30;
  auto e = Engine::Open(o);
  REQUIRE_MESSAGE(e.ok(), e.status().message());
  return std::move(e.value());
}

}  // namespace xs3::storage::testing
