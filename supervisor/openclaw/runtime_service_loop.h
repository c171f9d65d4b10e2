// LoopRuntimeService: RuntimeService for any thread. Image imports run on the calling thread (they take
// seconds: extracting and hashing hundreds of MB) under the image store's own lock; everything that
// touches tenants (who uses an image, removal, fleet updates, gateway tokens) is handed to the loop thread.
#pragma once

#include <chrono>

#include "supervisor/core/loop.h"
#include "supervisor/core/tenant_control.h"
#include "supervisor/images/image_store.h"
#include "supervisor/openclaw/config_validator.h"
#include "supervisor/openclaw/fleet.h"
#include "supervisor/openclaw/gateway_preparer.h"
#include "supervisor/openclaw/runtime_service.h"

namespace clawhive {

class LoopRuntimeService : public RuntimeService {
 public:
  LoopRuntimeService(const Config& config, Loop& loop, TenantControl& supervisor, Fleet& fleet,
                     GatewayPreparer& gateways, ConfigValidator& validator,
                     std::chrono::milliseconds timeout = std::chrono::seconds(60))
      : config_(config), loop_(loop), supervisor_(supervisor), fleet_(fleet), gateways_(gateways),
        validator_(validator), images_dir_(config.images_dir), timeout_(timeout) {}

  Result<std::vector<ImageView>> Images() override;
  Result<ImageView> Import(const std::string& path, const std::string& sha256) override;
  Status Remove(const std::string& id) override;
  Result<FleetUpdate> StartUpdate(const FleetRequest& request) override;
  Result<std::vector<FleetUpdate>> Updates(size_t limit) override;
  Result<FleetUpdate> Update(int64_t id) override;
  std::string Target() override;
  Result<GatewayAccess> Gateway(const std::string& tenant) override;
  Result<TelegramWebhookTarget> TelegramWebhook(const std::string& tenant) override;
  Status CheckTenantConfig(const std::string& id, const std::optional<Tenant>& tenant,
                           const TenantPatch& patch) override;
  Status PutPersona(const std::string& tenant, const std::string& name, const std::string& content) override;
  Result<std::vector<std::pair<std::string, std::string>>> Persona(const std::string& tenant) override;

 private:
  const Config& config_;
  Loop& loop_;
  TenantControl& supervisor_;
  Fleet& fleet_;
  GatewayPreparer& gateways_;
  ConfigValidator& validator_;
  std::string images_dir_;
  std::chrono::milliseconds timeout_;
};

// Over the image store: where an imported image's node and openclaw.mjs are. Loop thread.
class StoreCatalog : public RuntimeCatalog {
 public:
  explicit StoreCatalog(std::string images_dir) : store_(std::move(images_dir)) {}
  Result<RuntimeImage> Find(const std::string& id) override;

 private:
  images::ImageStore store_;
};

}  // namespace clawhive
