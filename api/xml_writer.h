#pragma once
// A tiny append-only XML builder for S3 responses: elements are written in order, text escaped.
#include <string>
#include <string_view>

#include "common/xml_escape.h"

namespace xs3::api {

using xs3::XmlEscape;

class XmlWriter {
 public:
  // Starts with the XML declaration and the root element (with S3's namespace when asked).
  XmlWriter(std::string_view root, bool with_namespace = true);
  XmlWriter& Open(std::string_view name);
  XmlWriter& Close(std::string_view name);
  XmlWriter& Element(std::string_view name, std::string_view text);
  XmlWriter& Raw(std::string_view xml);
  std::string Finish();

 private:
  std::string out_;
  std::string root_;
};

}  // namespace xs3::api
