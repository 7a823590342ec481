#pragma once
#include <string>
#include <string_view>

namespace xs3 {

// Text for S3's XML documents: markup characters as entities, and the control characters XML
// 1.0 cannot carry raw (legal in S3 keys) as character references, as S3 sends them.
std::string XmlEscape(std::string_view text);

}  // namespace xs3
