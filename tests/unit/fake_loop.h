// FakeLoop: a Loop with a manual clock. Nothing runs until the test calls Drain() or Advance().
#pragma once

#include <deque>
#include <functional>
#include <map>

#include "supervisor/core/loop.h"

namespace clawhive {

class FakeLoop : public Loop {
 public:
  uint64_t NowMs() override { return now_; }
  TimerId After(uint64_t delay_ms, std::function<void()> fn) override {
    TimerId id = next_++;
    timers_[id] = {now_ + delay_ms, std::move(fn)};
    return id;
  }
  void Cancel(TimerId id) override { timers_.erase(id); }
  void Post(std::function<void()> fn) override { posted_.push_back(std::move(fn)); }

  // Runs posted work (and work it posts) until none is left.
  void Drain() {
    while (!posted_.empty()) {
      auto fn = std::move(posted_.front());
      posted_.pop_front();
      fn();
    }
  }
  // Runs the oldest posted item only (to interleave a call between two events); false if none.
  bool RunOne() {
    if (posted_.empty()) return false;
    auto fn = std::move(posted_.front());
    posted_.pop_front();
    fn();
    return true;
  }
  // Moves the clock forward, firing due timers in time order, draining posted work around each.
  void Advance(uint64_t ms) {
    uint64_t end = now_ + ms;
    Drain();
    for (;;) {
      auto due = timers_.end();
      for (auto it = timers_.begin(); it != timers_.end(); ++it)
        if (it->second.at <= end && (due == timers_.end() || it->second.at < due->second.at)) due = it;
      if (due == timers_.end()) break;
      now_ = std::max(now_, due->second.at);
      auto fn = std::move(due->second.fn);
      timers_.erase(due);
      fn();
      Drain();
    }
    now_ = end;
  }
  // Fires the earliest timer already due (without moving the clock) and the work it posts; false if none.
  bool FireDue() {
    auto due = timers_.end();
    for (auto it = timers_.begin(); it != timers_.end(); ++it)
      if (it->second.at <= now_ && (due == timers_.end() || it->second.at < due->second.at)) due = it;
    if (due == timers_.end()) return false;
    auto fn = std::move(due->second.fn);
    timers_.erase(due);
    fn();
    Drain();
    return true;
  }
  size_t pending_timers() const { return timers_.size(); }

 private:
  struct Timer { uint64_t at; std::function<void()> fn; };
  uint64_t now_ = 1000000;
  TimerId next_ = 1;
  std::map<TimerId, Timer> timers_;
  std::deque<std::function<void()>> posted_;
};

}  // namespace clawhive
