// TenantControl: what the secret manager and fleet updates need of the tenant state machine, and no
// more: whether a tenant should run, a health-gated restart, and moving it to another runtime image.
// The Supervisor implements it; SecretManager (core/) and Fleet (openclaw/) depend on this alone, so
// openclaw/ sits above core/ and core/ includes nothing of openclaw/.
// Loop thread only.
#pragma once

#include <functional>
#include <string>
#include <vector>

#include "supervisor/common/result.h"
#include "supervisor/core/tenant_service.h"

namespace clawhive {

class TenantControl {
 public:
  virtual ~TenantControl() = default;

  // Whether the tenant should be running (desired running, not quarantined, not being deleted).
  virtual bool IsRunning(const std::string& id) = 0;
  // Stops and starts the agent (as the API's restart).
  virtual Result<TenantStatus> Restart(const std::string& id) = 0;
  // Restarts the agent as a trial: `done(true, "")` once it has been healthy through the soak window
  // (config trial_soak); `done(false, why)` if it crashes, hangs or does not get healthy in time — then
  // no restart happens (the crash ladder is skipped) and the caller restarts it with StartNow() after
  // rolling back — or is stopped or deleted meanwhile (`done(false, why)` at once).
  virtual Status BeginTrial(const std::string& id, std::function<void(bool, const std::string&)> done) = 0;
  // Starts the agent unless the tenant should not run (stopped, quarantined, deleted).
  virtual void StartNow(const std::string& id) = 0;
  // Moves a tenant to another runtime image (stored, unit files rewritten) without restarting it;
  // BeginTrial() then restarts it health-gated, or the next start picks it up.
  virtual Status SetRuntime(const std::string& id, const std::string& image) = 0;
  // Every tenant's stored row (id, runtime image, pinned...).
  virtual std::vector<Tenant> Tenants() const = 0;
};

}  // namespace clawhive
