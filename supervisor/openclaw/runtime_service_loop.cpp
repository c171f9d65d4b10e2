#include "supervisor/openclaw/runtime_service_loop.h"

#include <algorithm>
#include <map>

#include "supervisor/core/loop_tenant_service.h"
#include "supervisor/core/tenant_rules.h"
#include "supervisor/openclaw/openclaw_config.h"
#include "supervisor/tenant/gateway_socket.h"

namespace clawhive {
namespace {

ImageView ViewOf(const images::ImageInfo& info, const std::map<std::string, std::vector<std::string>>& users) {
  ImageView v;
  v.id = info.id;
  v.problem = info.problem;
  v.disk_bytes = info.disk_bytes;
  if (info.problem.empty()) {
    v.name = info.manifest.name;
    v.version = info.manifest.version;
    v.node_version = info.manifest.node_version;
    v.content_sha256 = info.manifest.content_sha256;
    v.built_at = info.manifest.built_at;
  }
  if (auto it = users.find(info.id); it != users.end()) v.used_by = it->second;
  return v;
}

std::map<std::string, std::vector<std::string>> UsersByImage(const std::vector<Tenant>& tenants) {
  std::map<std::string, std::vector<std::string>> users;
  for (const Tenant& t : tenants)
    if (!t.runtime.empty()) users[t.runtime].push_back(t.id);
  for (auto& [id, list] : users) std::sort(list.begin(), list.end());
  return users;
}

}  // namespace

Result<RuntimeImage> StoreCatalog::Find(const std::string& id) {
  Result<images::ImageInfo> info = store_.Get(id);
  if (!info) {
    if (info.error().code != ErrorCode::kNotFound) return info.error();
    std::string have;
    if (auto all = store_.List())
      for (const auto& i : *all) have += (have.empty() ? "" : ", ") + i.id;
    return Error::NotFound("no runtime image '" + id + "'" + (have.empty() ? "; none is imported" : "; imported: " + have));
  }
  if (!info->problem.empty()) return Error::Invalid("runtime image '" + id + "' is damaged: " + info->problem);
  return RuntimeImage{info->id, info->manifest.version, info->path + "/" + info->manifest.node,
                      info->path + "/" + info->manifest.entry};
}

Result<std::vector<ImageView>> LoopRuntimeService::Images() {
  images::ImageStore store(images_dir_);
  auto list = store.List();
  if (!list) return list.error();
  auto tenants = CallOnLoop<Result<std::vector<Tenant>>>(loop_, timeout_, [this] {
    return Result<std::vector<Tenant>>(supervisor_.Tenants());
  });
  if (!tenants) return tenants.error();
  auto users = UsersByImage(*tenants);
  std::vector<ImageView> out;
  for (const auto& info : *list) out.push_back(ViewOf(info, users));
  return out;
}

Result<ImageView> LoopRuntimeService::Import(const std::string& path, const std::string& sha256) {
  if (path.empty() || path[0] != '/') return Error::Invalid("path must be an absolute path on the appliance");
  images::ImageStore store(images_dir_);
  if (Status s = store.Open(); !s) return s.error();
  images::ImportOptions options;
  if (!sha256.empty()) options.expected_sha256 = sha256;
  auto result = store.Import(path, options);
  if (!result) return result.error();
  return ViewOf(result->image, {});
}

Status LoopRuntimeService::Remove(const std::string& id) {
  // The check and the rename on the loop thread, so no tenant can take the image up in between; the
  // deletion (tens of thousands of files) here, on the request's thread, so the loop never waits for it.
  Status retired = CallOnLoop<Status>(loop_, timeout_, [this, id] {
    images::ImageStore store(images_dir_);
    auto users = UsersByImage(supervisor_.Tenants());
    return store.Retire(id, [&](const std::string& image) {
      auto it = users.find(image);
      return it == users.end() ? std::vector<std::string>{} : it->second;
    });
  });
  if (!retired) return retired;
  images::ImageStore store(images_dir_);
  return store.Open();
}

Result<FleetUpdate> LoopRuntimeService::StartUpdate(const FleetRequest& request) {
  return CallOnLoop<Result<FleetUpdate>>(loop_, timeout_, [this, request] { return fleet_.Start(request); });
}

Result<std::vector<FleetUpdate>> LoopRuntimeService::Updates(size_t limit) {
  return CallOnLoop<Result<std::vector<FleetUpdate>>>(loop_, timeout_, [this, limit] { return fleet_.List(limit); });
}

Result<FleetUpdate> LoopRuntimeService::Update(int64_t id) {
  return CallOnLoop<Result<FleetUpdate>>(loop_, timeout_, [this, id] { return fleet_.Get(id); });
}

std::string LoopRuntimeService::Target() {
  auto t = CallOnLoop<Result<std::string>>(loop_, timeout_, [this] { return Result<std::string>(fleet_.Target()); });
  return t ? *t : std::string();
}

Result<GatewayAccess> LoopRuntimeService::Gateway(const std::string& tenant) {
  return CallOnLoop<Result<GatewayAccess>>(loop_, timeout_, [this, tenant]() -> Result<GatewayAccess> {
    for (const Tenant& t : supervisor_.Tenants()) {
      if (t.id != tenant) continue;
      if (t.runtime.empty()) return Error::Conflict("tenant '" + tenant + "' runs no OpenClaw gateway");
      Result<std::string> token = gateways_.Token(tenant);
      if (!token) return token.error();
      return GatewayAccess{GatewaySocketPath(kGatewaySocketDir, t.id, t.port), *token};
    }
    return Error::NotFound("no tenant '" + tenant + "'");
  });
}

Result<TelegramWebhookTarget> LoopRuntimeService::TelegramWebhook(const std::string& tenant) {
  return CallOnLoop<Result<TelegramWebhookTarget>>(loop_, timeout_, [this, tenant]() -> Result<TelegramWebhookTarget> {
    for (const Tenant& t : supervisor_.Tenants()) {
      if (t.id != tenant) continue;
      uint16_t port = t.runtime.empty() ? 0 : TelegramWebhookPort(t.port, t.openclaw);
      if (port == 0 || config_.public_url.empty()) break;
      Result<std::string> secret = gateways_.TelegramWebhookSecret(tenant);
      if (!secret) return secret.error();
      return TelegramWebhookTarget{port, std::move(*secret)};
    }
    return Error::NotFound("no Telegram webhook for tenant '" + tenant + "'");
  });
}

Status LoopRuntimeService::CheckTenantConfig(const std::string& id, const std::optional<Tenant>& tenant,
                                             const TenantPatch& patch) {
  if (!patch.runtime && !patch.openclaw) return Status::Ok();
  Tenant t = MergePatch(tenant ? *tenant : DefaultTenant(id, config_), patch);
  // The appliance's own settings first: they decide whatever image the tenant runs, or gets later.
  if (Status s = CheckTelegramWebhook(config_, t.openclaw); !s) return s;
  if (t.runtime.empty()) return Status::Ok();
  if (Status s = ValidateOpenClawSettings(t.openclaw, config_.openclaw_models); !s) return s;
  StoreCatalog catalog(images_dir_);
  Result<RuntimeImage> image = catalog.Find(t.runtime);
  if (!image) return image.error();
  auto issues = validator_.Validate(*image, RenderOpenClawConfig(t.openclaw, GatewayContext(config_, t)), GatewayEnvNames(t));
  if (!issues) return Error{issues.error().code, "could not check the OpenClaw configuration: " + issues.error().message};
  if (issues->empty()) return Status::Ok();
  std::string text;
  for (const ConfigIssue& i : *issues) text += (text.empty() ? "" : "; ") + (i.path.empty() ? "" : i.path + ": ") + i.message;
  return Error::Invalid("OpenClaw " + image->version + " would refuse this configuration (nothing was changed): " + text);
}

Status LoopRuntimeService::PutPersona(const std::string& tenant, const std::string& name, const std::string& content) {
  return CallOnLoop<Status>(loop_, timeout_, [this, tenant, name, content]() -> Status {
    for (const Tenant& t : supervisor_.Tenants())
      if (t.id == tenant) return gateways_.WritePersona(t, name, content);
    return Error::NotFound("no tenant '" + tenant + "'");
  });
}

Result<std::vector<std::pair<std::string, std::string>>> LoopRuntimeService::Persona(const std::string& tenant) {
  using Files = std::vector<std::pair<std::string, std::string>>;
  return CallOnLoop<Result<Files>>(loop_, timeout_, [this, tenant]() -> Result<Files> {
    for (const Tenant& t : supervisor_.Tenants())
      if (t.id == tenant) return gateways_.ReadPersona(t);
    return Error::NotFound("no tenant '" + tenant + "'");
  });
}

}  // namespace clawhive
