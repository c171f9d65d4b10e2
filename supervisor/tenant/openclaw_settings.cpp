#include "supervisor/tenant/openclaw_settings.h"

#include <algorithm>
#include <optional>

#include "supervisor/common/json.h"

namespace clawhive {
namespace {

using clawhive::JsonValue;

Error Bad(const std::string& field, const std::string& what) {
  return Error::Invalid("openclaw." + field + ": " + what);
}

bool SecretNameOk(const std::string& n) {
  if (n.empty() || n.size() > 128 || n.rfind("CLAWHIVE_", 0) == 0) return false;
  if (!(n[0] == '_' || (n[0] >= 'A' && n[0] <= 'Z'))) return false;
  return std::all_of(n.begin(), n.end(), [](char c) { return c == '_' || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9'); });
}

// Telegram user ids are positive integers (up to 52 bits today); bots and chats are not users.
bool UserIdOk(const std::string& id) {
  return !id.empty() && id.size() <= 20 && id[0] != '0' &&
         std::all_of(id.begin(), id.end(), [](char c) { return c >= '0' && c <= '9'; });
}

Status Known(const JsonValue& object, const std::string& where, std::initializer_list<std::string_view> fields) {
  for (const auto& [key, value] : object.members()) {
    if (std::find(fields.begin(), fields.end(), key) == fields.end())
      return Bad(where.empty() ? key : where + "." + key, "unknown field");
  }
  return Status::Ok();
}

}  // namespace

std::string EncodeOpenClawSettings(const OpenClawSettings& s) {
  JsonValue channels = JsonValue::Array();
  for (const ChannelSetting& c : s.channels) {
    JsonValue one = JsonValue::Object();
    one.Set("kind", JsonValue::String(c.kind));
    one.Set("enabled", JsonValue::Bool(c.enabled));
    one.Set("token_secret", JsonValue::String(c.token_secret));
    if (c.kind == "telegram") {
      one.Set("mode", JsonValue::String(c.mode));
      JsonValue ids = JsonValue::Array();
      for (const std::string& id : c.allow_from) ids.Push(JsonValue::String(id));
      one.Set("allow_from", std::move(ids));
    }
    channels.Push(std::move(one));
  }
  JsonValue v = JsonValue::Object();
  v.Set("model", JsonValue::String(s.model));
  v.Set("heartbeat", JsonValue::Bool(s.heartbeat));
  v.Set("channels", std::move(channels));
  return v.Serialize();
}

Result<OpenClawSettings> DecodeOpenClawSettings(std::string_view json) {
  Result<JsonValue> v = ParseJson(json);
  if (!v) return v.error();
  if (!v->is_object()) return Error::Invalid("openclaw: expected an object, got " + std::string(v->kind_name()));
  if (Status s = Known(*v, "", {"model", "heartbeat", "channels"}); !s) return s.error();
  OpenClawSettings out;
  if (const JsonValue* m = v->Find("model")) {
    if (!m->is_string()) return Bad("model", "expected a string");
    out.model = m->string();
  }
  if (const JsonValue* h = v->Find("heartbeat")) {
    if (h->kind() != JsonValue::Kind::kBool) return Bad("heartbeat", "expected true or false");
    out.heartbeat = h->boolean();
  }
  if (const JsonValue* list = v->Find("channels")) {
    if (!list->is_array()) return Bad("channels", "expected a list");
    if (list->items().size() > 8) return Bad("channels", "at most 8");
    for (size_t i = 0; i < list->items().size(); ++i) {
      const JsonValue& c = list->items()[i];
      std::string where = "channels[" + std::to_string(i) + "]";
      if (!c.is_object()) return Bad(where, "expected an object");
      if (Status s = Known(c, where, {"kind", "enabled", "token_secret", "mode", "allow_from"}); !s) return s.error();
      ChannelSetting ch;
      const JsonValue* kind = c.Find("kind");
      if (!kind || !kind->is_string()) return Bad(where + ".kind", "expected \"telegram\" or \"discord\"");
      ch.kind = kind->string();
      if (const JsonValue* e = c.Find("enabled")) {
        if (e->kind() != JsonValue::Kind::kBool) return Bad(where + ".enabled", "expected true or false");
        ch.enabled = e->boolean();
      }
      const JsonValue* token = c.Find("token_secret");
      if (!token || !token->is_string()) return Bad(where + ".token_secret", "expected the name of a tenant secret");
      ch.token_secret = token->string();
      if (const JsonValue* mode = c.Find("mode")) {
        if (!mode->is_string()) return Bad(where + ".mode", "expected \"polling\" or \"webhook\"");
        ch.mode = mode->string();
      }
      if (const JsonValue* ids = c.Find("allow_from")) {
        if (!ids->is_array()) return Bad(where + ".allow_from", "expected a list of Telegram user ids");
        if (ids->items().size() > kMaxAllowFrom) return Bad(where + ".allow_from", "at most " + std::to_string(kMaxAllowFrom));
        for (const JsonValue& id : ids->items()) {
          // Numbers too: a client may send a user id as the number Telegram shows.
          if (id.is_string()) ch.allow_from.push_back(id.string());
          else if (std::optional<uint64_t> n = id.AsUnsigned()) ch.allow_from.push_back(std::to_string(*n));
          else return Bad(where + ".allow_from", "expected Telegram user ids such as \"123456789\"");
        }
      }
      out.channels.push_back(std::move(ch));
    }
  }
  return out;
}

const ChannelSetting* TelegramWebhook(const OpenClawSettings& s) {
  for (const ChannelSetting& c : s.channels)
    if (c.kind == "telegram" && c.enabled && c.mode == "webhook") return &c;
  return nullptr;
}

uint16_t TelegramWebhookPort(uint16_t gateway_port, const OpenClawSettings& s) {
  if (TelegramWebhook(s) == nullptr || gateway_port == 0) return 0;
  uint32_t port = uint32_t{gateway_port} + kTelegramWebhookPortOffset;
  return port > 65535 ? 0 : static_cast<uint16_t>(port);
}

Status ValidateOpenClawSettings(const OpenClawSettings& s, const std::vector<std::string>& allowed) {
  if (!s.model.empty() && std::find(allowed.begin(), allowed.end(), s.model) == allowed.end()) {
    std::string list;
    for (const auto& m : allowed) list += (list.empty() ? "" : ", ") + m;
    return Bad("model", "'" + Printable(s.model) + "' is not offered on this appliance; choose one of: " + list);
  }
  for (size_t i = 0; i < s.channels.size(); ++i) {
    const ChannelSetting& c = s.channels[i];
    std::string where = "channels[" + std::to_string(i) + "]";
    if (std::find(std::begin(kChannelKinds), std::end(kChannelKinds), c.kind) == std::end(kChannelKinds))
      return Bad(where + ".kind", "'" + Printable(c.kind) + "' is not supported; use telegram or discord");
    for (size_t j = 0; j < i; ++j)
      if (s.channels[j].kind == c.kind) return Bad(where + ".kind", c.kind + " is listed twice");
    if (!SecretNameOk(c.token_secret))
      return Bad(where + ".token_secret", "'" + Printable(c.token_secret) +
                                              "' is not a secret name ([A-Z_][A-Z0-9_]*, not CLAWHIVE_*)");
    if (c.kind != "telegram") {
      if (c.mode != "polling") return Bad(where + ".mode", "only telegram channels have a mode");
      if (!c.allow_from.empty()) return Bad(where + ".allow_from", "only telegram channels take allow_from");
      continue;
    }
    if (c.mode != "polling" && c.mode != "webhook")
      return Bad(where + ".mode", "'" + Printable(c.mode) + "' is not a mode; use polling or webhook");
    if (c.allow_from.size() > kMaxAllowFrom) return Bad(where + ".allow_from", "at most " + std::to_string(kMaxAllowFrom));
    for (const std::string& id : c.allow_from)
      if (!UserIdOk(id))
        return Bad(where + ".allow_from", "'" + Printable(id) + "' is not a Telegram user id (1 to 20 digits)");
  }
  return Status::Ok();
}

}  // namespace clawhive
