#include "auth/aws_chunked.h"

#include <openssl/crypto.h>
#include <openssl/evp.h>

#include <algorithm>
#include <cstring>
#include <stdexcept>

#include "auth/checksum.h"
#include "common/xml_escape.h"

namespace xs3::auth {
namespace {

constexpr size_t kMaxLineLength = 4096;    // chunk-size lines and trailer lines
constexpr size_t kMaxTrailerLines = 64;
constexpr std::string_view kEmptySha256 = "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855";

std::string_view TrimSpaces(std::string_view s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t')) s.remove_suffix(1);
  return s;
}

std::string LowerCopy(std::string_view s) {
  std::string out(s);
  for (auto& c : out)
    if (c >= 'A' && c <= 'Z') c = static_cast<char>(c - 'A' + 'a');
  return out;
}

S3Error Malformed(std::string what) {
  return make_error(ErrorCode::InvalidRequest, "Malformed aws-chunked body: " + what);
}

}  // namespace

struct AwsChunkedDecoder::State {
  enum class Phase { SizeLine, Data, DataCR, DataLF, TrailerLine, Done };

  explicit State(const AuthContext& c)
      : mode(c.payload_mode),
        signing_key(c.signing_key),
        amz_date(c.amz_date),
        scope(c.scope),
        previous_signature(c.seed_signature) {
    signed_chunks = mode == PayloadMode::StreamingSigned || mode == PayloadMode::StreamingSignedTrailer;
    signed_trailer = mode == PayloadMode::StreamingSignedTrailer;
    trailers_allowed = mode != PayloadMode::StreamingSigned;
    if (signed_chunks) {
      sha = EVP_MD_CTX_new();
      if (sha == nullptr) throw std::runtime_error("EVP_MD_CTX_new failed");
    }
  }
  ~State() {
    if (sha) EVP_MD_CTX_free(sha);
  }
  State(const State&) = delete;
  State& operator=(const State&) = delete;

  PayloadMode mode;
  bool signed_chunks = false;
  bool signed_trailer = false;
  bool trailers_allowed = true;
  std::string signing_key;
  std::string amz_date;
  std::string scope;
  std::string previous_signature;

  Phase phase = Phase::SizeLine;
  std::string line;
  uint64_t remaining = 0;
  std::string chunk_signature;  // provided signature of the chunk being read
  EVP_MD_CTX* sha = nullptr;
  uint64_t decoded = 0;
  std::map<std::string, std::string> trailers;
  std::string canonical_trailer;
  std::optional<std::string> trailer_signature;
  size_t trailer_lines = 0;
  std::optional<S3Error> error;  // sticky

  void StartChunkHash() {
    if (sha) EVP_DigestInit_ex(sha, EVP_sha256(), nullptr);
  }

  std::optional<S3Error> VerifyChunk() {
    if (!signed_chunks) return std::nullopt;
    unsigned char digest[32];
    unsigned int n = 0;
    EVP_DigestFinal_ex(sha, digest, &n);
    std::string sts = "AWS4-HMAC-SHA256-PAYLOAD\n" + amz_date + "\n" + scope + "\n" + previous_signature + "\n" +
                      std::string(kEmptySha256) + "\n" +
                      HexEncode(std::string_view(reinterpret_cast<char*>(digest), n));
    return CheckSignature(sts);
  }

  std::optional<S3Error> CheckSignature(const std::string& sts) {
    std::string expected = HexEncode(HmacSha256(signing_key, sts));
    std::string provided = LowerCopy(chunk_signature);
    if (expected.size() != provided.size() ||
        CRYPTO_memcmp(expected.data(), provided.data(), expected.size()) != 0) {
      S3Error e = make_error(ErrorCode::SignatureDoesNotMatch);
      e.extra_xml = "<StringToSign>" + XmlEscape(sts) + "</StringToSign><SignatureProvided>" +
                    XmlEscape(chunk_signature) + "</SignatureProvided>";
      return e;
    }
    previous_signature = std::move(expected);
    return std::nullopt;
  }

  std::optional<S3Error> OnSizeLine(std::string_view l) {
    std::string_view size_part = l;
    std::optional<std::string_view> sig;
    size_t semi = l.find(';');
    if (semi != std::string_view::npos) {
      size_part = l.substr(0, semi);
      std::string_view ext = l.substr(semi + 1);
      // Extensions: name=value;... Only chunk-signature matters.
      while (!ext.empty()) {
        size_t next = ext.find(';');
        std::string_view item = TrimSpaces(ext.substr(0, next));
        size_t eq = item.find('=');
        if (eq != std::string_view::npos && TrimSpaces(item.substr(0, eq)) == "chunk-signature")
          sig = TrimSpaces(item.substr(eq + 1));
        if (next == std::string_view::npos) break;
        ext.remove_prefix(next + 1);
      }
    }
    size_part = TrimSpaces(size_part);
    if (size_part.empty() || size_part.size() > 15) return Malformed("invalid chunk size");
    uint64_t size = 0;
    for (char c : size_part) {
      int v;
      if (c >= '0' && c <= '9') v = c - '0';
      else if (c >= 'a' && c <= 'f') v = c - 'a' + 10;
      else if (c >= 'A' && c <= 'F') v = c - 'A' + 10;
      else return Malformed("invalid chunk size");
      size = size * 16 + static_cast<uint64_t>(v);
    }
    if (signed_chunks) {
      if (!sig) return make_error(ErrorCode::SignatureDoesNotMatch, "Missing chunk-signature");
      chunk_signature = std::string(*sig);
      StartChunkHash();
    }
    if (size == 0) {
      if (auto e = VerifyChunk()) return e;
      phase = Phase::TrailerLine;
      return std::nullopt;
    }
    remaining = size;
    phase = Phase::Data;
    return std::nullopt;
  }

  std::optional<S3Error> OnTrailerLine(std::string_view l) {
    if (l.empty()) {
      if (signed_trailer && (trailer_signature || !trailers.empty())) {
        if (!trailer_signature)
          return make_error(ErrorCode::SignatureDoesNotMatch, "Missing x-amz-trailer-signature");
        std::string sts = "AWS4-HMAC-SHA256-TRAILER\n" + amz_date + "\n" + scope + "\n" + previous_signature + "\n" +
                          Sha256Hex(canonical_trailer);
        chunk_signature = *trailer_signature;
        if (auto e = CheckSignature(sts)) return e;
      }
      phase = Phase::Done;
      return std::nullopt;
    }
    if (!trailers_allowed) return Malformed("unexpected data after the final chunk");
    if (trailer_signature) return Malformed("trailer after x-amz-trailer-signature");
    if (++trailer_lines > kMaxTrailerLines) return Malformed("too many trailers");
    size_t colon = l.find(':');
    if (colon == std::string_view::npos || colon == 0) return Malformed("invalid trailer line");
    std::string name = LowerCopy(TrimSpaces(l.substr(0, colon)));
    std::string value(TrimSpaces(l.substr(colon + 1)));
    if (name.empty()) return Malformed("invalid trailer line");
    if (name == "x-amz-trailer-signature") {
      if (signed_trailer) trailer_signature = value;
      return std::nullopt;
    }
    canonical_trailer += name + ":" + value + "\n";
    trailers[name] = std::move(value);
    return std::nullopt;
  }

  // Consumes bytes of a CRLF-terminated line. Returns bytes consumed; `complete` set at the LF.
  std::optional<S3Error> ReadLine(const char* data, size_t len, size_t& used, bool& complete) {
    const void* nl = std::memchr(data, '\n', len);
    size_t take = nl ? static_cast<size_t>(static_cast<const char*>(nl) - data) + 1 : len;
    size_t content = nl ? take - 1 : take;
    if (line.size() + content > kMaxLineLength + 1) return Malformed("line too long");
    line.append(data, content);
    used = take;
    complete = nl != nullptr;
    if (complete) {
      if (line.empty() || line.back() != '\r') return Malformed("line not terminated by CRLF");
      line.pop_back();
      if (line.size() > kMaxLineLength) return Malformed("line too long");
    }
    return std::nullopt;
  }

  std::optional<S3Error> Feed(const char* data, size_t len, const Sink& sink) {
    size_t i = 0;
    while (i < len) {
      switch (phase) {
        case Phase::SizeLine:
        case Phase::TrailerLine: {
          size_t used = 0;
          bool complete = false;
          if (auto e = ReadLine(data + i, len - i, used, complete)) return e;
          i += used;
          if (complete) {
            std::string l = std::move(line);
            line.clear();
            auto e = phase == Phase::SizeLine ? OnSizeLine(l) : OnTrailerLine(l);
            if (e) return e;
          }
          break;
        }
        case Phase::Data: {
          size_t n = static_cast<size_t>(std::min<uint64_t>(remaining, len - i));
          if (sha) EVP_DigestUpdate(sha, data + i, n);
          if (sink) {
            if (auto e = sink(data + i, n)) return e;
          }
          decoded += n;
          remaining -= n;
          i += n;
          if (remaining == 0) phase = Phase::DataCR;
          break;
        }
        case Phase::DataCR:
          if (data[i] != '\r') return Malformed("chunk data not followed by CRLF");
          ++i;
          phase = Phase::DataLF;
          break;
        case Phase::DataLF:
          if (data[i] != '\n') return Malformed("chunk data not followed by CRLF");
          ++i;
          if (auto e = VerifyChunk()) return e;
          phase = Phase::SizeLine;
          break;
        case Phase::Done:
          return Malformed("unexpected data after the end of the body");
      }
    }
    return std::nullopt;
  }
};

AwsChunkedDecoder::AwsChunkedDecoder(const AuthContext& context) : state_(std::make_shared<State>(context)) {}

std::optional<S3Error> AwsChunkedDecoder::Feed(const char* data, size_t len, const Sink& sink) {
  if (state_->error) return state_->error;
  auto e = state_->Feed(data, len, sink);
  if (e) state_->error = e;
  return e;
}

std::optional<S3Error> AwsChunkedDecoder::Finish() {
  if (state_->error) return state_->error;
  auto& s = *state_;
  if (s.phase == State::Phase::Done) return std::nullopt;
  // Lenient: a body that stops right after the final zero-length chunk line, with no trailers
  // and no closing empty line.
  if (s.phase == State::Phase::TrailerLine && s.line.empty() && s.trailer_lines == 0 && !s.trailer_signature) {
    s.phase = State::Phase::Done;
    return std::nullopt;
  }
  s.error = make_error(ErrorCode::IncompleteBody);
  return s.error;
}

bool AwsChunkedDecoder::done() const { return state_->phase == State::Phase::Done; }

uint64_t AwsChunkedDecoder::decoded_size() const { return state_->decoded; }

const std::map<std::string, std::string>& AwsChunkedDecoder::trailers() const { return state_->trailers; }

}  // namespace xs3::auth
