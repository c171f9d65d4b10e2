#include "installer/answers.h"

#include <algorithm>
#include <limits>
#include <map>
#include <string>
#include <vector>

#include "supervisor/auth/password.h"
#include "supervisor/common/yaml_walker.h"
#include "supervisor/images/manifest.h"
#include "supervisor/tenant/tenant.h"

namespace clawhive::installer {
namespace {

const YamlDocument kAnswerDocument{"the answer file", "an answer file"};

bool ValidOperatorName(const std::string& s) {
  if (s.empty() || s.size() > 64) return false;
  auto lower_digit = [](char c) { return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9'); };
  if (!lower_digit(s[0])) return false;
  return std::all_of(s.begin() + 1, s.end(), [&](char c) {
    return lower_digit(c) || c == '.' || c == '_' || c == '@' || c == '-';
  });
}

using N = YamlWalker::Node;
using S = YamlWalker::Path;

// The settings of an answer file, read with the shared walker's getters; the checks here are the
// installer's own (operator account, tenants, what tenants run, headroom).
class Loader : public YamlWalker {
 public:
  Loader(const std::string& file, const std::string& shipped_runtime)
      : YamlWalker(file, kAnswerDocument), shipped_runtime_(shipped_runtime) {}
  bool Load(N root, Answers* a);

 private:
  // An answer file has no empty strings and no unlimited sizes.
  bool Size(N key, N value, S path, uint64_t* out) {
    return YamlWalker::Size(key, value, path, false, kMaxSizeBytes, out);
  }
  bool Text(N key, N value, S path, S what, std::string* out) {
    return YamlWalker::Text(key, value, path, what, false, out);
  }
  bool Listen(N key, N value, S path, Answers* a);
  bool Tenants(N key, N value, S path, Answers* a);
  bool Operator(N key, N value, S path, Answers* a);
  bool Provider(N key, N value, S path, Answers* a);
  bool ProviderModels(N key, N value, S path, Answers* a);
  bool Models(N key, N value, S path, Answers* a);
  bool ModelsAndProvider(Answers* a);

  std::string shipped_runtime_;
};

// As supervisor/config's openclaw.models: no spaces, quotes or '/' (OpenClaw's provider/model separator).
bool ValidModelId(const std::string& m) {
  return !m.empty() && m.size() <= 128 &&
         std::none_of(m.begin(), m.end(), [](char c) { return c <= ' ' || c == '/' || c == '"' || c == 0x7f; });
}

bool ValidProviderName(const std::string& s) {
  if (s.empty() || s.size() > 64) return false;
  auto lower_digit = [](char c) { return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9'); };
  if (!lower_digit(s[0])) return false;
  return std::all_of(s.begin() + 1, s.end(), [&](char c) { return lower_digit(c) || c == '-' || c == '_'; });
}

bool ValidSecretName(const std::string& s) {
  if (s.empty() || s.size() > 128 || (s[0] >= '0' && s[0] <= '9')) return false;
  return std::all_of(s.begin(), s.end(), [](char c) { return (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_'; });
}

// "0", "3.00", "0.075": what the proxy's prices look like (it checks them again).
bool ValidPrice(const std::string& s) {
  size_t dot = s.find('.');
  std::string whole = s.substr(0, dot), frac = dot == std::string::npos ? "" : s.substr(dot + 1);
  auto digits = [](const std::string& d) { return std::all_of(d.begin(), d.end(), [](char c) { return c >= '0' && c <= '9'; }); };
  return !whole.empty() && whole.size() <= 12 && digits(whole) && digits(frac) && frac.size() <= 6 &&
         (dot == std::string::npos || !frac.empty());
}

bool Loader::Models(N key, N value, S path, Answers* a) {
  if (!Strings(key, value, path, "a model id", &a->models)) return false;
  if (a->models.empty()) return Fail(value.Mark(), path + ": at least one model; the first is the default");
  for (const std::string& m : a->models)
    if (!ValidModelId(m))
      return Fail(value.Mark(), path + ": '" + Echo(m) + "' is not a model id (1-128 characters, no spaces or '/')");
  return true;
}

bool Loader::ProviderModels(N key, N value, S path, Answers* a) {
  return List(key, value, path, "a list of models such as {name: gpt-4o-mini}", false, [&](N list, N item, S p) {
    ProviderModelAnswer m;
    auto price = [&, this](std::string* out) {
      return [=, this](N k, N v, S pp) {
        if (!Text(k, v, pp, "a price per million tokens such as \"0.15\"", out)) return false;
        if (!ValidPrice(*out)) return Fail(v.Mark(), pp + ": '" + Echo(*out) + "' is not a price; expected a decimal such as \"0.15\"");
        return true;
      };
    };
    std::vector<Field> fields = {
        {"name",
         [&, this](N k, N v, S pp) {
           if (!Text(k, v, pp, "a model id", &m.name)) return false;
           if (!ValidModelId(m.name))
             return Fail(v.Mark(), pp + ": '" + Echo(m.name) + "' is not a model id (1-128 characters, no spaces or '/')");
           return true;
         }},
        {"input_per_million", price(&m.input_per_million)},
        {"output_per_million", price(&m.output_per_million)},
    };
    if (!Map(item, list.Mark(), p, fields, false)) return false;
    if (m.name.empty()) return Fail(item.Mark(), p + ": missing 'name'; expected a model id such as gpt-4o-mini");
    a->provider.models.push_back(std::move(m));
    return true;
  });
}

bool Loader::Provider(N key, N value, S path, Answers* a) {
  ProviderAnswer& pr = a->provider;
  std::vector<Field> fields = {
      {"name",
       [=, this](N k, N v, S p) {
         if (!Text(k, v, p, "a provider name such as openai", &a->provider.name)) return false;
         if (!ValidProviderName(a->provider.name))
           return Fail(v.Mark(), p + ": '" + Echo(a->provider.name) +
                                     "' is not a provider name; expected 1-64 characters of a-z, 0-9, - and _");
         return true;
       }},
      {"kind",
       [=, this](N k, N v, S p) {
         if (!Text(k, v, p, "openai or anthropic", &a->provider.kind)) return false;
         if (a->provider.kind != "openai" && a->provider.kind != "anthropic")
           return Fail(v.Mark(), p + ": '" + Echo(a->provider.kind) + "'; expected openai or anthropic");
         return true;
       }},
      {"base_url",
       [=, this](N k, N v, S p) {
         std::string& u = a->provider.base_url;
         if (!Text(k, v, p, "a URL such as https://api.openai.com/v1", &u)) return false;
         bool scheme = u.rfind("https://", 0) == 0 || u.rfind("http://", 0) == 0;
         if (!scheme || u.size() > 512 || u.find_first_of(" \"'") != std::string::npos || u.size() <= 8)
           return Fail(v.Mark(), p + ": '" + Echo(u) + "' is not a URL; expected http:// or https:// and a host");
         return true;
       }},
      {"key_file", [=, this](N k, N v, S p) { return AbsolutePath(k, v, p, &a->provider.key_file); }},
      {"key_secret",
       [=, this](N k, N v, S p) {
         if (!Text(k, v, p, "a secret name such as OPENAI_API_KEY", &a->provider.key_secret)) return false;
         if (!ValidSecretName(a->provider.key_secret))
           return Fail(v.Mark(), p + ": '" + Echo(a->provider.key_secret) + "' is not a secret name; expected [A-Z_][A-Z0-9_]*");
         return true;
       }},
      {"models", [=, this](N k, N v, S p) { return ProviderModels(k, v, p, a); }},
  };
  if (!Map(value, key.Mark(), path, fields, false)) return false;
  if (pr.name.empty()) return Fail(value.Mark(), "provider: missing 'name'; expected a provider name such as openai");
  if (pr.base_url.empty()) return Fail(value.Mark(), "provider: missing 'base_url'; expected its API's URL such as https://api.openai.com/v1");
  if (pr.models.empty()) return Fail(value.Mark(), "provider: missing 'models'; expected the models it offers, e.g. [{name: gpt-4o-mini}]");
  if (pr.key_secret.empty()) {
    for (char c : pr.name) pr.key_secret += (c == '-') ? '_' : static_cast<char>(c >= 'a' && c <= 'z' ? c - 'a' + 'A' : c);
    pr.key_secret += "_API_KEY";
    if (pr.key_secret[0] >= '0' && pr.key_secret[0] <= '9') pr.key_secret = "P_" + pr.key_secret;
  }
  return true;
}

// openclaw.models: given, each one must be a model of the provider (when the file names one); not given,
// the provider's models are what tenants may choose.
bool Loader::ModelsAndProvider(Answers* a) {
  if (a->provider.name.empty()) return true;
  if (a->models.empty()) {
    for (const auto& m : a->provider.models) a->models.push_back(m.name);
    return true;
  }
  for (const std::string& m : a->models) {
    bool offered = std::any_of(a->provider.models.begin(), a->provider.models.end(),
                               [&](const ProviderModelAnswer& pm) { return pm.name == m; });
    if (!offered)
      return Fail(MarkOf("openclaw.models"), "openclaw.models: '" + Echo(m) + "' is not a model of provider " +
                                                 a->provider.name + "; add it to provider.models or remove it here");
  }
  return true;
}

bool Loader::Listen(N key, N value, S path, Answers* a) {
  HostPort hp;
  if (!Address(key, value, path, "0.0.0.0:8470 or \"[::]:8470\"", "\"[::]:8470\"", &hp)) return false;
  a->listen_address = hp.host;
  a->listen_port = hp.port;
  return true;
}

bool Loader::Operator(N key, N value, S path, Answers* a) {
  bool generate_set = false;
  std::vector<Field> fields = {
      {"name",
       [=, this](N k, N v, S p) {
         if (!Text(k, v, p, "an account name", &a->operator_name)) return false;
         if (!ValidOperatorName(a->operator_name))
           return Fail(v.Mark(), p + ": '" + Echo(a->operator_name) +
                                     "' is not a valid account name; expected 1-64 characters of a-z, 0-9 and "
                                     "._@-, starting with a letter or digit");
         return true;
       }},
      {"password_hash",
       [=, this](N k, N v, S p) {
         if (!Text(k, v, p, "a scrypt hash (scrypt$N=..,r=..,p=..$salt$hash)", &a->password_hash)) return false;
         // Any password: only the shape and the parameter caps matter here (the message never echoes it).
         Result<bool> r = auth::VerifyPassword("clawhive-installer-probe", a->password_hash);
         if (!r.ok())
           return Fail(v.Mark(), p + ": malformed password hash; expected scrypt$N=<n>,r=<r>,p=<p>$<salt>$<hash> "
                                     "as written by clawhive (" + r.error().message + ")");
         return true;
       }},
      {"generate_password",
       [=, this, &generate_set](N k, N v, S p) {
         generate_set = true;
         return Bool(k, v, p, &a->generate_password);
       }},
  };
  if (!Map(value, key.Mark(), path, fields, false)) return false;
  if (a->operator_name.empty()) return Fail(value.Mark(), "operator: missing 'name'; expected the first operator's account name");
  bool hash = !a->password_hash.empty();
  if (hash && a->generate_password) {
    YAML::Mark m = std::max(MarkOf("operator.password_hash"), MarkOf("operator.generate_password"),
                            [](const YAML::Mark& x, const YAML::Mark& y) { return x.pos < y.pos; });
    return Fail(m, "operator: both password_hash and generate_password are set; give exactly one of the two");
  }
  if (!hash && !a->generate_password)
    return Fail(generate_set ? MarkOf("operator.generate_password") : value.Mark(),
                "operator: no credential; expected password_hash or generate_password: true (exactly one)");
  return true;
}

bool Loader::Tenants(N key, N value, S path, Answers* a) {
  std::map<std::string, int> seen;
  return List(key, value, path, "a list of tenants", true, [&](N list, N item, S p) {
    TenantAnswer t;
    std::vector<Field> fields = {
        {"id",
         [&, this](N k, N v, S pp) {
           if (!Text(k, v, pp, "a tenant id", &t.id)) return false;
           if (Status st = ValidateTenantId(t.id); !st.ok()) return Fail(v.Mark(), pp + ": " + st.error().message);
           auto [first, fresh] = seen.emplace(t.id, v.Mark().line + 1);
           if (!fresh)
             return Fail(v.Mark(), pp + ": duplicate tenant id '" + t.id + "' (first at line " +
                                       std::to_string(first->second) + ")");
           return true;
         }},
        {"display_name",
         [&, this](N k, N v, S pp) {
           if (!Text(k, v, pp, "a display name", &t.display_name)) return false;
           if (t.display_name.size() > 128) return Fail(v.Mark(), pp + ": at most 128 bytes");
           return true;
         }},
        {"memory_max", [&, this](N k, N v, S pp) { return Size(k, v, pp, &t.memory_max); }},
        {"memory_high", [&, this](N k, N v, S pp) { return Size(k, v, pp, &t.memory_high); }},
        {"agent_exec", [&, this](N k, N v, S pp) { return AbsolutePath(k, v, pp, &t.agent_exec); }},
    };
    if (!Map(item, list.Mark(), p, fields, false)) return false;
    if (t.id.empty()) return Fail(item.Mark(), p + ": missing 'id'; expected a tenant id such as acme");
    if (!NotAbove(p + ".memory_high", t.memory_high, p + ".memory_max", t.memory_max, true, FormatSize)) return false;
    a->tenants.push_back(std::move(t));
    return true;
  });
}

bool Loader::Load(N root, Answers* a) {
  if (root.IsNull() || !root.IsDefined())
    return Fail(YAML::Mark::null_mark(), "the answer file is empty; expected at least an 'operator:' section");
  if (!root.IsMap()) return Fail(root.Mark(), "the answer file must be a map of settings such as 'operator:', got " + Kind(root));
  auto section = [this](std::vector<Field> fields) { return Section(std::move(fields), false); };
  bool has_operator = false;
  std::vector<Field> top = {
      {"listen", [=, this](N k, N v, S p) { return Listen(k, v, p, a); }},
      {"tls", section({
                  {"cert", [=, this](N k, N v, S p) { return AbsolutePath(k, v, p, &a->tls_cert); }},
                  {"key", [=, this](N k, N v, S p) { return AbsolutePath(k, v, p, &a->tls_key); }},
              })},
      {"operator",
       [=, this, &has_operator](N k, N v, S p) {
         has_operator = true;
         return Operator(k, v, p, a);
       }},
      {"branding", section({
                       {"product_name",
                        [=, this](N k, N v, S p) {
                          if (!Text(k, v, p, "a name of 1 to 64 characters", &a->product_name)) return false;
                          if (a->product_name.size() > 64) return Fail(v.Mark(), p + ": at most 64 characters");
                          return true;
                        }},
                       {"primary_color", [=, this](N k, N v, S p) { return Colour(k, v, p, &a->primary_color); }},
                   })},
      {"tenant_defaults",
       section({
           {"memory_max", [=, this](N k, N v, S p) { return Size(k, v, p, &a->memory_max); }},
           {"memory_high", [=, this](N k, N v, S p) { return Size(k, v, p, &a->memory_high); }},
           {"cpu_quota", [=, this](N k, N v, S p) { return Percent(k, v, p, false, 100000, &a->cpu_quota_percent); }},
           {"tasks_max", [=, this](N k, N v, S p) { return Integer(k, v, p, 1, 4194304, &a->tasks_max); }},
           {"agent_exec", [=, this](N k, N v, S p) { return AbsolutePath(k, v, p, &a->agent_exec); }},
       })},
      {"openclaw", section({
                       {"runtime",
                        [=, this](N k, N v, S p) {
                          if (!Text(k, v, p, "an image id such as openclaw-2026.9.6", &a->runtime)) return false;
                          if (Status ok = images::ValidateImageId(a->runtime); !ok)
                            return Fail(v.Mark(), p + ": '" + Echo(a->runtime) + "' is not an image id: " +
                                                      ok.error().message);
                          return true;
                        }},
                       {"models",
                        [=, this](N k, N v, S p) {
                          Note(p, v.Mark());
                          return Models(k, v, p, a);
                        }},
                   })},
      {"provider", [=, this](N k, N v, S p) { return Provider(k, v, p, a); }},
      {"headroom", section({
                       {"memory", [=, this](N k, N v, S p) { return Size(k, v, p, &a->headroom_memory); }},
                       {"cpu", [=, this](N k, N v, S p) {
                          if (!Percent(k, v, p, false, std::numeric_limits<uint64_t>::max(), &a->headroom_cpu_percent))
                            return false;
                          if (a->headroom_cpu_percent >= 100)
                            return Fail(v.Mark(), p + ": must be less than 100% (the host's share; tenants need the rest)");
                          return true;
                        }},
                   })},
      {"tenants",
       [=, this](N k, N v, S p) {
         Note("tenants", k.Mark());
         return Tenants(k, v, p, a);
       }},
  };
  if (!Map(root, root.Mark(), "", top, false)) return false;
  if (!has_operator)
    return Fail(root.Mark(), "missing required section 'operator:' (the first operator account)");
  if (a->tls_cert.empty() != a->tls_key.empty()) {
    bool cert = !a->tls_cert.empty();
    return Fail(MarkOf(cert ? "tls.cert" : "tls.key"),
                std::string("tls: ") + (cert ? "cert" : "key") + " is set without " + (cert ? "key" : "cert") +
                    "; give both, or neither for a self-signed certificate");
  }
  if (!NotAbove("tenant_defaults.memory_high", a->memory_high, "tenant_defaults.memory_max", a->memory_max, true,
                FormatSize))
    return false;
  if (!ModelsAndProvider(a)) return false;
  // The runtime package's image is what tenants run unless the file names an image or a program.
  if (a->runtime.empty() && a->agent_exec.empty() && !shipped_runtime_.empty()) {
    a->runtime = shipped_runtime_;
    a->runtime_shipped = true;
  }
  // Without an image or a program the install would fail later, at the first tenant, after changing the
  // host. (A tenant with its own agent_exec needs neither.)
  bool all_own = std::all_of(a->tenants.begin(), a->tenants.end(), [](const TenantAnswer& t) { return !t.agent_exec.empty(); });
  if (!all_own && a->runtime.empty() && a->agent_exec.empty())
    return Fail(MarkOf("tenants"),
                "tenants: nothing to run them with: install the OpenClaw runtime package (clawhive-openclaw-runtime, "
                "made by images/runtime/build-deb) with this one, or build a runtime image (images/runtime/build), "
                "import it before installing (clawhive-image import FILE) and name it in 'openclaw: {runtime: "
                "ID}', or give a program in 'tenant_defaults: {agent_exec: PATH}'");
  return true;
}

}  // namespace

Result<Answers> ParseAnswers(const std::string& yaml_text, const std::string& filename,
                             const std::string& shipped_runtime) {
  Answers answers;
  Loader loader(filename, shipped_runtime);
  if (Status st = loader.Walk(yaml_text, [&](N root) { return loader.Load(root, &answers); }); !st) return st.error();
  return answers;
}

Result<Answers> LoadAnswers(const std::string& path, const std::string& shipped_runtime) {
  Answers answers;
  Loader loader(path, shipped_runtime);
  if (Status st = loader.WalkFile(path, [&](N root) { return loader.Load(root, &answers); }); !st) return st.error();
  return answers;
}

}  // namespace clawhive::installer
