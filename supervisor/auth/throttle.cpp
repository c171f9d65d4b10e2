#include "supervisor/auth/throttle.h"

#include <algorithm>

namespace clawhive::auth {
namespace {

constexpr size_t kMaxKey = 256;

std::string Key(std::string_view s) { return std::string(s.substr(0, kMaxKey)); }

}  // namespace

LoginThrottle::LoginThrottle(ThrottleOptions options)
    : options_(options),
      accounts_(std::max(1, options_.account_max_failures), &options_),
      addresses_(std::max(1, options_.address_max_failures), &options_) {
  if (options_.max_entries == 0) options_.max_entries = 1;
}

int64_t LoginThrottle::Table::RetryAfter(const std::string& key, int64_t now) const {
  auto it = map_.find(key);
  if (it == map_.end() || it->second.locked_until <= now) return 0;
  return it->second.locked_until - now;
}

LoginThrottle::Entry& LoginThrottle::Table::Touch(const std::string& key, int64_t now) {
  auto it = map_.find(key);
  if (it != map_.end()) {
    lru_.splice(lru_.begin(), lru_, it->second.lru);
    return it->second;
  }
  while (map_.size() >= o_->max_entries) EvictOne(now);
  lru_.push_front(key);
  Entry& e = map_[key];
  e.lru = lru_.begin();
  return e;
}

void LoginThrottle::Table::EvictOne(int64_t now) {
  // Prefer an unlocked key among the 32 least recently touched, so flooding new names cannot cheaply
  // flush an active lockout.
  auto victim = std::prev(lru_.end());
  auto it = victim;
  for (int i = 0; i < 32; ++i) {
    if (map_.at(*it).locked_until <= now) {
      victim = it;
      break;
    }
    if (it == lru_.begin()) break;
    --it;
  }
  map_.erase(*victim);
  lru_.erase(victim);
}

void LoginThrottle::Table::Failure(const std::string& key, int64_t now) {
  Entry& e = Touch(key, now);
  // Lockout escalation resets once the key has been quiet for a window after its last lockout.
  if (e.lockouts > 0 && e.locked_until + o_->window_ms <= now) e.lockouts = 0;
  auto& f = e.failures;
  f.erase(f.begin(), std::find_if(f.begin(), f.end(), [&](int64_t t) { return t > now - o_->window_ms; }));
  f.push_back(now);
  if (static_cast<int>(f.size()) >= k_) {
    f.clear();
    int shift = std::min(e.lockouts, 30);
    int64_t lock = o_->base_lockout_ms;
    for (int i = 0; i < shift && lock < o_->max_lockout_ms; ++i) lock *= 2;
    lock = std::min(lock, o_->max_lockout_ms);
    e.locked_until = std::max(e.locked_until, now + lock);
    ++e.lockouts;
  }
}

void LoginThrottle::Table::Erase(const std::string& key) {
  auto it = map_.find(key);
  if (it == map_.end()) return;
  lru_.erase(it->second.lru);
  map_.erase(it);
}

ThrottleDecision LoginThrottle::Check(std::string_view account, std::string_view address, int64_t now_ms) const {
  int64_t wait = std::max(accounts_.RetryAfter(Key(account), now_ms), addresses_.RetryAfter(Key(address), now_ms));
  return {wait <= 0, std::max<int64_t>(wait, 0)};
}

void LoginThrottle::RecordFailure(std::string_view account, std::string_view address, int64_t now_ms) {
  accounts_.Failure(Key(account), now_ms);
  addresses_.Failure(Key(address), now_ms);
}

void LoginThrottle::RecordSuccess(std::string_view account, std::string_view /*address*/, int64_t /*now_ms*/) {
  accounts_.Erase(Key(account));
}

}  // namespace clawhive::auth
