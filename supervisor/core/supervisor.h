// Supervisor: the core. Keeps every tenant's agent unit in its desired state, watches systemd's unit
// signals for crashes, probes liveness, restarts along the CrashPolicy ladder, records incidents, and
// serves TenantService.
//
// Reads are answered from memory: tenant rows are cached write-through (every change goes to the store
// first, then to the cache; nothing else writes tenants), unit states come from systemd's
// PropertiesChanged signals, and resource figures from the UsageSampler's last sample. So List(), Get(),
// Usage() and System() never touch D-Bus, the database or a file.
//
// Each tenant is in one explicit phase (Phase below) and has at most one pending intent: what to do once
// its agent is down (start it again, or delete the tenant). What a tenant is made of on the host is the
// Provisioner's (provisioner.h); this class decides when.
//
// Threading: every method, including the TenantService ones, runs on the event-loop thread only (the
// thread that owns the sd-bus connection), and none of them waits for slow work: useradd/userdel, file
// and workspace removal and the hooks' slow parts run on the Worker (worker.h), and their results come
// back to the loop. What stays on the loop is calls to PID 1 over sd-bus (answered in about a
// millisecond unless systemd itself is busy) and small writes to the loop's own SQLite store. Other
// threads go through LoopTenantService (supervisor/core/loop_tenant_service.h).
// Borrowed collaborators must outlive it.
#pragma once

#include <deque>
#include <functional>
#include <map>
#include <set>
#include <string>

#include "supervisor/config/config.h"
#include "supervisor/core/crash_policy.h"
#include "supervisor/core/event_log.h"
#include "supervisor/core/host.h"
#include "supervisor/core/loop.h"
#include "supervisor/core/prober.h"
#include "supervisor/core/provisioner.h"
#include "supervisor/core/runtime_resolver.h"
#include "supervisor/core/start_boost.h"
#include "supervisor/core/tenant_control.h"
#include "supervisor/core/tenant_service.h"
#include "supervisor/core/usage_sampler.h"
#include "supervisor/core/worker.h"
#include "supervisor/store/store.h"
#include "supervisor/systemd/unit_manager.h"

namespace clawhive {

class Supervisor : public TenantService, public TenantControl {
 public:
  Supervisor(const Config& config, Store& store, UnitManager& units, Host& host, Loop& loop,
             Prober& prober, EventLog& log, Worker& worker);
  ~Supervisor() override;

  // Subscribes to unit signals, applies the parent slice's limits, re-adopts running agents without
  // restarting them and reconciles desired vs actual state. Call once before serving, before the loop
  // runs (it may provision a tenant whose files a reinstall lost, synchronously).
  Status Init();

  // Completes asynchronously: the user and files are made on the worker, then the units and the row on
  // the loop. The synchronous override is for the fake-driven unit tests (InlineWorker).
  void CreateAsync(const std::string& id, const TenantPatch& patch, std::function<void(Result<TenantStatus>)> done);
  Result<TenantStatus> Create(const std::string& id, const TenantPatch& patch) override;
  Result<std::vector<TenantStatus>> List() override;
  Result<TenantStatus> Get(const std::string& id) override;
  Result<TenantStatus> Update(const std::string& id, const TenantPatch& patch) override;
  // Completes asynchronously (the agent must have stopped before its user and files go, on the worker);
  // the synchronous override is for the fake-driven unit tests and answers once cleanup is queued.
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

  // TenantControl (tenant_control.h), for the secret manager and fleet updates.
  bool IsRunning(const std::string& id) override;
  Status BeginTrial(const std::string& id, std::function<void(bool, const std::string&)> done) override;
  void StartNow(const std::string& id) override;
  Status SetRuntime(const std::string& id, const std::string& image) override;
  std::vector<Tenant> Tenants() const override;

  // Hooks, each given the tenant's row (no re-read from the store):
  // right before every start of its agent (delivers its secrets, writes its gateway config);
  void BeforeStart(std::function<void(const Tenant&)> hook) { before_start_ = std::move(hook); }
  // once a tenant has been deleted;
  void OnDeleted(std::function<void(const Tenant&)> hook) { on_deleted_ = std::move(hook); }
  // on the worker while a new tenant is provisioned (blocking work: the meter write of its proxy
  // token); what it returns runs on the loop thread before the tenant's first start.
  void OnProvision(std::function<std::function<void()>(const Tenant&)> hook) { on_provision_ = std::move(hook); }
  // How tenants on a runtime image get their command (not owned; outlives the supervisor).
  void UseRuntimes(RuntimeResolver* resolver) { runtimes_ = resolver; }

 private:
  // The lifecycle of one tenant's agent. kDeleting: the agent is down and the tenant's files and user
  // are being removed on the worker; the tenant takes no more requests.
  enum class Phase { kStopped, kStarting, kRunning, kBackoff, kQuarantined, kStopping, kDeleting };
  static const char* PhaseName(Phase p);
  // What to do once the agent is down (meaningful while kStopping).
  enum class Next { kNothing, kStart, kDelete };

  struct Runtime {
    Tenant tenant;                   // the stored row (write-through copy)
    Phase phase = Phase::kStopped;
    Next next = Next::kNothing;      // the one pending intent
    bool remove_workspace = false;   // for Next::kDelete
    std::function<void(Status)> deleted;  // for Next::kDelete: told once the tenant is gone
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
    TimerId timer = 0;               // next probe, backoff restart or stop settle
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
  void OnAgentGone(Runtime& rt);
  void HandleCrash(Runtime& rt);
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
  // The agent is down and we meant it: the pending intent runs.
  void FinishStop(const std::string& id, Runtime& rt);
  void FinishCreate(Tenant t, Status provisioned, std::function<void()> on_loop,
                    std::function<void(Result<TenantStatus>)> done);
  void BeginDelete(const std::string& id, Runtime& rt);
  void FinishDelete(const std::string& id, std::vector<std::string> problems);
  // For a tenant on a runtime image: checks its settings and derives its agent command (after the port
  // is known). No-op for a plain-command tenant.
  Status ResolveRuntime(Tenant& t);
  void SetProbeTargets(Runtime& rt, const Tenant& t) const;
  // The start boost (start_boost.h) is for OpenClaw gateways only: a plain agent starts in milliseconds.
  void BeginBoost(const Tenant& t);
  void EndBoost(const Tenant& t);
  // daemon-reload, then the start boosts it undid are lifted again. Every reload goes through here.
  Status ReloadUnits();
  // Synchronous: at Init only (orphans), before the loop serves anyone.
  void DeprovisionNow(const std::string& id, bool remove_workspace);
  void Reconcile(Runtime& rt);
  // Whether any of the tenant's boundary drop-ins is missing or not what RenderBridgeDropIns gives now.
  bool BridgeDropInsDiffer(const Tenant& t);
  // A running gateway socket keeps the listeners it was started with when its drop-in changes (an upgrade
  // from the host's 127.0.0.1:<port> to the unix socket): restarts it and its bridge so the old ones close.
  void RelistenGateway(const std::string& id);
  void SweepOrphans();
  Result<TenantStatus> StatusOf(const std::string& id) const;
  TenantStatus StatusOf(const Runtime& rt) const;
  // The tenant, for a request that changes it: kNotFound, or kConflict while it is being deleted.
  Result<Runtime*> Live(const std::string& id);
  Status Save(const Tenant& t);                       // store, then cache
  // The tenant slice's cgroup path: asks systemd until it knows it (the slice has none before its first
  // start), then cached.
  const std::string& ControlGroup(const std::string& id, Runtime& rt);
  std::optional<uint64_t> OomKills(const std::string& id, Runtime& rt);  // kernel counter of the slice
  std::vector<UsageSampler::Target> SampleTargets();
  void LogProblems(const std::string& id, const std::vector<std::string>& problems);
  void Log(int priority, const std::string& tenant, const std::string& msg) { log_.Write(priority, tenant, msg); }

  const Config& config_;
  Store& store_;
  UnitManager& units_;
  Host& host_;
  Loop& loop_;
  Prober& prober_;
  EventLog& log_;
  Worker& worker_;
  Provisioner provisioner_;
  CrashPolicy policy_;
  std::map<std::string, Runtime> rt_;  // one per stored tenant, by id; loop thread only
  // Creations whose user and files are being made on the worker: id -> (port, uid), held so that
  // concurrent creations pick different ones. Loop thread only.
  std::map<std::string, std::pair<uint16_t, uint32_t>> creating_;
  UsageSampler sampler_;
  StartBoost boost_;
  uint64_t started_ms_;                // loop clock at construction, for the uptime
  std::function<void(const Tenant&)> on_deleted_;
  std::function<void(const Tenant&)> before_start_;
  std::function<std::function<void()>(const Tenant&)> on_provision_;
  RuntimeResolver* runtimes_ = nullptr;
};

}  // namespace clawhive
