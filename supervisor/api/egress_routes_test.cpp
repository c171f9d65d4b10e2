// The egress routes of the REST API: a real ApiServer on loopback with a real meter.db, spoken to over
// HTTP. Operators set anything; tenant admins choose within what the operator offers; hostile bodies
// are refused; the month's bytes come from the ledger.
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

const char* const kToken = "egress-routes-token-0123456789abcdef01234";

bool Has(const std::string& haystack, const std::string& needle) { return haystack.find(needle) != std::string::npos; }

struct EgressWorld {
  EgressWorld() : ids(kToken) {
    BOOST_REQUIRE(tenants.Create("own", TenantPatch{}).ok());
    BOOST_REQUIRE(tenants.Create("other", TenantPatch{}).ok());
    ledger = std::move(meter::Ledger::Open(dir.path + "/meter.db").value());
    ApiServerOptions o = testing::LoopbackApiOptions(ids, 2);
    o.audit = ids.audit.get();
    o.ledger = ledger.get();
    o.egress.presets = {"telegram", "slack"};
    o.egress.allow = {"api.github.com"};
    o.egress.tenant_allow = {"*.example.com:443"};
    server = std::make_unique<ApiServer>(tenants, o);
    Status s = server->Start();
    BOOST_REQUIRE_MESSAGE(s.ok(), s.error().message);
  }
  testing::HttpReply Call(const std::string& method, const std::string& uri, const std::string& body = "",
                          const std::string& token = kToken) {
    Poco::Net::HTTPClientSession session("127.0.0.1", server->port());
    session.setTimeout(Poco::Timespan(10, 0));
    Poco::Net::HTTPRequest req = testing::MakeRequest(method, uri, token, body);
    return testing::Exchange(session, req, body);
  }
  std::string Token(auth::Role role, const std::string& tenant) { return ids.Token(role, tenant); }
  testing::TempDir dir{"clawhive-egress-routes"};
  testing::TempIdentity ids;
  testing::FakeTenantService tenants;
  std::unique_ptr<meter::Ledger> ledger;
  std::unique_ptr<ApiServer> server;
};

BOOST_AUTO_TEST_SUITE(egress_routes)

BOOST_FIXTURE_TEST_CASE(a_new_tenant_may_reach_nothing_of_its_own, EgressWorld) {
  testing::HttpReply r = Call("GET", "/v1/tenants/own/egress");
  BOOST_TEST_REQUIRE(r.status == 200, r.body);
  JsonValue doc = *ParseJson(r.body);
  BOOST_TEST(doc.Find("presets")->items().empty());
  BOOST_TEST(doc.Find("allow")->items().empty());
  BOOST_TEST(doc.Find("operator")->Find("allow")->items()[0].string() == "api.github.com");
  BOOST_TEST(doc.Find("available_presets")->items().size() >= 5u);
  BOOST_TEST(doc.Find("usage")->Find("bytes_in")->magnitude() == 0u);
}

BOOST_FIXTURE_TEST_CASE(an_operator_sets_anything_well_formed_and_it_is_stored_for_the_proxy, EgressWorld) {
  testing::HttpReply r = Call("PUT", "/v1/tenants/own/egress",
                              R"({"presets":["discord"],"allow":["intranet.corp:8443"],"allow_cidrs":["10.20.0.0/16"]})");
  BOOST_TEST_REQUIRE(r.status == 200, r.body);
  BOOST_TEST(ledger->EgressPolicy("own")->value() ==
             R"({"presets":["discord"],"allow":["intranet.corp:8443"],"allow_cidrs":["10.20.0.0/16"]})");
  BOOST_TEST(!ledger->EgressPolicy("other")->has_value());
}

BOOST_FIXTURE_TEST_CASE(a_tenant_admin_chooses_only_within_what_the_operator_offers, EgressWorld) {
  std::string admin = Token(auth::Role::kTenantAdmin, "own");
  BOOST_TEST(Call("PUT", "/v1/tenants/own/egress", R"({"presets":["telegram"],"allow":["api.example.com"]})", admin).status == 200);
  testing::HttpReply beyond = Call("PUT", "/v1/tenants/own/egress", R"({"presets":["discord"]})", admin);
  BOOST_TEST(beyond.status == 409);
  BOOST_TEST(Has(beyond.body, "egress.presets"));
  BOOST_TEST(Call("PUT", "/v1/tenants/own/egress", R"({"allow":["evil.org"]})", admin).status == 409);
  BOOST_TEST(Call("PUT", "/v1/tenants/own/egress", R"({"allow_cidrs":["10.0.0.0/8"]})", admin).status == 409);
  BOOST_TEST(ledger->EgressPolicy("own")->value() == R"({"presets":["telegram"],"allow":["api.example.com"],"allow_cidrs":[]})");
  // Not another tenant's, and a viewer only reads.
  BOOST_TEST(Call("PUT", "/v1/tenants/other/egress", R"({})", admin).status == 404);
  std::string viewer = Token(auth::Role::kTenantViewer, "own");
  BOOST_TEST(Call("GET", "/v1/tenants/own/egress", "", viewer).status == 200);
  BOOST_TEST(Call("PUT", "/v1/tenants/own/egress", R"({})", viewer).status == 403);
}

BOOST_FIXTURE_TEST_CASE(hostile_bodies_are_400_and_change_nothing, EgressWorld) {
  for (const char* body : {R"([])", R"({"allow":"a.com"})", R"({"allow":[1]})", R"({"deny":[]})",
                           R"({"allow":["a.com\r\nX: y"]})", R"({"allow":["*.*"]})", R"({"presets":["nope"]})",
                           R"({"allow_cidrs":["10.0.0.1/8"]})", R"({"allow":["a.com","a.com"]})"}) {
    testing::HttpReply r = Call("PUT", "/v1/tenants/own/egress", body);
    BOOST_TEST(r.status == 400, body << " -> " << r.status << " " << r.body);
  }
  BOOST_TEST(!ledger->EgressPolicy("own")->has_value());
  BOOST_TEST(Call("GET", "/v1/tenants/own/egress?period=2026-13").status == 400);
  BOOST_TEST(Call("GET", "/v1/tenants/nope/egress").status == 404);
}

BOOST_FIXTURE_TEST_CASE(the_months_bytes_are_shown, EgressWorld) {
  BOOST_REQUIRE(ledger->AddEgress("own", testing::NowMs(), {"", 10, 2000, 1, 2}).ok());
  JsonValue doc = *ParseJson(Call("GET", "/v1/tenants/own/egress").body);
  BOOST_TEST(doc.Find("usage")->Find("bytes_out")->magnitude() == 10u);
  BOOST_TEST(doc.Find("usage")->Find("bytes_in")->magnitude() == 2000u);
  BOOST_TEST(doc.Find("usage")->Find("refused")->magnitude() == 2u);
  testing::HttpReply m = Call("GET", "/metrics");
  BOOST_TEST(Has(m.body, "clawhive_tenant_egress_bytes_in{tenant=\"own\"} 2000"));
}

BOOST_AUTO_TEST_SUITE_END()

}  // namespace
}  // namespace clawhive
