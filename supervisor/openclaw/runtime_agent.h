// The agent command for a tenant on an OpenClaw runtime image: `node openclaw.mjs gateway run --port P
// --bind loopback`, probed on /healthz (liveness) after /startupz said it started. Pure.
#pragma once

#include "supervisor/openclaw/runtime_catalog.h"
#include "supervisor/tenant/tenant.h"

namespace clawhive {

inline constexpr const char* kStartupPath = "/startupz";  // 200 once started, 503 while starting
inline constexpr const char* kLivenessPath = "/healthz";
inline constexpr const char* kReadinessPath = "/readyz";

AgentSpec RuntimeAgent(const RuntimeImage& image, uint16_t port);

}  // namespace clawhive
