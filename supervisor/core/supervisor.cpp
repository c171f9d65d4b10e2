#include "supervisor/core/supervisor.h"

#include <signal.h>
#include <string.h>
#include <syslog.h>

#include <algorithm>
#include <cstdint>
#include <iterator>
#include <memory>

#include "supervisor/core/tenant_rules.h"
#include "supervisor/tenant/gateway_socket.h"

namespace clawhive {
namespace {

constexpr uint64_t kFirstStartupProbeMs = 5;
// After a stop that cancelled a start job not yet run: signals in flight arrive well within this.
constexpr uint64_t kStopSettleMs = 2000;

// Startup probes: dense while a fast agent is expected to come up (so "healthy again" is measured to
// ~10 ms), sparser for slow starters such as OpenClaw (7-15 s).
uint64_t NextStartupProbeDelay(uint64_t since_start_ms) {
  if (since_start_ms < 1000) return 10;
  if (since_start_ms < 5000) return 100;
  return 500;
}

bool IsDown(const std::string& s) { return s == "inactive" || s == "failed"; }
bool IsUp(const std::string& s) { return s == "active" || s == "activating" || s == "reloading"; }

std::string SignalName(int sig) {
  const char* abbrev = sigabbrev_np(sig);
  return abbrev ? std::string("SIG") + abbrev : "signal " + std::to_string(sig);
}

}  // namespace

Supervisor::Supervisor(const Config& config, Store& store, UnitManager& units, Host& host, Loop& loop,
                       Prober& prober, EventLog& log, Worker& worker)
    : config_(config), store_(store), units_(units), host_(host), loop_(loop), prober_(prober),
      log_(log), worker_(worker), provisioner_(config, store, units, host),
      policy_(config.immediate_restarts, config.backoff_initial_ms, config.backoff_max_ms,
              config.quarantine_after, config.crash_window_ms),
      sampler_(host, loop, config.usage_interval_ms, config.usage_history),
      boost_(units, log, config.openclaw_start_cpu_quota_percent, config.openclaw_start_boosts),
      started_ms_(loop.NowMs()) {}

Supervisor::~Supervisor() {
  // The subscription must not outlive us: unit events after this point go nowhere.
  (void)units_.Watch("clawhive-agent@", nullptr);
  for (auto& [id, rt] : rt_) {
    CancelWork(rt);
    loop_.Cancel(rt.trial_timer);
  }
}

const char* Supervisor::PhaseName(Phase p) {
  switch (p) {
    case Phase::kStopped: return "stopped";
    case Phase::kStarting: return "starting";
    case Phase::kRunning: return "running";
    case Phase::kBackoff: return "backoff";
    case Phase::kQuarantined: return "quarantined";
    case Phase::kStopping: return "stopping";
    case Phase::kDeleting: return "deleting";
  }
  return "unknown";
}

std::string Supervisor::PhaseOf(const std::string& id) const {
  auto it = rt_.find(id);
  return it == rt_.end() ? "" : PhaseName(it->second.phase);
}

const std::string& Supervisor::ControlGroup(const std::string& id, Runtime& rt) {
  // The cgroup path as systemd reports it: under a container or a delegated subtree it is not simply
  // /clawhive.slice/<slice>. Fixed for the life of this systemd once the slice was first realized.
  if (rt.control_group.empty()) {
    if (auto st = units_.GetState(TenantNames::Slice(id))) rt.control_group = st->control_group;
  }
  return rt.control_group;
}

std::optional<uint64_t> Supervisor::OomKills(const std::string& id, Runtime& rt) {
  const std::string& cg = ControlGroup(id, rt);
  if (cg.empty()) return std::nullopt;
  return host_.OomKills(cg);
}

std::vector<UsageSampler::Target> Supervisor::SampleTargets() {
  std::vector<UsageSampler::Target> out;
  out.reserve(rt_.size());
  for (auto& [id, rt] : rt_) {
    if (IsDown(rt.active_state)) continue;  // nothing runs in the slice: no figures to chart
    const std::string& cg = ControlGroup(id, rt);  // known from the start or adoption, as a rule
    if (!cg.empty()) out.push_back({id, cg});
  }
  return out;
}

// ---- start-up and reconciliation ---------------------------------------------------------------

Status Supervisor::Init() {
  if (Status s = units_.Watch("clawhive-agent@", [this](const UnitEvent& ev) { OnUnitEvent(ev); }); !s)
    return s;
  SliceLimits parent{config_.parent_memory_high, config_.parent_memory_max, 0,
                     config_.parent_cpu_quota_percent, config_.parent_tasks_max};
  if (Status s = units_.SetSliceLimits(TenantNames::kParentSlice, parent); !s) return s;
  auto tenants = store_.ListTenants();
  if (!tenants) return tenants.error();
  for (const Tenant& t : *tenants) {
    Runtime& rt = rt_[t.id];
    rt.tenant = t;
    Reconcile(rt);
  }
  SweepOrphans();
  Log(LOG_INFO, "", "reconciled " + std::to_string(tenants->size()) + " tenants");
  sampler_.Start([this] { return SampleTargets(); });
  return Status::Ok();
}

bool Supervisor::BridgeDropInsDiffer(const Tenant& t) {
  for (const auto& [path, content] : RenderBridgeDropIns(t, config_)) {
    Result<std::string> now = host_.ReadFile(path);
    if (!now || *now != content) return true;
  }
  return false;
}

void Supervisor::RelistenGateway(const std::string& id) {
  auto st = units_.GetState(TenantNames::GatewaySocket(id));
  if (!st) {
    Log(LOG_ERR, id, "gateway socket: " + st.error().message);
    return;
  }
  if (st->active_state != "active") return;  // not started: it reads the new drop-in when it is
  // The bridge first: it holds the old listeners, and systemd refuses to start a socket whose service
  // still runs. systemd orders the socket's stop after the bridge's (the socket is Before= its service).
  Status s = units_.Stop(TenantNames::GatewayBridge(id));
  if (s) s = units_.Restart(TenantNames::GatewaySocket(id));
  if (!s) Log(LOG_ERR, id, "gateway socket: " + s.error().message);
}

void Supervisor::Reconcile(Runtime& rt) {
  const Tenant& t = rt.tenant;
  // After `clawhive-install uninstall` and a reinstall the database is back but the per-tenant unit files
  // are not (until then the template's placeholder user makes a start fail, never run as root). Provision
  // them again before anything makes systemd load the instance.
  if (!host_.Exists(DropInDir(config_, t.id) + "/10-tenant.conf")) {
    Log(LOG_NOTICE, t.id, "unit files missing (reinstalled?): provisioning the tenant again");
    Status s = provisioner_.WriteHost(t, /*fresh=*/true);
    if (s) s = provisioner_.ApplyUnits(t, /*fresh=*/true);
    if (!s) Log(LOG_ERR, t.id, "re-provisioning: " + s.error().message);
  } else if (BridgeDropInsDiffer(t)) {
    // Provisioned by a version without network namespaces (or without the egress proxy, or with another
    // egress.listen): its boundary units may already be loaded (the agent template wants them), so
    // systemd must read the new drop-ins before the next start.
    Log(LOG_NOTICE, t.id, "network boundary units missing or out of date (upgrade): writing them");
    if (Status s = provisioner_.WriteBridgeDropIns(t); !s) Log(LOG_ERR, t.id, "network boundary units: " + s.error().message);
    else if (Status r = ReloadUnits(); !r) Log(LOG_ERR, t.id, "daemon-reload: " + r.error().message);
    else RelistenGateway(t.id);
  }
  auto st = units_.GetState(TenantNames::Service(t.id));
  std::string active = st ? st->active_state : "inactive";
  rt.active_state = active;
  rt.port = t.port;
  SetProbeTargets(rt, t);
  if (st) {
    rt.sub_state = st->sub_state;
    rt.main_pid = st->main_pid;
    rt.result = st->result;
    rt.exit_kind = st->exit_kind;
    rt.exit_status = st->exit_status;
  }
  if (!IsUp(active)) (void)host_.RemoveFile(DeliveredSecretsPath(t.id));
  if (t.quarantined || t.desired == DesiredState::kStopped) {
    rt.phase = t.quarantined ? Phase::kQuarantined : Phase::kStopped;
    if (IsUp(active)) {
      rt.phase = Phase::kStopping;  // FinishStop() settles it as stopped or quarantined
      if (Status s = units_.Stop(TenantNames::Service(t.id)); !s) Log(LOG_ERR, t.id, s.error().message);
    }
    return;
  }
  if (IsUp(active)) {
    // Adopt: the agent kept running while the supervisor was away. Probe it; never restart it.
    rt.phase = Phase::kStarting;
    rt.start_mono = loop_.NowMs();
    rt.oom_baseline = OomKills(t.id, rt);
    Log(LOG_INFO, t.id, "adopted running agent, pid " + std::to_string(rt.main_pid));
    // Its slice may still have the quota a start boost lifted, if the previous supervisor stopped then.
    if (!t.runtime.empty()) boost_.Reset(t.id, t.resources.cpu_quota_percent);
    SchedulePoke(t.id, 0, /*startup=*/true);
  } else if (active == "failed") {
    rt.phase = Phase::kRunning;  // it was running when it died: treat as a crash seen late
    HandleCrash(rt);
  } else {
    StartAgent(t.id);
  }
}

void Supervisor::SweepOrphans() {
  auto units = units_.ListUnits("clawhive-agent@*.service");
  if (!units) return;
  for (const std::string& unit : *units) {
    auto id = TenantNames::IdFromService(unit);
    if (!id || rt_.count(*id)) continue;
    Log(LOG_WARNING, *id, "removing orphan unit " + unit + " (no such tenant)");
    DeprovisionNow(*id, /*remove_workspace=*/false);
  }
}

// ---- unit events and crashes ------------------------------------------------------------------

void Supervisor::OnUnitEvent(const UnitEvent& ev) {
  auto id = TenantNames::IdFromService(ev.unit);
  if (!id) return;
  auto it = rt_.find(*id);
  if (it == rt_.end()) return;
  Runtime& rt = it->second;
  if (ev.result) rt.result = *ev.result;
  if (ev.exit_kind) rt.exit_kind = *ev.exit_kind;
  if (ev.exit_status) rt.exit_status = *ev.exit_status;
  if (ev.main_pid) rt.main_pid = *ev.main_pid;
  if (ev.sub_state) rt.sub_state = *ev.sub_state;
  if (!ev.active_state) return;
  std::string before = rt.active_state;
  rt.active_state = *ev.active_state;
  if (!IsDown(rt.active_state) && IsDown(before)) {
    // Just started: its first figures within a second, not at the next tick.
    if (const std::string& cg = ControlGroup(*id, rt); !cg.empty()) sampler_.SampleSoon(*id, cg);
    return;
  }
  if (!IsDown(rt.active_state) || IsDown(before)) return;
  OnAgentGone(rt);
}

void Supervisor::OnAgentGone(Runtime& rt) {
  const std::string id = rt.tenant.id;
  CancelWork(rt);
  rt.healthy = false;
  (void)host_.RemoveFile(DeliveredSecretsPath(id));  // in case the start died before its own wipe
  EndBoost(rt.tenant);
  if (rt.phase == Phase::kStopping) return FinishStop(id, rt);
  const Tenant& t = rt.tenant;
  if (t.desired != DesiredState::kRunning || t.quarantined) return;
  if (rt.phase == Phase::kStarting || rt.phase == Phase::kRunning) HandleCrash(rt);
}

void Supervisor::HandleCrash(Runtime& rt) {
  const Tenant& t = rt.tenant;
  uint64_t now = loop_.NowMs();
  Incident inc;
  inc.tenant = t.id;
  inc.at_ms = host_.WallMs();
  std::optional<uint64_t> ooms = OomKills(t.id, rt);
  Log(LOG_DEBUG, t.id, "memory limit counter " + (rt.oom_baseline ? std::to_string(*rt.oom_baseline) : "-") +
                           " -> " + (ooms ? std::to_string(*ooms) : "-") + ", result " + rt.result);
  if (!rt.pending_cause.empty()) {
    inc.cause = rt.pending_cause;
    inc.detail = rt.pending_detail;
  } else if (rt.result == "oom-kill" ||
             (ooms && *ooms > rt.oom_baseline.value_or(0) && rt.exit_kind == ExitKind::kKilled)) {
    // (No baseline: the slice's cgroup did not exist yet at start, so it began at 0.)
    inc.cause = "oom";
    inc.detail = "killed by the kernel OOM killer at the tenant's memory limit";
  } else if (rt.exit_kind == ExitKind::kExited) {
    inc.cause = rt.exit_status == 0 ? "exit-clean" : "exit-code";
    inc.detail = "status=" + std::to_string(rt.exit_status);
  } else if (rt.exit_kind == ExitKind::kKilled || rt.exit_kind == ExitKind::kDumped) {
    inc.cause = "signal";
    inc.detail = SignalName(rt.exit_status) + (rt.exit_kind == ExitKind::kDumped ? " (core dumped)" : "");
  } else {
    inc.cause = "failed";
    inc.detail = "result=" + (rt.result.empty() ? std::string("unknown") : rt.result);
  }
  rt.pending_cause.clear();
  rt.pending_detail.clear();

  if (rt.trial_done) {
    // A trial (new secret versions) failed: the owner rolls back and restarts; no ladder step.
    inc.action = "rolled back";
    auto id = store_.AddIncident(inc);
    rt.open_incident = id ? *id : 0;
    rt.incident_mono = now;
    auto done = std::move(rt.trial_done);
    rt.trial_done = nullptr;
    loop_.Cancel(rt.trial_timer);
    rt.trial_timer = 0;
    rt.phase = Phase::kStopped;
    done(false, inc.cause + " (" + inc.detail + ")");
    return;
  }

  CrashDecision d = policy_.OnCrash(rt.crashes, now);
  switch (d.kind) {
    case CrashDecision::kRestartNow: inc.action = "restarted"; break;
    case CrashDecision::kRestartAfter: inc.action = "backoff " + std::to_string(d.delay_ms) + "ms"; break;
    case CrashDecision::kQuarantine: inc.action = "quarantined"; break;
  }
  auto id = store_.AddIncident(inc);
  rt.open_incident = (id && d.kind != CrashDecision::kQuarantine) ? *id : 0;
  rt.incident_mono = now;
  Log(d.kind == CrashDecision::kQuarantine ? LOG_ERR : LOG_WARNING, t.id,
      "agent " + inc.cause + " (" + inc.detail + "), " + std::to_string(d.crashes_in_window) +
          " crash(es) in window, " + inc.action);

  if (d.kind == CrashDecision::kRestartNow) {
    StartAgent(t.id);
  } else if (d.kind == CrashDecision::kRestartAfter) {
    rt.phase = Phase::kBackoff;
    std::string tid = t.id;
    rt.timer = loop_.After(d.delay_ms, [this, tid] {
      auto it = rt_.find(tid);
      if (it == rt_.end()) return;
      it->second.timer = 0;
      if (it->second.phase == Phase::kBackoff) StartAgent(tid);
    });
  } else {
    rt.phase = Phase::kQuarantined;
    Tenant q = t;  // (a copy: Save() replaces rt.tenant)
    q.quarantined = true;
    q.updated_at = host_.WallMs() / 1000;
    if (Status s = Save(q); !s) Log(LOG_ERR, t.id, s.error().message);
    // Not started at boot either, until an operator starts it again.
    if (Status s = units_.Disable(TenantNames::Service(t.id)); !s) Log(LOG_ERR, t.id, s.error().message);
  }
}

void Supervisor::StartAgent(const std::string& id) {
  auto it = rt_.find(id);
  if (it == rt_.end()) return;
  Runtime& rt = it->second;
  CancelWork(rt);
  rt.port = rt.tenant.port;  // the probe target, cached so probes never touch the database
  SetProbeTargets(rt, rt.tenant);
  rt.phase = Phase::kStarting;
  rt.healthy = false;
  rt.probe_failures = 0;
  rt.start_mono = loop_.NowMs();
  rt.oom_baseline = OomKills(id, rt);
  // A failed unit keeps its Result until reset; clear it so the next crash is read fresh.
  rt.result.clear();
  rt.exit_kind = ExitKind::kNone;
  if (before_start_) before_start_(rt.tenant);
  BeginBoost(rt.tenant);
  if (Status s = units_.Start(TenantNames::Service(id)); !s) {
    EndBoost(rt.tenant);
    Log(LOG_ERR, id, "start failed: " + s.error().message);
    rt.pending_cause = "start-failed";
    rt.pending_detail = s.error().message;
    HandleCrash(rt);
    return;
  }
  ++rt.restarts;
  SchedulePoke(id, kFirstStartupProbeMs, /*startup=*/true);
}

// ---- probes -----------------------------------------------------------------------------------

void Supervisor::SchedulePoke(const std::string& id, uint64_t delay_ms, bool startup) {
  auto it = rt_.find(id);
  if (it == rt_.end()) return;
  Runtime& rt = it->second;
  loop_.Cancel(rt.timer);
  rt.timer = loop_.After(delay_ms, [this, id, startup] {
    auto i = rt_.find(id);
    if (i == rt_.end()) return;
    i->second.timer = 0;
    ProbeNow(id, startup);
  });
}

void Supervisor::ProbeNow(const std::string& id, bool startup) {
  auto it = rt_.find(id);
  if (it == rt_.end()) return;
  Runtime& rt = it->second;
  uint64_t timeout = startup ? std::min<uint64_t>(config_.probe_timeout_ms, 1000) : config_.probe_timeout_ms;
  rt.probe = prober_.Probe(GatewaySocketPath(kGatewaySocketDir, id, rt.port),
                           startup ? rt.startup_path : rt.health_path, timeout,
                           [this, id, startup](bool ok) { OnProbe(id, startup, ok); });
}

void Supervisor::OnProbe(const std::string& id, bool startup, bool ok) {
  auto it = rt_.find(id);
  if (it == rt_.end()) return;
  Runtime& rt = it->second;
  rt.probe = 0;
  if (rt.phase != Phase::kStarting && rt.phase != Phase::kRunning) return;
  if (ok) {
    rt.probe_failures = 0;
    if (startup || !rt.healthy) MarkHealthy(id, rt);
    SchedulePoke(id, config_.probe_interval_ms, /*startup=*/false);
    return;
  }
  if (startup) {
    if (loop_.NowMs() - rt.start_mono > rt.start_timeout_ms) {
      KillAsHung(id, rt, "not started within " + std::to_string(rt.start_timeout_ms / 1000) + " s (" +
                             rt.startup_path + ")");
      return;
    }
    SchedulePoke(id, NextStartupProbeDelay(loop_.NowMs() - rt.start_mono), /*startup=*/true);
    return;
  }
  rt.healthy = false;
  if (++rt.probe_failures >= config_.probe_failures) {
    KillAsHung(id, rt, std::to_string(rt.probe_failures) + " failed probes of " + rt.health_path);
    return;
  }
  SchedulePoke(id, config_.probe_interval_ms, /*startup=*/false);
}

void Supervisor::MarkHealthy(const std::string& id, Runtime& rt) {
  rt.phase = Phase::kRunning;
  rt.healthy = true;
  EndBoost(rt.tenant);
  if (rt.trial_done && rt.trial_timer == 0) {
    // Healthy is not enough: it must stay up through the soak window (a crash in it rolls back).
    rt.trial_timer = loop_.After(config_.trial_soak_ms, [this, id] {
      auto it = rt_.find(id);
      if (it == rt_.end()) return;
      Runtime& r = it->second;
      r.trial_timer = 0;
      if (!r.trial_done || r.phase != Phase::kRunning) return;
      auto done = std::move(r.trial_done);
      r.trial_done = nullptr;
      done(true, "");
    });
  }
  if (rt.open_incident != 0) {
    double secs = static_cast<double>(loop_.NowMs() - rt.incident_mono) / 1000.0;
    if (Status s = store_.SetIncidentHealthy(rt.open_incident, secs); !s) Log(LOG_ERR, id, s.error().message);
    Log(LOG_INFO, id, "healthy again after " + std::to_string(secs) + " s");
    rt.open_incident = 0;
  }
}

void Supervisor::KillAsHung(const std::string& id, Runtime& rt, const std::string& detail) {
  rt.pending_cause = "hang";
  rt.pending_detail = detail;
  Log(LOG_WARNING, id, "agent hung: " + detail + "; killing it");
  // SIGKILL to every process of the unit; the crash path then restarts it along the ladder.
  if (Status s = units_.Kill(TenantNames::Service(id), SIGKILL); !s) Log(LOG_ERR, id, s.error().message);
}

void Supervisor::CancelWork(Runtime& rt) {
  loop_.Cancel(rt.timer);
  rt.timer = 0;
  if (rt.probe) prober_.Cancel(rt.probe);
  rt.probe = 0;
}

// ---- provisioning -------------------------------------------------------------------------------

Status Supervisor::ResolveRuntime(Tenant& t) {
  if (t.runtime.empty()) return Status::Ok();
  if (!runtimes_) return Error::Unavailable("runtime images are not available on this appliance");
  return runtimes_->Resolve(t);
}

void Supervisor::SetProbeTargets(Runtime& rt, const Tenant& t) const {
  rt.health_path = t.agent.health_path;
  // A runtime says when it has started; a plain agent's health path is all there is.
  rt.startup_path = t.runtime.empty() || !runtimes_ ? t.agent.health_path : runtimes_->StartupPath();
  rt.start_timeout_ms = t.runtime.empty() ? config_.start_timeout_ms : config_.openclaw_start_timeout_ms;
}

void Supervisor::BeginBoost(const Tenant& t) {
  if (!t.runtime.empty()) boost_.Begin(t.id, t.resources.cpu_quota_percent);
}

void Supervisor::EndBoost(const Tenant& t) { boost_.End(t.id, t.resources.cpu_quota_percent); }

Status Supervisor::ReloadUnits() {
  Status s = units_.Reload();
  boost_.Reapply();  // the reload put every slice's persisted quota back, a starting tenant's too
  return s;
}

void Supervisor::LogProblems(const std::string& id, const std::vector<std::string>& problems) {
  for (const std::string& p : problems) Log(LOG_WARNING, id, "cleanup: " + p);
}

void Supervisor::DeprovisionNow(const std::string& id, bool remove_workspace) {
  LogProblems(id, provisioner_.RemoveUnits(id));
  LogProblems(id, provisioner_.RemoveHost(id, remove_workspace));
}

// ---- TenantService ----------------------------------------------------------------------------

Result<Supervisor::Runtime*> Supervisor::Live(const std::string& id) {
  if (Status s = ValidateTenantId(id); !s) return s.error();
  auto it = rt_.find(id);
  if (it == rt_.end()) {
    if (creating_.count(id)) return Error::Conflict("tenant '" + id + "' is being created");
    return Error::NotFound("no tenant '" + id + "'");
  }
  if (it->second.phase == Phase::kDeleting || it->second.next == Next::kDelete)
    return Error::Conflict("tenant '" + id + "' is being deleted");
  return &it->second;
}

Status Supervisor::Save(const Tenant& t) {
  if (Status s = store_.UpdateTenant(t); !s) return s;
  if (auto it = rt_.find(t.id); it != rt_.end()) it->second.tenant = t;
  return Status::Ok();
}

void Supervisor::CreateAsync(const std::string& id, const TenantPatch& patch,
                             std::function<void(Result<TenantStatus>)> done) {
  if (Status s = ValidateTenantId(id); !s) return done(s.error());
  if (rt_.count(id) || creating_.count(id)) return done(Error::Exists("tenant '" + id + "' already exists"));
  auto built = ApplyPatch(DefaultTenant(id, config_), patch);
  if (!built) return done(built.error());
  Tenant t = std::move(*built);
  std::set<uint16_t> ports;
  std::set<uint32_t> uids;
  for (const auto& [other, held] : creating_) {
    ports.insert(held.first);
    uids.insert(held.second);
  }
  if (Status s = provisioner_.Allocate(t, ports, uids); !s) return done(s.error());
  if (Status s = ResolveRuntime(t); !s) {
    // The configured default image is missing: the appliance's set-up, not the request, is wrong.
    if (s.error().code == ErrorCode::kNotFound && !patch.runtime)
      return done(Error::Conflict(s.error().message + " (openclaw.runtime in /etc/clawhive/clawhive.yaml names it): " +
                                  "import it (POST /v1/images or clawhive-image import) or change openclaw.runtime"));
    return done(s.error());
  }
  t.created_at = t.updated_at = host_.WallMs() / 1000;
  creating_[id] = {t.port, t.uid};
  // The user and files on the worker (useradd takes tens of milliseconds, more under load); the units
  // and the row back on the loop. A failure anywhere undoes the steps already taken.
  auto on_loop = std::make_shared<std::function<void()>>();
  auto provisioned = std::make_shared<Status>(Status::Ok());
  worker_.Submit(
      [this, t, on_loop, provisioned] {
        *provisioned = provisioner_.WriteHost(t, /*fresh=*/true);
        if (*provisioned && on_provision_) *on_loop = on_provision_(t);
        else if (!*provisioned) (void)provisioner_.RemoveHost(t.id, /*remove_workspace=*/false);
      },
      [this, t, on_loop, provisioned, done = std::move(done)]() mutable {
        FinishCreate(std::move(t), std::move(*provisioned), std::move(*on_loop), std::move(done));
      });
}

void Supervisor::FinishCreate(Tenant t, Status provisioned, std::function<void()> on_loop,
                              std::function<void(Result<TenantStatus>)> done) {
  const std::string id = t.id;
  creating_.erase(id);
  if (!provisioned) return done(provisioned.error());
  // The row and the units appear together or not at all: the row commits only after every systemd step
  // succeeded; on failure the host steps are undone on the worker.
  auto undo = [this, id](Error e, std::function<void(Result<TenantStatus>)> told) {
    LogProblems(id, provisioner_.RemoveUnits(id));
    worker_.Submit([this, id] { (void)provisioner_.RemoveHost(id, /*remove_workspace=*/false); },
                   [told = std::move(told), e = std::move(e)] { told(e); });
  };
  if (Status s = provisioner_.ApplyUnits(t, /*fresh=*/true); !s) return undo(s.error(), std::move(done));
  if (Status s = store_.InsertTenant(t); !s) return undo(s.error(), std::move(done));
  if (on_loop) on_loop();
  Runtime& rt = rt_[id];
  rt.tenant = t;
  rt.active_state = "inactive";
  rt.sub_state = "dead";
  Log(LOG_INFO, id, "created (port " + std::to_string(t.port) + ", uid " + std::to_string(t.uid) + ")");
  if (host_.IsEphemeralPort(t.port))
    Log(LOG_WARNING, id, "port " + std::to_string(t.port) + " is in the kernel's ephemeral port range: the agent "
        "may fail with 'address in use'; reserve the tenant port range in net.ipv4.ip_local_reserved_ports "
        "or lower tenant_defaults.port_base");
  if (t.desired == DesiredState::kRunning) {
    StartAgent(id);
    rt.restarts = 0;  // the first start is not a restart
  }
  done(StatusOf(id));
}

Result<TenantStatus> Supervisor::Create(const std::string& id, const TenantPatch& patch) {
  auto result = std::make_shared<Result<TenantStatus>>(Error::Unavailable("creation of '" + id + "' is in progress"));
  CreateAsync(id, patch, [result](Result<TenantStatus> r) { *result = std::move(r); });
  return *result;
}

Result<std::vector<TenantStatus>> Supervisor::List() {
  std::vector<TenantStatus> out;
  out.reserve(rt_.size());
  for (const auto& [id, rt] : rt_) out.push_back(StatusOf(rt));  // by id, as the store orders them
  return out;
}

Result<TenantStatus> Supervisor::Get(const std::string& id) {
  if (Status s = ValidateTenantId(id); !s) return s.error();
  return StatusOf(id);
}

Result<TenantStatus> Supervisor::StatusOf(const std::string& id) const {
  auto it = rt_.find(id);
  if (it == rt_.end()) return Error::NotFound("no tenant '" + id + "'");
  return StatusOf(it->second);
}

TenantStatus Supervisor::StatusOf(const Runtime& rt) const {
  TenantStatus st;
  st.tenant = rt.tenant;
  st.phase = PhaseName(rt.phase);
  st.restarts = rt.restarts;
  st.healthy = rt.healthy;
  st.active_state = rt.active_state;
  st.sub_state = rt.sub_state;
  st.main_pid = rt.main_pid;
  // What we set on the slice (SetUnitProperties persists it), which is what systemd reports for it.
  if (rt.tenant.resources.memory_max != 0) st.memory_max = rt.tenant.resources.memory_max;
  // Figures of a running agent only: those of one that is gone would be stale.
  if (!IsDown(rt.active_state)) {
    if (const UsageSampler::Latest* u = sampler_.LatestOf(rt.tenant.id)) {
      st.memory_current = u->memory_bytes;
      st.cpu_usage_nsec = u->cpu_nsec;
      st.tasks_current = u->tasks;
    }
  }
  return st;
}

Result<TenantStatus> Supervisor::Update(const std::string& id, const TenantPatch& patch) {
  auto live = Live(id);
  if (!live) return live.error();
  const Tenant old_row = (*live)->tenant;
  const Tenant* old = &old_row;
  Tenant base = *old;
  // Leaving a runtime image: the command derived from it goes too; the tenant runs the configured agent
  // (or the command this same patch gives).
  if (patch.runtime && patch.runtime->empty() && !old->runtime.empty()) base.agent = config_.default_agent;
  auto built = ApplyPatch(base, patch);
  if (!built) return built.error();
  Tenant t = std::move(*built);
  if (Status s = ResolveRuntime(t); !s) return s.error();
  t.updated_at = host_.WallMs() / 1000;
  {
    auto tx = store_.Begin();
    if (!tx) return tx.error();
    if (Status s = store_.UpdateTenant(t); !s) return s.error();
    Status s = provisioner_.WriteHost(t, /*fresh=*/false);  // the environment file: small, on tmpfs-like /etc
    if (s) s = provisioner_.ApplyUnits(t, /*fresh=*/false);
    if (!s) {
      // Put the previous files and limits back; the row rolls back with the transaction.
      (void)provisioner_.WriteHost(*old, false);
      (void)provisioner_.ApplyUnits(*old, false);
      return s.error();
    }
    if (Status c = tx->commit(); !c) return c.error();
  }
  // A settings change that moves the network boundary units (a Telegram webhook listener on or off):
  // systemd must read the new drop-ins before the restart below starts them again.
  if (RenderBridgeDropIns(t, config_) != RenderBridgeDropIns(*old, config_)) {
    Status s = provisioner_.WriteBridgeDropIns(t);
    if (s) s = ReloadUnits();
    if (!s) Log(LOG_ERR, id, "network boundary units: " + s.error().message);
  }
  Runtime& rt = rt_[id];
  rt.tenant = t;
  bool agent_changed = t.port != old->port || t.agent.exec != old->agent.exec ||
                       t.agent.args != old->agent.args || t.agent.env != old->agent.env ||
                       t.agent.health_path != old->agent.health_path || t.runtime != old->runtime ||
                       (!t.runtime.empty() && t.openclaw != old->openclaw);  // only a gateway reads them
  if (t.desired != old->desired) {
    if (t.desired == DesiredState::kRunning) return Start(id);
    return Stop(id);
  }
  if (agent_changed && t.desired == DesiredState::kRunning && !t.quarantined) return Restart(id);
  return StatusOf(id);
}

Result<TenantStatus> Supervisor::Start(const std::string& id) {
  auto live = Live(id);
  if (!live) return live.error();
  Tenant row = (*live)->tenant;
  Tenant* t = &row;
  if (t->desired != DesiredState::kRunning || t->quarantined) {
    t->desired = DesiredState::kRunning;
    t->quarantined = false;
    t->updated_at = host_.WallMs() / 1000;
    if (Status s = Save(*t); !s) return s.error();
  }
  if (Status s = units_.Enable(TenantNames::Service(id)); !s) return s.error();
  Runtime& rt = rt_[id];
  rt.crashes.clear();
  if (rt.phase == Phase::kStopping) {
    rt.next = Next::kStart;
  } else if (rt.phase != Phase::kStarting && rt.phase != Phase::kRunning) {
    (void)units_.ResetFailed(TenantNames::Service(id));
    StartAgent(id);
  }
  Log(LOG_INFO, id, "start requested");
  return StatusOf(id);
}

void Supervisor::StopAgent(const std::string& id, Runtime& rt) {
  CancelWork(rt);
  rt.healthy = false;
  // We asked systemd to start it and have not yet seen it come up: the stale "failed" in active_state
  // must not make us think there is nothing to stop, or the agent would come up after all.
  const bool start_pending = rt.phase == Phase::kStarting && IsDown(rt.active_state);
  if (IsDown(rt.active_state) && !start_pending) return FinishStop(id, rt);
  rt.phase = Phase::kStopping;
  if (Status s = units_.Stop(TenantNames::Service(id)); !s) Log(LOG_ERR, id, "stop failed: " + s.error().message);
  if (!start_pending) return;
  // A start job that had not run yet is simply cancelled by the stop: the unit never changes state, so
  // no signal will come. Settle by asking systemd once the signals in flight have surely arrived.
  rt.timer = loop_.After(kStopSettleMs, [this, id] {
    auto it = rt_.find(id);
    if (it == rt_.end()) return;
    Runtime& r = it->second;
    r.timer = 0;
    auto st = units_.GetState(TenantNames::Service(id));
    if (r.phase != Phase::kStopping || !st || !IsDown(st->active_state)) return;  // its down event will finish it
    r.active_state = st->active_state;
    r.sub_state = st->sub_state;
    FinishStop(id, r);
  });
}

void Supervisor::FinishStop(const std::string& id, Runtime& rt) {
  rt.phase = rt.tenant.quarantined ? Phase::kQuarantined : Phase::kStopped;
  EndBoost(rt.tenant);  // a start job cancelled before it ran sends no "gone" event
  (void)host_.RemoveFile(DeliveredSecretsPath(id));
  Next next = rt.next;
  rt.next = Next::kNothing;
  if (next == Next::kDelete) BeginDelete(id, rt);
  else if (next == Next::kStart) StartAgent(id);
}

Result<TenantStatus> Supervisor::Stop(const std::string& id) {
  auto live = Live(id);
  if (!live) return live.error();
  Tenant row = (*live)->tenant;
  Tenant* t = &row;
  if (t->desired != DesiredState::kStopped) {
    t->desired = DesiredState::kStopped;
    t->updated_at = host_.WallMs() / 1000;
    if (Status s = Save(*t); !s) return s.error();
  }
  (void)units_.Disable(TenantNames::Service(id));
  Runtime& rt = rt_[id];
  rt.next = Next::kNothing;
  StopAgent(id, rt);
  Log(LOG_INFO, id, "stop requested");
  // A health-gated restart in progress cannot succeed any more: its owner rolls back now rather than
  // wait for a start that is not coming (StartNow() leaves a stopped tenant stopped).
  if (auto trial = TakeTrial(rt)) trial(false, "stopped during its health-gated restart");
  return StatusOf(id);
}

Result<TenantStatus> Supervisor::Restart(const std::string& id) {
  auto live = Live(id);
  if (!live) return live.error();
  Runtime& rt = **live;
  if (rt.tenant.quarantined || rt.tenant.desired != DesiredState::kRunning) return Start(id);
  rt.next = Next::kStart;
  StopAgent(id, rt);
  Log(LOG_INFO, id, "restart requested");
  return StatusOf(id);
}

void Supervisor::DeleteAsync(const std::string& id, bool remove_workspace, std::function<void(Status)> done) {
  auto live = Live(id);
  if (!live) return done(live.error());
  Runtime& rt = **live;
  rt.next = Next::kDelete;
  rt.remove_workspace = remove_workspace;
  rt.deleted = std::move(done);
  StopAgent(id, rt);
}

// The agent is down: the units go now, the user and files on the worker, then the row.
void Supervisor::BeginDelete(const std::string& id, Runtime& rt) {
  rt.phase = Phase::kDeleting;
  CancelWork(rt);
  LogProblems(id, provisioner_.RemoveUnits(id));
  bool remove_workspace = rt.remove_workspace;
  worker_.Run<std::vector<std::string>>(
      [this, id, remove_workspace] { return provisioner_.RemoveHost(id, remove_workspace); },
      [this, id](std::vector<std::string> problems) { FinishDelete(id, std::move(problems)); });
}

void Supervisor::FinishDelete(const std::string& id, std::vector<std::string> problems) {
  LogProblems(id, problems);
  auto it = rt_.find(id);
  if (it == rt_.end()) return;
  Runtime& rt = it->second;
  Status s = store_.DeleteTenant(id);
  auto done = std::move(rt.deleted);
  const Tenant tenant = rt.tenant;
  const bool removed_workspace = rt.remove_workspace;
  std::function<void(bool, const std::string&)> trial;
  CancelWork(rt);
  if (s) {
    trial = TakeTrial(rt);
    rt_.erase(it);
    sampler_.Forget(id);
    boost_.Forget(id);
  } else {
    // The cache follows the store: a row that could not be deleted stays listed (a retry finishes it).
    rt.phase = Phase::kStopped;
  }
  Log(LOG_INFO, id, std::string("deleted, workspace ") + (removed_workspace ? "removed" : "kept"));
  // A health-gated restart in progress ends with the tenant; its owner must not wait for it.
  if (trial) trial(false, "the tenant was deleted during its health-gated restart");
  if (s && on_deleted_) on_deleted_(tenant);
  if (done) done(s);
}

Status Supervisor::Delete(const std::string& id, bool remove_workspace) {
  auto result = std::make_shared<Status>(Error::Unavailable("delete of '" + id + "' is in progress"));
  DeleteAsync(id, remove_workspace, [result](Status s) { *result = std::move(s); });
  return *result;
}

bool Supervisor::IsRunning(const std::string& id) {
  auto it = rt_.find(id);
  if (it == rt_.end() || it->second.phase == Phase::kDeleting || it->second.next == Next::kDelete) return false;
  const Tenant& t = it->second.tenant;
  return t.desired == DesiredState::kRunning && !t.quarantined;
}

Status Supervisor::SetRuntime(const std::string& id, const std::string& image) {
  auto live = Live(id);
  if (!live) return live.error();
  const Tenant old_row = (*live)->tenant;
  const Tenant* old = &old_row;
  Tenant t = *old;
  t.runtime = image;
  if (Status s = ResolveRuntime(t); !s) return s;
  t.updated_at = host_.WallMs() / 1000;
  auto tx = store_.Begin();
  if (!tx) return tx.error();
  if (Status s = store_.UpdateTenant(t); !s) return s;
  if (Status s = provisioner_.WriteHost(t, /*fresh=*/false); !s) {
    (void)provisioner_.WriteHost(*old, false);
    return s;
  }
  if (Status s = tx->commit(); !s) return s;
  rt_[id].tenant = t;
  Log(LOG_INFO, id, "runtime " + (old->runtime.empty() ? std::string("(command)") : old->runtime) + " -> " + image);
  return Status::Ok();
}

std::vector<Tenant> Supervisor::Tenants() const {
  std::vector<Tenant> out;
  out.reserve(rt_.size());
  for (const auto& [id, rt] : rt_) out.push_back(rt.tenant);
  return out;
}

std::function<void(bool, const std::string&)> Supervisor::TakeTrial(Runtime& rt) {
  auto done = std::move(rt.trial_done);
  rt.trial_done = nullptr;
  loop_.Cancel(rt.trial_timer);
  rt.trial_timer = 0;
  return done;
}

void Supervisor::StartNow(const std::string& id) {
  if (IsRunning(id)) StartAgent(id);
}

Status Supervisor::BeginTrial(const std::string& id, std::function<void(bool, const std::string&)> done) {
  if (!IsRunning(id)) return Error::Conflict("tenant '" + id + "' is not running");
  Runtime& rt = rt_[id];
  if (rt.trial_done) return Error::Conflict("tenant '" + id + "' is already in a health-gated restart");
  rt.trial_done = std::move(done);
  rt.next = Next::kStart;
  StopAgent(id, rt);
  Log(LOG_INFO, id, "restarting (health-gated)");
  return Status::Ok();
}

Result<std::vector<Incident>> Supervisor::Incidents(const std::string& tenant, size_t limit) {
  if (!tenant.empty()) {
    if (Status s = ValidateTenantId(tenant); !s) return s.error();
    if (!rt_.count(tenant)) return Error::NotFound("no tenant '" + tenant + "'");
  }
  return store_.ListIncidents(tenant, std::min<size_t>(limit == 0 ? 100 : limit, 1000));
}

Result<UsageHistory> Supervisor::Usage(const std::string& id) {
  if (Status s = ValidateTenantId(id); !s) return s.error();
  if (!rt_.count(id)) return Error::NotFound("no tenant '" + id + "'");
  return UsageHistory{sampler_.interval_ms(), sampler_.History(id)};
}

Result<SystemStatus> Supervisor::System() {
  SystemStatus sys;
  const UsageSampler::HostFigures& host = sampler_.host();
  sys.memory_physical = host.memory_total.value_or(0);
  sys.memory_available = host.memory_available.value_or(0);
  sys.cpu_cores = host.online_cpus;
  sys.cpu_used = host.cpu_used;
  constexpr Phase kOrder[] = {Phase::kRunning, Phase::kStarting, Phase::kBackoff, Phase::kQuarantined,
                              Phase::kStopping, Phase::kStopped, Phase::kDeleting};
  size_t by_phase[std::size(kOrder)] = {};
  for (const auto& [id, rt] : rt_) {
    const Resources& r = rt.tenant.resources;
    // Saturating: a sum past 16 EiB means "more than any host has" all the same.
    sys.memory_committed = r.memory_max > UINT64_MAX - sys.memory_committed ? UINT64_MAX
                                                                             : sys.memory_committed + r.memory_max;
    sys.cpu_committed += static_cast<double>(r.cpu_quota_percent) / 100.0;
    for (size_t i = 0; i < std::size(kOrder); ++i)
      if (rt.phase == kOrder[i]) ++by_phase[i];
  }
  for (size_t i = 0; i < std::size(kOrder); ++i)
    if (by_phase[i] > 0) sys.tenants_by_phase.emplace_back(PhaseName(kOrder[i]), by_phase[i]);
  sys.tenants = rt_.size();
  sys.uptime_s = static_cast<int64_t>((loop_.NowMs() - started_ms_) / 1000);
  return sys;
}

}  // namespace clawhive
