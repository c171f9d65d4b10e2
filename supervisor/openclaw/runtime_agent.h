// The agent command for a tenant on an OpenClaw runtime image: `node openclaw.mjs gateway run --port P
// --bind loopback`, probed on /healthz (liveness) after /startupz said it started. RuntimeAgent is pure;
// OpenClawRuntimes runs on the loop thread.
#pragma once

#include "supervisor/config/config.h"
#include "supervisor/core/runtime_resolver.h"
#include "supervisor/openclaw/runtime_catalog.h"
#include "supervisor/tenant/tenant.h"

namespace clawhive {

inline constexpr const char* kStartupPath = "/startupz";  // 200 once started, 503 while starting
inline constexpr const char* kLivenessPath = "/healthz";
inline constexpr const char* kReadinessPath = "/readyz";

AgentSpec RuntimeAgent(const RuntimeImage& image, uint16_t port);

// The supervisor's RuntimeResolver for OpenClaw images: checks the tenant's OpenClaw settings against the
// configured models and derives its gateway command from the image in `catalog` (borrowed).
class OpenClawRuntimes : public RuntimeResolver {
 public:
  OpenClawRuntimes(RuntimeCatalog& catalog, const Config& config) : catalog_(catalog), config_(config) {}
  Status Resolve(Tenant& t) override;
  std::string StartupPath() const override { return kStartupPath; }

 private:
  RuntimeCatalog& catalog_;
  const Config& config_;
};

}  // namespace clawhive
