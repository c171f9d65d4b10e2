// CallRecorder: what the hand-written service fakes share — the lock over a fake's state, a count of
// the calls and the name of the last one, the scopes the calls looked at, and one-shot failure
// injection (FailNext for the next call or the next call of a name, ThrowNext to throw from it).
//
// A fake derives from it publicly, so its tests keep calling fake.FailNext(...), fake.calls() and so on,
// and starts each call with `std::lock_guard<std::mutex> lock(mu_); if (auto e = Called("Name")) return *e;`.
// Thread-safe: the public hooks take mu_; Called, Touch and Read are for the fake, Called and Touch
// with mu_ held.
#pragma once

#include <map>
#include <mutex>
#include <optional>
#include <set>
#include <stdexcept>
#include <string>
#include <utility>

#include "supervisor/common/result.h"

namespace clawhive::testing {

class CallRecorder {
 public:
  // The next call fails with e.
  void FailNext(Error e) {
    std::lock_guard<std::mutex> lock(mu_);
    fail_next_ = std::move(e);
  }
  // The next call named `call` fails with e.
  void FailNext(const std::string& call, Error e) {
    std::lock_guard<std::mutex> lock(mu_);
    fail_named_.insert_or_assign(call, std::move(e));
  }
  // The next call throws std::runtime_error(what).
  void ThrowNext(std::string what) {
    std::lock_guard<std::mutex> lock(mu_);
    throw_next_ = std::move(what);
  }
  std::string last_call() const { return Read(last_call_); }
  int calls() const { return Read(calls_); }

  // Scopes any call looked at ("*" for all-scope calls), for the no-cross-tenant-access checks.
  std::set<std::string> touched() const { return Read(touched_); }
  void ClearTouched() {
    std::lock_guard<std::mutex> lock(mu_);
    touched_.clear();
  }

 protected:
  // Records a call; throws or returns the error a test asked for, once.
  std::optional<Error> Called(const std::string& call) {
    ++calls_;
    last_call_ = call;
    if (throw_next_) {
      std::string what = std::move(*throw_next_);
      throw_next_.reset();
      throw std::runtime_error(what);
    }
    std::optional<Error> fail = std::exchange(fail_next_, std::nullopt);
    if (auto it = fail_named_.find(call); !fail && it != fail_named_.end()) {
      fail = std::move(it->second);
      fail_named_.erase(it);
    }
    return fail;
  }
  void Touch(const std::string& scope) { touched_.insert(scope); }

  // A copy of one of the fake's fields, read under the lock.
  template <typename T>
  T Read(const T& field) const {
    std::lock_guard<std::mutex> lock(mu_);
    return field;
  }

  mutable std::mutex mu_;

 private:
  int calls_ = 0;
  std::string last_call_;
  std::set<std::string> touched_;
  std::optional<Error> fail_next_;
  std::map<std::string, Error> fail_named_;
  std::optional<std::string> throw_next_;
};

}  // namespace clawhive::testing
