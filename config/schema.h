#pragma once
// The settings xs3d understands, described once: the flag, the environment variable and the JSON
// key are all derived from the name, the default is read off a default-constructed Config, and
// `xs3d --help`, `xs3d --config-reference` (the README's table) and `xs3 config show` are
// generated from this list, so none of them can drift from what the parser accepts (a unit test
// feeds every setting's shown default back through the parser).
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "config/config.h"

namespace xs3::config {

struct SettingInfo {
  const char* name;         // flag --name, environment XS3_NAME, JSON "name" or "name_with_underscores"
  const char* placeholder;  // what the value looks like, for --help
  const char* help;         // one line
  std::string (*show)(const Config&);  // the effective value, in the form the parser takes
  bool secret = false;                 // masked when shown, unless it is the well-known dev default
};

const std::vector<SettingInfo>& Schema();

std::string EnvironmentName(const SettingInfo& s);  // "XS3_DATA_DIR"
// The Markdown table of every setting (README "Configuration reference").
std::string ReferenceMarkdown();
// The effective configuration, secrets masked (users: names and access keys only).
nlohmann::json ToJson(const Config& config);

}  // namespace xs3::config
