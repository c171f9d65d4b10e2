#include "supervisor/core/cgroup_reader.h"

#include "supervisor/core/kernel_stats.h"

namespace clawhive {

CgroupReader::CgroupReader(Host& host, std::string root) : host_(host) {
  // Most likely place first: a customer host runs unified cgroup v2; the dev and CI machines are hybrid.
  memory_.places = {{{root, "memory.current", Format::kCounter},
                     {root + "/memory", "memory.usage_in_bytes", Format::kCounter}}};
  memory_.count = 2;
  // On a hybrid host the unified hierarchy has cpu.stat for every cgroup (a core file since kernel 4.15,
  // no controller needed), while cpuacct.usage exists only where systemd put the unit in a cpuacct
  // hierarchy — with cpu and cpuacct mounted apart, systemd 252 does not.
  cpu_.places = {{{root, "cpu.stat", Format::kCpuStatUsec},
                  {root + "/unified", "cpu.stat", Format::kCpuStatUsec},
                  {root + "/cpuacct", "cpuacct.usage", Format::kCounter},
                  {root + "/cpu,cpuacct", "cpuacct.usage", Format::kCounter}}};
  cpu_.count = 4;
  tasks_.places = {{{root, "pids.current", Format::kCounter},
                    {root + "/pids", "pids.current", Format::kCounter}}};
  tasks_.count = 2;
}

CgroupUsage CgroupReader::Read(const std::string& control_group) {
  CgroupUsage u;
  if (control_group.empty() || control_group.front() != '/' || control_group.find("..") != std::string::npos)
    return u;
  u.memory_bytes = ReadFigure(memory_, control_group);
  u.cpu_nsec = ReadFigure(cpu_, control_group);
  u.tasks = ReadFigure(tasks_, control_group);
  return u;
}

std::optional<uint64_t> CgroupReader::ReadFigure(Figure& f, const std::string& control_group) {
  for (size_t n = 0; n < f.count; ++n) {
    size_t i = (f.preferred + n) % f.count;
    const Place& p = f.places[i];
    Result<std::string> text = host_.ReadFile(p.hierarchy + control_group + "/" + p.file);
    if (!text) continue;
    std::optional<uint64_t> v;
    if (p.format == Format::kCounter) {
      v = ParseCounterFile(*text);
    } else if (auto usec = ParseKeyedValue(*text, "usage_usec"); usec && *usec <= UINT64_MAX / 1000) {
      v = *usec * 1000;
    }
    if (!v) continue;
    f.preferred = i;
    return v;
  }
  return std::nullopt;
}

}  // namespace clawhive
