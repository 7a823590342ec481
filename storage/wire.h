#pragma once
// Little binary writer/reader for on-disk values: LEB128 varints, fixed 64-bit little-endian
// integers and length-prefixed byte strings. Readers never read past the input.
#include <cstdint>
#include <string>
#include <string_view>
#include <utility>

namespace xs3::storage {

class WireWriter {
 public:
  void PutByte(uint8_t b) { out_.push_back(static_cast<char>(b)); }
  void PutVarint(uint64_t v) {
    while (v >= 0x80) {
      out_.push_back(static_cast<char>((v & 0x7F) | 0x80));
      v >>= 7;
    }
    out_.push_back(static_cast<char>(v));
  }
  void PutFixed64(uint64_t v) {
    for (int i = 0; i < 8; ++i) out_.push_back(static_cast<char>((v >> (8 * i)) & 0xFF));
  }
  void PutString(std::string_view s) {
    PutVarint(s.size());
    out_.append(s);
  }
  std::string Take() { return std::move(out_); }

 private:
  std::string out_;
};

class WireReader {
 public:
  explicit WireReader(std::string_view in) : in_(in) {}
  bool GetByte(uint8_t* b) {
    if (pos_ >= in_.size()) return false;
    *b = static_cast<uint8_t>(in_[pos_++]);
    return true;
  }
  bool GetVarint(uint64_t* v) {
    uint64_t result = 0;
    for (int shift = 0; shift < 64; shift += 7) {
      uint8_t b = 0;
      if (!GetByte(&b)) return false;
      result |= uint64_t{b & 0x7Fu} << shift;
      if ((b & 0x80) == 0) {
        *v = result;
        return true;
      }
    }
    return false;
  }
  bool GetFixed64(uint64_t* v) {
    if (in_.size() - pos_ < 8) return false;
    uint64_t result = 0;
    for (int i = 0; i < 8; ++i) result |= uint64_t{static_cast<uint8_t>(in_[pos_ + i])} << (8 * i);
    pos_ += 8;
    *v = result;
    return true;
  }
  // The view points into the input.
  bool GetString(std::string_view* s) {
    uint64_t n = 0;
    if (!GetVarint(&n) || n > in_.size() - pos_) return false;
    *s = in_.substr(pos_, n);
    pos_ += n;
    return true;
  }
  bool GetString(std::string* s) {
    std::string_view v;
    if (!GetString(&v)) return false;
    s->assign(v);
    return true;
  }
  bool done() const { return pos_ == in_.size(); }

 private:
  std::string_view in_;
  size_t pos_ = 0;
};

}  // namespace xs3::storage
