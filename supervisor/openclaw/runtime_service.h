// RuntimeService: what the API may ask about OpenClaw runtime images, fleet updates and a tenant's
// gateway, from any thread. Real: LoopRuntimeService (runtime_service_loop.h). Tests: a fake.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "supervisor/common/result.h"
#include "supervisor/core/tenant_service.h"
#include "supervisor/openclaw/fleet.h"

namespace clawhive {

struct ImageView {
  std::string id, name, version, node_version, content_sha256, built_at;
  uint64_t disk_bytes = 0;
  std::vector<std::string> used_by;  // tenant ids, sorted
  std::string problem;               // non-empty: the directory is not a usable image
};

struct GatewayAccess {
  // The gateway socket on the appliance (GatewaySocketPath: a unix socket only root may open), e.g. for
  // a root SSH tunnel: ssh -L 8000:/run/clawhive/gw/<id>/<port>.sock root@appliance.
  std::string socket;
  std::string token;  // the gateway's bearer token
};

// Where a tenant's Telegram webhook listener is and what Telegram must present to reach it.
struct TelegramWebhookTarget {
  uint16_t port = 0;   // 127.0.0.1:<port> in the tenant's namespace; the host reaches it by GatewaySocketPath
  std::string secret;  // X-Telegram-Bot-Api-Secret-Token
};

class RuntimeService {
 public:
  virtual ~RuntimeService() = default;
  virtual Result<std::vector<ImageView>> Images() = 0;
  // Imports an artifact from a path on this host; `sha256` (may be empty) pins the artifact's digest.
  virtual Result<ImageView> Import(const std::string& path, const std::string& sha256) = 0;
  virtual Status Remove(const std::string& id) = 0;  // kConflict while tenants use it
  virtual Result<FleetUpdate> StartUpdate(const FleetRequest& request) = 0;
  virtual Result<std::vector<FleetUpdate>> Updates(size_t limit) = 0;
  virtual Result<FleetUpdate> Update(int64_t id) = 0;
  virtual std::string Target() = 0;  // the fleet's target image ("" = none)
  virtual Result<GatewayAccess> Gateway(const std::string& tenant) = 0;
  // kNotFound unless the tenant exists, runs OpenClaw, has its Telegram channel enabled in webhook mode
  // and has started in it (which makes the secret). One hand-off to the loop.
  virtual Result<TelegramWebhookTarget> TelegramWebhook(const std::string& tenant) {
    return Error::NotFound("no Telegram webhook for tenant '" + tenant + "'");
  }
  // Before a create or an update that touches the runtime or the OpenClaw settings: the configuration
  // the tenant would run, checked by OpenClaw itself (its image's `config validate`). kInvalidArgument
  // with OpenClaw's issues when it would refuse to start on it; nothing is changed either way. Takes
  // seconds: call it on an API thread. `tenant` is the current row (nullopt: a create with `id`).
  virtual Status PutPersona(const std::string& tenant, const std::string& name, const std::string& content) = 0;
  virtual Result<std::vector<std::pair<std::string, std::string>>> Persona(const std::string& tenant) = 0;
  virtual Status CheckTenantConfig(const std::string& id, const std::optional<Tenant>& tenant,
                                   const TenantPatch& patch) = 0;
};

}  // namespace clawhive
