#include "supervisor/openclaw/openclaw_config.h"

#include <algorithm>

#include "supervisor/common/json.h"
#include "supervisor/openclaw/control_ui.h"

namespace clawhive {
namespace {

using clawhive::JsonValue;

JsonValue Obj() { return JsonValue::Object(); }
JsonValue Str(std::string s) { return JsonValue::String(std::move(s)); }
JsonValue Bool(bool b) { return JsonValue::Bool(b); }

// OpenClaw reads "${NAME}" in string values from its environment at start.
std::string EnvRef(const std::string& name) { return "${" + name + "}"; }

// Only the plugins the tenant's settings use load (docs/openclaw.md, "Cold start"): without a list OpenClaw
// loads 14 bundled ones (browser, canvas, cua-computer, github, ollama, xai, ...), each adding start time,
// memory and surface. memory-core: the agent's memory tools. The proxy's dialect needs no plugin for
// openai-completions (measured: a chat turn through the stub with memory-core alone); the other two
// dialects get their vendor's plugin, to be safe (not measured). Enabled channels get theirs (without it
// the config still validates, but the channel's plugin is not loaded); disabled ones need none to validate.
JsonValue PluginAllowList(const OpenClawSettings& s, const OpenClawContext& ctx) {
  std::vector<std::string> ids = {"memory-core"};
  if (ctx.api == "anthropic-messages") ids.push_back("anthropic");
  if (ctx.api == "openai-responses") ids.push_back("openai");
  for (const ChannelSetting& c : s.channels)
    if (c.enabled && std::find(ids.begin(), ids.end(), c.kind) == ids.end()) ids.push_back(c.kind);
  JsonValue allow = JsonValue::Array();
  for (std::string& id : ids) allow.Push(JsonValue::String(std::move(id)));
  return allow;
}

// Telegram's own settings (OpenClaw docs: channels/telegram/access-control.md, transports.md): who may DM
// the bot, and in webhook mode where its listener is and what Telegram is told to call.
void AddTelegram(const ChannelSetting& c, const OpenClawContext& ctx, JsonValue& ch) {
  if (!c.allow_from.empty()) {
    JsonValue ids = JsonValue::Array();
    for (const std::string& id : c.allow_from) ids.Push(Str(id));
    ch.Set("dmPolicy", Str("allowlist"));
    ch.Set("allowFrom", std::move(ids));
  }
  if (c.mode != "webhook" || ctx.telegram_webhook_url.empty() || ctx.telegram_webhook_port == 0) return;
  ch.Set("webhookUrl", Str(ctx.telegram_webhook_url));
  ch.Set("webhookSecret", Str(EnvRef(kTelegramWebhookSecret)));
  ch.Set("webhookPath", Str(kTelegramWebhookPath));
  ch.Set("webhookHost", Str("127.0.0.1"));
  ch.Set("webhookPort", JsonValue::Unsigned(ctx.telegram_webhook_port));
}

}  // namespace

std::string RenderOpenClawConfig(const OpenClawSettings& s, const OpenClawContext& ctx) {
  JsonValue auth = Obj();
  JsonValue control_ui = Obj();
  if (ctx.control_ui_base_path.empty()) {
    auth.Set("mode", Str("token")).Set("token", Str(EnvRef(kGatewayTokenSecret)));
    control_ui.Set("enabled", Bool(false));
  } else {
    // trusted-proxy: the gateway believes kControlUiUserHeader from 127.0.0.1, which inside the tenant's
    // namespace is the bridge, reached on the host through a socket only root opens (the front). OpenClaw
    // refuses a token in this mode; the same secret as its password serves the appliance's own calls
    // (the chat endpoint, probes need none). Devices a browser pairs are approved at once (tenants have no
    // CLI to approve them) with read and write at most: never operator.admin.
    JsonValue scopes = JsonValue::Array();
    scopes.Push(Str("operator.read")).Push(Str("operator.write"));
    JsonValue approve = Obj();
    approve.Set("enabled", Bool(true)).Set("scopes", std::move(scopes));
    JsonValue proxy = Obj();
    proxy.Set("userHeader", Str(kControlUiUserHeader)).Set("allowLoopback", Bool(true)).Set("deviceAutoApprove", std::move(approve));
    auth.Set("mode", Str("trusted-proxy")).Set("password", Str(EnvRef(kGatewayTokenSecret))).Set("trustedProxy", std::move(proxy));
    JsonValue origins = JsonValue::Array();
    origins.Push(Str(kControlUiGatewayOrigin));
    control_ui.Set("enabled", Bool(true)).Set("basePath", Str(ctx.control_ui_base_path)).Set("allowedOrigins", std::move(origins));
  }
  JsonValue endpoints = Obj();
  endpoints.Set("chatCompletions", std::move(Obj().Set("enabled", Bool(true))));
  JsonValue http = Obj();
  http.Set("endpoints", std::move(endpoints));
  JsonValue gateway = Obj();
  gateway.Set("mode", Str("local"));
  gateway.Set("port", JsonValue::Unsigned(ctx.port));
  gateway.Set("bind", Str("loopback"));
  if (!ctx.control_ui_base_path.empty()) {
    JsonValue proxies = JsonValue::Array();
    proxies.Push(Str("127.0.0.1"));
    gateway.Set("trustedProxies", std::move(proxies));
  }
  gateway.Set("auth", std::move(auth));
  gateway.Set("controlUi", std::move(control_ui));
  gateway.Set("http", std::move(http));

  JsonValue models = JsonValue::Array();
  for (const std::string& m : ctx.models) {
    JsonValue model = Obj();
    model.Set("id", Str(m)).Set("name", Str(m)).Set("contextWindow", JsonValue::Unsigned(128000)).Set("maxTokens", JsonValue::Unsigned(4096));
    models.Push(std::move(model));
  }
  JsonValue provider = Obj();
  provider.Set("baseUrl", Str(ctx.proxy_url));
  provider.Set("apiKey", Str(EnvRef("CLAWHIVE_PROXY_TOKEN")));
  provider.Set("api", Str(ctx.api));
  provider.Set("models", std::move(models));
  JsonValue providers = Obj();
  providers.Set(kProviderName, std::move(provider));
  JsonValue model_section = Obj();
  model_section.Set("mode", Str("replace"));
  model_section.Set("catalogRefresh", std::move(Obj().Set("enabled", Bool(false))));
  model_section.Set("providers", std::move(providers));

  std::string model = s.model.empty() && !ctx.models.empty() ? ctx.models.front() : s.model;
  JsonValue defaults = Obj();
  defaults.Set("model", std::move(Obj().Set("primary", Str(std::string(kProviderName) + "/" + model))));
  // "0m" turns the heartbeat off; 30m is OpenClaw's own default when on.
  defaults.Set("heartbeat", std::move(Obj().Set("every", Str(s.heartbeat ? "30m" : "0m"))));
  JsonValue agents = Obj();
  agents.Set("defaults", std::move(defaults));

  JsonValue root = Obj();
  root.Set("gateway", std::move(gateway));
  root.Set("update", std::move(Obj().Set("checkOnStart", Bool(false))));
  root.Set("logging", std::move(Obj().Set("file", Str(ctx.log_file))));
  root.Set("models", std::move(model_section));
  root.Set("agents", std::move(agents));
  if (!s.channels.empty()) {
    JsonValue channels = Obj();
    for (const ChannelSetting& c : s.channels) {
      JsonValue ch = Obj();
      ch.Set("enabled", Bool(c.enabled));
      // Telegram calls it botToken, Discord token (OpenClaw docs: channels/telegram.md, discord.md).
      ch.Set(c.kind == "telegram" ? "botToken" : "token", Str(EnvRef(c.token_secret)));
      if (c.kind == "telegram") AddTelegram(c, ctx, ch);
      channels.Set(c.kind, std::move(ch));
    }
    root.Set("channels", std::move(channels));
  }
  root.Set("plugins", std::move(Obj().Set("allow", PluginAllowList(s, ctx))));
  // No managed proxy routing (`proxy.proxyUrl`): with it OpenClaw 2026.9.5 sends the model calls to the
  // metering proxy on 127.0.0.1 through the egress proxy as well ("gateway-only" exempts only the
  // gateway's own port, and it clears NO_PROXY), where loopback is refused: every chat turn failed
  // (measured, docs/egress.md). The egress proxy reaches OpenClaw through the environment instead
  // (HTTPS_PROXY with NO_PROXY for loopback, tenant_rules.cpp), which Telegram's Bot API client honours;
  // anything that ignores it has no other way out of the tenant's network namespace.
  return root.Serialize() + "\n";
}

}  // namespace clawhive
