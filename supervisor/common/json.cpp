#include "supervisor/common/json.h"

#include <openssl/crypto.h>

#include <algorithm>
#include <charconv>
#include <cmath>
#include <cstdio>
#include <unordered_set>

namespace clawhive {

// ---- values ---------------------------------------------------------------------------------------

JsonValue JsonValue::Bool(bool b) {
  JsonValue v;
  v.kind_ = Kind::kBool;
  v.bool_ = b;
  return v;
}

JsonValue JsonValue::Unsigned(uint64_t u) {
  JsonValue v;
  v.kind_ = Kind::kInteger;
  v.magnitude_ = u;
  return v;
}

JsonValue JsonValue::Signed(int64_t i) {
  JsonValue v;
  v.kind_ = Kind::kInteger;
  v.negative_ = i < 0;
  // Negating INT64_MIN overflows int64; do it in uint64.
  v.magnitude_ = i < 0 ? ~static_cast<uint64_t>(i) + 1 : static_cast<uint64_t>(i);
  return v;
}

JsonValue JsonValue::Number(double d) {
  JsonValue v;
  v.kind_ = Kind::kNumber;
  v.number_ = d;
  return v;
}

JsonValue JsonValue::String(std::string s) {
  JsonValue v;
  v.kind_ = Kind::kString;
  v.string_ = std::move(s);
  return v;
}

JsonValue JsonValue::Array() {
  JsonValue v;
  v.kind_ = Kind::kArray;
  return v;
}

JsonValue JsonValue::Object() {
  JsonValue v;
  v.kind_ = Kind::kObject;
  return v;
}

const char* JsonValue::kind_name() const {
  switch (kind_) {
    case Kind::kNull: return "null";
    case Kind::kBool: return "boolean";
    case Kind::kInteger: return "integer";
    case Kind::kNumber: return "number";
    case Kind::kString: return "string";
    case Kind::kArray: return "array";
    case Kind::kObject: return "object";
  }
  return "value";
}

std::optional<uint64_t> JsonValue::AsUnsigned() const {
  if (kind_ != Kind::kInteger) return std::nullopt;
  if (negative_ && magnitude_ != 0) return std::nullopt;
  return magnitude_;
}

double JsonValue::number() const {
  if (kind_ == Kind::kNumber) return number_;
  if (kind_ == Kind::kInteger) return negative_ ? -static_cast<double>(magnitude_) : static_cast<double>(magnitude_);
  return 0;
}

const JsonValue* JsonValue::Find(std::string_view key) const {
  for (const Member& m : members_)
    if (m.first == key) return &m.second;
  return nullptr;
}

JsonValue* JsonValue::Find(std::string_view key) {
  for (Member& m : members_)
    if (m.first == key) return &m.second;
  return nullptr;
}

JsonValue& JsonValue::Push(JsonValue v) {
  items_.push_back(std::move(v));
  return *this;
}

JsonValue& JsonValue::Set(std::string key, JsonValue v) {
  members_.emplace_back(std::move(key), std::move(v));
  return *this;
}

std::string JsonValue::TakeString() {
  std::string out = std::move(string_);
  string_.clear();
  return out;
}

namespace {
void WipeString(std::string* s) {
  s->resize(s->capacity());  // never reallocates; makes bytes past the old size addressable
  OPENSSL_cleanse(s->data(), s->size());
  s->clear();
}
}  // namespace

void JsonValue::Wipe() {
  WipeString(&string_);
  for (JsonValue& item : items_) item.Wipe();
  for (Member& m : members_) {
    WipeString(&m.first);
    m.second.Wipe();
  }
}

std::string JsonValue::Serialize() const {
  std::string out;
  SerializeTo(&out);
  return out;
}

void JsonValue::SerializeTo(std::string* out) const {
  switch (kind_) {
    case Kind::kNull: *out += "null"; break;
    case Kind::kBool: *out += bool_ ? "true" : "false"; break;
    case Kind::kInteger:
      if (negative_ && magnitude_ != 0) *out += '-';
      *out += std::to_string(magnitude_);
      break;
    case Kind::kNumber: {
      if (!std::isfinite(number_)) {
        *out += "null";
        break;
      }
      char buf[64];
      auto [end, ec] = std::to_chars(buf, buf + sizeof buf, number_);
      if (ec != std::errc()) *out += "null";
      else out->append(buf, end);
      break;
    }
    case Kind::kString: AppendJsonString(out, string_); break;
    case Kind::kArray: {
      *out += '[';
      bool first = true;
      for (const JsonValue& item : items_) {
        if (!first) *out += ',';
        first = false;
        item.SerializeTo(out);
      }
      *out += ']';
      break;
    }
    case Kind::kObject: {
      *out += '{';
      bool first = true;
      for (const Member& m : members_) {
        if (!first) *out += ',';
        first = false;
        AppendJsonString(out, m.first);
        *out += ':';
        m.second.SerializeTo(out);
      }
      *out += '}';
      break;
    }
  }
}

// ---- text helpers ---------------------------------------------------------------------------------

size_t DecodeUtf8(std::string_view s, size_t pos, char32_t* code_point) {
  if (pos >= s.size()) return 0;
  auto byte = [&](size_t i) { return static_cast<unsigned char>(s[i]); };
  unsigned char b0 = byte(pos);
  if (b0 < 0x80) {
    *code_point = b0;
    return 1;
  }
  size_t len;
  char32_t cp, min;
  if ((b0 & 0xE0) == 0xC0) { len = 2; cp = b0 & 0x1F; min = 0x80; }
  else if ((b0 & 0xF0) == 0xE0) { len = 3; cp = b0 & 0x0F; min = 0x800; }
  else if ((b0 & 0xF8) == 0xF0) { len = 4; cp = b0 & 0x07; min = 0x10000; }
  else return 0;
  if (pos + len > s.size()) return 0;
  for (size_t i = 1; i < len; ++i) {
    unsigned char b = byte(pos + i);
    if ((b & 0xC0) != 0x80) return 0;
    cp = (cp << 6) | (b & 0x3F);
  }
  if (cp < min || cp > 0x10FFFF || (cp >= 0xD800 && cp <= 0xDFFF)) return 0;
  *code_point = cp;
  return len;
}

void AppendJsonString(std::string* out, std::string_view s) {
  *out += '"';
  for (size_t i = 0; i < s.size();) {
    unsigned char c = static_cast<unsigned char>(s[i]);
    if (c < 0x80) {
      switch (c) {
        case '"': *out += "\\\""; break;
        case '\\': *out += "\\\\"; break;
        case '\b': *out += "\\b"; break;
        case '\f': *out += "\\f"; break;
        case '\n': *out += "\\n"; break;
        case '\r': *out += "\\r"; break;
        case '\t': *out += "\\t"; break;
        default:
          if (c < 0x20 || c == 0x7F) {
            char buf[8];
            std::snprintf(buf, sizeof buf, "\\u%04x", c);
            *out += buf;
          } else {
            *out += static_cast<char>(c);
          }
      }
      ++i;
      continue;
    }
    char32_t cp;
    size_t len = DecodeUtf8(s, i, &cp);
    if (len == 0) {
      *out += "\xEF\xBF\xBD";  // U+FFFD REPLACEMENT CHARACTER
      ++i;
    } else {
      out->append(s.substr(i, len));
      i += len;
    }
  }
  *out += '"';
}

std::string Printable(std::string_view s, size_t max_chars) {
  std::string out;
  size_t shown = 0;
  for (unsigned char c : s) {
    if (shown == max_chars) {
      out += "...";
      break;
    }
    if (c >= 0x20 && c < 0x7F && c != '\\') {
      out += static_cast<char>(c);
    } else {
      char buf[8];
      std::snprintf(buf, sizeof buf, "\\x%02x", c);
      out += buf;
    }
    ++shown;
  }
  return out;
}

// ---- reader ---------------------------------------------------------------------------------------

namespace {

// Wipes what a parse step built once the step is over: on success its content has been moved on (the
// moved-from husk may still hold a short string's characters), on failure it is thrown away. Either way
// it may have held part of a secret.
void Scrub(std::string* s) { WipeString(s); }
void Scrub(JsonValue* v) { v->Wipe(); }
void Scrub(std::unordered_set<std::string>* keys) {
  while (!keys->empty()) {
    auto node = keys->extract(keys->begin());
    WipeString(&node.value());
  }
}

template <typename T>
class ScrubOnExit {
 public:
  explicit ScrubOnExit(T* p) : p_(p) {}
  ~ScrubOnExit() { Scrub(p_); }
  ScrubOnExit(const ScrubOnExit&) = delete;
  ScrubOnExit& operator=(const ScrubOnExit&) = delete;

 private:
  T* p_;
};

class Reader {
 public:
  Reader(std::string_view text, const JsonLimits& limits) : t_(text), limits_(limits) {}

  Result<JsonValue> Run() {
    JsonValue v;
    SkipSpace();
    if (ParseValue(&v, 0)) {
      SkipSpace();
      if (pos_ == t_.size()) return v;
      Fail("unexpected data after the JSON value");
    }
    return Error::Invalid(Message());
  }

 private:
  bool Fail(std::string what) {
    if (error_.empty()) {
      error_ = std::move(what);
      error_pos_ = pos_;
    }
    return false;
  }

  std::string Message() const {
    size_t line = 1, column = 1;
    for (size_t i = 0; i < error_pos_ && i < t_.size(); ++i) {
      unsigned char c = static_cast<unsigned char>(t_[i]);
      if (c == '\n') {
        ++line;
        column = 1;
      } else if ((c & 0xC0) != 0x80) {  // count characters, not UTF-8 continuation bytes
        ++column;
      }
    }
    return "malformed JSON at line " + std::to_string(line) + ", column " + std::to_string(column) + ": " +
           error_;
  }

  bool AtEnd() const { return pos_ >= t_.size(); }
  char Peek() const { return t_[pos_]; }

  void SkipSpace() {
    while (!AtEnd() && (Peek() == ' ' || Peek() == '\t' || Peek() == '\n' || Peek() == '\r')) ++pos_;
  }

  std::string Found() const {
    if (AtEnd()) return "end of input";
    return "'" + Printable(t_.substr(pos_, 1)) + "'";
  }

  bool CountValue() {
    if (++values_ > limits_.max_values)
      return Fail("too many values (the limit is " + std::to_string(limits_.max_values) + ")");
    return true;
  }

  bool ParseValue(JsonValue* out, size_t depth) {
    if (AtEnd()) return Fail("expected a value, found end of input");
    if (!CountValue()) return false;
    char c = Peek();
    switch (c) {
      case '{': return ParseObject(out, depth + 1);
      case '[': return ParseArray(out, depth + 1);
      case '"': {
        std::string s;
        ScrubOnExit<std::string> scrub_s(&s);
        if (!ParseString(&s)) return false;
        *out = JsonValue::String(std::move(s));
        return true;
      }
      case 't': return ParseWord("true", JsonValue::Bool(true), out);
      case 'f': return ParseWord("false", JsonValue::Bool(false), out);
      case 'n': return ParseWord("null", JsonValue(), out);
      default:
        if (c == '-' || (c >= '0' && c <= '9')) return ParseNumber(out);
        return Fail("expected a value, found " + Found());
    }
  }

  bool ParseWord(std::string_view word, JsonValue value, JsonValue* out) {
    if (t_.substr(pos_, word.size()) != word) return Fail("expected a value, found " + Found());
    pos_ += word.size();
    *out = std::move(value);
    return true;
  }

  bool EnterContainer(size_t depth) {
    if (depth > limits_.max_depth)
      return Fail("nesting deeper than " + std::to_string(limits_.max_depth) + " levels");
    return true;
  }

  bool ParseObject(JsonValue* out, size_t depth) {
    if (!EnterContainer(depth)) return false;
    ++pos_;  // '{'
    JsonValue obj = JsonValue::Object();
    std::unordered_set<std::string> seen;
    ScrubOnExit<JsonValue> scrub_obj(&obj);
    ScrubOnExit<std::unordered_set<std::string>> scrub_seen(&seen);
    SkipSpace();
    if (!AtEnd() && Peek() == '}') {
      ++pos_;
      *out = std::move(obj);
      return true;
    }
    while (true) {
      SkipSpace();
      if (AtEnd() || Peek() != '"') return Fail("expected a string key, found " + Found());
      size_t key_pos = pos_;
      std::string key;
      ScrubOnExit<std::string> scrub_key(&key);
      if (!ParseString(&key)) return false;
      if (!seen.insert(key).second) {
        pos_ = key_pos;
        return Fail("duplicate key '" + Printable(key) + "'");
      }
      SkipSpace();
      if (AtEnd() || Peek() != ':') return Fail("expected ':' after an object key, found " + Found());
      ++pos_;
      SkipSpace();
      JsonValue value;
      ScrubOnExit<JsonValue> scrub_value(&value);
      if (!ParseValue(&value, depth)) return false;
      obj.Set(std::move(key), std::move(value));
      SkipSpace();
      if (AtEnd()) return Fail("expected ',' or '}' after an object member, found end of input");
      if (Peek() == ',') {
        ++pos_;
        continue;
      }
      if (Peek() == '}') {
        ++pos_;
        *out = std::move(obj);
        return true;
      }
      return Fail("expected ',' or '}' after an object member, found " + Found());
    }
  }

  bool ParseArray(JsonValue* out, size_t depth) {
    if (!EnterContainer(depth)) return false;
    ++pos_;  // '['
    JsonValue arr = JsonValue::Array();
    ScrubOnExit<JsonValue> scrub_arr(&arr);
    SkipSpace();
    if (!AtEnd() && Peek() == ']') {
      ++pos_;
      *out = std::move(arr);
      return true;
    }
    while (true) {
      SkipSpace();
      JsonValue item;
      ScrubOnExit<JsonValue> scrub_item(&item);
      if (!ParseValue(&item, depth)) return false;
      arr.Push(std::move(item));
      SkipSpace();
      if (AtEnd()) return Fail("expected ',' or ']' after an array element, found end of input");
      if (Peek() == ',') {
        ++pos_;
        continue;
      }
      if (Peek() == ']') {
        ++pos_;
        *out = std::move(arr);
        return true;
      }
      return Fail("expected ',' or ']' after an array element, found " + Found());
    }
  }

  static void AppendUtf8(std::string* out, char32_t cp) {
    if (cp < 0x80) {
      *out += static_cast<char>(cp);
    } else if (cp < 0x800) {
      *out += static_cast<char>(0xC0 | (cp >> 6));
      *out += static_cast<char>(0x80 | (cp & 0x3F));
    } else if (cp < 0x10000) {
      *out += static_cast<char>(0xE0 | (cp >> 12));
      *out += static_cast<char>(0x80 | ((cp >> 6) & 0x3F));
      *out += static_cast<char>(0x80 | (cp & 0x3F));
    } else {
      *out += static_cast<char>(0xF0 | (cp >> 18));
      *out += static_cast<char>(0x80 | ((cp >> 12) & 0x3F));
      *out += static_cast<char>(0x80 | ((cp >> 6) & 0x3F));
      *out += static_cast<char>(0x80 | (cp & 0x3F));
    }
  }

  // Reads the 4 hex digits after "\u" at pos_; pos_ is left after them.
  bool ParseHex4(char32_t* out) {
    if (pos_ + 4 > t_.size()) return Fail("\\u must be followed by 4 hex digits");
    char32_t v = 0;
    for (int i = 0; i < 4; ++i) {
      char c = t_[pos_];
      v <<= 4;
      if (c >= '0' && c <= '9') v |= static_cast<char32_t>(c - '0');
      else if (c >= 'a' && c <= 'f') v |= static_cast<char32_t>(c - 'a' + 10);
      else if (c >= 'A' && c <= 'F') v |= static_cast<char32_t>(c - 'A' + 10);
      else return Fail("\\u must be followed by 4 hex digits");
      ++pos_;
    }
    *out = v;
    return true;
  }

  bool ParseString(std::string* out) {
    ++pos_;  // opening quote
    // The raw text up to the closing quote bounds the decoded size (escapes only shrink): reserving it
    // means the string is never reallocated, so no partial copy of it is left in freed memory.
    size_t end = pos_;
    while (end < t_.size() && t_[end] != '"') end += t_[end] == '\\' ? 2 : 1;
    out->reserve(std::min(end, t_.size()) - pos_);
    while (true) {
      if (AtEnd()) return Fail("unterminated string");
      unsigned char c = static_cast<unsigned char>(Peek());
      if (c == '"') {
        ++pos_;
        return true;
      }
      if (c < 0x20) return Fail("control character in a string (it must be escaped)");
      if (c == '\\') {
        size_t escape_pos = pos_;
        ++pos_;
        if (AtEnd()) return Fail("unterminated string");
        char e = Peek();
        ++pos_;
        switch (e) {
          case '"': *out += '"'; break;
          case '\\': *out += '\\'; break;
          case '/': *out += '/'; break;
          case 'b': *out += '\b'; break;
          case 'f': *out += '\f'; break;
          case 'n': *out += '\n'; break;
          case 'r': *out += '\r'; break;
          case 't': *out += '\t'; break;
          case 'u': {
            char32_t cp;
            if (!ParseHex4(&cp)) return false;
            if (cp >= 0xDC00 && cp <= 0xDFFF) {
              pos_ = escape_pos;
              return Fail("lone low surrogate in a \\u escape");
            }
            if (cp >= 0xD800 && cp <= 0xDBFF) {
              char32_t low;
              if (t_.substr(pos_, 2) != "\\u") {
                pos_ = escape_pos;
                return Fail("high surrogate not followed by a low surrogate");
              }
              pos_ += 2;
              if (!ParseHex4(&low)) return false;
              if (low < 0xDC00 || low > 0xDFFF) {
                pos_ = escape_pos;
                return Fail("high surrogate not followed by a low surrogate");
              }
              cp = 0x10000 + ((cp - 0xD800) << 10) + (low - 0xDC00);
            }
            AppendUtf8(out, cp);
            break;
          }
          default:
            pos_ = escape_pos;
            return Fail("invalid escape sequence in a string");
        }
        continue;
      }
      if (c < 0x80) {
        *out += static_cast<char>(c);
        ++pos_;
        continue;
      }
      char32_t cp;
      size_t len = DecodeUtf8(t_, pos_, &cp);
      if (len == 0) return Fail("invalid UTF-8 in a string");
      out->append(t_.substr(pos_, len));
      pos_ += len;
    }
  }

  bool ParseNumber(JsonValue* out) {
    size_t start = pos_;
    auto digit = [&] { return !AtEnd() && Peek() >= '0' && Peek() <= '9'; };
    bool negative = false;
    if (Peek() == '-') {
      negative = true;
      ++pos_;
    }
    if (!digit()) return Fail("invalid number: expected a digit, found " + Found());
    if (Peek() == '0') {
      ++pos_;
      if (digit()) return Fail("invalid number: leading zeros are not allowed");
    } else {
      while (digit()) ++pos_;
    }
    bool integral = true;
    if (!AtEnd() && Peek() == '.') {
      integral = false;
      ++pos_;
      if (!digit()) return Fail("invalid number: expected a digit after '.', found " + Found());
      while (digit()) ++pos_;
    }
    if (!AtEnd() && (Peek() == 'e' || Peek() == 'E')) {
      integral = false;
      ++pos_;
      if (!AtEnd() && (Peek() == '+' || Peek() == '-')) ++pos_;
      if (!digit()) return Fail("invalid number: expected a digit in the exponent, found " + Found());
      while (digit()) ++pos_;
    }
    std::string_view text = t_.substr(start, pos_ - start);
    if (integral) {
      std::string_view digits = negative ? text.substr(1) : text;
      uint64_t magnitude = 0;
      auto [ptr, ec] = std::from_chars(digits.data(), digits.data() + digits.size(), magnitude);
      bool fits = ec == std::errc() && ptr == digits.data() + digits.size() &&
                  (!negative || magnitude <= (uint64_t{1} << 63));
      if (fits) {
        *out = negative ? JsonValue::Signed(magnitude == (uint64_t{1} << 63)
                                                ? INT64_MIN
                                                : -static_cast<int64_t>(magnitude))
                        : JsonValue::Unsigned(magnitude);
        return true;
      }
      // Too large for 64 bits: kept as a (rounded) number, which no integer field accepts.
    }
    double d = 0;
    auto [ptr, ec] = std::from_chars(text.data(), text.data() + text.size(), d);
    if (ec != std::errc() || ptr != text.data() + text.size() || !std::isfinite(d)) {
      pos_ = start;
      return Fail("number out of range");
    }
    *out = JsonValue::Number(d);
    return true;
  }

  std::string_view t_;
  JsonLimits limits_;
  size_t pos_ = 0;
  size_t values_ = 0;
  std::string error_;
  size_t error_pos_ = 0;
};

}  // namespace

Result<JsonValue> ParseJson(std::string_view text, const JsonLimits& limits) {
  return Reader(text, limits).Run();
}

}  // namespace clawhive
