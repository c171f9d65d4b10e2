// Kernel stats: parsers of the small text files resource figures are read from — cgroup v1 and v2
// counters, cgroup v2 cpu.stat, /proc/stat and /proc/meminfo.
//
// Pure functions over the file's text, no I/O. The text is untrusted in the sense that it may be empty,
// cut short or not what was expected (a file of the other cgroup version, a kernel that added fields):
// a figure that cannot be read with certainty is absent (nullopt), never a guess, never a crash.
#pragma once

#include <cstdint>
#include <optional>
#include <string_view>

namespace clawhive {

// A file holding one unsigned decimal number (memory.current, memory.usage_in_bytes, pids.current,
// cpuacct.usage), optionally followed by whitespace. Anything else, or a number over 2^64-1: nullopt.
std::optional<uint64_t> ParseCounterFile(std::string_view text);

// The value of `key` in a flat keyed file of "key value" lines (cgroup v2 cpu.stat, memory.events).
std::optional<uint64_t> ParseKeyedValue(std::string_view text, std::string_view key);

struct MemInfo {
  std::optional<uint64_t> total_bytes;      // MemTotal
  std::optional<uint64_t> available_bytes;  // MemAvailable
};
// /proc/meminfo ("MemTotal:       16318460 kB").
MemInfo ParseMemInfo(std::string_view text);

struct CpuTimes {
  std::optional<uint64_t> busy;   // clock ticks, all CPUs: total less idle and iowait
  std::optional<uint64_t> total;  // clock ticks, all CPUs (guest time is already inside user/nice)
  uint32_t online_cpus = 0;       // the "cpuN" lines: /proc/stat lists online CPUs only
};
// /proc/stat.
CpuTimes ParseProcStat(std::string_view text);

}  // namespace clawhive
