#include "supervisor/common/quantity.h"

#include <cctype>
#include <cmath>
#include <limits>

namespace clawhive {
namespace {

// Splits "  12.5Gi " into number 12.5 and suffix "Gi". No locale, no exceptions (std::stod would throw).
bool SplitNumber(const std::string& text, double* number, std::string* suffix) {
  size_t i = 0, n = text.size();
  while (i < n && std::isspace(static_cast<unsigned char>(text[i]))) ++i;
  size_t start = i;
  double value = 0;
  bool digits = false;
  while (i < n && std::isdigit(static_cast<unsigned char>(text[i]))) {
    value = value * 10 + (text[i] - '0');
    digits = true;
    ++i;
  }
  if (i < n && text[i] == '.') {
    ++i;
    double scale = 0.1;
    while (i < n && std::isdigit(static_cast<unsigned char>(text[i]))) {
      value += (text[i] - '0') * scale;
      scale /= 10;
      digits = true;
      ++i;
    }
  }
  if (!digits || i == start) return false;
  size_t end = n;
  while (end > i && std::isspace(static_cast<unsigned char>(text[end - 1]))) --end;
  *number = value;
  *suffix = text.substr(i, end - i);
  return std::isfinite(value);
}

Result<uint64_t> Scale(double number, double factor, const std::string& what) {
  double v = number * factor;
  if (!(v < static_cast<double>(std::numeric_limits<uint64_t>::max()) / 2))
    return Error::Invalid(what + " is too large");
  return static_cast<uint64_t>(std::llround(v));
}

}  // namespace

Result<uint64_t> ParseSize(const std::string& text) {
  if (text == "infinity") return uint64_t{0};
  double n;
  std::string s;
  if (!SplitNumber(text, &n, &s)) return Error::Invalid("expected a size such as 512M or 2G");
  std::string u;
  for (char c : s) u += static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
  if (u.size() >= 2 && u.substr(u.size() - 2) == "IB") u.resize(u.size() - 2);
  else if (u.size() >= 2 && u.back() == 'B') u.pop_back();
  double f;
  if (u.empty() || u == "B") f = 1;
  else if (u == "K") f = 1024.0;
  else if (u == "M") f = 1024.0 * 1024;
  else if (u == "G") f = 1024.0 * 1024 * 1024;
  else if (u == "T") f = 1024.0 * 1024 * 1024 * 1024;
  else return Error::Invalid("unknown size suffix; use K, M, G or T");
  return Scale(n, f, "size");
}

Result<uint64_t> ParseDurationMs(const std::string& text) {
  double n;
  std::string s;
  if (!SplitNumber(text, &n, &s)) return Error::Invalid("expected a duration such as 500ms, 5s or 2m");
  double f;
  if (s.empty() || s == "s") f = 1000;
  else if (s == "ms") f = 1;
  else if (s == "m" || s == "min") f = 60000;
  else if (s == "h") f = 3600000;
  else return Error::Invalid("unknown duration unit; use ms, s, m or h");
  return Scale(n, f, "duration");
}

Result<uint64_t> ParsePercent(const std::string& text) {
  double n;
  std::string s;
  if (!SplitNumber(text, &n, &s) || !(s.empty() || s == "%"))
    return Error::Invalid("expected a percentage such as 150%");
  return Scale(n, 1, "percentage");
}

}  // namespace clawhive
