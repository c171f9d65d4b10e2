#include "installer/preflight.h"

#include "installer/system.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <sys/statvfs.h>
#include <sys/utsname.h>
#include <fcntl.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <fstream>
#include <sstream>

namespace clawhive::installer {
namespace {

std::string Gib(uint64_t bytes) {
  std::ostringstream o;
  o.setf(std::ios::fixed);
  o.precision(1);
  o << static_cast<double>(bytes) / static_cast<double>(uint64_t{1} << 30) << " GiB";
  return o.str();
}

Check SystemdCheck(Host& host) {
  Result<std::string> out = host.Run({"systemctl", "--version"});
  if (!out.ok()) return {"systemd", Outcome::kFail, "cannot run systemctl --version: " + out.error().message};
  int v = ParseSystemdVersion(*out);
  if (v == 0) return {"systemd", Outcome::kFail, "cannot read the version from systemctl --version"};
  std::string d = "version " + std::to_string(v);
  if (v < kMinSystemd) return {"systemd", Outcome::kFail, d + "; need " + std::to_string(kMinSystemd) + " or later"};
  return {"systemd", Outcome::kOk, d};
}

Check CgroupCheck(Host& host) {
  if (host.Exists("/sys/fs/cgroup/cgroup.controllers")) return {"cgroups", Outcome::kOk, "unified (cgroup v2)"};
  if (host.Exists("/sys/fs/cgroup/unified/cgroup.controllers"))
    return {"cgroups", Outcome::kWarn,
            "hybrid (v1 controllers with v2 at /sys/fs/cgroup/unified); memory and CPU limits need the unified "
            "layout: boot with systemd.unified_cgroup_hierarchy=1"};
  return {"cgroups", Outcome::kFail, "legacy (cgroup v1); Clawhive needs the unified cgroup v2 layout"};
}

Check ArchCheck(Host& host) {
  std::string arch = host.Architecture();
  if (arch == "x86_64" || arch == "aarch64") return {"architecture", Outcome::kOk, arch};
  return {"architecture", Outcome::kFail, arch + "; supported: x86_64, aarch64"};
}

Check CpuCheck(Host& host) {
  uint64_t n = host.OnlineCpus();
  std::string d = std::to_string(n) + " online";
  if (n == 0) return {"cpus", Outcome::kFail, "cannot count online CPUs"};
  if (n < kMinCpus) return {"cpus", Outcome::kWarn, d + "; " + std::to_string(kMinCpus) + " or more recommended"};
  return {"cpus", Outcome::kOk, d};
}

Check DiskCheck(Host& host) {
  Result<uint64_t> free = host.FreeBytes("/var/lib");
  if (!free.ok()) return {"disk", Outcome::kFail, "cannot read free space on /var/lib: " + free.error().message};
  std::string d = Gib(*free) + " free on /var/lib";
  if (*free < kMinDiskBytes) return {"disk", Outcome::kFail, d + "; need at least " + Gib(kMinDiskBytes)};
  if (*free < kWarnDiskBytes) return {"disk", Outcome::kWarn, d + "; " + Gib(kWarnDiskBytes) + " or more recommended"};
  return {"disk", Outcome::kOk, d};
}

Check PortCheck(Host& host, uint16_t port) {
  std::string p = std::to_string(port);
  Result<bool> free = host.PortFree(port);
  if (!free.ok()) return {"port", Outcome::kWarn, "cannot test port " + p + ": " + free.error().message};
  if (!*free) return {"port", Outcome::kFail, "port " + p + " is in use on this host"};
  return {"port", Outcome::kOk, "port " + p + " is free (bind test on 127.0.0.1)"};
}

}  // namespace

Host& RealHost() { return RealSystem(); }

const char* OutcomeName(Outcome o) {
  switch (o) {
    case Outcome::kOk: return "ok";
    case Outcome::kWarn: return "warn";
    default: return "fail";
  }
}

int Report::ExitCode() const {
  int code = 0;
  for (const Check& c : checks) {
    if (c.outcome == Outcome::kFail) return 2;
    if (c.outcome == Outcome::kWarn) code = 1;
  }
  return code;
}

uint64_t TenantsThatFit(uint64_t mem_total, uint64_t headroom, uint64_t tenant_memory_max) {
  if (tenant_memory_max == 0 || mem_total <= headroom) return 0;
  return (mem_total - headroom) / tenant_memory_max;
}

int ParseSystemdVersion(const std::string& text) {
  std::istringstream in(text);
  std::string word, number;
  if (!(in >> word >> number) || word != "systemd") return 0;
  int v = 0;
  for (char c : number) {
    if (c < '0' || c > '9') break;
    if (v > 100000) return 0;
    v = v * 10 + (c - '0');
  }
  return v;
}

uint64_t ParseMemTotal(const std::string& meminfo) {
  std::istringstream in(meminfo);
  std::string line;
  while (std::getline(in, line)) {
    if (line.rfind("MemTotal:", 0) != 0) continue;
    std::istringstream l(line.substr(9));
    uint64_t kib = 0;
    std::string unit;
    if (!(l >> kib)) return 0;
    l >> unit;
    return unit == "kB" || unit.empty() ? kib * 1024 : 0;
  }
  return 0;
}

Report RunPreflight(Host& host, const Answers& answers) {
  Report r;
  r.checks.push_back(SystemdCheck(host));
  r.checks.push_back(CgroupCheck(host));
  r.checks.push_back(ArchCheck(host));
  r.checks.push_back(CpuCheck(host));

  Result<std::string> meminfo = host.ReadFile("/proc/meminfo");
  r.mem_total = meminfo.ok() ? ParseMemTotal(*meminfo) : 0;
  r.tenants_fit = TenantsThatFit(r.mem_total, answers.headroom_memory, answers.memory_max);
  if (r.mem_total == 0) {
    r.checks.push_back({"memory", Outcome::kFail, "cannot read MemTotal from /proc/meminfo"});
  } else {
    std::string d = Gib(r.mem_total) + " total, " + Gib(answers.headroom_memory) + " kept for the host";
    if (r.mem_total < kMinMemoryBytes)
      r.checks.push_back({"memory", Outcome::kFail, d + "; need at least " + Gib(kMinMemoryBytes)});
    else
      r.checks.push_back({"memory", Outcome::kOk, d});
    std::string fit = std::to_string(r.tenants_fit) + " tenant(s) of " + Gib(answers.memory_max) + " fit";
    if (r.tenants_fit == 0)
      r.checks.push_back({"capacity", Outcome::kFail, fit + "; lower headroom.memory or tenant_defaults.memory_max"});
    else if (r.tenants_fit < answers.tenants.size())
      r.checks.push_back({"capacity", Outcome::kWarn,
                          fit + ", but the answer file creates " + std::to_string(answers.tenants.size())});
    else
      r.checks.push_back({"capacity", Outcome::kOk, fit});
  }
  r.checks.push_back(DiskCheck(host));
  r.checks.push_back(PortCheck(host, answers.listen_port));
  return r;
}

std::string FormatReport(const Report& report, const Answers& answers) {
  std::ostringstream o;
  for (const Check& c : report.checks) {
    std::string name = c.name;
    name.resize(std::max<size_t>(name.size(), 13), ' ');
    o << OutcomeName(c.outcome) << (c.outcome == Outcome::kOk ? "   " : " ") << name << c.detail << "\n";
  }
  size_t warn = 0, fail = 0;
  for (const Check& c : report.checks) {
    warn += c.outcome == Outcome::kWarn;
    fail += c.outcome == Outcome::kFail;
  }
  o << "summary: " << report.checks.size() << " checks, " << warn << " warning(s), " << fail << " failure(s); "
    << report.tenants_fit << " tenant(s) of the default size (memory_max " << Gib(answers.memory_max)
    << ") fit in " << Gib(report.mem_total) << " minus " << Gib(answers.headroom_memory) << " headroom\n";
  return o.str();
}

}  // namespace clawhive::installer
