// SecretManager: SecretService on the supervisor's loop thread — the vault plus what a value change
// means for a running agent.
//
// A new version of a running tenant's secret is a health-gated rotation: staged in the vault, a trial
// marker (/run/clawhive/trial/<id>) makes the delivery helper hand the agent its staged versions, and the
// agent is restarted. Healthy on it -> promoted and the previous version retired. Crash, hang or no
// health before the start timeout -> the staged versions are discarded, the marker removed, the agent
// restarted on the current ones, and an incident recorded. A supervisor restart mid-trial re-runs the
// trial (the marker lives on tmpfs, so a reboot instead falls back to the current versions).
// Loop thread only; LoopSecretService hands calls over from other threads.
#pragma once

#include <functional>
#include <string>

#include "supervisor/config/config.h"
#include "supervisor/core/event_log.h"
#include "supervisor/core/host.h"
#include "supervisor/core/secret_service.h"
#include "supervisor/core/tenant_control.h"
#include "supervisor/store/store.h"
#include "supervisor/vault/vault.h"

namespace clawhive {

class SecretManager : public SecretService {
 public:
  SecretManager(Vault& vault, TenantControl& supervisor, Store& store, Host& host, EventLog& log,
                std::string run_dir = "/run/clawhive");

  // Called after every change of a platform secret's current value (put, delete): main.cpp re-exports
  // the provider keys to the proxy (ProviderKeyExport) there.
  void OnPlatformChange(std::function<void()> f) { on_platform_change_ = std::move(f); }

  // Re-runs trials a supervisor restart interrupted. Call after Supervisor::Init().
  void Init();
  // The tenant is gone: its secrets and data keys go too.
  void OnTenantDeleted(const std::string& tenant);
  // Writes the tenant's values for the coming exec (staged ones during a trial) to the root-only tmpfs
  // file the agent unit reads; called right before the supervisor starts an agent. In-process, so a
  // crash restart does not pay for spawning clawhive-deliver (which remains the fallback for starts
  // the supervisor does not make: boot, a manual systemctl start).
  void Deliver(const std::string& tenant);

  Result<SecretInfo> PutSecret(const std::string& tenant, const std::string& name, SecretValue value) override;
  Result<SecretInfo> GetSecret(const std::string& tenant, const std::string& name) override;
  Result<std::vector<SecretInfo>> ListSecrets(const std::string& tenant) override;
  Status DeleteSecret(const std::string& tenant, const std::string& name) override;
  Result<RotationInfo> RotateKek() override;
  Result<RotationInfo> RotateDataKey(const std::string& tenant) override;
  Result<std::vector<RotationInfo>> Rotations(size_t limit) override;

  std::string TrialMarker(const std::string& tenant) const { return run_dir_ + "/trial/" + tenant; }
  // kOk for the platform scope or a tenant that exists.
  Status CheckScope(const std::string& tenant);

 private:
  void StartTrial(const std::string& tenant);
  void EndTrial(const std::string& tenant, bool healthy, const std::string& why);

  Vault& vault_;
  TenantControl& supervisor_;
  Store& store_;
  Host& host_;
  EventLog& log_;
  std::string run_dir_;
  std::function<void()> on_platform_change_;
};

}  // namespace clawhive
