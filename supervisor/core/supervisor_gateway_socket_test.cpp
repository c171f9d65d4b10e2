// A tenant's gateway socket in the supervisor core: the unix socket only root may open is where the
// supervisor probes, what the socket unit listens on, and goes with the tenant; a gateway socket still
// listening where an older version put it (the host's 127.0.0.1:<port>) is made to listen anew.
#include <algorithm>
#include <boost/test/unit_test.hpp>
#include <string>
#include <vector>

#include "supervisor/core/supervisor.h"
#include "supervisor/core/tenant_rules.h"
#include "supervisor/tenant/gateway_socket.h"
#include "unit/supervisor_world.h"

namespace clawhive {
namespace {

using World = testing::SupervisorWorld;

std::string GatewaySocketDropIn(World& w, const std::string& id) {
  auto it = w.host.files.find(w.config.unit_dir + "/" + TenantNames::GatewaySocket(id) + ".d/10-tenant.conf");
  return it == w.host.files.end() ? "" : it->second;
}

size_t Count(const std::vector<std::string>& calls, const std::string& call) {
  return static_cast<size_t>(std::count(calls.begin(), calls.end(), call));
}

BOOST_AUTO_TEST_SUITE(supervisor_gateway_socket)

BOOST_AUTO_TEST_CASE(the_gateway_socket_listens_on_a_unix_socket_named_after_the_port_and_nowhere_on_tcp) {
  World w;
  TenantStatus st = w.Create("acme-corp");
  const std::string drop_in = GatewaySocketDropIn(w, "acme-corp");
  BOOST_TEST(drop_in.find("[Socket]\nListenStream=/run/clawhive/gw/acme-corp/" + std::to_string(st.tenant.port) + ".sock\n") !=
                 std::string::npos,
             drop_in);
  BOOST_TEST(drop_in.find("127.0.0.1") == std::string::npos, drop_in);
}

BOOST_AUTO_TEST_CASE(probes_go_to_the_tenants_gateway_socket) {
  World w;
  TenantStatus st = w.Create("acme-corp");
  BOOST_TEST_REQUIRE(!w.prober.sockets().empty());
  for (const std::string& socket : w.prober.sockets())
    BOOST_TEST(socket == "/run/clawhive/gw/acme-corp/" + std::to_string(st.tenant.port) + ".sock");
}

BOOST_AUTO_TEST_CASE(deleting_a_tenant_removes_its_gateway_socket_directory) {
  World w;
  w.Create("acme-corp");
  w.Create("other");
  w.sup->DeleteAsync("acme-corp", false, [](Status) {});
  w.loop.Advance(50);
  BOOST_TEST(w.host.removed_trees.count("/run/clawhive/gw/acme-corp") == 1u);
  BOOST_TEST(w.host.removed_trees.count("/run/clawhive/gw/other") == 0u);
}

BOOST_AUTO_TEST_CASE(a_running_gateway_socket_of_an_older_version_restarts_with_its_bridge_to_listen_anew) {
  World w;
  w.Create("acme-corp");
  w.Create("stopped");
  BOOST_REQUIRE(w.sup->Stop("stopped").ok());
  w.loop.Advance(50);
  const std::string socket = TenantNames::GatewaySocket("acme-corp");
  const std::string bridge = TenantNames::GatewayBridge("acme-corp");
  w.units.units[socket].active = "active";  // listening on the host's 127.0.0.1:<port>, from the old drop-in
  w.units.units[bridge].active = "active";
  for (const char* id : {"acme-corp", "stopped"})
    w.host.files[w.config.unit_dir + "/" + TenantNames::GatewaySocket(id) + ".d/10-tenant.conf"] =
        "[Socket]\nListenStream=127.0.0.1:20000\n";
  w.units.calls.clear();
  w.Boot();  // the upgraded supervisor starts
  BOOST_TEST(GatewaySocketDropIn(w, "acme-corp").find(".sock\n") != std::string::npos);
  BOOST_TEST(Count(w.units.calls, "stop " + bridge) == 1u);
  BOOST_TEST(Count(w.units.calls, "start " + socket) == 1u);  // the fake restarts as stop + start
  BOOST_TEST(w.units.units[socket].active == "active");
  // A socket that is not running reads its new drop-in when it starts: nothing to restart.
  BOOST_TEST(Count(w.units.calls, "start " + TenantNames::GatewaySocket("stopped")) == 0u);
}

BOOST_AUTO_TEST_SUITE_END()

}  // namespace
}  // namespace clawhive
