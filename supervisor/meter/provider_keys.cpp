#include "supervisor/meter/provider_keys.h"

#include <openssl/crypto.h>

#include <cerrno>


namespace clawhive::meter {
namespace {

constexpr size_t kMaxNameSize = 128;

bool ValidName(std::string_view name) {
  if (name.empty() || name.size() > kMaxNameSize) return false;
  for (size_t i = 0; i < name.size(); ++i) {
    const auto c = static_cast<unsigned char>(name[i]);
    if (!((c >= 'A' && c <= 'Z') || c == '_' || (i > 0 && c >= '0' && c <= '9'))) return false;
  }
  return true;
}

void AppendEscaped(std::string* out, std::string_view s) {
  static const char* hex = "0123456789abcdef";
  out->push_back('"');
  for (char ch : s) {
    const auto c = static_cast<unsigned char>(ch);
    if (c == '"' || c == '\\') {
      out->push_back('\\');
      out->push_back(ch);
    } else if (c < 0x20 || c == 0x7f) {
      out->append("\\u00");
      out->push_back(hex[c >> 4]);
      out->push_back(hex[c & 15]);
    } else {
      out->push_back(ch);
    }
  }
  out->push_back('"');
}

// A strict reader for exactly what EncodeProviderKeys writes (and any equivalent JSON spelling of it).
class Reader {
 public:
  Reader(std::string_view text, const std::string& where) : t_(text), where_(where) {}

  Result<std::map<std::string, SecretValue>> Parse() {
    std::map<std::string, SecretValue> out;
    Space();
    if (!Eat('{')) return Fail("expected '{' (the file is one JSON object of provider keys)");
    Space();
    if (Eat('}')) return End(std::move(out));
    for (;;) {
      Space();
      std::string name;
      if (Status s = String(&name); !s) return s.error();
      if (!ValidName(name)) return Fail("a member name is not a secret name ([A-Z_][A-Z0-9_]{0,127})");
      if (out.count(name) != 0) return Fail("secret " + name + " appears twice");
      Space();
      if (!Eat(':')) return Fail("expected ':' after " + name);
      Space();
      std::string value;
      Status s = String(&value);
      SecretValue kept(std::move(value));  // wiped whatever happens next
      if (!s) return Fail("the value of " + name + " is not a JSON string");
      out.emplace(std::move(name), std::move(kept));
      Space();
      if (Eat(',')) continue;
      if (Eat('}')) return End(std::move(out));
      return Fail("expected ',' or '}'");
    }
  }

 private:
  Result<std::map<std::string, SecretValue>> End(std::map<std::string, SecretValue> out) {
    Space();
    if (i_ != t_.size()) return Fail("text after the object");
    return out;
  }
  Error Fail(const std::string& what) const {
    return Error::Invalid(where_ + ": not a provider-key file: " + what + " at byte " + std::to_string(i_));
  }
  void Space() {
    while (i_ < t_.size() && (t_[i_] == ' ' || t_[i_] == '\n' || t_[i_] == '\t' || t_[i_] == '\r')) ++i_;
  }
  bool Eat(char c) {
    if (i_ < t_.size() && t_[i_] == c) {
      ++i_;
      return true;
    }
    return false;
  }
  static int Hex(char c) {
    if (c >= '0' && c <= '9') return c - '0';
    if (c >= 'a' && c <= 'f') return c - 'a' + 10;
    if (c >= 'A' && c <= 'F') return c - 'A' + 10;
    return -1;
  }
  // A JSON string into *out (reserved up front: no reallocation leaves a stray copy of a value).
  Status String(std::string* out) {
    if (!Eat('"')) return Fail("expected a string");
    size_t end = i_;
    while (end < t_.size() && t_[end] != '"') end += t_[end] == '\\' ? 2 : 1;
    out->reserve(end - i_ + 4);
    while (i_ < t_.size()) {
      const char c = t_[i_++];
      if (c == '"') return Status::Ok();
      if (static_cast<unsigned char>(c) < 0x20) return Fail("a control byte inside a string");
      if (c != '\\') {
        out->push_back(c);
        continue;
      }
      if (i_ >= t_.size()) break;
      const char e = t_[i_++];
      switch (e) {
        case '"': case '\\': case '/': out->push_back(e); break;
        case 'b': out->push_back('\b'); break;
        case 'f': out->push_back('\f'); break;
        case 'n': out->push_back('\n'); break;
        case 'r': out->push_back('\r'); break;
        case 't': out->push_back('\t'); break;
        case 'u': {
          if (t_.size() - i_ < 4) return Fail("a short \\u escape");
          int cp = 0;
          for (int k = 0; k < 4; ++k) {
            int h = Hex(t_[i_ + k]);
            if (h < 0) return Fail("a bad \\u escape");
            cp = cp * 16 + h;
          }
          i_ += 4;
          if (cp >= 0xd800 && cp <= 0xdfff) return Fail("a surrogate \\u escape");
          if (cp < 0x80) {
            out->push_back(static_cast<char>(cp));
          } else if (cp < 0x800) {
            out->push_back(static_cast<char>(0xc0 | (cp >> 6)));
            out->push_back(static_cast<char>(0x80 | (cp & 0x3f)));
          } else {
            out->push_back(static_cast<char>(0xe0 | (cp >> 12)));
            out->push_back(static_cast<char>(0x80 | ((cp >> 6) & 0x3f)));
            out->push_back(static_cast<char>(0x80 | (cp & 0x3f)));
          }
          break;
        }
        default: return Fail("an unknown escape");
      }
    }
    return Fail("an unterminated string");
  }

  std::string_view t_;
  const std::string& where_;
  size_t i_ = 0;
};

}  // namespace

SecretValue EncodeProviderKeys(const std::vector<std::pair<std::string, SecretValue>>& keys) {
  size_t size = 3;
  for (const auto& [name, value] : keys) size += name.size() + 6 * value.size() + 6;
  std::string text;
  text.reserve(size);  // no reallocation: no stray copies of the values
  text.push_back('{');
  for (size_t i = 0; i < keys.size(); ++i) {
    if (i > 0) text.push_back(',');
    AppendEscaped(&text, keys[i].first);
    text.push_back(':');
    AppendEscaped(&text, keys[i].second.view());
  }
  text.append("}\n");
  return SecretValue(std::move(text));
}

Result<std::map<std::string, SecretValue>> ParseProviderKeys(std::string_view text, const std::string& where) {
  if (text.size() > kMaxProviderKeysBytes)
    return Error{ErrorCode::kTooLarge, where + ": " + std::to_string(text.size()) + " bytes, more than a provider-key "
                                           "file may hold (" + std::to_string(kMaxProviderKeysBytes) + ")"};
  return Reader(text, where).Parse();
}

}  // namespace clawhive::meter
