// Ingress through the appliance's HTTPS front against a real systemd: a tenant-scoped API token made
// through the API talks to its tenant's agent (the test agent, answering as OpenClaw's OpenAI-compatible
// endpoint) through /v1/tenants/{id}/openai/v1, reaching it over the gateway socket and bridge into the
// tenant's namespace; another tenant's token is refused before anything reaches an agent.
#include <boost/test/unit_test.hpp>
#include <string>

#include "integration/world.h"

using namespace clawhive::testing;
using namespace std::chrono_literals;

namespace {

bool Has(const std::string& haystack, const std::string& needle) { return haystack.find(needle) != std::string::npos; }

// A tenant-admin token of `tenant`, made through the API as a customer would.
std::string TenantToken(const std::string& tenant, const std::string& name) {
  Response r = api().Post("/v1/tenants/" + tenant + "/tokens", "{\"name\":\"" + name + "\",\"role\":\"tenant-admin\"}");
  BOOST_REQUIRE_MESSAGE(r.status == 201, "token for " << tenant << ": " << r.status << " " << r.body);
  return Get(r.json, "token").string();
}

std::string Chat(const std::string& tenant) { return "/v1/tenants/" + tenant + "/openai/v1/chat/completions"; }

}  // namespace

BOOST_AUTO_TEST_SUITE(ingress_on_real_systemd)

BOOST_AUTO_TEST_CASE(a_tenant_token_chats_with_its_own_agent_through_the_front_and_not_with_another) {
  CreateTenant("chat-a");
  CreateTenant("chat-b");
  Api a(sb().api_port(), TenantToken("chat-a", "app-a"), sb().fingerprint());
  Api b(sb().api_port(), TenantToken("chat-b", "app-b"), sb().fingerprint());

  Response whole = a.Post(Chat("chat-a"), R"({"model":"openclaw","messages":[{"role":"user","content":"hello from a"}],"user":"conv-1"})");
  BOOST_TEST(whole.status == 200, whole.body);
  BOOST_TEST(Get(whole.json, "choices.0.message.content").string() == "echo: hello from a", whole.body);
  // The conversation id reached the agent inside the JSON, prefixed with the caller.
  BOOST_TEST(Get(whole.json, "test_agent.user").string() == "clawhive:token:app-a:conv-1", whole.body);

  Response streamed = a.Post(Chat("chat-a"), R"({"stream":true,"messages":[{"role":"user","content":"stream please"}]})");
  BOOST_TEST(streamed.status == 200, streamed.body);
  BOOST_TEST(Has(streamed.body, "\"content\":\" stream\""), streamed.body);
  BOOST_TEST(Has(streamed.body, "\"content\":\" please\""), streamed.body);
  BOOST_TEST(Has(streamed.body, "data: [DONE]"), streamed.body);

  Response models = a.Get("/v1/tenants/chat-a/openai/v1/models");
  BOOST_TEST(models.status == 200, models.body);
  BOOST_TEST(Has(models.body, "\"openclaw\""), models.body);

  // Tenant B's token on tenant A's endpoint: as if A did not exist; and the other way round.
  Response cross = b.Post(Chat("chat-a"), R"({"messages":[{"role":"user","content":"let me in"}]})");
  BOOST_TEST(cross.status == 404, cross.body);
  BOOST_TEST(Get(cross.json, "error.message").string() == "no tenant 'chat-a'", cross.body);
  Response back = a.Get("/v1/tenants/chat-b/openai/v1/models");
  BOOST_TEST(back.status == 404, back.body);

  // Both chats are in the audit log, with the token that made them.
  Response audit = api().Get("/v1/tenants/chat-a/audit");
  BOOST_TEST(Has(audit.body, "POST /v1/tenants/{id}/openai/v1/chat/completions"), audit.body);
  BOOST_TEST(Has(audit.body, "token:app-a"), audit.body);
  Response metrics = api().Get("/metrics");
  BOOST_TEST(Has(metrics.body, "clawhive_tenant_chat_requests_total{tenant=\"chat-a\",code=\"200\"}"), metrics.body);
}

BOOST_AUTO_TEST_CASE(a_stopped_agent_answers_503_agent_not_running_and_chats_again_once_started) {
  CreateTenant("chat-c");
  Api c(sb().api_port(), TenantToken("chat-c", "app-c"), sb().fingerprint());
  BOOST_REQUIRE(api().Post("/v1/tenants/chat-c/stop").status == 200);
  Response down = c.Post(Chat("chat-c"), R"({"messages":[{"role":"user","content":"anyone?"}]})");
  BOOST_TEST(down.status == 503, down.body);
  BOOST_TEST(Get(down.json, "error.code").string() == "agent_not_running", down.body);
  BOOST_REQUIRE(api().Post("/v1/tenants/chat-c/start").status == 200);
  BOOST_REQUIRE(Eventually([] { return Healthy("chat-c"); }, 15s));
  Response up = c.Post(Chat("chat-c"), R"({"messages":[{"role":"user","content":"back"}]})");
  BOOST_TEST(up.status == 200, up.body);
  BOOST_TEST(api().Call("DELETE", "/v1/tenants/chat-c").status == 200);
}

BOOST_AUTO_TEST_SUITE_END()
