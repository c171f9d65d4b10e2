// OpenClawSettings: what a tenant may choose about its OpenClaw gateway (model, heartbeat, chat channels).
// Everything else in the gateway's config is the appliance's (supervisor/openclaw/openclaw_config.h).
//
// Stored with the tenant as JSON (EncodeOpenClawSettings), strict to read back; validated against the
// operator's list of allowed models. Plain values, no I/O.
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "supervisor/common/result.h"

namespace clawhive {

// A chat channel the gateway connects to. The bot token is never here: `token_secret` names the tenant
// secret that holds it (delivered to the agent's environment like any secret, read by OpenClaw as
// ${NAME} in its config).
struct ChannelSetting {
  std::string kind;          // "telegram" or "discord"
  bool enabled = true;
  std::string token_secret;  // e.g. "TELEGRAM_BOT_TOKEN"; [A-Z_][A-Z0-9_]*, not CLAWHIVE_*
  bool operator==(const ChannelSetting&) const = default;
};

struct OpenClawSettings {
  std::string model;   // one of the operator's openclaw.models; "" = the first of them
  bool heartbeat = false;  // OpenClaw's 30-minute heartbeat turn (spends tokens); off unless asked for
  std::vector<ChannelSetting> channels;  // at most one per kind
  bool operator==(const OpenClawSettings&) const = default;
};

inline constexpr const char* kChannelKinds[] = {"telegram", "discord"};

// {"model":"...","heartbeat":false,"channels":[{"kind":"telegram","enabled":true,"token_secret":"..."}]}
std::string EncodeOpenClawSettings(const OpenClawSettings& s);
// Unknown fields and wrong types are errors (kInvalidArgument naming the field).
Result<OpenClawSettings> DecodeOpenClawSettings(std::string_view json);
// Model allowed, channel kinds known and unique, token secret names well-formed.
Status ValidateOpenClawSettings(const OpenClawSettings& s, const std::vector<std::string>& allowed_models);

}  // namespace clawhive
