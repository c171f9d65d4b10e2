#include "supervisor/systemd/sd_event_loop.h"

#include <signal.h>
#include <sys/eventfd.h>
#include <time.h>
#include <unistd.h>

#include <cstring>

namespace clawhive {

struct SdEventLoop::Timer {
  SdEventLoop* loop;
  TimerId id;
  EventSourcePtr source;
  std::function<void()> fn;
};

Result<std::unique_ptr<SdEventLoop>> SdEventLoop::Create() {
  std::unique_ptr<SdEventLoop> loop(new SdEventLoop());
  sd_event* ev = nullptr;
  int r = sd_event_new(&ev);
  if (r < 0) return Error::Internal(std::string("sd_event_new: ") + strerror(-r));
  loop->event_.reset(ev);

  loop->wake_fd_ = eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC);
  if (loop->wake_fd_ < 0) return Error::Internal(std::string("eventfd: ") + strerror(errno));
  sd_event_source* src = nullptr;
  r = sd_event_add_io(ev, &src, loop->wake_fd_, EPOLLIN, &SdEventLoop::OnWake, loop.get());
  if (r < 0) return Error::Internal(std::string("sd_event_add_io: ") + strerror(-r));
  loop->wake_source_.reset(src);

  // sd-event wants the signals blocked before it can deliver them through a signalfd.
  sigset_t mask;
  sigemptyset(&mask);
  sigaddset(&mask, SIGTERM);
  sigaddset(&mask, SIGINT);
  pthread_sigmask(SIG_BLOCK, &mask, nullptr);
  if (sd_event_add_signal(ev, &src, SIGTERM, nullptr, nullptr) >= 0) loop->sigterm_.reset(src);
  if (sd_event_add_signal(ev, &src, SIGINT, nullptr, nullptr) >= 0) loop->sigint_.reset(src);

  // Pings WATCHDOG=1 at half of WatchdogSec when systemd asked for it; a no-op otherwise.
  sd_event_set_watchdog(ev, 1);
  return loop;
}

SdEventLoop::~SdEventLoop() {
  timers_.clear();
  wake_source_.reset();
  if (wake_fd_ >= 0) close(wake_fd_);
}

int SdEventLoop::Run() { return sd_event_loop(event_.get()); }
void SdEventLoop::Exit(int code) { sd_event_exit(event_.get(), code); }

uint64_t SdEventLoop::NowMs() {
  uint64_t usec = 0;
  if (sd_event_now(event_.get(), CLOCK_MONOTONIC, &usec) < 0) {
    timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return static_cast<uint64_t>(ts.tv_sec) * 1000 + ts.tv_nsec / 1000000;
  }
  return usec / 1000;
}

TimerId SdEventLoop::After(uint64_t delay_ms, std::function<void()> fn) {
  // Measure from the real clock, not the cached loop timestamp, so short delays are honest.
  timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  uint64_t now_us = static_cast<uint64_t>(ts.tv_sec) * 1000000 + ts.tv_nsec / 1000;
  auto timer = std::make_unique<Timer>();
  timer->loop = this;
  timer->id = next_id_++;
  timer->fn = std::move(fn);
  sd_event_source* src = nullptr;
  // 1 ms accuracy: probes and restarts are latency-sensitive; sd-event coalesces the rest.
  int r = sd_event_add_time(event_.get(), &src, CLOCK_MONOTONIC, now_us + delay_ms * 1000, 1000,
                            &SdEventLoop::OnTimer, timer.get());
  if (r < 0) return 0;
  timer->source.reset(src);
  TimerId id = timer->id;
  timers_.emplace(id, std::move(timer));
  return id;
}

void SdEventLoop::Cancel(TimerId id) {
  if (id != 0) timers_.erase(id);
}

int SdEventLoop::OnTimer(sd_event_source*, uint64_t, void* userdata) {
  auto* timer = static_cast<Timer*>(userdata);
  SdEventLoop* loop = timer->loop;
  auto fn = std::move(timer->fn);
  loop->timers_.erase(timer->id);  // frees the source; sd-event defers that while dispatching it
  if (fn) fn();
  return 0;
}

void SdEventLoop::Post(std::function<void()> fn) {
  {
    std::lock_guard<std::mutex> lock(mu_);
    posted_.push_back(std::move(fn));
  }
  uint64_t one = 1;
  [[maybe_unused]] ssize_t n = write(wake_fd_, &one, sizeof one);
}

int SdEventLoop::OnWake(sd_event_source*, int fd, uint32_t, void* userdata) {
  auto* loop = static_cast<SdEventLoop*>(userdata);
  uint64_t count;
  [[maybe_unused]] ssize_t n = read(fd, &count, sizeof count);
  std::vector<std::function<void()>> work;
  {
    std::lock_guard<std::mutex> lock(loop->mu_);
    work.swap(loop->posted_);
  }
  for (auto& fn : work) fn();
  return 0;
}

}  // namespace clawhive
