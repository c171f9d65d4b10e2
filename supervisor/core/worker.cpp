#include "supervisor/core/worker.h"

#include <sys/resource.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <algorithm>

namespace clawhive {

ThreadWorker::ThreadWorker(Loop& loop) : loop_(loop), thread_([this] { Main(); }) {}

void ThreadWorker::Stop() {
  {
    std::lock_guard<std::mutex> lock(mu_);
    stopping_ = true;
  }
  wake_.notify_one();
  if (thread_.joinable()) thread_.join();
}

void ThreadWorker::Submit(std::function<void()> job, std::function<void()> then) {
  {
    std::lock_guard<std::mutex> lock(mu_);
    queue_.emplace_back(std::move(job), std::move(then));
  }
  wake_.notify_one();
}

void ThreadWorker::Main() {
  // Blocking work yields the CPU to crash handling: nice is per thread on Linux, and useradd/userdel
  // spawned from here inherit it. Best effort (an unprivileged test run may not lower it back; fine).
  const auto self = static_cast<id_t>(syscall(SYS_gettid));
  (void)setpriority(PRIO_PROCESS, self, std::min(19, getpriority(PRIO_PROCESS, self) + kNice));
  for (;;) {
    std::pair<std::function<void()>, std::function<void()>> next;
    {
      std::unique_lock<std::mutex> lock(mu_);
      wake_.wait(lock, [this] { return stopping_ || !queue_.empty(); });
      if (queue_.empty()) return;  // stopping, and nothing left
      next = std::move(queue_.front());
      queue_.pop_front();
    }
    next.first();
    if (next.second) loop_.Post(std::move(next.second));
  }
}

}  // namespace clawhive
