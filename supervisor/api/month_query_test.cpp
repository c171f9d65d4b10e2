#include "supervisor/api/month_query.h"

#include <string>
#include <vector>

#include <boost/test/unit_test.hpp>

namespace clawhive {
namespace {

constexpr int64_t kNov2026 = 1793491200000;  // 2026-11-01T00:00:00Z
constexpr int64_t kDec2026 = 1796083200000;  // 2026-12-01T00:00:00Z
constexpr int64_t kJan2027 = 1798761600000;  // 2027-01-01T00:00:00Z

BOOST_AUTO_TEST_SUITE(month_query)

BOOST_AUTO_TEST_CASE(a_named_month_spans_its_first_to_the_next_months_first_millisecond) {
  std::string p = "2026-11";
  auto m = MonthQuery(&p, 0);
  BOOST_REQUIRE(m);
  BOOST_TEST(m->first == kNov2026);
  BOOST_TEST(m->second == kDec2026);
}

BOOST_AUTO_TEST_CASE(december_ends_at_the_next_years_january) {
  std::string p = "2026-12";
  auto m = MonthQuery(&p, 0);
  BOOST_REQUIRE(m);
  BOOST_TEST(m->first == kDec2026);
  BOOST_TEST(m->second == kJan2027);
}

BOOST_AUTO_TEST_CASE(no_parameter_means_the_month_holding_now) {
  auto m = MonthQuery(nullptr, kNov2026 + 17LL * 86400000 + 12345);
  BOOST_REQUIRE(m);
  BOOST_TEST(m->first == kNov2026);
  BOOST_TEST(m->second == kDec2026);
}

BOOST_AUTO_TEST_CASE(anything_but_year_dash_month_is_refused_naming_the_parameter) {
  const std::vector<std::string> bads = {"", "2026-1", "2026-13", "2026-00", "2026/11", "26-11-01", "2026-1a", "-2026-1",
                          "２０２６-11", "2026-11\n", std::string("2026-1\0", 7)};
  for (const std::string& bad : bads) {
    auto m = MonthQuery(&bad, 0);
    BOOST_TEST(!m, "accepted '" << bad << "'");
    if (!m) BOOST_TEST(m.error().message.find("'period'") != std::string::npos);
  }
}

BOOST_AUTO_TEST_SUITE_END()

}  // namespace
}  // namespace clawhive
