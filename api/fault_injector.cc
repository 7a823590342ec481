#include "api/fault_injector.h"

#include <nlohmann/json.hpp>

namespace xs3::api {
namespace {

const char* KindName(FaultKind k) {
  switch (k) {
    case FaultKind::SlowDown: return "SlowDown";
    case FaultKind::InternalError: return "InternalError";
    case FaultKind::Reset: return "reset";
    case FaultKind::Latency: return "latency";
  }
  return "InternalError";
}

}  // namespace

std::optional<std::string> FaultInjector::SetSchedule(std::string_view text) {
  std::vector<Rule> rules;
  uint64_t seed = 0;
  if (!text.empty()) {
    auto doc = nlohmann::json::parse(text, nullptr, /*allow_exceptions=*/false);
    if (doc.is_discarded() || !doc.is_object()) return "the fault schedule must be a JSON object";
    if (doc.contains("seed")) {
      if (!doc["seed"].is_number_unsigned()) return "seed must be a non-negative integer";
      seed = doc["seed"].get<uint64_t>();
    }
    const auto& list = doc.value("rules", nlohmann::json::array());
    if (!list.is_array()) return "rules must be an array";
    for (const auto& r : list) {
      if (!r.is_object()) return "each rule must be an object";
      Rule rule;
      auto str = [&](const char* k) { return r.contains(k) && r[k].is_string() ? r[k].get<std::string>() : std::string(); };
      rule.bucket = str("bucket");
      rule.operation = str("operation");
      rule.prefix = str("prefix");
      std::string kind = str("fault");
      if (kind == "SlowDown") rule.fault.kind = FaultKind::SlowDown;
      else if (kind == "InternalError") rule.fault.kind = FaultKind::InternalError;
      else if (kind == "reset") rule.fault.kind = FaultKind::Reset;
      else if (kind == "latency") rule.fault.kind = FaultKind::Latency;
      else return "fault must be SlowDown, InternalError, reset or latency";
      if (r.contains("probability")) {
        if (!r["probability"].is_number()) return "probability must be a number";
        rule.probability = r["probability"].get<double>();
        if (rule.probability < 0 || rule.probability > 1) return "probability must be within [0, 1]";
      }
      if (r.contains("count")) {
        if (!r["count"].is_number_integer() || r["count"].get<int64_t>() < 0) return "count must be a non-negative integer";
        rule.count = r["count"].get<int64_t>();
      }
      if (r.contains("latency_ms")) {
        if (!r["latency_ms"].is_number() || r["latency_ms"].get<double>() < 0) return "latency_ms must be >= 0";
        rule.fault.latency_ms = r["latency_ms"].get<double>();
      }
      if (rule.fault.kind == FaultKind::Latency && rule.fault.latency_ms <= 0) return "a latency rule needs latency_ms";
      rules.push_back(std::move(rule));
    }
  }
  std::lock_guard lock(mu_);
  rules_ = std::move(rules);
  seed_ = seed;
  rng_.seed(seed);
  active_.store(!rules_.empty(), std::memory_order_release);
  return std::nullopt;
}

std::string FaultInjector::ScheduleJson() const {
  std::lock_guard lock(mu_);
  nlohmann::json rules = nlohmann::json::array();
  for (const auto& r : rules_) {
    nlohmann::json j = {{"bucket", r.bucket}, {"operation", r.operation}, {"prefix", r.prefix},
                        {"fault", KindName(r.fault.kind)}, {"probability", r.probability}, {"fired", r.fired}};
    if (r.count >= 0) j["count"] = r.count;
    if (r.fault.kind == FaultKind::Latency) j["latency_ms"] = r.fault.latency_ms;
    rules.push_back(j);
  }
  return nlohmann::json{{"seed", seed_}, {"rules", rules}}.dump();
}

std::optional<Fault> FaultInjector::Draw(std::string_view operation, std::string_view bucket, std::string_view key) {
  if (!active_.load(std::memory_order_acquire)) return std::nullopt;
  std::lock_guard lock(mu_);
  for (auto& r : rules_) {
    if (!r.bucket.empty() && r.bucket != bucket) continue;
    if (!r.operation.empty() && r.operation != operation) continue;
    if (!r.prefix.empty() && key.substr(0, r.prefix.size()) != r.prefix) continue;
    if (r.count >= 0 && r.fired >= r.count) continue;
    if (r.probability < 1 && std::uniform_real_distribution<double>(0, 1)(rng_) >= r.probability) continue;
    ++r.fired;
    return r.fault;
  }
  return std::nullopt;
}

}  // namespace xs3::api
