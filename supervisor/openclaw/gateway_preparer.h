// GatewayPreparer: what a tenant on an OpenClaw runtime image needs right before each start. Its gateway
// token exists (the managed secret CLAWHIVE_GATEWAY_TOKEN, made once; delivered like any secret and read
// by OpenClaw as ${CLAWHIVE_GATEWAY_TOKEN}); its openclaw.json5 is rendered from the current settings into
// its state directory (rewritten every start, so an edit by the agent itself never outlives a restart);
// a Telegram channel in webhook mode has its webhook secret (CLAWHIVE_TELEGRAM_WEBHOOK_SECRET, made once).
//
// Runs on the supervisor's loop thread (the vault's owner). Plain-command tenants are left alone.
#pragma once

#include <string>
#include <utility>
#include <vector>

#include "supervisor/common/result.h"
#include "supervisor/config/config.h"
#include "supervisor/openclaw/openclaw_config.h"
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
  // The secret Telegram sends with each webhook call (kTelegramWebhookSecret), made by Prepare for a
  // tenant whose Telegram channel is in webhook mode; kNotFound before that.
  Result<std::string> TelegramWebhookSecret(const std::string& tenant);

  // Persona files in the agent's workspace (<state>/workspace/): AGENTS.md, SOUL.md, IDENTITY.md, USER.md,
  // at most kMaxPersonaBytes of UTF-8 text each. Written as the tenant's user (the agent edits them
  // too); OpenClaw reads them at the start of each session, so no restart is needed.
  Status WritePersona(const Tenant& t, const std::string& name, const std::string& content);
  // The files that exist, (name, content), in kPersonaFiles order. One the agent replaced by anything but
  // a regular file of at most kMaxPersonaBytes with a single link fails the whole read (kConflict or
  // kTooLarge, naming the file).
  Result<std::vector<std::pair<std::string, std::string>>> ReadPersona(const Tenant& t);

 private:
  const Config& config_;
  Vault& vault_;
  Host& host_;
};

inline constexpr const char* kPersonaFiles[] = {"AGENTS.md", "SOUL.md", "IDENTITY.md", "USER.md"};
inline constexpr size_t kMaxPersonaBytes = 64 * 1024;

// What RenderOpenClawConfig needs for `t` from the appliance's config: its port, the proxies, the
// models, the log file and, for a Telegram channel in webhook mode, where Telegram calls and where the
// listener is. The start (Prepare) and the check before a change (`openclaw config validate`) both use it.
OpenClawContext GatewayContext(const Config& c, const Tenant& t);
// The environment variables that configuration refers to (${NAME}).
std::vector<std::string> GatewayEnvNames(const Tenant& t);
// A Telegram channel in webhook mode needs api.public_url (what Telegram is told to call) and a port
// step that leaves its listener's port (kTelegramWebhookPortOffset) inside the tenant's block.
Status CheckTelegramWebhook(const Config& c, const OpenClawSettings& s);
// api.public_url + "/v1/hooks/telegram/<id>"; "" without a public URL.
std::string TelegramWebhookUrl(const Config& c, const std::string& id);

// The config's name in the tenant's state directory.
inline constexpr const char* kOpenClawConfigFile = "openclaw.json5";
// <tenants_dir>/<id>/openclaw.json5, as OPENCLAW_CONFIG_PATH in units/clawhive-agent@.service says.
std::string OpenClawConfigPath(const Config& c, const std::string& id);

}  // namespace clawhive
