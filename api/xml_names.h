#pragma once
// Reading request documents. They may spell elements with a namespace prefix (<s3:Status>); S3
// matches them by local name, so every parser here compares LocalName(node), not node.name().
#include <pugixml.hpp>
#include <string_view>
#include <vector>

namespace xs3::api {

inline std::string_view LocalName(const pugi::xml_node& node) {
  std::string_view n = node.name();
  auto colon = n.find(':');
  return colon == std::string_view::npos ? n : n.substr(colon + 1);
}

// A node's element children (text, comments and whitespace skipped), for documents whose shape is
// checked child by child.
inline std::vector<pugi::xml_node> ChildElements(const pugi::xml_node& node) {
  std::vector<pugi::xml_node> out;
  for (auto c : node.children())
    if (c.type() == pugi::node_element) out.push_back(c);
  return out;
}

}  // namespace xs3::api
