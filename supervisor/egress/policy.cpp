#include "supervisor/egress/policy.h"

#include <arpa/inet.h>

#include <algorithm>
#include <set>

namespace clawhive::egress {
namespace {

bool IsLiteral(const std::string& host) {
  in6_addr a{};
  return ::inet_pton(AF_INET, host.c_str(), &a) == 1 || ::inet_pton(AF_INET6, host.c_str(), &a) == 1;
}

bool ValidName(std::string_view name) {
  if (name.empty() || name.size() > 253 || name.front() == '.' || name.back() == '.') return false;
  size_t label = 0;
  for (char c : name) {
    if (c == '.') {
      if (label == 0) return false;
      label = 0;
      continue;
    }
    if (!((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-' || c == '_')) return false;
    if (++label > 63) return false;
  }
  return true;
}

// Ports of a rule: "443", "80,443", "*".
bool ParsePorts(std::string_view text, std::vector<uint16_t>* out) {
  if (text == "*") return true;
  size_t at = 0;
  while (at <= text.size()) {
    size_t comma = text.find(',', at);
    std::string_view p = text.substr(at, comma == std::string_view::npos ? std::string_view::npos : comma - at);
    if (p.empty() || p.size() > 5 || p.find_first_not_of("0123456789") != std::string_view::npos) return false;
    unsigned long v = std::stoul(std::string(p));
    if (v == 0 || v > 65535) return false;
    out->push_back(static_cast<uint16_t>(v));
    if (comma == std::string_view::npos) break;
    at = comma + 1;
  }
  return !out->empty() && out->size() <= 16;
}

bool PortIn(const std::vector<uint16_t>& ports, uint16_t port) {
  return ports.empty() || std::find(ports.begin(), ports.end(), port) != ports.end();
}

}  // namespace

Result<HostRule> ParseHostRule(const std::string& text) {
  auto bad = [&](const std::string& why) {
    return Error::Invalid("'" + Printable(text) + "' is not a destination such as api.telegram.org:443 or *.slack.com: " + why);
  };
  if (text.empty() || text.size() > 300) return bad("1 to 300 characters");
  HostRule r;
  r.text = text;
  std::string host;
  std::string_view ports = "443";
  if (text[0] == '[') {
    size_t close = text.find(']');
    if (close == std::string::npos) return bad("no closing ']'");
    host = text.substr(1, close - 1);
    in6_addr a{};
    if (::inet_pton(AF_INET6, host.c_str(), &a) != 1) return bad("not an IPv6 address in brackets");
    char canonical[INET6_ADDRSTRLEN];
    ::inet_ntop(AF_INET6, &a, canonical, sizeof canonical);
    host = canonical;
    if (close + 1 < text.size()) {
      if (text[close + 1] != ':') return bad("expected ':' after ']'");
      ports = std::string_view(text).substr(close + 2);
    }
  } else {
    size_t colon = text.find(':');
    host = text.substr(0, colon);
    if (colon != std::string::npos) ports = std::string_view(text).substr(colon + 1);
    std::transform(host.begin(), host.end(), host.begin(), [](char c) { return c >= 'A' && c <= 'Z' ? char(c - 'A' + 'a') : c; });
    bool ok = host == "*" || IsLiteral(host) || (host.rfind("*.", 0) == 0 ? ValidName(host.substr(2)) : ValidName(host));
    if (!ok) return bad("the host must be a DNS name, *.name, * or an address");
  }
  if (!ParsePorts(ports, &r.ports)) return bad("ports are 1-65535, comma-separated (at most 16), or *");
  r.host = host;
  return r;
}

bool Matches(const HostRule& rule, const std::string& host, uint16_t port) {
  if (!PortIn(rule.ports, port)) return false;
  if (rule.host == "*") return !IsLiteral(host);
  if (rule.host.rfind("*.", 0) == 0) {
    if (IsLiteral(host)) return false;  // "*.3.4" is no way to allow 1.2.3.4
    std::string_view suffix = std::string_view(rule.host).substr(1);  // ".slack.com"
    return host.size() > suffix.size() && host.compare(host.size() - suffix.size(), suffix.size(), suffix) == 0;
  }
  return rule.host == host;
}

bool Covers(const HostRule& outer, const HostRule& inner) {
  if (!outer.ports.empty()) {
    if (inner.ports.empty()) return false;
    for (uint16_t p : inner.ports)
      if (!PortIn(outer.ports, p)) return false;
  }
  if (outer.host == inner.host) return true;
  if (inner.host == "*") return false;
  bool inner_wild = inner.host.rfind("*.", 0) == 0;
  if (outer.host == "*") return !IsLiteral(inner.host);
  if (outer.host.rfind("*.", 0) != 0 || IsLiteral(inner.host)) return false;
  // "*.a.b" covers "x.a.b" and "*.x.a.b"; "*.a.b" does not cover "a.b" itself.
  std::string name = inner_wild ? inner.host.substr(1) : inner.host;  // ".x.a.b" or "x.a.b"
  std::string_view suffix = std::string_view(outer.host).substr(1);
  return name.size() > suffix.size() && name.compare(name.size() - suffix.size(), suffix.size(), suffix) == 0 &&
         (!inner_wild || name.size() > suffix.size());
}

const std::vector<Preset>& Presets() {
  // The hosts each channel's client talks to (its API and, where it has one, its WebSocket gateway and
  // file CDN). Self-hosted channels (Matrix, Mattermost, Nextcloud Talk, ...) have no preset: their
  // server is the customer's, named in an allow rule.
  static const std::vector<Preset> kPresets = {
      {"telegram", "Telegram Bot API", {"api.telegram.org:443"}},
      {"discord", "Discord API, gateway and CDN",
       {"discord.com:443", "gateway.discord.gg:443", "*.discord.gg:443", "cdn.discordapp.com:443",
        "media.discordapp.net:443"}},
      {"slack", "Slack Web API, Socket Mode and files",
       {"slack.com:443", "*.slack.com:443", "*.slack-edge.com:443"}},
      {"msteams", "Microsoft Teams (Bot Framework, Graph)",
       {"login.microsoftonline.com:443", "*.botframework.com:443", "smba.trafficmanager.net:443",
        "graph.microsoft.com:443"}},
      {"googlechat", "Google Chat API",
       {"chat.googleapis.com:443", "oauth2.googleapis.com:443", "www.googleapis.com:443"}},
      {"whatsapp", "WhatsApp Web", {"web.whatsapp.com:443", "*.whatsapp.net:443", "*.whatsapp.com:443"}},
      {"line", "LINE Messaging API", {"api.line.me:443", "api-data.line.me:443"}},
  };
  return kPresets;
}

const Preset* FindPreset(std::string_view name) {
  for (const Preset& p : Presets())
    if (p.name == name) return &p;
  return nullptr;
}

Status Validate(const TenantEgress& t) {
  auto check_list = [](const std::vector<std::string>& list, const char* what) -> Status {
    if (list.size() > kMaxEntries)
      return Error::Invalid(std::string(what) + " may hold at most " + std::to_string(kMaxEntries) + " entries");
    std::set<std::string> seen;
    for (const std::string& e : list)
      if (!seen.insert(e).second) return Error::Invalid(std::string(what) + " lists '" + Printable(e) + "' twice");
    return Status::Ok();
  };
  for (auto [list, what] : {std::pair{&t.presets, "presets"}, {&t.allow, "allow"}, {&t.allow_cidrs, "allow_cidrs"}})
    if (Status s = check_list(*list, what); !s) return s;
  for (const std::string& p : t.presets)
    if (!FindPreset(p)) {
      std::string known;
      for (const Preset& k : Presets()) known += (known.empty() ? "" : ", ") + k.name;
      return Error::Invalid("presets: '" + Printable(p) + "' is not a preset (" + known + ")");
    }
  for (const std::string& r : t.allow)
    if (Result<HostRule> h = ParseHostRule(r); !h) return Error::Invalid("allow: " + h.error().message);
  for (const std::string& c : t.allow_cidrs)
    if (Result<Cidr> b = ParseCidr(c); !b) return Error::Invalid("allow_cidrs: " + b.error().message);
  return Status::Ok();
}

Result<TenantEgress> TenantEgressFromJson(const JsonValue& json) {
  if (!json.is_object()) return Error::Invalid("expected an object with presets, allow and allow_cidrs");
  TenantEgress t;
  for (const auto& [key, value] : json.members()) {
    std::vector<std::string>* out = key == "presets" ? &t.presets
                                    : key == "allow" ? &t.allow
                                    : key == "allow_cidrs" ? &t.allow_cidrs
                                                           : nullptr;
    if (!out) return Error::Invalid("unknown field '" + Printable(key) + "' (presets, allow, allow_cidrs)");
    if (!value.is_array()) return Error::Invalid(key + " must be a list of strings");
    for (const JsonValue& item : value.items()) {
      if (!item.is_string()) return Error::Invalid(key + " must be a list of strings");
      out->push_back(item.string());
    }
  }
  return t;
}

JsonValue ToJson(const TenantEgress& t) {
  JsonValue o = JsonValue::Object();
  for (auto [key, list] : {std::pair{"presets", &t.presets}, {"allow", &t.allow}, {"allow_cidrs", &t.allow_cidrs}}) {
    JsonValue a = JsonValue::Array();
    for (const std::string& s : *list) a.Push(JsonValue::String(s));
    o.Set(key, std::move(a));
  }
  return o;
}

Status CheckTenantAdminChange(const TenantEgress& wanted, const TenantEgress& current, const OperatorEgress& op) {
  if (Status s = Validate(wanted); !s) return s;
  auto had = [](const std::vector<std::string>& list, const std::string& e) {
    return std::find(list.begin(), list.end(), e) != list.end();
  };
  for (const std::string& p : wanted.presets)
    if (!had(current.presets, p) && !had(op.presets, p))
      return Error::Conflict("preset '" + p + "' is not one the operator offers (egress.presets)");
  std::vector<HostRule> outer;
  for (const std::string& r : op.tenant_allow)
    if (Result<HostRule> h = ParseHostRule(r)) outer.push_back(*h);
  for (const std::string& r : wanted.allow) {
    if (had(current.allow, r)) continue;
    HostRule inner = *ParseHostRule(r);
    if (std::none_of(outer.begin(), outer.end(), [&](const HostRule& o) { return Covers(o, inner); }))
      return Error::Conflict("'" + Printable(r) + "' is beyond what the operator lets tenant admins allow (egress.tenant_allow)");
  }
  for (const std::string& c : wanted.allow_cidrs)
    if (!had(current.allow_cidrs, c))
      return Error::Conflict("only an operator may open address blocks (allow_cidrs: '" + Printable(c) + "')");
  return Status::Ok();
}

Policy Policy::For(const OperatorEgress& op, const TenantEgress& tenant, const std::string& tenant_id) {
  Policy p;
  p.tenant_ = tenant_id;
  auto add_rule = [&](const std::string& r) {
    if (Result<HostRule> h = ParseHostRule(r)) p.rules_.push_back(std::move(*h));
  };
  for (const std::string& r : op.allow) add_rule(r);
  for (const std::string& r : tenant.allow) add_rule(r);
  for (const std::string& name : tenant.presets)
    if (const Preset* preset = FindPreset(name))
      for (const std::string& r : preset->rules) add_rule(r);
  for (const auto* list : {&op.allow_cidrs, &tenant.allow_cidrs})
    for (const std::string& c : *list)
      if (Result<Cidr> b = ParseCidr(c)) p.cidrs_.push_back(std::move(*b));
  return p;
}

Decision Policy::AllowsDestination(const std::string& host, uint16_t port) const {
  for (const HostRule& r : rules_)
    if (Matches(r, host, port)) return {true, ""};
  std::string where = host.find(':') != std::string::npos ? "[" + host + "]" : host;
  return {false, where + ":" + std::to_string(port) + " is not on the egress allow list of tenant " + tenant_};
}

Decision Policy::AllowsAddress(const sockaddr* address) const {
  AddressClass c = Classify(address);
  if (c == AddressClass::kPublic) return {true, ""};
  for (const Cidr& b : cidrs_)
    if (Contains(b, address)) return {true, ""};
  return {false, "resolves to " + FormatAddress(address) + ", a " + ToString(c) +
                     " address; only public addresses are reachable unless the operator allows the block"};
}

}  // namespace clawhive::egress
