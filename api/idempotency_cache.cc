#include "api/idempotency_cache.h"

namespace xs3::api {

IdempotencyCache::Seen IdempotencyCache::Check(const std::string& token, const std::string& fingerprint) {
  std::lock_guard lock(mu_);
  auto it = entries_.find(token);
  if (it == entries_.end() || it->second.expires < Clock::now()) return Seen::New;
  return it->second.fingerprint == fingerprint ? Seen::SameRequest : Seen::DifferentRequest;
}

void IdempotencyCache::Remember(const std::string& token, const std::string& fingerprint) {
  std::lock_guard lock(mu_);
  auto now = Clock::now();
  while (!order_.empty() && (entries_.size() >= kMaxEntries || entries_[order_.front()].expires < now)) {
    entries_.erase(order_.front());
    order_.pop_front();
  }
  if (entries_.emplace(token, Entry{fingerprint, now + kLifetime}).second) order_.push_back(token);
}

}  // namespace xs3::api
