#include "supervisor/openclaw/gateway_preparer.h"

#include "supervisor/auth/encoding.h"
#include "supervisor/core/tenant_rules.h"
#include "supervisor/openclaw/openclaw_config.h"

namespace clawhive {
namespace {

Status EnsureToken(Vault& vault, const std::string& tenant) {
  if (vault.Get(tenant, kGatewayTokenSecret)) return Status::Ok();
  Result<std::string> bytes = auth::RandomBytes(24);
  if (!bytes) return bytes.error();
  // "ocg_" marks it for secret scanners, as our other tokens are marked.
  Result<SecretInfo> info = vault.Put(tenant, kGatewayTokenSecret, SecretValue("ocg_" + auth::Base64Encode(*bytes, true)));
  auth::Wipe(*bytes);
  if (!info) return info.error();
  uint32_t newest = info->versions.empty() ? 0 : info->versions.front().version;
  if (info->current_version != newest) return vault.Promote(tenant, kGatewayTokenSecret, newest);
  return Status::Ok();
}

}  // namespace

std::string OpenClawConfigPath(const Config& c, const std::string& id) {
  return WorkspacePath(c, id) + "/openclaw.json5";
}

Status GatewayPreparer::Prepare(const Tenant& t) {
  if (t.runtime.empty()) return Status::Ok();
  if (Status s = EnsureToken(vault_, t.id); !s) return Error{s.error().code, "gateway token: " + s.error().message};
  OpenClawContext ctx;
  ctx.port = t.port;
  ctx.proxy_url = ProxyUrl(config_);
  ctx.api = config_.openclaw_api;
  ctx.models = config_.openclaw_models;
  ctx.log_file = WorkspacePath(config_, t.id) + "/logs/openclaw.log";
  // Before the first start the state directory does not exist yet; systemd's StateDirectory= takes it
  // over (and gives it to the tenant's user) when it starts the unit.
  if (!host_.Exists(WorkspacePath(config_, t.id))) {
    if (Status s = host_.MakeDir(WorkspacePath(config_, t.id), 0700); !s) return s;
  }
  return host_.WriteFile(OpenClawConfigPath(config_, t.id), RenderOpenClawConfig(t.openclaw, ctx), 0644);
}

Result<std::string> GatewayPreparer::Token(const std::string& tenant) {
  if (Status s = EnsureToken(vault_, tenant); !s) return s.error();
  auto values = vault_.Deliverable(tenant, /*staged=*/false);
  if (!values) return values.error();
  for (auto& [name, value] : *values)
    if (name == kGatewayTokenSecret) return std::string(value.view());
  return Error::NotFound("no gateway token for tenant '" + tenant + "'");
}

}  // namespace clawhive
