#include "api/form_data.h"

#include <algorithm>
#include <cctype>

namespace xs3::api {
namespace {

constexpr size_t kMaxPartHeaders = 16 * 1024;

std::string Lower(std::string_view s) {
  std::string out(s);
  for (char& c : out) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return out;
}

std::string_view Trim(std::string_view s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t')) s.remove_suffix(1);
  return s;
}

// The value of `param` in a header value like `form-data; name="key"; filename="a b.png"`.
std::optional<std::string> Param(std::string_view header, std::string_view param) {
  size_t i = 0;
  while (i < header.size()) {
    size_t semi = header.find(';', i);
    std::string_view item = Trim(header.substr(i, semi == std::string_view::npos ? std::string_view::npos : semi - i));
    size_t eq = item.find('=');
    if (eq != std::string_view::npos && Lower(Trim(item.substr(0, eq))) == param) {
      std::string_view v = Trim(item.substr(eq + 1));
      if (v.size() >= 2 && v.front() == '"') {
        // Quoted: runs to the closing quote, which may follow a ';' inside the value.
        size_t start = header.find('"', i) + 1;
        size_t end = header.find('"', start);
        if (end == std::string_view::npos) return std::nullopt;
        return std::string(header.substr(start, end - start));
      }
      return std::string(v);
    }
    if (semi == std::string_view::npos) break;
    i = semi + 1;
  }
  return std::nullopt;
}

S3Error Malformed(const char* why) {
  return make_error(ErrorCode::MalformedPOSTRequest, std::string("The body of your POST request is not well-formed multipart/form-data: ") + why);
}

}  // namespace

std::optional<std::string> FormBoundary(std::string_view content_type) {
  size_t semi = content_type.find(';');
  if (Lower(Trim(content_type.substr(0, semi))) != "multipart/form-data" || semi == std::string_view::npos) {
    return std::nullopt;
  }
  auto b = Param(content_type.substr(semi + 1), "boundary");
  if (!b || b->empty() || b->size() > 70) return std::nullopt;
  return b;
}

FormDataParser::FormDataParser(std::string boundary, OnPart on_part, OnData on_data, OnPartEnd on_part_end)
    : delimiter_("\r\n--" + boundary),
      on_part_(std::move(on_part)),
      on_data_(std::move(on_data)),
      on_part_end_(std::move(on_part_end)) {
  // The first boundary may start the body without a preceding CRLF: pretend one was there.
  buf_ = "\r\n";
}

std::optional<S3Error> FormDataParser::Feed(const char* data, size_t len) {
  if (state_ == State::Done) return std::nullopt;  // the epilogue is ignored
  buf_.append(data, len);
  auto e = Run();
  // Keep the buffer small: drop what was consumed.
  buf_.erase(0, pos_);
  pos_ = 0;
  return e;
}

std::optional<S3Error> FormDataParser::Run() {
  for (;;) {
    std::string_view rest(buf_.data() + pos_, buf_.size() - pos_);
    switch (state_) {
      case State::Preamble: {
        size_t at = rest.find(delimiter_);
        if (at == std::string_view::npos) {
          // Keep a possible partial delimiter; the preamble itself is discarded.
          if (rest.size() > delimiter_.size()) pos_ += rest.size() - delimiter_.size();
          if (buf_.size() > 64 * 1024 && pos_ == 0) return Malformed("no boundary");
          return std::nullopt;
        }
        pos_ += at + delimiter_.size();
        state_ = State::AfterBoundary;
        break;
      }
      case State::AfterBoundary: {
        if (rest.size() < 2) return std::nullopt;
        if (rest.substr(0, 2) == "--") {
          pos_ += 2;
          state_ = State::Done;
          return std::nullopt;
        }
        // Transport padding (spaces) may follow a boundary before its CRLF.
        size_t crlf = rest.find("\r\n");
        if (crlf == std::string_view::npos) {
          if (rest.size() > 256) return Malformed("boundary line too long");
          return std::nullopt;
        }
        if (!Trim(rest.substr(0, crlf)).empty()) return Malformed("text after a boundary");
        pos_ += crlf + 2;
        state_ = State::Headers;
        break;
      }
      case State::Headers: {
        size_t end = rest.find("\r\n\r\n");
        size_t empty_headers = rest.substr(0, 2) == "\r\n" ? 0 : std::string_view::npos;
        if (end == std::string_view::npos && empty_headers == std::string_view::npos) {
          if (rest.size() > kMaxPartHeaders) return Malformed("part headers too large");
          return std::nullopt;
        }
        std::string_view block = empty_headers == 0 ? std::string_view() : rest.substr(0, end);
        pos_ += empty_headers == 0 ? 2 : end + 4;
        Part part;
        bool has_disposition = false;
        size_t i = 0;
        while (i < block.size()) {
          size_t eol = block.find("\r\n", i);
          std::string_view line = block.substr(i, eol == std::string_view::npos ? std::string_view::npos : eol - i);
          size_t colon = line.find(':');
          if (colon != std::string_view::npos) {
            std::string name = Lower(Trim(line.substr(0, colon)));
            std::string_view value = Trim(line.substr(colon + 1));
            if (name == "content-disposition") {
              auto n = Param(value, "name");
              if (!n) return Malformed("a part without a name");
              part.name = *n;
              part.filename = Param(value, "filename");
              has_disposition = true;
            } else if (name == "content-type") {
              part.content_type = std::string(value);
            }
          }
          if (eol == std::string_view::npos) break;
          i = eol + 2;
        }
        if (!has_disposition) return Malformed("a part without Content-Disposition");
        if (auto e = on_part_(part)) return e;
        state_ = State::Body;
        break;
      }
      case State::Body: {
        size_t at = rest.find(delimiter_);
        if (at == std::string_view::npos) {
          // Everything except what could be the start of a delimiter is part data.
          size_t safe = rest.size() > delimiter_.size() ? rest.size() - delimiter_.size() : 0;
          if (safe > 0) {
            if (auto e = on_data_(rest.data(), safe)) return e;
            pos_ += safe;
          }
          return std::nullopt;
        }
        if (at > 0) {
          if (auto e = on_data_(rest.data(), at)) return e;
        }
        pos_ += at + delimiter_.size();
        if (auto e = on_part_end_()) return e;
        state_ = State::AfterBoundary;
        break;
      }
      case State::Done: return std::nullopt;
    }
  }
}

}  // namespace xs3::api
