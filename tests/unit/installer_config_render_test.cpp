// Tests of the supervisor config the installer renders from an answer file (installer/config_render.h):
// whatever it writes, the supervisor's own parser reads back with the same values.
#include "installer/config_render.h"

#include <boost/test/unit_test.hpp>

#include <string>

#include "installer/answers.h"
#include "supervisor/config/config.h"

using namespace clawhive;
using namespace clawhive::installer;

namespace {

constexpr uint64_t kGiB = uint64_t{1} << 30;
constexpr uint64_t kMiB = uint64_t{1} << 20;

Config Parsed(const std::string& text) {
  Result<Config> c = ParseConfig(text, "clawhive.yaml");
  BOOST_REQUIRE_MESSAGE(c.ok(), (c.ok() ? "" : c.error().message) << "\n" << text);
  return *c;
}

Answers FromFile(const std::string& yaml) {
  Result<Answers> a = ParseAnswers(yaml, "answers.yaml");
  BOOST_REQUIRE_MESSAGE(a.ok(), (a.ok() ? "" : a.error().message));
  return *a;
}

}  // namespace

BOOST_AUTO_TEST_SUITE(installer_config_render)

BOOST_AUTO_TEST_CASE(the_default_answers_render_a_config_the_supervisor_parses_with_the_same_values) {
  Answers a;
  Config c = Parsed(RenderConfig(a, {16 * kGiB, 8}));
  BOOST_TEST(c.listen_address == "0.0.0.0");
  BOOST_TEST(c.listen_port == 8470);
  BOOST_TEST(c.product_name == "Clawhive");
  BOOST_TEST(c.primary_color == "#1f6feb");
  BOOST_TEST(c.default_resources.memory_max == 1536 * kMiB);
  BOOST_TEST(c.default_resources.memory_high == 1024 * kMiB);
  BOOST_TEST(c.default_resources.cpu_quota_percent == 100u);
  BOOST_TEST(c.default_resources.tasks_max == 512u);
  BOOST_TEST(c.tls_cert_file.empty());
  // What the answers do not cover keeps the supervisor's default.
  Config defaults;
  BOOST_TEST(c.state_dir == defaults.state_dir);
  BOOST_TEST(c.port_base == defaults.port_base);
}

BOOST_AUTO_TEST_CASE(headroom_of_2g_on_16_gib_leaves_14_gib_for_the_tenants) {
  Config c = Parsed(RenderConfig(Answers{}, {16 * kGiB, 8}));
  BOOST_TEST(c.parent_memory_max == 14 * kGiB);
}

BOOST_AUTO_TEST_CASE(half_of_8_cpus_kept_for_the_host_leaves_a_cpu_quota_of_400_percent) {
  Config c = Parsed(RenderConfig(Answers{}, {16 * kGiB, 8}));
  BOOST_TEST(c.parent_cpu_quota_percent == 400u);
  Answers quarter;
  quarter.headroom_cpu_percent = 25;
  BOOST_TEST(Parsed(RenderConfig(quarter, {16 * kGiB, 8})).parent_cpu_quota_percent == 600u);
}

BOOST_AUTO_TEST_CASE(an_unknown_host_size_or_a_headroom_above_the_total_writes_no_cap) {
  Config unknown = Parsed(RenderConfig(Answers{}, {0, 0}));
  BOOST_TEST(unknown.parent_memory_max == 0u);
  BOOST_TEST(unknown.parent_cpu_quota_percent == 0u);
  Config small = Parsed(RenderConfig(Answers{}, {1 * kGiB, 2}));
  BOOST_TEST(small.parent_memory_max == 0u);
  BOOST_TEST(small.parent_cpu_quota_percent == 100u);
}

BOOST_AUTO_TEST_CASE(a_memory_cap_is_rounded_down_to_whole_mib) {
  Config c = Parsed(RenderConfig(Answers{}, {16 * kGiB + 123456, 8}));
  BOOST_TEST(c.parent_memory_max == 14 * kGiB);
}

BOOST_AUTO_TEST_CASE(a_product_name_with_quotes_colons_and_hashes_round_trips) {
  for (const std::string& name : {std::string("Acme \"Agents\""), std::string("Acme: Agents"),
                                  std::string("Acme #1 # not a comment"), std::string("\"a\": #b \\ c"),
                                  std::string("- yes"), std::string("Agenten für Ärzte")}) {
    Answers a;
    a.product_name = name;
    BOOST_TEST(Parsed(RenderConfig(a, {})).product_name == name);
  }
}

BOOST_AUTO_TEST_CASE(an_ipv6_listen_address_round_trips) {
  Config c = Parsed(RenderConfig(FromFile("listen: \"[::1]:9443\"\noperator: {name: admin, generate_password: true}\n"), {}));
  BOOST_TEST(c.listen_address == "::1");
  BOOST_TEST(c.listen_port == 9443);
  Config any = Parsed(RenderConfig(FromFile("listen: \"[::]:8470\"\noperator: {name: admin, generate_password: true}\n"), {}));
  BOOST_TEST(any.listen_address == "::");
}

BOOST_AUTO_TEST_CASE(the_admins_certificate_and_tenant_defaults_round_trip) {
  Answers a = FromFile(
      "tls: {cert: /etc/clawhive/tls/console.crt, key: /etc/clawhive/tls/console.key}\n"
      "operator: {name: admin, generate_password: true}\n"
      "tenant_defaults: {memory_max: 3G, memory_high: 2G, cpu_quota: 150%, tasks_max: 1024}\n"
      "branding: {primary_color: \"#aa3300\"}\n");
  Config c = Parsed(RenderConfig(a, {16 * kGiB, 8}));
  BOOST_TEST(c.tls_cert_file == "/etc/clawhive/tls/console.crt");
  BOOST_TEST(c.tls_key_file == "/etc/clawhive/tls/console.key");
  BOOST_TEST(c.default_resources.memory_max == 3 * kGiB);
  BOOST_TEST(c.default_resources.memory_high == 2 * kGiB);
  BOOST_TEST(c.default_resources.cpu_quota_percent == 150u);
  BOOST_TEST(c.default_resources.tasks_max == 1024u);
  BOOST_TEST(c.primary_color == "#aa3300");
}

BOOST_AUTO_TEST_CASE(sizes_that_are_not_whole_mib_keep_every_byte) {
  Answers a;
  a.memory_max = 1536 * kMiB + 1;
  a.memory_high = 1000000;
  Config c = Parsed(RenderConfig(a, {}));
  BOOST_TEST(c.default_resources.memory_max == 1536 * kMiB + 1);
  BOOST_TEST(c.default_resources.memory_high == 1000000u);
}

BOOST_AUTO_TEST_CASE(the_same_answers_on_the_same_host_render_the_same_text) {
  Answers a = FromFile("operator: {name: admin, generate_password: true}\nopenclaw: {runtime: openclaw-2026.9.6}\n"
                       "tenants: [{id: acme}]\n");
  BOOST_TEST(RenderConfig(a, {16 * kGiB, 8}) == RenderConfig(a, {16 * kGiB, 8}));
  BOOST_TEST(RenderConfig(a, {16 * kGiB, 8}) != RenderConfig(a, {32 * kGiB, 8}));
}

BOOST_AUTO_TEST_CASE(the_runtime_and_agent_of_the_answers_become_what_tenants_run) {
  Answers a = FromFile("operator: {name: admin, generate_password: true}\nopenclaw: {runtime: openclaw-2026.9.6}\n"
                       "tenant_defaults: {agent_exec: /opt/agent/bin/agent}\n");
  Result<Config> c = ParseConfig(RenderConfig(a, {16 * kGiB, 8}), "clawhive.yaml");
  BOOST_TEST_REQUIRE(c.ok(), (c.ok() ? "" : c.error().message));
  BOOST_TEST(c->default_runtime == "openclaw-2026.9.6");
  BOOST_TEST(c->default_agent.exec == "/opt/agent/bin/agent");
  // Neither given: the supervisor's defaults, so no test program and no image.
  Result<Config> none = ParseConfig(RenderConfig(FromFile("operator: {name: admin, generate_password: true}\n"),
                                                 {16 * kGiB, 8}), "clawhive.yaml");
  BOOST_TEST_REQUIRE(none.ok());
  BOOST_TEST(none->default_runtime.empty());
  BOOST_TEST(none->default_agent.exec.empty());
}

BOOST_AUTO_TEST_CASE(the_reserved_port_range_covers_120_ports_per_tenant_from_20000_up_to_65535) {
  BOOST_TEST(ReservedPortRange(1) == "20000-20119");
  BOOST_TEST(ReservedPortRange(0) == "20000-20119");  // at least one tenant
  BOOST_TEST(ReservedPortRange(9) == "20000-21079");
  BOOST_TEST(ReservedPortRange(379) == "20000-65479");
  BOOST_TEST(ReservedPortRange(380) == "20000-65535");
  BOOST_TEST(ReservedPortRange(100000) == "20000-65535");
}

BOOST_AUTO_TEST_SUITE_END()
