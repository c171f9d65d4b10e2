// The billing export's two forms (billing_export.h): model lines as before, each tenant's egress beside
// them, and hostile names that cannot turn a cell into a formula or split a line.
#include "supervisor/api/billing_export.h"

#include <boost/test/unit_test.hpp>

namespace clawhive::api {
namespace {

meter::BillingLine Model(const std::string& tenant, const std::string& model, int64_t requests, int64_t cost_micros) {
  meter::BillingLine l;
  l.tenant = tenant;
  l.provider = "openai";
  l.model = model;
  l.requests = requests;
  l.prompt_tokens = requests * 100;
  l.completion_tokens = requests * 10;
  l.cost_micros = cost_micros;
  return l;
}

meter::EgressUsage Egress(const std::string& tenant, int64_t out, int64_t in, int64_t tunnels, int64_t refused = 0) {
  return {tenant, out, in, tunnels, refused};
}

const std::string kHeader =
    "period,tenant,provider,model,requests,prompt_tokens,completion_tokens,cost,estimated_requests,"
    "egress_bytes_out,egress_bytes_in,egress_tunnels\r\n";

}  // namespace

BOOST_AUTO_TEST_SUITE(billing_export)

BOOST_AUTO_TEST_CASE(each_tenants_egress_line_follows_its_model_lines_in_tenant_order) {
  BillingExport e{"2026-11",
                  {Model("acme", "gpt-a", 2, 1500000), Model("acme", "gpt-b", 1, 250000), Model("zeta", "gpt-a", 1, 10000)},
                  {Egress("acme", 1200, 880000, 3), Egress("beta", 10, 20, 1), Egress("zeta", 0, 0, 0, 4)}};
  BOOST_TEST(BillingCsv(e) == kHeader +
                                  "2026-11,acme,openai,gpt-a,2,200,20,1.50,0,0,0,0\r\n"
                                  "2026-11,acme,openai,gpt-b,1,100,10,0.25,0,0,0,0\r\n"
                                  "2026-11,acme,,,0,0,0,0.00,0,1200,880000,3\r\n"
                                  "2026-11,beta,,,0,0,0,0.00,0,10,20,1\r\n"
                                  "2026-11,zeta,openai,gpt-a,1,100,10,0.01,0,0,0,0\r\n");
  // zeta was only refused: nothing carried, nothing to bill.
}

BOOST_AUTO_TEST_CASE(the_json_keeps_its_model_lines_and_adds_egress_and_its_totals) {
  BillingExport e{"2026-11", {Model("acme", "gpt-a", 2, 1500000)},
                  {Egress("acme", 1200, 880000, 3), Egress("beta", 10, 20, 1), Egress("zeta", 0, 0, 0, 4)}};
  JsonValue doc = BillingJson(e);
  BOOST_TEST(doc.Find("period")->string() == "2026-11");
  BOOST_TEST(doc.Find("total_cost")->string() == "1.50");
  BOOST_TEST_REQUIRE(doc.Find("lines")->items().size() == 1u);
  BOOST_TEST(doc.Find("lines")->items()[0].Find("model")->string() == "gpt-a");
  BOOST_TEST(doc.Find("lines")->items()[0].Find("egress_bytes_in") == nullptr);  // model lines as before
  const auto& egress = doc.Find("egress")->items();
  BOOST_TEST_REQUIRE(egress.size() == 2u);
  BOOST_TEST(egress[0].Serialize() == R"({"tenant":"acme","bytes_out":1200,"bytes_in":880000,"tunnels":3})");
  BOOST_TEST(egress[1].Find("tenant")->string() == "beta");
  BOOST_TEST(doc.Find("total_egress_bytes_out")->magnitude() == 1210u);
  BOOST_TEST(doc.Find("total_egress_bytes_in")->magnitude() == 880020u);
}

BOOST_AUTO_TEST_CASE(an_empty_month_is_the_header_alone_and_empty_lists) {
  BillingExport e{"2026-10", {}, {}};
  BOOST_TEST(BillingCsv(e) == kHeader);
  JsonValue doc = BillingJson(e);
  BOOST_TEST(doc.Find("lines")->items().empty());
  BOOST_TEST(doc.Find("egress")->items().empty());
  BOOST_TEST(doc.Find("total_egress_bytes_in")->magnitude() == 0u);
  BOOST_TEST(doc.Find("total_cost")->string() == "0.00");
}

BOOST_AUTO_TEST_CASE(hostile_names_from_agents_cannot_become_formulas_or_new_lines) {
  // A model name is whatever an agent asked the proxy for.
  BillingExport e{"2026-11", {Model("acme", "=HYPERLINK(\"http://x\",\"y\")", 1, 0), Model("acme", "a,b\r\nforged,line", 1, 0),
                              Model("acme", "@SUM(A1)", 1, 0), Model("acme", "-1+1", 1, 0)},
                  {}};
  std::string csv = BillingCsv(e);
  BOOST_TEST(csv.find(",\"'=HYPERLINK(\"\"http://x\"\",\"\"y\"\")\",") != std::string::npos, csv);
  BOOST_TEST(csv.find(",\"a,b\r\nforged,line\",") != std::string::npos, csv);
  BOOST_TEST(csv.find(",'@SUM(A1),") != std::string::npos, csv);
  BOOST_TEST(csv.find(",'-1+1,") != std::string::npos, csv);
  BOOST_TEST(csv.find("\r\nforged,line,") == std::string::npos);
  BOOST_TEST(CsvCell("plain") == "plain");
  BOOST_TEST(CsvCell("") == "");
}

BOOST_AUTO_TEST_SUITE_END()

}  // namespace clawhive::api
