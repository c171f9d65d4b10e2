// Loop: timers and cross-thread hand-off of the supervisor's single event-loop thread.
//
// SdEventLoop (supervisor/systemd/sd_event_loop.h) is the real one, built on sd-event, which also
// dispatches the sd-bus connection and pings systemd's watchdog. Tests use a FakeLoop with a manual
// clock. After(), Cancel() and NowMs() are called on the loop thread only; Post() from any thread.
#pragma once

#include <cstdint>
#include <functional>

namespace clawhive {

using TimerId = uint64_t;  // 0 is never a valid id

class Loop {
 public:
  virtual ~Loop() = default;
  virtual uint64_t NowMs() = 0;  // monotonic milliseconds
  virtual TimerId After(uint64_t delay_ms, std::function<void()> fn) = 0;
  virtual void Cancel(TimerId id) = 0;  // no-op for 0, fired or unknown ids
  // Runs fn on the loop thread soon. Thread-safe.
  virtual void Post(std::function<void()> fn) = 0;
};

}  // namespace clawhive
