// Every request body xs3 parses (pugixml XML, nlohmann JSON, multipart/form-data), each through
// its real operation on a real Engine: DeleteObjects (both bucket types), CompleteMultipartUpload,
// CreateBucketConfiguration (general purpose and directory), PutBucketPolicy (directory: S3
// Express; general purpose: the IAM subset), the fault schedule of /_xs3/faults, object and
// bucket Tagging, CORSConfiguration, AccessControlPolicy, LifecycleConfiguration,
// OwnershipControls, PublicAccessBlockConfiguration and a browser-form POST.
//
// Input: one byte choosing the operation, then the body. State a body changed is put back
// (a created bucket is deleted, the fault schedule cleared) so every input starts alike.
#include <cstddef>
#include <cstdint>
#include <string>

#include "auth/checksum.h"
#include "fuzz/service_fixture.h"

namespace {

using xs3::api::Request;
using namespace xs3::fuzz;

const std::string kGp = "/" + std::string(kGeneralBucket);
const std::string kDir = "/" + std::string(kDirectoryBucket);
// The bucket's settings as the fixture made it, put back after a fuzzed PUT changed them.
constexpr std::string_view kOwnerEnforced =
    "<OwnershipControls><Rule><ObjectOwnership>BucketOwnerEnforced</ObjectOwnership></Rule></OwnershipControls>";
constexpr std::string_view kAllBlocked =
    "<PublicAccessBlockConfiguration><BlockPublicAcls>true</BlockPublicAcls><IgnorePublicAcls>true</IgnorePublicAcls>"
    "<BlockPublicPolicy>true</BlockPublicPolicy><RestrictPublicBuckets>true</RestrictPublicBuckets>"
    "</PublicAccessBlockConfiguration>";

void Send(Request r, std::string_view body) {
  r.content_length = body.size();
  SignAsRoot(r);
  ServiceFixture::Get().Run(r, body);
}

Request WithMd5(Request r, std::string_view body) {
  r.headers.emplace_back("content-md5", xs3::auth::Base64Encode(xs3::auth::Digest(xs3::auth::ChecksumAlgorithm::MD5, body)));
  return r;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  if (size < 1) return 0;
  std::string_view body(reinterpret_cast<const char*>(data + 1), size - 1);
  auto& fixture = ServiceFixture::Get();
  const std::string obj = kGp + "/" + std::string(kObject);
  switch (data[0] % 17) {
    case 0: Send(WithMd5(MakeRequest("POST", kGp, "delete"), body), body); break;
    case 1: Send(WithMd5(MakeRequest("POST", kDir, "delete"), body), body); break;
    case 2: Send(MakeRequest("POST", kGp + "/" + std::string(kUploadKey), "uploadId=" + fixture.upload_id()), body); break;
    case 3:
      Send(MakeRequest("PUT", "/fuzz-created", ""), body);
      Send(MakeRequest("DELETE", "/fuzz-created", ""), "");
      break;
    case 4:
      Send(MakeRequest("PUT", "/fuzz-created--use1-az4--x-s3", ""), body);
      Send(MakeRequest("DELETE", "/fuzz-created--use1-az4--x-s3", ""), "");
      break;
    case 5: Send(MakeRequest("PUT", kDir, "policy"), body); break;
    case 6:
      Send(MakeRequest("PUT", "/_xs3/faults", ""), body);
      Send(MakeRequest("DELETE", "/_xs3/faults", ""), "");
      break;
    case 7:
      Send(MakeRequest("PUT", obj, "tagging"), body);
      Send(MakeRequest("DELETE", obj, "tagging"), "");
      break;
    case 8:
      Send(MakeRequest("PUT", kGp, "tagging"), body);
      Send(MakeRequest("DELETE", kGp, "tagging"), "");
      break;
    case 9:
      Send(MakeRequest("PUT", kGp, "cors"), body);
      Send(MakeRequest("DELETE", kGp, "cors"), "");
      break;
    case 10: Send(MakeRequest("PUT", kGp, "acl"), body); break;
    case 11: Send(MakeRequest("PUT", obj, "acl"), body); break;
    case 12:
      Send(MakeRequest("PUT", kGp, "lifecycle"), body);
      Send(MakeRequest("DELETE", kGp, "lifecycle"), "");
      break;
    case 13:
      Send(MakeRequest("PUT", kGp, "policy"), body);
      Send(MakeRequest("DELETE", kGp, "policy"), "");
      break;
    case 14:
      Send(MakeRequest("PUT", kGp, "ownershipControls"), body);
      Send(MakeRequest("PUT", kGp, "ownershipControls"), kOwnerEnforced);
      break;
    case 15:
      Send(MakeRequest("PUT", kGp, "publicAccessBlock"), body);
      Send(MakeRequest("PUT", kGp, "publicAccessBlock"), kAllBlocked);
      break;
    case 16: {
      Request post = MakeRequest("POST", kGp, "");
      post.headers.emplace_back("content-type", "multipart/form-data; boundary=fuzzbound");
      Send(post, body);
      break;
    }
  }
  return 0;
}
