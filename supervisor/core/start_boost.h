// StartBoost: lifts the CPU quota of a tenant's slice while its OpenClaw gateway starts, and puts it back
// once the start is over (docs/openclaw.md, "Start boost").
//
// Why: a gateway start is ~10 CPU-seconds of mostly one thread plus three helper processes, and a quota
// of one core (tenant_defaults) is enforced per 100 ms period over all of them, so the main thread is
// throttled in bursts even though it needs little more than a core on average: measured 25-29 s to
// /readyz with the quota, 19 s without it on the same box. The quota is for a running tenant's steady
// state; a start is a short burst on a box whose cores are usually idle.
//
// How: the slice's quota is set with a runtime (non-persistent) SetUnitProperties, to `quota_percent`
// (0 = no quota at all, the default: the whole box, within the parent slice's cap), then back to the
// tenant's own quota the same way. Nothing persistent changes: a reboot or daemon-reload brings back the
// persisted limit, never the lifted one. That cuts both ways: the persistent drop-in has the same name in
// a directory of higher precedence (/etc/systemd/system.control over /run/...), so a daemon-reload during
// a start ends its boost too; whoever reloads calls Reapply() after.
//
// Fairness: at most `slots` starts are boosted at once (1 by default); further starts run at their own
// quota meanwhile and take a freed slot oldest first, if they are still starting. CPU weights are never
// touched, so a running tenant keeps its weighted share however many tenants start. A tenant without a
// quota (0) or whose quota is already at least the boost is not boosted and takes no slot.
//
// Loop thread only (UnitManager's rule). `units` and `log` outlive it.
#pragma once

#include <cstdint>
#include <deque>
#include <set>
#include <string>

#include "supervisor/core/event_log.h"
#include "supervisor/systemd/unit_manager.h"

namespace clawhive {

class StartBoost {
 public:
  // slots 0: never boosts (every call is a no-op).
  StartBoost(UnitManager& units, EventLog& log, uint64_t quota_percent, uint32_t slots)
      : units_(units), log_(log), quota_percent_(quota_percent), slots_(slots) {}

  // The agent of tenant `id` is about to start; `own_quota_percent` is its slice's quota (0 = none).
  // Boosts it now if a slot is free, else queues it. Again for a start already known: no change.
  void Begin(const std::string& id, uint64_t own_quota_percent);
  // The start of `id` is over (started, gone, stopped): if it was boosted, its slice gets
  // `own_quota_percent` (its quota as it is now) back and the oldest waiting start takes the slot; if it
  // was waiting, it leaves the queue. No-op for a tenant this object does not know.
  void End(const std::string& id, uint64_t own_quota_percent);
  // Sets `id`'s own quota back whatever this object knows (an agent adopted at the supervisor's start:
  // the previous supervisor may have stopped during its boost).
  void Reset(const std::string& id, uint64_t own_quota_percent);
  // The tenant is gone (its slice with it): forgotten, no systemd call.
  void Forget(const std::string& id);
  // systemd re-read the unit files (daemon-reload), which put every slice's persisted quota back: lifts
  // the quota of each start still boosted again.
  void Reapply();

  bool Boosted(const std::string& id) const { return boosted_.count(id) > 0; }
  bool Waiting(const std::string& id) const;

 private:
  bool Worth(uint64_t own_quota_percent) const;
  // Lifts `id`'s quota; false (logged) if systemd refused.
  bool Lift(const std::string& id);
  void SetBack(const std::string& id, uint64_t own_quota_percent);
  // Gives free slots to the oldest waiting starts.
  void FillSlots();

  UnitManager& units_;
  EventLog& log_;
  const uint64_t quota_percent_;
  const uint32_t slots_;
  std::set<std::string> boosted_;
  std::deque<std::string> waiting_;  // oldest first
};

}  // namespace clawhive
