// Fleet: moves tenants to another OpenClaw runtime image in waves, health-gated, with rollback.
//
// An update to image T: every tenant on a runtime image other than T, unless pinned (skipped, and said
// so), in waves. The canaries named in the request go first, as wave 0; then the rest in sorted order,
// `wave_size` at a time. Each tenant in a wave is switched (TenantControl::SetRuntime) and, when running,
// restarted health-gated (TenantControl::BeginTrial: started within the runtime's start timeout, then no
// crash or hang through the soak window, config probe.trial_soak). A tenant that fails is switched back
// to its previous image and started again at once, and the update stops after that wave: the tenants
// not reached stay where they were. Stopped tenants are switched without a start.
//
// Every change of an update is saved (Store::SaveFleetUpdate) as it happens. A supervisor restart in the
// middle marks the update "interrupted": tenants already moved stay on T; run the update again to go on.
// The fleet's target (what the API compares each tenant with, "drift") is the target of the newest
// finished update, else config openclaw.runtime.
//
// Loop thread only (it drives the supervisor); the API reaches it through RuntimeService.
#pragma once

#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <vector>

#include "supervisor/common/result.h"
#include "supervisor/config/config.h"
#include "supervisor/core/tenant_control.h"
#include "supervisor/openclaw/runtime_catalog.h"
#include "supervisor/store/store.h"

namespace clawhive {

struct FleetStep {
  std::string tenant;
  std::string from;            // the image it was on
  int wave = 0;                // 0 = canaries
  std::string state = "pending";  // pending, updating, updated, rolled-back, skipped
  std::string detail;          // why skipped or rolled back
};

struct FleetUpdate {
  int64_t id = 0;
  std::string target;
  std::string state = "running";  // running, done, stopped, interrupted
  std::string detail;
  std::vector<std::string> canaries;
  uint32_t wave_size = 5;
  int current_wave = 0;
  std::vector<FleetStep> steps;
  int64_t created_ms = 0;
  int64_t finished_ms = 0;  // 0 while running
};

struct FleetRequest {
  std::string target;                  // an imported image id
  std::vector<std::string> canaries;   // tenant ids, updated first
  uint32_t wave_size = 5;              // 1..1000
};

std::string EncodeFleetUpdate(const FleetUpdate& u);
Result<FleetUpdate> DecodeFleetUpdate(const std::string& json);

class Fleet {
 public:
  Fleet(const Config& config, TenantControl& supervisor, Store& store, RuntimeCatalog& catalog,
        std::function<int64_t()> wall_ms)
      : config_(config), supervisor_(supervisor), store_(store), catalog_(catalog), wall_ms_(std::move(wall_ms)) {}

  // Marks updates a previous run left running as interrupted.
  Status Init();
  // kConflict while another update runs; kNotFound for an unknown image or canary; kInvalidArgument for
  // a bad wave size. Returns the update as started (its first wave under way).
  Result<FleetUpdate> Start(const FleetRequest& request);
  Result<std::vector<FleetUpdate>> List(size_t limit);
  Result<FleetUpdate> Get(int64_t id);
  // The image tenants should be on ("" = no fleet target yet).
  std::string Target();

 private:
  void RunWave();
  void OnTenantDone(const std::string& tenant, bool ok, const std::string& why);
  void Finish(const std::string& state, const std::string& detail);
  void Save();

  const Config& config_;
  TenantControl& supervisor_;
  Store& store_;
  RuntimeCatalog& catalog_;
  std::function<int64_t()> wall_ms_;
  std::optional<FleetUpdate> active_;  // the running update
  std::string failure_;                // the first failure in the current wave
};

}  // namespace clawhive
