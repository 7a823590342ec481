#include "api/sse_customer.h"

#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/rand.h>

#include <strings.h>

#include <algorithm>
#include <cstring>
#include <vector>

#include "api/addressing.h"
#include "api/object_headers.h"
#include "auth/checksum.h"

namespace xs3::api {
namespace {

constexpr size_t kKeyBytes = 32;
constexpr size_t kIvBytes = 16;
constexpr size_t kSaltBytes = 16;

constexpr std::string_view kVerifierLabel = "xs3 SSE-C key verifier\n";
constexpr std::string_view kCipherLabel = "xs3 SSE-C cipher key\n";

struct HeaderNames {
  const char* algorithm;
  const char* key;
  const char* key_md5;
};

constexpr HeaderNames kObjectHeaders{"x-amz-server-side-encryption-customer-algorithm",
                                     "x-amz-server-side-encryption-customer-key",
                                     "x-amz-server-side-encryption-customer-key-md5"};
constexpr HeaderNames kCopySourceHeaders{"x-amz-copy-source-server-side-encryption-customer-algorithm",
                                         "x-amz-copy-source-server-side-encryption-customer-key",
                                         "x-amz-copy-source-server-side-encryption-customer-key-md5"};

std::string RandomBytes(size_t n) {
  std::string out(n, '\0');
  RAND_bytes(reinterpret_cast<unsigned char*>(out.data()), static_cast<int>(n));
  return out;
}

std::string Verifier(const std::string& key, const std::string& salt) {
  return auth::HmacSha256(key, std::string(kVerifierLabel) + salt);
}

// Adds `blocks` to a big-endian 128-bit counter, as CTR mode advances it.
std::string AdvanceCounter(std::string_view iv, uint64_t blocks) {
  std::string counter(iv);
  unsigned carry = 0;
  for (int i = 15; i >= 0; --i) {
    unsigned sum = static_cast<unsigned char>(counter[i]) + (blocks & 0xff) + carry;
    counter[i] = static_cast<char>(sum & 0xff);
    carry = sum >> 8;
    blocks >>= 8;
  }
  return counter;
}

// Decrypts pieces in place, each from its own IV (see DecryptingReader).
class DecryptingBodyReader final : public storage::BodyReader {
 public:
  struct Piece {
    uint64_t start = 0;
    uint64_t size = 0;
    std::string iv;
  };
  DecryptingBodyReader(std::unique_ptr<storage::BodyReader> stored, std::string cipher_key, std::vector<Piece> pieces)
      : stored_(std::move(stored)), cipher_key_(std::move(cipher_key)), pieces_(std::move(pieces)) {}

  uint64_t size() const override { return stored_->size(); }
  // The bytes on disk are not what is sent: never sendfile.
  storage::FileSpan SpanAt(uint64_t offset) const override { return {-1, 0, stored_->size() - offset}; }

  storage::Result<size_t> ReadAt(uint64_t offset, char* buf, size_t len) const override {
    auto got = stored_->ReadAt(offset, buf, len);
    if (!got.ok()) return got;
    uint64_t end = offset + got.value();
    // The piece holding `offset`: the last one starting at or before it.
    auto it = std::upper_bound(pieces_.begin(), pieces_.end(), offset,
                               [](uint64_t off, const Piece& p) { return off < p.start; });
    if (it != pieces_.begin()) --it;
    for (uint64_t pos = offset; pos < end && it != pieces_.end(); ++it) {
      uint64_t piece_end = it->start + it->size;
      if (piece_end <= pos) continue;
      uint64_t n = std::min(end, piece_end) - pos;
      CtrCipher cipher(cipher_key_, it->iv, pos - it->start);
      cipher.Apply(buf + (pos - offset), buf + (pos - offset), static_cast<size_t>(n));
      pos += n;
    }
    return got;
  }

 private:
  std::unique_ptr<storage::BodyReader> stored_;
  std::string cipher_key_;
  std::vector<Piece> pieces_;
};

}  // namespace

std::variant<std::optional<CustomerKey>, S3Error> ReadCustomerKey(const Request& request, KeyHeaders which) {
  const HeaderNames& names = which == KeyHeaders::Object ? kObjectHeaders : kCopySourceHeaders;
  // SigV2 presigned URLs (boto3's default presigning) carry x-amz-* headers as query parameters.
  std::vector<std::pair<std::string, std::string>> query;
  if (request.raw_query.find("-customer-") != std::string::npos) query = ParseQuery(request.raw_query);
  auto find = [&](const char* name) -> const std::string* {
    if (auto* v = request.Header(name)) return v;
    for (auto& [k, v] : query) {
      if (k.size() == std::strlen(name) && strncasecmp(k.c_str(), name, k.size()) == 0) return &v;
    }
    return nullptr;
  };
  const std::string* algorithm = find(names.algorithm);
  const std::string* key = find(names.key);
  const std::string* key_md5 = find(names.key_md5);
  if (!algorithm && !key && !key_md5) return std::optional<CustomerKey>();
  if (which == KeyHeaders::Object && request.Header(kEncryptionHeader)) {
    return make_error(ErrorCode::InvalidArgument,
                      "Server Side Encryption with Customer provided key is incompatible with the encryption method "
                      "specified");
  }
  if (!algorithm) {
    return make_error(ErrorCode::InvalidArgument,
                      "Requests specifying Server Side Encryption with Customer provided keys must provide a valid "
                      "encryption algorithm.");
  }
  if (*algorithm != "AES256") return make_error(ErrorCode::InvalidEncryptionAlgorithmError);
  if (!key) {
    return make_error(ErrorCode::InvalidArgument,
                      "Requests specifying Server Side Encryption with Customer provided keys must provide an "
                      "appropriate secret key.");
  }
  if (!key_md5) {
    return make_error(ErrorCode::InvalidArgument,
                      "Requests specifying Server Side Encryption with Customer provided keys must provide the client "
                      "calculated MD5 of the secret key.");
  }
  auto raw = auth::Base64Decode(*key);
  if (!raw || raw->size() != kKeyBytes) {
    return make_error(ErrorCode::InvalidArgument, "The secret key was invalid for the specified algorithm.");
  }
  auto md5 = auth::Base64Decode(*key_md5);
  if (!md5 || *md5 != auth::Digest(auth::ChecksumAlgorithm::MD5, *raw)) {
    return make_error(ErrorCode::InvalidArgument,
                      "The calculated MD5 hash of the key did not match the hash that was provided.");
  }
  return std::optional<CustomerKey>(CustomerKey{std::move(*raw), *key_md5});
}

S3Error SseCustomerNotSupported() {
  return make_error(ErrorCode::InvalidArgument,
                    "Server-side encryption with customer-provided keys (SSE-C) is not supported for this request.");
}

storage::SseCustomer NewSseCustomer(const CustomerKey& key) {
  storage::SseCustomer sse;
  sse.salt = RandomBytes(kSaltBytes);
  sse.key_hmac = Verifier(key.key, sse.salt);
  return sse;
}

std::string NewIv() { return RandomBytes(kIvBytes); }

std::optional<S3Error> CheckCustomerKey(const std::optional<storage::SseCustomer>& stored,
                                        const std::optional<CustomerKey>& key) {
  if (stored && !key) {
    return make_error(ErrorCode::InvalidRequest,
                      "The object was stored using a form of Server Side Encryption. The correct parameters must be "
                      "provided to retrieve the object.");
  }
  if (!stored && key) {
    return make_error(ErrorCode::InvalidRequest, "The encryption parameters are not applicable to this object.");
  }
  if (stored) {
    std::string expected = Verifier(key->key, stored->salt);
    if (expected.size() != stored->key_hmac.size() ||
        CRYPTO_memcmp(expected.data(), stored->key_hmac.data(), expected.size()) != 0) {
      return make_error(ErrorCode::AccessDenied);
    }
  }
  return std::nullopt;
}

std::optional<S3Error> CheckUploadKey(const std::optional<storage::SseCustomer>& stored,
                                      const std::optional<CustomerKey>& key) {
  if (stored && !key) {
    return make_error(ErrorCode::InvalidRequest,
                      "The multipart upload initiate requested encryption. Subsequent part requests must include the "
                      "appropriate encryption parameters.");
  }
  if (auto e = CheckCustomerKey(stored, key); e && e->code == ErrorCode::AccessDenied) {
    return make_error(ErrorCode::InvalidArgument,
                      "The provided encryption parameters did not match the ones used originally.");
  } else {
    return e;
  }
}

void AddCustomerKeyHeaders(Response& response, const CustomerKey& key) {
  response.SetHeader("x-amz-server-side-encryption-customer-algorithm", "AES256");
  response.SetHeader("x-amz-server-side-encryption-customer-key-MD5", key.key_md5);
}

std::string CipherKey(const CustomerKey& key, const storage::SseCustomer& sse) {
  return auth::HmacSha256(key.key, std::string(kCipherLabel) + sse.salt);
}

CtrCipher::CtrCipher(std::string_view cipher_key, std::string_view iv, uint64_t offset) {
  EVP_CIPHER_CTX* ctx = EVP_CIPHER_CTX_new();
  if (!ctx) throw std::bad_alloc();
  ctx_ = ctx;
  std::string counter = AdvanceCounter(iv, offset / 16);
  EVP_EncryptInit_ex(ctx, EVP_aes_256_ctr(), nullptr, reinterpret_cast<const unsigned char*>(cipher_key.data()),
                     reinterpret_cast<const unsigned char*>(counter.data()));
  // Into the block: use up the keystream bytes before the offset.
  unsigned char skip[16] = {};
  int n = 0;
  EVP_EncryptUpdate(ctx, skip, &n, skip, static_cast<int>(offset % 16));
}

CtrCipher::~CtrCipher() { EVP_CIPHER_CTX_free(static_cast<EVP_CIPHER_CTX*>(ctx_)); }

void CtrCipher::Apply(const char* in, char* out, size_t len) {
  auto* ctx = static_cast<EVP_CIPHER_CTX*>(ctx_);
  constexpr size_t kStep = size_t{1} << 30;  // EVP lengths are ints
  for (size_t done = 0; done < len;) {
    size_t step = std::min(kStep, len - done);
    int n = 0;
    EVP_EncryptUpdate(ctx, reinterpret_cast<unsigned char*>(out + done), &n,
                      reinterpret_cast<const unsigned char*>(in + done), static_cast<int>(step));
    done += step;
  }
}

std::string_view CtrCipher::Apply(const char* in, size_t len) {
  buffer_.resize(len);
  Apply(in, buffer_.data(), len);
  return buffer_;
}

std::unique_ptr<storage::BodyReader> DecryptingReader(std::unique_ptr<storage::BodyReader> stored,
                                                      const storage::ObjectRecord& record, const CustomerKey& key) {
  const storage::SseCustomer& sse = *record.meta.sse_customer;
  std::vector<DecryptingBodyReader::Piece> pieces;
  if (record.extents.empty()) {
    if (sse.ivs.size() != 1) return nullptr;
    pieces.push_back({0, stored->size(), sse.ivs[0]});
  } else {
    if (sse.ivs.size() != record.extents.size()) return nullptr;
    uint64_t start = 0;
    for (size_t i = 0; i < record.extents.size(); ++i) {
      pieces.push_back({start, record.extents[i].size, sse.ivs[i]});
      start += record.extents[i].size;
    }
  }
  for (const auto& p : pieces) {
    if (p.iv.size() != kIvBytes) return nullptr;
  }
  return std::make_unique<DecryptingBodyReader>(std::move(stored), CipherKey(key, sse), std::move(pieces));
}

}  // namespace xs3::api
