// Preflight: can this host run Clawhive, and how many tenants of the default size does it hold?
//
// Everything is read through Host, so tests use a hand-written fake and the checks never depend on the
// machine running them. The only network access is a bind test on a loopback address (nothing is
// contacted). Nothing on the host is changed.
//
// Exit code (Report::ExitCode): 0 every check ok; 1 warnings only (installable, but look at them, e.g.
// hybrid cgroups, little disk); 2 at least one failure (the installer refuses to install).
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "installer/answers.h"
#include "supervisor/common/result.h"

namespace clawhive::installer {

// What preflight reads from the host. Real: RealHost() (files, commands, sockets, statvfs).
class Host {
 public:
  virtual ~Host() = default;
  // Contents of a (small) file, e.g. /proc/meminfo; kNotFound when it does not exist.
  virtual Result<std::string> ReadFile(const std::string& path) = 0;
  virtual bool Exists(const std::string& path) = 0;
  // Runs argv (no shell) and returns its stdout; an error when it cannot run or exits non-zero.
  virtual Result<std::string> Run(const std::vector<std::string>& argv) = 0;
  // Free bytes for unprivileged users on the file system holding `path`.
  virtual Result<uint64_t> FreeBytes(const std::string& path) = 0;
  virtual std::string Architecture() = 0;  // uname -m
  virtual uint64_t OnlineCpus() = 0;
  // true when `port` can be bound on loopback (127.0.0.1) right now; the socket is closed at once.
  virtual Result<bool> PortFree(uint16_t port) = 0;
};

// The real host. Stateless; one shared instance.
Host& RealHost();

enum class Outcome { kOk, kWarn, kFail };
const char* OutcomeName(Outcome o);  // "ok", "warn", "fail"

struct Check {
  std::string name;  // "systemd", "cgroups", "architecture", "cpus", "memory", "disk", "port"
  Outcome outcome = Outcome::kOk;
  std::string detail;
};

inline constexpr int kMinSystemd = 252;
inline constexpr uint64_t kMinMemoryBytes = uint64_t{2} << 30;  // below: fail
inline constexpr uint64_t kMinDiskBytes = uint64_t{1} << 30;    // below: fail
inline constexpr uint64_t kWarnDiskBytes = uint64_t{10} << 30;  // below: warn
inline constexpr uint64_t kMinCpus = 2;                         // below: warn

struct Report {
  std::vector<Check> checks;
  uint64_t mem_total = 0;     // bytes, 0 when unknown
  uint64_t tenants_fit = 0;   // (mem_total - headroom) / tenant memory_max
  int ExitCode() const;       // 0 ok, 1 warnings only, 2 failures
};

// (mem_total - headroom) / tenant_memory_max, 0 when the headroom takes everything or max is 0.
uint64_t TenantsThatFit(uint64_t mem_total, uint64_t headroom, uint64_t tenant_memory_max);

// Parses "systemd 252 (252.22-1~deb12u1)" (first line of `systemctl --version`); 0 when unreadable.
int ParseSystemdVersion(const std::string& text);
// MemTotal from /proc/meminfo text, in bytes; 0 when absent.
uint64_t ParseMemTotal(const std::string& meminfo);

// Runs every check. `answers` gives the listen port, tenant size and headroom (defaults when none).
Report RunPreflight(Host& host, const Answers& answers);

// One line per check, then a summary with the tenant estimate.
std::string FormatReport(const Report& report, const Answers& answers);

}  // namespace clawhive::installer
