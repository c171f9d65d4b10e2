// The OpenClaw routes of the REST API (images, fleet updates, gateway tokens, a tenant's OpenClaw
// settings): a real ApiServer on loopback in front of a FakeTenantService and a FakeRuntimeService,
// spoken to over real HTTP. Who may call what is the authorization matrix's business; here, what they do.
#include <Poco/Net/HTTPClientSession.h>
#include <Poco/Net/HTTPRequest.h>
#include <Poco/Net/HTTPResponse.h>
#include <Poco/StreamCopier.h>

#include <boost/test/unit_test.hpp>
#include <memory>
#include <sstream>
#include <string>
#include <vector>

#include "supervisor/api/api_server.h"
#include "supervisor/common/json.h"
#include "unit/fails_with.h"
#include "unit/fake_runtime_service.h"
#include "unit/fake_tenant_service.h"
#include "unit/http_exchange.h"
#include "unit/loopback_api.h"
#include "unit/temp_identity.h"

namespace clawhive {
namespace {

using clawhive::JsonValue;
using testing::FailsWith;

const char* const kToken = "runtime-routes-token-0123456789abcdef0123";

using Reply = testing::HttpReply;

bool Has(const std::string& haystack, const std::string& needle) { return haystack.find(needle) != std::string::npos; }

struct RoutesWorld {
  explicit RoutesWorld(bool with_runtimes = true) : ids(kToken) {
    BOOST_REQUIRE(tenants.Create("own", TenantPatch{}).ok());
    BOOST_REQUIRE(tenants.Create("other", TenantPatch{}).ok());
    ApiServerOptions o = testing::LoopbackApiOptions(ids, 2);
    o.audit = ids.audit.get();
    o.runtimes = with_runtimes ? &runtimes : nullptr;
    server = std::make_unique<ApiServer>(tenants, o);
    Status s = server->Start();
    BOOST_REQUIRE_MESSAGE(s.ok(), s.error().message);
  }

  Reply Call(const std::string& method, const std::string& uri, const std::string& body = "",
             const std::string& token = kToken) {
    Poco::Net::HTTPClientSession session("127.0.0.1", server->port());
    session.setTimeout(Poco::Timespan(10, 0));
    Poco::Net::HTTPRequest req = testing::MakeRequest(method, uri, token, body);
    return testing::Exchange(session, req, body);
  }

  // A token of a tenant admin of "own".
  std::string AdminOfOwn() {
    std::string token;
    ids.With([&](auto& store) {
      auto t = store->CreateToken(auth::Role::kTenantAdmin, "own", "own-admin", 3600000, testing::NowMs());
      BOOST_REQUIRE(t.ok());
      token = t->token;
    });
    return token;
  }

  testing::TempIdentity ids;
  testing::FakeTenantService tenants;
  testing::FakeRuntimeService runtimes;
  std::unique_ptr<ApiServer> server;
};

// An invalid fleet request: 400 naming `field`, and the service never asked.
void ExpectRefusedUpdate(RoutesWorld& w, const std::string& body, const std::string& field) {
  int before = w.runtimes.calls();
  Reply r = w.Call("POST", "/v1/fleet/updates", body);
  BOOST_TEST(r.status == 400, body << " -> " << r.status << " " << r.body);
  if (r.status == 400) BOOST_TEST(Has(r.error_message(), field), r.error_message());
  BOOST_TEST(w.runtimes.calls() == before, body);
}

}  // namespace

BOOST_AUTO_TEST_SUITE(api_runtime_routes)

BOOST_AUTO_TEST_CASE(without_a_runtime_service_every_runtime_route_answers_503) {
  RoutesWorld w(/*with_runtimes=*/false);
  const std::vector<std::pair<std::string, std::string>> calls = {
      {"GET", "/v1/images"},
      {"POST", "/v1/images"},
      {"DELETE", "/v1/images/openclaw-2026.9.6"},
      {"POST", "/v1/fleet/updates"},
      {"GET", "/v1/fleet/updates"},
      {"GET", "/v1/fleet/updates/1"},
      {"POST", "/v1/tenants/own/gateway-token"}};
  for (const auto& [method, uri] : calls) {
    bool json_body = method == "POST" && uri != "/v1/tenants/own/gateway-token";
    Reply r = w.Call(method, uri, json_body ? "{}" : "");
    BOOST_TEST(r.status == 503, method << " " << uri << " -> " << r.status << " " << r.body);
  }
}

BOOST_AUTO_TEST_CASE(without_a_runtime_service_openclaw_settings_are_stored_unchecked) {
  RoutesWorld w(/*with_runtimes=*/false);
  Reply r = w.Call("PUT", "/v1/tenants/own/openclaw", R"({"heartbeat":true})");
  BOOST_TEST(r.status == 200, r.body);
  BOOST_TEST(w.tenants.last_call() == "Update");
}

BOOST_AUTO_TEST_CASE(images_are_listed_with_their_users_and_the_fleet_target) {
  RoutesWorld w;
  ImageView a;
  a.id = "openclaw-2026.8.1";
  a.used_by = {"other", "own"};
  ImageView b;
  b.id = "openclaw-2026.9.6";
  b.problem = "manifest.json is missing";
  w.runtimes.SetImages({a, b}, "openclaw-2026.8.1");
  Reply r = w.Call("GET", "/v1/images");
  BOOST_TEST_REQUIRE(r.status == 200, r.body);
  JsonValue doc = r.json();
  BOOST_TEST(doc.Find("target")->string() == "openclaw-2026.8.1");
  const auto& images = doc.Find("images")->items();
  BOOST_TEST_REQUIRE(images.size() == 2u);
  BOOST_TEST(images[0].Find("target")->boolean());
  BOOST_TEST(images[0].Find("used_by")->items().size() == 2u);
  BOOST_TEST(images[0].Find("problem")->is_null());
  BOOST_TEST(!images[1].Find("target")->boolean());
  BOOST_TEST(images[1].Find("problem")->string() == "manifest.json is missing");
}

BOOST_AUTO_TEST_CASE(importing_an_image_requires_a_path_and_passes_the_digest_on) {
  RoutesWorld w;
  Reply missing = w.Call("POST", "/v1/images", R"({"sha256":"ab"})");
  BOOST_TEST(missing.status == 400, missing.body);
  BOOST_TEST(Has(missing.error_message(), "path"), missing.body);
  Reply unknown = w.Call("POST", "/v1/images", R"({"path":"/srv/x.tar","url":"http://x"})");
  BOOST_TEST(unknown.status == 400, unknown.body);
  Reply wrong = w.Call("POST", "/v1/images", R"({"path":5})");
  BOOST_TEST(wrong.status == 400, wrong.body);
  BOOST_TEST(!w.runtimes.imported().has_value());

  Reply ok = w.Call("POST", "/v1/images", R"({"path":"/srv/openclaw.tar","sha256":"0123abcd"})");
  BOOST_TEST_REQUIRE(ok.status == 201, ok.body);
  BOOST_TEST(ok.json().Find("id")->string() == "openclaw-2026.9.6");
  BOOST_TEST_REQUIRE(w.runtimes.imported().has_value());
  BOOST_TEST(w.runtimes.imported()->first == "/srv/openclaw.tar");
  BOOST_TEST(w.runtimes.imported()->second == "0123abcd");

  BOOST_TEST(w.Call("POST", "/v1/images", R"({"path":"/srv/other.tar"})").status == 201);
  BOOST_TEST(w.runtimes.imported()->second == "");
}

BOOST_AUTO_TEST_CASE(an_image_in_use_cannot_be_deleted) {
  RoutesWorld w;
  w.runtimes.FailNext("Remove", Error::Conflict("image 'openclaw-2026.9.6' is used by own"));
  Reply r = w.Call("DELETE", "/v1/images/openclaw-2026.9.6");
  BOOST_TEST(r.status == 409, r.body);
  Reply ok = w.Call("DELETE", "/v1/images/openclaw-2026.9.6");
  BOOST_TEST(ok.status == 200, ok.body);
  BOOST_TEST(w.runtimes.removed() == "openclaw-2026.9.6");
}

BOOST_AUTO_TEST_CASE(a_fleet_update_is_started_with_the_requested_target_canaries_and_wave_size) {
  RoutesWorld w;
  Reply r = w.Call("POST", "/v1/fleet/updates", R"({"target":"openclaw-2026.9.6","canaries":["own"],"wave_size":3})");
  BOOST_TEST_REQUIRE(r.status == 202, r.body);
  JsonValue doc = r.json();
  BOOST_TEST(doc.Find("target")->string() == "openclaw-2026.9.6");
  BOOST_TEST(doc.Find("id")->AsUnsigned().value_or(0) == 1u);
  auto req = w.runtimes.last_request();
  BOOST_TEST_REQUIRE(req.has_value());
  BOOST_TEST(req->target == "openclaw-2026.9.6");
  BOOST_TEST(req->canaries == std::vector<std::string>{"own"}, boost::test_tools::per_element());
  BOOST_TEST(req->wave_size == 3u);
}

BOOST_AUTO_TEST_CASE(a_fleet_update_without_a_wave_size_moves_five_at_a_time) {
  RoutesWorld w;
  BOOST_TEST(w.Call("POST", "/v1/fleet/updates", R"({"target":"openclaw-2026.9.6"})").status == 202);
  BOOST_TEST_REQUIRE(w.runtimes.last_request().has_value());
  BOOST_TEST(w.runtimes.last_request()->wave_size == 5u);
  BOOST_TEST(w.runtimes.last_request()->canaries.empty());
}

BOOST_AUTO_TEST_CASE(a_bad_wave_size_is_refused_before_the_fleet_is_asked) {
  RoutesWorld w;
  for (const char* size : {"0", "1001", "-1", "2.5", "\"5\"", "true"})
    ExpectRefusedUpdate(w, std::string(R"({"target":"openclaw-2026.9.6","wave_size":)") + size + "}", "wave_size");
}

BOOST_AUTO_TEST_CASE(bad_canaries_are_refused_before_the_fleet_is_asked) {
  RoutesWorld w;
  const std::string target = R"("target":"openclaw-2026.9.6")";
  ExpectRefusedUpdate(w, "{" + target + R"(,"canaries":"own"})", "canaries");
  ExpectRefusedUpdate(w, "{" + target + R"(,"canaries":[1]})", "canaries");
  ExpectRefusedUpdate(w, "{" + target + R"(,"canaries":["../etc"]})", "");
  ExpectRefusedUpdate(w, "{" + target + R"(,"canaries":["Not-An-Id"]})", "");
  std::string many;
  for (int i = 0; i < 101; ++i) many += std::string(i ? "," : "") + "\"t" + std::to_string(i) + "x\"";
  ExpectRefusedUpdate(w, "{" + target + R"(,"canaries":[)" + many + "]}", "canaries");
  ExpectRefusedUpdate(w, R"({"canaries":["own"]})", "target");
  ExpectRefusedUpdate(w, "{" + target + R"(,"waves":2})", "waves");
}

BOOST_AUTO_TEST_CASE(the_fleets_refusals_come_back_with_their_status) {
  RoutesWorld w;
  w.runtimes.FailNext("StartUpdate", Error::Conflict("fleet update 1 to openclaw-2026.9.6 is still running"));
  BOOST_TEST(w.Call("POST", "/v1/fleet/updates", R"({"target":"openclaw-2026.9.6"})").status == 409);
  w.runtimes.FailNext("StartUpdate", Error::NotFound("no runtime image 'x-1'"));
  BOOST_TEST(w.Call("POST", "/v1/fleet/updates", R"({"target":"x-1"})").status == 404);
}

BOOST_AUTO_TEST_CASE(fleet_updates_are_listed_with_a_limit_and_the_target) {
  RoutesWorld w;
  for (int i = 0; i < 3; ++i) BOOST_TEST(w.Call("POST", "/v1/fleet/updates", R"({"target":"openclaw-2026.9.6"})").status == 202);
  Reply r = w.Call("GET", "/v1/fleet/updates?limit=2");
  BOOST_TEST_REQUIRE(r.status == 200, r.body);
  BOOST_TEST(w.runtimes.last_limit() == 2u);
  BOOST_TEST(r.json().Find("updates")->items().size() == 2u);
  BOOST_TEST(r.json().Find("target")->is_string());
  BOOST_TEST(w.Call("GET", "/v1/fleet/updates?limit=0").status == 400);
  BOOST_TEST(w.Call("GET", "/v1/fleet/updates?limit=201").status == 400);
}

BOOST_AUTO_TEST_CASE(a_fleet_update_id_that_is_not_a_number_is_not_found_without_asking_the_fleet) {
  RoutesWorld w;
  for (const char* id : {"abc", "-1", "1e3", "0x10", "1234567890123456789"}) {
    int before = w.runtimes.calls();
    Reply r = w.Call("GET", std::string("/v1/fleet/updates/") + id);
    BOOST_TEST(r.status == 404, id << " -> " << r.status << " " << r.body);
    BOOST_TEST(w.runtimes.calls() == before, id);
  }
}

BOOST_AUTO_TEST_CASE(a_fleet_update_is_read_by_its_number) {
  RoutesWorld w;
  BOOST_TEST(w.Call("POST", "/v1/fleet/updates", R"({"target":"openclaw-2026.9.6"})").status == 202);
  Reply r = w.Call("GET", "/v1/fleet/updates/1");
  BOOST_TEST_REQUIRE(r.status == 200, r.body);
  BOOST_TEST(r.json().Find("target")->string() == "openclaw-2026.9.6");
  BOOST_TEST(w.runtimes.last_update_id().value_or(0) == 1);
  BOOST_TEST(w.Call("GET", "/v1/fleet/updates/007").status == 404);  // asked, and there is no 7
  BOOST_TEST(w.runtimes.last_update_id().value_or(0) == 7);
}

BOOST_AUTO_TEST_CASE(the_gateway_token_route_answers_the_gateway_socket_and_token) {
  RoutesWorld w;
  Reply r = w.Call("POST", "/v1/tenants/own/gateway-token");
  BOOST_TEST_REQUIRE(r.status == 200, r.body);
  BOOST_TEST(r.json().Find("socket")->string() == "/run/clawhive/gw/own/20000.sock");
  BOOST_TEST(!r.json().Find("url"));  // no TCP address on the host any more
  BOOST_TEST(r.json().Find("token")->string() == "ocg_token-of-own");
  BOOST_TEST(w.runtimes.last_gateway() == "own");
  w.runtimes.FailNext("Gateway", Error::Conflict("tenant 'own' runs no OpenClaw gateway"));
  BOOST_TEST(w.Call("POST", "/v1/tenants/own/gateway-token").status == 409);
}

BOOST_AUTO_TEST_CASE(a_tenant_admin_gets_its_own_gateway_token_but_not_the_images) {
  RoutesWorld w;
  std::string admin = w.AdminOfOwn();
  Reply mine = w.Call("POST", "/v1/tenants/own/gateway-token", "", admin);
  BOOST_TEST(mine.status == 200, mine.body);
  BOOST_TEST(w.Call("POST", "/v1/tenants/other/gateway-token", "", admin).status == 404);
  BOOST_TEST(w.Call("GET", "/v1/images", "", admin).status == 403);
  BOOST_TEST(w.Call("POST", "/v1/fleet/updates", R"({"target":"openclaw-2026.9.6"})", admin).status == 403);
  BOOST_TEST(w.runtimes.last_gateway() == "own");
}

BOOST_AUTO_TEST_CASE(put_openclaw_checks_the_config_with_openclaw_then_updates_the_tenant) {
  RoutesWorld w;
  Reply r = w.Call("PUT", "/v1/tenants/own/openclaw",
                   R"({"model":"gpt-4o","heartbeat":true,"channels":[{"kind":"telegram","token_secret":"TG"}]})");
  BOOST_TEST_REQUIRE(r.status == 200, r.body);
  auto checks = w.runtimes.checks();
  BOOST_TEST_REQUIRE(checks.size() == 1u);
  BOOST_TEST(checks[0].id == "own");
  BOOST_TEST_REQUIRE(checks[0].tenant.has_value());
  BOOST_TEST(checks[0].tenant->id == "own");
  BOOST_TEST_REQUIRE(checks[0].patch.openclaw.has_value());
  BOOST_TEST(checks[0].patch.openclaw->model == "gpt-4o");
  BOOST_TEST(!checks[0].patch.runtime.has_value());
  BOOST_TEST(w.tenants.last_call() == "Update");
  BOOST_TEST_REQUIRE(w.tenants.last_patch().has_value());
  BOOST_TEST(w.tenants.last_patch()->openclaw->heartbeat);
  JsonValue doc = r.json();
  BOOST_TEST(doc.Find("openclaw")->Find("model")->string() == "gpt-4o");
  BOOST_TEST(doc.Find("openclaw")->Find("channels")->items().size() == 1u);
}

BOOST_AUTO_TEST_CASE(put_openclaw_refused_by_openclaw_is_a_400_and_changes_nothing) {
  RoutesWorld w;
  w.runtimes.FailNext("CheckTenantConfig",
                      Error::Invalid("OpenClaw 2026.9.6 would refuse this configuration (nothing was changed): "
                                     "channels.telegram.botToken: required"));
  Reply r = w.Call("PUT", "/v1/tenants/own/openclaw", R"({"heartbeat":true})");
  BOOST_TEST(r.status == 400, r.body);
  BOOST_TEST(Has(r.error_message(), "channels.telegram.botToken: required"), r.body);
  BOOST_TEST(w.runtimes.checks().size() == 1u);
  BOOST_TEST(w.tenants.last_call() != "Update");
  BOOST_TEST(!w.tenants.Get("own")->tenant.openclaw.heartbeat);
}

BOOST_AUTO_TEST_CASE(put_openclaw_with_a_bad_document_is_refused_before_any_check) {
  RoutesWorld w;
  Reply unknown = w.Call("PUT", "/v1/tenants/own/openclaw", R"({"temperature":0.2})");
  BOOST_TEST(unknown.status == 400, unknown.body);
  BOOST_TEST(Has(unknown.error_message(), "openclaw.temperature"), unknown.body);
  Reply wrong = w.Call("PUT", "/v1/tenants/own/openclaw", R"({"heartbeat":"on"})");
  BOOST_TEST(wrong.status == 400, wrong.body);
  BOOST_TEST(Has(wrong.error_message(), "openclaw.heartbeat"), wrong.body);
  BOOST_TEST(w.runtimes.checks().empty());
}

BOOST_AUTO_TEST_CASE(put_openclaw_for_an_unknown_tenant_is_404_without_a_check) {
  RoutesWorld w;
  Reply r = w.Call("PUT", "/v1/tenants/nobody/openclaw", R"({"heartbeat":true})");
  BOOST_TEST(r.status == 404, r.body);
  BOOST_TEST(w.runtimes.checks().empty());
}

BOOST_AUTO_TEST_CASE(a_tenant_admin_may_change_its_own_openclaw_settings) {
  RoutesWorld w;
  std::string admin = w.AdminOfOwn();
  BOOST_TEST(w.Call("PUT", "/v1/tenants/own/openclaw", R"({"heartbeat":true})", admin).status == 200);
  BOOST_TEST(w.Call("PUT", "/v1/tenants/other/openclaw", R"({"heartbeat":true})", admin).status == 404);
  BOOST_TEST(w.runtimes.checks().size() == 1u);
}

BOOST_AUTO_TEST_CASE(patch_and_create_are_checked_only_when_they_touch_the_runtime_or_its_settings) {
  RoutesWorld w;
  BOOST_TEST(w.Call("PATCH", "/v1/tenants/own", R"({"display_name":"Own"})").status == 200);
  BOOST_TEST(w.runtimes.checks().empty());
  BOOST_TEST(w.Call("PATCH", "/v1/tenants/own", R"({"runtime":{"image":"openclaw-2026.9.6"}})").status == 200);
  auto checks = w.runtimes.checks();
  BOOST_TEST_REQUIRE(checks.size() == 1u);
  BOOST_TEST(checks[0].tenant.has_value());
  BOOST_TEST(*checks[0].patch.runtime == "openclaw-2026.9.6");

  w.runtimes.FailNext("CheckTenantConfig", Error::NotFound("no runtime image 'openclaw-1.0.0'"));
  Reply refused = w.Call("POST", "/v1/tenants", R"({"id":"newbie","runtime":{"image":"openclaw-1.0.0"}})");
  BOOST_TEST(refused.status == 404, refused.body);
  BOOST_TEST(FailsWith(w.tenants.Get("newbie"), ErrorCode::kNotFound));
  checks = w.runtimes.checks();
  BOOST_TEST_REQUIRE(checks.size() == 2u);
  BOOST_TEST(checks[1].id == "newbie");
  BOOST_TEST(!checks[1].tenant.has_value());
}

BOOST_AUTO_TEST_SUITE_END()

}  // namespace clawhive
