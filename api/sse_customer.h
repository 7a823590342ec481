#pragma once
// SSE-C, server-side encryption with customer-provided keys: the request headers, the check of
// a request's key against what an object stores, and the cipher its body is stored under.
//
// The customer key is never stored. Every object (every multipart upload) gets a random salt;
// two HMAC-SHA256s of the salt under the key, with different labels, give the verifier kept in
// SseCustomer::key_hmac and the AES-256 key the body is encrypted with. Each piece of a body (a
// plain body, or one multipart part) has its own random IV. The mode is CTR, so any byte range
// decrypts from its offset alone: ranged GETs, partNumber GETs and copy ranges read only what
// they send.
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <variant>

#include "api/request.h"
#include "api/response.h"
#include "common/s3_error.h"
#include "storage/engine.h"

namespace xs3::api {

struct CustomerKey {
  std::string key;      // the 32 raw key bytes
  std::string key_md5;  // base64, as the client sent it (responses echo it)
};

// Which header set: x-amz-server-side-encryption-customer-* or the copy source's
// x-amz-copy-source-server-side-encryption-customer-*.
enum class KeyHeaders { Object, CopySource };

// The customer key a request brings, in headers or, as SigV2 presigned URLs put them, in query
// parameters of the same names: nullopt when it sends none of them; an error for an
// incomplete or invalid set (InvalidArgument, InvalidEncryptionAlgorithmError), or when the
// object headers are combined with x-amz-server-side-encryption.
std::variant<std::optional<CustomerKey>, S3Error> ReadCustomerKey(const Request& request, KeyHeaders which);

// What SSE-C headers get where SSE-C is not supported: directory buckets (S3 Express) and the
// SSE-C headers of operations that take none.
S3Error SseCustomerNotSupported();

// Encryption settings for a new object or upload under `key`: a fresh salt and its verifier,
// no IVs yet.
storage::SseCustomer NewSseCustomer(const CustomerKey& key);
std::string NewIv();

// Whether a request may read (or add parts to) what `stored` describes with `key`:
//   SSE-C object, no key:  InvalidRequest (the object was stored using SSE)
//   SSE-C object, another key:  AccessDenied
//   plain object, a key:  InvalidRequest (the parameters are not applicable)
std::optional<S3Error> CheckCustomerKey(const std::optional<storage::SseCustomer>& stored,
                                        const std::optional<CustomerKey>& key);

// Whether a part may be added to an upload created with `stored` settings (nullopt: no SSE-C):
// the same rules as CheckCustomerKey, with the messages S3 gives for parts.
std::optional<S3Error> CheckUploadKey(const std::optional<storage::SseCustomer>& stored,
                                      const std::optional<CustomerKey>& key);

// x-amz-server-side-encryption-customer-algorithm and -key-MD5, echoed on success.
void AddCustomerKeyHeaders(Response& response, const CustomerKey& key);

// AES-256-CTR keystream positioned at a byte offset of one piece. Encrypting and decrypting are
// the same operation.
class CtrCipher {
 public:
  // cipher_key: CipherKey(); iv: 16 bytes; offset: where in the piece the next byte is.
  CtrCipher(std::string_view cipher_key, std::string_view iv, uint64_t offset);
  ~CtrCipher();
  CtrCipher(const CtrCipher&) = delete;
  CtrCipher& operator=(const CtrCipher&) = delete;
  void Apply(const char* in, char* out, size_t len);  // in == out is allowed
  // Into the cipher's own buffer, valid until the next call.
  std::string_view Apply(const char* in, size_t len);

 private:
  void* ctx_;  // EVP_CIPHER_CTX
  std::string buffer_;
};

// The AES-256 key of a body stored under `key` with `sse`'s salt.
std::string CipherKey(const CustomerKey& key, const storage::SseCustomer& sse);

// Decrypts the stored body of `record` (which must carry sse_customer) as it is read. nullptr
// when the record's IVs do not match its pieces.
std::unique_ptr<storage::BodyReader> DecryptingReader(std::unique_ptr<storage::BodyReader> stored,
                                                      const storage::ObjectRecord& record, const CustomerKey& key);

}  // namespace xs3::api
