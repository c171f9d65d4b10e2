// Parsers of cgroup and /proc stat files: real samples from the dev box and a customer-like v2 host, and
// whatever else a file might hold.
#include "supervisor/core/kernel_stats.h"

#include <boost/test/unit_test.hpp>
#include <string>
#include <vector>

namespace clawhive {
namespace {

const char* kCpuStat =
    "usage_usec 3213\nuser_usec 1200\nsystem_usec 2013\nnice_usec 0\nnr_periods 0\nnr_throttled 0\n";

const char* kMemInfo =
    "MemTotal:        8138212 kB\n"
    "MemFree:          922788 kB\n"
    "MemAvailable:    5911328 kB\n"
    "Buffers:          206996 kB\n"
    "HugePages_Total:       0\n";

const char* kProcStat =
    "cpu  10132153 290696 3084719 46828483 16683 0 25195 0 175628 0\n"
    "cpu0 1393280 32966 572056 13366987 6021 0 17627 0 0 0\n"
    "cpu1 1335353 29919 485542 13400893 3720 0 4077 0 0 0\n"
    "intr 1462898 45 0 0\n"
    "ctxt 2389181\n"
    "btime 1700000000\n"
    "processes 43091\n";

BOOST_AUTO_TEST_SUITE(kernel_stats)

BOOST_AUTO_TEST_CASE(a_counter_file_is_one_number_with_an_optional_newline) {
  BOOST_TEST(ParseCounterFile("524288\n").value() == 524288u);
  BOOST_TEST(ParseCounterFile("0").value() == 0u);
  BOOST_TEST(ParseCounterFile("18446744073709551615\n").value() == UINT64_MAX);
}

BOOST_AUTO_TEST_CASE(cpu_stat_gives_usage_in_microseconds_by_key) {
  BOOST_TEST(ParseKeyedValue(kCpuStat, "usage_usec").value() == 3213u);
  BOOST_TEST(ParseKeyedValue(kCpuStat, "system_usec").value() == 2013u);
  BOOST_TEST(!ParseKeyedValue(kCpuStat, "usage").has_value());  // a prefix of a key is not the key
  BOOST_TEST(!ParseKeyedValue(kCpuStat, "throttled_usec").has_value());
}

BOOST_AUTO_TEST_CASE(meminfo_gives_total_and_available_in_bytes) {
  MemInfo m = ParseMemInfo(kMemInfo);
  BOOST_TEST(m.total_bytes.value() == 8138212ull * 1024);
  BOOST_TEST(m.available_bytes.value() == 5911328ull * 1024);
}

BOOST_AUTO_TEST_CASE(proc_stat_gives_busy_and_total_ticks_and_counts_online_cpus) {
  CpuTimes t = ParseProcStat(kProcStat);
  uint64_t total = 10132153ull + 290696 + 3084719 + 46828483 + 16683 + 0 + 25195 + 0;  // no guest columns
  BOOST_TEST(t.total.value() == total);
  BOOST_TEST(t.busy.value() == total - 46828483 - 16683);
  BOOST_TEST(t.online_cpus == 2u);
}

BOOST_AUTO_TEST_CASE(an_old_kernel_with_four_cpu_columns_still_gives_cpu_times) {
  CpuTimes t = ParseProcStat("cpu 10 20 30 40\ncpu0 10 20 30 40\n");
  BOOST_TEST(t.total.value() == 100u);
  BOOST_TEST(t.busy.value() == 60u);
  BOOST_TEST(t.online_cpus == 1u);
}

BOOST_AUTO_TEST_CASE(hostile_or_broken_stat_files_give_absent_figures_and_never_crash) {
  const std::vector<std::string> junk = {
      "", "\n", " ", "max\n", "-1\n", "+5", "1.5\n", "12abc", "0x10", "1 2\n", "\xff\xfe\x00\x01",
      std::string("12\0" "34", 5), "18446744073709551616\n",                       // 2^64: does not fit
      "99999999999999999999999999999999999999999999", std::string(1 << 20, '9'),  // huge
      std::string(100000, '\n'), "usage_usec", "usage_usec \n", "usage_usec x\n", "usage_usec -3\n",
      "usage_usec 1 2\n", "MemTotal:\n", "MemTotal: kB\n", "MemTotal: 12 MB\n", "MemTotal: -12 kB\n",
      "MemTotal: 18446744073709551615 kB\n",  // fits, but not once multiplied to bytes
      "cpu\n", "cpu \n", "cpu  1 2 3\n", "cpu  1 2 x 4\n", "cpu  18446744073709551615 1 1 1\n",
      "cpuX 1 2 3 4\n", "cpu  1 2 3 4\ncpu0",
  };
  for (const std::string& text : junk) {
    BOOST_TEST_CONTEXT("text: " << text.substr(0, 40)) {
      BOOST_TEST(!ParseCounterFile(text).has_value());
      BOOST_TEST(!ParseKeyedValue(text, "usage_usec").has_value());
      MemInfo m = ParseMemInfo(text);
      BOOST_TEST(!m.total_bytes.has_value());
      BOOST_TEST(!m.available_bytes.has_value());
      CpuTimes t = ParseProcStat(text);
      if (text == "cpu  1 2 3 4\ncpu0") {
        BOOST_TEST(t.total.value() == 10u);  // the aggregate line is fine; "cpu0" is a truncated CPU line
      } else {
        BOOST_TEST(!t.total.has_value());
        BOOST_TEST(!t.busy.has_value());
      }
    }
  }
}

BOOST_AUTO_TEST_CASE(one_bad_line_spoils_only_its_own_figure) {
  MemInfo m = ParseMemInfo("MemTotal: lots kB\nMemAvailable: 4 kB\n");
  BOOST_TEST(!m.total_bytes.has_value());
  BOOST_TEST(m.available_bytes.value() == 4096u);
  BOOST_TEST(ParseKeyedValue("junk line\nusage_usec 7\n", "usage_usec").value() == 7u);
}

BOOST_AUTO_TEST_SUITE_END()

}  // namespace
}  // namespace clawhive
