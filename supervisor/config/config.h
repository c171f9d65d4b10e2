// Config: the supervisor's settings, read from /etc/clawhive/clawhive.yaml (yaml-cpp).
//
// Every error names file:line:col (1-based) and what was expected; the daemon refuses to start on any
// error, including unknown keys (a typo must not silently fall back to a default). A missing file is an
// error; an empty file gives all defaults. Plain values, no I/O after loading.
#pragma once

#include <cstdint>
#include <string>

#include "supervisor/common/result.h"
#include "supervisor/egress/policy.h"
#include "supervisor/tenant/tenant.h"

namespace clawhive {

struct Config {
  // api:
  std::string listen_address = "127.0.0.1";  // api.listen: "host:port"
  uint16_t listen_port = 8470;
  // api.tls: the HTTPS certificate (PEM, chain may follow) and its unencrypted PEM key. Both empty: a
  // self-signed one is made on first start in <state_dir>/tls/ and its fingerprint logged. The API is
  // always HTTPS on api.listen.
  std::string tls_cert_file, tls_key_file;
  // api.plain_http: "host:port" of an extra plain-HTTP listener, loopback only; empty = none. API tokens
  // presented over it are revoked (they crossed a channel without TLS).
  std::string plain_http_address;
  uint16_t plain_http_port = 0;
  // api.public_url: where the Internet reaches this appliance's front ("https://chat.example.com", no
  // trailing slash), for callbacks such as Telegram's webhooks (docs/api.md, "Channel webhooks"); "" =
  // none, and Telegram channels in webhook mode are refused. api.webhook_rate: webhook calls per second
  // each tenant may receive (bursts up to twice that); more are answered 429.
  std::string public_url;
  uint64_t webhook_rate = 20;
  // paths:
  std::string state_dir = "/var/lib/clawhive";            // supervisor DB, API token (root only)
  std::string tenants_dir = "/var/lib/clawhive-tenants";  // tenants' own state (one 0700 dir each)
  // meter.db, shared by the supervisor and clawhive-proxy: 0700, owned by the proxy's user
  // (clawhive-proxy), outside state_dir so the proxy never needs to see the vault's directory.
  std::string meter_dir = "/var/lib/clawhive-meter";
  std::string unit_dir = "/etc/systemd/system";           // where per-tenant drop-ins are written
  std::string console_dir = "/usr/share/clawhive/console"; // the web console's static files
  // parent_slice: caps all tenants together so the host and the supervisor keep headroom.
  uint64_t parent_memory_max = 0;          // bytes; 0 = infinity
  uint64_t parent_memory_high = 0;
  uint64_t parent_cpu_quota_percent = 0;   // 0 = unlimited
  uint64_t parent_tasks_max = 0;
  // tenant_defaults:
  Resources default_resources{.memory_high = 1024ull << 20, .memory_max = 1536ull << 20,
                              .cpu_weight = 100, .cpu_quota_percent = 100, .tasks_max = 512};
  // tenant_defaults.agent: the plain command of a tenant without a runtime image. No default program
  // (exec ""): a tenant runs the OpenClaw runtime (openclaw.runtime) unless its own agent.exec, or this,
  // names one; creating a tenant with neither answers 409 (kNoAgentMessage in core/tenant_rules.h).
  AgentSpec default_agent{.exec = "", .args = {}, .env = {}, .health_path = "/healthz"};
  uint16_t port_base = 20000;  // first tenant port
  uint16_t port_step = 120;    // OpenClaw uses port, port+2 and port+9..+108
  uint32_t uid_min = 300000;   // static per-tenant uids are allocated in [uid_min, uid_max]
  uint32_t uid_max = 399999;
  // crash_policy:
  uint32_t immediate_restarts = 3;     // crashes in the window restarted at once
  uint64_t backoff_initial_ms = 1000;  // then delays double from here...
  uint64_t backoff_max_ms = 60000;     // ...up to here
  uint32_t quarantine_after = 8;       // this many crashes within the window -> quarantine
  uint64_t crash_window_ms = 600000;
  // probe: liveness probe of every running agent
  uint64_t probe_interval_ms = 5000;
  uint64_t probe_timeout_ms = 2000;
  uint32_t probe_failures = 3;         // consecutive failures -> restart as hung
  uint64_t start_timeout_ms = 30000;   // time allowed from start to first healthy probe
  uint64_t trial_soak_ms = 10000;      // a health-gated restart (secret rotation) must stay up this long
  // vault:
  bool vault_seal_kek = false;  // vault.seal_kek: new KEK versions sealed with systemd-creds (kek-<n>.cred)
  // proxy: the metering model proxy (clawhive-proxy), loopback only: agents reach it and nothing else
  std::string proxy_address = "127.0.0.1";
  uint16_t proxy_port = 8480;
  uint64_t proxy_threads = 64;
  // egress: the egress proxy (docs/egress.md), a second listener of clawhive-proxy that tunnels agents'
  // HTTPS (CONNECT) to allow-listed hosts. Default deny: nothing is allowed until the operator lists
  // hosts (allow) or offers presets tenants turn on. egress.listen "" = off (port 0): agents then have
  // no way out but the model proxy.
  std::string egress_address = "127.0.0.1";
  uint16_t egress_port = 8481;
  egress::OperatorEgress egress;           // presets, allow, allow_cidrs, tenant_allow
  uint64_t egress_max_tunnels = 64;        // open tunnels per tenant
  uint64_t egress_connect_timeout_ms = 10000;
  uint64_t egress_idle_timeout_ms = 600000;  // a tunnel with no byte either way for this long is closed
  // usage: each tenant's memory/CPU/tasks sampled every interval, the last `history` samples kept
  uint64_t usage_interval_ms = 10000;
  uint64_t usage_history = 360;
  // branding: defaults until an operator sets them through the API (PUT /v1/branding)
  std::string product_name = "Clawhive";
  std::string primary_color = "#1f6feb";
  // openclaw: tenants running the real OpenClaw gateway from an imported runtime image (docs/openclaw.md)
  std::string images_dir = "/var/lib/clawhive-images";  // imported images, read-only (agents read them)
  std::string default_runtime;  // image id new tenants run ("" = tenant_defaults.agent, a plain command)
  std::vector<std::string> openclaw_models = {"default"};  // models tenants may pick; the first is the default
  std::string openclaw_api = "openai-completions";  // the proxy's dialect as OpenClaw sees it
  uint64_t openclaw_start_timeout_ms = 180000;      // exec -> /startupz 200 (7-20 s alone on 2 cores)
  // openclaw.extra_ca_file: a PEM bundle of CAs OpenClaw trusts besides the system's (NODE_EXTRA_CA_CERTS),
  // e.g. a corporate TLS-inspection CA; readable by tenants' users, outside the paths their units hide
  // (/etc/clawhive, /var/lib/clawhive, /run/clawhive). "" = none.
  std::string openclaw_extra_ca_file;
  // openclaw.control_ui: tenants' gateways serve OpenClaw's Control UI through the front, behind the
  // appliance's sign-in (docs/openclaw.md, "OpenClaw's Control UI"); their auth mode is then trusted-proxy.
  // Costs ~54 MB of disk per tenant (the UI's files copied into its state).
  bool openclaw_control_ui = true;
  // The start boost (core/start_boost.h): a starting gateway's slice gets this CPU quota until /startupz
  // answers (0 = none: the whole box, within parent_slice.cpu_quota), at most `start_boosts` at once
  // (0 = off).
  uint64_t openclaw_start_cpu_quota_percent = 0;
  uint32_t openclaw_start_boosts = 1;
  // watchdog (systemd WatchdogSec is in the unit; this is only read from the environment)
};

// Parses YAML text; `filename` is used in messages only.
Result<Config> ParseConfig(const std::string& yaml_text, const std::string& filename);
// Reads and parses a file.
Result<Config> LoadConfig(const std::string& path);

}  // namespace clawhive
