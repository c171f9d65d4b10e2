#include "supervisor/proxy/json_skim.h"

#include <cstdint>
#include <cstring>
#include <string>

namespace clawhive::proxy {
namespace {

class Skimmer {
 public:
  Skimmer(std::string_view text, size_t max_depth)
      : begin_(text.data()), p_(text.data()), end_(text.data() + text.size()), max_depth_(max_depth) {}

  Status Run(const std::function<void(std::string_view, std::string_view)>& on_member) {
    Ws();
    if (p_ == end_ || *p_ != '{') return Fail("expected a JSON object");
    ++p_;
    Ws();
    if (p_ < end_ && *p_ == '}') {
      ++p_;
    } else {
      for (;;) {
        Ws();
        const char* key = p_ + 1;
        if (!String()) return Fail(error_ ? error_ : "expected a string key");
        std::string_view raw_key(key, static_cast<size_t>(p_ - 1 - key));
        Ws();
        if (p_ == end_ || *p_ != ':') return Fail("expected ':' after an object key");
        ++p_;
        Ws();
        const char* value = p_;
        if (!Value(1)) return Fail(error_ ? error_ : "expected a value");
        on_member(raw_key, std::string_view(value, static_cast<size_t>(p_ - value)));
        Ws();
        if (p_ < end_ && *p_ == ',') {
          ++p_;
          continue;
        }
        if (p_ < end_ && *p_ == '}') {
          ++p_;
          break;
        }
        return Fail("expected ',' or '}' after an object member");
      }
    }
    Ws();
    if (p_ != end_) return Fail("unexpected text after the JSON object");
    return Status::Ok();
  }

 private:
  Status Fail(const char* what) {
    return Error::Invalid("malformed JSON at byte " + std::to_string(p_ - begin_) + ": " + what);
  }

  void Ws() {
    while (p_ < end_ && (*p_ == ' ' || *p_ == '\n' || *p_ == '\r' || *p_ == '\t')) ++p_;
  }

  static constexpr uint64_t kOnes = 0x0101010101010101ULL;
  static constexpr uint64_t kHighs = 0x8080808080808080ULL;
  static uint64_t HasZero(uint64_t v) { return (v - kOnes) & ~v & kHighs; }
  static uint64_t HasLess(uint64_t v, uint64_t n) { return (v - kOnes * n) & ~v & kHighs; }  // n <= 128

  static bool Hex(char c) { return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F'); }
  static bool Digit(char c) { return c >= '0' && c <= '9'; }

  // At '"': past the closing quote.
  bool String() {
    if (p_ == end_ || *p_ != '"') return false;
    ++p_;
    while (p_ < end_) {
      // Eight bytes at a time while none is '"', '\\' or a control character: strings are most of a
      // chat body. A false alarm (a borrow in HasZero) only drops to the byte loop for one byte.
      while (end_ - p_ >= 8) {
        uint64_t v;
        std::memcpy(&v, p_, 8);
        if (HasZero(v ^ (kOnes * '"')) | HasZero(v ^ (kOnes * '\\')) | HasLess(v, 0x20)) break;
        p_ += 8;
      }
      if (p_ == end_) break;
      unsigned char c = static_cast<unsigned char>(*p_);
      if (c == '"') {
        ++p_;
        return true;
      }
      if (c < 0x20) {
        error_ = "raw control character in a string";
        return false;
      }
      if (c != '\\') {
        ++p_;
        continue;
      }
      if (end_ - p_ < 2) break;
      switch (p_[1]) {
        case '"': case '\\': case '/': case 'b': case 'f': case 'n': case 'r': case 't':
          p_ += 2;
          break;
        case 'u':
          if (end_ - p_ < 6 || !Hex(p_[2]) || !Hex(p_[3]) || !Hex(p_[4]) || !Hex(p_[5])) {
            error_ = "bad \\u escape";
            return false;
          }
          p_ += 6;
          break;
        default:
          error_ = "bad escape in a string";
          return false;
      }
    }
    error_ = "unterminated string";
    return false;
  }

  bool Number() {
    if (p_ < end_ && *p_ == '-') ++p_;
    if (p_ == end_) return false;
    if (*p_ == '0') {
      ++p_;
    } else if (Digit(*p_)) {
      while (p_ < end_ && Digit(*p_)) ++p_;
    } else {
      return false;
    }
    if (p_ < end_ && *p_ == '.') {
      ++p_;
      if (p_ == end_ || !Digit(*p_)) return false;
      while (p_ < end_ && Digit(*p_)) ++p_;
    }
    if (p_ < end_ && (*p_ == 'e' || *p_ == 'E')) {
      ++p_;
      if (p_ < end_ && (*p_ == '+' || *p_ == '-')) ++p_;
      if (p_ == end_ || !Digit(*p_)) return false;
      while (p_ < end_ && Digit(*p_)) ++p_;
    }
    return true;
  }

  bool Literal(std::string_view word) {
    if (static_cast<size_t>(end_ - p_) < word.size() || std::string_view(p_, word.size()) != word) return false;
    p_ += word.size();
    return true;
  }

  // A value nested `depth` containers deep (the top-level object is depth 1).
  bool Value(size_t depth) {
    if (p_ == end_) return false;
    switch (*p_) {
      case '"': return String();
      case 't': return Literal("true");
      case 'f': return Literal("false");
      case 'n': return Literal("null");
      case '{':
      case '[': {
        if (depth >= max_depth_) {
          error_ = "nested too deep";
          return false;
        }
        const char close = *p_ == '{' ? '}' : ']';
        const bool object = close == '}';
        ++p_;
        Ws();
        if (p_ < end_ && *p_ == close) {
          ++p_;
          return true;
        }
        for (;;) {
          Ws();
          if (object) {
            if (!String()) return false;
            Ws();
            if (p_ == end_ || *p_ != ':') {
              error_ = "expected ':' after an object key";
              return false;
            }
            ++p_;
            Ws();
          }
          if (!Value(depth + 1)) return false;
          Ws();
          if (p_ < end_ && *p_ == ',') {
            ++p_;
            continue;
          }
          if (p_ < end_ && *p_ == close) {
            ++p_;
            return true;
          }
          error_ = object ? "expected ',' or '}' after an object member" : "expected ',' or ']' after an array element";
          return false;
        }
      }
      default: return Number();
    }
  }

  const char* begin_;
  const char* p_;
  const char* end_;
  const size_t max_depth_;
  const char* error_ = nullptr;  // the most specific failure, when known
};

}  // namespace

Status SkimJsonObject(std::string_view text, size_t max_depth,
                      const std::function<void(std::string_view, std::string_view)>& on_member) {
  return Skimmer(text, max_depth).Run(on_member);
}

}  // namespace clawhive::proxy
