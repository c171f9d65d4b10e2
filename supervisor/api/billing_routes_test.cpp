// GET /v1/billing and GET /v1/tenants/{id}/model-usage with egress (docs/api.md, "Metering"): a real
// ApiServer on loopback over a real meter.db in which the proxy's books were written (a settled model
// request, egress counters). Operators see every tenant's egress; a tenant only its own; bad queries are
// refused before anything is read.
#include <Poco/Net/HTTPClientSession.h>
#include <Poco/Net/HTTPRequest.h>

#include <boost/test/unit_test.hpp>
#include <memory>
#include <string>

#include "supervisor/api/api_server.h"
#include "supervisor/common/json.h"
#include "supervisor/meter/ledger.h"
#include "unit/fake_tenant_service.h"
#include "unit/http_exchange.h"
#include "unit/loopback_api.h"
#include "unit/temp_dir.h"
#include "unit/temp_identity.h"

namespace clawhive {
namespace {

const char* const kToken = "billing-routes-token-0123456789abcdef0123";

bool Has(const std::string& haystack, const std::string& needle) { return haystack.find(needle) != std::string::npos; }

std::string ThisMonth() {
  time_t now = time(nullptr);
  struct tm tm {};
  gmtime_r(&now, &tm);
  char buf[16];
  std::strftime(buf, sizeof buf, "%Y-%m", &tm);
  return buf;
}

struct BillingWorld {
  BillingWorld() : ids(kToken) {
    BOOST_REQUIRE(tenants.Create("own", TenantPatch{}).ok());
    BOOST_REQUIRE(tenants.Create("other", TenantPatch{}).ok());
    ledger = std::move(meter::Ledger::Open(dir.path + "/meter.db").value());
    // What the proxies wrote: one model request of "own", egress of both.
    const int64_t now = testing::NowMs();
    auto r = ledger->Reserve("own", 1000, 100, now);
    BOOST_REQUIRE(r.ok());
    meter::UsageRecord u;
    u.at_ms = now;
    u.provider = "stub";
    u.model = "stub-model";
    u.prompt_tokens = 100;
    u.completion_tokens = 10;
    u.cost_micros = 120;
    u.status = 200;
    BOOST_REQUIRE(ledger->Settle(*r, u).ok());
    BOOST_REQUIRE(ledger->AddEgress("own", now, {"", 1500, 250000, 2, 1}).ok());
    BOOST_REQUIRE(ledger->AddEgress("other", now, {"", 40, 60, 1, 0}).ok());
    ApiServerOptions o = testing::LoopbackApiOptions(ids, 2);
    o.ledger = ledger.get();
    server = std::make_unique<ApiServer>(tenants, o);
    Status s = server->Start();
    BOOST_REQUIRE_MESSAGE(s.ok(), s.error().message);
  }
  testing::HttpReply Get(const std::string& uri, const std::string& token = kToken) {
    Poco::Net::HTTPClientSession session("127.0.0.1", server->port());
    session.setTimeout(Poco::Timespan(10, 0));
    Poco::Net::HTTPRequest req = testing::MakeRequest("GET", uri, token, "");
    return testing::Exchange(session, req, "");
  }
  std::string Token(auth::Role role, const std::string& tenant) { return ids.Token(role, tenant); }
  testing::TempDir dir{"clawhive-billing-routes"};
  testing::TempIdentity ids;
  testing::FakeTenantService tenants;
  std::unique_ptr<meter::Ledger> ledger;
  std::unique_ptr<ApiServer> server;
};

}  // namespace

BOOST_AUTO_TEST_SUITE(billing_routes)

BOOST_FIXTURE_TEST_CASE(the_operators_csv_has_every_tenants_egress_beside_the_model_lines, BillingWorld) {
  testing::HttpReply r = Get("/v1/billing?format=csv");
  BOOST_TEST_REQUIRE(r.status == 200, r.body);
  const std::string m = ThisMonth();
  BOOST_TEST(r.body == "period,tenant,provider,model,requests,prompt_tokens,completion_tokens,cost,estimated_requests,"
                       "egress_bytes_out,egress_bytes_in,egress_tunnels\r\n" +
                           m + ",other,,,0,0,0,0.00,0,40,60,1\r\n" +
                           m + ",own,stub,stub-model,1,100,10,0.00012,0,0,0,0\r\n" +
                           m + ",own,,,0,0,0,0.00,0,1500,250000,2\r\n");
}

BOOST_FIXTURE_TEST_CASE(the_operators_json_adds_egress_and_its_totals, BillingWorld) {
  testing::HttpReply r = Get("/v1/billing");
  BOOST_TEST_REQUIRE(r.status == 200, r.body);
  JsonValue doc = *ParseJson(r.body);
  BOOST_TEST(doc.Find("lines")->items().size() == 1u);
  BOOST_TEST_REQUIRE(doc.Find("egress")->items().size() == 2u);
  BOOST_TEST(doc.Find("egress")->items()[1].Serialize() == R"({"tenant":"own","bytes_out":1500,"bytes_in":250000,"tunnels":2})");
  BOOST_TEST(doc.Find("total_egress_bytes_out")->magnitude() == 1540u);
  BOOST_TEST(doc.Find("total_egress_bytes_in")->magnitude() == 250060u);
}

BOOST_FIXTURE_TEST_CASE(a_tenant_sees_its_own_egress_in_its_usage_and_nobody_elses, BillingWorld) {
  const std::string viewer = Token(auth::Role::kTenantViewer, "own");
  testing::HttpReply r = Get("/v1/tenants/own/model-usage", viewer);
  BOOST_TEST_REQUIRE(r.status == 200, r.body);
  JsonValue doc = *ParseJson(r.body);
  BOOST_TEST_REQUIRE(doc.Find("egress")->items().size() == 1u);
  BOOST_TEST(doc.Find("egress")->items()[0].Find("tenant")->string() == "own");
  BOOST_TEST(doc.Find("total_egress_bytes_in")->magnitude() == 250000u);
  testing::HttpReply csv = Get("/v1/tenants/own/model-usage?format=csv", viewer);
  BOOST_TEST(Has(csv.body, ",own,,,0,0,0,0.00,0,1500,250000,2\r\n"), csv.body);
  BOOST_TEST(!Has(csv.body, "other"), csv.body);
  BOOST_TEST(Get("/v1/tenants/other/model-usage", viewer).status == 404);  // another tenant: as if absent
  BOOST_TEST(Get("/v1/billing", viewer).status == 403);
}

BOOST_FIXTURE_TEST_CASE(another_month_has_no_egress, BillingWorld) {
  testing::HttpReply r = Get("/v1/billing?period=2001-01&format=csv");
  BOOST_TEST_REQUIRE(r.status == 200, r.body);
  BOOST_TEST(r.body == "period,tenant,provider,model,requests,prompt_tokens,completion_tokens,cost,estimated_requests,"
                       "egress_bytes_out,egress_bytes_in,egress_tunnels\r\n");
}

BOOST_FIXTURE_TEST_CASE(hostile_queries_are_refused, BillingWorld) {
  for (const char* q : {"?period=2026-13", "?period=2026-1", "?period=../../", "?format=xml", "?format=csv%00",
                        "?period=2026-11&period=2026-12", "?unknown=1"}) {
    testing::HttpReply r = Get(std::string("/v1/billing") + q);
    BOOST_TEST(r.status == 400, q << ": " << r.status << " " << r.body);
  }
}

BOOST_AUTO_TEST_SUITE_END()

}  // namespace clawhive
