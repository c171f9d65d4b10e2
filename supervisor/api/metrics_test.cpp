#include "supervisor/api/metrics.h"

#include <boost/test/unit_test.hpp>

#include <string>
#include <vector>

#include "unit/text_search.h"

namespace clawhive::api {
namespace {

TenantStatus Tenant(const std::string& id) {
  TenantStatus st;
  st.tenant.id = id;
  st.tenant.display_name = id;
  st.phase = "running";
  return st;
}

using testing::CountOf;

}  // namespace

BOOST_AUTO_TEST_SUITE(api)
BOOST_AUTO_TEST_SUITE(metrics)

BOOST_AUTO_TEST_CASE(label_values_escape_backslash_quote_and_newline_only) {
  BOOST_TEST(EscapeLabelValue("plain") == "plain");
  BOOST_TEST(EscapeLabelValue("a\\b\"c\nd\te") == "a\\\\b\\\"c\\nd\te");
  BOOST_TEST(EscapeLabelValue("\xC3\xA9t\xC3\xA9") == "\xC3\xA9t\xC3\xA9");
  BOOST_TEST(EscapeLabelValue("bad\xFF") == "bad\xEF\xBF\xBD");
}

BOOST_AUTO_TEST_CASE(with_no_tenants_every_family_is_still_declared) {
  std::string text = RenderMetrics({});
  BOOST_TEST(text.find("clawhive_tenants 0\n") != std::string::npos);
  BOOST_TEST(CountOf(text, "# TYPE ") == 9u);
  BOOST_TEST(CountOf(text, "# HELP ") == 9u);
  BOOST_TEST(text.find("# TYPE clawhive_tenant_cpu_seconds_total counter\n") != std::string::npos);
  BOOST_TEST(text.find("# TYPE clawhive_tenant_restarts_total counter\n") != std::string::npos);
  BOOST_TEST(text.find("# TYPE clawhive_tenant_memory_bytes gauge\n") != std::string::npos);
}

BOOST_AUTO_TEST_CASE(tenants_appear_in_id_order_and_unreported_figures_are_left_out) {
  TenantStatus b = Tenant("bravo");
  TenantStatus a = Tenant("alpha");
  a.memory_current = 100;
  std::string text = RenderMetrics({b, a});
  BOOST_TEST(text.find("clawhive_tenant_up{tenant=\"alpha\"}") < text.find("clawhive_tenant_up{tenant=\"bravo\"}"));
  BOOST_TEST(text.find("clawhive_tenant_memory_bytes{tenant=\"alpha\"} 100\n") != std::string::npos);
  BOOST_TEST(text.find("clawhive_tenant_memory_bytes{tenant=\"bravo\"}") == std::string::npos);
  BOOST_TEST(text.find("clawhive_tenant_tasks{") == std::string::npos);
}

BOOST_AUTO_TEST_CASE(cpu_time_is_an_exact_decimal_in_seconds) {
  TenantStatus t = Tenant("t1");
  for (auto [ns, text] : std::vector<std::pair<uint64_t, std::string>>{
           {0, "0"}, {1, "0.000000001"}, {1500000000, "1.5"}, {3000000000, "3"},
           {18446744073709551615ull, "18446744073.709551615"}}) {
    t.cpu_usage_nsec = ns;
    std::string out = RenderMetrics({t});
    BOOST_TEST(out.find("clawhive_tenant_cpu_seconds_total{tenant=\"t1\"} " + text + "\n") != std::string::npos, text);
  }
}

BOOST_AUTO_TEST_CASE(the_info_metric_carries_display_name_and_phase) {
  TenantStatus t = Tenant("t1");
  t.tenant.display_name = "The \"best\"\ntenant \\o/";
  t.phase = "backoff";
  std::string out = RenderMetrics({t});
  BOOST_TEST(out.find("clawhive_tenant_info{tenant=\"t1\",display_name=\"The \\\"best\\\"\\ntenant \\\\o/\","
                      "phase=\"backoff\"} 1\n") != std::string::npos,
             out);
}

BOOST_AUTO_TEST_SUITE_END()  // metrics
BOOST_AUTO_TEST_SUITE_END()  // api

}  // namespace clawhive::api
