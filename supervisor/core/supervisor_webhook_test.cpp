// A tenant whose Telegram channel is in webhook mode, in the supervisor core: its webhook listener's port
// rides on the gateway socket and bridge (and only then), a settings change that turns it on or off
// rewrites those drop-ins and reloads systemd before the restart, and the operator's extra CA bundle
// reaches OpenClaw's environment.
#include <boost/test/unit_test.hpp>
#include <string>

#include "supervisor/core/supervisor.h"
#include "supervisor/core/tenant_rules.h"
#include "supervisor/tenant/gateway_socket.h"
#include "unit/runtime_world.h"

namespace clawhive {
namespace {

using testing::Has;
using testing::kNew;
using World = testing::RuntimeWorld;

std::string Read(World& w, const std::string& path) {
  auto it = w.host.files.find(path);
  return it == w.host.files.end() ? "(missing " + path + ")" : it->second;
}
std::string GatewaySocket(World& w, const std::string& id) {
  return Read(w, w.config.unit_dir + "/" + TenantNames::GatewaySocket(id) + ".d/10-tenant.conf");
}
std::string GatewayBridge(World& w, const std::string& id) {
  return Read(w, w.config.unit_dir + "/" + TenantNames::GatewayBridge(id) + ".d/10-tenant.conf");
}

TenantPatch Telegram(const std::string& mode) {
  OpenClawSettings s;
  s.channels.push_back({"telegram", true, "TELEGRAM_BOT_TOKEN"});
  s.channels[0].mode = mode;
  TenantPatch p;
  p.openclaw = s;
  return p;
}

}  // namespace

BOOST_AUTO_TEST_SUITE(supervisor_webhook)

BOOST_AUTO_TEST_CASE(a_webhook_tenants_listener_port_joins_its_gateway_socket_and_bridge) {
  World w;
  TenantPatch p = Telegram("webhook");
  p.runtime = kNew;
  TenantStatus st = w.Create("hooked", p);
  const uint16_t hook_port = st.tenant.port + kTelegramWebhookPortOffset;
  const std::string gw = "127.0.0.1:" + std::to_string(st.tenant.port);
  const std::string hook = "127.0.0.1:" + std::to_string(hook_port);
  // The host side: a unix socket per port, named after the port the bridge carries it to.
  BOOST_TEST(Has(GatewaySocket(w, "hooked"), "ListenStream=/run/clawhive/gw/hooked/" + std::to_string(st.tenant.port) +
                                                 ".sock\nListenStream=/run/clawhive/gw/hooked/" + std::to_string(hook_port) + ".sock\n"),
             GatewaySocket(w, "hooked"));
  BOOST_TEST(Has(GatewayBridge(w, "hooked"), " --to " + gw + " --to " + hook + "\n"), GatewayBridge(w, "hooked"));
  // A polling tenant, and a plain-command tenant whatever its settings say, have the gateway port only.
  TenantPatch polling = Telegram("polling");
  polling.runtime = kNew;
  w.Create("polls", polling);
  BOOST_TEST(!Has(GatewaySocket(w, "polls"), std::to_string(w.Stored("polls").port + 110)));
  w.Create("plain", Telegram("webhook"));
  BOOST_TEST(Has(GatewayBridge(w, "plain"), " --to 127.0.0.1:" + std::to_string(w.Stored("plain").port) + "\n"));
}

BOOST_AUTO_TEST_CASE(turning_webhook_mode_on_rewrites_the_boundary_units_and_reloads_before_the_restart) {
  World w;
  w.CreateOn("acme", kNew);
  const uint16_t port = w.Stored("acme").port;
  const int reloads = w.units.reloads;
  BOOST_REQUIRE(w.sup->Update("acme", Telegram("webhook")).ok());
  w.loop.Drain();
  BOOST_TEST(Has(GatewaySocket(w, "acme"), "ListenStream=" + GatewaySocketPath(kGatewaySocketDir, "acme", port + 110) + "\n"));
  BOOST_TEST(w.units.reloads == reloads + 1);
  // Back to polling: the listener's port goes again.
  BOOST_REQUIRE(w.sup->Update("acme", Telegram("polling")).ok());
  w.loop.Drain();
  BOOST_TEST(!Has(GatewaySocket(w, "acme"), std::to_string(port + 110)));
  BOOST_TEST(w.units.reloads == reloads + 2);
  // A change that leaves them as they are (the heartbeat) reloads nothing.
  TenantPatch heartbeat = Telegram("polling");
  heartbeat.openclaw->heartbeat = true;
  BOOST_REQUIRE(w.sup->Update("acme", heartbeat).ok());
  BOOST_TEST(w.units.reloads == reloads + 2);
}

BOOST_AUTO_TEST_CASE(the_operators_extra_ca_bundle_reaches_openclaw_and_not_plain_commands) {
  World w;
  w.config.openclaw_extra_ca_file = "/usr/local/share/ca-certificates/corp.crt";
  w.Boot();
  w.CreateOn("oc", kNew);
  w.Create("plain");
  BOOST_TEST(Has(Read(w, EnvFilePath(w.config, "oc")), "\nNODE_EXTRA_CA_CERTS=\"/usr/local/share/ca-certificates/corp.crt\"\n"));
  BOOST_TEST(!Has(Read(w, EnvFilePath(w.config, "plain")), "NODE_EXTRA_CA_CERTS"));
}

BOOST_AUTO_TEST_SUITE_END()

}  // namespace clawhive
