// Checkpointer: checkpoints a ledger's WAL every `period` on a thread of its own, off the request path
// (Ledger::Open, `background_checkpoints`, says why), from construction until destruction. The destructor wakes the thread at
// once (a condition variable: stopping never waits out the period) and joins it.
//
// `ledger` must outlive this object. `on_error` runs on the checkpoint thread, once per failed checkpoint;
// it must not call back into this object.
#pragma once

#include <chrono>
#include <condition_variable>
#include <functional>
#include <mutex>
#include <thread>

#include "supervisor/common/result.h"
#include "supervisor/meter/ledger.h"

namespace clawhive::meter {

class Checkpointer {
 public:
  using OnError = std::function<void(const Error&)>;
  Checkpointer(Ledger& ledger, std::chrono::milliseconds period, OnError on_error = {});
  ~Checkpointer();
  Checkpointer(const Checkpointer&) = delete;
  Checkpointer& operator=(const Checkpointer&) = delete;

 private:
  void Run(Ledger& ledger, std::chrono::milliseconds period);

  OnError on_error_;
  std::mutex mu_;
  std::condition_variable cv_;
  bool stop_ = false;  // guarded by mu_
  std::thread thread_;  // last: starts once everything it reads exists
};

}  // namespace clawhive::meter
