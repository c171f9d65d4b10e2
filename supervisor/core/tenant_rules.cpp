#include "supervisor/core/tenant_rules.h"

#include "supervisor/bridge/bridge.h"
#include "supervisor/openclaw/node_options.h"
#include "supervisor/tenant/gateway_socket.h"

namespace clawhive {
namespace {

bool HasControl(const std::string& s) {
  for (unsigned char c : s)
    if (c < 0x20 || c == 0x7f) return true;
  return false;
}

// Words systemd splits from $CLAWHIVE_AGENT_ARGS must survive unquoted: no whitespace, quotes,
// backslashes, '$' or '%' (specifier and variable syntax).
bool SafeWord(const std::string& s) {
  if (s.empty() || HasControl(s)) return false;
  for (char c : s)
    if (c == ' ' || c == '"' || c == '\'' || c == '\\' || c == '$' || c == '%' || c == ';') return false;
  return true;
}

bool EnvName(const std::string& s) {
  if (s.empty() || s.size() > 128) return false;
  for (size_t i = 0; i < s.size(); ++i) {
    char c = s[i];
    bool ok = (c >= 'A' && c <= 'Z') || c == '_' || (i > 0 && c >= '0' && c <= '9');
    if (!ok) return false;
  }
  return true;
}

// Names the supervisor sets itself; a tenant may not override them.
bool Reserved(const std::string& name) {
  return name == "PORT" || name == "HOME" || name == "USER" || name == "PATH" ||
         name.rfind("CLAWHIVE_", 0) == 0 || name.rfind("OPENCLAW_", 0) == 0 ||
         name.rfind("LD_", 0) == 0 || name == "NODE_OPTIONS";
}

}  // namespace

std::string QuoteEnvValue(std::string_view v) {
  std::string out;
  out.reserve(2 * v.size() + 2);  // worst case: every byte escaped; no reallocation leaves copies behind
  out += '"';
  for (char c : v) {
    if (c == '"' || c == '\\' || c == '$' || c == '`') out += '\\';
    out += c;
  }
  out += '"';
  return out;
}

Tenant DefaultTenant(const std::string& id, const Config& config) {
  Tenant t;
  t.id = id;
  t.display_name = id;
  t.resources = config.default_resources;
  t.agent = config.default_agent;
  t.runtime = config.default_runtime;
  t.desired = DesiredState::kRunning;
  return t;
}

Tenant MergePatch(const Tenant& base, const TenantPatch& p) {
  Tenant t = base;
  if (p.display_name) t.display_name = *p.display_name;
  if (p.memory_high) t.resources.memory_high = *p.memory_high;
  if (p.memory_max) t.resources.memory_max = *p.memory_max;
  if (p.cpu_weight) t.resources.cpu_weight = *p.cpu_weight;
  if (p.cpu_quota_percent) t.resources.cpu_quota_percent = *p.cpu_quota_percent;
  if (p.tasks_max) t.resources.tasks_max = *p.tasks_max;
  if (p.agent_exec) t.agent.exec = *p.agent_exec;
  if (p.agent_args) t.agent.args = *p.agent_args;
  if (p.agent_env) t.agent.env = *p.agent_env;
  if (p.health_path) t.agent.health_path = *p.health_path;
  if (p.port) t.port = *p.port;
  if (p.desired) t.desired = *p.desired;
  if (p.runtime) t.runtime = *p.runtime;
  if (p.runtime_pinned) t.runtime_pinned = *p.runtime_pinned;
  if (p.openclaw) t.openclaw = *p.openclaw;
  return t;
}

Result<Tenant> ApplyPatch(const Tenant& base, const TenantPatch& p) {
  Tenant t = MergePatch(base, p);

  if (t.display_name.empty() || t.display_name.size() > 200 || HasControl(t.display_name))
    return Error::Invalid("display_name must be 1 to 200 characters without control characters");
  const Resources& r = t.resources;
  if (r.memory_max != 0 && r.memory_max < (16ull << 20))
    return Error::Invalid("resources.memory_max must be at least 16M (or 0 for no limit)");
  if (r.memory_high != 0 && r.memory_max != 0 && r.memory_high > r.memory_max)
    return Error::Invalid("resources.memory_high must not exceed resources.memory_max");
  if (r.cpu_weight < 1 || r.cpu_weight > 10000)
    return Error::Invalid("resources.cpu_weight must be between 1 and 10000");
  if (r.cpu_quota_percent > 100000)
    return Error::Invalid("resources.cpu_quota_percent must be at most 100000 (0 = no limit)");
  if (r.tasks_max != 0 && r.tasks_max < 8)
    return Error::Invalid("resources.tasks_max must be at least 8 (or 0 for no limit)");
  if (t.agent.exec.empty() && t.runtime.empty()) return Error::Conflict(kNoAgentMessage);
  if (!t.agent.exec.empty() && (t.agent.exec[0] != '/' || !SafeWord(t.agent.exec) || t.agent.exec.size() > 1024))
    return Error::Invalid("agent.exec must be an absolute path without spaces, quotes, '$' or '%'");
  if (t.agent.args.size() > 64) return Error::Invalid("agent.args may hold at most 64 arguments");
  for (const auto& a : t.agent.args)
    if (!SafeWord(a) || a.size() > 1024)
      return Error::Invalid("agent.args entries must be non-empty and free of spaces, quotes, '$' and '%'");
  if (t.agent.env.size() > 128) return Error::Invalid("agent.env may hold at most 128 variables");
  for (const auto& [name, value] : t.agent.env) {
    if (!EnvName(name)) return Error::Invalid("agent.env name '" + name.substr(0, 64) + "' must match [A-Z_][A-Z0-9_]*");
    if (Reserved(name)) return Error::Invalid("agent.env name '" + name + "' is reserved by Clawhive");
    if (HasControl(value) || value.size() > 4096)
      return Error::Invalid("agent.env value of " + name + " must be at most 4096 characters without control characters");
  }
  const std::string& hp = t.agent.health_path;
  if (hp.empty() || hp[0] != '/' || hp.size() > 256 || !SafeWord(hp))
    return Error::Invalid("agent.health_path must start with '/' and contain no spaces or control characters");
  if (t.port == 0 && base.port != 0) return Error::Invalid("port must be between 1 and 65535");
  if (t.port != 0 && t.port < 1024) return Error::Invalid("port must be 1024 or above");
  return t;
}

std::string ProxyUrl(const Config& c) {
  std::string host = c.proxy_address.find(':') != std::string::npos ? "[" + c.proxy_address + "]" : c.proxy_address;
  return "http://" + host + ":" + std::to_string(c.proxy_port) + "/v1";
}

std::string EgressProxyUrl(const Config& c) {
  if (c.egress_port == 0) return "";
  return "http://" + c.egress_address + ":" + std::to_string(c.egress_port);
}

std::string RenderEnvFile(const Tenant& t, const std::string& proxy_url, const std::string& egress_url,
                          const std::string& extra_ca_file) {
  std::string port = std::to_string(t.port);
  std::string out = "# Written by clawhive-supervisor; edits are overwritten.\n";
  out += "CLAWHIVE_TENANT=" + t.id + "\n";
  out += "CLAWHIVE_PROXY_URL=" + proxy_url + "\n";  // before agent.env, which may override it
  out += "PORT=" + port + "\n";
  out += "OPENCLAW_GATEWAY_PORT=" + port + "\n";
  out += "CLAWHIVE_AGENT_EXEC=" + t.agent.exec + "\n";
  std::string args;
  for (const auto& a : t.agent.args) args += (args.empty() ? "" : " ") + a;
  out += "CLAWHIVE_AGENT_ARGS=" + args + "\n";
  if (!egress_url.empty())  // the egress proxy (docs/egress.md); loopback (the model proxy) stays direct
    for (const char* name : {"HTTPS_PROXY", "https_proxy", "HTTP_PROXY", "http_proxy"}) out += std::string(name) + "=" + egress_url + "\n";
  if (!egress_url.empty()) out += "NO_PROXY=127.0.0.1,localhost,::1\nno_proxy=127.0.0.1,localhost,::1\n";
  // An OpenClaw gateway: heap cap from memory_max, compile cache flush (openclaw/node_options.h).
  if (!t.runtime.empty()) out += "NODE_OPTIONS=" + QuoteEnvValue(GatewayNodeOptions(t.resources.memory_max)) + "\n";
  // The operator's extra CAs (openclaw.extra_ca_file): node reads them once, at its start.
  if (!t.runtime.empty() && !extra_ca_file.empty()) out += "NODE_EXTRA_CA_CERTS=" + QuoteEnvValue(extra_ca_file) + "\n";
  for (const auto& [name, value] : t.agent.env) out += name + "=" + QuoteEnvValue(value) + "\n";
  return out;
}

std::string RenderDropIn(const Tenant& t) {
  std::string user = TenantNames::User(t.id);
  return "# Written by clawhive-supervisor for tenant " + t.id + "; edits are overwritten.\n"
         "[Service]\nUser=" + user + "\nGroup=" + user + "\n";
}

std::vector<std::pair<std::string, std::string>> RenderBridgeDropIns(const Tenant& t, const Config& c) {
  std::string head = "# Written by clawhive-supervisor for tenant " + t.id + "; edits are overwritten.\n";
  // Ingress: a unix socket per port on the host, only root may open it (units/clawhive-gw@.socket), named
  // after the port inside the namespace it is carried to (clawhive-bridge picks its --to by that name).
  std::string gateway = "127.0.0.1:" + std::to_string(t.port);
  std::string gateway_listen = "ListenStream=" + GatewaySocketPath(kGatewaySocketDir, t.id, t.port) + "\n";
  std::string proxy = c.proxy_address + ":" + std::to_string(c.proxy_port);
  // Config allows the proxy on 127.0.0.1 only and uids are < 2^23 (uid_range), so there is always one.
  std::string source = bridge::TenantSourceAddress(t.uid).value_or("127.0.0.1");
  const std::string bridge = "/usr/lib/clawhive/clawhive-bridge";
  // The egress proxy (docs/egress.md) rides on the same socket unit and bridge: a second listening
  // address inside the namespace, carried to the same address on the host (clawhive-bridge picks the
  // target by port). No unit pair more per tenant.
  std::string egress = c.egress_address + ":" + std::to_string(c.egress_port);
  std::string egress_listen = c.egress_port != 0 ? "ListenStream=" + egress + "\n" : "";
  std::string egress_to = c.egress_port != 0 ? " --to " + egress : "";
  // A Telegram channel in webhook mode: its listener, at a fixed place in the tenant's port block, rides
  // on the gateway's socket and bridge the same way (the appliance's front forwards Telegram's calls to it).
  const uint16_t webhook_port = t.runtime.empty() ? 0 : TelegramWebhookPort(t.port, t.openclaw);
  std::string webhook = "127.0.0.1:" + std::to_string(webhook_port);
  std::string webhook_listen =
      webhook_port != 0 ? "ListenStream=" + GatewaySocketPath(kGatewaySocketDir, t.id, webhook_port) + "\n" : "";
  std::string webhook_to = webhook_port != 0 ? " --to " + webhook : "";
  auto dir = [&](const std::string& unit) { return c.unit_dir + "/" + unit + ".d/10-tenant.conf"; };
  return {
      {dir(TenantNames::GatewaySocket(t.id)), head + "[Socket]\n" + gateway_listen + webhook_listen},
      {dir(TenantNames::GatewayBridge(t.id)),
       head + "[Service]\nExecStart=\nExecStart=" + bridge + " --to " + gateway + webhook_to + "\n"},
      {dir(TenantNames::MeterSocket(t.id)), head + "[Socket]\nListenStream=" + proxy + "\n" + egress_listen},
      {dir(TenantNames::MeterBridge(t.id)),
       head + "[Service]\nExecStart=\nExecStart=" + bridge + " --to " + proxy + egress_to + " --from " + source + "\n"},
  };
}

std::vector<std::string> BridgeDropInDirs(const Config& c, const std::string& id) {
  std::vector<std::string> dirs;
  for (const std::string& unit : {TenantNames::GatewaySocket(id), TenantNames::GatewayBridge(id),
                                  TenantNames::MeterSocket(id), TenantNames::MeterBridge(id)})
    dirs.push_back(c.unit_dir + "/" + unit + ".d");
  return dirs;
}

std::string EnvFilePath(const Config& c, const std::string& id) { return c.state_dir + "/tenants/" + id + ".env"; }
std::string DropInDir(const Config& c, const std::string& id) {
  return c.unit_dir + "/" + TenantNames::Service(id) + ".d";
}
std::string WorkspacePath(const Config& c, const std::string& id) { return c.tenants_dir + "/" + id; }
std::string DeliveredSecretsPath(const std::string& id) { return "/run/clawhive/secrets/" + id + ".env"; }

}  // namespace clawhive
