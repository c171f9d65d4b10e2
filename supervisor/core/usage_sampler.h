// UsageSampler: what each tenant's slice uses — memory, CPU time, tasks — read from its cgroup files
// (CgroupReader) every usage interval, and the host's memory and CPU (/proc/meminfo, /proc/stat) at the
// same ticks. Keeps the last `history` samples per tenant for the console's charts, and each tenant's
// latest figures for its status, so that answering the API never reads a file or asks systemd.
//
// Schedule: a tick at Start(), another a second later (CPU in cores is a difference of two samples, so
// figures show early after a supervisor start), then one every interval. A tenant whose agent just
// started is sampled on its own shortly after and again a second later (SampleSoon).
//
// Cost: three small file reads per running tenant per tick, ~35 us per tenant on the 2-core dev box
// (a tick over 1000 tenants: ~35 ms). A tick is cut into batches of kBatch tenants, each its own turn of
// the loop, so a call waiting for the loop thread never waits for a whole tick.
//
// Loop thread only. The borrowed host and loop must outlive it; its timers are cancelled with it.
#pragma once

#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <unordered_map>
#include <vector>

#include "supervisor/core/cgroup_reader.h"
#include "supervisor/core/host.h"
#include "supervisor/core/loop.h"
#include "supervisor/core/tenant_service.h"

namespace clawhive {

class UsageSampler {
 public:
  static constexpr size_t kBatch = 25;             // tenants per loop turn: < 1 ms of reads on the dev box
  static constexpr uint64_t kSoonMs = 100;         // first sample of a fresh agent
  static constexpr uint64_t kFollowUpMs = 1000;    // second one: the first CPU figure
  static constexpr uint64_t kMinCpuWindowMs = 100; // shorter windows give no CPU figure (too noisy)

  struct Target {
    std::string id;
    std::string control_group;  // the tenant slice's, as systemd's ControlGroup property gives it
  };
  // The tenants to sample at a tick (those whose agent runs). Called once per tick, on the loop thread.
  using Targets = std::function<std::vector<Target>()>;

  // A tenant's newest sample, with the cumulative CPU time the chart's cores were derived from.
  struct Latest {
    int64_t at_ms = 0;
    std::optional<uint64_t> memory_bytes;
    std::optional<uint64_t> cpu_nsec;
    std::optional<double> cpu_cores;
    std::optional<uint64_t> tasks;
  };

  struct HostFigures {
    std::optional<uint64_t> memory_total;      // bytes
    std::optional<uint64_t> memory_available;  // bytes
    uint32_t online_cpus = 0;                  // 0 until the first tick read /proc/stat
    std::optional<double> cpu_used;            // cores busy between the last two ticks
  };

  // `history`: samples kept per tenant (at least 1). `cgroup_root` and `proc_root` are where cgroupfs
  // and procfs are mounted.
  UsageSampler(Host& host, Loop& loop, uint64_t interval_ms, size_t history,
               std::string cgroup_root = "/sys/fs/cgroup", std::string proc_root = "/proc");
  ~UsageSampler();
  UsageSampler(const UsageSampler&) = delete;
  UsageSampler& operator=(const UsageSampler&) = delete;

  void Start(Targets targets);
  // The tenant's agent just started: sample it kSoonMs and kFollowUpMs from now.
  void SampleSoon(const std::string& id, const std::string& control_group);
  // The tenant is gone: drops its samples and any sampling of it still to come.
  void Forget(const std::string& id);

  const Latest* LatestOf(const std::string& id) const;  // null before its first sample
  std::vector<UsageSample> History(const std::string& id) const;  // oldest first
  const HostFigures& host() const { return host_figures_; }
  uint64_t interval_ms() const { return interval_ms_; }

  // One whole tick now, every batch at once (benchmarks and tests; the schedule is not changed).
  void TickNow();

 private:
  // A sample as kept in the ring: 24 bytes, absent figures as sentinels (360 samples x 1000 tenants
  // would be 20 MB as UsageSample).
  struct Packed {
    int64_t at_ms;
    uint64_t memory;  // kNoMemory: absent
    float cpu_cores;  // NaN: absent
    uint32_t tasks;   // kNoTasks: absent
  };
  static constexpr uint64_t kNoMemory = UINT64_MAX;
  static constexpr uint32_t kNoTasks = UINT32_MAX;

  struct Series {
    std::vector<Packed> ring;  // grows to history_, then wraps at `next`
    size_t next = 0;
    std::optional<Latest> latest;
    std::optional<uint64_t> base_cpu_nsec;  // the CPU reading cores are measured from
    uint64_t base_mono_ms = 0;
    TimerId soon = 0, follow_up = 0;
  };

  void Tick();
  void RunBatch();
  void SampleHost();
  void SampleTenant(const std::string& id, const std::string& control_group, uint64_t now_ms, int64_t wall_ms);
  void SampleOne(const std::string& id, const std::string& control_group, bool follow_up);

  Host& host_;
  Loop& loop_;
  uint64_t interval_ms_;
  size_t history_;
  std::string proc_root_;
  CgroupReader cgroups_;
  Targets targets_;

  std::unordered_map<std::string, Series> series_;
  HostFigures host_figures_;
  std::optional<uint64_t> host_busy_, host_total_;  // /proc/stat at the previous tick

  uint64_t ticks_ = 0;
  TimerId tick_timer_ = 0, batch_timer_ = 0;
  std::vector<Target> batch_;  // the tick in progress
  size_t batch_pos_ = 0;
};

}  // namespace clawhive
