// Tenant rules: turning a client's TenantPatch into a valid Tenant, and the files systemd reads for it.
// Pure functions; every error message is fit to return to an API client.
#pragma once

#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "supervisor/common/result.h"
#include "supervisor/config/config.h"
#include "supervisor/core/tenant_service.h"

namespace clawhive {

// Why a tenant with neither a runtime image nor an agent command cannot be made, and what to do (409).
inline constexpr const char* kNoAgentMessage =
    "no OpenClaw runtime image: build one with images/runtime/build and import it (POST /v1/images or "
    "clawhive-image import), then set openclaw.runtime in /etc/clawhive/clawhive.yaml (or give the tenant "
    "\"runtime\": {\"image\": ...}); a tenant may instead name its own program in agent.exec";

// Applies `patch` onto `base` (defaults for a create, the stored tenant for an update) and validates
// the result: display name, agent exec/args/env/health path, resource ranges. A tenant without a
// runtime image must have an agent.exec (kConflict, kNoAgentMessage); with one, its command comes from
// the image (Supervisor::ResolveRuntime) and an empty agent.exec is fine.
Result<Tenant> ApplyPatch(const Tenant& base, const TenantPatch& patch);
// The merge step alone, unvalidated.
Tenant MergePatch(const Tenant& base, const TenantPatch& patch);

// A new tenant's starting point from the configured defaults.
Tenant DefaultTenant(const std::string& id, const Config& config);

// The EnvironmentFile= of the tenant's agent unit: port, agent command and the tenant's own variables.
// systemd (PID 1) reads it as root before dropping privileges; the agent cannot read it.
// `proxy_url`: the metering proxy as agents reach it (CLAWHIVE_PROXY_URL), from Config::proxy_*.
// `egress_url` (EgressProxyUrl; "" = none) becomes HTTPS_PROXY/HTTP_PROXY (both cases) with NO_PROXY for
// loopback, for the agent's tools that honour them: OpenClaw's Telegram client does (its managed proxy,
// proxy.proxyUrl, is not used: it would send the model calls through the egress proxy too).
// `extra_ca_file` (openclaw.extra_ca_file; "" = none) becomes NODE_EXTRA_CA_CERTS for an OpenClaw gateway.
std::string RenderEnvFile(const Tenant& t, const std::string& proxy_url, const std::string& egress_url = "",
                          const std::string& extra_ca_file = "");
std::string ProxyUrl(const Config& c);
// The egress proxy as agents see it inside their namespace, "http://127.0.0.1:8481"; "" when egress.listen is off.
std::string EgressProxyUrl(const Config& c);
// The per-tenant drop-in: the static user the agent runs as. Written before the unit is first loaded,
// so no daemon-reload is needed; its content depends on the id only, so it never goes stale.
std::string RenderDropIn(const Tenant& t);
// The drop-ins of the tenant's network boundary units (TenantNames::GatewaySocket ... MeterBridge), as
// (path, content): where each socket listens (the gateway's: unix sockets on the host, GatewaySocketPath
// in kGatewaySocketDir) and where each bridge connects, the egress bridge from
// the source address that names the tenant to the proxy. Derived from the port, uid and config only,
// never from anything the tenant sets — but for a Telegram channel in webhook mode, whose listener port
// joins the gateway's socket and bridge (TelegramWebhookPort). Written before the units are first loaded,
// like RenderDropIn, and again (with a daemon-reload) when a settings change alters them.
std::vector<std::pair<std::string, std::string>> RenderBridgeDropIns(const Tenant& t, const Config& c);
// The drop-in directories RenderBridgeDropIns writes into, for removal.
std::vector<std::string> BridgeDropInDirs(const Config& c, const std::string& id);

// A value for a systemd EnvironmentFile=, double-quoted with ", \, $ and ` escaped. The value must be
// free of newlines and NUL (callers validate). The returned buffer is the caller's to wipe if secret.
std::string QuoteEnvValue(std::string_view value);

// Paths of those files.
std::string EnvFilePath(const Config& c, const std::string& id);
std::string DropInDir(const Config& c, const std::string& id);
std::string WorkspacePath(const Config& c, const std::string& id);
// Where clawhive-deliver puts a tenant's decrypted secrets for one exec (tmpfs, root only).
std::string DeliveredSecretsPath(const std::string& id);

}  // namespace clawhive
