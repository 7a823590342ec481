#include "api/multipart_checksums.h"

namespace xs3::api {

using auth::ChecksumAlgorithm;

std::variant<UploadChecksum, S3Error> UploadChecksumFromHeaders(const std::string* algorithm, const std::string* type) {
  UploadChecksum c;
  if (algorithm) {
    c.algorithm = auth::ParseChecksumAlgorithm(*algorithm);
    if (!c.algorithm || *c.algorithm == ChecksumAlgorithm::MD5) {
      return make_error(ErrorCode::InvalidRequest, "Checksum algorithm provided is unsupported.");
    }
  }
  bool crc = c.algorithm && (*c.algorithm == ChecksumAlgorithm::CRC32 || *c.algorithm == ChecksumAlgorithm::CRC32C ||
                             *c.algorithm == ChecksumAlgorithm::CRC64NVME);
  if (type) {
    if (*type != "COMPOSITE" && *type != "FULL_OBJECT") {
      return make_error(ErrorCode::InvalidRequest, "Value for x-amz-checksum-type header is invalid.");
    }
    if (!c.algorithm) {
      return make_error(ErrorCode::InvalidRequest,
                        "The x-amz-checksum-type header can only be used with the x-amz-checksum-algorithm header.");
    }
    c.full_object = *type == "FULL_OBJECT";
    if (c.full_object && !crc) {
      return make_error(ErrorCode::InvalidRequest, "The FULL_OBJECT checksum type is only supported for CRC algorithms.");
    }
    if (!c.full_object && *c.algorithm == ChecksumAlgorithm::CRC64NVME) {
      return make_error(ErrorCode::InvalidRequest, "The COMPOSITE checksum type is not supported for CRC64NVME.");
    }
  } else if (c.algorithm) {
    c.full_object = *c.algorithm == ChecksumAlgorithm::CRC64NVME;
  }
  return c;
}

UploadChecksum UploadChecksumOf(const storage::ObjectMeta& meta) {
  UploadChecksum c;
  if (!meta.checksums.empty()) {
    c.algorithm = auth::ParseChecksumAlgorithm(meta.checksums.begin()->first);
    c.full_object = meta.checksum_type == "FULL_OBJECT";
  }
  return c;
}

void RecordUploadChecksum(const UploadChecksum& c, storage::ObjectMeta& meta) {
  meta.checksums.clear();
  meta.checksum_type.clear();
  if (!c.algorithm) return;
  meta.checksums[std::string(auth::ChecksumName(*c.algorithm))] = "";
  meta.checksum_type = c.full_object ? "FULL_OBJECT" : "COMPOSITE";
}

std::optional<std::string> ObjectChecksum(ChecksumAlgorithm algorithm, bool full_object,
                                          const std::vector<const storage::UploadPart*>& parts) {
  if (full_object) {
    std::optional<std::string> total;
    for (auto* p : parts) {
      auto raw = auth::Base64Decode(p->checksum);
      if (!raw) return std::nullopt;
      total = total ? auth::CombineCrc(algorithm, *total, *raw, p->extent.size) : raw;
      if (!total) return std::nullopt;
    }
    if (!total) total = auth::Digest(algorithm, "");
    return auth::Base64Encode(*total);
  }
  auto hasher = auth::Hasher::Create(algorithm);
  for (auto* p : parts) {
    auto raw = auth::Base64Decode(p->checksum);
    if (!raw) return std::nullopt;
    hasher->Update(raw->data(), raw->size());
  }
  return auth::Base64Encode(hasher->Final()) + "-" + std::to_string(parts.size());
}

}  // namespace xs3::api
