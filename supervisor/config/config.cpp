#include "supervisor/config/config.h"

#include <arpa/inet.h>

#include <algorithm>
#include <limits>
#include <map>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "supervisor/common/yaml_walker.h"
#include "supervisor/images/manifest.h"

namespace clawhive {
namespace {

constexpr uint64_t kMaxUid = 4294967294u;  // (uid_t)-1 is "no uid"
constexpr uint64_t kMinUid = 1000;         // below: system users
constexpr uint64_t kAny = std::numeric_limits<uint64_t>::max();

const YamlDocument kConfigDocument{"the config", "a config file"};

std::string_view Trim(std::string_view s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t')) s.remove_suffix(1);
  return s;
}

// Decimal, at most 10 digits (a uid is 32 bits; the range check says which end is too large).
bool ParseUid(std::string_view s, uint64_t* out) {
  s = Trim(s);
  if (s.empty() || s.size() > 10 || !std::all_of(s.begin(), s.end(), [](char c) { return c >= '0' && c <= '9'; }))
    return false;
  *out = std::stoull(std::string(s));
  return true;
}

Status CheckPreset(const std::string& name) {
  if (egress::FindPreset(name)) return Status::Ok();
  std::string known;
  for (const egress::Preset& p : egress::Presets()) known += (known.empty() ? "" : ", ") + p.name;
  return Error::Invalid("'" + YamlWalker::Echo(name) + "' is not a preset (" + known + ")");
}
Status CheckRule(const std::string& rule) {
  Result<egress::HostRule> r = egress::ParseHostRule(rule);
  return r ? Status::Ok() : Status(r.error());
}
Status CheckCidr(const std::string& block) {
  Result<egress::Cidr> r = egress::ParseCidr(block);
  return r ? Status::Ok() : Status(r.error());
}

// The settings of clawhive.yaml, read with the shared walker's getters; the checks here are the
// config's own (loopback-only plain HTTP, uid ranges, environment names, model ids, cross-field rules).
class Loader : public YamlWalker {
 public:
  explicit Loader(const std::string& file) : YamlWalker(file, kConfigDocument) {}
  bool Load(Node root, Config* c);

 private:
  bool Listen(Node key, Node value, Path path, std::string* address, uint16_t* port);
  bool PlainHttp(Node key, Node value, Path path, Config* c);
  bool PublicUrl(Node key, Node value, Path path, std::string* out);
  bool ExtraCaFile(Node key, Node value, Path path, std::string* out);
  bool ProxyListen(Node key, Node value, Path path, Config* c);
  bool EgressListen(Node key, Node value, Path path, Config* c);
  bool EgressList(Node key, Node value, Path path, Status (*check)(const std::string&), std::vector<std::string>* out);
  bool Name(Node key, Node value, Path path, std::string* out);
  bool UidRange(Node key, Node value, Path path, Config* c);
  bool Args(Node key, Node value, Path path, std::vector<std::string>* out);
  bool Env(Node key, Node value, Path path, std::vector<std::pair<std::string, std::string>>* out);
  bool HealthPath(Node key, Node value, Path path, std::string* out);
  bool ImageId(Node key, Node value, Path path, std::string* out);
  bool AgentExec(Node key, Node value, Path path, std::string* out);
  bool Models(Node key, Node value, Path path, std::vector<std::string>* out);
  bool ModelApi(Node key, Node value, Path path, std::string* out);
  bool CrossCheck(const Config& c);
};

bool Loader::Listen(Node key, Node value, Path path, std::string* address,
                    uint16_t* port_out) {
  HostPort hp;
  if (!Address(key, value, path, "127.0.0.1:8470 or [::1]:8470", "\"[::1]:8470\"", &hp)) return false;
  *address = hp.host;
  *port_out = hp.port;
  return true;
}

// Plain HTTP carries passwords, cookies and tokens in the clear: loopback literals only.
bool Loader::PlainHttp(Node key, Node value, Path path, Config* c) {
  std::string host;
  uint16_t port = 0;
  if (!Listen(key, value, path, &host, &port)) return false;
  in_addr a4{};
  bool loopback = host == "::1" || (inet_pton(AF_INET, host.c_str(), &a4) == 1 && (ntohl(a4.s_addr) >> 24) == 127);
  if (!loopback)
    return Fail(value.Mark(), path + ": plain HTTP is only allowed on a loopback address (127.0.0.1 or [::1]), got '" +
                                  Echo(host) + "'; use api.listen (HTTPS) for other addresses");
  c->plain_http_address = host;
  c->plain_http_port = port;
  return true;
}

// What Telegram (and other callers from the Internet) are given: https://host[:port][/path], without
// credentials, query or fragment. Telegram calls webhooks on ports 443, 80, 88 and 8443 only.
bool Loader::PublicUrl(Node key, Node value, Path path, std::string* out) {
  std::string s;
  if (!Text(key, value, path, "an https:// URL such as https://chat.example.com (\"\" for none)", true, &s)) return false;
  if (s.empty()) {
    out->clear();
    return true;
  }
  auto bad = [&](const std::string& why) {
    return Fail(value.Mark(), path + ": '" + Echo(s) + "' " + why + "; expected https://host[:port][/path]");
  };
  const std::string scheme = "https://";
  if (s.size() > 200) return bad("is longer than 200 characters");
  if (s.compare(0, scheme.size(), scheme) != 0) return bad("does not start with https:// (Telegram calls HTTPS only)");
  std::string rest = s.substr(scheme.size());
  size_t slash = rest.find('/');
  std::string authority = rest.substr(0, slash);
  std::string tail = slash == std::string::npos ? "" : rest.substr(slash);
  while (!tail.empty() && tail.back() == '/') tail.pop_back();
  std::string host = authority, port;
  if (!authority.empty() && authority.front() == '[') {  // an IPv6 literal
    size_t close = authority.find(']');
    if (close == std::string::npos) return bad("has an unclosed [");
    host = authority.substr(0, close + 1);
    std::string after = authority.substr(close + 1);
    if (!after.empty() && after.front() != ':') return bad("has text after the ]");
    if (!after.empty()) port = after.substr(1);
  } else if (size_t colon = authority.rfind(':'); colon != std::string::npos) {
    host = authority.substr(0, colon);
    port = authority.substr(colon + 1);
  }
  const bool bracketed = !host.empty() && host.front() == '[';
  auto host_char = [bracketed](char ch) {
    bool alnum = (ch >= 'a' && ch <= 'z') || (ch >= 'A' && ch <= 'Z') || (ch >= '0' && ch <= '9');
    return alnum || ch == '.' || (bracketed ? ch == ':' : ch == '-');
  };
  std::string_view name = bracketed ? std::string_view(host).substr(1, host.size() - 2) : std::string_view(host);
  if (name.empty() || !std::all_of(name.begin(), name.end(), host_char)) return bad("has no host name or one with other characters");
  if (!port.empty() && port != "443" && port != "80" && port != "88" && port != "8443")
    return bad("names port " + port + "; Telegram calls webhooks on 443, 80, 88 or 8443 only");
  auto path_char = [](char ch) {
    return (ch >= 'a' && ch <= 'z') || (ch >= 'A' && ch <= 'Z') || (ch >= '0' && ch <= '9') ||
           std::string_view("-._~/!$&'()*+,;=:%").find(ch) != std::string_view::npos;
  };
  if (!std::all_of(tail.begin(), tail.end(), path_char)) return bad("has a path with a query, fragment or other characters");
  *out = scheme + authority + tail;
  return true;
}

// Node reads NODE_EXTRA_CA_CERTS as the tenant's user, inside the agent's unit, which hides these.
bool Loader::ExtraCaFile(Node key, Node value, Path path, std::string* out) {
  std::string s;
  if (!Text(key, value, path, "an absolute path to a PEM file (\"\" for none)", true, &s)) return false;
  if (!s.empty() && s.front() != '/')
    return Fail(value.Mark(), path + ": must be an absolute path or \"\", got '" + Echo(s) + "'");
  for (const char* hidden : {"/etc/clawhive", "/var/lib/clawhive", "/run/clawhive"}) {
    std::string h = hidden;
    if (s == h || s.compare(0, h.size() + 1, h + "/") == 0)
      return Fail(value.Mark(), path + ": tenants' agents cannot read anything under " + h +
                                    "; put the bundle elsewhere, e.g. /usr/local/share/ca-certificates/");
  }
  *out = s;
  return true;
}

// Each agent reaches the proxy through its egress bridge (units/clawhive-meter@.socket), which connects
// from an IPv4 source address naming the tenant (supervisor/bridge/bridge.h): the proxy must be on 127.0.0.1.
bool Loader::ProxyListen(Node key, Node value, Path path, Config* c) {
  std::string host;
  uint16_t port = 0;
  if (!Listen(key, value, path, &host, &port)) return false;
  if (host != "127.0.0.1")
    return Fail(value.Mark(), path + ": the proxy must listen on 127.0.0.1 (tenants' bridges reach it there "
                                     "from addresses that name them), got '" + Echo(host) + "'");
  c->proxy_address = host;
  c->proxy_port = port;
  return true;
}

// Same reason as the proxy: agents reach it through their egress bridge, from addresses naming them.
bool Loader::EgressListen(Node key, Node value, Path path, Config* c) {
  if (value.IsScalar() && value.Scalar().empty()) {
    Note(path, value.Mark());
    c->egress_port = 0;  // off
    return true;
  }
  std::string host;
  uint16_t port = 0;
  if (!Listen(key, value, path, &host, &port)) return false;
  if (host != "127.0.0.1")
    return Fail(value.Mark(), path + ": the egress proxy must listen on 127.0.0.1 (tenants' bridges reach it there "
                                     "from addresses that name them), got '" + Echo(host) + "'; \"\" turns it off");
  c->egress_address = host;
  c->egress_port = port;
  return true;
}

// A list whose every entry `check` accepts (a preset name, a host rule, an address block).
bool Loader::EgressList(Node key, Node value, Path path, Status (*check)(const std::string&),
                        std::vector<std::string>* out) {
  std::vector<std::string> items;
  if (!Strings(key, value, path, "a string", &items)) return false;
  if (items.size() > egress::kMaxEntries)
    return Fail(value.Mark(), path + ": at most " + std::to_string(egress::kMaxEntries) + " entries");
  for (const std::string& item : items)
    if (Status s = check(item); !s) return Fail(value.Mark(), path + ": " + s.error().message);
  *out = std::move(items);
  return true;
}

bool Loader::Name(Node key, Node value, Path path, std::string* out) {
  std::string s;
  if (!Text(key, value, path, "a name of 1 to 64 characters", false, &s)) return false;
  if (s.size() > 64) return Fail(value.Mark(), path + ": at most 64 characters, got " + std::to_string(s.size()));
  *out = s;
  return true;
}

bool Loader::UidRange(Node key, Node value, Path path, Config* c) {
  std::string s;
  if (!Text(key, value, path, "a uid range such as 300000-399999", false, &s)) return false;
  std::string_view t = Trim(s);
  size_t dash = t.find('-');
  uint64_t lo = 0, hi = 0;
  if (dash == std::string_view::npos || dash == 0 || !ParseUid(t.substr(0, dash), &lo) ||
      !ParseUid(t.substr(dash + 1), &hi))
    return Fail(value.Mark(), path + ": expected a uid range such as 300000-399999, got '" + Echo(s) + "'");
  if (lo > hi)
    return Fail(value.Mark(),
                path + ": the range is reversed (" + std::to_string(lo) + " > " + std::to_string(hi) + ")");
  if (lo < kMinUid)
    return Fail(value.Mark(), path + ": must start at " + std::to_string(kMinUid) +
                                  " or above; lower uids belong to the system");
  if (hi > kMaxUid) return Fail(value.Mark(), path + ": must end at " + std::to_string(kMaxUid) + " or below");
  c->uid_min = static_cast<uint32_t>(lo);
  c->uid_max = static_cast<uint32_t>(hi);
  return true;
}

bool Loader::Args(Node key, Node value, Path path, std::vector<std::string>* out) {
  return Strings(key, value, path, "a string (quote \"\" for an empty argument)", out);
}

bool Loader::Env(Node key, Node value, Path path,
                 std::vector<std::pair<std::string, std::string>>* out) {
  if (!Visit(value)) return false;
  if (value.IsNull())
    return Fail(key.Mark(), path + ": empty value; expected a map of NAME: value (use {} for none)");
  if (!value.IsMap()) return Fail(value.Mark(), path + ": expected a map of NAME: value, got " + Kind(value));
  std::vector<std::pair<std::string, std::string>> env;
  std::map<std::string, int> seen;
  for (auto it = value.begin(); it != value.end(); ++it) {
    const YAML::Node name = it->first;
    const YAML::Node item = it->second;
    if (!Visit(name)) return false;
    if (!name.IsScalar())
      return Fail(name.Mark().is_null() ? value.Mark() : name.Mark(),
                  path + ": expected a variable name, got " + Kind(name));
    const std::string& n = name.Scalar();
    bool valid = !n.empty() && !(n[0] >= '0' && n[0] <= '9') && std::all_of(n.begin(), n.end(), [](char ch) {
      return (ch >= 'A' && ch <= 'Z') || (ch >= '0' && ch <= '9') || ch == '_';
    });
    if (!valid)
      return Fail(name.Mark(), path + ": '" + Echo(n) +
                                   "' is not a valid variable name; use upper-case letters, digits and '_', "
                                   "not starting with a digit");
    auto [first, fresh] = seen.emplace(n, name.Mark().line + 1);
    if (!fresh)
      return Fail(name.Mark(), "duplicate key '" + n + "' in " + path + " (first at line " +
                                   std::to_string(first->second) + ")");
    std::string v;
    if (!Text(name, item, path + "." + n, "a string (quote \"\" for an empty value)", true, &v)) return false;
    env.emplace_back(n, std::move(v));
  }
  *out = std::move(env);
  return true;
}

bool Loader::HealthPath(Node key, Node value, Path path,
                        std::string* out) {
  std::string s;
  if (!Text(key, value, path, "a URL path such as /healthz", false, &s)) return false;
  if (s.front() != '/') return Fail(value.Mark(), path + ": must start with '/', got '" + Echo(s) + "'");
  if (std::any_of(s.begin(), s.end(), [](char ch) { return ch == ' ' || ch == '\t'; }))
    return Fail(value.Mark(), path + ": must not contain spaces");
  *out = s;
  return true;
}

// An image id as the image store names them: "<name>-<version>", [0-9A-Za-z.+-], at most 128 characters;
// "" for none.
bool Loader::ImageId(Node key, Node value, Path path, std::string* out) {
  std::string s;
  if (!Text(key, value, path, "an image id such as openclaw-2026.9.6 (\"\" for none)", true, &s)) return false;
  // The image store's own rule, so a value accepted here names an image that can exist.
  if (!s.empty()) {
    if (Status ok = images::ValidateImageId(s); !ok)
      return Fail(value.Mark(), path + ": '" + Echo(s) + "' is not an image id: " + ok.error().message);
  }
  *out = s;
  return true;
}

// tenant_defaults.agent.exec: an absolute path, or "" for none (tenants then need openclaw.runtime or
// their own agent.exec).
bool Loader::AgentExec(Node key, Node value, Path path, std::string* out) {
  std::string s;
  if (!Text(key, value, path, "an absolute path (\"\" for none)", true, &s)) return false;
  if (!s.empty() && s.front() != '/')
    return Fail(value.Mark(), path + ": must be an absolute path or \"\", got '" + Echo(s) + "'");
  *out = s;
  return true;
}

// Model ids as the provider knows them ("gpt-4o-mini", "claude-sonnet-4-5"): no spaces, no '/', which
// OpenClaw uses between the provider and the model.
bool Loader::Models(Node key, Node value, Path path,
                    std::vector<std::string>* out) {
  std::vector<std::string> models;
  if (!Args(key, value, path, &models)) return false;
  if (models.empty()) return Fail(value.Mark(), path + ": at least one model; the first is the default");
  for (const std::string& m : models) {
    if (m.empty() || m.size() > 128 ||
        std::any_of(m.begin(), m.end(), [](char ch) { return ch <= ' ' || ch == '/' || ch == '"' || ch == 0x7f; }))
      return Fail(value.Mark(), path + ": '" + Echo(m) + "' is not a model id (1-128 characters, no spaces or '/')");
  }
  *out = std::move(models);
  return true;
}

bool Loader::ModelApi(Node key, Node value, Path path, std::string* out) {
  std::string s;
  if (!Text(key, value, path, "openai-completions, openai-responses or anthropic-messages", false, &s)) return false;
  if (s != "openai-completions" && s != "openai-responses" && s != "anthropic-messages")
    return Fail(value.Mark(), path + ": '" + Echo(s) +
                                  "' is not one of openai-completions, openai-responses, anthropic-messages");
  *out = s;
  return true;
}

bool Loader::CrossCheck(const Config& c) {
  return NotAbove("parent_slice.memory_high", c.parent_memory_high, "parent_slice.memory_max",
                  c.parent_memory_max, true, FormatSize) &&
         NotAbove("tenant_defaults.memory_high", c.default_resources.memory_high, "tenant_defaults.memory_max",
                  c.default_resources.memory_max, true, FormatSize) &&
         NotAbove("crash_policy.backoff_initial", c.backoff_initial_ms, "crash_policy.backoff_max",
                  c.backoff_max_ms, true, FormatDuration) &&
         NotAbove("probe.timeout", c.probe_timeout_ms, "probe.interval", c.probe_interval_ms, false,
                  FormatDuration) &&
         (c.egress_port == 0 || c.egress_port != c.proxy_port ||
          Fail(IsSet("egress.listen") ? MarkOf("egress.listen") : MarkOf("proxy.listen"),
               "egress.listen and proxy.listen must use different ports (" + std::to_string(c.proxy_port) + ")"));
}

bool Loader::Load(Node root, Config* c) {
  if (!root.IsNull() && !root.IsMap())
    return Fail(root.Mark(),
                "the config must be a map of sections such as 'api:' and 'paths:', got " + Kind(root));
  using N = Node;
  using S = Path;
  constexpr uint64_t k32 = std::numeric_limits<uint32_t>::max();
  constexpr uint64_t k64 = kAny;
  auto section = [this](std::vector<Field> fields) { return Section(std::move(fields), true); };
  Resources& r = c->default_resources;
  AgentSpec& a = c->default_agent;
  std::vector<Field> top = {
      {"api", section({
                  {"listen", [=, this](N k, N v, S p) { return Listen(k, v, p, &c->listen_address, &c->listen_port); }},
                  {"plain_http", [=, this](N k, N v, S p) { return PlainHttp(k, v, p, c); }},
                  {"public_url", [=, this](N k, N v, S p) { return PublicUrl(k, v, p, &c->public_url); }},
                  {"webhook_rate", [=, this](N k, N v, S p) { return Integer(k, v, p, 1, 100000, &c->webhook_rate); }},
                  {"tls", section({
                              {"cert", [=, this](N k, N v, S p) { return AbsolutePath(k, v, p, &c->tls_cert_file); }},
                              {"key", [=, this](N k, N v, S p) { return AbsolutePath(k, v, p, &c->tls_key_file); }},
                          })},
              })},
      {"branding", section({
                       {"product_name", [=, this](N k, N v, S p) { return Name(k, v, p, &c->product_name); }},
                       {"primary_color", [=, this](N k, N v, S p) { return Colour(k, v, p, &c->primary_color); }},
                   })},
      {"proxy", section({
                    {"listen", [=, this](N k, N v, S p) { return ProxyListen(k, v, p, c); }},
                    {"threads", [=, this](N k, N v, S p) { return Integer(k, v, p, 4, 4096, &c->proxy_threads); }},
                })},
      {"egress",
       section({
           {"listen", [=, this](N k, N v, S p) { return EgressListen(k, v, p, c); }},
           {"presets", [=, this](N k, N v, S p) { return EgressList(k, v, p, CheckPreset, &c->egress.presets); }},
           {"allow", [=, this](N k, N v, S p) { return EgressList(k, v, p, CheckRule, &c->egress.allow); }},
           {"allow_cidrs", [=, this](N k, N v, S p) { return EgressList(k, v, p, CheckCidr, &c->egress.allow_cidrs); }},
           {"tenant_allow", [=, this](N k, N v, S p) { return EgressList(k, v, p, CheckRule, &c->egress.tenant_allow); }},
           {"max_tunnels_per_tenant",
            [=, this](N k, N v, S p) { return Integer(k, v, p, 1, 100000, &c->egress_max_tunnels); }},
           // Bounded: the proxy keeps them as int milliseconds (and a connect waiting minutes helps no one).
           {"connect_timeout", [=, this](N k, N v, S p) {
              return Duration(k, v, p, &c->egress_connect_timeout_ms) &&
                     (c->egress_connect_timeout_ms <= 300000 || Fail(v.Mark(), p + ": at most 5m"));
            }},
           {"idle_timeout", [=, this](N k, N v, S p) {
              return Duration(k, v, p, &c->egress_idle_timeout_ms) &&
                     (c->egress_idle_timeout_ms <= 86400000 || Fail(v.Mark(), p + ": at most 24h"));
            }},
       })},
      {"usage", section({
                    {"interval", [=, this](N k, N v, S p) { return Duration(k, v, p, &c->usage_interval_ms); }},
                    {"history", [=, this](N k, N v, S p) { return Integer(k, v, p, 2, 100000, &c->usage_history); }},
                })},
      {"paths", section({
                    {"state_dir", [=, this](N k, N v, S p) { return AbsolutePath(k, v, p, &c->state_dir); }},
                    {"tenants_dir", [=, this](N k, N v, S p) { return AbsolutePath(k, v, p, &c->tenants_dir); }},
                    {"meter_dir", [=, this](N k, N v, S p) { return AbsolutePath(k, v, p, &c->meter_dir); }},
                    {"unit_dir", [=, this](N k, N v, S p) { return AbsolutePath(k, v, p, &c->unit_dir); }},
                    {"console_dir", [=, this](N k, N v, S p) { return AbsolutePath(k, v, p, &c->console_dir); }},
                })},
      {"parent_slice",
       section({
           {"memory_max", [=, this](N k, N v, S p) { return Size(k, v, p, true, kAny, &c->parent_memory_max); }},
           {"memory_high", [=, this](N k, N v, S p) { return Size(k, v, p, true, kAny, &c->parent_memory_high); }},
           {"cpu_quota", [=, this](N k, N v, S p) { return Percent(k, v, p, true, kAny, &c->parent_cpu_quota_percent); }},
           {"tasks_max",
            [=, this](N k, N v, S p) { return Integer(k, v, p, 1, k64, true, &c->parent_tasks_max); }},
       })},
      {"tenant_defaults",
       section({
           {"memory_high", [=, this, &r](N k, N v, S p) { return Size(k, v, p, true, kAny, &r.memory_high); }},
           {"memory_max", [=, this, &r](N k, N v, S p) { return Size(k, v, p, true, kAny, &r.memory_max); }},
           {"cpu_weight", [=, this, &r](N k, N v, S p) { return Integer(k, v, p, 1, 10000, &r.cpu_weight); }},
           {"cpu_quota", [=, this, &r](N k, N v, S p) { return Percent(k, v, p, true, kAny, &r.cpu_quota_percent); }},
           {"tasks_max", [=, this, &r](N k, N v, S p) { return Integer(k, v, p, 1, k64, true, &r.tasks_max); }},
           {"agent",
            section({
                {"exec", [=, this, &a](N k, N v, S p) { return AgentExec(k, v, p, &a.exec); }},
                {"args", [=, this, &a](N k, N v, S p) { return Args(k, v, p, &a.args); }},
                {"env", [=, this, &a](N k, N v, S p) { return Env(k, v, p, &a.env); }},
                {"health_path", [=, this, &a](N k, N v, S p) { return HealthPath(k, v, p, &a.health_path); }},
            })},
           {"port_base", [=, this](N k, N v, S p) { return Integer(k, v, p, 1, 65535, &c->port_base); }},
           {"port_step", [=, this](N k, N v, S p) { return Integer(k, v, p, 1, 65535, &c->port_step); }},
           {"uid_range", [=, this](N k, N v, S p) { return UidRange(k, v, p, c); }},
       })},
      {"crash_policy",
       section({
           {"immediate_restarts",
            [=, this](N k, N v, S p) { return Integer(k, v, p, 0, k32, &c->immediate_restarts); }},
           {"backoff_initial", [=, this](N k, N v, S p) { return Duration(k, v, p, &c->backoff_initial_ms); }},
           {"backoff_max", [=, this](N k, N v, S p) { return Duration(k, v, p, &c->backoff_max_ms); }},
           {"quarantine_after",
            [=, this](N k, N v, S p) { return Integer(k, v, p, 1, k32, &c->quarantine_after); }},
           {"window", [=, this](N k, N v, S p) { return Duration(k, v, p, &c->crash_window_ms); }},
       })},
      {"probe",
       section({
           {"interval", [=, this](N k, N v, S p) { return Duration(k, v, p, &c->probe_interval_ms); }},
           {"timeout", [=, this](N k, N v, S p) { return Duration(k, v, p, &c->probe_timeout_ms); }},
           {"failures", [=, this](N k, N v, S p) { return Integer(k, v, p, 1, k32, &c->probe_failures); }},
           {"start_timeout", [=, this](N k, N v, S p) { return Duration(k, v, p, &c->start_timeout_ms); }},
           {"trial_soak", [=, this](N k, N v, S p) { return Duration(k, v, p, &c->trial_soak_ms); }},
       })},
      {"vault", section({{"seal_kek", [=, this](N k, N v, S p) { return Bool(k, v, p, &c->vault_seal_kek); }}})},
      {"openclaw",
       section({
           {"images_dir", [=, this](N k, N v, S p) { return AbsolutePath(k, v, p, &c->images_dir); }},
           {"runtime", [=, this](N k, N v, S p) { return ImageId(k, v, p, &c->default_runtime); }},
           {"models", [=, this](N k, N v, S p) { return Models(k, v, p, &c->openclaw_models); }},
           {"api", [=, this](N k, N v, S p) { return ModelApi(k, v, p, &c->openclaw_api); }},
           {"start_timeout",
            [=, this](N k, N v, S p) { return Duration(k, v, p, &c->openclaw_start_timeout_ms); }},
           {"extra_ca_file", [=, this](N k, N v, S p) { return ExtraCaFile(k, v, p, &c->openclaw_extra_ca_file); }},
           {"control_ui", [=, this](N k, N v, S p) { return Bool(k, v, p, &c->openclaw_control_ui); }},
           {"start_cpu_quota",
            [=, this](N k, N v, S p) { return Percent(k, v, p, true, 100000, &c->openclaw_start_cpu_quota_percent); }},
           {"start_boosts", [=, this](N k, N v, S p) { return Integer(k, v, p, 0, 1000, &c->openclaw_start_boosts); }},
       })},
  };
  return Map(root, root.Mark(), "", top, true) && CrossCheck(*c);
}


}  // namespace

Result<Config> ParseConfig(const std::string& yaml_text, const std::string& filename) {
  Config config;
  Loader loader(filename);
  if (Status st = loader.Walk(yaml_text, [&](YamlWalker::Node root) { return loader.Load(root, &config); }); !st)
    return st.error();
  return config;
}

Result<Config> LoadConfig(const std::string& path) {
  Config config;
  Loader loader(path);
  if (Status st = loader.WalkFile(path, [&](YamlWalker::Node root) { return loader.Load(root, &config); }); !st)
    return st.error();
  return config;
}

}  // namespace clawhive
