// Tests of the installer's preflight (installer/preflight.h) against a hand-written fake host: nothing
// on the machine running the tests is read, and no socket is opened.
#include "installer/preflight.h"

#include <boost/test/unit_test.hpp>

#include <algorithm>
#include <map>
#include <ostream>
#include <set>
#include <string>
#include <vector>

namespace clawhive::installer {
std::ostream& operator<<(std::ostream& o, Outcome x) { return o << OutcomeName(x); }
}  // namespace clawhive::installer

using namespace clawhive::installer;
using clawhive::Error;
using clawhive::Result;

namespace {

constexpr uint64_t kGiB = uint64_t{1} << 30;

// A healthy Debian 12 host with 16 GiB unless a test changes a field.
class FakeHost : public Host {
 public:
  std::string systemctl_version = "systemd 252 (252.22-1~deb12u1)\n+PAM +AUDIT +SELINUX\n";
  bool systemctl_runs = true;
  std::set<std::string> existing = {"/sys/fs/cgroup/cgroup.controllers"};
  std::map<std::string, std::string> files = {
      {"/proc/meminfo", "MemTotal:       16777216 kB\nMemFree:         1000000 kB\n"}};
  uint64_t free_bytes = 100 * kGiB;
  std::string arch = "x86_64";
  uint64_t cpus = 8;
  std::set<uint16_t> busy_ports;
  std::vector<uint16_t> probed;

  void SetMemTotalKiB(uint64_t kib) { files["/proc/meminfo"] = "MemTotal: " + std::to_string(kib) + " kB\n"; }

  Result<std::string> ReadFile(const std::string& path) override {
    auto it = files.find(path);
    if (it == files.end()) return Error::NotFound(path);
    return it->second;
  }
  bool Exists(const std::string& path) override { return existing.count(path) != 0; }
  Result<std::string> Run(const std::vector<std::string>& argv) override {
    if (argv == std::vector<std::string>{"systemctl", "--version"} && systemctl_runs) return systemctl_version;
    return Error::Unavailable(argv.empty() ? "" : argv[0] + ": not found");
  }
  Result<uint64_t> FreeBytes(const std::string&) override { return free_bytes; }
  std::string Architecture() override { return arch; }
  uint64_t OnlineCpus() override { return cpus; }
  Result<bool> PortFree(uint16_t port) override {
    probed.push_back(port);
    return busy_ports.count(port) == 0;
  }
};

const Check& Find(const Report& r, const std::string& name) {
  for (const Check& c : r.checks)
    if (c.name == name) return c;
  BOOST_FAIL("no check named " + name);
  throw 0;
}

}  // namespace

BOOST_AUTO_TEST_SUITE(installer_preflight)

BOOST_AUTO_TEST_CASE(a_healthy_host_passes_every_check_with_exit_code_zero) {
  FakeHost host;
  Report r = RunPreflight(host, Answers{});
  for (const Check& c : r.checks) BOOST_TEST(c.outcome == Outcome::kOk, c.name << ": " << c.detail);
  BOOST_TEST(r.ExitCode() == 0);
  BOOST_TEST(Find(r, "systemd").detail == "version 252");
  BOOST_TEST(r.mem_total == 16 * kGiB);
}

BOOST_AUTO_TEST_CASE(an_old_systemd_fails_and_gives_exit_code_two) {
  FakeHost host;
  host.systemctl_version = "systemd 247 (247.3-7+deb11u4)\n";
  Report r = RunPreflight(host, Answers{});
  BOOST_TEST(Find(r, "systemd").outcome == Outcome::kFail);
  BOOST_TEST(Find(r, "systemd").detail.find("252") != std::string::npos);
  BOOST_TEST(r.ExitCode() == 2);
}

BOOST_AUTO_TEST_CASE(a_missing_systemctl_fails) {
  FakeHost host;
  host.systemctl_runs = false;
  BOOST_TEST(Find(RunPreflight(host, Answers{}), "systemd").outcome == Outcome::kFail);
}

BOOST_AUTO_TEST_CASE(hybrid_cgroups_warn_and_give_exit_code_one) {
  FakeHost host;
  host.existing = {"/sys/fs/cgroup/unified/cgroup.controllers"};
  Report r = RunPreflight(host, Answers{});
  BOOST_TEST(Find(r, "cgroups").outcome == Outcome::kWarn);
  BOOST_TEST(Find(r, "cgroups").detail.find("hybrid") != std::string::npos);
  BOOST_TEST(r.ExitCode() == 1);
}

BOOST_AUTO_TEST_CASE(legacy_cgroups_fail) {
  FakeHost host;
  host.existing.clear();
  BOOST_TEST(Find(RunPreflight(host, Answers{}), "cgroups").outcome == Outcome::kFail);
}

BOOST_AUTO_TEST_CASE(an_unsupported_architecture_fails_and_aarch64_passes) {
  FakeHost host;
  host.arch = "armv7l";
  BOOST_TEST(Find(RunPreflight(host, Answers{}), "architecture").outcome == Outcome::kFail);
  host.arch = "aarch64";
  BOOST_TEST(Find(RunPreflight(host, Answers{}), "architecture").outcome == Outcome::kOk);
}

BOOST_AUTO_TEST_CASE(a_busy_port_fails_and_only_the_answer_files_port_is_probed) {
  FakeHost host;
  Answers a;
  a.listen_port = 9443;
  host.busy_ports = {9443};
  Report r = RunPreflight(host, a);
  BOOST_TEST(Find(r, "port").outcome == Outcome::kFail);
  BOOST_TEST(r.ExitCode() == 2);
  BOOST_TEST(host.probed == std::vector<uint16_t>{9443});
}

BOOST_AUTO_TEST_CASE(little_disk_warns_and_almost_none_fails) {
  FakeHost host;
  host.free_bytes = 5 * kGiB;
  BOOST_TEST(Find(RunPreflight(host, Answers{}), "disk").outcome == Outcome::kWarn);
  host.free_bytes = kGiB / 2;
  BOOST_TEST(Find(RunPreflight(host, Answers{}), "disk").outcome == Outcome::kFail);
}

BOOST_AUTO_TEST_CASE(the_tenant_estimate_is_memory_minus_headroom_divided_by_the_tenant_size) {
  BOOST_TEST(TenantsThatFit(16 * kGiB, 2 * kGiB, 1536ull << 20) == 9u);  // 14 GiB / 1.5 GiB = 9.33
  BOOST_TEST(TenantsThatFit(16 * kGiB, 2 * kGiB, 512ull << 20) == 28u);
  BOOST_TEST(TenantsThatFit(2 * kGiB, 2 * kGiB, 512ull << 20) == 0u);
  BOOST_TEST(TenantsThatFit(kGiB, 2 * kGiB, 512ull << 20) == 0u);  // headroom above the total
  BOOST_TEST(TenantsThatFit(16 * kGiB, 0, 0) == 0u);
}

BOOST_AUTO_TEST_CASE(a_smaller_host_holds_fewer_tenants) {
  FakeHost big, small;
  small.SetMemTotalKiB(4 * 1024 * 1024);  // 4 GiB
  Report rb = RunPreflight(big, Answers{});
  Report rs = RunPreflight(small, Answers{});
  BOOST_TEST(rb.tenants_fit == 9u);
  BOOST_TEST(rs.tenants_fit == 1u);  // (4 - 2) GiB / 1.5 GiB
  BOOST_TEST(rs.tenants_fit < rb.tenants_fit);
}

BOOST_AUTO_TEST_CASE(a_host_whose_headroom_takes_all_memory_fails_capacity) {
  FakeHost host;
  host.SetMemTotalKiB(3 * 1024 * 1024);  // 3 GiB - 2 GiB headroom < 1.5 GiB
  Report r = RunPreflight(host, Answers{});
  BOOST_TEST(r.tenants_fit == 0u);
  BOOST_TEST(Find(r, "capacity").outcome == Outcome::kFail);
}

BOOST_AUTO_TEST_CASE(more_initial_tenants_than_fit_warn) {
  FakeHost host;
  host.SetMemTotalKiB(4 * 1024 * 1024);
  Answers a;
  a.tenants.resize(3);
  BOOST_TEST(Find(RunPreflight(host, a), "capacity").outcome == Outcome::kWarn);
}

BOOST_AUTO_TEST_CASE(too_little_memory_and_unreadable_meminfo_fail) {
  FakeHost host;
  host.SetMemTotalKiB(1024 * 1024);
  BOOST_TEST(Find(RunPreflight(host, Answers{}), "memory").outcome == Outcome::kFail);
  host.files.clear();
  BOOST_TEST(Find(RunPreflight(host, Answers{}), "memory").outcome == Outcome::kFail);
}

BOOST_AUTO_TEST_CASE(one_cpu_warns) {
  FakeHost host;
  host.cpus = 1;
  BOOST_TEST(Find(RunPreflight(host, Answers{}), "cpus").outcome == Outcome::kWarn);
}

BOOST_AUTO_TEST_CASE(version_and_meminfo_parsers_read_real_outputs) {
  BOOST_TEST(ParseSystemdVersion("systemd 255 (255.4-1ubuntu8)\n") == 255);
  BOOST_TEST(ParseSystemdVersion("systemd 252\n") == 252);
  BOOST_TEST(ParseSystemdVersion("garbage") == 0);
  BOOST_TEST(ParseMemTotal("MemTotal:        2048 kB\n") == 2048u * 1024);
  BOOST_TEST(ParseMemTotal("MemFree: 1 kB\n") == 0u);
}

BOOST_AUTO_TEST_CASE(the_report_has_one_line_per_check_and_a_summary_with_the_estimate) {
  FakeHost host;
  host.existing = {"/sys/fs/cgroup/unified/cgroup.controllers"};
  Report r = RunPreflight(host, Answers{});
  std::string text = FormatReport(r, Answers{});
  size_t lines = std::count(text.begin(), text.end(), '\n');
  BOOST_TEST(lines == r.checks.size() + 1);
  BOOST_TEST(text.find("warn cgroups") != std::string::npos, text);
  BOOST_TEST(text.find("summary: ") != std::string::npos);
  BOOST_TEST(text.find("9 tenant(s) of the default size") != std::string::npos, text);
  BOOST_TEST(text.find("1 warning(s), 0 failure(s)") != std::string::npos, text);
}

BOOST_AUTO_TEST_SUITE_END()
