// The `egress:` section of clawhive.yaml: the egress proxy's listener and the operator's policy.
#include <boost/test/unit_test.hpp>
#include <string>

#include "supervisor/config/config.h"

namespace clawhive {
namespace {

Result<Config> Parse(const std::string& yaml) { return ParseConfig(yaml, "c.yaml"); }
std::string Why(const Result<Config>& r) { return r.ok() ? std::string("(no error)") : r.error().message; }
bool Has(const std::string& haystack, const std::string& needle) { return haystack.find(needle) != std::string::npos; }

}  // namespace

BOOST_AUTO_TEST_SUITE(config_egress)

BOOST_AUTO_TEST_CASE(by_default_the_proxy_listens_and_allows_nothing) {
  Result<Config> c = Parse("");
  BOOST_TEST_REQUIRE(c.ok());
  BOOST_TEST(c->egress_address == "127.0.0.1");
  BOOST_TEST(c->egress_port == 8481);
  BOOST_TEST(c->egress.allow.empty());
  BOOST_TEST(c->egress.presets.empty());
  BOOST_TEST(c->egress.allow_cidrs.empty());
  BOOST_TEST(c->egress.tenant_allow.empty());
  BOOST_TEST(c->egress_max_tunnels == 64u);
}

BOOST_AUTO_TEST_CASE(the_operator_sets_listener_presets_and_lists) {
  Result<Config> c = Parse(
      "egress:\n"
      "  listen: 127.0.0.1:9481\n"
      "  presets: [telegram, discord]\n"
      "  allow: [api.github.com, '*.example.org:80,443']\n"
      "  allow_cidrs: [10.20.0.0/16]\n"
      "  tenant_allow: ['*:443']\n"
      "  max_tunnels_per_tenant: 8\n"
      "  connect_timeout: 5s\n"
      "  idle_timeout: 2m\n");
  BOOST_TEST_REQUIRE(c.ok(), Why(c));
  BOOST_TEST(c->egress_port == 9481);
  BOOST_TEST(c->egress.presets == (std::vector<std::string>{"telegram", "discord"}));
  BOOST_TEST(c->egress.allow.size() == 2u);
  BOOST_TEST(c->egress.allow_cidrs[0] == "10.20.0.0/16");
  BOOST_TEST(c->egress.tenant_allow[0] == "*:443");
  BOOST_TEST(c->egress_max_tunnels == 8u);
  BOOST_TEST(c->egress_connect_timeout_ms == 5000u);
  BOOST_TEST(c->egress_idle_timeout_ms == 120000u);
}

BOOST_AUTO_TEST_CASE(an_empty_listen_turns_it_off) {
  Result<Config> c = Parse("egress:\n  listen: ''\n");
  BOOST_TEST_REQUIRE(c.ok(), Why(c));
  BOOST_TEST(c->egress_port == 0);
}

BOOST_AUTO_TEST_CASE(bad_entries_are_errors_naming_them) {
  BOOST_TEST(Has(Why(Parse("egress:\n  presets: [myspace]\n")), "c.yaml:2:12: egress.presets: 'myspace' is not a preset"));
  BOOST_TEST(Has(Why(Parse("egress:\n  allow: ['bad host']\n")), "egress.allow: 'bad host' is not a destination"));
  BOOST_TEST(Has(Why(Parse("egress:\n  allow_cidrs: [10.1.2.3/8]\n")), "bits are set after the prefix length"));
  BOOST_TEST(Has(Why(Parse("egress:\n  tenant_allow: ['*.']\n")), "egress.tenant_allow"));
  BOOST_TEST(Has(Why(Parse("egress:\n  listen: 0.0.0.0:8481\n")), "must listen on 127.0.0.1"));
  BOOST_TEST(Has(Why(Parse("egress:\n  listen: 127.0.0.1:8480\n")), "must use different ports"));
  // Timeouts the proxy could not hold (int milliseconds) or that would only keep dead tunnels around.
  BOOST_TEST(Has(Why(Parse("egress:\n  connect_timeout: 720h\n")), "c.yaml:2:20: egress.connect_timeout: at most 5m"));
  BOOST_TEST(Has(Why(Parse("egress:\n  idle_timeout: 25h\n")), "egress.idle_timeout: at most 24h"));
  BOOST_TEST(Parse("egress:\n  connect_timeout: 5m\n  idle_timeout: 24h\n").ok());
  BOOST_TEST(Has(Why(Parse("egress:\n  max_tunnels_per_tenant: 0\n")), "max_tunnels_per_tenant"));
  BOOST_TEST(Has(Why(Parse("egress:\n  deny: []\n")), "deny"));
}

BOOST_AUTO_TEST_SUITE_END()

}  // namespace clawhive
