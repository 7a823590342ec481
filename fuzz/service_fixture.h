#pragma once
// A real Service over a real Engine in a fresh temporary data dir, for the fuzz targets that go
// through routing and the operations. Nothing is mocked: requests take the same path as in
// xs3d from Service::Begin on (the HTTP framing is Beast's parser, run by the target itself).
#include <memory>
#include <string>
#include <string_view>

#include "api/request.h"
#include "api/response.h"
#include "api/service.h"
#include "auth/user_directory.h"
#include "config/config.h"
#include "storage/engine.h"

namespace xs3::fuzz {

constexpr std::string_view kGeneralBucket = "fuzz";
constexpr std::string_view kDirectoryBucket = "fuzz--use1-az4--x-s3";
constexpr std::string_view kObject = "obj";
constexpr std::string_view kUploadKey = "mpu";

class ServiceFixture {
 public:
  // One per process, created on first use with a general-purpose bucket holding kObject, a
  // directory bucket, and a multipart upload on kUploadKey (no parts).
  static ServiceFixture& Get();
  ~ServiceFixture();

  // Runs one request to the end as xs3d would: Begin, then `body` through the consumer if the
  // operation wants one (`complete`: the whole body arrived; otherwise IncompleteBody). Returns
  // the response after checking the invariants every response must hold (aborts if not).
  api::Response Run(const api::Request& request, std::string_view body, bool complete = true);
  const std::string& upload_id() const { return upload_id_; }

 private:
  ServiceFixture();
  std::string dir_;
  config::Config config_;
  std::unique_ptr<storage::Engine> engine_;
  std::unique_ptr<auth::UserDirectory> users_;
  std::unique_ptr<api::Service> service_;
  std::string upload_id_;
};

// Signs `request` as the root dev user would now (header form), replacing any credentials it
// carries: UNSIGNED-PAYLOAD, or STREAMING-UNSIGNED-PAYLOAD-TRAILER when the request declares it.
void SignAsRoot(api::Request& request);

api::Request MakeRequest(std::string method, std::string path, std::string query);

}  // namespace xs3::fuzz
