#include "supervisor/core/supervisor.h"

#include "supervisor/openclaw/runtime_agent.h"

#include <signal.h>
#include <string.h>
#include <syslog.h>

#include <algorithm>
#include <cstdint>
#include <iterator>
#include <memory>

#include "supervisor/core/tenant_rules.h"

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
                       Prober& prober, EventLog& log)
    : config_(config), store_(store), units_(units), host_(host), loop_(loop), prober_(prober),
      log_(log),
      policy_(config.immediate_restarts, config.backoff_initial_ms, config.backoff_max_ms,
              config.quarantine_after, config.crash_window_ms),
      sampler_(host, loop, config.usage_interval_ms, config.usage_history),
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
    Reconcile(t, rt);
  }
  SweepOrphans();
  Log(LOG_INFO, "", "reconciled " + std::to_string(tenants->size()) + " tenants");
  sampler_.Start([this] { return SampleTargets(); });
  return Status::Ok();
}

void Supervisor::Reconcile(const Tenant& t, Runtime& rt) {
  // After `clawhive-install uninstall` and a reinstall the database is back but the per-tenant unit files
  // are not (until then the template's placeholder user makes a start fail, never run as root). Provision
  // them again before anything makes systemd load the instance.
  if (!host_.Exists(DropInDir(config_, t.id) + "/10-tenant.conf")) {
    Log(LOG_NOTICE, t.id, "unit files missing (reinstalled?): provisioning the tenant again");
    if (Status s = Provision(t, /*fresh=*/true); !s) Log(LOG_ERR, t.id, "re-provisioning: " + s.error().message);
  } else if (!host_.Exists(RenderBridgeDropIns(t, config_).back().first)) {
    // Provisioned by a version without network namespaces: its boundary units may already be loaded
    // (the agent template wants them), so systemd must read the new drop-ins before the next start.
    Log(LOG_NOTICE, t.id, "network boundary units missing (upgrade): writing them");
    if (Status s = WriteBridgeDropIns(t); !s) Log(LOG_ERR, t.id, "network boundary units: " + s.error().message);
    else if (Status r = units_.Reload(); !r) Log(LOG_ERR, t.id, "daemon-reload: " + r.error().message);
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
      rt.expect_stop = true;
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
    SchedulePoke(t.id, 0, /*startup=*/true);
  } else if (active == "failed") {
    rt.phase = Phase::kRunning;  // it was running when it died: treat as a crash seen late
    HandleCrash(t, rt);
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
    Deprovision(*id, /*remove_workspace=*/false);
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
  if (!IsDown(rt.active_state)) rt.start_pending = false;
  if (!IsDown(rt.active_state) && IsDown(before)) {
    // Just started: its first figures within a second, not at the next tick.
    if (const std::string& cg = ControlGroup(*id, rt); !cg.empty()) sampler_.SampleSoon(*id, cg);
    return;
  }
  if (!IsDown(rt.active_state) || IsDown(before)) return;
  auto t = Load(*id);
  if (!t) return;
  OnAgentGone(*t, rt);
}

void Supervisor::OnAgentGone(const Tenant& t, Runtime& rt) {
  CancelWork(rt);
  rt.healthy = false;
  (void)host_.RemoveFile(DeliveredSecretsPath(t.id));  // in case the start died before its own wipe
  if (rt.expect_stop) {
    rt.expect_stop = false;
    if (rt.on_stopped) {
      auto fn = std::move(rt.on_stopped);
      rt.on_stopped = nullptr;
      fn();  // may erase rt
      return;
    }
    if (rt.start_after_stop) {
      rt.start_after_stop = false;
      StartAgent(t.id);
      return;
    }
    if (rt.phase == Phase::kStopping) rt.phase = Phase::kStopped;
    return;
  }
  if (t.desired != DesiredState::kRunning || t.quarantined) return;
  if (rt.phase == Phase::kStarting || rt.phase == Phase::kRunning) HandleCrash(t, rt);
}

void Supervisor::HandleCrash(const Tenant& t, Runtime& rt) {
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
    Tenant q = t;
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
  if (auto t = Load(id)) {  // the probe target, cached so probes never touch the database
    rt.port = t->port;
    SetProbeTargets(rt, *t);
  }
  rt.phase = Phase::kStarting;
  rt.healthy = false;
  rt.probe_failures = 0;
  rt.start_mono = loop_.NowMs();
  rt.oom_baseline = OomKills(id, rt);
  // A failed unit keeps its Result until reset; clear it so the next crash is read fresh.
  rt.result.clear();
  rt.exit_kind = ExitKind::kNone;
  if (before_start_) before_start_(id);
  if (Status s = units_.Start(TenantNames::Service(id)); !s) {
    Log(LOG_ERR, id, "start failed: " + s.error().message);
    rt.pending_cause = "start-failed";
    rt.pending_detail = s.error().message;
    if (auto t = Load(id)) HandleCrash(*t, rt);
    return;
  }
  // systemd reports the start later; until then a stop must still reach it (the stale "failed" in
  // active_state would make StopAgent think there is nothing to stop, and the agent would come up).
  rt.start_pending = true;
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
  rt.probe = prober_.Probe(rt.port, startup ? rt.startup_path : rt.health_path, timeout,
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
  if (!runtimes_) return Error::Unavailable("OpenClaw runtime images are not available on this appliance");
  if (Status s = ValidateOpenClawSettings(t.openclaw, config_.openclaw_models); !s) return s;
  Result<RuntimeImage> image = runtimes_->Find(t.runtime);
  if (!image) return image.error();
  t.agent = RuntimeAgent(*image, t.port);
  return Status::Ok();
}

void Supervisor::SetProbeTargets(Runtime& rt, const Tenant& t) const {
  rt.health_path = t.agent.health_path;
  // OpenClaw says when it has started (/startupz); a plain agent's health path is all there is.
  rt.startup_path = t.runtime.empty() ? t.agent.health_path : kStartupPath;
  rt.start_timeout_ms = t.runtime.empty() ? config_.start_timeout_ms : config_.openclaw_start_timeout_ms;
}

Status Supervisor::Provision(const Tenant& t, bool fresh) {
  if (fresh) {
    if (Status s = host_.EnsureUser(TenantNames::User(t.id), t.uid, WorkspacePath(config_, t.id)); !s) return s;
    if (Status s = host_.WriteFile(DropInDir(config_, t.id) + "/10-tenant.conf", RenderDropIn(t), 0644); !s)
      return s;
    if (Status s = WriteBridgeDropIns(t); !s) return s;
  }
  if (Status s = host_.WriteFile(EnvFilePath(config_, t.id), RenderEnvFile(t, ProxyUrl(config_)), 0600); !s) return s;
  if (Status s = units_.SetSliceLimits(TenantNames::Slice(t.id), SliceLimits::From(t.resources)); !s) return s;
  if (fresh && t.desired == DesiredState::kRunning) {
    if (Status s = units_.Enable(TenantNames::Service(t.id)); !s) return s;
  }
  return Status::Ok();
}

Status Supervisor::WriteBridgeDropIns(const Tenant& t) {
  for (const auto& [path, content] : RenderBridgeDropIns(t, config_))
    if (Status s = host_.WriteFile(path, content, 0644); !s) return s;
  return Status::Ok();
}

// Best effort and idempotent: used to undo a half-done create, to finish a delete and to sweep orphans.
void Supervisor::Deprovision(const std::string& id, bool remove_workspace) {
  std::string service = TenantNames::Service(id), slice = TenantNames::Slice(id);
  auto note = [&](const Status& s) {
    if (!s && s.error().code != ErrorCode::kNotFound) Log(LOG_WARNING, id, "cleanup: " + s.error().message);
  };
  note(units_.Stop(slice));  // stops the agent too, if it still runs
  // A start cut short by that stop never reached its ExecStartPost wipe, and no unit event will reach
  // us once the tenant is gone: wipe its delivered secrets here.
  note(host_.RemoveFile(DeliveredSecretsPath(id)));
  note(units_.Disable(service));
  note(units_.Revert(service));
  note(units_.Revert(slice));
  note(units_.ResetFailed(service));
  note(host_.RemoveTree(DropInDir(config_, id)));
  // The boundary units live in the tenant's slice: stopped with it above.
  for (const std::string& dir : BridgeDropInDirs(config_, id)) note(host_.RemoveTree(dir));
  note(host_.RemoveFile(EnvFilePath(config_, id)));
  note(host_.RemoveUser(TenantNames::User(id)));
  // The tenant owns that tree: removed without following its symlinks or entering mounts (host.h).
  if (remove_workspace) note(host_.RemoveTenantTree(WorkspacePath(config_, id)));
}

// ---- TenantService ----------------------------------------------------------------------------

Result<Tenant> Supervisor::Load(const std::string& id) const {
  auto it = rt_.find(id);
  if (it == rt_.end()) return Error::NotFound("no tenant '" + id + "'");
  return it->second.tenant;
}

Status Supervisor::Save(const Tenant& t) {
  if (Status s = store_.UpdateTenant(t); !s) return s;
  if (auto it = rt_.find(t.id); it != rt_.end()) it->second.tenant = t;
  return Status::Ok();
}

Result<TenantStatus> Supervisor::Create(const std::string& id, const TenantPatch& patch) {
  if (Status s = ValidateTenantId(id); !s) return s.error();
  if (rt_.count(id)) return Error::Exists("tenant '" + id + "' already exists");
  auto built = ApplyPatch(DefaultTenant(id, config_), patch);
  if (!built) return built.error();
  Tenant t = std::move(*built);
  if (t.port == 0) {
    // The lowest free slot of base + k*step that no other program on the host listens on already.
    uint32_t from = config_.port_base;
    while (t.port == 0) {
      auto port = store_.FreePort(static_cast<uint16_t>(from), config_.port_step);
      if (!port) return port.error();
      if (!host_.PortInUse(*port)) t.port = *port;
      else if ((from = uint32_t{*port} + config_.port_step) > 65535)
        return Error::Unavailable("no free tenant port left");
    }
  } else if (host_.PortInUse(t.port)) {
    return Error::Conflict("port " + std::to_string(t.port) + " is already in use on this host");
  }
  auto uid = store_.FreeUid(config_.uid_min, config_.uid_max);
  if (!uid) return uid.error();
  t.uid = *uid;
  if (Status s = ResolveRuntime(t); !s) {
    // The configured default image is missing: the appliance's set-up, not the request, is wrong.
    if (s.error().code == ErrorCode::kNotFound && !patch.runtime)
      return Error::Conflict(s.error().message + " (openclaw.runtime in /etc/clawhive/clawhive.yaml names it): " +
                             "import it (POST /v1/images or clawhive-image import) or change openclaw.runtime");
    return s.error();
  }
  t.created_at = t.updated_at = host_.WallMs() / 1000;

  // The row and the units appear together or not at all: the transaction commits only after every
  // systemd and file step succeeded, and a failure undoes the steps already taken.
  auto tx = store_.Begin();
  if (!tx) return tx.error();
  if (Status s = store_.InsertTenant(t); !s) return s.error();
  if (Status s = Provision(t, /*fresh=*/true); !s) {
    Deprovision(id, /*remove_workspace=*/false);
    return s.error();
  }
  if (Status s = tx->commit(); !s) {
    Deprovision(id, false);
    return s.error();
  }
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
  return StatusOf(id);
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
  if (Status s = ValidateTenantId(id); !s) return s.error();
  auto old = Load(id);
  if (!old) return old.error();
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
    if (Status s = Provision(t, /*fresh=*/false); !s) {
      // Put the previous files and limits back; the row rolls back with the transaction.
      (void)Provision(*old, false);
      return s.error();
    }
    if (Status s = tx->commit(); !s) return s.error();
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
  if (Status s = ValidateTenantId(id); !s) return s.error();
  auto t = Load(id);
  if (!t) return t.error();
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
    rt.start_after_stop = true;
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
  if (IsDown(rt.active_state) && !rt.start_pending) return FinishStop(id, rt);
  rt.phase = Phase::kStopping;
  rt.expect_stop = true;
  if (Status s = units_.Stop(TenantNames::Service(id)); !s) {
    Log(LOG_ERR, id, "stop failed: " + s.error().message);
    rt.expect_stop = false;
  }
  if (!rt.start_pending) return;
  // A start job that had not run yet is simply cancelled by the stop: the unit never changes state, so
  // no signal will come. Settle by asking systemd once the signals in flight have surely arrived.
  rt.timer = loop_.After(kStopSettleMs, [this, id] {
    auto it = rt_.find(id);
    if (it == rt_.end()) return;
    Runtime& r = it->second;
    r.timer = 0;
    auto st = units_.GetState(TenantNames::Service(id));
    if (!r.expect_stop || !st || !IsDown(st->active_state)) return;  // its down event will finish it
    r.expect_stop = false;
    r.start_pending = false;
    r.active_state = st->active_state;
    r.sub_state = st->sub_state;
    FinishStop(id, r);
  });
}

// The agent is down and we meant it: run what waited for that (a delete, the start of a restart).
void Supervisor::FinishStop(const std::string& id, Runtime& rt) {
  rt.phase = Phase::kStopped;
  (void)host_.RemoveFile(DeliveredSecretsPath(id));
  if (rt.on_stopped) {
    auto fn = std::move(rt.on_stopped);
    rt.on_stopped = nullptr;
    fn();  // may erase rt
  } else if (rt.start_after_stop) {
    rt.start_after_stop = false;
    StartAgent(id);
  }
}

Result<TenantStatus> Supervisor::Stop(const std::string& id) {
  if (Status s = ValidateTenantId(id); !s) return s.error();
  auto t = Load(id);
  if (!t) return t.error();
  if (t->desired != DesiredState::kStopped) {
    t->desired = DesiredState::kStopped;
    t->updated_at = host_.WallMs() / 1000;
    if (Status s = Save(*t); !s) return s.error();
  }
  (void)units_.Disable(TenantNames::Service(id));
  Runtime& rt = rt_[id];
  rt.start_after_stop = false;
  StopAgent(id, rt);
  Log(LOG_INFO, id, "stop requested");
  // A health-gated restart in progress cannot succeed any more: its owner rolls back now rather than
  // wait for a start that is not coming (StartNow() leaves a stopped tenant stopped).
  if (auto trial = TakeTrial(rt)) trial(false, "stopped during its health-gated restart");
  return StatusOf(id);
}

Result<TenantStatus> Supervisor::Restart(const std::string& id) {
  if (Status s = ValidateTenantId(id); !s) return s.error();
  auto t = Load(id);
  if (!t) return t.error();
  if (t->quarantined || t->desired != DesiredState::kRunning) return Start(id);
  Runtime& rt = rt_[id];
  rt.start_after_stop = true;
  StopAgent(id, rt);
  Log(LOG_INFO, id, "restart requested");
  return StatusOf(id);
}

void Supervisor::DeleteAsync(const std::string& id, bool remove_workspace, std::function<void(Status)> done) {
  if (Status s = ValidateTenantId(id); !s) return done(s);
  auto t = Load(id);
  if (!t) return done(t.error());
  Runtime& rt = rt_[id];
  rt.start_after_stop = false;
  rt.on_stopped = [this, id, remove_workspace, done] {
    Deprovision(id, remove_workspace);
    Status s = store_.DeleteTenant(id);
    std::function<void(bool, const std::string&)> trial;
    auto it = rt_.find(id);
    if (it != rt_.end()) {
      CancelWork(it->second);
      // The cache follows the store: a row that could not be deleted stays listed (a retry finishes it).
      if (s) {
        trial = TakeTrial(it->second);
        rt_.erase(it);
      }
    }
    if (s) sampler_.Forget(id);
    Log(LOG_INFO, id, std::string("deleted, workspace ") + (remove_workspace ? "removed" : "kept"));
    // A health-gated restart in progress ends with the tenant; its owner must not wait for it.
    if (trial) trial(false, "the tenant was deleted during its health-gated restart");
    if (on_deleted_) on_deleted_(id);
    done(s);
  };
  StopAgent(id, rt);
}

Status Supervisor::Delete(const std::string& id, bool remove_workspace) {
  auto result = std::make_shared<Status>(Error::Unavailable("delete of '" + id + "' is in progress"));
  DeleteAsync(id, remove_workspace, [result](Status s) { *result = std::move(s); });
  return *result;
}

bool Supervisor::IsRunning(const std::string& id) {
  auto t = Load(id);
  return t && t->desired == DesiredState::kRunning && !t->quarantined;
}

Status Supervisor::SetRuntime(const std::string& id, const std::string& image) {
  auto old = Load(id);
  if (!old) return old.error();
  Tenant t = *old;
  t.runtime = image;
  if (Status s = ResolveRuntime(t); !s) return s;
  t.updated_at = host_.WallMs() / 1000;
  auto tx = store_.Begin();
  if (!tx) return tx.error();
  if (Status s = store_.UpdateTenant(t); !s) return s;
  if (Status s = Provision(t, /*fresh=*/false); !s) {
    (void)Provision(*old, false);
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
  rt.start_after_stop = true;
  StopAgent(id, rt);
  Log(LOG_INFO, id, "restarting (health-gated)");
  return Status::Ok();
}

Result<std::vector<Incident>> Supervisor::Incidents(const std::string& tenant, size_t limit) {
  if (!tenant.empty()) {
    if (Status s = ValidateTenantId(tenant); !s) return s.error();
    if (auto t = Load(tenant); !t) return t.error();
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
                              Phase::kStopping, Phase::kStopped};
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
