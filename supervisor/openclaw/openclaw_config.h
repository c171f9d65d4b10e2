// The OpenClaw gateway's configuration for one tenant (openclaw.json5 in its state directory), rendered
// by the supervisor before every start. Pure; the result is JSON (valid JSON5).
//
// What it fixes, whatever the tenant chose (from docs/openclaw.md and ../shared/facts/openclaw.md):
// local mode on loopback at the tenant's port; token auth with ${CLAWHIVE_GATEWAY_TOKEN} (a managed
// secret); the control UI off (54 MB of assets copied per tenant otherwise); the update check and the
// model catalog refresh off (no internet at run time); its log file inside the tenant's state; the model
// provider replaced by the metering proxy with ${CLAWHIVE_PROXY_TOKEN}; the OpenAI-compatible chat endpoint
// on (how the tenant's clients and our tests talk to it). What the tenant chose: the model (within the
// operator's list), the heartbeat, chat channels whose bot tokens come from its own secrets.
// plugins.allow: only the plugins those settings use (memory-core, the enabled channels' plugins, the
// proxy dialect's vendor plugin where it needs one), for start time and surface (docs/openclaw.md).
#pragma once

#include <string>
#include <vector>

#include "supervisor/tenant/openclaw_settings.h"

namespace clawhive {

inline constexpr const char* kGatewayTokenSecret = "CLAWHIVE_GATEWAY_TOKEN";
inline constexpr const char* kProviderName = "clawhive";  // OpenClaw's name for the metering proxy

struct OpenClawContext {
  uint16_t port = 0;
  std::string proxy_url;                    // "http://127.0.0.1:8480/v1"
  std::string egress_proxy_url;             // "http://127.0.0.1:8481" (docs/egress.md); "" = no egress
  std::string api = "openai-completions";   // the proxy's dialect
  std::vector<std::string> models;          // the operator's list; the first is the default
  std::string log_file;                     // inside the tenant's state directory
};

std::string RenderOpenClawConfig(const OpenClawSettings& settings, const OpenClawContext& ctx);

}  // namespace clawhive
