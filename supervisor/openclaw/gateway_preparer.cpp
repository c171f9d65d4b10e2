#include "supervisor/openclaw/gateway_preparer.h"

#include <algorithm>

#include "supervisor/common/json.h"
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
  return WorkspacePath(c, id) + "/" + kOpenClawConfigFile;
}

Status GatewayPreparer::Prepare(const Tenant& t) {
  if (t.runtime.empty()) return Status::Ok();
  if (Status s = EnsureToken(vault_, t.id); !s) return Error{s.error().code, "gateway token: " + s.error().message};
  OpenClawContext ctx;
  ctx.port = t.port;
  ctx.proxy_url = ProxyUrl(config_);
  ctx.egress_proxy_url = EgressProxyUrl(config_);
  ctx.api = config_.openclaw_api;
  ctx.models = config_.openclaw_models;
  ctx.log_file = WorkspacePath(config_, t.id) + "/logs/openclaw.log";
  // Before the first start the state directory does not exist yet; systemd's StateDirectory= takes it
  // over (and gives it to the tenant's user) when it starts the unit. The config stays root's, 0644: the
  // agent reads it. Both through the tenant-file methods: the tenant owns that tree (host.h).
  const std::string base = WorkspacePath(config_, t.id);
  if (Status s = host_.MakeTenantDir(base, "", {.uid = 0, .gid = 0, .mode = 0700}); !s) return s;
  return host_.WriteTenantFile(base, kOpenClawConfigFile, RenderOpenClawConfig(t.openclaw, ctx),
                               {.uid = 0, .gid = 0, .mode = 0644});
}

Result<std::string> GatewayPreparer::Token(const std::string& tenant) {
  if (Status s = EnsureToken(vault_, tenant); !s) return s.error();
  auto values = vault_.Deliverable(tenant, /*staged=*/false);
  if (!values) return values.error();
  for (auto& [name, value] : *values)
    if (name == kGatewayTokenSecret) return std::string(value.view());
  return Error::NotFound("no gateway token for tenant '" + tenant + "'");
}

Status GatewayPreparer::WritePersona(const Tenant& t, const std::string& name, const std::string& content) {
  if (std::find(std::begin(kPersonaFiles), std::end(kPersonaFiles), name) == std::end(kPersonaFiles))
    return Error::NotFound("no persona file '" + Printable(name) + "'; the files are AGENTS.md, SOUL.md, "
                           "IDENTITY.md and USER.md");
  if (content.size() > kMaxPersonaBytes)
    return Error{ErrorCode::kTooLarge, name + " is " + std::to_string(content.size()) + " bytes; at most " +
                                           std::to_string(kMaxPersonaBytes)};
  for (size_t i = 0; i < content.size();) {
    char32_t cp = 0;
    size_t n = DecodeUtf8(content, i, &cp);
    if (n == 0 || (cp < 0x20 && cp != '\n' && cp != '\t' && cp != '\r'))
      return Error::Invalid(name + " must be UTF-8 text without control characters");
    i += n;
  }
  // Made as root and given to the tenant's user (the agent must be able to write beside them), through
  // the tenant-file methods: a planted `workspace` symlink or USER.md link is refused or replaced, never
  // followed (host.h).
  const std::string base = WorkspacePath(config_, t.id);
  if (Status s = host_.MakeTenantDir(base, "workspace", {.uid = t.uid, .gid = t.uid, .mode = 0700}); !s) return s;
  return host_.WriteTenantFile(base, "workspace/" + name, content, {.uid = t.uid, .gid = t.uid, .mode = 0600});
}

Result<std::vector<std::pair<std::string, std::string>>> GatewayPreparer::ReadPersona(const Tenant& t) {
  std::vector<std::pair<std::string, std::string>> files;
  for (const char* name : kPersonaFiles) {
    // At most kMaxPersonaBytes, as written: a symlink, hard link, FIFO or device the agent put there is
    // refused with a message naming the file; its content is never read.
    Result<std::string> text =
        host_.ReadTenantFile(WorkspacePath(config_, t.id), std::string("workspace/") + name, kMaxPersonaBytes);
    if (text) files.emplace_back(name, std::move(*text));
    else if (text.error().code != ErrorCode::kNotFound) return text.error();
  }
  return files;
}

}  // namespace clawhive
