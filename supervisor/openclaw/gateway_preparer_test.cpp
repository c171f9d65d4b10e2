// GatewayPreparer: before each start of a runtime tenant, its gateway token exists (made once, in a real
// vault in a temporary directory) and its openclaw.json5 is written (into the FakeHost).
#include "supervisor/openclaw/gateway_preparer.h"

#include <boost/test/unit_test.hpp>
#include <string>

#include "supervisor/api/json.h"
#include "supervisor/core/tenant_rules.h"
#include "supervisor/openclaw/openclaw_config.h"
#include "supervisor/vault/vault_test_util.h"
#include "unit/fake_host.h"

namespace clawhive {
namespace {

using vault_test::Why;

struct PreparerWorld {
  vault_test::TempDir dir;
  std::unique_ptr<Vault> vault = vault_test::MustOpen(vault_test::OptionsIn(dir));
  Config config;
  FakeHost host;
  GatewayPreparer preparer{config, *vault, host};

  PreparerWorld() { config.openclaw_models = {"gpt-4o-mini", "gpt-4o"}; }

  static Tenant OnRuntime(const std::string& id, uint16_t port) {
    Tenant t;
    t.id = id;
    t.port = port;
    t.runtime = "openclaw-2026.9.6";
    return t;
  }
  // The gateway token as the agent would get it delivered ("" when there is none).
  std::string Delivered(const std::string& id) {
    for (const auto& [name, value] : vault_test::Plain(vault->Deliverable(id, false)))
      if (name == kGatewayTokenSecret) return value;
    return "";
  }
};

}  // namespace

BOOST_AUTO_TEST_SUITE(gateway_preparer)

BOOST_AUTO_TEST_CASE(prepare_writes_the_tenants_openclaw_config_into_its_state_directory) {
  PreparerWorld w;
  Tenant t = PreparerWorld::OnRuntime("acme", 20120);
  t.openclaw.model = "gpt-4o";
  Status s = w.preparer.Prepare(t);
  BOOST_TEST_REQUIRE(s.ok(), Why(s));
  const std::string path = w.config.tenants_dir + "/acme/openclaw.json5";
  BOOST_TEST(OpenClawConfigPath(w.config, "acme") == path);
  BOOST_TEST_REQUIRE(w.host.files.count(path) == 1u);
  BOOST_TEST(w.host.dirs.count(w.config.tenants_dir + "/acme") == 1u);
  auto doc = api::ParseJson(w.host.files[path]);
  BOOST_TEST_REQUIRE(doc.ok());
  BOOST_TEST(doc->Find("gateway")->Find("port")->AsUnsigned().value_or(0) == 20120u);
  BOOST_TEST(doc->Find("logging")->Find("file")->string() == w.config.tenants_dir + "/acme/logs/openclaw.log");
  const api::JsonValue* provider = doc->Find("models")->Find("providers")->Find("clawhive");
  BOOST_TEST_REQUIRE(provider != nullptr);
  BOOST_TEST(provider->Find("baseUrl")->string() == ProxyUrl(w.config));
  BOOST_TEST(provider->Find("models")->items().size() == 2u);
  BOOST_TEST(doc->Find("agents")->Find("defaults")->Find("model")->Find("primary")->string() == "clawhive/gpt-4o");
}

BOOST_AUTO_TEST_CASE(prepare_rewrites_the_config_from_the_current_settings_every_time) {
  PreparerWorld w;
  Tenant t = PreparerWorld::OnRuntime("acme", 20120);
  BOOST_TEST_REQUIRE(w.preparer.Prepare(t).ok());
  const std::string path = OpenClawConfigPath(w.config, "acme");
  w.host.files[path] = "{\"gateway\":{\"bind\":\"lan\"}}";  // edited by the agent itself
  t.openclaw.heartbeat = true;
  BOOST_TEST_REQUIRE(w.preparer.Prepare(t).ok());
  BOOST_TEST(w.host.files[path].find("\"loopback\"") != std::string::npos);
  BOOST_TEST(w.host.files[path].find("\"30m\"") != std::string::npos);
}

BOOST_AUTO_TEST_CASE(the_gateway_token_is_made_once_and_kept_across_prepares) {
  PreparerWorld w;
  Tenant t = PreparerWorld::OnRuntime("acme", 20120);
  BOOST_TEST_REQUIRE(w.preparer.Prepare(t).ok());
  auto info = w.vault->Get("acme", kGatewayTokenSecret);
  BOOST_TEST_REQUIRE(info.ok(), Why(info));
  BOOST_TEST(info->current_version == 1u);
  std::string token = w.Delivered("acme");
  BOOST_TEST(token.rfind("ocg_", 0) == 0u, token);
  BOOST_TEST(token.size() >= 4u + 32u);

  BOOST_TEST_REQUIRE(w.preparer.Prepare(t).ok());
  BOOST_TEST(w.Delivered("acme") == token);
  BOOST_TEST(w.vault->Get("acme", kGatewayTokenSecret)->versions.size() == 1u);

  auto via_api = w.preparer.Token("acme");
  BOOST_TEST_REQUIRE(via_api.ok(), Why(via_api));
  BOOST_TEST(*via_api == token);
}

BOOST_AUTO_TEST_CASE(each_tenant_gets_its_own_token) {
  PreparerWorld w;
  BOOST_TEST_REQUIRE(w.preparer.Prepare(PreparerWorld::OnRuntime("acme", 20120)).ok());
  BOOST_TEST_REQUIRE(w.preparer.Prepare(PreparerWorld::OnRuntime("globex", 20240)).ok());
  BOOST_TEST(!w.Delivered("acme").empty());
  BOOST_TEST(w.Delivered("acme") != w.Delivered("globex"));
}

BOOST_AUTO_TEST_CASE(token_makes_the_token_when_asked_before_the_first_start_and_keeps_it) {
  PreparerWorld w;
  auto first = w.preparer.Token("acme");
  BOOST_TEST_REQUIRE(first.ok(), Why(first));
  BOOST_TEST(first->rfind("ocg_", 0) == 0u);
  BOOST_TEST_REQUIRE(w.preparer.Prepare(PreparerWorld::OnRuntime("acme", 20120)).ok());
  BOOST_TEST(*w.preparer.Token("acme") == *first);
}

BOOST_AUTO_TEST_CASE(a_command_tenant_is_left_alone) {
  PreparerWorld w;
  Tenant t;
  t.id = "plain";
  t.port = 20000;
  Status s = w.preparer.Prepare(t);
  BOOST_TEST(s.ok(), Why(s));
  BOOST_TEST(w.host.files.empty());
  BOOST_TEST(w.host.dirs.empty());
  auto list = w.vault->List("plain");
  BOOST_TEST(list.ok());
  if (list.ok()) BOOST_TEST(list->empty());
}

BOOST_AUTO_TEST_SUITE_END()

}  // namespace clawhive
