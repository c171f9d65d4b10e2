#include "installer/answers.h"

#include "supervisor/common/host_port.h"
#include "supervisor/images/manifest.h"

#include <arpa/inet.h>
#include <yaml-cpp/yaml.h>

#include <algorithm>
#include <fstream>
#include <functional>
#include <limits>
#include <map>
#include <sstream>
#include <string_view>

#include "supervisor/auth/password.h"
#include "supervisor/common/quantity.h"
#include "supervisor/tenant/tenant.h"

namespace clawhive::installer {
namespace {

constexpr size_t kMaxFileBytes = size_t{1} << 20;
constexpr size_t kMaxEcho = 40;

// A user token for a message: control bytes replaced, cut at kMaxEcho bytes.
std::string Echo(std::string_view s) {
  std::string out;
  for (size_t i = 0; i < s.size() && i < kMaxEcho; ++i) {
    auto c = static_cast<unsigned char>(s[i]);
    out += (c < 0x20 || c == 0x7f) ? '?' : static_cast<char>(c);
  }
  if (s.size() > kMaxEcho) out += "...";
  return out;
}

std::string At(const std::string& file, const YAML::Mark& m) {
  int line = m.line < 0 ? 1 : m.line + 1;  // yaml-cpp marks are 0-based; null marks are the file start
  int col = m.column < 0 ? 1 : m.column + 1;
  return file + ":" + std::to_string(line) + ":" + std::to_string(col) + ": ";
}

std::string Kind(const YAML::Node& n) {
  switch (n.Type()) {
    case YAML::NodeType::Map: return "a map";
    case YAML::NodeType::Sequence: return "a list";
    case YAML::NodeType::Scalar: return "a single value";
    default: return "nothing";
  }
}

bool ParseDecimal(std::string_view s, uint64_t* out) {
  if (s.empty() || s.size() > 19) return false;
  uint64_t v = 0;
  for (char c : s) {
    if (c < '0' || c > '9') return false;
    v = v * 10 + static_cast<uint64_t>(c - '0');
  }
  *out = v;
  return true;
}

std::string FormatSize(uint64_t bytes) {
  static const char* kUnits[] = {"T", "G", "M", "K"};
  for (int i = 0; i < 4; ++i) {
    uint64_t unit = uint64_t{1} << (10 * (4 - i));
    if (bytes != 0 && bytes % unit == 0) return std::to_string(bytes / unit) + kUnits[i];
  }
  return std::to_string(bytes);
}

bool ValidOperatorName(const std::string& s) {
  if (s.empty() || s.size() > 64) return false;
  auto lower_digit = [](char c) { return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9'); };
  if (!lower_digit(s[0])) return false;
  return std::all_of(s.begin() + 1, s.end(), [&](char c) {
    return lower_digit(c) || c == '.' || c == '_' || c == '@' || c == '-';
  });
}

using N = const YAML::Node&;
using S = const std::string&;

class Loader {
 public:
  explicit Loader(std::string file) : file_(std::move(file)) {}
  bool Load(N root, Answers* a);
  const std::string& error() const { return error_; }

 private:
  using Handler = std::function<bool(N key, N value, S path)>;
  struct Field {
    const char* name;
    Handler handle;
  };

  bool Fail(const YAML::Mark& mark, const std::string& message) {
    if (error_.empty()) error_ = At(file_, mark) + message;
    return false;
  }
  bool Map(N node, N key, S section, const std::vector<Field>& fields);
  bool Text(N key, N value, S path, S what, std::string* out);
  bool Size(N key, N value, S path, uint64_t* out);
  bool Percent(N key, N value, S path, uint64_t max, uint64_t* out);
  bool Integer(N key, N value, S path, uint64_t min, uint64_t max, uint64_t* out);
  bool Path(N key, N value, S path, std::string* out);
  bool Bool(N key, N value, S path, bool* out);
  bool Listen(N key, N value, S path, Answers* a);
  bool Color(N key, N value, S path, std::string* out);
  bool Tenants(N key, N value, S path, Answers* a);
  bool Operator(N key, N value, S path, Answers* a);
  bool HighNotAboveMax(S section, uint64_t high, uint64_t max);

  std::string file_;
  std::string error_;
  std::map<std::string, YAML::Mark> set_;  // key path -> mark of its value, for cross-field checks
};

bool Loader::Map(N node, N key, S section, const std::vector<Field>& fields) {
  std::string name = section.empty() ? "the answer file" : section;
  if (!node.IsMap()) {
    YAML::Mark m = node.IsNull() || node.Mark().is_null() ? key.Mark() : node.Mark();
    return Fail(m, (section.empty() ? "" : section + ": ") + "expected a map of settings, got " + Kind(node));
  }
  std::map<std::string, int> seen;
  for (auto it = node.begin(); it != node.end(); ++it) {
    const YAML::Node k = it->first;  // copies: operator-> returns a proxy
    const YAML::Node v = it->second;
    if (!k.IsScalar() || k.Scalar().empty())
      return Fail(k.Mark().is_null() ? node.Mark() : k.Mark(), "expected a key name in " + name + ", got " +
                                                                   (k.IsScalar() ? "an empty key" : Kind(k)));
    const std::string& ks = k.Scalar();
    auto [first, fresh] = seen.emplace(ks, k.Mark().line + 1);
    if (!fresh)
      return Fail(k.Mark(), "duplicate key '" + Echo(ks) + "' in " + name + " (first at line " +
                                std::to_string(first->second) + ")");
    auto f = std::find_if(fields.begin(), fields.end(), [&](const Field& x) { return ks == x.name; });
    if (f == fields.end()) {
      std::string known;
      for (const Field& x : fields) known += (known.empty() ? "" : ", ") + std::string(x.name);
      return Fail(k.Mark(), "unknown key '" + Echo(ks) + "' " + (section.empty() ? "at top level" : "in " + section) +
                                "; expected one of: " + known);
    }
    if (!f->handle(k, v, section.empty() ? ks : section + "." + ks)) return false;
  }
  return true;
}

bool Loader::Text(N key, N value, S path, S what, std::string* out) {
  if (value.IsNull() || !value.IsDefined()) return Fail(key.Mark(), path + ": empty value; expected " + what);
  if (!value.IsScalar()) return Fail(value.Mark(), path + ": expected " + what + ", got " + Kind(value));
  const std::string& s = value.Scalar();
  if (s.empty()) return Fail(value.Mark(), path + ": empty value; expected " + what);
  if (std::any_of(s.begin(), s.end(), [](char ch) { return static_cast<unsigned char>(ch) < 0x20 || ch == 0x7f; }))
    return Fail(value.Mark(), path + ": must not contain control characters");
  set_[path] = value.Mark();
  *out = s;
  return true;
}

bool Loader::Size(N key, N value, S path, uint64_t* out) {
  std::string s;
  if (!Text(key, value, path, "a size such as 512M or 2G", &s)) return false;
  if (s.front() == '-') return Fail(value.Mark(), path + ": must not be negative");
  if (s == "infinity") return Fail(value.Mark(), path + ": must be a finite size such as 512M or 2G");
  Result<uint64_t> r = ParseSize(s);
  if (!r.ok()) return Fail(value.Mark(), path + ": " + r.error().message);
  if (*r == 0) return Fail(value.Mark(), path + ": must be greater than 0");
  if (*r > kMaxSizeBytes) return Fail(value.Mark(), path + ": '" + Echo(s) + "' is larger than 1P; impossible size");
  *out = *r;
  return true;
}

bool Loader::Percent(N key, N value, S path, uint64_t max, uint64_t* out) {
  std::string s;
  if (!Text(key, value, path, "a percentage such as 50%", &s)) return false;
  if (s.front() == '-') return Fail(value.Mark(), path + ": must not be negative");
  Result<uint64_t> r = ParsePercent(s);
  if (!r.ok()) return Fail(value.Mark(), path + ": " + r.error().message);
  if (*r == 0) return Fail(value.Mark(), path + ": must be at least 1%");
  if (*r > max) return Fail(value.Mark(), path + ": must be at most " + std::to_string(max) + "%, got " + Echo(s));
  *out = *r;
  return true;
}

bool Loader::Integer(N key, N value, S path, uint64_t min, uint64_t max, uint64_t* out) {
  std::string s;
  if (!Text(key, value, path, "a whole number", &s)) return false;
  uint64_t v = 0;
  if (!ParseDecimal(s, &v)) return Fail(value.Mark(), path + ": expected a whole number, got '" + Echo(s) + "'");
  if (v < min || v > max)
    return Fail(value.Mark(), path + ": must be between " + std::to_string(min) + " and " + std::to_string(max));
  *out = v;
  return true;
}

bool Loader::Path(N key, N value, S path, std::string* out) {
  std::string s;
  if (!Text(key, value, path, "an absolute path", &s)) return false;
  if (s.front() != '/') return Fail(value.Mark(), path + ": must be an absolute path, got '" + Echo(s) + "'");
  *out = s;
  return true;
}

bool Loader::Bool(N key, N value, S path, bool* out) {
  std::string s;
  if (!Text(key, value, path, "true or false", &s)) return false;
  if (s != "true" && s != "false") return Fail(value.Mark(), path + ": expected true or false, got '" + Echo(s) + "'");
  *out = s == "true";
  return true;
}

bool Loader::Listen(N key, N value, S path, Answers* a) {
  const std::string what = "host:port such as 0.0.0.0:8470 or \"[::]:8470\"";
  if (value.IsSequence())
    return Fail(value.Mark(), path + ": expected " + what + ", got a list; quote IPv6 addresses: \"[::]:8470\"");
  std::string s;
  if (!Text(key, value, path, what, &s)) return false;
  HostPortParse hp = ParseHostPort(s, Echo);
  if (!hp.ok) return Fail(value.Mark(), path + ": " + hp.why + (hp.port_error ? "" : "; expected " + what));
  a->listen_address = hp.value.host;
  a->listen_port = hp.value.port;
  return true;
}

bool Loader::Color(N key, N value, S path, std::string* out) {
  std::string s;
  if (!Text(key, value, path, "a colour such as #1f6feb", &s)) return false;
  bool ok = s.size() == 7 && s[0] == '#' &&
            std::all_of(s.begin() + 1, s.end(), [](char c) { return std::isxdigit(static_cast<unsigned char>(c)); });
  if (!ok) return Fail(value.Mark(), path + ": expected a colour such as #1f6feb, got '" + Echo(s) + "'");
  *out = s;
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
  if (!Map(value, key, path, fields)) return false;
  if (a->operator_name.empty()) return Fail(value.Mark(), "operator: missing 'name'; expected the first operator's account name");
  bool hash = !a->password_hash.empty();
  if (hash && a->generate_password) {
    YAML::Mark m = std::max(set_["operator.password_hash"], set_["operator.generate_password"],
                            [](const YAML::Mark& x, const YAML::Mark& y) { return x.pos < y.pos; });
    return Fail(m, "operator: both password_hash and generate_password are set; give exactly one of the two");
  }
  if (!hash && !a->generate_password)
    return Fail(generate_set ? set_["operator.generate_password"] : value.Mark(),
                "operator: no credential; expected password_hash or generate_password: true (exactly one)");
  return true;
}

bool Loader::Tenants(N /*key*/, N value, S path, Answers* a) {
  if (value.IsNull()) return true;
  if (!value.IsSequence()) return Fail(value.Mark(), path + ": expected a list of tenants, got " + Kind(value));
  std::map<std::string, int> seen;
  size_t i = 0;
  for (auto it = value.begin(); it != value.end(); ++it, ++i) {
    const YAML::Node item = *it;
    std::string p = path + "[" + std::to_string(i) + "]";
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
    if (!Map(item, value, p, fields)) return false;
    if (t.id.empty()) return Fail(item.Mark(), p + ": missing 'id'; expected a tenant id such as acme");
    if (t.memory_high && t.memory_max && !HighNotAboveMax(p, t.memory_high, t.memory_max)) return false;
    a->tenants.push_back(std::move(t));
  }
  return true;
}

bool Loader::HighNotAboveMax(S section, uint64_t high, uint64_t max) {
  if (high <= max) return true;
  std::string hk = section + ".memory_high", mk = section + ".memory_max";
  YAML::Mark m = set_.count(hk) ? set_[hk] : set_.count(mk) ? set_[mk] : YAML::Mark::null_mark();
  return Fail(m, hk + " (" + FormatSize(high) + ") must be at most " + mk + " (" + FormatSize(max) + ")");
}

bool Loader::Load(N root, Answers* a) {
  if (root.IsNull() || !root.IsDefined())
    return Fail(YAML::Mark::null_mark(), "the answer file is empty; expected at least an 'operator:' section");
  if (!root.IsMap()) return Fail(root.Mark(), "the answer file must be a map of settings such as 'operator:', got " + Kind(root));
  auto section = [this](std::vector<Field> fields) {
    return [this, fields](N k, N v, S p) { return Map(v, k, p, fields); };
  };
  bool has_operator = false;
  std::vector<Field> top = {
      {"listen", [=, this](N k, N v, S p) { return Listen(k, v, p, a); }},
      {"tls", section({
                  {"cert", [=, this](N k, N v, S p) { return Path(k, v, p, &a->tls_cert); }},
                  {"key", [=, this](N k, N v, S p) { return Path(k, v, p, &a->tls_key); }},
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
                       {"primary_color", [=, this](N k, N v, S p) { return Color(k, v, p, &a->primary_color); }},
                   })},
      {"tenant_defaults",
       section({
           {"memory_max", [=, this](N k, N v, S p) { return Size(k, v, p, &a->memory_max); }},
           {"memory_high", [=, this](N k, N v, S p) { return Size(k, v, p, &a->memory_high); }},
           {"cpu_quota", [=, this](N k, N v, S p) { return Percent(k, v, p, 100000, &a->cpu_quota_percent); }},
           {"tasks_max", [=, this](N k, N v, S p) { return Integer(k, v, p, 1, 4194304, &a->tasks_max); }},
           {"agent_exec", [=, this](N k, N v, S p) { return Path(k, v, p, &a->agent_exec); }},
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
                          if (!Percent(k, v, p, std::numeric_limits<uint64_t>::max(), &a->headroom_cpu_percent))
                            return false;
                          if (a->headroom_cpu_percent >= 100)
                            return Fail(v.Mark(), p + ": must be less than 100% (the host's share; tenants need the rest)");
                          return true;
                        }},
                   })},
      {"tenants",
       [=, this](N k, N v, S p) {
         set_["tenants"] = k.Mark();
         return Tenants(k, v, p, a);
       }},
  };
  if (!Map(root, root, "", top)) return false;
  if (!has_operator)
    return Fail(root.Mark(), "missing required section 'operator:' (the first operator account)");
  if (a->tls_cert.empty() != a->tls_key.empty()) {
    bool cert = !a->tls_cert.empty();
    return Fail(set_[cert ? "tls.cert" : "tls.key"],
                std::string("tls: ") + (cert ? "cert" : "key") + " is set without " + (cert ? "key" : "cert") +
                    "; give both, or neither for a self-signed certificate");
  }
  if (!HighNotAboveMax("tenant_defaults", a->memory_high, a->memory_max)) return false;
  // Nothing shipped runs a tenant by itself: without an image or a program the install would fail later,
  // at the first tenant, after changing the host.
  if (!a->tenants.empty() && a->runtime.empty() && a->agent_exec.empty())
    return Fail(set_["tenants"],
                "tenants: nothing to run them with: build an OpenClaw runtime image (images/runtime/build), "
                "import it before installing (clawhive-image import FILE) and name it in 'openclaw: {runtime: "
                "ID}', or give a program in 'tenant_defaults: {agent_exec: PATH}'");
  return true;
}

}  // namespace

Result<Answers> ParseAnswers(const std::string& yaml_text, const std::string& filename) {
  if (yaml_text.size() > kMaxFileBytes)
    return Error{ErrorCode::kTooLarge, filename + ": the answer file is larger than 1 MiB"};
  try {
    std::vector<YAML::Node> docs = YAML::LoadAll(yaml_text);
    if (docs.size() > 1) return Error::Invalid(At(filename, docs[1].Mark()) + "only one YAML document is allowed");
    YAML::Node root = docs.empty() ? YAML::Node() : docs[0];
    Answers answers;
    Loader loader(filename);
    if (!loader.Load(root, &answers)) return Error::Invalid(loader.error());
    return answers;
  } catch (const YAML::Exception& e) {
    return Error::Invalid(At(filename, e.mark) + e.msg);
  } catch (const std::exception& e) {
    return Error::Internal(filename + ": " + e.what());
  }
}

Result<Answers> LoadAnswers(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return Error::NotFound(path + ": cannot open the answer file");
  std::string text;
  char buf[65536];
  while (in.read(buf, sizeof buf) || in.gcount() > 0) {
    text.append(buf, static_cast<size_t>(in.gcount()));
    if (text.size() > kMaxFileBytes) return Error{ErrorCode::kTooLarge, path + ": the answer file is larger than 1 MiB"};
  }
  return ParseAnswers(text, path);
}

}  // namespace clawhive::installer
