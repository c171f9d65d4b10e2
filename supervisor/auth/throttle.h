// Login throttling: pure logic, no I/O, the clock is a parameter (milliseconds, any epoch).
//
// Failures are counted per account name and per client address in a sliding window. The K-th failure
// inside the window locks that key for base_lockout_ms; each further lockout of the same key (before it
// has been quiet for a window after its last lockout ended) doubles the time, up to max_lockout_ms.
// A success clears the account's record but not the address's (one's own account must not reset an
// address that is guessing others). Memory is bounded: each table keeps at most max_entries keys; when
// full, the least recently touched key that is not locked is evicted (or, if every inspected one is
// locked, the least recently touched). Keys longer than 256 bytes are truncated.
//
// Not thread-safe.
#pragma once

#include <cstddef>
#include <cstdint>
#include <list>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

namespace clawhive::auth {

struct ThrottleOptions {
  int account_max_failures = 5;    // K for an account name
  int address_max_failures = 20;   // K for an address (many users may share a NAT)
  int64_t window_ms = 15 * 60 * 1000;
  int64_t base_lockout_ms = 60 * 1000;
  int64_t max_lockout_ms = 60 * 60 * 1000;
  size_t max_entries = 10000;       // per table
};

struct ThrottleDecision {
  bool allowed = true;
  int64_t retry_after_ms = 0;  // > 0 when !allowed
};

class LoginThrottle {
 public:
  explicit LoginThrottle(ThrottleOptions options = {});
  LoginThrottle(const LoginThrottle&) = delete;  // the tables point at options_
  LoginThrottle& operator=(const LoginThrottle&) = delete;

  ThrottleDecision Check(std::string_view account, std::string_view address, int64_t now_ms) const;
  void RecordFailure(std::string_view account, std::string_view address, int64_t now_ms);
  void RecordSuccess(std::string_view account, std::string_view address, int64_t now_ms);

  size_t account_entries() const { return accounts_.size(); }
  size_t address_entries() const { return addresses_.size(); }

 private:
  struct Entry {
    std::vector<int64_t> failures;  // inside the window, oldest first; at most K
    int64_t locked_until = 0;
    int lockouts = 0;
    std::list<std::string>::iterator lru;
  };
  class Table {
   public:
    Table(int max_failures, const ThrottleOptions* options) : k_(max_failures), o_(options) {}
    int64_t RetryAfter(const std::string& key, int64_t now) const;
    void Failure(const std::string& key, int64_t now);
    void Erase(const std::string& key);
    size_t size() const { return map_.size(); }

   private:
    Entry& Touch(const std::string& key, int64_t now);
    void EvictOne(int64_t now);
    int k_;
    const ThrottleOptions* o_;
    std::unordered_map<std::string, Entry> map_;
    std::list<std::string> lru_;  // front = most recently touched
  };

  ThrottleOptions options_;
  Table accounts_;
  Table addresses_;
};

}  // namespace clawhive::auth
