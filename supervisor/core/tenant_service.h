// TenantService: what the REST API (and later the console and CLI) may ask of the supervisor.
//
// Implemented by the supervisor core, which runs every call on its event-loop thread; the methods are
// safe to call from any thread and block until that thread has answered. The API layer parses and
// type-checks JSON into these structs; semantic validation (id syntax, ranges, port clashes) happens
// here and comes back as Error::kInvalidArgument with a message fit for the client.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "supervisor/common/result.h"
#include "supervisor/tenant/incident.h"
#include "supervisor/tenant/tenant.h"

namespace clawhive {

// Fields a client set. On create, unset fields take the configured defaults; on update, unset fields
// stay as they are.
struct TenantPatch {
  std::optional<std::string> display_name;
  std::optional<uint64_t> memory_high;  // bytes, 0 = no limit
  std::optional<uint64_t> memory_max;
  std::optional<uint64_t> cpu_weight;
  std::optional<uint64_t> cpu_quota_percent;
  std::optional<uint64_t> tasks_max;
  std::optional<std::string> agent_exec;
  std::optional<std::vector<std::string>> agent_args;
  std::optional<std::vector<std::pair<std::string, std::string>>> agent_env;
  std::optional<std::string> health_path;
  std::optional<uint16_t> port;
  std::optional<DesiredState> desired;
  std::optional<std::string> runtime;  // an image id; "" = back to the plain agent command
  std::optional<bool> runtime_pinned;
  std::optional<OpenClawSettings> openclaw;
};

// A tenant as the API shows it: stored settings, unit state from systemd's signals, and figures from the
// usage sampler's latest sample of the tenant's slice (absent until the first one).
struct TenantStatus {
  Tenant tenant;
  std::string phase;         // "starting", "running", "backoff", "quarantined", "stopped", "failed"
  std::string active_state;  // systemd ActiveState of the agent unit
  std::string sub_state;
  uint32_t main_pid = 0;
  std::optional<uint64_t> memory_current;  // bytes
  std::optional<uint64_t> memory_max;      // bytes, as systemd reports for the tenant slice
  std::optional<uint64_t> cpu_usage_nsec;
  std::optional<uint64_t> tasks_current;
  uint64_t restarts = 0;     // restarts done by the supervisor since the tenant was created
  bool healthy = false;      // last liveness probe answered 2xx
};

// One sample of a tenant's resource use (read from its slice's cgroup), for the console's charts.
struct UsageSample {
  int64_t at_ms = 0;                      // wall clock, unix ms
  std::optional<uint64_t> memory_bytes;   // memory.current of the tenant slice
  std::optional<double> cpu_cores;        // CPU used over the last interval, in cores (1.0 = one core busy)
  std::optional<uint64_t> tasks;
};

struct UsageHistory {
  uint64_t interval_ms = 0;
  std::vector<UsageSample> samples;  // oldest first, at most Config::usage_history
};

// The host as the dashboard shows it: what tenants were promised against what the machine has.
struct SystemStatus {
  uint64_t memory_physical = 0;    // bytes (MemTotal)
  uint64_t memory_available = 0;   // bytes (MemAvailable)
  uint64_t memory_committed = 0;   // sum of tenants' memory_max (bytes; tenants without a cap count 0)
  uint32_t cpu_cores = 0;          // online CPUs
  double cpu_committed = 0;        // sum of tenants' cpu_quota_percent / 100, in cores
  std::optional<double> cpu_used;  // host CPU in use over the last usage interval, in cores
  std::vector<std::pair<std::string, size_t>> tenants_by_phase;  // phase -> count, phases with >0
  size_t tenants = 0;
  int64_t uptime_s = 0;            // of the supervisor
};

class TenantService {
 public:
  virtual ~TenantService() = default;
  virtual Result<TenantStatus> Create(const std::string& id, const TenantPatch& patch) = 0;
  virtual Result<std::vector<TenantStatus>> List() = 0;
  virtual Result<TenantStatus> Get(const std::string& id) = 0;
  virtual Result<TenantStatus> Update(const std::string& id, const TenantPatch& patch) = 0;
  virtual Status Delete(const std::string& id, bool remove_workspace) = 0;
  virtual Result<TenantStatus> Start(const std::string& id) = 0;  // also lifts a quarantine
  virtual Result<TenantStatus> Stop(const std::string& id) = 0;
  virtual Result<TenantStatus> Restart(const std::string& id) = 0;
  // Newest first; empty tenant = all.
  virtual Result<std::vector<Incident>> Incidents(const std::string& tenant, size_t limit) = 0;
  // The tenant's sampled resource use (kNotFound for an unknown tenant).
  virtual Result<UsageHistory> Usage(const std::string& id) {
    (void)id;
    return Error::Unavailable("usage history is not available");
  }
  virtual Result<SystemStatus> System() { return Error::Unavailable("system status is not available"); }
};

}  // namespace clawhive
