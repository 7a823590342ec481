#include "fuzz/service_fixture.h"

#include <pugixml.hpp>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <ctime>
#include <filesystem>
#include <regex>
#include <set>

#include "auth/sigv4.h"

namespace xs3::fuzz {
namespace {

// A violated invariant is a finding: abort so libFuzzer saves the input.
void Check(bool ok, const char* what, const api::Response& r) {
  if (ok) return;
  std::fprintf(stderr, "invariant violated: %s (status %d)\nbody: %.2000s\n", what, r.status, r.body.c_str());
  std::abort();
}

std::string AmzNow() {
  std::time_t t = std::time(nullptr);
  std::tm tm{};
  gmtime_r(&t, &tm);
  char buf[32];
  std::strftime(buf, sizeof buf, "%Y%m%dT%H%M%SZ", &tm);
  return buf;
}

}  // namespace

api::Request MakeRequest(std::string method, std::string path, std::string query) {
  api::Request r;
  r.method = std::move(method);
  r.raw_path = std::move(path);
  r.raw_query = std::move(query);
  r.headers.emplace_back("host", "localhost");
  return r;
}

void SignAsRoot(api::Request& r) {
  std::string payload = "UNSIGNED-PAYLOAD";
  if (auto* p = r.Header("x-amz-content-sha256"); p && *p == "STREAMING-UNSIGNED-PAYLOAD-TRAILER") payload = *p;
  std::erase_if(r.headers, [](const auto& h) {
    return h.first == "authorization" || h.first == "x-amz-date" || h.first == "x-amz-content-sha256" ||
           h.first == "x-amz-security-token" || h.first == "x-amz-s3session-token";
  });
  if (!r.Header("host")) r.headers.emplace_back("host", "localhost");
  r.headers.emplace_back("x-amz-date", AmzNow());
  r.headers.emplace_back("x-amz-content-sha256", payload);
  std::set<std::string> names;
  for (auto& [k, v] : r.headers) names.insert(k);
  std::vector<std::string> signed_headers(names.begin(), names.end());
  auth::RequestParts parts{r.method, r.raw_path, r.raw_query, &r.headers};
  std::string authorization =
      auth::SignRequest(parts, "xs3devaccesskey", "xs3devsecretkey", "us-east-1", "s3", payload, signed_headers);
  r.headers.emplace_back("authorization", std::move(authorization));
}

ServiceFixture& ServiceFixture::Get() {
  static ServiceFixture fixture;
  return fixture;
}

ServiceFixture::ServiceFixture() {
  char tmpl[] = "/tmp/xs3-fuzz-XXXXXX";
  if (!mkdtemp(tmpl)) std::abort();
  dir_ = tmpl;
  config_.durability = "relaxed";
  config_.rate_limits = false;  // a fuzzer is one very fast client: it must not be throttled
  storage::EngineOptions options;
  options.data_dir = dir_ + "/data";
  options.durability = storage::Durability::Relaxed;
  options.map_size = size_t{1} << 30;
  auto engine = storage::Engine::Open(options);
  if (!engine.ok()) {
    std::fprintf(stderr, "engine: %s\n", engine.status().message().c_str());
    std::abort();
  }
  engine_ = std::move(engine.value());
  std::vector<auth::UserEntry> configured;
  for (auto& u : config_.users) configured.push_back({u.name, {{u.access_key, u.secret_key, 0}}, true, u.policy});
  auto users = auth::UserDirectory::Open(std::move(configured), options.data_dir);
  if (auto* e = std::get_if<std::string>(&users)) {
    std::fprintf(stderr, "users: %s\n", e->c_str());
    std::abort();
  }
  users_ = std::move(std::get<std::unique_ptr<auth::UserDirectory>>(users));
  service_ = std::make_unique<api::Service>(config_, *engine_, std::string(32, 'k'), *users_);

  auto must = [&](api::Request r, std::string_view body, int status) {
    SignAsRoot(r);
    api::Response resp = Run(r, body);
    if (resp.status != status) {
      std::fprintf(stderr, "fixture setup %s %s?%s: %d %s\n", r.method.c_str(), r.raw_path.c_str(), r.raw_query.c_str(),
                   resp.status, resp.body.c_str());
      std::abort();
    }
    return resp;
  };
  must(MakeRequest("PUT", "/" + std::string(kGeneralBucket), ""), "", 200);
  auto put = MakeRequest("PUT", "/" + std::string(kGeneralBucket) + "/" + std::string(kObject), "");
  put.content_length = 5;
  must(put, "hello", 200);
  std::string dir_config =
      "<CreateBucketConfiguration><Location><Name>use1-az4</Name><Type>AvailabilityZone</Type></Location>"
      "<Bucket><DataRedundancy>SingleAvailabilityZone</DataRedundancy><Type>Directory</Type></Bucket>"
      "</CreateBucketConfiguration>";
  auto dir_bucket = MakeRequest("PUT", "/" + std::string(kDirectoryBucket), "");
  dir_bucket.content_length = dir_config.size();
  must(dir_bucket, dir_config, 200);
  auto created = must(MakeRequest("POST", "/" + std::string(kGeneralBucket) + "/" + std::string(kUploadKey), "uploads"), "", 200);
  std::smatch m;
  if (!std::regex_search(created.body, m, std::regex("<UploadId>([^<]+)</UploadId>"))) std::abort();
  upload_id_ = m[1];
}

ServiceFixture::~ServiceFixture() {
  service_.reset();
  engine_.reset();
  std::error_code ignored;
  std::filesystem::remove_all(dir_, ignored);
}

api::Response ServiceFixture::Run(const api::Request& request, std::string_view body, bool complete) {
  api::Outcome out = service_->Begin(request);
  api::Response r;
  if (out.consumer) {
    std::optional<S3Error> failure;
    // Two pieces: the consumers must not care where the body is split.
    size_t half = body.size() / 2;
    if (half) failure = out.consumer->Write(body.data(), half);
    if (!failure && body.size() > half) failure = out.consumer->Write(body.data() + half, body.size() - half);
    if (!failure && !complete) failure = make_error(ErrorCode::IncompleteBody);
    if (failure) {
      r = api::ErrorResponse(*failure, out.consumer->request_id(), request.method == "HEAD");
    } else {
      r = out.consumer->Finish();
    }
    api::StampRequestIds(r, out.consumer->request_id());
  } else {
    r = std::move(out.response);
  }

  Check(r.status >= 100 && r.status < 600, "HTTP status in range", r);
  Check(r.Header("x-amz-request-id") != nullptr, "x-amz-request-id on every response", r);
  for (auto& [k, v] : r.headers) {
    Check(k.find_first_of("\r\n:") == std::string::npos && !k.empty(), "header name is a token", r);
    Check(v.find_first_of("\r\n") == std::string::npos, "no CR/LF in header values (response splitting)", r);
  }
  if (!r.body_reader && !r.body.empty()) {
    auto* ctype = r.Header("Content-Type");
    if (ctype && ctype->starts_with("application/xml")) {
      pugi::xml_document doc;
      Check(static_cast<bool>(doc.load_buffer(r.body.data(), r.body.size())), "XML responses are well-formed", r);
      if (r.status >= 300) {
        Check(std::string_view(doc.document_element().name()) == "Error", "error body is <Error>", r);
        Check(!doc.document_element().child("Code").text().empty(), "<Error> has a <Code>", r);
        Check(doc.document_element().child("RequestId").text().as_string() == *r.Header("x-amz-request-id"),
              "<RequestId> equals x-amz-request-id", r);
      }
    }
  }
  if (r.body_reader) {
    std::string buf(static_cast<size_t>(std::min<uint64_t>(r.body_length, 1 << 16)), '\0');
    auto got = r.body_reader->ReadAt(r.body_offset, buf.data(), buf.size());
    Check(got.ok(), "stored body readable", r);
  }
  return r;
}

}  // namespace xs3::fuzz
