// The one JSON library of the appliance and its tests (REST API, OpenClaw configs, image manifests, the
// proxy's usage records, the provider stub): a strict RFC 8259 reader with error positions and a depth
// and size limit, and a writer that always produces valid JSON.
//
// Why not Poco::JSON (1.11): its parser reports no position for syntax errors (the pdjson state is
// private), and its stringifier passes invalid UTF-8 and NaN through, producing invalid JSON. This
// reader also rejects duplicate object keys, raw control characters in strings, invalid UTF-8 and lone
// surrogates, and stops at max_depth nested containers, so recursion is bounded whatever the input.
//
// Why not nlohmann-json3 (Debian 12 has 3.11) with a SAX guard: its SAX interface can enforce depth and
// duplicate keys, but its strings are std::string grown by push_back (each reallocation leaves a copy of
// a secret in freed memory) and its errors give a byte offset, not line and column. Keeping our reader
// costs ~650 lines and one test file; the one other JSON code, the proxy's skimmer
// (supervisor/proxy/json_skim.h), only validates and slices, and exists because building a document is
// too slow for the proxy's hot path.
//
// Secrets in request bodies: the reader reserves each string's final size before decoding it, so a
// string is never reallocated (which would leave a copy in freed memory); it wipes what it built when a
// document turns out malformed, and the moved-from husks as it goes; Wipe() erases a whole document.
// Not covered: strings of up to 15 bytes live inside std::string itself (small-string optimisation), so
// moving them copies them, and copies left in temporaries or in a vector's old buffer are not wiped.
//
// Plain values; thread-compatible.
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <type_traits>
#include <utility>
#include <vector>

#include "supervisor/common/result.h"

namespace clawhive {

// Bounds on what one request body may make the reader build. The API's own documents nest 3 deep and
// hold a few dozen values; the value cap keeps a 1 MiB body of "[0,0,0,...]" from becoming ~50 MiB of
// tree per request.
struct JsonLimits {
  size_t max_depth = 32;       // nested arrays/objects
  size_t max_values = 10000;   // values of any kind, containers included
};

class JsonValue {
 public:
  enum class Kind { kNull, kBool, kInteger, kNumber, kString, kArray, kObject };
  using Member = std::pair<std::string, JsonValue>;

  JsonValue() = default;  // null
  static JsonValue Bool(bool b);
  static JsonValue Unsigned(uint64_t u);
  static JsonValue Signed(int64_t i);
  static JsonValue Number(double d);  // non-finite values are written as null
  static JsonValue String(std::string s);
  static JsonValue Array();
  static JsonValue Object();
  template <typename T>
  static JsonValue Optional(const std::optional<T>& v);  // nullopt -> null

  Kind kind() const { return kind_; }
  bool is_null() const { return kind_ == Kind::kNull; }
  bool is_string() const { return kind_ == Kind::kString; }
  bool is_object() const { return kind_ == Kind::kObject; }
  bool is_array() const { return kind_ == Kind::kArray; }
  // "null", "boolean", "integer", "number", "string", "array", "object": for error messages.
  const char* kind_name() const;

  bool boolean() const { return bool_; }
  // Integers (no fraction or exponent in the text) that fit 64 bits are kInteger; others are kNumber.
  bool negative() const { return negative_; }
  uint64_t magnitude() const { return magnitude_; }
  std::optional<uint64_t> AsUnsigned() const;  // a non-negative integer
  double number() const;                       // any numeric kind as double
  const std::string& string() const { return string_; }
  const std::vector<JsonValue>& items() const { return items_; }
  const std::vector<Member>& members() const { return members_; }  // document order
  const JsonValue* Find(std::string_view key) const;
  JsonValue* Find(std::string_view key);

  // Builders. Set() appends; callers building output use each key once.
  JsonValue& Push(JsonValue v);
  JsonValue& Set(std::string key, JsonValue v);

  // For secrets: moves a string value out (leaving "" behind) without copying its characters, and
  // overwrites (OPENSSL_cleanse) every string and key in the tree, up to each string's capacity.
  std::string TakeString();
  void Wipe();

  std::string Serialize() const;

 private:
  void SerializeTo(std::string* out) const;

  Kind kind_ = Kind::kNull;
  bool bool_ = false;
  bool negative_ = false;
  uint64_t magnitude_ = 0;
  double number_ = 0;
  std::string string_;
  std::vector<JsonValue> items_;
  std::vector<Member> members_;
};

template <typename T>
JsonValue JsonValue::Optional(const std::optional<T>& v) {
  if (!v) return JsonValue();
  if constexpr (std::is_same_v<T, std::string>) return String(*v);
  else if constexpr (std::is_same_v<T, bool>) return Bool(*v);
  else if constexpr (std::is_floating_point_v<T>) return Number(*v);
  else if constexpr (std::is_signed_v<T>) return Signed(*v);
  else return Unsigned(*v);
}

// Parses one JSON text (surrounding whitespace allowed). Errors are kInvalidArgument with a message like
// "malformed JSON at line 3, column 14: expected ',' or '}' after an object member" (line and column
// are 1-based; the column counts characters, not bytes).
Result<JsonValue> ParseJson(std::string_view text, const JsonLimits& limits = {});

// Appends `s` to `out` as a quoted JSON string. Invalid UTF-8 bytes become U+FFFD.
void AppendJsonString(std::string* out, std::string_view s);

// Decodes one UTF-8 sequence at s[pos]; returns its length, or 0 if it is not valid UTF-8 (overlong,
// surrogate, beyond U+10FFFF, truncated).
size_t DecodeUtf8(std::string_view s, size_t pos, char32_t* code_point);

// A client-supplied string made safe to quote in an error message: printable ASCII kept, everything
// else as \xNN, cut at max_chars with "...".
std::string Printable(std::string_view s, size_t max_chars = 64);

}  // namespace clawhive
