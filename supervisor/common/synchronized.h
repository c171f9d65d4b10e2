// Synchronized<T>: a value reachable only under its mutex. `With(fn)` runs fn(value) with the lock held
// and returns what fn returns; there is no other way in, so no caller can forget the lock.
#pragma once

#include <mutex>
#include <utility>

namespace clawhive {

template <typename T>
class Synchronized {
 public:
  template <typename... Args>
  explicit Synchronized(Args&&... args) : value_(std::forward<Args>(args)...) {}
  Synchronized(const Synchronized&) = delete;
  Synchronized& operator=(const Synchronized&) = delete;

  template <typename Fn>
  decltype(auto) With(Fn&& fn) {
    std::lock_guard<std::mutex> lock(mu_);
    return std::forward<Fn>(fn)(value_);
  }

 private:
  std::mutex mu_;
  T value_;  // guarded by mu_
};

}  // namespace clawhive
