// DeferredWorker: a Worker whose jobs wait until the test runs them (RunAll), so a test can act on the
// loop while blocking work is still under way — as it is on a real appliance, where useradd takes tens
// of milliseconds and an image deletion seconds.
#pragma once

#include <deque>
#include <functional>
#include <utility>

#include "supervisor/core/worker.h"

namespace clawhive {

class DeferredWorker : public Worker {
 public:
  void Submit(std::function<void()> job, std::function<void()> then) override {
    queue_.emplace_back(std::move(job), std::move(then));
  }
  size_t pending() const { return queue_.size(); }
  // Runs every queued job, then its `then` (as on the loop thread), in order; jobs queued meanwhile too.
  void RunAll() {
    while (!queue_.empty()) {
      auto next = std::move(queue_.front());
      queue_.pop_front();
      next.first();
      if (next.second) next.second();
    }
  }

 private:
  std::deque<std::pair<std::function<void()>, std::function<void()>>> queue_;
};

}  // namespace clawhive
