#include "supervisor/openclaw/gateway_preparer.h"

#include <algorithm>

#include "supervisor/common/json.h"
#include "supervisor/auth/encoding.h"
#include "supervisor/core/tenant_rules.h"
#include "supervisor/openclaw/control_ui.h"
#include "supervisor/openclaw/openclaw_config.h"

namespace clawhive {
namespace {

// A managed random secret `name` of the tenant, made once: `prefix` + base64url of `bytes` random bytes
// (A-Z a-z 0-9 - _ only, which Telegram's secret_token also demands).
Status EnsureSecret(Vault& vault, const std::string& tenant, const char* name, const std::string& prefix, size_t bytes) {
  if (vault.Get(tenant, name)) return Status::Ok();
  Result<std::string> random = auth::RandomBytes(bytes);
  if (!random) return random.error();
  Result<SecretInfo> info = vault.Put(tenant, name, SecretValue(prefix + auth::Base64Encode(*random, true)));
  auth::Wipe(*random);
  if (!info) return info.error();
  uint32_t newest = info->versions.empty() ? 0 : info->versions.front().version;
  if (info->current_version != newest) return vault.Promote(tenant, name, newest);
  return Status::Ok();
}

// "ocg_" marks it for secret scanners, as our other tokens are marked.
Status EnsureToken(Vault& vault, const std::string& tenant) {
  return EnsureSecret(vault, tenant, kGatewayTokenSecret, "ocg_", 24);
}

// The current value of one of the tenant's secrets.
Result<std::string> CurrentValue(Vault& vault, const std::string& tenant, const char* name) {
  auto values = vault.Deliverable(tenant, /*staged=*/false);
  if (!values) return values.error();
  for (auto& [n, value] : *values)
    if (n == name) return std::string(value.view());
  return Error::NotFound("no " + std::string(name) + " for tenant '" + tenant + "'");
}

}  // namespace

OpenClawContext GatewayContext(const Config& c, const Tenant& t) {
  OpenClawContext ctx;
  ctx.port = t.port != 0 ? t.port : c.port_base;  // before allocation (a create's check): the first slot
  ctx.proxy_url = ProxyUrl(c);
  ctx.api = c.openclaw_api;
  ctx.models = c.openclaw_models;
  ctx.log_file = WorkspacePath(c, t.id) + "/logs/openclaw.log";
  if (c.openclaw_control_ui) ctx.control_ui_base_path = ControlUiBasePath(t.id);
  if (TelegramWebhook(t.openclaw) != nullptr) {
    ctx.telegram_webhook_url = TelegramWebhookUrl(c, t.id);
    ctx.telegram_webhook_port = TelegramWebhookPort(ctx.port, t.openclaw);
  }
  return ctx;
}

std::vector<std::string> GatewayEnvNames(const Tenant& t) {
  std::vector<std::string> env = {kGatewayTokenSecret, "CLAWHIVE_PROXY_TOKEN"};
  for (const ChannelSetting& ch : t.openclaw.channels) env.push_back(ch.token_secret);
  if (TelegramWebhook(t.openclaw) != nullptr) env.push_back(kTelegramWebhookSecret);
  return env;
}

Status CheckTelegramWebhook(const Config& c, const OpenClawSettings& s) {
  if (TelegramWebhook(s) == nullptr) return Status::Ok();
  if (c.public_url.empty())
    return Error::Invalid("openclaw.channels: a telegram channel in webhook mode needs the appliance's public URL "
                          "(api.public_url in /etc/clawhive/clawhive.yaml), which Telegram calls; use mode polling, "
                          "or ask the operator to set it");
  if (c.port_step <= kTelegramWebhookPortOffset)
    return Error::Invalid("openclaw.channels: a telegram channel in webhook mode needs tenant_defaults.port_step above " +
                          std::to_string(kTelegramWebhookPortOffset) + " (it is " + std::to_string(c.port_step) +
                          "): its listener takes port + " + std::to_string(kTelegramWebhookPortOffset));
  return Status::Ok();
}

std::string TelegramWebhookUrl(const Config& c, const std::string& id) {
  return c.public_url.empty() ? "" : c.public_url + "/v1/hooks/telegram/" + id;
}

std::string OpenClawConfigPath(const Config& c, const std::string& id) {
  return WorkspacePath(c, id) + "/" + kOpenClawConfigFile;
}

Status GatewayPreparer::Prepare(const Tenant& t) {
  if (t.runtime.empty()) return Status::Ok();
  if (Status s = EnsureToken(vault_, t.id); !s) return Error{s.error().code, "gateway token: " + s.error().message};
  if (TelegramWebhook(t.openclaw) != nullptr) {
    if (Status s = EnsureSecret(vault_, t.id, kTelegramWebhookSecret, "tgw_", 32); !s)
      return Error{s.error().code, "Telegram webhook secret: " + s.error().message};
  }
  const OpenClawContext ctx = GatewayContext(config_, t);
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
  return CurrentValue(vault_, tenant, kGatewayTokenSecret);
}

Result<std::string> GatewayPreparer::TelegramWebhookSecret(const std::string& tenant) {
  if (!vault_.Get(tenant, kTelegramWebhookSecret)) return Error::NotFound("no Telegram webhook secret for tenant '" + tenant + "'");
  return CurrentValue(vault_, tenant, kTelegramWebhookSecret);
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
