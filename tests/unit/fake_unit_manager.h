// FakeUnitManager: systemd in memory. Start/Stop/Kill change a unit's state and announce it through the
// FakeLoop, as signals arrive asynchronously from the real one. Tests crash units with Crash().
#pragma once

#include <map>
#include <set>
#include <vector>

#include "supervisor/systemd/unit_manager.h"
#include "unit/fake_loop.h"

namespace clawhive {

class FakeUnitManager : public UnitManager {
 public:
  explicit FakeUnitManager(FakeLoop& loop) : loop_(loop) {}

  struct Unit {
    std::string active = "inactive";
    std::string sub = "dead";
    uint32_t pid = 0;
    bool enabled = false;
    std::optional<SliceLimits> limits;
    std::string result;
    // The CPU quota in force now (percent, 0 = none): the persistent limit's, or the last SetCpuQuotaNow
    // since. nullopt until either was set.
    std::optional<uint64_t> cpu_quota_now;
  };

  Status SetSliceLimits(const std::string& slice, const SliceLimits& l) override {
    if (fail_limits) return Error::Unavailable("SetUnitProperties failed (fake)");
    units[slice].limits = l;
    units[slice].cpu_quota_now = l.cpu_quota_percent;
    units[slice].active = "active";
    return Status::Ok();
  }
  Status SetCpuQuotaNow(const std::string& slice, uint64_t percent) override {
    calls.push_back("cpu-quota-now " + slice + " " + std::to_string(percent));
    if (fail_quota_now) return Error::Unavailable("SetUnitProperties (runtime) failed (fake)");
    units[slice].cpu_quota_now = percent;
    return Status::Ok();
  }
  Status Enable(const std::string& u) override { units[u].enabled = true; return Status::Ok(); }
  Status Disable(const std::string& u) override {
    if (units.count(u)) units[u].enabled = false;
    return Status::Ok();
  }
  Status Revert(const std::string& u) override {
    if (units.count(u)) {
      units[u].limits.reset();
      units[u].cpu_quota_now.reset();
    }
    reverted.insert(u);
    return Status::Ok();
  }
  Status Start(const std::string& u) override {
    calls.push_back("start " + u);
    Unit& unit = units[u];
    if (unit.active == "active") return Status::Ok();
    unit.active = "active";
    unit.sub = "running";
    unit.pid = next_pid_++;
    Announce(u, "active", "running", "success", ExitKind::kNone, 0);
    return Status::Ok();
  }
  Status Stop(const std::string& u) override {
    calls.push_back("stop " + u);
    if (u.ends_with(".slice")) {  // stopping a slice stops what runs in it and unloads it
      for (auto& [name, unit] : units)
        if (name.ends_with(".service") && unit.active == "active") (void)Stop(name);
      units.erase(u);
      return Status::Ok();
    }
    auto it = units.find(u);
    if (it == units.end() || it->second.active == "inactive") return Status::Ok();
    it->second.active = "inactive";
    it->second.sub = "dead";
    it->second.pid = 0;
    Announce(u, "inactive", "dead", "success", ExitKind::kKilled, 15);
    return Status::Ok();
  }
  Status Restart(const std::string& u) override { (void)Stop(u); return Start(u); }
  Status Kill(const std::string& u, int sig) override {
    calls.push_back("kill " + u);
    Crash(u, ExitKind::kKilled, sig, "signal");
    return Status::Ok();
  }
  // Like systemd: re-reading the unit files puts every slice's persisted quota back in force (the
  // persistent drop-in shadows the runtime one of the same name).
  Status Reload() override {
    ++reloads;
    for (auto& [name, unit] : units)
      if (unit.limits) unit.cpu_quota_now = unit.limits->cpu_quota_percent;
    return Status::Ok();
  }
  int reloads = 0;
  Status ResetFailed(const std::string& u) override {
    auto it = units.find(u);
    if (it != units.end() && it->second.active == "failed") {
      it->second.active = "inactive";
      it->second.sub = "dead";
    }
    return Status::Ok();
  }
  Result<UnitState> GetState(const std::string& u) override {
    ++get_state_calls;
    UnitState st;
    auto it = units.find(u);
    if (it == units.end()) {
      st.load_state = "not-found";
      st.active_state = "inactive";
      return st;
    }
    st.load_state = "loaded";
    st.active_state = it->second.active;
    st.sub_state = it->second.sub;
    st.main_pid = it->second.pid;
    st.result = it->second.result;
    if (it->second.limits && it->second.limits->memory_max) st.memory_max = it->second.limits->memory_max;
    st.memory_current = 1 << 20;
    if (u.ends_with(".slice")) st.control_group = "/clawhive.slice/" + u;
    return st;
  }
  Result<std::vector<std::string>> ListUnits(const std::string& glob) override {
    std::vector<std::string> out;
    std::string prefix = glob.substr(0, glob.find('*'));
    for (auto& [name, unit] : units)
      if (name.rfind(prefix, 0) == 0 && name.ends_with(".service")) out.push_back(name);
    return out;
  }
  Status Watch(const std::string&, std::function<void(const UnitEvent&)> cb) override {
    callback_ = std::move(cb);
    return Status::Ok();
  }

  // The main process died: exit code / signal as systemd would report it.
  void Crash(const std::string& u, ExitKind kind, int status, const std::string& result) {
    Unit& unit = units[u];
    unit.active = "failed";
    unit.sub = "failed";
    unit.pid = 0;
    unit.result = result;
    Announce(u, "failed", "failed", result, kind, status);
  }

  std::map<std::string, Unit> units;
  std::set<std::string> reverted;
  std::vector<std::string> calls;
  bool fail_limits = false;
  bool fail_quota_now = false;
  int get_state_calls = 0;  // D-Bus GetAll round trips the real one would make

 private:
  void Announce(const std::string& u, const std::string& active, const std::string& sub,
                const std::string& result, ExitKind kind, int status) {
    UnitEvent ev;
    ev.unit = u;
    ev.active_state = active;
    ev.sub_state = sub;
    ev.result = result;
    ev.exit_kind = kind;
    ev.exit_status = status;
    ev.main_pid = units[u].pid;
    loop_.Post([this, ev] { if (callback_) callback_(ev); });
  }

  FakeLoop& loop_;
  uint32_t next_pid_ = 100;
  std::function<void(const UnitEvent&)> callback_;
};

}  // namespace clawhive
