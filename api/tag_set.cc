#include "api/tag_set.h"

#include <pugixml.hpp>

#include <optional>
#include <set>

#include "api/xml_writer.h"
#include "auth/sigv4.h"

namespace xs3::api {
namespace {

constexpr size_t kMaxObjectTags = 10;
constexpr size_t kMaxBucketTags = 50;
constexpr size_t kMaxKeyLength = 128;
constexpr size_t kMaxValueLength = 256;

// Decodes UTF-8 into code points; nullopt when the bytes are not UTF-8.
std::optional<std::vector<char32_t>> CodePoints(std::string_view s) {
  std::vector<char32_t> out;
  for (size_t i = 0; i < s.size();) {
    auto b = static_cast<unsigned char>(s[i]);
    size_t n = b < 0x80 ? 1 : (b >> 5) == 0x6 ? 2 : (b >> 4) == 0xE ? 3 : (b >> 3) == 0x1E ? 4 : 0;
    if (n == 0 || i + n > s.size()) return std::nullopt;
    char32_t c = n == 1 ? b : n == 2 ? (b & 0x1F) : n == 3 ? (b & 0x0F) : (b & 0x07);
    for (size_t k = 1; k < n; ++k) {
      auto cont = static_cast<unsigned char>(s[i + k]);
      if ((cont >> 6) != 0x2) return std::nullopt;
      c = (c << 6) | (cont & 0x3F);
    }
    static constexpr char32_t kMinOf[] = {0, 0, 0x80, 0x800, 0x10000};
    if (c < kMinOf[n] || c > 0x10FFFF || (c >= 0xD800 && c <= 0xDFFF)) return std::nullopt;
    out.push_back(c);
    i += n;
  }
  return out;
}

// S3's tag alphabet: Unicode letters, numbers and white space, and _ . : / = + - @. Without a
// Unicode database, non-ASCII code points are taken as letters except the blocks that hold
// controls, punctuation, symbols, combining marks, emoji and private use.
bool TagCharacter(char32_t c) {
  if (c < 0x80) {
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == ' ' || c == '_' ||
           c == '.' || c == ':' || c == '/' || c == '=' || c == '+' || c == '-' || c == '@';
  }
  if (c <= 0x9F) return false;  // C1 controls
  if (c <= 0xBF) {
    // Latin-1 punctuation and signs, except the letters and numbers among them.
    return c == 0xA0 || c == 0xAA || c == 0xB2 || c == 0xB3 || c == 0xB5 || c == 0xB9 || c == 0xBA ||
           (c >= 0xBC && c <= 0xBE);
  }
  if (c == 0xD7 || c == 0xF7) return false;  // × ÷
  struct Range {
    char32_t first, last;
  };
  static constexpr Range kNotLettersOrNumbers[] = {
      {0x0300, 0x036F},   {0x2010, 0x2027},   {0x2030, 0x205E},  {0x20A0, 0x20FF},   {0x2190, 0x245F},
      {0x2500, 0x2BFF},   {0x2E00, 0x2E7F},   {0x3001, 0x3004},  {0x3008, 0x3020},   {0xE000, 0xF8FF},
      {0xFE00, 0xFE0F},   {0xFE30, 0xFE4F},   {0xFF01, 0xFF0F},  {0xFF1A, 0xFF20},   {0xFFF0, 0xFFFF},
      {0x1F000, 0x1FAFF}, {0xE0000, 0xE007F}, {0xF0000, 0x10FFFF},
  };
  for (auto r : kNotLettersOrNumbers)
    if (c >= r.first && c <= r.last) return false;
  return true;
}

// S3 counts lengths in UTF-16 code units.
bool ValidTagText(std::string_view s, size_t min, size_t max) {
  auto points = CodePoints(s);
  if (!points) return false;
  size_t units = 0;
  for (char32_t c : *points) {
    if (!TagCharacter(c)) return false;
    units += c >= 0x10000 ? 2 : 1;
  }
  return units >= min && units <= max;
}

S3Error InvalidTag(std::string message, const std::string& key, const std::string* value = nullptr) {
  S3Error e = make_error(ErrorCode::InvalidTag, std::move(message));
  e.extra_xml = "<TagKey>" + XmlEscape(key) + "</TagKey>";
  if (value) e.extra_xml += "<TagValue>" + XmlEscape(*value) + "</TagValue>";
  return e;
}

std::optional<S3Error> CheckTags(const TagList& tags, TagTarget target) {
  if (target == TagTarget::Object && tags.size() > kMaxObjectTags) {
    return make_error(ErrorCode::BadRequest, "Object tags cannot be greater than 10");
  }
  if (target == TagTarget::Bucket && tags.size() > kMaxBucketTags) {
    return make_error(ErrorCode::BadRequest, "Bucket tag count cannot be greater than 50");
  }
  std::set<std::string_view> seen;
  for (auto& [key, value] : tags) {
    if (!ValidTagText(key, 1, kMaxKeyLength)) return InvalidTag("The TagKey you have provided is invalid", key);
    if (key.size() >= 4 && (key[0] == 'a' || key[0] == 'A') && (key[1] == 'w' || key[1] == 'W') &&
        (key[2] == 's' || key[2] == 'S') && key[3] == ':') {
      return InvalidTag("System tags cannot be added/updated by requester", key);
    }
    if (!ValidTagText(value, 0, kMaxValueLength)) {
      return InvalidTag("The TagValue you have provided is invalid", key, &value);
    }
    if (!seen.insert(key).second) return InvalidTag("Cannot provide multiple Tags with the same key", key);
  }
  return std::nullopt;
}

bool Named(const pugi::xml_node& node, std::string_view name) {
  std::string_view n = node.name();
  auto colon = n.find(':');
  return (colon == std::string_view::npos ? n : n.substr(colon + 1)) == name;
}

}  // namespace

std::variant<TagList, S3Error> TagsFromXml(std::string_view body, TagTarget target) {
  if (body.empty()) return make_error(ErrorCode::MissingRequestBodyError);
  pugi::xml_document doc;
  if (!doc.load_buffer(body.data(), body.size())) return make_error(ErrorCode::MalformedXML);
  auto root = doc.document_element();
  if (!Named(root, "Tagging")) return make_error(ErrorCode::MalformedXML);
  pugi::xml_node tag_set;
  for (auto child : root.children()) {
    if (child.type() != pugi::node_element) continue;
    if (!Named(child, "TagSet") || tag_set) return make_error(ErrorCode::MalformedXML);
    tag_set = child;
  }
  if (!tag_set) return make_error(ErrorCode::MalformedXML);
  TagList tags;
  for (auto tag : tag_set.children()) {
    if (tag.type() != pugi::node_element) continue;
    if (!Named(tag, "Tag")) return make_error(ErrorCode::MalformedXML);
    pugi::xml_node key, value;
    for (auto field : tag.children()) {
      if (field.type() != pugi::node_element) continue;
      pugi::xml_node* slot = Named(field, "Key") ? &key : Named(field, "Value") ? &value : nullptr;
      if (!slot || *slot) return make_error(ErrorCode::MalformedXML);
      *slot = field;
    }
    if (!key || !value) return make_error(ErrorCode::MalformedXML);
    tags.emplace_back(key.text().get(), value.text().get());
  }
  if (auto e = CheckTags(tags, target)) return *e;
  return tags;
}

std::variant<TagList, S3Error> TagsFromHeader(const std::string& header) {
  S3Error invalid = make_error(ErrorCode::InvalidArgument,
                               "The header 'x-amz-tagging' shall be encoded as UTF-8 then URLEncoded URL query "
                               "parameters without tag name duplicates.");
  invalid.extra_xml = "<ArgumentName>x-amz-tagging</ArgumentName><ArgumentValue>" + XmlEscape(header) +
                      "</ArgumentValue>";
  auto decode = [](std::string_view s) -> std::optional<std::string> {
    std::string plus_as_space(s);
    for (char& c : plus_as_space) c = c == '+' ? ' ' : c;
    for (size_t i = 0; i < plus_as_space.size(); ++i) {
      if (plus_as_space[i] != '%') continue;
      if (i + 2 >= plus_as_space.size() || !std::isxdigit(static_cast<unsigned char>(plus_as_space[i + 1])) ||
          !std::isxdigit(static_cast<unsigned char>(plus_as_space[i + 2]))) {
        return std::nullopt;
      }
    }
    std::string decoded = auth::UriDecode(plus_as_space);
    if (!CodePoints(decoded)) return std::nullopt;
    return decoded;
  };
  TagList tags;
  std::set<std::string> seen;
  for (size_t pos = 0; pos <= header.size();) {
    size_t amp = header.find('&', pos);
    std::string_view item(header.data() + pos, (amp == std::string::npos ? header.size() : amp) - pos);
    pos = amp == std::string::npos ? header.size() + 1 : amp + 1;
    if (item.empty()) continue;
    auto eq = item.find('=');
    auto key = decode(item.substr(0, eq));
    auto value = decode(eq == std::string_view::npos ? std::string_view() : item.substr(eq + 1));
    if (!key || !value || key->empty() || !seen.insert(*key).second) return invalid;
    tags.emplace_back(std::move(*key), std::move(*value));
  }
  if (auto e = CheckTags(tags, TagTarget::Object)) return *e;
  return tags;
}

std::string TaggingXml(const TagList& tags) {
  XmlWriter x("Tagging");
  x.Open("TagSet");
  for (auto& [k, v] : tags) x.Open("Tag").Element("Key", k).Element("Value", v).Close("Tag");
  x.Close("TagSet");
  return x.Finish();
}

}  // namespace xs3::api
