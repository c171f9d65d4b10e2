// SdBusUnitManager: UnitManager over sd-bus, talking to PID 1.
//
// Connects to systemd's private socket (/run/systemd/private, root only: no dbus-daemon hop, and it
// keeps working while dbus restarts) and falls back to the system bus. The connection is attached to
// the caller's sd-event loop; construct, call and destroy it on that loop's thread only.
#pragma once

#include <memory>
#include <string>

#include "supervisor/systemd/handles.h"
#include "supervisor/systemd/unit_manager.h"

namespace clawhive {

class SdBusUnitManager : public UnitManager {
 public:
  // `event` must outlive the manager.
  static Result<std::unique_ptr<SdBusUnitManager>> Connect(sd_event* event);
  ~SdBusUnitManager() override;

  Status SetSliceLimits(const std::string& slice, const SliceLimits& limits) override;
  Status SetCpuQuotaNow(const std::string& slice, uint64_t cpu_quota_percent) override;
  Status Enable(const std::string& unit) override;
  Status Disable(const std::string& unit) override;
  Status Revert(const std::string& unit) override;
  Status Start(const std::string& unit) override;
  Status Stop(const std::string& unit) override;
  Status Restart(const std::string& unit) override;
  Status Kill(const std::string& unit, int signal) override;
  Status ResetFailed(const std::string& unit) override;
  Status Reload() override;
  Result<UnitState> GetState(const std::string& unit) override;
  Result<std::vector<std::string>> ListUnits(const std::string& glob) override;
  Status Watch(const std::string& prefix, std::function<void(const UnitEvent&)> callback) override;

 private:
  explicit SdBusUnitManager(BusPtr bus) : bus_(std::move(bus)) {}
  Status JobCall(const char* method, const std::string& unit);
  Status UnitFilesCall(const char* method, const std::string& unit, int flags);
  static int OnPropertiesChanged(sd_bus_message* m, void* userdata, sd_bus_error*);

  BusPtr bus_;
  SlotPtr match_;  // the PropertiesChanged subscription; dies with the manager
  std::string prefix_;
  std::function<void(const UnitEvent&)> callback_;
};

}  // namespace clawhive
