#pragma once
// What the storage tests share: a scratch data directory removed afterwards, and an engine
// opened on it with a small inline threshold so that tests reach blob bodies with small data.
#include <doctest/doctest.h>
#include <stdlib.h>
#include <unistd.h>

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

// The body as the server sends it: stretch by stretch (BodyReader::SpanAt), a file's stretches
// read from its fd at the span's offset as sendfile would, the others through ReadAt. Counts
// the stretches and those that are a file's.
struct Spans {
  std::string bytes;
  size_t count = 0;
  size_t files = 0;
};
inline Spans ReadBySpans(const BodyReader& body) {
  Spans out;
  while (out.bytes.size() < body.size()) {
    FileSpan span = body.SpanAt(out.bytes.size());
    REQUIRE(span.length > 0);
    REQUIRE(out.bytes.size() + span.length <= body.size());
    std::string piece(span.length, '\0');
    if (span.fd >= 0) {
      REQUIRE(::pread(span.fd, piece.data(), piece.size(), static_cast<off_t>(span.file_offset)) ==
              static_cast<ssize_t>(piece.size()));
      ++out.files;
    } else {
      auto got = body.ReadAt(out.bytes.size(), piece.data(), piece.size());
      REQUIRE(got.ok());
      REQUIRE(got.value() == piece.size());
    }
    out.bytes += piece;
    ++out.count;
  }
  return out;
}

}  // namespace xs3::storage::testing
