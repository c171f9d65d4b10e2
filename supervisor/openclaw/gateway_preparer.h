// GatewayPreparer: what a tenant on an OpenClaw runtime image needs right before each start. Its gateway
// token exists (the managed secret CLAWHIVE_GATEWAY_TOKEN, made once; delivered like any secret and read
// by OpenClaw as ${CLAWHIVE_GATEWAY_TOKEN}); its openclaw.json5 is rendered from the current settings into
// its state directory (rewritten every start, so an edit by the agent itself never outlives a restart).
//
// Runs on the supervisor's loop thread (the vault's owner). Plain-command tenants are left alone.
#pragma once

#include <string>

#include "supervisor/common/result.h"
#include "supervisor/config/config.h"
#include "supervisor/core/host.h"
#include "supervisor/tenant/tenant.h"
#include "supervisor/vault/vault.h"

namespace clawhive {

class GatewayPreparer {
 public:
  GatewayPreparer(const Config& config, Vault& vault, Host& host) : config_(config), vault_(vault), host_(host) {}
  Status Prepare(const Tenant& t);
  // The tenant's gateway token (made if missing), for the tenant's own clients through the API.
  Result<std::string> Token(const std::string& tenant);

 private:
  const Config& config_;
  Vault& vault_;
  Host& host_;
};

// <tenants_dir>/<id>/openclaw.json5, as OPENCLAW_CONFIG_PATH in units/clawhive-agent@.service says.
std::string OpenClawConfigPath(const Config& c, const std::string& id);

}  // namespace clawhive
