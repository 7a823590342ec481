#include "api/cors.h"

#include <pugixml.hpp>

#include <algorithm>
#include <array>
#include <charconv>

#include "api/xml_names.h"
#include "api/xml_writer.h"

namespace xs3::api {
namespace {

constexpr size_t kMaxRules = 100;
constexpr std::array kMethods = {"GET", "PUT", "HEAD", "POST", "DELETE"};

std::string Lower(std::string_view s) {
  std::string out(s);
  for (char& c : out) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return out;
}

// S3's patterns hold at most one '*', which matches any run of characters (also none); the
// rest must match exactly, anchored at both ends.
bool WildcardMatch(std::string_view pattern, std::string_view text) {
  auto star = pattern.find('*');
  if (star == std::string_view::npos) return pattern == text;
  std::string_view head = pattern.substr(0, star), tail = pattern.substr(star + 1);
  return text.size() >= head.size() + tail.size() && text.substr(0, head.size()) == head &&
         text.substr(text.size() - tail.size()) == tail;
}

S3Error TooManyWildcards(std::string_view element, const std::string& value) {
  return make_error(ErrorCode::InvalidRequest,
                    std::string(element) + " \"" + value + "\" can not have more than one wildcard.");
}

std::string Join(const std::vector<std::string>& items) {
  std::string out;
  for (auto& i : items) out += (out.empty() ? "" : ", ") + i;
  return out;
}

}  // namespace

std::variant<CorsConfiguration, S3Error> ParseCorsConfiguration(std::string_view body) {
  if (body.empty()) return make_error(ErrorCode::MissingRequestBodyError);
  pugi::xml_document doc;
  if (!doc.load_buffer(body.data(), body.size())) return make_error(ErrorCode::MalformedXML);
  auto root = doc.document_element();
  if (LocalName(root) != "CORSConfiguration") return make_error(ErrorCode::MalformedXML);
  CorsConfiguration config;
  for (auto node : root.children()) {
    if (node.type() != pugi::node_element) continue;
    if (LocalName(node) != "CORSRule") return make_error(ErrorCode::MalformedXML);
    CorsRule rule;
    bool has_max_age = false;
    for (auto field : node.children()) {
      if (field.type() != pugi::node_element) continue;
      std::string_view name = LocalName(field);
      std::string text = field.text().get();
      if (name == "ID") {
        rule.id = text;
      } else if (name == "AllowedHeader") {
        rule.allowed_headers.push_back(text);
      } else if (name == "AllowedMethod") {
        rule.allowed_methods.push_back(text);
      } else if (name == "AllowedOrigin") {
        rule.allowed_origins.push_back(text);
      } else if (name == "ExposeHeader") {
        rule.expose_headers.push_back(text);
      } else if (name == "MaxAgeSeconds" && !has_max_age) {
        has_max_age = true;
        int64_t v = 0;
        auto [p, ec] = std::from_chars(text.data(), text.data() + text.size(), v);
        if (ec != std::errc() || p != text.data() + text.size()) return make_error(ErrorCode::MalformedXML);
        rule.max_age_seconds = v;
      } else {
        return make_error(ErrorCode::MalformedXML);
      }
    }
    if (rule.allowed_methods.empty() || rule.allowed_origins.empty()) return make_error(ErrorCode::MalformedXML);
    config.rules.push_back(std::move(rule));
  }
  if (config.rules.empty() || config.rules.size() > kMaxRules) return make_error(ErrorCode::MalformedXML);
  for (auto& rule : config.rules) {
    for (auto& m : rule.allowed_methods) {
      if (std::find(kMethods.begin(), kMethods.end(), m) == kMethods.end()) {
        return make_error(ErrorCode::InvalidRequest,
                          "Found unsupported HTTP method in CORS config. Unsupported method is " + m);
      }
    }
    for (auto& o : rule.allowed_origins)
      if (std::count(o.begin(), o.end(), '*') > 1) return TooManyWildcards("AllowedOrigin", o);
    for (auto& h : rule.allowed_headers)
      if (std::count(h.begin(), h.end(), '*') > 1) return TooManyWildcards("AllowedHeader", h);
  }
  return config;
}

std::string CorsConfigurationXml(const CorsConfiguration& config) {
  XmlWriter x("CORSConfiguration");
  for (auto& rule : config.rules) {
    x.Open("CORSRule");
    if (!rule.id.empty()) x.Element("ID", rule.id);
    for (auto& h : rule.allowed_headers) x.Element("AllowedHeader", h);
    for (auto& m : rule.allowed_methods) x.Element("AllowedMethod", m);
    for (auto& o : rule.allowed_origins) x.Element("AllowedOrigin", o);
    for (auto& h : rule.expose_headers) x.Element("ExposeHeader", h);
    if (rule.max_age_seconds) x.Element("MaxAgeSeconds", std::to_string(*rule.max_age_seconds));
    x.Close("CORSRule");
  }
  return x.Finish();
}

const CorsRule* MatchCorsRule(const CorsConfiguration& config, std::string_view origin, std::string_view method,
                              const std::vector<std::string>& request_headers) {
  for (auto& rule : config.rules) {
    bool origin_ok = std::any_of(rule.allowed_origins.begin(), rule.allowed_origins.end(),
                                 [&](const std::string& o) { return WildcardMatch(o, origin); });
    bool method_ok = std::find(rule.allowed_methods.begin(), rule.allowed_methods.end(), method) !=
                     rule.allowed_methods.end();
    // Header names match without regard to case.
    bool headers_ok = std::all_of(request_headers.begin(), request_headers.end(), [&](const std::string& h) {
      return std::any_of(rule.allowed_headers.begin(), rule.allowed_headers.end(),
                         [&](const std::string& a) { return WildcardMatch(Lower(a), h); });
    });
    if (origin_ok && method_ok && headers_ok) return &rule;
  }
  return nullptr;
}

void AddCorsHeaders(Response& r, const CorsRule& rule, std::string_view origin,
                    const std::vector<std::string>* allow_headers) {
  bool any_origin = std::find(rule.allowed_origins.begin(), rule.allowed_origins.end(), "*") !=
                    rule.allowed_origins.end();
  r.SetHeader("Access-Control-Allow-Origin", any_origin ? "*" : std::string(origin));
  r.SetHeader("Access-Control-Allow-Methods", Join(rule.allowed_methods));
  // Credentials go only to a named origin: browsers refuse them with '*'.
  if (!any_origin) r.SetHeader("Access-Control-Allow-Credentials", "true");
  if (allow_headers && !allow_headers->empty()) r.SetHeader("Access-Control-Allow-Headers", Join(*allow_headers));
  if (!rule.expose_headers.empty()) r.SetHeader("Access-Control-Expose-Headers", Join(rule.expose_headers));
  if (rule.max_age_seconds) r.SetHeader("Access-Control-Max-Age", std::to_string(*rule.max_age_seconds));
  r.SetHeader("Vary", "Origin, Access-Control-Request-Headers, Access-Control-Request-Method");
}

}  // namespace xs3::api
