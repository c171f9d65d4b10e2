// Worker: where the loop thread sends work that may block — useradd/userdel, removing a tenant's files
// and workspace, the meter write of a new tenant's proxy token — so that crash detection, probes and
// restarts never wait behind it (docs/architecture.md, "Threads").
//
// Submit() is called on the loop thread. `job` runs on the worker's thread, jobs one at a time in
// submission order; `then` runs afterwards on the loop thread. A job touches only what is safe off the
// loop thread: the Host (system calls, no state), files, a connection of its own — never the Store,
// the UnitManager or the Vault, which belong to the loop thread.
#pragma once

#include <condition_variable>
#include <deque>
#include <functional>
#include <memory>
#include <mutex>
#include <optional>
#include <thread>
#include <utility>

#include "supervisor/core/loop.h"

namespace clawhive {

class Worker {
 public:
  virtual ~Worker() = default;
  // `then` may be empty.
  virtual void Submit(std::function<void()> job, std::function<void()> then) = 0;

  // `job`'s result handed to `then` on the loop thread.
  template <typename R>
  void Run(std::function<R()> job, std::function<void(R)> then) {
    auto result = std::make_shared<std::optional<R>>();
    Submit([result, job = std::move(job)] { result->emplace(job()); },
           [result, then = std::move(then)] { then(std::move(**result)); });
  }
};

// One thread. Stop() (or the destructor) lets queued jobs finish and joins; their `then` is posted to a
// loop that may no longer run (a tenant half-created when the supervisor stops has a user but no row:
// its port and uid are free again, and a later creation of the same id reuses the user).
// Call Stop() before the objects the jobs use go.
class ThreadWorker : public Worker {
 public:
  explicit ThreadWorker(Loop& loop);
  ~ThreadWorker() override { Stop(); }
  void Submit(std::function<void()> job, std::function<void()> then) override;
  void Stop();

  // How much nicer the worker thread is than the process (the loop thread keeps the process's).
  static constexpr int kNice = 10;

 private:
  void Main();

  Loop& loop_;
  std::mutex mu_;
  std::condition_variable wake_;
  std::deque<std::pair<std::function<void()>, std::function<void()>>> queue_;  // guarded by mu_
  bool stopping_ = false;                                                      // guarded by mu_
  std::thread thread_;
};

// Runs `job` and then `then` at once, in the caller: the unit tests' worker, which keeps a fake-driven
// test deterministic.
class InlineWorker : public Worker {
 public:
  void Submit(std::function<void()> job, std::function<void()> then) override {
    job();
    if (then) then();
  }
};

}  // namespace clawhive
