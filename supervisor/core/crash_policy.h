// CrashPolicy: the restart ladder. Pure logic, no clock of its own: the caller passes monotonic times.
//
// Crashes older than the window are forgotten. Within the window, the first `immediate` crashes are
// restarted at once; later ones wait backoff_initial, doubling per crash up to backoff_max; the
// `quarantine_after`-th crash quarantines the tenant (stopped and flagged until an operator starts it).
#pragma once

#include <cstdint>
#include <deque>

namespace clawhive {

struct CrashDecision {
  enum Kind { kRestartNow, kRestartAfter, kQuarantine } kind = kRestartNow;
  uint64_t delay_ms = 0;
  uint32_t crashes_in_window = 0;
};

class CrashPolicy {
 public:
  CrashPolicy(uint32_t immediate, uint64_t backoff_initial_ms, uint64_t backoff_max_ms,
              uint32_t quarantine_after, uint64_t window_ms)
      : immediate_(immediate), initial_(backoff_initial_ms), max_(backoff_max_ms),
        quarantine_after_(quarantine_after), window_(window_ms) {}

  // Records a crash at now_ms into `history` (one deque per tenant) and decides what to do.
  CrashDecision OnCrash(std::deque<uint64_t>& history, uint64_t now_ms) const {
    while (!history.empty() && now_ms - history.front() > window_) history.pop_front();
    history.push_back(now_ms);
    CrashDecision d;
    d.crashes_in_window = static_cast<uint32_t>(history.size());
    if (quarantine_after_ > 0 && d.crashes_in_window >= quarantine_after_) {
      d.kind = CrashDecision::kQuarantine;
    } else if (d.crashes_in_window <= immediate_) {
      d.kind = CrashDecision::kRestartNow;
    } else {
      d.kind = CrashDecision::kRestartAfter;
      uint32_t step = d.crashes_in_window - immediate_ - 1;
      uint64_t delay = initial_;
      for (uint32_t i = 0; i < step && delay < max_; ++i) delay *= 2;
      d.delay_ms = delay < max_ ? delay : max_;
    }
    return d;
  }

 private:
  uint32_t immediate_;
  uint64_t initial_, max_;
  uint32_t quarantine_after_;
  uint64_t window_;
};

}  // namespace clawhive
