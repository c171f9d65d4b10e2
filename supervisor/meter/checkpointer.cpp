#include "supervisor/meter/checkpointer.h"

namespace clawhive::meter {

Checkpointer::Checkpointer(Ledger& ledger, std::chrono::milliseconds period, OnError on_error)
    : on_error_(std::move(on_error)), thread_([this, &ledger, period] { Run(ledger, period); }) {}

Checkpointer::~Checkpointer() {
  {
    std::lock_guard<std::mutex> lock(mu_);
    stop_ = true;
  }
  cv_.notify_all();
  thread_.join();
}

void Checkpointer::Run(Ledger& ledger, std::chrono::milliseconds period) {
  std::unique_lock<std::mutex> lock(mu_);
  while (!cv_.wait_for(lock, period, [this] { return stop_; })) {
    lock.unlock();  // a checkpoint can take tens of ms; the destructor must not wait behind it for the lock
    Status s = ledger.Checkpoint();
    if (!s && on_error_) on_error_(s.error());
    lock.lock();
  }
}

}  // namespace clawhive::meter
