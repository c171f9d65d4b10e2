// SdEventLoop: the supervisor's event loop on sd-event. One thread (the one calling Run()) owns it and
// everything attached to it: the sd-bus connection, timers, probe sockets. Other threads hand it work
// with Post(), which wakes the loop through an eventfd. Pings systemd's watchdog when WatchdogSec= is
// set, and ends Run() on SIGTERM/SIGINT.
#pragma once

#include <memory>
#include <mutex>
#include <unordered_map>
#include <vector>

#include "supervisor/common/result.h"
#include "supervisor/core/loop.h"
#include "supervisor/systemd/handles.h"

namespace clawhive {

class SdEventLoop : public Loop {
 public:
  static Result<std::unique_ptr<SdEventLoop>> Create();
  ~SdEventLoop() override;

  sd_event* event() const { return event_.get(); }
  // Runs until Exit() or SIGTERM/SIGINT; returns the exit code.
  int Run();
  void Exit(int code);  // loop thread

  uint64_t NowMs() override;
  TimerId After(uint64_t delay_ms, std::function<void()> fn) override;
  void Cancel(TimerId id) override;
  void Post(std::function<void()> fn) override;

 private:
  struct Timer;
  SdEventLoop() = default;
  static int OnTimer(sd_event_source*, uint64_t, void* userdata);
  static int OnWake(sd_event_source*, int fd, uint32_t, void* userdata);

  EventPtr event_;
  EventSourcePtr wake_source_, sigterm_, sigint_;
  int wake_fd_ = -1;
  TimerId next_id_ = 1;
  std::unordered_map<TimerId, std::unique_ptr<Timer>> timers_;  // loop thread only

  std::mutex mu_;
  std::vector<std::function<void()>> posted_;  // guarded by mu_
};

}  // namespace clawhive
