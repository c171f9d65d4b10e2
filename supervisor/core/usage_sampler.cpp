#include "supervisor/core/usage_sampler.h"

#include <algorithm>
#include <cmath>
#include <limits>

#include "supervisor/core/kernel_stats.h"

namespace clawhive {

UsageSampler::UsageSampler(Host& host, Loop& loop, uint64_t interval_ms, size_t history,
                           std::string cgroup_root, std::string proc_root)
    : host_(host), loop_(loop), interval_ms_(std::max<uint64_t>(interval_ms, 1)),
      history_(std::max<size_t>(history, 1)), proc_root_(std::move(proc_root)),
      cgroups_(host, std::move(cgroup_root)) {}

UsageSampler::~UsageSampler() {
  loop_.Cancel(tick_timer_);
  loop_.Cancel(batch_timer_);
  for (auto& [id, s] : series_) {
    loop_.Cancel(s.soon);
    loop_.Cancel(s.follow_up);
  }
}

void UsageSampler::Start(Targets targets) {
  targets_ = std::move(targets);
  loop_.Cancel(tick_timer_);
  tick_timer_ = loop_.After(0, [this] { Tick(); });
}

void UsageSampler::Tick() {
  ++ticks_;
  // The second tick comes early: with it the first CPU figures (host and tenants) after a start.
  uint64_t next = ticks_ == 1 ? std::min(kFollowUpMs, interval_ms_) : interval_ms_;
  tick_timer_ = loop_.After(next, [this] { Tick(); });
  SampleHost();
  // A tick still in batches when the next begins (an interval shorter than a tick takes) is dropped:
  // the new one covers every tenant again.
  loop_.Cancel(batch_timer_);
  batch_timer_ = 0;
  batch_ = targets_ ? targets_() : std::vector<Target>{};
  batch_pos_ = 0;
  RunBatch();
}

void UsageSampler::RunBatch() {
  batch_timer_ = 0;
  uint64_t now = loop_.NowMs();
  int64_t wall = host_.WallMs();
  size_t end = std::min(batch_pos_ + kBatch, batch_.size());
  for (; batch_pos_ < end; ++batch_pos_) {
    const Target& t = batch_[batch_pos_];
    SampleTenant(t.id, t.control_group, now, wall);
  }
  if (batch_pos_ < batch_.size()) {
    batch_timer_ = loop_.After(0, [this] { RunBatch(); });
  } else {
    batch_.clear();
    batch_pos_ = 0;
  }
}

void UsageSampler::TickNow() {
  uint64_t now = loop_.NowMs();
  int64_t wall = host_.WallMs();
  SampleHost();
  std::vector<Target> all = targets_ ? targets_() : std::vector<Target>{};
  for (const Target& t : all) SampleTenant(t.id, t.control_group, now, wall);
}

void UsageSampler::SampleHost() {
  if (Result<std::string> text = host_.ReadFile(proc_root_ + "/meminfo")) {
    MemInfo m = ParseMemInfo(*text);
    host_figures_.memory_total = m.total_bytes;
    host_figures_.memory_available = m.available_bytes;
  } else {
    host_figures_.memory_total.reset();
    host_figures_.memory_available.reset();
  }
  CpuTimes cpu;
  if (Result<std::string> text = host_.ReadFile(proc_root_ + "/stat")) cpu = ParseProcStat(*text);
  if (cpu.online_cpus > 0) host_figures_.online_cpus = cpu.online_cpus;
  // Busy share of all CPU time between two ticks, times the CPUs: cores in use. Clock ticks cancel out,
  // so USER_HZ need not be known.
  host_figures_.cpu_used.reset();
  if (cpu.busy && cpu.total && host_busy_ && host_total_ && *cpu.total > *host_total_ &&
      *cpu.busy >= *host_busy_ && host_figures_.online_cpus > 0) {
    double share = static_cast<double>(*cpu.busy - *host_busy_) / static_cast<double>(*cpu.total - *host_total_);
    host_figures_.cpu_used = std::min(1.0, share) * host_figures_.online_cpus;
  }
  host_busy_ = cpu.busy;
  host_total_ = cpu.total;
}

void UsageSampler::SampleTenant(const std::string& id, const std::string& control_group, uint64_t now_ms,
                                int64_t wall_ms) {
  CgroupUsage u = cgroups_.Read(control_group);
  Series& s = series_[id];
  Latest l;
  l.at_ms = wall_ms;
  l.memory_bytes = u.memory_bytes;
  l.cpu_nsec = u.cpu_nsec;
  l.tasks = u.tasks;
  if (u.cpu_nsec) {
    if (s.base_cpu_nsec && *u.cpu_nsec >= *s.base_cpu_nsec && now_ms >= s.base_mono_ms + kMinCpuWindowMs) {
      l.cpu_cores = static_cast<double>(*u.cpu_nsec - *s.base_cpu_nsec) /
                    (static_cast<double>(now_ms - s.base_mono_ms) * 1e6);
      s.base_cpu_nsec = u.cpu_nsec;
      s.base_mono_ms = now_ms;
    } else if (!s.base_cpu_nsec || *u.cpu_nsec < *s.base_cpu_nsec) {
      // First reading, or the counter went back (the slice's cgroup was made anew): start over from here.
      s.base_cpu_nsec = u.cpu_nsec;
      s.base_mono_ms = now_ms;
    }
    // else: too soon after the base for an honest figure; keep the base for the next sample.
  }

  Packed p{wall_ms, u.memory_bytes.value_or(kNoMemory), std::numeric_limits<float>::quiet_NaN(), kNoTasks};
  if (l.cpu_cores) p.cpu_cores = static_cast<float>(*l.cpu_cores);
  if (u.tasks && *u.tasks < kNoTasks) p.tasks = static_cast<uint32_t>(*u.tasks);
  if (s.ring.size() < history_) {
    if (s.ring.empty()) s.ring.reserve(history_);  // exactly: growth by doubling would overshoot
    s.ring.push_back(p);
  } else {
    s.ring[s.next] = p;
    s.next = (s.next + 1) % history_;
  }
  s.latest = l;
}

void UsageSampler::SampleSoon(const std::string& id, const std::string& control_group) {
  Series& s = series_[id];
  loop_.Cancel(s.soon);
  loop_.Cancel(s.follow_up);
  s.soon = loop_.After(kSoonMs, [this, id, control_group] { SampleOne(id, control_group, false); });
  s.follow_up = loop_.After(kFollowUpMs, [this, id, control_group] { SampleOne(id, control_group, true); });
}

void UsageSampler::SampleOne(const std::string& id, const std::string& control_group, bool follow_up) {
  auto it = series_.find(id);
  if (it == series_.end()) return;
  (follow_up ? it->second.follow_up : it->second.soon) = 0;
  SampleTenant(id, control_group, loop_.NowMs(), host_.WallMs());
}

void UsageSampler::Forget(const std::string& id) {
  auto it = series_.find(id);
  if (it != series_.end()) {
    loop_.Cancel(it->second.soon);
    loop_.Cancel(it->second.follow_up);
    series_.erase(it);
  }
  // Not in the rest of a tick in progress either, or it would come back as a fresh series.
  auto rest = batch_.begin() + static_cast<std::ptrdiff_t>(batch_pos_);
  batch_.erase(std::remove_if(rest, batch_.end(), [&](const Target& t) { return t.id == id; }), batch_.end());
}

const UsageSampler::Latest* UsageSampler::LatestOf(const std::string& id) const {
  auto it = series_.find(id);
  if (it == series_.end() || !it->second.latest) return nullptr;
  return &*it->second.latest;
}

std::vector<UsageSample> UsageSampler::History(const std::string& id) const {
  std::vector<UsageSample> out;
  auto it = series_.find(id);
  if (it == series_.end()) return out;
  const Series& s = it->second;
  out.reserve(s.ring.size());
  for (size_t n = 0; n < s.ring.size(); ++n) {
    const Packed& p = s.ring[(s.next + n) % s.ring.size()];  // `next` is the oldest once the ring is full
    UsageSample u;
    u.at_ms = p.at_ms;
    if (p.memory != kNoMemory) u.memory_bytes = p.memory;
    if (!std::isnan(p.cpu_cores)) u.cpu_cores = p.cpu_cores;
    if (p.tasks != kNoTasks) u.tasks = p.tasks;
    out.push_back(u);
  }
  return out;
}

}  // namespace clawhive
