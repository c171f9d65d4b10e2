// CgroupReader: a cgroup's memory, CPU time and task count straight from cgroupfs — a few small file
// reads through Host, no D-Bus.
//
// Knows both layouts: cgroup v2 (everything under the unified root: memory.current, cpu.stat,
// pids.current) and v1/hybrid, where memory and pids are separate hierarchies
// (memory/<cg>/memory.usage_in_bytes, pids/<cg>/pids.current) and CPU time is in the unified
// hierarchy's cpu.stat or in cpuacct.usage. Rather than classifying the host up front (mounts vary:
// cpu and cpuacct apart or together, an empty "cpu,cpuacct" directory next to them), each figure tries
// its places in order and remembers the one that answered, so the steady state is one read per figure.
//
// `control_group` is systemd's ControlGroup property of the unit: it already carries the prefix of a
// systemd that does not own the cgroup root (in a container, or the test sandbox's
// /clawhive-sandbox/<id>), so it is appended to the hierarchy's mount point as is.
// Loop thread only (it calls Host).
#pragma once

#include <array>
#include <cstdint>
#include <optional>
#include <string>

#include "supervisor/core/host.h"

namespace clawhive {

struct CgroupUsage {
  std::optional<uint64_t> memory_bytes;  // memory charged to the cgroup (page cache included)
  std::optional<uint64_t> cpu_nsec;      // CPU time used since the cgroup was created
  std::optional<uint64_t> tasks;         // processes and threads
};

class CgroupReader {
 public:
  // `root`: where the cgroup hierarchies are mounted. Borrowed host must outlive the reader.
  explicit CgroupReader(Host& host, std::string root = "/sys/fs/cgroup");

  // A figure whose file is missing, unreadable or not understood is absent. An empty or suspicious path
  // (relative, "..") reads nothing.
  CgroupUsage Read(const std::string& control_group);

 private:
  enum class Format { kCounter, kCpuStatUsec };
  struct Place {
    std::string hierarchy;  // mount point of the hierarchy
    const char* file;
    Format format;
  };
  struct Figure {
    std::array<Place, 4> places;
    size_t count = 0;
    size_t preferred = 0;  // the place that answered last
  };
  std::optional<uint64_t> ReadFigure(Figure& f, const std::string& control_group);

  Host& host_;
  Figure memory_, cpu_, tasks_;
};

}  // namespace clawhive
