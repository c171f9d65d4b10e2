#include "supervisor/images/manifest.h"

#include <array>
#include <optional>
#include <utility>

#include "supervisor/common/json.h"

namespace clawhive::images {
namespace {

using clawhive::JsonValue;

constexpr size_t kMaxVersion = 64;
constexpr size_t kMaxName = 32;
constexpr size_t kMaxPath = 1024;

Error FieldError(std::string_view field, const std::string& why) {
  return Error::Invalid("manifest field '" + std::string(field) + "': " + why);
}

bool IsDigit(char c) { return c >= '0' && c <= '9'; }
bool IsLowerHex(char c) { return IsDigit(c) || (c >= 'a' && c <= 'f'); }

Status ValidateName(std::string_view field, std::string_view name) {
  if (name.empty() || name.size() > kMaxName)
    return FieldError(field, "must be 1-" + std::to_string(kMaxName) + " characters");
  if (name[0] < 'a' || name[0] > 'z') return FieldError(field, "must start with a lowercase letter: '" + Printable(name) + "'");
  for (char c : name)
    if (!((c >= 'a' && c <= 'z') || IsDigit(c) || c == '-'))
      return FieldError(field, "only a-z, 0-9 and '-' are allowed: '" + Printable(name) + "'");
  return Status::Ok();
}

// Two digits at s[pos], in [lo, hi].
bool Digits(std::string_view s, size_t pos, size_t n, int lo, int hi, int* out = nullptr) {
  if (pos + n > s.size()) return false;
  int v = 0;
  for (size_t i = 0; i < n; ++i) {
    if (!IsDigit(s[pos + i])) return false;
    v = v * 10 + (s[pos + i] - '0');
  }
  if (out) *out = v;
  return v >= lo && v <= hi;
}

}  // namespace

Status ValidateVersion(std::string_view field, std::string_view v) {
  if (v.empty() || v.size() > kMaxVersion)
    return FieldError(field, "must be 1-" + std::to_string(kMaxVersion) + " characters");
  for (char c : v)
    if (!(IsDigit(c) || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '.' || c == '+' || c == '-'))
      return FieldError(field, "only 0-9, A-Z, a-z, '.', '+' and '-' are allowed: '" + Printable(v) + "'");
  if (!IsDigit(v[0])) return FieldError(field, "must start with a digit: '" + Printable(v) + "'");
  if (v.find("..") != std::string_view::npos) return FieldError(field, "must not contain '..': '" + Printable(v) + "'");
  return Status::Ok();
}

Status ValidateRelativePath(std::string_view field, std::string_view path) {
  if (path.empty()) return FieldError(field, "is empty");
  if (path.size() > kMaxPath) return FieldError(field, "is longer than " + std::to_string(kMaxPath) + " bytes");
  if (path[0] == '/') return FieldError(field, "must be relative to the image: '" + Printable(path) + "'");
  for (char c : path)
    if (static_cast<unsigned char>(c) < 0x20 || c == 0x7f)
      return FieldError(field, "has a control character: '" + Printable(path) + "'");
  size_t start = 0;
  while (start <= path.size()) {
    size_t end = path.find('/', start);
    if (end == std::string_view::npos) end = path.size();
    std::string_view part = path.substr(start, end - start);
    if (part.empty() || part == "." || part == "..")
      return FieldError(field, "must not have empty, '.' or '..' components: '" + Printable(path) + "'");
    start = end + 1;
  }
  return Status::Ok();
}

Status ValidateSha256Hex(std::string_view field, std::string_view hex) {
  if (hex.size() != 64) return FieldError(field, "must be 64 lowercase hex digits, found " + std::to_string(hex.size()) + " characters");
  for (char c : hex)
    if (!IsLowerHex(c)) return FieldError(field, "must be 64 lowercase hex digits: '" + Printable(hex) + "'");
  return Status::Ok();
}

Status ValidateRfc3339(std::string_view field, std::string_view t) {
  auto bad = [&] {
    return FieldError(field, "must be an RFC 3339 date-time such as 2026-09-30T12:00:00Z: '" + Printable(t) + "'");
  };
  int year = 0, month = 0, day = 0;
  if (!Digits(t, 0, 4, 0, 9999, &year) || t.size() < 20 || t[4] != '-' || !Digits(t, 5, 2, 1, 12, &month) ||
      t[7] != '-' || !Digits(t, 8, 2, 1, 31, &day))
    return bad();
  static constexpr std::array<int, 12> kDays = {31, 29, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
  bool leap = (year % 4 == 0 && year % 100 != 0) || year % 400 == 0;
  if (day > kDays[static_cast<size_t>(month - 1)] || (month == 2 && day == 29 && !leap)) return bad();
  if ((t[10] != 'T' && t[10] != 't') || !Digits(t, 11, 2, 0, 23) || t[13] != ':' || !Digits(t, 14, 2, 0, 59) ||
      t[16] != ':' || !Digits(t, 17, 2, 0, 60))
    return bad();
  size_t pos = 19;
  if (pos < t.size() && t[pos] == '.') {
    size_t digits = 0;
    for (++pos; pos < t.size() && IsDigit(t[pos]); ++pos) ++digits;
    if (digits == 0 || digits > 9) return bad();
  }
  if (pos == t.size()) return bad();
  if (t[pos] == 'Z' || t[pos] == 'z') return pos + 1 == t.size() ? Status::Ok() : bad();
  if ((t[pos] != '+' && t[pos] != '-') || pos + 6 != t.size() || !Digits(t, pos + 1, 2, 0, 23) || t[pos + 3] != ':' ||
      !Digits(t, pos + 4, 2, 0, 59))
    return bad();
  return Status::Ok();
}

Status ValidateImageId(std::string_view id) {
  // name may hold '-' too: the id is valid when some '-' splits it into a valid name and version.
  for (size_t dash = id.find('-'); dash != std::string_view::npos; dash = id.find('-', dash + 1))
    if (ValidateName("name", id.substr(0, dash)).ok() && ValidateVersion("version", id.substr(dash + 1)).ok())
      return Status::Ok();
  return Error::Invalid("not an image id (NAME-VERSION, e.g. openclaw-2026.9.6): '" + Printable(id) + "'");
}

Status ValidateManifest(const Manifest& m) {
  if (m.format != kManifestFormat)
    return Error::Invalid("unsupported manifest format " + std::to_string(m.format) + " (this Clawhive reads format " +
                          std::to_string(kManifestFormat) + ")");
  if (Status s = ValidateName("name", m.name); !s) return s;
  if (Status s = ValidateVersion("version", m.version); !s) return s;
  if (Status s = ValidateVersion("node_version", m.node_version); !s) return s;
  if (Status s = ValidateSha256Hex("content_sha256", m.content_sha256); !s) return s;
  if (Status s = ValidateRelativePath("node", m.node); !s) return s;
  if (Status s = ValidateRelativePath("entry", m.entry); !s) return s;
  if (m.node == "manifest.json" || m.entry == "manifest.json")
    return Error::Invalid("manifest fields 'node' and 'entry' must name image content, not manifest.json");
  if (Status s = ValidateRfc3339("built_at", m.built_at); !s) return s;
  return Status::Ok();
}

Result<Manifest> ParseManifest(std::string_view json) {
  if (json.size() > kMaxManifestBytes)
    return Error::Invalid("manifest is larger than " + std::to_string(kMaxManifestBytes) + " bytes");
  JsonLimits limits;
  limits.max_depth = 4;
  limits.max_values = 100;
  Result<JsonValue> doc = ParseJson(json, limits);
  if (!doc) return Error::Invalid("manifest: " + doc.error().message);
  if (!doc->is_object()) return Error::Invalid(std::string("manifest must be a JSON object, found ") + doc->kind_name());

  static constexpr std::array<std::string_view, 10> kFields = {
      "format", "name", "version", "node_version", "content_sha256", "files", "bytes", "node", "entry", "built_at"};
  for (const auto& [key, value] : doc->members()) {
    bool known = false;
    for (std::string_view f : kFields) known = known || key == f;
    if (!known) return Error::Invalid("manifest has an unknown field '" + Printable(key) + "'");
  }
  Manifest m;
  auto field = [&](std::string_view name) -> Result<const JsonValue*> {
    const JsonValue* v = doc->Find(name);
    if (!v) return Error::Invalid("manifest is missing field '" + std::string(name) + "'");
    return v;
  };
  auto string_field = [&](std::string_view name, std::string* out) -> Status {
    Result<const JsonValue*> v = field(name);
    if (!v) return v.error();
    if (!(*v)->is_string()) return FieldError(name, std::string("must be a string, found ") + (*v)->kind_name());
    *out = (*v)->string();
    return Status::Ok();
  };
  auto count_field = [&](std::string_view name, uint64_t* out) -> Status {
    Result<const JsonValue*> v = field(name);
    if (!v) return v.error();
    std::optional<uint64_t> u = (*v)->AsUnsigned();
    if (!u) return FieldError(name, std::string("must be a non-negative integer, found ") + (*v)->kind_name());
    *out = *u;
    return Status::Ok();
  };
  uint64_t format = 0;
  if (Status s = count_field("format", &format); !s) return s.error();
  if (format != static_cast<uint64_t>(kManifestFormat))
    return Error::Invalid("unsupported manifest format " + std::to_string(format) + " (this Clawhive reads format " +
                          std::to_string(kManifestFormat) + ")");
  m.format = kManifestFormat;
  const std::array<std::pair<std::string_view, std::string*>, 7> strings = {{{"name", &m.name},
                                                                               {"version", &m.version},
                                                                               {"node_version", &m.node_version},
                                                                               {"content_sha256", &m.content_sha256},
                                                                               {"node", &m.node},
                                                                               {"entry", &m.entry},
                                                                               {"built_at", &m.built_at}}};
  for (const auto& [name, out] : strings)
    if (Status s = string_field(name, out); !s) return s.error();
  if (Status s = count_field("files", &m.files); !s) return s.error();
  if (Status s = count_field("bytes", &m.bytes); !s) return s.error();
  if (Status s = ValidateManifest(m); !s) return s.error();
  return m;
}

std::string SerializeManifest(const Manifest& m) {
  JsonValue doc = JsonValue::Object();
  doc.Set("format", JsonValue::Unsigned(static_cast<uint64_t>(m.format)));
  doc.Set("name", JsonValue::String(m.name));
  doc.Set("version", JsonValue::String(m.version));
  doc.Set("node_version", JsonValue::String(m.node_version));
  doc.Set("content_sha256", JsonValue::String(m.content_sha256));
  doc.Set("files", JsonValue::Unsigned(m.files));
  doc.Set("bytes", JsonValue::Unsigned(m.bytes));
  doc.Set("node", JsonValue::String(m.node));
  doc.Set("entry", JsonValue::String(m.entry));
  doc.Set("built_at", JsonValue::String(m.built_at));
  std::string out = "{\n";
  bool first = true;
  for (const auto& [key, value] : doc.members()) {
    if (!first) out += ",\n";
    first = false;
    out += "  ";
    AppendJsonString(&out, key);
    out += ": ";
    out += value.Serialize();
  }
  out += "\n}\n";
  return out;
}

}  // namespace clawhive::images
