// Supervisor: the core. Keeps every tenant's agent unit in its desired state, watches systemd's unit
// signals for crashes, probes liveness, restarts along the CrashPolicy ladder, records incidents, and
// serves TenantService.
//
// Reads are answered from memory: tenant rows are cached write-through (every change goes to the store
// first, then to the cache; nothing else writes tenants), unit states come from systemd's
// PropertiesChanged signals, and resource figures from the UsageSampler's last sample. So List(), Get(),
// Usage() and System() never touch D-Bus, the database or a file.
//
// Threading: every method, including the TenantService ones, runs on the event-loop thread only (the
// thread that owns the sd-bus connection). Other threads go through LoopTenantService
// (supervisor/core/loop_tenant_service.h). Borrowed collaborators must outlive it.
#pragma once

#include <deque>
#include <functional>
#include <map>
#include <string>

#include "supervisor/config/config.h"
#include "supervisor/core/crash_policy.h"
#include "supervisor/core/event_log.h"
#include "supervisor/core/host.h"
#include "supervisor/core/loop.h"
#include "supervisor/core/prober.h"
#include "supervisor/core/tenant_service.h"
#include "supervisor/core/usage_sampler.h"
#include "supervisor/openclaw/runtime_catalog.h"
#include "supervisor/store/store.h"
#include "supervisor/systemd/unit_manager.h"

namespace clawhive {

class Supervisor : public TenantService {
 public:
  Supervisor(const Config& config, Store& store, UnitManager& units, Host& host, Loop& loop,
             Prober& prober, EventLog& log);
  ~Supervisor() override;

  // Subscribes to unit signals, applies the parent slice's limits, re-adopts running agents without
  // restarting them and reconciles desired vs actual state. Call once before serving.
  Status Init();

  Result<TenantStatus> Create(const std::string& id, const TenantPatch& patch) override;
  Result<std::vector<TenantStatus>> List() override;
  Result<TenantStatus> Get(const std::string& id) override;
  Result<TenantStatus> Update(const std::string& id, const TenantPatch& patch) override;
  // Completes asynchronously (the agent must have stopped before its user and files go); the
  // synchronous override is for the fake-driven unit tests and answers once cleanup is queued.
  Status Delete(const std::string& id, bool remove_workspace) override;
  void DeleteAsync(const std::string& id, bool remove_workspace, std::function<void(Status)> done);
  Result<TenantStatus> Start(const std::string& id) override;
  Result<TenantStatus> Stop(const std::string& id) override;
  Result<TenantStatus> Restart(const std::string& id) override;
  Result<std::vector<Incident>> Incidents(const std::string& tenant, size_t limit) override;
  Result<UsageHistory> Usage(const std::string& id) override;
  Result<SystemStatus> System() override;

  // For tests: the phase the supervisor believes a tenant is in.
  std::string PhaseOf(const std::string& id) const;

  // Hooks for the vault side (SecretManager):
  // whether the tenant should be running (desired running, not quarantined);
  bool IsRunning(const std::string& id);
  // restarts the agent as a trial: `done(true)` once it has been healthy through the soak window
  // (config trial_soak), `done(false, why)` if it
  // crashes, hangs or does not get healthy in time — then no restart happens (the crash ladder is
  // skipped) and the caller restarts it with StartNow() after rolling back — or is stopped or deleted
  // meanwhile (`done(false, why)` at once);
  Status BeginTrial(const std::string& id, std::function<void(bool, const std::string&)> done);
  // Starts the agent unless the tenant should not run (stopped, quarantined, deleted).
  void StartNow(const std::string& id);
  // For fleet updates: moves a tenant to another runtime image (stored, unit files rewritten) without
  // restarting it; BeginTrial() then restarts it health-gated, or the next start picks it up.
  Status SetRuntime(const std::string& id, const std::string& image);
  // The tenants (id, runtime image, pinned), for fleet updates and image removal.
  std::vector<Tenant> Tenants() const;
  // called with the id once a tenant has been deleted;
  void OnDeleted(std::function<void(const std::string&)> hook) { on_deleted_ = std::move(hook); }
  // called with the id right before every start of its agent (delivers its secrets).
  void BeforeStart(std::function<void(const std::string&)> hook) { before_start_ = std::move(hook); }
  // The OpenClaw runtime images tenants may run (not owned; outlives the supervisor). Without one, a
  // tenant asking for a runtime is refused.
  void UseRuntimes(RuntimeCatalog* catalog) { runtimes_ = catalog; }

 private:
  enum class Phase { kStopped, kStarting, kRunning, kBackoff, kQuarantined, kStopping };
  static const char* PhaseName(Phase p);

  struct Runtime {
    Tenant tenant;                   // the stored row (write-through copy)
    Phase phase = Phase::kStopped;
    bool expect_stop = false;        // we asked systemd to stop it: inactive/failed is not a crash
    bool start_after_stop = false;   // a restart: start again once stopped
    bool start_pending = false;      // we asked systemd to start it and have not yet seen it come up
    std::function<void()> on_stopped;  // a delete waiting for the agent to be gone
    std::function<void(bool, const std::string&)> trial_done;  // a health-gated restart in progress
    TimerId trial_timer = 0;         // its soak window, once healthy
    std::string pending_cause, pending_detail;  // set before we kill a hung agent
    std::deque<uint64_t> crashes;    // monotonic ms, for the ladder
    int64_t open_incident = 0;       // incident waiting for "healthy again"
    uint64_t incident_mono = 0;
    uint64_t start_mono = 0;
    uint64_t restarts = 0;
    uint32_t probe_failures = 0;
    bool healthy = false;
    TimerId timer = 0;               // next probe or backoff restart
    ProbeId probe = 0;
    std::optional<uint64_t> oom_baseline;
    std::string control_group;       // of the tenant slice, from systemd once known
    uint16_t port = 0;               // probe target, refreshed at every start
    std::string health_path;         // liveness
    std::string startup_path;        // probed until the first success after a start
    uint64_t start_timeout_ms = 0;   // start -> first successful startup probe
    // Last values systemd announced for the unit.
    std::string active_state, sub_state, result;
    ExitKind exit_kind = ExitKind::kNone;
    int32_t exit_status = 0;
    uint32_t main_pid = 0;
  };

  void OnUnitEvent(const UnitEvent& ev);
  void OnAgentGone(const Tenant& t, Runtime& rt);
  void HandleCrash(const Tenant& t, Runtime& rt);
  void StartAgent(const std::string& id);
  void SchedulePoke(const std::string& id, uint64_t delay_ms, bool startup);
  void ProbeNow(const std::string& id, bool startup);
  void OnProbe(const std::string& id, bool startup, bool ok);
  void MarkHealthy(const std::string& id, Runtime& rt);
  void KillAsHung(const std::string& id, Runtime& rt, const std::string& detail);
  void CancelWork(Runtime& rt);
  // Ends the tenant's health-gated restart, if any: its callback (to call) and no soak timer left.
  std::function<void(bool, const std::string&)> TakeTrial(Runtime& rt);
  void StopAgent(const std::string& id, Runtime& rt);
  void FinishStop(const std::string& id, Runtime& rt);
  Status Provision(const Tenant& t, bool fresh);
  Status WriteBridgeDropIns(const Tenant& t);  // the tenant's network boundary units (RenderBridgeDropIns)
  // For a tenant on a runtime image: checks its OpenClaw settings and derives its agent command from the
  // image (after the port is known). No-op for a plain-command tenant.
  Status ResolveRuntime(Tenant& t);
  void SetProbeTargets(Runtime& rt, const Tenant& t) const;
  void Deprovision(const std::string& id, bool remove_workspace);
  void Reconcile(const Tenant& t, Runtime& rt);
  void SweepOrphans();
  Result<TenantStatus> StatusOf(const std::string& id) const;
  TenantStatus StatusOf(const Runtime& rt) const;
  Result<Tenant> Load(const std::string& id) const;  // from the cache
  Status Save(const Tenant& t);                       // store, then cache
  // The tenant slice's cgroup path: asks systemd until it knows it (the slice has none before its first
  // start), then cached.
  const std::string& ControlGroup(const std::string& id, Runtime& rt);
  std::optional<uint64_t> OomKills(const std::string& id, Runtime& rt);  // kernel counter of the slice
  std::vector<UsageSampler::Target> SampleTargets();
  void Log(int priority, const std::string& tenant, const std::string& msg) { log_.Write(priority, tenant, msg); }

  const Config& config_;
  Store& store_;
  UnitManager& units_;
  Host& host_;
  Loop& loop_;
  Prober& prober_;
  EventLog& log_;
  CrashPolicy policy_;
  std::map<std::string, Runtime> rt_;  // one per stored tenant, by id; loop thread only
  UsageSampler sampler_;
  uint64_t started_ms_;                // loop clock at construction, for the uptime
  std::function<void(const std::string&)> on_deleted_;
  std::function<void(const std::string&)> before_start_;
  RuntimeCatalog* runtimes_ = nullptr;
};

}  // namespace clawhive
