#include "api/lifecycle.h"

#include <charconv>
#include <ctime>
#include <pugixml.hpp>
#include <set>

#include "api/xml_names.h"

namespace xs3::api {
namespace {

constexpr size_t kMaxRules = 1000;

std::optional<int64_t> Integer(const std::string& text) {
  int64_t v = 0;
  auto [p, ec] = std::from_chars(text.data(), text.data() + text.size(), v);
  if (ec != std::errc() || p != text.data() + text.size() || text.empty()) return std::nullopt;
  return v;
}

// "2027-01-01T00:00:00Z" or "2027-01-01T00:00:00.000Z"; nullopt when not ISO 8601 UTC.
std::optional<int64_t> IsoSeconds(const std::string& text) {
  std::tm tm{};
  const char* end = strptime(text.c_str(), "%Y-%m-%dT%H:%M:%S", &tm);
  if (!end) return std::nullopt;
  std::string rest = end;
  if (rest != "Z" && rest != ".000Z" && rest != "+00:00") return std::nullopt;
  return static_cast<int64_t>(timegm(&tm));
}

S3Error Malformed() { return make_error(ErrorCode::MalformedXML); }

// <Filter> content: Prefix | Tag | ObjectSize* | And{Prefix?, Tag*, ObjectSize*}, or empty.
std::optional<S3Error> ReadFilter(const pugi::xml_node& filter, LifecycleRule* rule, bool inside_and) {
  int parts = 0;
  for (auto f : filter.children()) {
    if (f.type() != pugi::node_element) continue;
    std::string_view name = LocalName(f);
    ++parts;
    if (name == "Prefix") {
      rule->prefix = f.text().get();
    } else if (name == "Tag") {
      std::string key = f.child("Key").text().get(), value = f.child("Value").text().get();
      if (!f.child("Key")) return Malformed();
      rule->tags.emplace_back(key, value);
    } else if (name == "ObjectSizeGreaterThan" || name == "ObjectSizeLessThan") {
      auto v = Integer(f.text().get());
      if (!v || *v < 0) return Malformed();
      (name == "ObjectSizeGreaterThan" ? rule->size_greater_than : rule->size_less_than) = static_cast<uint64_t>(*v);
    } else if (name == "And" && !inside_and) {
      if (auto e = ReadFilter(f, rule, true)) return e;
    } else {
      return Malformed();
    }
  }
  // Outside <And> a filter names at most one condition.
  if (!inside_and && parts > 1) return Malformed();
  return std::nullopt;
}

bool HasTags(const storage::ObjectMeta& meta, const std::vector<std::pair<std::string, std::string>>& wanted) {
  for (auto& w : wanted) {
    bool found = false;
    for (auto& t : meta.tags) found = found || t == w;
    if (!found) return false;
  }
  return true;
}

}  // namespace

std::variant<std::vector<LifecycleRule>, S3Error> ParseLifecycleConfiguration(std::string_view body) {
  if (body.empty()) return make_error(ErrorCode::MissingRequestBodyError);
  pugi::xml_document doc;
  if (!doc.load_buffer(body.data(), body.size())) return Malformed();
  auto root = doc.document_element();
  if (LocalName(root) != "LifecycleConfiguration") return Malformed();
  std::vector<LifecycleRule> rules;
  std::set<std::string> ids;
  for (auto node : root.children()) {
    if (node.type() != pugi::node_element) continue;
    if (LocalName(node) != "Rule") return Malformed();
    LifecycleRule rule;
    bool has_status = false, has_filter = false, has_action = false;
    for (auto field : node.children()) {
      if (field.type() != pugi::node_element) continue;
      std::string_view name = LocalName(field);
      std::string text = field.text().get();
      if (name == "ID") {
        rule.id = text;
      } else if (name == "Status") {
        if (text != "Enabled" && text != "Disabled") return Malformed();
        rule.enabled = text == "Enabled";
        has_status = true;
      } else if (name == "Prefix") {  // the legacy form, without <Filter>
        rule.prefix = text;
        has_filter = true;
      } else if (name == "Filter") {
        if (auto e = ReadFilter(field, &rule, false)) return *e;
        has_filter = true;
      } else if (name == "Expiration") {
        has_action = true;
        if (auto days = field.child("Days")) {
          auto v = Integer(days.text().get());
          if (!v || *v <= 0) {
            return make_error(ErrorCode::InvalidArgument, "'Days' for Expiration action must be a positive integer");
          }
          rule.expiration_days = *v;
        }
        if (auto date = field.child("Date")) {
          auto s = IsoSeconds(date.text().get());
          if (!s) return make_error(ErrorCode::InvalidArgument, "Invalid Date");
          if (*s % 86400 != 0) return make_error(ErrorCode::InvalidArgument, "'Date' must be at midnight GMT");
          rule.expiration_date_s = *s;
        }
        if (rule.expiration_days && rule.expiration_date_s) return Malformed();
        if (auto marker = field.child("ExpiredObjectDeleteMarker")) {
          std::string_view v = marker.text().get();
          if (v != "true" && v != "false") return Malformed();
          // S3 takes the marker action alone: it is implied where Days or Date expire objects.
          if (rule.expiration_days || rule.expiration_date_s) return Malformed();
          rule.expired_object_delete_marker = v == "true";
        } else if (!rule.expiration_days && !rule.expiration_date_s) {
          return Malformed();
        }
      } else if (name == "AbortIncompleteMultipartUpload") {
        has_action = true;
        auto v = Integer(field.child("DaysAfterInitiation").text().get());
        if (!v || *v <= 0) {
          return make_error(ErrorCode::InvalidArgument,
                            "'DaysAfterInitiation' for AbortIncompleteMultipartUpload action must be a positive integer");
        }
        rule.abort_upload_days = *v;
      } else if (name == "NoncurrentVersionExpiration") {
        has_action = true;
        auto days = Integer(field.child("NoncurrentDays").text().get());
        if (!days || *days <= 0) {
          return make_error(ErrorCode::InvalidArgument,
                            "'NoncurrentDays' for NoncurrentVersionExpiration action must be a positive integer");
        }
        rule.noncurrent_days = *days;
        if (auto newer = field.child("NewerNoncurrentVersions")) {
          auto n = Integer(newer.text().get());
          if (!n || *n <= 0 || *n > 100) {
            return make_error(ErrorCode::InvalidArgument,
                              "'NewerNoncurrentVersions' for NoncurrentVersionExpiration action must be a positive "
                              "integer up to 100");
          }
          rule.newer_noncurrent_versions = *n;
        }
      } else if (name == "NoncurrentVersionTransition" || name == "Transition") {
        has_action = true;
      } else {
        return Malformed();
      }
    }
    if (!has_status) return Malformed();
    if (!has_filter) return Malformed();
    if (!has_action) return make_error(ErrorCode::InvalidRequest, "At least one action needs to be specified in a rule");
    if (rule.id.size() > 255) return make_error(ErrorCode::InvalidArgument, "ID length should not exceed allowed limit of 255");
    if (!rule.id.empty() && !ids.insert(rule.id).second) {
      return make_error(ErrorCode::InvalidArgument, "Rule ID must be unique. Found same ID for more than one rule");
    }
    if (rule.abort_upload_days && !rule.tags.empty()) {
      return make_error(ErrorCode::InvalidRequest, "AbortIncompleteMultipartUpload cannot be specified with Tags.");
    }
    rules.push_back(std::move(rule));
  }
  if (rules.empty() || rules.size() > kMaxRules) return Malformed();
  return rules;
}

namespace {

// The version actions of one rule: a key's versions come newest first, and version i > 0 stopped
// being current when version i - 1 was written. What expires is collected during the listing and
// deleted after it, so that deletions cannot disturb the listing's markers.
void SweepVersions(storage::Engine& engine, const storage::BucketInfo& bucket, const LifecycleRule& rule,
                   int64_t now_ms, int64_t day_ms, LifecycleSweepResult* result) {
  if (bucket.versioning.empty()) return;
  struct Target {
    std::string key;
    std::string version_id;
    bool delete_marker;
  };
  std::vector<Target> targets;
  std::vector<storage::VersionEntry> group;  // the versions of one key, newest first
  auto finish_group = [&] {
    if (rule.expired_object_delete_marker && group.size() == 1 && group[0].meta.delete_marker) {
      targets.push_back({group[0].key, group[0].meta.version_id, true});
    }
    group.clear();
  };
  storage::ListVersionsOptions list;
  list.prefix = rule.prefix;
  int64_t noncurrent_seen = 0;
  for (;;) {
    auto page = engine.ListObjectVersions(bucket.name, list);
    if (!page.ok()) return;
    for (auto& v : page->versions) {
      if (!group.empty() && group.back().key != v.key) finish_group();
      if (group.empty()) noncurrent_seen = 0;
      if (!group.empty() && rule.noncurrent_days && !v.meta.delete_marker) {
        const storage::ObjectMeta& m = v.meta;
        const int64_t noncurrent_since = group.back().meta.mtime_ms;
        ++noncurrent_seen;
        bool kept = rule.newer_noncurrent_versions && noncurrent_seen <= *rule.newer_noncurrent_versions;
        bool matches = HasTags(m, rule.tags) && (!rule.size_greater_than || m.size > *rule.size_greater_than) &&
                       (!rule.size_less_than || m.size < *rule.size_less_than);
        if (!kept && matches && noncurrent_since + *rule.noncurrent_days * day_ms <= now_ms) {
          targets.push_back({v.key, m.version_id, false});
        }
      } else if (!group.empty() && v.meta.delete_marker) {
        ++noncurrent_seen;
      }
      group.push_back(v);
    }
    if (!page->is_truncated) break;
    list.key_marker = page->next_key_marker;
    list.version_id_marker = page->next_version_id_marker;
  }
  finish_group();
  for (const Target& t : targets) {
    storage::DeleteOptions options;
    options.version_id = t.version_id.empty() ? "null" : t.version_id;
    if (!engine.DeleteObject(bucket.name, t.key, options).ok()) continue;
    ++(t.delete_marker ? result->delete_markers_removed : result->noncurrent_expired);
  }
}

}  // namespace

LifecycleSweepResult SweepLifecycle(storage::Engine& engine, const storage::BucketInfo& bucket, int64_t now_ms,
                                    int64_t day_ms) {
  LifecycleSweepResult result;
  if (bucket.lifecycle.empty()) return result;
  auto parsed = ParseLifecycleConfiguration(bucket.lifecycle);
  auto* rules = std::get_if<std::vector<LifecycleRule>>(&parsed);
  if (!rules) return result;  // validated when stored; a document from a newer xs3 is left alone

  for (const LifecycleRule& rule : *rules) {
    if (!rule.enabled) continue;
    if (rule.expiration_days || rule.expiration_date_s) {
      storage::ListOptions list;
      list.prefix = rule.prefix;
      for (;;) {
        auto page = engine.ListObjects(bucket.name, list);
        if (!page.ok()) break;
        for (auto& e : page->objects) {
          const storage::ObjectMeta& m = e.meta;
          if (!HasTags(m, rule.tags)) continue;
          if (rule.size_greater_than && !(m.size > *rule.size_greater_than)) continue;
          if (rule.size_less_than && !(m.size < *rule.size_less_than)) continue;
          bool expired = rule.expiration_days ? m.mtime_ms + *rule.expiration_days * day_ms <= now_ms
                                              : *rule.expiration_date_s * 1000 <= now_ms;
          if (expired && engine.DeleteObject(bucket.name, e.key).ok()) ++result.expired;
        }
        if (!page->is_truncated) break;
        list.start_after = page->next_marker;
      }
    }
    if (rule.noncurrent_days || rule.expired_object_delete_marker) SweepVersions(engine, bucket, rule, now_ms, day_ms, &result);
    if (rule.abort_upload_days) {
      storage::ListUploadsOptions list;
      list.prefix = rule.prefix;
      for (;;) {
        auto page = engine.ListMultipartUploads(bucket.name, list);
        if (!page.ok()) break;
        for (auto& u : page->uploads) {
          list.key_marker = u.key;
          list.upload_id_marker = u.upload_id;
          if (u.initiated_ms + *rule.abort_upload_days * day_ms <= now_ms &&
              engine.AbortMultipartUpload(bucket.name, u.key, u.upload_id).ok()) {
            ++result.uploads_aborted;
          }
        }
        if (!page->is_truncated) break;
      }
    }
  }
  return result;
}

}  // namespace xs3::api
