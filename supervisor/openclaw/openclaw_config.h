// The OpenClaw gateway's configuration for one tenant (openclaw.json5 in its state directory), rendered
// by the supervisor before every start. Pure; the result is JSON (valid JSON5).
//
// What it fixes, whatever the tenant chose (from docs/openclaw.md and ../shared/facts/openclaw.md):
// local mode on loopback at the tenant's port; token auth with ${CLAWHIVE_GATEWAY_TOKEN} (a managed
// secret) and no Control UI, or, with the UI on (openclaw.control_ui), trusted-proxy auth believing the
// front's identity header, with the same secret as the password the appliance's own calls present
// (the UI's files cost 54 MB per tenant); the update check and the
// model catalog refresh off (no internet at run time); its log file inside the tenant's state; the model
// provider replaced by the metering proxy with ${CLAWHIVE_PROXY_TOKEN}; the OpenAI-compatible chat endpoint
// on (how the tenant's clients and our tests talk to it). What the tenant chose: the model (within the
// operator's list), the heartbeat, chat channels whose bot tokens come from its own secrets, Telegram's
// mode (polling, or a webhook reached through the appliance's front) and who may DM the bot.
// plugins.allow: only the plugins those settings use (memory-core, the enabled channels' plugins, the
// proxy dialect's vendor plugin where it needs one), for start time and surface (docs/openclaw.md).
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "supervisor/tenant/openclaw_settings.h"

namespace clawhive {

inline constexpr const char* kGatewayTokenSecret = "CLAWHIVE_GATEWAY_TOKEN";
inline constexpr const char* kProviderName = "clawhive";  // OpenClaw's name for the metering proxy

struct OpenClawContext {
  uint16_t port = 0;
  std::string proxy_url;                    // "http://127.0.0.1:8480/v1"
  std::string api = "openai-completions";   // the proxy's dialect
  std::vector<std::string> models;          // the operator's list; the first is the default
  std::string log_file;                     // inside the tenant's state directory
  // A Telegram channel in webhook mode: the URL Telegram is told to call (api.public_url +
  // /v1/hooks/telegram/<id>) and the listener's loopback port (TelegramWebhookPort). Either empty/0:
  // the channel is rendered as it would poll.
  std::string telegram_webhook_url;
  uint16_t telegram_webhook_port = 0;
  // OpenClaw's Control UI behind the front (openclaw/control_ui.h): its base path
  // (ControlUiBasePath(<id>)); "" = no UI, token auth.
  std::string control_ui_base_path;
};

// The managed secret OpenClaw's webhook listener and the appliance's front both check Telegram's
// X-Telegram-Bot-Api-Secret-Token against (made by GatewayPreparer for a tenant in webhook mode).
inline constexpr const char* kTelegramWebhookSecret = "CLAWHIVE_TELEGRAM_WEBHOOK_SECRET";
// The path of OpenClaw's webhook listener (its default; the listener compares the whole request path).
inline constexpr const char* kTelegramWebhookPath = "/telegram-webhook";

std::string RenderOpenClawConfig(const OpenClawSettings& settings, const OpenClawContext& ctx);

}  // namespace clawhive
