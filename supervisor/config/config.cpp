#include "supervisor/config/config.h"

#include "supervisor/common/host_port.h"
#include "supervisor/images/manifest.h"

#include <arpa/inet.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>
#include <yaml-cpp/eventhandler.h>
#include <yaml-cpp/yaml.h>

#include <algorithm>
#include <cctype>
#include <cerrno>
#include <functional>
#include <limits>
#include <map>
#include <new>
#include <sstream>
#include <string_view>
#include <system_error>
#include <utility>
#include <vector>

#include "supervisor/common/quantity.h"

namespace clawhive {
namespace {

constexpr size_t kMaxConfigBytes = size_t{1} << 20;  // 1 MiB
// Node and depth limits are checked on the parser's event stream before any tree is built, so hostile
// input (deep nesting, huge flow lists) is refused before yaml-cpp allocates or recurses much. A real
// config has about a hundred nodes and a depth of four.
constexpr size_t kMaxNodes = 100000;
constexpr int kMaxDepth = 64;
constexpr size_t kMaxEcho = 40;            // longest user token repeated in a message
constexpr uint64_t kMaxUid = 4294967294u;  // (uid_t)-1 is "no uid"
constexpr uint64_t kMinUid = 1000;         // below: system users

// ---- Messages -------------------------------------------------------------------------------------

// A user token for a message: control bytes escaped, cut at kMaxEcho bytes on a UTF-8 boundary.
std::string Echo(std::string_view s) {
  std::string out;
  size_t i = 0;
  for (; i < s.size() && i < kMaxEcho; ++i) {
    auto c = static_cast<unsigned char>(s[i]);
    if (c < 0x20 || c == 0x7f) {
      static const char kHex[] = "0123456789abcdef";
      out += "\\x";
      out += kHex[c >> 4];
      out += kHex[c & 15];
    } else {
      out += static_cast<char>(c);
    }
  }
  if (i < s.size()) {
    while (!out.empty() && (static_cast<unsigned char>(out.back()) & 0xC0) == 0x80) out.pop_back();
    if (!out.empty() && static_cast<unsigned char>(out.back()) >= 0xC0) out.pop_back();
    out += "...";
  }
  return out;
}

std::string At(const std::string& file, int line0, int col0) {
  // yaml-cpp marks are 0-based; a null mark (-1) is reported as the start of the file.
  int line = line0 < 0 ? 1 : line0 + 1;
  int col = col0 < 0 ? 1 : col0 + 1;
  return file + ":" + std::to_string(line) + ":" + std::to_string(col) + ": ";
}

std::string At(const std::string& file, const YAML::Mark& m) { return At(file, m.line, m.column); }

std::string FormatSize(uint64_t bytes) {
  if (bytes == 0) return "infinity";
  static const char* kUnits[] = {"T", "G", "M", "K"};
  for (int i = 0; i < 4; ++i) {
    uint64_t unit = uint64_t{1} << (10 * (4 - i));
    if (bytes % unit == 0) return std::to_string(bytes / unit) + kUnits[i];
  }
  return std::to_string(bytes);
}

std::string FormatDuration(uint64_t ms) {
  if (ms != 0 && ms % 3600000 == 0) return std::to_string(ms / 3600000) + "h";
  if (ms != 0 && ms % 60000 == 0) return std::to_string(ms / 60000) + "m";
  if (ms != 0 && ms % 1000 == 0) return std::to_string(ms / 1000) + "s";
  return std::to_string(ms) + "ms";
}

size_t EditDistance(std::string_view a, std::string_view b) {
  std::vector<size_t> row(b.size() + 1);
  for (size_t j = 0; j <= b.size(); ++j) row[j] = j;
  for (size_t i = 1; i <= a.size(); ++i) {
    size_t diag = row[0];
    row[0] = i;
    for (size_t j = 1; j <= b.size(); ++j) {
      size_t up = row[j];
      row[j] = std::min({row[j] + 1, row[j - 1] + 1, diag + (a[i - 1] == b[j - 1] ? 0 : 1)});
      diag = up;
    }
  }
  return row[b.size()];
}

// ---- Text check -----------------------------------------------------------------------------------

// The file must be UTF-8 text: no control characters but tab/CR/LF, no malformed sequences. yaml-cpp
// passes invalid bytes through as U+FFFD, which would end up in paths and arguments. Columns count
// bytes, as yaml-cpp's marks do.
std::string CheckText(const std::string& text, const std::string& file) {
  int line = 0, col = 0;
  size_t i = 0, n = text.size();
  while (i < n) {
    auto c = static_cast<unsigned char>(text[i]);
    if (c == '\n') {
      ++line;
      col = 0;
      ++i;
      continue;
    }
    if (c < 0x80) {
      if ((c < 0x20 && c != '\t' && c != '\r') || c == 0x7f) {
        static const char kHex[] = "0123456789ABCDEF";
        return At(file, line, col) + "control character 0x" + kHex[c >> 4] + kHex[c & 15] +
               " is not allowed; the config must be UTF-8 text";
      }
      ++i;
      ++col;
      continue;
    }
    size_t len = 0;
    uint32_t cp = 0, min = 0;
    if (c >= 0xC2 && c <= 0xDF)
      len = 2, cp = c & 0x1F, min = 0x80;
    else if (c >= 0xE0 && c <= 0xEF)
      len = 3, cp = c & 0x0F, min = 0x800;
    else if (c >= 0xF0 && c <= 0xF4)
      len = 4, cp = c & 0x07, min = 0x10000;
    bool ok = len != 0 && i + len <= n;
    for (size_t k = 1; ok && k < len; ++k) {
      auto cc = static_cast<unsigned char>(text[i + k]);
      if ((cc & 0xC0) != 0x80) ok = false;
      cp = (cp << 6) | (cc & 0x3F);
    }
    if (ok && (cp < min || cp > 0x10FFFF || (cp >= 0xD800 && cp <= 0xDFFF))) ok = false;
    if (!ok) return At(file, line, col) + "invalid UTF-8; the config must be UTF-8 text";
    i += len;
    col += static_cast<int>(len);
  }
  return {};
}

// ---- Event pre-pass -------------------------------------------------------------------------------

struct Refusal {
  YAML::Mark mark;
  std::string message;
};

// Counts nodes and nesting on the event stream and refuses a second document. Throws Refusal.
class Guard : public YAML::EventHandler {
 public:
  void OnDocumentStart(const YAML::Mark& mark) override {
    last_ = mark;
    if (++documents_ > 1) throw Refusal{mark, "only one YAML document is allowed"};
  }
  void OnDocumentEnd() override {}
  void OnNull(const YAML::Mark& mark, YAML::anchor_t) override { Node(mark); }
  void OnAlias(const YAML::Mark& mark, YAML::anchor_t) override { Node(mark); }
  void OnScalar(const YAML::Mark& mark, const std::string&, YAML::anchor_t, const std::string&) override {
    Node(mark);
  }
  void OnSequenceStart(const YAML::Mark& mark, const std::string&, YAML::anchor_t,
                       YAML::EmitterStyle::value) override {
    Open(mark);
  }
  void OnSequenceEnd() override { --depth_; }
  void OnMapStart(const YAML::Mark& mark, const std::string&, YAML::anchor_t,
                  YAML::EmitterStyle::value) override {
    Open(mark);
  }
  void OnMapEnd() override { --depth_; }

  const YAML::Mark& last() const { return last_; }

 private:
  void Node(const YAML::Mark& mark) {
    last_ = mark;
    if (++nodes_ > kMaxNodes)
      throw Refusal{mark, "too many YAML nodes (the limit is " + std::to_string(kMaxNodes) + ")"};
  }
  void Open(const YAML::Mark& mark) {
    Node(mark);
    if (++depth_ > kMaxDepth)
      throw Refusal{mark, "nesting is too deep (the limit is " + std::to_string(kMaxDepth) + " levels)"};
  }

  YAML::Mark last_ = YAML::Mark::null_mark();
  size_t nodes_ = 0;
  int depth_ = 0;
  int documents_ = 0;
};

// ---- Tree walk ------------------------------------------------------------------------------------

std::string Kind(const YAML::Node& n) {
  switch (n.Type()) {
    case YAML::NodeType::Map:
      return "a map";
    case YAML::NodeType::Sequence:
      return "a list";
    case YAML::NodeType::Scalar:
      return "a single value";
    default:
      return "nothing";
  }
}

bool HasControl(std::string_view s) {
  return std::any_of(s.begin(), s.end(), [](char ch) {
    auto c = static_cast<unsigned char>(ch);
    return c < 0x20 || c == 0x7f;
  });
}

bool AllDigits(std::string_view s) {
  return !s.empty() && std::all_of(s.begin(), s.end(), [](char c) { return c >= '0' && c <= '9'; });
}

std::string_view Trim(std::string_view s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t')) s.remove_suffix(1);
  return s;
}

// Decimal digits only; false on overflow of uint64.
bool ParseDecimal(std::string_view s, uint64_t* out) {
  if (!AllDigits(s)) return false;
  uint64_t v = 0;
  for (char c : s) {
    auto d = static_cast<uint64_t>(c - '0');
    if (v > (std::numeric_limits<uint64_t>::max() - d) / 10) return false;
    v = v * 10 + d;
  }
  *out = v;
  return true;
}

class Loader {
 public:
  explicit Loader(const std::string& file) : file_(file) {}

  bool Load(const YAML::Node& root, Config* c);
  const std::string& error() const { return error_; }

 private:
  using Handler = std::function<bool(const YAML::Node& key, const YAML::Node& value, const std::string& path)>;
  struct Field {
    const char* name;
    Handler handle;
  };

  bool Fail(const YAML::Mark& mark, const std::string& message) {
    if (error_.empty()) error_ = At(file_, mark) + message;
    return false;
  }
  bool Visit(const YAML::Node& n) {
    if (++visited_ > kMaxNodes)
      return Fail(n.Mark(), "too many YAML nodes (the limit is " + std::to_string(kMaxNodes) + ")");
    return true;
  }

  bool Map(const YAML::Node& node, const YAML::Mark& where, const std::string& section,
           const std::vector<Field>& fields);
  bool Text(const YAML::Node& key, const YAML::Node& value, const std::string& path, const std::string& what,
            bool allow_empty, std::string* out);
  bool Integer(const YAML::Node& key, const YAML::Node& value, const std::string& path, uint64_t min,
               uint64_t max, bool infinity, uint64_t* out);
  template <typename T>
  bool Integer(const YAML::Node& key, const YAML::Node& value, const std::string& path, uint64_t min,
               uint64_t max, T* out) {
    uint64_t v;
    if (!Integer(key, value, path, min, max, false, &v)) return false;
    *out = static_cast<T>(v);
    return true;
  }
  bool Size(const YAML::Node& key, const YAML::Node& value, const std::string& path, uint64_t* out);
  bool Percent(const YAML::Node& key, const YAML::Node& value, const std::string& path, uint64_t* out);
  bool Duration(const YAML::Node& key, const YAML::Node& value, const std::string& path, uint64_t* out);
  bool Path(const YAML::Node& key, const YAML::Node& value, const std::string& path, std::string* out);
  bool Bool(const YAML::Node& key, const YAML::Node& value, const std::string& path, bool* out);
  bool Listen(const YAML::Node& key, const YAML::Node& value, const std::string& path, std::string* address,
              uint16_t* port);
  bool PlainHttp(const YAML::Node& key, const YAML::Node& value, const std::string& path, Config* c);
  bool ProxyListen(const YAML::Node& key, const YAML::Node& value, const std::string& path, Config* c);
  bool Color(const YAML::Node& key, const YAML::Node& value, const std::string& path, std::string* out);
  bool Name(const YAML::Node& key, const YAML::Node& value, const std::string& path, std::string* out);
  bool UidRange(const YAML::Node& key, const YAML::Node& value, const std::string& path, Config* c);
  bool Args(const YAML::Node& key, const YAML::Node& value, const std::string& path,
            std::vector<std::string>* out);
  bool Env(const YAML::Node& key, const YAML::Node& value, const std::string& path,
           std::vector<std::pair<std::string, std::string>>* out);
  bool HealthPath(const YAML::Node& key, const YAML::Node& value, const std::string& path, std::string* out);

  bool ImageId(const YAML::Node& key, const YAML::Node& value, const std::string& path, std::string* out);
  bool AgentExec(const YAML::Node& key, const YAML::Node& value, const std::string& path, std::string* out);
  bool Models(const YAML::Node& key, const YAML::Node& value, const std::string& path,
              std::vector<std::string>* out);
  bool ModelApi(const YAML::Node& key, const YAML::Node& value, const std::string& path, std::string* out);
  bool CrossCheck(const Config& c);
  bool NotAbove(const std::string& low_key, uint64_t low, const std::string& high_key, uint64_t high,
                bool or_equal, std::string (*format)(uint64_t));
  std::string Origin(const std::string& path) const { return set_.count(path) ? "" : ", the default"; }

  std::string file_;
  std::string error_;
  size_t visited_ = 0;
  std::map<std::string, YAML::Mark> set_;  // key path -> position of its value, for cross-field checks
};

bool Loader::Map(const YAML::Node& node, const YAML::Mark& where, const std::string& section,
                 const std::vector<Field>& fields) {
  if (!Visit(node)) return false;
  if (node.IsNull()) return true;  // "api:" with everything below commented out
  std::string name = section.empty() ? "the config" : section;
  if (!node.IsMap()) {
    YAML::Mark m = node.Mark().is_null() ? where : node.Mark();
    return Fail(m, (section.empty() ? "" : section + ": ") + "expected a map of settings, got " + Kind(node));
  }
  std::map<std::string, int> seen;  // key -> 1-based line of its first occurrence
  for (auto it = node.begin(); it != node.end(); ++it) {
    // Copies: yaml-cpp's operator-> returns a proxy, so a reference into it would dangle.
    const YAML::Node key = it->first;
    const YAML::Node value = it->second;
    if (!Visit(key)) return false;
    if (!key.IsScalar() || key.Scalar().empty())
      return Fail(key.Mark().is_null() ? node.Mark() : key.Mark(),
                  "expected a key name in " + name + ", got " +
                      (key.IsScalar() ? std::string("an empty key") : Kind(key)));
    const std::string& k = key.Scalar();
    auto [first, fresh] = seen.emplace(k, key.Mark().line + 1);
    if (!fresh)
      return Fail(key.Mark(), "duplicate key '" + Echo(k) + "' in " + name + " (first at line " +
                                  std::to_string(first->second) + ")");
    auto field = std::find_if(fields.begin(), fields.end(), [&](const Field& f) { return k == f.name; });
    if (field == fields.end()) {
      std::string message =
          "unknown key '" + Echo(k) + "' " + (section.empty() ? "at top level" : "in " + section);
      const char* best = nullptr;
      size_t best_distance = 3;
      if (k.size() <= 64) {
        for (const Field& f : fields) {
          size_t d = EditDistance(k, f.name);
          if (d < best_distance) best_distance = d, best = f.name;
        }
      }
      if (best) message += std::string("; did you mean '") + best + "'?";
      return Fail(key.Mark(), message);
    }
    std::string path = section.empty() ? k : section + "." + k;
    if (!field->handle(key, value, path)) return false;
  }
  return true;
}

bool Loader::Text(const YAML::Node& key, const YAML::Node& value, const std::string& path,
                  const std::string& what, bool allow_empty, std::string* out) {
  if (!Visit(value)) return false;
  if (value.IsNull() || !value.IsDefined()) return Fail(key.Mark(), path + ": empty value; expected " + what);
  if (!value.IsScalar()) return Fail(value.Mark(), path + ": expected " + what + ", got " + Kind(value));
  if (value.Scalar().empty() && !allow_empty)
    return Fail(value.Mark(), path + ": empty value; expected " + what);
  if (HasControl(value.Scalar())) return Fail(value.Mark(), path + ": must not contain control characters");
  set_[path] = value.Mark();
  *out = value.Scalar();
  return true;
}

bool Loader::Integer(const YAML::Node& key, const YAML::Node& value, const std::string& path, uint64_t min,
                     uint64_t max, bool infinity, uint64_t* out) {
  std::string what = infinity ? "a whole number such as 512, or infinity" : "a whole number";
  std::string s;
  if (!Text(key, value, path, what, false, &s)) return false;
  if (infinity && s == "infinity") {
    *out = 0;
    return true;
  }
  std::string_view t = Trim(s);
  if (!t.empty() && t.front() == '-') return Fail(value.Mark(), path + ": must not be negative");
  if (!AllDigits(t)) return Fail(value.Mark(), path + ": expected " + what + ", got '" + Echo(s) + "'");
  if (t.size() > 1 && t.front() == '0')
    return Fail(value.Mark(), path + ": leading zeros are not allowed in '" + Echo(s) + "'");
  uint64_t v = 0;
  bool parsed = ParseDecimal(t, &v);
  if (!parsed || v < min || v > max) {
    if (parsed && v < min && max >= std::numeric_limits<uint32_t>::max())
      return Fail(value.Mark(),
                  path + ": must be at least " + std::to_string(min) + (infinity ? ", or infinity" : ""));
    if (max == std::numeric_limits<uint64_t>::max()) return Fail(value.Mark(), path + ": is too large");
    std::string range = max >= std::numeric_limits<uint32_t>::max()
                            ? "at most " + std::to_string(max)
                            : "between " + std::to_string(min) + " and " + std::to_string(max);
    return Fail(value.Mark(), path + ": must be " + range);
  }
  *out = v;
  return true;
}

bool Loader::Size(const YAML::Node& key, const YAML::Node& value, const std::string& path, uint64_t* out) {
  std::string s;
  if (!Text(key, value, path, "a size such as 512M or 2G, or infinity", false, &s)) return false;
  if (s == "infinity") {
    *out = 0;
    return true;
  }
  std::string_view t = Trim(s);
  if (!t.empty() && t.front() == '-') return Fail(value.Mark(), path + ": must not be negative");
  Result<uint64_t> r = ParseSize(s);
  if (!r.ok()) return Fail(value.Mark(), path + ": " + r.error().message);
  if (*r == 0) return Fail(value.Mark(), path + ": must be greater than 0; use infinity for no limit");
  *out = *r;
  return true;
}

bool Loader::Percent(const YAML::Node& key, const YAML::Node& value, const std::string& path, uint64_t* out) {
  std::string s;
  if (!Text(key, value, path, "a percentage such as 150%, or infinity", false, &s)) return false;
  if (s == "infinity") {
    *out = 0;
    return true;
  }
  std::string_view t = Trim(s);
  if (!t.empty() && t.front() == '-') return Fail(value.Mark(), path + ": must not be negative");
  Result<uint64_t> r = ParsePercent(s);
  if (!r.ok()) return Fail(value.Mark(), path + ": " + r.error().message);
  if (*r == 0) return Fail(value.Mark(), path + ": must be at least 1%; use infinity for no limit");
  *out = *r;
  return true;
}

bool Loader::Duration(const YAML::Node& key, const YAML::Node& value, const std::string& path, uint64_t* out) {
  std::string s;
  if (!Text(key, value, path, "a duration such as 500ms, 5s or 2m", false, &s)) return false;
  std::string_view t = Trim(s);
  if (!t.empty() && t.front() == '-') return Fail(value.Mark(), path + ": must not be negative");
  Result<uint64_t> r = ParseDurationMs(s);
  if (!r.ok()) return Fail(value.Mark(), path + ": " + r.error().message);
  if (*r == 0) return Fail(value.Mark(), path + ": must be at least 1ms");
  *out = *r;
  return true;
}

bool Loader::Path(const YAML::Node& key, const YAML::Node& value, const std::string& path, std::string* out) {
  std::string s;
  if (!Text(key, value, path, "an absolute path", false, &s)) return false;
  if (s.front() != '/') return Fail(value.Mark(), path + ": must be an absolute path, got '" + Echo(s) + "'");
  *out = s;
  return true;
}

bool Loader::Bool(const YAML::Node& key, const YAML::Node& value, const std::string& path, bool* out) {
  std::string s;
  if (!Text(key, value, path, "true or false", false, &s)) return false;
  if (s == "true") {
    *out = true;
  } else if (s == "false") {
    *out = false;
  } else {
    return Fail(value.Mark(), path + ": expected true or false, got '" + Echo(s) + "'");
  }
  return true;
}

bool Loader::Listen(const YAML::Node& key, const YAML::Node& value, const std::string& path, std::string* address,
                    uint16_t* port_out) {
  const std::string what = "host:port such as 127.0.0.1:8470 or [::1]:8470";
  if (value.IsSequence())  // unquoted [::1]:8470 is YAML flow-list syntax
    return Fail(value.Mark(),
                path + ": expected " + what + ", got a list; quote IPv6 addresses: \"[::1]:8470\"");
  std::string s;
  if (!Text(key, value, path, what, false, &s)) return false;
  HostPortParse hp = ParseHostPort(s, Echo);
  if (!hp.ok) return Fail(value.Mark(), path + ": " + hp.why + (hp.port_error ? "" : "; expected " + what));
  *address = hp.value.host;
  *port_out = hp.value.port;
  return true;
}

// Plain HTTP carries passwords, cookies and tokens in the clear: loopback literals only.
bool Loader::PlainHttp(const YAML::Node& key, const YAML::Node& value, const std::string& path, Config* c) {
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

// Each agent reaches the proxy through its egress bridge (units/clawhive-meter@.socket), which connects
// from an IPv4 source address naming the tenant (supervisor/bridge/bridge.h): the proxy must be on 127.0.0.1.
bool Loader::ProxyListen(const YAML::Node& key, const YAML::Node& value, const std::string& path, Config* c) {
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

bool Loader::Color(const YAML::Node& key, const YAML::Node& value, const std::string& path, std::string* out) {
  std::string s;
  if (!Text(key, value, path, "a colour such as #1f6feb", false, &s)) return false;
  bool ok = s.size() == 7 && s[0] == '#' &&
            std::all_of(s.begin() + 1, s.end(), [](char ch) { return std::isxdigit(static_cast<unsigned char>(ch)); });
  if (!ok) return Fail(value.Mark(), path + ": expected a colour such as #1f6feb, got '" + Echo(s) + "'");
  *out = s;
  return true;
}

bool Loader::Name(const YAML::Node& key, const YAML::Node& value, const std::string& path, std::string* out) {
  std::string s;
  if (!Text(key, value, path, "a name of 1 to 64 characters", false, &s)) return false;
  if (s.size() > 64) return Fail(value.Mark(), path + ": at most 64 characters, got " + std::to_string(s.size()));
  *out = s;
  return true;
}

bool Loader::UidRange(const YAML::Node& key, const YAML::Node& value, const std::string& path, Config* c) {
  std::string s;
  if (!Text(key, value, path, "a uid range such as 300000-399999", false, &s)) return false;
  std::string_view t = Trim(s);
  size_t dash = t.find('-');
  uint64_t lo = 0, hi = 0;
  if (dash == std::string_view::npos || dash == 0 || !ParseDecimal(Trim(t.substr(0, dash)), &lo) ||
      !ParseDecimal(Trim(t.substr(dash + 1)), &hi))
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

bool Loader::Args(const YAML::Node& key, const YAML::Node& value, const std::string& path,
                  std::vector<std::string>* out) {
  if (!Visit(value)) return false;
  if (value.IsNull())
    return Fail(key.Mark(), path + ": empty value; expected a list of strings (use [] for none)");
  if (!value.IsSequence()) return Fail(value.Mark(), path + ": expected a list of strings, got " + Kind(value));
  std::vector<std::string> args;
  size_t i = 0;
  for (auto it = value.begin(); it != value.end(); ++it, ++i) {
    std::string s;
    const YAML::Node item = *it;
    // An empty item's mark is where the next token starts (often the next line): point at the list.
    if (!Text(value, item, path + "[" + std::to_string(i) + "]", "a string (quote \"\" for an empty argument)",
              true, &s))
      return false;
    args.push_back(std::move(s));
  }
  *out = std::move(args);
  return true;
}

bool Loader::Env(const YAML::Node& key, const YAML::Node& value, const std::string& path,
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

bool Loader::HealthPath(const YAML::Node& key, const YAML::Node& value, const std::string& path,
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
bool Loader::ImageId(const YAML::Node& key, const YAML::Node& value, const std::string& path, std::string* out) {
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
bool Loader::AgentExec(const YAML::Node& key, const YAML::Node& value, const std::string& path, std::string* out) {
  std::string s;
  if (!Text(key, value, path, "an absolute path (\"\" for none)", true, &s)) return false;
  if (!s.empty() && s.front() != '/')
    return Fail(value.Mark(), path + ": must be an absolute path or \"\", got '" + Echo(s) + "'");
  *out = s;
  return true;
}

// Model ids as the provider knows them ("gpt-4o-mini", "claude-sonnet-4-5"): no spaces, no '/', which
// OpenClaw uses between the provider and the model.
bool Loader::Models(const YAML::Node& key, const YAML::Node& value, const std::string& path,
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

bool Loader::ModelApi(const YAML::Node& key, const YAML::Node& value, const std::string& path, std::string* out) {
  std::string s;
  if (!Text(key, value, path, "openai-completions, openai-responses or anthropic-messages", false, &s)) return false;
  if (s != "openai-completions" && s != "openai-responses" && s != "anthropic-messages")
    return Fail(value.Mark(), path + ": '" + Echo(s) +
                                  "' is not one of openai-completions, openai-responses, anthropic-messages");
  *out = s;
  return true;
}

// low must be <= high (or < high when !or_equal); 0 means "not limited" and is never compared. The error
// points at whichever of the two the file sets (low first), and says which one is the built-in default.
bool Loader::NotAbove(const std::string& low_key, uint64_t low, const std::string& high_key, uint64_t high,
                      bool or_equal, std::string (*format)(uint64_t)) {
  if (low == 0 || high == 0 || low < high || (or_equal && low == high)) return true;
  auto m = set_.count(low_key)    ? set_[low_key]
           : set_.count(high_key) ? set_[high_key]
                                  : YAML::Mark::null_mark();
  return Fail(m, low_key + " (" + format(low) + Origin(low_key) + ") must be " +
                     (or_equal ? "at most " : "less than ") + high_key + " (" + format(high) +
                     Origin(high_key) + ")");
}

bool Loader::CrossCheck(const Config& c) {
  return NotAbove("parent_slice.memory_high", c.parent_memory_high, "parent_slice.memory_max",
                  c.parent_memory_max, true, FormatSize) &&
         NotAbove("tenant_defaults.memory_high", c.default_resources.memory_high, "tenant_defaults.memory_max",
                  c.default_resources.memory_max, true, FormatSize) &&
         NotAbove("crash_policy.backoff_initial", c.backoff_initial_ms, "crash_policy.backoff_max",
                  c.backoff_max_ms, true, FormatDuration) &&
         NotAbove("probe.timeout", c.probe_timeout_ms, "probe.interval", c.probe_interval_ms, false,
                  FormatDuration);
}

bool Loader::Load(const YAML::Node& root, Config* c) {
  if (!root.IsNull() && !root.IsMap())
    return Fail(root.Mark(),
                "the config must be a map of sections such as 'api:' and 'paths:', got " + Kind(root));
  using N = const YAML::Node&;
  using S = const std::string&;
  constexpr uint64_t k32 = std::numeric_limits<uint32_t>::max();
  constexpr uint64_t k64 = std::numeric_limits<uint64_t>::max();
  auto section = [this](const std::vector<Field>& fields) {
    return [this, fields](N k, N v, S p) { return Map(v, k.Mark(), p, fields); };
  };
  Resources& r = c->default_resources;
  AgentSpec& a = c->default_agent;
  std::vector<Field> top = {
      {"api", section({
                  {"listen", [=, this](N k, N v, S p) { return Listen(k, v, p, &c->listen_address, &c->listen_port); }},
                  {"plain_http", [=, this](N k, N v, S p) { return PlainHttp(k, v, p, c); }},
                  {"tls", section({
                              {"cert", [=, this](N k, N v, S p) { return Path(k, v, p, &c->tls_cert_file); }},
                              {"key", [=, this](N k, N v, S p) { return Path(k, v, p, &c->tls_key_file); }},
                          })},
              })},
      {"branding", section({
                       {"product_name", [=, this](N k, N v, S p) { return Name(k, v, p, &c->product_name); }},
                       {"primary_color", [=, this](N k, N v, S p) { return Color(k, v, p, &c->primary_color); }},
                   })},
      {"proxy", section({
                    {"listen", [=, this](N k, N v, S p) { return ProxyListen(k, v, p, c); }},
                    {"threads", [=, this](N k, N v, S p) { return Integer(k, v, p, 4, 4096, &c->proxy_threads); }},
                })},
      {"usage", section({
                    {"interval", [=, this](N k, N v, S p) { return Duration(k, v, p, &c->usage_interval_ms); }},
                    {"history", [=, this](N k, N v, S p) { return Integer(k, v, p, 2, 100000, &c->usage_history); }},
                })},
      {"paths", section({
                    {"state_dir", [=, this](N k, N v, S p) { return Path(k, v, p, &c->state_dir); }},
                    {"tenants_dir", [=, this](N k, N v, S p) { return Path(k, v, p, &c->tenants_dir); }},
                    {"meter_dir", [=, this](N k, N v, S p) { return Path(k, v, p, &c->meter_dir); }},
                    {"unit_dir", [=, this](N k, N v, S p) { return Path(k, v, p, &c->unit_dir); }},
                    {"console_dir", [=, this](N k, N v, S p) { return Path(k, v, p, &c->console_dir); }},
                })},
      {"parent_slice",
       section({
           {"memory_max", [=, this](N k, N v, S p) { return Size(k, v, p, &c->parent_memory_max); }},
           {"memory_high", [=, this](N k, N v, S p) { return Size(k, v, p, &c->parent_memory_high); }},
           {"cpu_quota", [=, this](N k, N v, S p) { return Percent(k, v, p, &c->parent_cpu_quota_percent); }},
           {"tasks_max",
            [=, this](N k, N v, S p) { return Integer(k, v, p, 1, k64, true, &c->parent_tasks_max); }},
       })},
      {"tenant_defaults",
       section({
           {"memory_high", [=, this, &r](N k, N v, S p) { return Size(k, v, p, &r.memory_high); }},
           {"memory_max", [=, this, &r](N k, N v, S p) { return Size(k, v, p, &r.memory_max); }},
           {"cpu_weight", [=, this, &r](N k, N v, S p) { return Integer(k, v, p, 1, 10000, &r.cpu_weight); }},
           {"cpu_quota", [=, this, &r](N k, N v, S p) { return Percent(k, v, p, &r.cpu_quota_percent); }},
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
           {"images_dir", [=, this](N k, N v, S p) { return Path(k, v, p, &c->images_dir); }},
           {"runtime", [=, this](N k, N v, S p) { return ImageId(k, v, p, &c->default_runtime); }},
           {"models", [=, this](N k, N v, S p) { return Models(k, v, p, &c->openclaw_models); }},
           {"api", [=, this](N k, N v, S p) { return ModelApi(k, v, p, &c->openclaw_api); }},
           {"start_timeout",
            [=, this](N k, N v, S p) { return Duration(k, v, p, &c->openclaw_start_timeout_ms); }},
       })},
  };
  return Map(root, root.Mark(), "", top) && CrossCheck(*c);
}

}  // namespace

Result<Config> ParseConfig(const std::string& yaml_text, const std::string& filename) {
  if (yaml_text.size() > kMaxConfigBytes)
    return Error{ErrorCode::kTooLarge, filename + ": the config is " + std::to_string(yaml_text.size()) +
                                           " bytes; the limit is 1 MiB"};
  if (std::string bad = CheckText(yaml_text, filename); !bad.empty()) return Error::Invalid(bad);
  try {
    Guard guard;
    try {
      std::istringstream in(yaml_text);
      YAML::Parser parser(in);
      while (parser.HandleNextDocument(guard)) {
      }
    } catch (const Refusal& r) {
      return Error::Invalid(At(filename, r.mark) + r.message);
    } catch (const YAML::Exception& e) {
      return Error::Invalid(At(filename, e.mark.is_null() ? guard.last() : e.mark) + e.msg);
    }
    YAML::Node root = YAML::Load(yaml_text);
    Config config;
    Loader loader(filename);
    if (!loader.Load(root, &config)) return Error::Invalid(loader.error());
    return config;
  } catch (const YAML::Exception& e) {
    return Error::Invalid(At(filename, e.mark) + e.msg);
  } catch (const std::bad_alloc&) {
    return Error{ErrorCode::kTooLarge, filename + ": out of memory while reading the config"};
  } catch (const std::exception& e) {
    return Error::Internal(filename + ": " + e.what());
  }
}

Result<Config> LoadConfig(const std::string& path) {
  auto os_error = [&](const char* what, int err) {
    std::string message = path + ": " + what + ": " + std::error_code(err, std::generic_category()).message();
    return err == ENOENT ? Error::NotFound(message) : Error::Unavailable(message);
  };
  // O_NONBLOCK: a FIFO must not block the daemon at open; it is refused below as not a regular file.
  int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC | O_NOCTTY | O_NONBLOCK);
  if (fd < 0) return os_error("cannot open", errno);
  struct stat st {};
  if (::fstat(fd, &st) != 0) {
    int err = errno;
    ::close(fd);
    return os_error("cannot stat", err);
  }
  if (!S_ISREG(st.st_mode)) {
    ::close(fd);
    return Error::Invalid(path + ": not a regular file");
  }
  auto too_large = [&] {
    return Error{ErrorCode::kTooLarge, path + ": the file is larger than 1 MiB; this cannot be a config file"};
  };
  if (static_cast<uint64_t>(st.st_size) > kMaxConfigBytes) {
    ::close(fd);
    return too_large();
  }
  std::string text;
  char buf[65536];
  for (;;) {
    ssize_t n = ::read(fd, buf, sizeof buf);
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) {
      int err = errno;
      ::close(fd);
      return os_error("cannot read", err);
    }
    if (n == 0) break;
    text.append(buf, static_cast<size_t>(n));
    if (text.size() > kMaxConfigBytes) {  // the file grew after fstat
      ::close(fd);
      return too_large();
    }
  }
  ::close(fd);
  return ParseConfig(text, path);
}

}  // namespace clawhive
