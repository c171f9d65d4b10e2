// UnitManager: the supervisor's only view of systemd ("the unit manager").
//
// The real implementation (SdBusUnitManager) talks D-Bus to PID 1 over sd-bus; tests use FakeUnitManager
// (tests/unit/fake_unit_manager.h). All methods are called on the supervisor's event-loop thread only,
// and the event callback is invoked on that thread too. Calls are synchronous D-Bus round trips to PID 1
// (a few hundred microseconds); they return when systemd has queued the job, not when it finished.
#pragma once

#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <vector>

#include "supervisor/common/result.h"
#include "supervisor/tenant/tenant.h"

namespace clawhive {

// Resource properties of a slice; 0 means infinity (no limit) except cpu_weight where 0 means "unset".
struct SliceLimits {
  uint64_t memory_high = 0;
  uint64_t memory_max = 0;
  uint64_t cpu_weight = 0;
  uint64_t cpu_quota_percent = 0;
  uint64_t tasks_max = 0;

  static SliceLimits From(const Resources& r) {
    return {r.memory_high, r.memory_max, r.cpu_weight, r.cpu_quota_percent, r.tasks_max};
  }
};

// How the main process of a service last ended (systemd's ExecMainCode, from waitid's si_code).
enum class ExitKind { kNone = 0, kExited = 1, kKilled = 2, kDumped = 3 };

// A change of a unit's properties, as systemd announced it. Only what changed is set.
struct UnitEvent {
  std::string unit;
  std::optional<std::string> active_state;  // active, activating, deactivating, inactive, failed, ...
  std::optional<std::string> sub_state;
  std::optional<std::string> result;        // service Result: success, exit-code, signal, oom-kill, ...
  std::optional<uint32_t> main_pid;
  std::optional<ExitKind> exit_kind;
  std::optional<int32_t> exit_status;       // exit code, or signal number for kKilled/kDumped
};

// A snapshot of a unit's state and live figures.
struct UnitState {
  std::string load_state;   // loaded, not-found, ...
  std::string active_state;
  std::string sub_state;
  std::string result;
  uint32_t main_pid = 0;
  ExitKind exit_kind = ExitKind::kNone;
  int32_t exit_status = 0;
  std::optional<uint64_t> memory_current;
  std::optional<uint64_t> cpu_usage_nsec;
  std::optional<uint64_t> tasks_current;
  std::optional<uint64_t> memory_max;  // as systemd reports it for this unit; infinity -> nullopt
  std::string control_group;
};

class UnitManager {
 public:
  virtual ~UnitManager() = default;

  // Applies resource limits to a slice and persists them (SetUnitProperties with runtime=false, which
  // writes drop-ins under /etc/systemd/system.control/), so they hold after a reboot with no reload.
  virtual Status SetSliceLimits(const std::string& slice, const SliceLimits& limits) = 0;
  // Sets a slice's CPU quota for now only (SetUnitProperties with runtime=true: a drop-in under
  // /run/systemd/system.control/, gone at reboot; the persistent one SetSliceLimits wrote has the same
  // name in a directory systemd ranks higher, so a daemon-reload also brings the persistent value back).
  // 0 = no quota. For the start boost (core/start_boost.h).
  virtual Status SetCpuQuotaNow(const std::string& slice, uint64_t cpu_quota_percent) = 0;
  // Enables an (instance) unit: it is pulled in at boot by its [Install] section. No daemon-reload.
  virtual Status Enable(const std::string& unit) = 0;
  virtual Status Disable(const std::string& unit) = 0;
  // Removes all persistent drop-ins of a unit (systemctl revert): ours in /etc/systemd/system/<u>.d/
  // and the ones SetUnitProperties wrote.
  virtual Status Revert(const std::string& unit) = 0;
  virtual Status Start(const std::string& unit) = 0;
  virtual Status Stop(const std::string& unit) = 0;
  virtual Status Restart(const std::string& unit) = 0;
  virtual Status Kill(const std::string& unit, int signal) = 0;  // every process of the unit
  virtual Status ResetFailed(const std::string& unit) = 0;
  // daemon-reload: systemd reads every unit file and drop-in again. Returns when the reload is done.
  // Only for drop-ins written for units that may already be loaded (an upgrade); costs ~100 ms.
  virtual Status Reload() = 0;
  virtual Result<UnitState> GetState(const std::string& unit) = 0;
  // Loaded units whose names match a shell glob (ListUnitsByPatterns).
  virtual Result<std::vector<std::string>> ListUnits(const std::string& glob) = 0;

  // Subscribes to property changes of units whose name starts with `prefix`; replaces any earlier
  // callback. Signal-driven (PropertiesChanged); no polling.
  virtual Status Watch(const std::string& prefix, std::function<void(const UnitEvent&)> callback) = 0;
};

}  // namespace clawhive
