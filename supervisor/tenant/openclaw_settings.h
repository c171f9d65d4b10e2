// OpenClawSettings: what a tenant may choose about its OpenClaw gateway (model, heartbeat, chat channels).
// Everything else in the gateway's config is the appliance's (supervisor/openclaw/openclaw_config.h).
//
// Stored with the tenant as JSON (EncodeOpenClawSettings), strict to read back; validated against the
// operator's list of allowed models. Plain values, no I/O.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "supervisor/common/result.h"

namespace clawhive {

// A chat channel the gateway connects to. The bot token is never here: `token_secret` names the tenant
// secret that holds it (delivered to the agent's environment like any secret, read by OpenClaw as
// ${NAME} in its config).
struct ChannelSetting {
  ChannelSetting() = default;
  ChannelSetting(std::string kind_, bool enabled_, std::string token_secret_)
      : kind(std::move(kind_)), enabled(enabled_), token_secret(std::move(token_secret_)) {}

  std::string kind;          // "telegram" or "discord"
  bool enabled = true;
  std::string token_secret;  // e.g. "TELEGRAM_BOT_TOKEN"; [A-Z_][A-Z0-9_]*, not CLAWHIVE_*
  // Telegram only. How updates arrive: "polling" (the agent long-polls the Bot API through the egress
  // proxy) or "webhook" (Telegram calls the appliance's front, which passes each update to the agent;
  // needs api.public_url). Who may DM the bot: numeric Telegram user ids (at most 64); empty leaves
  // OpenClaw's default, pairing, whose approval needs OpenClaw's CLI.
  std::string mode = "polling";
  std::vector<std::string> allow_from;
  bool operator==(const ChannelSetting&) const = default;
};

struct OpenClawSettings {
  std::string model;   // one of the operator's openclaw.models; "" = the first of them
  bool heartbeat = false;  // OpenClaw's 30-minute heartbeat turn (spends tokens); off unless asked for
  std::vector<ChannelSetting> channels;  // at most one per kind
  bool operator==(const OpenClawSettings&) const = default;
};

inline constexpr const char* kChannelKinds[] = {"telegram", "discord"};
inline constexpr size_t kMaxAllowFrom = 64;

// The tenant's Telegram channel when it is enabled and in webhook mode; nullptr otherwise.
const ChannelSetting* TelegramWebhook(const OpenClawSettings& s);
// Where the gateway's Telegram webhook listener is, on its own loopback and (through the gateway socket)
// the host's: the tenant's port + kTelegramWebhookPortOffset, in the gap of its port block that OpenClaw
// leaves free (it uses port, port+2, port+9..port+108). 0 when the channel is not in webhook mode or the
// port would pass 65535.
inline constexpr uint16_t kTelegramWebhookPortOffset = 110;
uint16_t TelegramWebhookPort(uint16_t gateway_port, const OpenClawSettings& s);

// {"model":"...","heartbeat":false,"channels":[{"kind":"telegram","enabled":true,"token_secret":"...",
//  "mode":"polling","allow_from":[]}]} (mode and allow_from on telegram channels only)
std::string EncodeOpenClawSettings(const OpenClawSettings& s);
// Unknown fields and wrong types are errors (kInvalidArgument naming the field).
Result<OpenClawSettings> DecodeOpenClawSettings(std::string_view json);
// Model allowed, channel kinds known and unique, token secret names well-formed, Telegram's mode and
// user ids well-formed (and neither given for another kind).
Status ValidateOpenClawSettings(const OpenClawSettings& s, const std::vector<std::string>& allowed_models);

}  // namespace clawhive
