#include "common/xml_escape.h"

namespace xs3 {

std::string XmlEscape(std::string_view text) {
  std::string out;
  out.reserve(text.size());
  for (char c : text) {
    switch (c) {
      case '&': out += "&amp;"; break;
      case '<': out += "&lt;"; break;
      case '>': out += "&gt;"; break;
      case '"': out += "&quot;"; break;
      case '\'': out += "&apos;"; break;
      case '\r': out += "&#13;"; break;
      default:
        // Control characters are legal in S3 keys but not as raw XML 1.0 text: S3 sends them
        // as character references.
        if (static_cast<unsigned char>(c) < 0x20 && c != '\n' && c != '\t') {
          static constexpr char kHex[] = "0123456789ABCDEF";
          out += "&#x";
          if (static_cast<unsigned char>(c) >= 0x10) out += kHex[static_cast<unsigned char>(c) >> 4];
          out += kHex[static_cast<unsigned char>(c) & 0xF];
          out += ';';
        } else {
          out += c;
        }
    }
  }
  return out;
}

}  // namespace xs3
