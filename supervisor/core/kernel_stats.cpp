#include "supervisor/core/kernel_stats.h"

#include <charconv>
#include <limits>
#include <vector>

namespace clawhive {
namespace {

bool IsSpace(char c) { return c == ' ' || c == '\t' || c == '\n' || c == '\r'; }

std::string_view TrimLeft(std::string_view s) {
  while (!s.empty() && IsSpace(s.front())) s.remove_prefix(1);
  return s;
}

// A decimal number at the start of `s`, which must end there or at whitespace. Advances `s` past it.
std::optional<uint64_t> TakeNumber(std::string_view& s) {
  uint64_t v = 0;
  auto [end, ec] = std::from_chars(s.data(), s.data() + s.size(), v);
  if (ec != std::errc() || end == s.data()) return std::nullopt;  // not a number, or over 2^64-1
  s.remove_prefix(static_cast<size_t>(end - s.data()));
  if (!s.empty() && !IsSpace(s.front())) return std::nullopt;    // "12abc", "1.5", "12-"
  return v;
}

// Calls on(line) for each line, without its newline; stops when on returns false.
template <typename F>
void ForEachLine(std::string_view text, F on) {
  while (!text.empty()) {
    size_t nl = text.find('\n');
    std::string_view line = text.substr(0, nl);
    if (!on(line)) return;
    if (nl == std::string_view::npos) return;
    text.remove_prefix(nl + 1);
  }
}

std::optional<uint64_t> Add(std::optional<uint64_t> a, uint64_t b) {
  if (!a || *a > std::numeric_limits<uint64_t>::max() - b) return std::nullopt;
  return *a + b;
}

}  // namespace

std::optional<uint64_t> ParseCounterFile(std::string_view text) {
  std::optional<uint64_t> v = TakeNumber(text);
  if (!v || !TrimLeft(text).empty()) return std::nullopt;
  return v;
}

std::optional<uint64_t> ParseKeyedValue(std::string_view text, std::string_view key) {
  std::optional<uint64_t> found;
  ForEachLine(text, [&](std::string_view line) {
    size_t sp = line.find(' ');
    if (sp == std::string_view::npos || line.substr(0, sp) != key) return true;
    std::string_view rest = TrimLeft(line.substr(sp));
    found = TakeNumber(rest);
    if (found && !TrimLeft(rest).empty()) found.reset();  // "usage_usec 12 34": not one value
    return false;
  });
  return found;
}

MemInfo ParseMemInfo(std::string_view text) {
  MemInfo m;
  ForEachLine(text, [&](std::string_view line) {
    size_t colon = line.find(':');
    if (colon == std::string_view::npos) return true;
    std::string_view name = line.substr(0, colon);
    std::optional<uint64_t>* out = name == "MemTotal"       ? &m.total_bytes
                                   : name == "MemAvailable" ? &m.available_bytes
                                                            : nullptr;
    if (!out) return true;
    std::string_view rest = TrimLeft(line.substr(colon + 1));
    std::optional<uint64_t> v = TakeNumber(rest);
    rest = TrimLeft(rest);
    if (v && rest == "kB") {
      if (*v > std::numeric_limits<uint64_t>::max() / 1024) v.reset();
      else *v *= 1024;
    } else if (!rest.empty()) {
      v.reset();  // a unit we do not know
    }
    *out = v;
    return true;
  });
  return m;
}

CpuTimes ParseProcStat(std::string_view text) {
  CpuTimes t;
  ForEachLine(text, [&](std::string_view line) {
    if (!line.starts_with("cpu")) return true;
    std::string_view rest = line.substr(3);
    if (!rest.empty() && rest.front() >= '0' && rest.front() <= '9') {  // "cpu0 ...": one online CPU
      ++t.online_cpus;
      return true;
    }
    if (rest.empty() || rest.front() != ' ') return true;
    // "cpu  user nice system idle iowait irq softirq steal guest guest_nice": the first 8 make the total
    // (guest and guest_nice are already counted in user and nice). Old kernels have fewer columns.
    std::vector<uint64_t> f;
    for (rest = TrimLeft(rest); !rest.empty() && f.size() < 8; rest = TrimLeft(rest)) {
      std::optional<uint64_t> v = TakeNumber(rest);
      if (!v) return true;  // a broken aggregate line: no CPU figures at all
      f.push_back(*v);
    }
    if (f.size() < 4) return true;
    std::optional<uint64_t> total = 0;
    for (uint64_t v : f) total = Add(total, v);
    if (!total) return true;
    uint64_t idle = f[3] + (f.size() > 4 ? f[4] : 0);  // cannot overflow: both are inside total
    t.total = total;
    t.busy = *total - idle;
    return true;
  });
  return t;
}

}  // namespace clawhive
