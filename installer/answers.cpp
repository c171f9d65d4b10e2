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
  explicit Loader(const std::string& file) : YamlWalker(file, kAnswerDocument) {}
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
};

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
                   })},
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
  // Nothing shipped runs a tenant by itself: without an image or a program the install would fail later,
  // at the first tenant, after changing the host.
  if (!a->tenants.empty() && a->runtime.empty() && a->agent_exec.empty())
    return Fail(MarkOf("tenants"),
                "tenants: nothing to run them with: build an OpenClaw runtime image (images/runtime/build), "
                "import it before installing (clawhive-image import FILE) and name it in 'openclaw: {runtime: "
                "ID}', or give a program in 'tenant_defaults: {agent_exec: PATH}'");
  return true;
}

}  // namespace

Result<Answers> ParseAnswers(const std::string& yaml_text, const std::string& filename) {
  Answers answers;
  Loader loader(filename);
  if (Status st = loader.Walk(yaml_text, [&](N root) { return loader.Load(root, &answers); }); !st) return st.error();
  return answers;
}

Result<Answers> LoadAnswers(const std::string& path) {
  Answers answers;
  Loader loader(path);
  if (Status st = loader.WalkFile(path, [&](N root) { return loader.Load(root, &answers); }); !st) return st.error();
  return answers;
}

}  // namespace clawhive::installer
