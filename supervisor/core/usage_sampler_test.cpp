// The usage sampler and the cgroup reader against FakeHost's files and FakeLoop's clock.
#include "supervisor/core/usage_sampler.h"

#include <boost/test/unit_test.hpp>
#include <cmath>
#include <string>
#include <vector>

#include "supervisor/core/cgroup_reader.h"
#include "unit/fake_host.h"
#include "unit/fake_loop.h"

namespace clawhive {
namespace {

const std::string kCg = "/clawhive.slice/clawhive-acme\\x2dcorp.slice";
// As the sandbox's systemd reports it: below the host's cgroup root.
const std::string kSandboxCg = "/clawhive-sandbox/sb-x-1/clawhive.slice/clawhive-acme\\x2dcorp.slice";

// A unified cgroup v2 host (Debian 12 default).
void SetV2(FakeHost& h, const std::string& cg, uint64_t memory, uint64_t cpu_usec, uint64_t tasks) {
  h.files["/sys/fs/cgroup" + cg + "/memory.current"] = std::to_string(memory) + "\n";
  h.files["/sys/fs/cgroup" + cg + "/cpu.stat"] =
      "usage_usec " + std::to_string(cpu_usec) + "\nuser_usec 0\nsystem_usec " + std::to_string(cpu_usec) + "\n";
  h.files["/sys/fs/cgroup" + cg + "/pids.current"] = std::to_string(tasks) + "\n";
}

// The hybrid layout of the dev and CI machines: v1 memory and pids, CPU in the unified hierarchy.
void SetHybrid(FakeHost& h, const std::string& cg, uint64_t memory, uint64_t cpu_usec, uint64_t tasks) {
  h.files["/sys/fs/cgroup/memory" + cg + "/memory.usage_in_bytes"] = std::to_string(memory) + "\n";
  h.files["/sys/fs/cgroup/unified" + cg + "/cpu.stat"] = "usage_usec " + std::to_string(cpu_usec) + "\n";
  h.files["/sys/fs/cgroup/pids" + cg + "/pids.current"] = std::to_string(tasks) + "\n";
}

std::string ProcStat(uint64_t busy, uint64_t idle) {
  return "cpu  " + std::to_string(busy) + " 0 0 " + std::to_string(idle) + " 0 0 0 0 0 0\n"
         "cpu0 0 0 0 0 0 0 0 0 0 0\ncpu1 0 0 0 0 0 0 0 0 0 0\nintr 1 2\n";
}

struct Sampling {
  FakeHost host;
  FakeLoop loop;
  std::vector<UsageSampler::Target> targets;
  std::unique_ptr<UsageSampler> sampler;

  explicit Sampling(uint64_t interval_ms = 10000, size_t history = 360) {
    sampler = std::make_unique<UsageSampler>(host, loop, interval_ms, history);
  }
  void Start() {
    sampler->Start([this] { return targets; });
  }
};

BOOST_AUTO_TEST_SUITE(usage_sampling)

BOOST_AUTO_TEST_CASE(a_slice_is_read_from_the_unified_files_on_cgroup_v2) {
  FakeHost host;
  SetV2(host, kCg, 700 << 20, 2500, 29);
  CgroupUsage u = CgroupReader(host).Read(kCg);
  BOOST_TEST(u.memory_bytes.value() == (700u << 20));
  BOOST_TEST(u.cpu_nsec.value() == 2500000u);
  BOOST_TEST(u.tasks.value() == 29u);
}

BOOST_AUTO_TEST_CASE(a_slice_is_read_from_v1_controllers_and_the_unified_cpu_stat_on_a_hybrid_host) {
  FakeHost host;
  SetHybrid(host, kSandboxCg, 524288, 3213, 1);
  CgroupUsage u = CgroupReader(host).Read(kSandboxCg);
  BOOST_TEST(u.memory_bytes.value() == 524288u);
  BOOST_TEST(u.cpu_nsec.value() == 3213000u);
  BOOST_TEST(u.tasks.value() == 1u);
}

BOOST_AUTO_TEST_CASE(cpuacct_usage_counts_where_there_is_no_unified_cpu_stat) {
  FakeHost host;
  host.files["/sys/fs/cgroup/cpu,cpuacct" + kCg + "/cpuacct.usage"] = "123456789\n";
  CgroupUsage u = CgroupReader(host).Read(kCg);
  BOOST_TEST(u.cpu_nsec.value() == 123456789u);
  BOOST_TEST(!u.memory_bytes.has_value());
  BOOST_TEST(!u.tasks.has_value());
}

BOOST_AUTO_TEST_CASE(the_reader_remembers_where_each_figure_was_found) {
  FakeHost host;
  SetHybrid(host, kCg, 1, 1, 1);
  CgroupReader reader(host);
  (void)reader.Read(kCg);  // finds its way once
  host.reads = 0;
  for (int i = 0; i < 10; ++i) (void)reader.Read(kCg);
  BOOST_TEST(host.reads == 30u);  // then one read per figure
}

BOOST_AUTO_TEST_CASE(missing_unreadable_or_garbage_cgroup_files_give_absent_figures) {
  FakeHost host;
  CgroupReader reader(host);
  CgroupUsage none = reader.Read(kCg);
  BOOST_TEST(!none.memory_bytes.has_value());
  BOOST_TEST(!none.cpu_nsec.has_value());
  BOOST_TEST(!none.tasks.has_value());

  host.files["/sys/fs/cgroup" + kCg + "/memory.current"] = "max\n";
  host.files["/sys/fs/cgroup" + kCg + "/cpu.stat"] = "usage_usec 18446744073709551615\n";  // overflows in ns
  host.files["/sys/fs/cgroup" + kCg + "/pids.current"] = "";
  host.unreadable.insert("/sys/fs/cgroup/pids" + kCg + "/pids.current");
  CgroupUsage junk = reader.Read(kCg);
  BOOST_TEST(!junk.memory_bytes.has_value());
  BOOST_TEST(!junk.cpu_nsec.has_value());
  BOOST_TEST(!junk.tasks.has_value());
}

BOOST_AUTO_TEST_CASE(an_empty_relative_or_climbing_cgroup_path_reads_nothing) {
  FakeHost host;
  CgroupReader reader(host);
  for (const std::string cg : {"", "clawhive.slice", "/clawhive.slice/../../etc", "/.."}) (void)reader.Read(cg);
  BOOST_TEST(host.reads == 0u);
}

BOOST_AUTO_TEST_CASE(usage_samples_are_kept_up_to_the_history_limit_oldest_first) {
  Sampling s(1000, 5);
  s.targets = {{"acme", kCg}};
  s.Start();
  for (int i = 0; i < 8; ++i) {
    SetV2(s.host, kCg, 1000 + i, 0, 1);
    s.host.wall_ms = 1700000000000 + i * 1000;
    s.loop.Advance(i == 0 ? 0 : 1000);
  }
  std::vector<UsageSample> h = s.sampler->History("acme");
  BOOST_REQUIRE(h.size() == 5u);
  for (size_t i = 0; i < h.size(); ++i) {
    BOOST_TEST(h[i].memory_bytes.value() == 1003 + i);
    BOOST_TEST(h[i].at_ms == 1700000000000 + static_cast<int64_t>(3 + i) * 1000);
  }
  BOOST_TEST(s.sampler->LatestOf("acme")->memory_bytes.value() == 1007u);
  BOOST_TEST(s.sampler->History("nobody").empty());
}

BOOST_AUTO_TEST_CASE(cpu_in_cores_is_cpu_time_over_wall_time_between_samples) {
  Sampling s(10000);
  s.targets = {{"acme", kCg}};
  SetV2(s.host, kCg, 1, 5000000, 1);  // 5 s of CPU before we looked
  s.Start();
  s.loop.Advance(0);  // first tick: a base, no figure yet
  BOOST_TEST(!s.sampler->LatestOf("acme")->cpu_cores.has_value());
  SetV2(s.host, kCg, 1, 5000000 + 1500000, 1);  // 1.5 s of CPU in the 1 s until the second tick
  s.loop.Advance(1000);
  BOOST_TEST(s.sampler->LatestOf("acme")->cpu_cores.value() == 1.5, boost::test_tools::tolerance(1e-9));
  SetV2(s.host, kCg, 1, 5000000 + 1500000 + 2500000, 1);  // 2.5 s of CPU in the next 10 s
  s.loop.Advance(10000);
  BOOST_TEST(s.sampler->LatestOf("acme")->cpu_cores.value() == 0.25, boost::test_tools::tolerance(1e-9));
  BOOST_TEST(s.sampler->LatestOf("acme")->cpu_nsec.value() == 9000000000u);
  std::vector<UsageSample> h = s.sampler->History("acme");
  BOOST_REQUIRE(h.size() == 3u);
  BOOST_TEST(!h[0].cpu_cores.has_value());
  BOOST_TEST(*h[1].cpu_cores == 1.5, boost::test_tools::tolerance(1e-6));
  BOOST_TEST(*h[2].cpu_cores == 0.25, boost::test_tools::tolerance(1e-6));
}

BOOST_AUTO_TEST_CASE(a_cpu_counter_that_went_back_gives_no_figure_and_restarts_the_measure) {
  Sampling s(1000);
  s.targets = {{"acme", kCg}};
  SetV2(s.host, kCg, 1, 9000000, 1);
  s.Start();
  s.loop.Advance(0);
  SetV2(s.host, kCg, 1, 100, 1);  // the slice's cgroup was made anew
  s.loop.Advance(1000);
  BOOST_TEST(!s.sampler->LatestOf("acme")->cpu_cores.has_value());
  SetV2(s.host, kCg, 1, 100 + 500000, 1);
  s.loop.Advance(1000);
  BOOST_TEST(s.sampler->LatestOf("acme")->cpu_cores.value() == 0.5, boost::test_tools::tolerance(1e-9));
}

BOOST_AUTO_TEST_CASE(a_fresh_agent_is_sampled_within_a_second_ahead_of_the_next_tick) {
  Sampling s(10000);
  s.Start();
  s.loop.Advance(2000);  // past the early ticks; the next is 10 s away
  SetV2(s.host, kCg, 64 << 20, 0, 3);
  s.sampler->SampleSoon("acme", kCg);
  s.loop.Advance(UsageSampler::kSoonMs);
  BOOST_REQUIRE(s.sampler->LatestOf("acme") != nullptr);
  BOOST_TEST(s.sampler->LatestOf("acme")->memory_bytes.value() == (64u << 20));
  BOOST_TEST(!s.sampler->LatestOf("acme")->cpu_cores.has_value());
  SetV2(s.host, kCg, 64 << 20, 450000, 3);
  s.loop.Advance(UsageSampler::kFollowUpMs - UsageSampler::kSoonMs);
  BOOST_TEST(s.sampler->LatestOf("acme")->cpu_cores.value() == 0.5, boost::test_tools::tolerance(1e-9));
  BOOST_TEST(s.sampler->History("acme").size() == 2u);
}

BOOST_AUTO_TEST_CASE(host_memory_cpus_and_cpu_used_come_from_proc_at_the_ticks) {
  Sampling s(10000);
  s.host.files["/proc/meminfo"] = "MemTotal: 8000 kB\nMemFree: 1 kB\nMemAvailable: 6000 kB\n";
  s.host.files["/proc/stat"] = ProcStat(1000, 9000);
  s.Start();
  s.loop.Advance(0);
  const UsageSampler::HostFigures& h = s.sampler->host();
  BOOST_TEST(h.memory_total.value() == 8000u * 1024);
  BOOST_TEST(h.memory_available.value() == 6000u * 1024);
  BOOST_TEST(h.online_cpus == 2u);
  BOOST_TEST(!h.cpu_used.has_value());  // one reading is no rate
  s.host.files["/proc/stat"] = ProcStat(1000 + 150, 9000 + 50);  // 3/4 of the CPU time busy on 2 CPUs
  s.loop.Advance(1000);
  BOOST_TEST(s.sampler->host().cpu_used.value() == 1.5, boost::test_tools::tolerance(1e-9));
  s.host.files.erase("/proc/stat");  // unreadable now: no figure rather than a stale one
  s.loop.Advance(10000);
  BOOST_TEST(!s.sampler->host().cpu_used.has_value());
  BOOST_TEST(s.sampler->host().online_cpus == 2u);
}

BOOST_AUTO_TEST_CASE(a_tick_over_many_tenants_runs_in_batches_of_separate_loop_turns) {
  constexpr size_t kBatch = UsageSampler::kBatch;
  Sampling s(10000);
  for (size_t i = 0; i < 2 * kBatch + 10; ++i) {
    std::string cg = "/clawhive.slice/t" + std::to_string(i) + ".slice";
    SetV2(s.host, cg, 1, 1, 1);
    s.targets.push_back({"t" + std::to_string(i), cg});
  }
  auto sampled = [&](size_t i) { return s.sampler->LatestOf("t" + std::to_string(i)) != nullptr; };
  s.Start();
  BOOST_REQUIRE(s.loop.FireDue());  // the tick and its first batch
  BOOST_TEST(sampled(kBatch - 1));
  BOOST_TEST(!sampled(kBatch));
  BOOST_REQUIRE(s.loop.FireDue());
  BOOST_TEST(sampled(2 * kBatch - 1));
  BOOST_TEST(!sampled(2 * kBatch));
  BOOST_REQUIRE(s.loop.FireDue());
  BOOST_TEST(sampled(2 * kBatch + 9));
  BOOST_TEST(!s.loop.FireDue());  // done until the next tick
}

BOOST_AUTO_TEST_CASE(a_forgotten_tenant_is_not_brought_back_by_a_tick_in_progress_or_a_pending_sample) {
  Sampling s(10000);
  const size_t n = UsageSampler::kBatch + 10;
  const std::string last = "t" + std::to_string(n - 1), before_last = "t" + std::to_string(n - 2);
  for (size_t i = 0; i < n; ++i) {
    std::string cg = "/clawhive.slice/t" + std::to_string(i) + ".slice";
    SetV2(s.host, cg, 1, 1, 1);
    s.targets.push_back({"t" + std::to_string(i), cg});
  }
  s.Start();
  BOOST_REQUIRE(s.loop.FireDue());  // the first batch; the last tenants are still to come
  s.sampler->SampleSoon(last, "/clawhive.slice/" + last + ".slice");
  s.sampler->Forget(last);
  s.sampler->Forget("t0");
  s.loop.Advance(UsageSampler::kFollowUpMs - 1);  // the rest of the tick and the pending samples
  BOOST_TEST(s.sampler->LatestOf(before_last) != nullptr);
  BOOST_TEST(s.sampler->LatestOf(last) == nullptr);
  BOOST_TEST(s.sampler->LatestOf("t0") == nullptr);
  BOOST_TEST(s.sampler->History(last).empty());
}

BOOST_AUTO_TEST_SUITE_END()

}  // namespace
}  // namespace clawhive
