// The supervisor with the egress proxy on and off (docs/egress.md): what a tenant's agent is told
// (HTTPS_PROXY), what its boundary units carry (the egress listener inside its namespace, the bridge's
// second --to), and that it starts, provisions and restarts in both cases — including from the
// benchmarks' config that turns egress off with `listen: ""`, where a start-up crash was once reported.
#include <boost/test/unit_test.hpp>
#include <string>

#include "supervisor/config/config.h"
#include "unit/supervisor_world.h"

namespace clawhive {
namespace {

using testing::SupervisorWorld;

bool Has(const std::string& haystack, const std::string& needle) { return haystack.find(needle) != std::string::npos; }

// tests/bench/openclaw_bench.cpp's config with the test agent: egress off by an empty listen.
const char* kEgressOffYaml = R"(api:
  listen: 127.0.0.1:18575
proxy:
  listen: 127.0.0.1:18585
egress:
  listen: ""
tenant_defaults:
  memory_max: 1536M
  port_base: 26000
  port_step: 120
  agent:
    exec: /usr/local/lib/clawhive-test/clawhive-test-agent
probe:
  interval: 2s
  timeout: 1s
openclaw:
  models: [stub-model]
  start_timeout: 240s
)";

Config FromYaml(const std::string& yaml) {
  Result<Config> c = ParseConfig(yaml, "clawhive.yaml");
  BOOST_TEST_REQUIRE(c.ok(), (c.ok() ? "" : c.error().message));
  return *c;
}

std::string Read(SupervisorWorld& w, const std::string& path) {
  auto it = w.host.files.find(path);
  return it == w.host.files.end() ? "(missing " + path + ")" : it->second;
}

std::string MeterSocketDropIn(SupervisorWorld& w, const std::string& id) {
  return Read(w, w.config.unit_dir + "/" + TenantNames::MeterSocket(id) + ".d/10-tenant.conf");
}
std::string MeterBridgeDropIn(SupervisorWorld& w, const std::string& id) {
  return Read(w, w.config.unit_dir + "/" + TenantNames::MeterBridge(id) + ".d/10-tenant.conf");
}

}  // namespace

BOOST_AUTO_TEST_SUITE(supervisor_egress)

BOOST_AUTO_TEST_CASE(with_egress_on_the_agent_is_pointed_at_the_proxy_and_its_namespace_carries_it) {
  SupervisorWorld w(FromYaml("proxy:\n  listen: 127.0.0.1:8480\ntenant_defaults:\n  agent:\n    exec: /bin/agent\n"), false);
  w.Create("acme");
  std::string env = Read(w, EnvFilePath(w.config, "acme"));
  BOOST_TEST(Has(env, "\nHTTPS_PROXY=http://127.0.0.1:8481\n"), env);
  BOOST_TEST(Has(env, "\nhttps_proxy=http://127.0.0.1:8481\n"), env);
  BOOST_TEST(Has(env, "\nNO_PROXY=127.0.0.1,localhost,::1\n"), env);
  BOOST_TEST(Has(MeterSocketDropIn(w, "acme"), "ListenStream=127.0.0.1:8480\nListenStream=127.0.0.1:8481\n"));
  BOOST_TEST(Has(MeterBridgeDropIn(w, "acme"), " --to 127.0.0.1:8480 --to 127.0.0.1:8481 --from "));
}

BOOST_AUTO_TEST_CASE(the_benchmarks_config_with_egress_off_starts_provisions_and_restarts) {
  SupervisorWorld w(FromYaml(kEgressOffYaml), false);
  BOOST_TEST(w.config.egress_port == 0);
  BOOST_TEST(EgressProxyUrl(w.config) == "");
  w.Create("bench-a");
  std::string env = Read(w, EnvFilePath(w.config, "bench-a"));
  BOOST_TEST(!Has(env, "PROXY="), env);  // no HTTPS_PROXY, HTTP_PROXY or NO_PROXY at all
  BOOST_TEST(Has(MeterSocketDropIn(w, "bench-a"), "ListenStream=127.0.0.1:18585\n"));
  BOOST_TEST(!Has(MeterSocketDropIn(w, "bench-a"), ":0\n"));
  BOOST_TEST(!Has(MeterBridgeDropIn(w, "bench-a"), "--to 127.0.0.1:0"));
  BOOST_TEST(Has(MeterBridgeDropIn(w, "bench-a"), " --to 127.0.0.1:18585 --from "));
  w.Boot();  // a supervisor restart over the same tenants
  for (const std::string& line : w.log.lines) BOOST_TEST(!Has(line, "out of date"), line);
}

BOOST_AUTO_TEST_CASE(turning_egress_on_rewrites_the_boundary_units_of_existing_tenants_at_the_next_start) {
  SupervisorWorld w(FromYaml(kEgressOffYaml), false);
  w.Create("bench-a");
  const int reloads = w.units.reloads;
  w.config.egress_port = 8481;  // the operator set egress.listen and restarted the supervisor
  w.Boot();
  BOOST_TEST(Has(MeterSocketDropIn(w, "bench-a"), "ListenStream=127.0.0.1:8481\n"));
  BOOST_TEST(Has(MeterBridgeDropIn(w, "bench-a"), " --to 127.0.0.1:18585 --to 127.0.0.1:8481 --from "));
  BOOST_TEST(w.units.reloads == reloads + 1);
  bool logged = false;
  for (const std::string& line : w.log.lines) logged = logged || Has(line, "bench-a: network boundary units missing or out of date");
  BOOST_TEST(logged);
}

BOOST_AUTO_TEST_SUITE_END()

}  // namespace clawhive
