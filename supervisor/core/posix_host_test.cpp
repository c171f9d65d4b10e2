// PosixHost's file reads against the real file system and this machine's /proc.
#include "supervisor/core/posix_host.h"

#include <stdlib.h>
#include <unistd.h>

#include <boost/test/unit_test.hpp>
#include <fstream>
#include <string>

#include "supervisor/core/kernel_stats.h"
#include "unit/temp_dir.h"

namespace clawhive {
namespace {

struct TempDir : testing::TempDir {
  TempDir() : testing::TempDir("clawhive-host-test") {}
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

BOOST_AUTO_TEST_CASE(run_program_reports_the_exit_status_and_stderr_of_a_failed_tool) {
  BOOST_TEST(RunProgram({"/bin/sh", "-c", "echo ignored"}).ok());
  Status failed = RunProgram({"/bin/sh", "-c", "echo 'useradd: uid 1234 is not unique' >&2; exit 4"});
  BOOST_REQUIRE(!failed.ok());
  BOOST_TEST((failed.error().code == ErrorCode::kUnavailable));
  BOOST_TEST(failed.error().message == "/bin/sh failed (exit status 4): useradd: uid 1234 is not unique");
  Status missing = RunProgram({"/nonexistent/useradd"});
  BOOST_TEST(missing.error().message == "/nonexistent/useradd does not exist");
}

BOOST_AUTO_TEST_SUITE_END()

}  // namespace
}  // namespace clawhive
