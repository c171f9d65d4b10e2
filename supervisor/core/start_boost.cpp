#include "supervisor/core/start_boost.h"

#include <syslog.h>

#include <algorithm>

namespace clawhive {
namespace {

std::string QuotaText(uint64_t percent) { return percent == 0 ? "no quota" : std::to_string(percent) + "%"; }

}  // namespace

bool StartBoost::Worth(uint64_t own_quota_percent) const {
  if (slots_ == 0 || own_quota_percent == 0) return false;  // off, or nothing to lift
  return quota_percent_ == 0 || quota_percent_ > own_quota_percent;
}

bool StartBoost::Waiting(const std::string& id) const {
  return std::find(waiting_.begin(), waiting_.end(), id) != waiting_.end();
}

void StartBoost::Begin(const std::string& id, uint64_t own_quota_percent) {
  if (Boosted(id) || Waiting(id) || !Worth(own_quota_percent)) return;
  if (boosted_.size() < slots_) {
    if (Lift(id)) boosted_.insert(id);
    return;
  }
  waiting_.push_back(id);
  log_.Write(LOG_DEBUG, id, "start boost: waiting for a slot (" + std::to_string(slots_) + " in use)");
}

void StartBoost::End(const std::string& id, uint64_t own_quota_percent) {
  if (auto it = std::find(waiting_.begin(), waiting_.end(), id); it != waiting_.end()) {
    waiting_.erase(it);
    return;
  }
  if (boosted_.erase(id) == 0) return;
  SetBack(id, own_quota_percent);
  FillSlots();
}

void StartBoost::Reset(const std::string& id, uint64_t own_quota_percent) {
  bool held = boosted_.erase(id) > 0;
  if (auto it = std::find(waiting_.begin(), waiting_.end(), id); it != waiting_.end()) waiting_.erase(it);
  SetBack(id, own_quota_percent);
  if (held) FillSlots();
}

void StartBoost::Forget(const std::string& id) {
  if (auto it = std::find(waiting_.begin(), waiting_.end(), id); it != waiting_.end()) waiting_.erase(it);
  if (boosted_.erase(id) > 0) FillSlots();
}

void StartBoost::Reapply() {
  for (const std::string& id : boosted_) (void)Lift(id);  // a refusal is logged; the slot stays held until End
}

bool StartBoost::Lift(const std::string& id) {
  if (Status s = units_.SetCpuQuotaNow(TenantNames::Slice(id), quota_percent_); !s) {
    log_.Write(LOG_WARNING, id, "start boost: could not lift the CPU quota (starting at its own): " + s.error().message);
    return false;
  }
  log_.Write(LOG_DEBUG, id, "start boost: CPU quota " + QuotaText(quota_percent_) + " while starting");
  return true;
}

void StartBoost::SetBack(const std::string& id, uint64_t own_quota_percent) {
  if (Status s = units_.SetCpuQuotaNow(TenantNames::Slice(id), own_quota_percent); !s)
    log_.Write(LOG_ERR, id, "start boost: could not set the CPU quota back to " + QuotaText(own_quota_percent) +
                                " (a daemon-reload restores it): " + s.error().message);
  else
    log_.Write(LOG_DEBUG, id, "start boost: CPU quota back to " + QuotaText(own_quota_percent));
}

void StartBoost::FillSlots() {
  while (boosted_.size() < slots_ && !waiting_.empty()) {
    std::string next = std::move(waiting_.front());
    waiting_.pop_front();
    if (Lift(next)) boosted_.insert(std::move(next));
  }
}

}  // namespace clawhive
