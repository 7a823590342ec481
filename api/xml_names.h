#pragma once
// Request documents may spell elements with a namespace prefix (<s3:Status>); S3 matches them by
// local name, so every parser here compares LocalName(node) rather than node.name().
#include <pugixml.hpp>
#include <string_view>

namespace xs3::api {

inline std::string_view LocalName(const pugi::xml_node& node) {
  std::string_view n = node.name();
  auto colon = n.find(':');
  return colon == std::string_view::npos ? n : n.substr(colon + 1);
}

}  // namespace xs3::api
