// Tenant: the data model of one isolated agent, and the one place that maps a tenant id to the names
// systemd and the OS see (unit, slice, user, directories).
//
// Plain values; no I/O. Thread-compatible (no shared state).
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "supervisor/common/result.h"
#include "supervisor/tenant/openclaw_settings.h"

namespace clawhive {

// Resource figures applied to the tenant's own slice. 0 / nullopt means "no limit" (systemd infinity).
struct Resources {
  uint64_t memory_high = 0;        // bytes
  uint64_t memory_max = 0;         // bytes
  uint64_t cpu_weight = 100;       // 1..10000
  uint64_t cpu_quota_percent = 0;  // percent of one CPU; 0 = unlimited
  uint64_t tasks_max = 0;          // 0 = unlimited
};

struct AgentSpec {
  std::string exec;               // absolute path of the agent program
  std::vector<std::string> args;  // arguments (no shell)
  std::vector<std::pair<std::string, std::string>> env;  // extra environment (NAME, value)
  std::string health_path = "/healthz";
};

enum class DesiredState { kRunning, kStopped };
const char* ToString(DesiredState s);
std::optional<DesiredState> ParseDesiredState(const std::string& s);

struct Tenant {
  std::string id;
  std::string display_name;
  Resources resources;
  AgentSpec agent;
  // The OpenClaw runtime image the tenant runs (supervisor/images), e.g. "openclaw-2026.9.6"; "" = `agent`
  // is a plain command (the test agent). Pinned: fleet updates leave the tenant on this version.
  std::string runtime;
  bool runtime_pinned = false;
  OpenClawSettings openclaw;  // used when `runtime` is set
  uint16_t port = 0;
  uint32_t uid = 0;
  DesiredState desired = DesiredState::kRunning;
  bool quarantined = false;
  int64_t created_at = 0;  // unix seconds
  int64_t updated_at = 0;
};

// Tenant ids: 2-32 chars of [a-z0-9-], starting and ending with a letter or digit. Returns an error that
// says exactly what is wrong, for API messages.
Status ValidateTenantId(const std::string& id);

// Names derived from a tenant id. systemd reads '-' in a slice name as hierarchy ("a-b.slice" is a child
// of "a.slice"), so the tenant id is systemd-escaped ('-' -> "\x2d") where it becomes part of a unit name:
// tenant "acme-corp" -> slice "clawhive-acme\x2dcorp.slice", a direct child of "clawhive.slice", and
// service "clawhive-agent@acme\x2dcorp.service" (whose %i is "acme\x2dcorp" and %I is "acme-corp").
struct TenantNames {
  static constexpr const char* kParentSlice = "clawhive.slice";
  static constexpr const char* kTemplate = "clawhive-agent@.service";
  static constexpr const char* kTarget = "clawhive-tenants.target";

  static std::string Escaped(const std::string& id);       // systemd-escape of the id
  static std::string Service(const std::string& id);       // clawhive-agent@<esc>.service
  static std::string Slice(const std::string& id);         // clawhive-<esc>.slice
  // The tenant's network boundary (docs/security.md, "Network"): the ingress socket on the host's
  // loopback and its bridge into the namespace, the egress socket inside it and its bridge to the proxy.
  static std::string GatewaySocket(const std::string& id);  // clawhive-gw@<esc>.socket
  static std::string GatewayBridge(const std::string& id);  // clawhive-gw@<esc>.service
  static std::string MeterSocket(const std::string& id);    // clawhive-meter@<esc>.socket
  static std::string MeterBridge(const std::string& id);    // clawhive-meter@<esc>.service
  // Unix user name: "ch-<id>" when that fits the 32-char limit of useradd, else "ch-" + the first 20
  // chars + "-" + 8 hex digits of a hash of the whole id. Deterministic, so the unit drop-in that names
  // it never goes stale.
  static std::string User(const std::string& id);
  // Reverse of Service(): the tenant id for a unit name, if it is one of ours.
  static std::optional<std::string> IdFromService(const std::string& unit);
};

}  // namespace clawhive
