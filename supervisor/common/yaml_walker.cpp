#include "supervisor/common/yaml_walker.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>
#include <yaml-cpp/eventhandler.h>

#include <algorithm>
#include <cctype>
#include <cerrno>
#include <limits>
#include <memory>
#include <new>
#include <sstream>
#include <system_error>

#include "supervisor/common/quantity.h"
#include "supervisor/common/unique_fd.h"

namespace clawhive {
namespace {

constexpr size_t kMaxEcho = 40;  // longest user token repeated in a message

std::string Bytes(size_t n) {
  if (n % (size_t{1} << 20) == 0) return std::to_string(n >> 20) + " MiB";
  return std::to_string(n) + " bytes";
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

// ---- Text check -----------------------------------------------------------------------------------

struct Refusal {
  YAML::Mark mark;
  std::string message;
};

YAML::Mark MarkAt(int line, int column) {
  YAML::Mark m = YAML::Mark::null_mark();
  m.line = line;
  m.column = column;
  return m;
}

// The text must be UTF-8: no control characters but tab/CR/LF, no malformed sequences. yaml-cpp passes
// invalid bytes through as U+FFFD, which would end up in paths and arguments. Columns count bytes, as
// yaml-cpp's marks do. Throws Refusal.
void CheckText(const std::string& text, const std::string& noun) {
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
        throw Refusal{MarkAt(line, col), std::string("control character 0x") + kHex[c >> 4] + kHex[c & 15] +
                                             " is not allowed; " + noun + " must be UTF-8 text"};
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
    if (!ok) throw Refusal{MarkAt(line, col), "invalid UTF-8; " + noun + " must be UTF-8 text"};
    i += len;
    col += static_cast<int>(len);
  }
}

// ---- Event pre-pass -------------------------------------------------------------------------------

// Counts nodes and nesting on the parser's event stream, before any tree is built, and refuses a second
// document. Throws Refusal.
class Guard : public YAML::EventHandler {
 public:
  explicit Guard(const YamlLimits& limits) : limits_(limits) {}
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
  void OnMapStart(const YAML::Mark& mark, const std::string&, YAML::anchor_t, YAML::EmitterStyle::value) override {
    Open(mark);
  }
  void OnMapEnd() override { --depth_; }

  const YAML::Mark& last() const { return last_; }

 private:
  void Node(const YAML::Mark& mark) {
    last_ = mark;
    if (++nodes_ > limits_.max_nodes)
      throw Refusal{mark, "too many YAML nodes (the limit is " + std::to_string(limits_.max_nodes) + ")"};
  }
  void Open(const YAML::Mark& mark) {
    Node(mark);
    if (++depth_ > limits_.max_depth)
      throw Refusal{mark, "nesting is too deep (the limit is " + std::to_string(limits_.max_depth) + " levels)"};
  }

  const YamlLimits& limits_;
  YAML::Mark last_ = YAML::Mark::null_mark();
  size_t nodes_ = 0;
  int depth_ = 0;
  int documents_ = 0;
};

}  // namespace

// ---- Messages -------------------------------------------------------------------------------------

std::string YamlWalker::Echo(std::string_view s) {
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

std::string YamlWalker::Kind(Node n) {
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

std::string YamlWalker::FormatSize(uint64_t bytes) {
  if (bytes == 0) return "infinity";
  static const char* kUnits[] = {"P", "T", "G", "M", "K"};
  for (int i = 0; i < 5; ++i) {
    uint64_t unit = uint64_t{1} << (10 * (5 - i));
    if (bytes % unit == 0) return std::to_string(bytes / unit) + kUnits[i];
  }
  return std::to_string(bytes);
}

std::string YamlWalker::FormatDuration(uint64_t ms) {
  if (ms != 0 && ms % 3600000 == 0) return std::to_string(ms / 3600000) + "h";
  if (ms != 0 && ms % 60000 == 0) return std::to_string(ms / 60000) + "m";
  if (ms != 0 && ms % 1000 == 0) return std::to_string(ms / 1000) + "s";
  return std::to_string(ms) + "ms";
}

std::string YamlWalker::At(const YAML::Mark& m) const {
  // yaml-cpp marks are 0-based; a null mark (-1) is reported as the start of the file.
  int line = m.line < 0 ? 1 : m.line + 1;
  int col = m.column < 0 ? 1 : m.column + 1;
  return file_ + ":" + std::to_string(line) + ":" + std::to_string(col) + ": ";
}

bool YamlWalker::Fail(const YAML::Mark& mark, const std::string& message) {
  if (error_.empty()) error_ = At(mark) + message;
  return false;
}

bool YamlWalker::Visit(Node n) {
  if (++visited_ > limits_.max_nodes)
    return Fail(n.Mark(), "too many YAML nodes (the limit is " + std::to_string(limits_.max_nodes) + ")");
  return true;
}

// ---- Parsing --------------------------------------------------------------------------------------

Status YamlWalker::Walk(const std::string& text, const std::function<bool(Node root)>& walk) {
  if (text.size() > limits_.max_bytes)
    return Error{ErrorCode::kTooLarge, file_ + ": " + document_.noun + " is " + std::to_string(text.size()) +
                                           " bytes; the limit is " + Bytes(limits_.max_bytes)};
  try {
    Guard guard(limits_);
    try {
      CheckText(text, document_.noun);
      std::istringstream in(text);
      YAML::Parser parser(in);
      while (parser.HandleNextDocument(guard)) {
      }
    } catch (const Refusal& r) {
      return Error::Invalid(At(r.mark) + r.message);
    } catch (const YAML::Exception& e) {
      return Error::Invalid(At(e.mark.is_null() ? guard.last() : e.mark) + e.msg);
    }
    if (!walk(YAML::Load(text))) return Error::Invalid(error_);
    return Status::Ok();
  } catch (const YAML::Exception& e) {
    return Error::Invalid(At(e.mark) + e.msg);
  } catch (const std::bad_alloc&) {
    return Error{ErrorCode::kTooLarge, file_ + ": out of memory while reading " + document_.noun};
  } catch (const std::exception& e) {
    return Error::Internal(file_ + ": " + e.what());
  }
}

Status YamlWalker::WalkFile(const std::string& path, const std::function<bool(Node root)>& walk) {
  auto os_error = [&](const char* what, int err) {
    std::string message = path + ": " + what + ": " + std::error_code(err, std::generic_category()).message();
    return err == ENOENT ? Error::NotFound(message) : Error::Unavailable(message);
  };
  // O_NONBLOCK: a FIFO must not block at open; it is refused below as not a regular file.
  UniqueFd fd(::open(path.c_str(), O_RDONLY | O_CLOEXEC | O_NOCTTY | O_NONBLOCK));
  if (fd.get() < 0) return os_error("cannot open", errno);
  struct stat st {};
  if (::fstat(fd.get(), &st) != 0) return os_error("cannot stat", errno);
  if (!S_ISREG(st.st_mode)) return Error::Invalid(path + ": not a regular file");
  auto too_large = [&] {
    return Error{ErrorCode::kTooLarge, path + ": the file is larger than " + Bytes(limits_.max_bytes) +
                                           "; this cannot be " + document_.kind};
  };
  if (static_cast<uint64_t>(st.st_size) > limits_.max_bytes) return too_large();
  std::string text;
  char buf[65536];
  for (;;) {
    ssize_t n = ::read(fd.get(), buf, sizeof buf);
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) return os_error("cannot read", errno);
    if (n == 0) break;
    text.append(buf, static_cast<size_t>(n));
    if (text.size() > limits_.max_bytes) return too_large();  // the file grew after fstat
  }
  return Walk(text, walk);
}

// ---- Structure ------------------------------------------------------------------------------------

bool YamlWalker::Map(Node node, const YAML::Mark& where, Path section, const std::vector<Field>& fields,
                     bool null_is_empty) {
  if (!Visit(node)) return false;
  if (node.IsNull() && null_is_empty) return true;  // "api:" with everything below commented out
  std::string name = section.empty() ? document_.noun : section;
  if (!node.IsMap()) {
    YAML::Mark m = node.IsNull() || node.Mark().is_null() ? where : node.Mark();
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
      std::string message = "unknown key '" + Echo(k) + "' " + (section.empty() ? "at top level" : "in " + section);
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
    if (!field->handle(key, value, section.empty() ? k : section + "." + k)) return false;
  }
  return true;
}

YamlWalker::Handler YamlWalker::Section(std::vector<Field> fields, bool null_is_empty) {
  return [this, fields = std::move(fields), null_is_empty](Node k, Node v, Path p) {
    return Map(v, k.Mark(), p, fields, null_is_empty);
  };
}

bool YamlWalker::List(Node key, Node value, Path path, const std::string& what, bool null_is_empty,
                      const std::function<bool(Node list, Node item, Path item_path)>& each) {
  if (!Visit(value)) return false;
  if (value.IsNull() && null_is_empty) return true;
  if (value.IsNull()) return Fail(key.Mark(), path + ": empty value; expected " + what + " (use [] for none)");
  if (!value.IsSequence()) return Fail(value.Mark(), path + ": expected " + what + ", got " + Kind(value));
  size_t i = 0;
  for (auto it = value.begin(); it != value.end(); ++it, ++i) {
    const YAML::Node item = *it;
    if (!each(value, item, path + "[" + std::to_string(i) + "]")) return false;
  }
  return true;
}

// ---- Values ---------------------------------------------------------------------------------------

bool YamlWalker::Text(Node key, Node value, Path path, const std::string& what, bool allow_empty,
                      std::string* out) {
  if (!Visit(value)) return false;
  if (value.IsNull() || !value.IsDefined()) return Fail(key.Mark(), path + ": empty value; expected " + what);
  if (!value.IsScalar()) return Fail(value.Mark(), path + ": expected " + what + ", got " + Kind(value));
  if (value.Scalar().empty() && !allow_empty) return Fail(value.Mark(), path + ": empty value; expected " + what);
  if (HasControl(value.Scalar())) return Fail(value.Mark(), path + ": must not contain control characters");
  set_[path] = value.Mark();
  *out = value.Scalar();
  return true;
}

bool YamlWalker::NotNegative(Node value, Path path, const std::string& s) {
  std::string_view t = Trim(s);
  if (!t.empty() && t.front() == '-') return Fail(value.Mark(), path + ": must not be negative");
  return true;
}

bool YamlWalker::Bool(Node key, Node value, Path path, bool* out) {
  std::string s;
  if (!Text(key, value, path, "true or false", false, &s)) return false;
  if (s != "true" && s != "false") return Fail(value.Mark(), path + ": expected true or false, got '" + Echo(s) + "'");
  *out = s == "true";
  return true;
}

bool YamlWalker::Integer(Node key, Node value, Path path, uint64_t min, uint64_t max, bool infinity,
                         uint64_t* out) {
  std::string what = infinity ? "a whole number such as 512, or infinity" : "a whole number";
  std::string s;
  if (!Text(key, value, path, what, false, &s)) return false;
  if (infinity && s == "infinity") {
    *out = 0;
    return true;
  }
  if (!NotNegative(value, path, s)) return false;
  std::string_view t = Trim(s);
  if (!AllDigits(t)) return Fail(value.Mark(), path + ": expected " + what + ", got '" + Echo(s) + "'");
  if (t.size() > 1 && t.front() == '0')
    return Fail(value.Mark(), path + ": leading zeros are not allowed in '" + Echo(s) + "'");
  uint64_t v = 0;
  bool parsed = ParseDecimal(t, &v);
  if (!parsed || v < min || v > max) {
    // Wide ranges read better as one bound: "at least 1", "at most 4294967295".
    if (parsed && v < min && max >= std::numeric_limits<uint32_t>::max())
      return Fail(value.Mark(), path + ": must be at least " + std::to_string(min) + (infinity ? ", or infinity" : ""));
    if (max == std::numeric_limits<uint64_t>::max()) return Fail(value.Mark(), path + ": is too large");
    std::string range = max >= std::numeric_limits<uint32_t>::max()
                            ? "at most " + std::to_string(max)
                            : "between " + std::to_string(min) + " and " + std::to_string(max);
    return Fail(value.Mark(), path + ": must be " + range);
  }
  *out = v;
  return true;
}

// Sizes, percentages and durations alike: "infinity" (0) where allowed, no sign, never 0, at most max.
bool YamlWalker::Quantity(Node key, Node value, Path path, const Measure& m, bool infinity, uint64_t max,
                          uint64_t* out) {
  std::string s;
  if (!Text(key, value, path, m.what + (infinity ? ", or infinity" : ""), false, &s)) return false;
  if (s == "infinity") {
    if (!infinity) return Fail(value.Mark(), path + ": must be finite; expected " + m.what);
    *out = 0;
    return true;
  }
  if (!NotNegative(value, path, s)) return false;
  Result<uint64_t> r = m.parse(s);
  if (!r.ok()) return Fail(value.Mark(), path + ": " + r.error().message);
  if (*r == 0) return Fail(value.Mark(), path + ": " + m.zero + (infinity ? "; use infinity for no limit" : ""));
  if (*r > max) return Fail(value.Mark(), path + ": '" + Echo(s) + "' is larger than " + m.format(max));
  *out = *r;
  return true;
}

bool YamlWalker::Size(Node key, Node value, Path path, bool infinity, uint64_t max, uint64_t* out) {
  static const Measure kSize{"a size such as 512M or 2G", ParseSize, "must be greater than 0", FormatSize};
  return Quantity(key, value, path, kSize, infinity, max, out);
}

bool YamlWalker::Percent(Node key, Node value, Path path, bool infinity, uint64_t max, uint64_t* out) {
  static const Measure kPercent{"a percentage such as 150%", ParsePercent, "must be at least 1%",
                                [](uint64_t p) { return std::to_string(p) + "%"; }};
  return Quantity(key, value, path, kPercent, infinity, max, out);
}

bool YamlWalker::Duration(Node key, Node value, Path path, uint64_t* out) {
  static const Measure kDuration{"a duration such as 500ms, 5s or 2m", ParseDurationMs, "must be at least 1ms",
                                 FormatDuration};
  return Quantity(key, value, path, kDuration, false, std::numeric_limits<uint64_t>::max(), out);
}

bool YamlWalker::AbsolutePath(Node key, Node value, Path path, std::string* out) {
  std::string s;
  if (!Text(key, value, path, "an absolute path", false, &s)) return false;
  if (s.front() != '/') return Fail(value.Mark(), path + ": must be an absolute path, got '" + Echo(s) + "'");
  *out = s;
  return true;
}

bool YamlWalker::Colour(Node key, Node value, Path path, std::string* out) {
  const std::string what = "a colour such as #1f6feb";
  std::string s;
  if (!Text(key, value, path, what, false, &s)) return false;
  bool ok = s.size() == 7 && s[0] == '#' &&
            std::all_of(s.begin() + 1, s.end(), [](char c) { return std::isxdigit(static_cast<unsigned char>(c)); });
  if (!ok) return Fail(value.Mark(), path + ": expected " + what + ", got '" + Echo(s) + "'");
  *out = s;
  return true;
}

bool YamlWalker::Strings(Node key, Node value, Path path, const std::string& item, std::vector<std::string>* out) {
  std::vector<std::string> all;
  bool ok = List(key, value, path, "a list of strings", false, [&](Node list, Node v, Path p) {
    std::string s;
    // An empty item's mark is where the next token starts (often the next line): point at the list.
    if (!Text(list, v, p, item, true, &s)) return false;
    all.push_back(std::move(s));
    return true;
  });
  if (ok) *out = std::move(all);
  return ok;
}

bool YamlWalker::Address(Node key, Node value, Path path, const std::string& example, const std::string& quoted_ipv6,
                         HostPort* out) {
  const std::string what = "host:port such as " + example;
  if (value.IsSequence())  // unquoted [::1]:8470 is YAML flow-list syntax
    return Fail(value.Mark(), path + ": expected " + what + ", got a list; quote IPv6 addresses: " + quoted_ipv6);
  std::string s;
  if (!Text(key, value, path, what, false, &s)) return false;
  HostPortParse hp = ParseHostPort(s, Echo);
  if (!hp.ok) return Fail(value.Mark(), path + ": " + hp.why + (hp.port_error ? "" : "; expected " + what));
  *out = hp.value;
  return true;
}

// ---- Cross-field checks ---------------------------------------------------------------------------

YAML::Mark YamlWalker::MarkOf(Path path) const {
  auto it = set_.find(path);
  return it == set_.end() ? YAML::Mark::null_mark() : it->second;
}

bool YamlWalker::NotAbove(Path low_key, uint64_t low, Path high_key, uint64_t high, bool or_equal,
                          std::string (*format)(uint64_t)) {
  if (low == 0 || high == 0 || low < high || (or_equal && low == high)) return true;
  auto origin = [this](Path key) { return IsSet(key) ? "" : ", the default"; };
  return Fail(IsSet(low_key) ? MarkOf(low_key) : MarkOf(high_key),
              low_key + " (" + format(low) + origin(low_key) + ") must be " + (or_equal ? "at most " : "less than ") +
                  high_key + " (" + format(high) + origin(high_key) + ")");
}

}  // namespace clawhive
