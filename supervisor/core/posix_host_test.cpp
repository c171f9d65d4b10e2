// PosixHost's file reads against the real file system and this machine's /proc.
#include "supervisor/core/posix_host.h"

#include <stdlib.h>
#include <unistd.h>

#include <boost/test/unit_test.hpp>
#include <fstream>
#include <string>

#include "supervisor/core/kernel_stats.h"

namespace clawhive {
namespace {

struct TempDir {
  std::string path;
  TempDir() {
    char tmpl[] = "/tmp/clawhive-host-test-XXXXXX";
    path = mkdtemp(tmpl);
  }
  ~TempDir() { (void)PosixHost().RemoveTree(path); }
};

BOOST_AUTO_TEST_SUITE(posix_host)

BOOST_AUTO_TEST_CASE(read_file_returns_the_whole_content_or_not_found) {
  TempDir dir;
  PosixHost host;
  std::string content(10000, 'x');  // more than one read() of its buffer
  BOOST_REQUIRE(host.WriteFile(dir.path + "/f", content, 0600).ok());
  BOOST_TEST(host.ReadFile(dir.path + "/f").value() == content);
  BOOST_TEST(host.WriteFile(dir.path + "/empty", "", 0600).ok());
  BOOST_TEST(host.ReadFile(dir.path + "/empty").value().empty());
  BOOST_TEST((host.ReadFile(dir.path + "/missing").error().code == ErrorCode::kNotFound));
  BOOST_TEST((host.ReadFile(dir.path + "/f/below-a-file").error().code == ErrorCode::kNotFound));
  BOOST_TEST(!host.ReadFile(dir.path).ok());  // a directory
}

BOOST_AUTO_TEST_CASE(read_file_refuses_a_file_over_the_limit) {
  TempDir dir;
  PosixHost host;
  { std::ofstream(dir.path + "/big") << std::string(Host::kMaxReadBytes + 1, 'x'); }
  BOOST_TEST((host.ReadFile(dir.path + "/big").error().code == ErrorCode::kTooLarge));
}

BOOST_AUTO_TEST_CASE(this_machines_proc_stat_and_meminfo_parse) {
  PosixHost host;
  CpuTimes cpu = ParseProcStat(host.ReadFile("/proc/stat").value());
  BOOST_TEST(cpu.online_cpus == static_cast<uint32_t>(sysconf(_SC_NPROCESSORS_ONLN)));
  BOOST_TEST(cpu.total.value() > 0u);
  BOOST_TEST(cpu.busy.value() <= *cpu.total);
  MemInfo mem = ParseMemInfo(host.ReadFile("/proc/meminfo").value());
  BOOST_TEST(mem.total_bytes.value() > 0u);
  BOOST_TEST(mem.available_bytes.value() <= *mem.total_bytes);
}

BOOST_AUTO_TEST_SUITE_END()

}  // namespace
}  // namespace clawhive
