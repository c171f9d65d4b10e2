#include "supervisor/config/config.h"

#include <sys/stat.h>
#include <unistd.h>

#include <boost/test/unit_test.hpp>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <random>
#include <sstream>
#include <string>

#include "unit/temp_dir.h"
#include "unit/text_search.h"

namespace clawhive {
namespace {

const char kFile[] = "c.yaml";

std::string MessageOf(const Result<Config>& r) {
  return r.ok() ? std::string("(no error)") : r.error().message;
}

Config MustParse(const std::string& yaml) {
  Result<Config> r = ParseConfig(yaml, kFile);
  BOOST_TEST_REQUIRE(r.ok(), "unexpected error: " << MessageOf(r));
  return r.value();
}

// "c.yaml:LINE:COL: message" with numeric LINE and COL and a non-empty message.
bool Positioned(const std::string& m) {
  const std::string prefix = std::string(kFile) + ":";
  if (m.compare(0, prefix.size(), prefix) != 0) return false;
  size_t i = prefix.size();
  for (int field = 0; field < 2; ++field) {
    size_t start = i;
    while (i < m.size() && m[i] >= '0' && m[i] <= '9') ++i;
    if (i == start || i >= m.size() || m[i] != ':') return false;
    ++i;
  }
  return m.size() > i + 1 && m[i] == ' ';
}

// The error for `yaml`; also checks it is a kInvalidArgument that starts with c.yaml:LINE:COL.
std::string ErrorOf(const std::string& yaml) {
  Result<Config> r = ParseConfig(yaml, kFile);
  BOOST_TEST_REQUIRE(!r.ok(), "expected an error for:\n" << yaml);
  BOOST_TEST(static_cast<int>(r.error().code) == static_cast<int>(ErrorCode::kInvalidArgument));
  BOOST_TEST(Positioned(r.error().message), "not positioned: " << r.error().message);
  return r.error().message;
}

using testing::Contains;

void CheckDefaults(const Config& c) {
  Config d;
  BOOST_TEST(c.listen_address == "127.0.0.1");
  BOOST_TEST(c.listen_port == 8470);
  BOOST_TEST(c.state_dir == "/var/lib/clawhive");
  BOOST_TEST(c.tenants_dir == "/var/lib/clawhive-tenants");
  BOOST_TEST(c.meter_dir == "/var/lib/clawhive-meter");
  BOOST_TEST(c.unit_dir == "/etc/systemd/system");
  BOOST_TEST(c.parent_memory_max == 0u);
  BOOST_TEST(c.parent_memory_high == 0u);
  BOOST_TEST(c.parent_cpu_quota_percent == 0u);
  BOOST_TEST(c.parent_tasks_max == 0u);
  BOOST_TEST(c.default_resources.memory_high == 1024ull << 20);
  BOOST_TEST(c.default_resources.memory_max == 1536ull << 20);
  BOOST_TEST(c.default_resources.cpu_weight == 100u);
  BOOST_TEST(c.default_resources.cpu_quota_percent == 100u);
  BOOST_TEST(c.default_resources.tasks_max == 512u);
  BOOST_TEST(c.default_agent.exec.empty());  // no test agent in production: OpenClaw or an explicit exec
  BOOST_TEST(c.default_agent.args.empty());
  BOOST_TEST(c.default_agent.env.empty());
  BOOST_TEST(c.default_agent.health_path == "/healthz");
  BOOST_TEST(c.port_base == 20000);
  BOOST_TEST(c.port_step == 120);
  BOOST_TEST(c.uid_min == 300000u);
  BOOST_TEST(c.uid_max == 399999u);
  BOOST_TEST(c.immediate_restarts == d.immediate_restarts);
  BOOST_TEST(c.backoff_initial_ms == 1000u);
  BOOST_TEST(c.backoff_max_ms == 60000u);
  BOOST_TEST(c.quarantine_after == 8u);
  BOOST_TEST(c.crash_window_ms == 600000u);
  BOOST_TEST(c.probe_interval_ms == 5000u);
  BOOST_TEST(c.probe_timeout_ms == 2000u);
  BOOST_TEST(c.probe_failures == 3u);
  BOOST_TEST(c.start_timeout_ms == 30000u);
}

const char kFullFile[] = R"(# every key, none at its default
api:
  listen: 0.0.0.0:9000
paths:
  state_dir: /srv/ch/state
  tenants_dir: /srv/ch/tenants
  meter_dir: /srv/ch/meter
  unit_dir: /run/systemd/system
parent_slice:
  memory_max: 80G
  memory_high: 70G
  cpu_quota: 180%
  tasks_max: 20000
tenant_defaults:
  memory_high: 1G
  memory_max: 2G
  cpu_weight: 250
  cpu_quota: 150%
  tasks_max: 1024
  agent:
    exec: /opt/openclaw/bin/openclaw
    args: ["--x", "y", ""]
    env: { NAME: value, LOG_LEVEL: debug, EMPTY: "" }
    health_path: /health/live
  port_base: 30000
  port_step: 200
  uid_range: 500000-500999
crash_policy:
  immediate_restarts: 5
  backoff_initial: 500ms
  backoff_max: 5m
  quarantine_after: 12
  window: 1h
probe:
  interval: 10s
  timeout: 1500ms
  failures: 4
  start_timeout: 2m
)";

std::string RepoRoot() {
  std::string here = __FILE__;
  const std::string tail = "supervisor/config/config_test.cpp";
  BOOST_TEST_REQUIRE(here.size() >= tail.size());
  return here.substr(0, here.size() - tail.size());
}

// A fresh temporary directory (removed with everything in it) to write config files into.
struct TempDir : testing::TempDir {
  TempDir() : testing::TempDir("clawhive-config-test") {}
  std::string Write(const std::string& name, const std::string& content) const {
    std::string p = File(name);
    std::ofstream(p, std::ios::binary) << content;
    return p;
  }
};

}  // namespace

BOOST_AUTO_TEST_SUITE(config)

// ---- Defaults and valid files --------------------------------------------------------------------

BOOST_AUTO_TEST_CASE(an_empty_file_gives_all_defaults) { CheckDefaults(MustParse("")); }

BOOST_AUTO_TEST_CASE(a_file_with_only_comments_gives_all_defaults) {
  CheckDefaults(MustParse("# nothing here\n\n   # indented comment\n"));
}

BOOST_AUTO_TEST_CASE(a_bare_document_marker_gives_all_defaults) { CheckDefaults(MustParse("---\n...\n")); }

BOOST_AUTO_TEST_CASE(sections_whose_keys_are_all_commented_out_give_defaults) {
  CheckDefaults(MustParse("api:\n  # listen: 1.2.3.4:5\npaths:\ntenant_defaults:\n  agent:\nprobe:\n"));
}

BOOST_AUTO_TEST_CASE(a_full_file_sets_every_field) {
  Config c = MustParse(kFullFile);
  BOOST_TEST(c.listen_address == "0.0.0.0");
  BOOST_TEST(c.listen_port == 9000);
  BOOST_TEST(c.state_dir == "/srv/ch/state");
  BOOST_TEST(c.tenants_dir == "/srv/ch/tenants");
  BOOST_TEST(c.meter_dir == "/srv/ch/meter");
  BOOST_TEST(c.unit_dir == "/run/systemd/system");
  BOOST_TEST(c.parent_memory_max == 80ull << 30);
  BOOST_TEST(c.parent_memory_high == 70ull << 30);
  BOOST_TEST(c.parent_cpu_quota_percent == 180u);
  BOOST_TEST(c.parent_tasks_max == 20000u);
  BOOST_TEST(c.default_resources.memory_high == 1ull << 30);
  BOOST_TEST(c.default_resources.memory_max == 2ull << 30);
  BOOST_TEST(c.default_resources.cpu_weight == 250u);
  BOOST_TEST(c.default_resources.cpu_quota_percent == 150u);
  BOOST_TEST(c.default_resources.tasks_max == 1024u);
  BOOST_TEST(c.default_agent.exec == "/opt/openclaw/bin/openclaw");
  BOOST_TEST((c.default_agent.args == std::vector<std::string>{"--x", "y", ""}));
  BOOST_TEST_REQUIRE(c.default_agent.env.size() == 3u);
  BOOST_TEST(c.default_agent.env[0].first == "NAME");
  BOOST_TEST(c.default_agent.env[0].second == "value");
  BOOST_TEST(c.default_agent.env[1].first == "LOG_LEVEL");
  BOOST_TEST(c.default_agent.env[2].first == "EMPTY");
  BOOST_TEST(c.default_agent.env[2].second == "");
  BOOST_TEST(c.default_agent.health_path == "/health/live");
  BOOST_TEST(c.port_base == 30000);
  BOOST_TEST(c.port_step == 200);
  BOOST_TEST(c.uid_min == 500000u);
  BOOST_TEST(c.uid_max == 500999u);
  BOOST_TEST(c.immediate_restarts == 5u);
  BOOST_TEST(c.backoff_initial_ms == 500u);
  BOOST_TEST(c.backoff_max_ms == 300000u);
  BOOST_TEST(c.quarantine_after == 12u);
  BOOST_TEST(c.crash_window_ms == 3600000u);
  BOOST_TEST(c.probe_interval_ms == 10000u);
  BOOST_TEST(c.probe_timeout_ms == 1500u);
  BOOST_TEST(c.probe_failures == 4u);
  BOOST_TEST(c.start_timeout_ms == 120000u);
}

BOOST_AUTO_TEST_CASE(the_shipped_config_file_equals_the_built_in_defaults) {
  Result<Config> r = LoadConfig(RepoRoot() + "units/clawhive.yaml");
  BOOST_TEST_REQUIRE(r.ok(), MessageOf(r));
  CheckDefaults(r.value());
}

BOOST_AUTO_TEST_CASE(an_ipv6_listen_address_is_written_in_brackets_and_stored_without_them) {
  Config c = MustParse("api:\n  listen: \"[::1]:8471\"\n");
  BOOST_TEST(c.listen_address == "::1");
  BOOST_TEST(c.listen_port == 8471);
}

BOOST_AUTO_TEST_CASE(a_listen_host_may_be_a_name) {
  Config c = MustParse("api: {listen: localhost:65535}");
  BOOST_TEST(c.listen_address == "localhost");
  BOOST_TEST(c.listen_port == 65535);
}

BOOST_AUTO_TEST_CASE(infinity_lifts_a_limit) {
  Config c = MustParse(
      "parent_slice: {memory_max: infinity, memory_high: infinity, cpu_quota: infinity, tasks_max: infinity}\n"
      "tenant_defaults: {memory_high: infinity, memory_max: infinity, cpu_quota: infinity, tasks_max: "
      "infinity}\n");
  BOOST_TEST(c.parent_memory_max == 0u);
  BOOST_TEST(c.parent_cpu_quota_percent == 0u);
  BOOST_TEST(c.default_resources.memory_high == 0u);
  BOOST_TEST(c.default_resources.memory_max == 0u);
  BOOST_TEST(c.default_resources.cpu_quota_percent == 0u);
  BOOST_TEST(c.default_resources.tasks_max == 0u);
}

BOOST_AUTO_TEST_CASE(memory_high_may_be_set_when_memory_max_is_infinity) {
  Config c = MustParse("tenant_defaults:\n  memory_max: infinity\n  memory_high: 8G\n");
  BOOST_TEST(c.default_resources.memory_high == 8ull << 30);
}

BOOST_AUTO_TEST_CASE(quoted_numbers_are_accepted) {
  Config c = MustParse("tenant_defaults:\n  tasks_max: \"64\"\n  port_step: '130'\n");
  BOOST_TEST(c.default_resources.tasks_max == 64u);
  BOOST_TEST(c.port_step == 130);
}

BOOST_AUTO_TEST_CASE(aliases_of_scalars_are_resolved) {
  Config c = MustParse("tenant_defaults:\n  memory_high: &m 2G\n  memory_max: *m\n");
  BOOST_TEST(c.default_resources.memory_high == 2ull << 30);
  BOOST_TEST(c.default_resources.memory_max == 2ull << 30);
}

BOOST_AUTO_TEST_CASE(tabs_between_tokens_and_windows_line_ends_are_fine) {
  Config c = MustParse("probe:\r\n  interval:\t7s\t# comment\r\n");
  BOOST_TEST(c.probe_interval_ms == 7000u);
}

BOOST_AUTO_TEST_CASE(utf8_text_in_values_is_kept) {
  Config c = MustParse("tenant_defaults:\n  agent:\n    args: [\"grüße\", \"日本\"]\n");
  BOOST_TEST((c.default_agent.args == std::vector<std::string>{"grüße", "日本"}));
}

// ---- Keys ----------------------------------------------------------------------------------------

BOOST_AUTO_TEST_CASE(unknown_key_is_rejected_with_its_position) {
  BOOST_TEST(ErrorOf("tenant_defaults:\n  cpu_weight: 5\n  foo: 1\n") ==
             "c.yaml:3:3: unknown key 'foo' in tenant_defaults");
}

BOOST_AUTO_TEST_CASE(unknown_key_close_to_a_known_one_gets_a_suggestion) {
  BOOST_TEST(ErrorOf("tenant_defaults:\n  memroy_max: 1G\n") ==
             "c.yaml:2:3: unknown key 'memroy_max' in tenant_defaults; did you mean 'memory_max'?");
  BOOST_TEST(ErrorOf("probe:\n    timout: 1s\n") ==
             "c.yaml:2:5: unknown key 'timout' in probe; did you mean 'timeout'?");
}

BOOST_AUTO_TEST_CASE(unknown_top_level_key_is_rejected) {
  BOOST_TEST(ErrorOf("api: {}\nprobes:\n  interval: 1s\n") ==
             "c.yaml:2:1: unknown key 'probes' at top level; did you mean 'probe'?");
}

BOOST_AUTO_TEST_CASE(unknown_key_in_the_agent_section_names_the_nested_section) {
  BOOST_TEST(ErrorOf("tenant_defaults:\n  agent:\n    command: /bin/x\n") ==
             "c.yaml:3:5: unknown key 'command' in tenant_defaults.agent");
}

BOOST_AUTO_TEST_CASE(a_key_far_from_every_known_key_gets_no_suggestion) {
  BOOST_TEST(ErrorOf("paths:\n  banana: /x\n") == "c.yaml:2:3: unknown key 'banana' in paths");
}

BOOST_AUTO_TEST_CASE(a_duplicate_key_is_rejected_at_its_second_occurrence) {
  BOOST_TEST(ErrorOf("probe:\n  interval: 5s\n  failures: 2\n  interval: 6s\n") ==
             "c.yaml:4:3: duplicate key 'interval' in probe (first at line 2)");
}

BOOST_AUTO_TEST_CASE(a_duplicate_section_is_rejected) {
  BOOST_TEST(ErrorOf("api: {}\npaths: {}\napi: {}\n") ==
             "c.yaml:3:1: duplicate key 'api' in the config (first at line 1)");
}

BOOST_AUTO_TEST_CASE(a_duplicate_environment_variable_is_rejected) {
  BOOST_TEST(ErrorOf("tenant_defaults:\n  agent:\n    env:\n      A: 1\n      A: 2\n") ==
             "c.yaml:5:7: duplicate key 'A' in tenant_defaults.agent.env (first at line 4)");
}

BOOST_AUTO_TEST_CASE(a_key_that_is_not_a_string_is_rejected) {
  BOOST_TEST(ErrorOf("? [a, b]\n: 1\n") == "c.yaml:1:3: expected a key name in the config, got a list");
  BOOST_TEST(ErrorOf("api:\n  \"\": 1\n") == "c.yaml:2:3: expected a key name in api, got an empty key");
}

BOOST_AUTO_TEST_CASE(a_merge_key_is_just_an_unknown_key) {
  BOOST_TEST(ErrorOf("probe:\n  <<: {interval: 1s}\n") == "c.yaml:2:3: unknown key '<<' in probe");
}

// ---- Types and empty values ----------------------------------------------------------------------

BOOST_AUTO_TEST_CASE(a_map_where_a_value_is_expected_is_rejected) {
  BOOST_TEST(
      ErrorOf("tenant_defaults:\n  memory_max: {a: 1}\n") ==
      "c.yaml:2:15: tenant_defaults.memory_max: expected a size such as 512M or 2G, or infinity, got a map");
}

BOOST_AUTO_TEST_CASE(a_list_where_a_value_is_expected_is_rejected) {
  BOOST_TEST(ErrorOf("probe:\n  failures:\n    - 1\n    - 2\n") ==
             "c.yaml:3:5: probe.failures: expected a whole number, got a list");
}

BOOST_AUTO_TEST_CASE(a_value_where_a_section_is_expected_is_rejected) {
  BOOST_TEST(ErrorOf("api: 127.0.0.1:8470\n") ==
             "c.yaml:1:6: api: expected a map of settings, got a single value");
  BOOST_TEST(ErrorOf("tenant_defaults:\n  agent: [a]\n") ==
             "c.yaml:2:10: tenant_defaults.agent: expected a map of settings, got a list");
}

BOOST_AUTO_TEST_CASE(a_top_level_that_is_not_a_map_is_rejected) {
  BOOST_TEST(ErrorOf("- api\n- probe\n") ==
             "c.yaml:1:1: the config must be a map of sections such as 'api:' and 'paths:', got a list");
  BOOST_TEST(
      ErrorOf("just words\n") ==
      "c.yaml:1:1: the config must be a map of sections such as 'api:' and 'paths:', got a single value");
}

BOOST_AUTO_TEST_CASE(an_empty_value_is_rejected_at_its_key) {
  BOOST_TEST(
      ErrorOf("tenant_defaults:\n  memory_max:\n  cpu_weight: 5\n") ==
      "c.yaml:2:3: tenant_defaults.memory_max: empty value; expected a size such as 512M or 2G, or infinity");
  BOOST_TEST(ErrorOf("paths:\n  state_dir: ~\n") ==
             "c.yaml:2:3: paths.state_dir: empty value; expected an absolute path");
  BOOST_TEST(ErrorOf("paths:\n  state_dir: \"\"\n") ==
             "c.yaml:2:14: paths.state_dir: empty value; expected an absolute path");
}

BOOST_AUTO_TEST_CASE(empty_args_and_env_must_be_written_as_empty_collections) {
  BOOST_TEST(
      ErrorOf("tenant_defaults:\n  agent:\n    args:\n") ==
      "c.yaml:3:5: tenant_defaults.agent.args: empty value; expected a list of strings (use [] for none)");
  BOOST_TEST(
      ErrorOf("tenant_defaults:\n  agent:\n    env:\n") ==
      "c.yaml:3:5: tenant_defaults.agent.env: empty value; expected a map of NAME: value (use {} for none)");
  Config c = MustParse("tenant_defaults:\n  agent:\n    args: []\n    env: {}\n");
  BOOST_TEST(c.default_agent.args.empty());
}

BOOST_AUTO_TEST_CASE(args_must_be_a_list_of_strings) {
  BOOST_TEST(ErrorOf("tenant_defaults:\n  agent:\n    args: --verbose\n") ==
             "c.yaml:3:11: tenant_defaults.agent.args: expected a list of strings, got a single value");
  BOOST_TEST(ErrorOf("tenant_defaults:\n  agent:\n    args: [a, {b: 1}]\n") ==
             "c.yaml:3:15: tenant_defaults.agent.args[1]: expected a string (quote \"\" for an empty "
             "argument), got a map");
  BOOST_TEST(ErrorOf("tenant_defaults:\n  agent:\n    args:\n      - a\n      -\n") ==
             "c.yaml:4:7: tenant_defaults.agent.args[1]: empty value; expected a string (quote \"\" for an "
             "empty argument)");
}

BOOST_AUTO_TEST_CASE(env_must_map_valid_names_to_strings) {
  BOOST_TEST(ErrorOf("tenant_defaults:\n  agent:\n    env: [A=1]\n") ==
             "c.yaml:3:10: tenant_defaults.agent.env: expected a map of NAME: value, got a list");
  BOOST_TEST(
      ErrorOf("tenant_defaults:\n  agent:\n    env: {lower: 1}\n") ==
      "c.yaml:3:11: tenant_defaults.agent.env: 'lower' is not a valid variable name; use upper-case letters, "
      "digits and '_', not starting with a digit");
  BOOST_TEST(
      Contains(ErrorOf("tenant_defaults: {agent: {env: {1X: a}}}"), "'1X' is not a valid variable name"));
  BOOST_TEST(
      Contains(ErrorOf("tenant_defaults: {agent: {env: {A-B: a}}}"), "'A-B' is not a valid variable name"));
  BOOST_TEST(ErrorOf("tenant_defaults:\n  agent:\n    env: {A: [1]}\n") ==
             "c.yaml:3:14: tenant_defaults.agent.env.A: expected a string (quote \"\" for an empty value), got "
             "a list");
}

// ---- Numbers and quantities ----------------------------------------------------------------------

BOOST_AUTO_TEST_CASE(a_size_that_does_not_parse_says_what_was_expected) {
  BOOST_TEST(ErrorOf("tenant_defaults:\n  memory_max: lots\n") ==
             "c.yaml:2:15: tenant_defaults.memory_max: expected a size such as 512M or 2G");
  BOOST_TEST(ErrorOf("tenant_defaults:\n  memory_max: 12X\n") ==
             "c.yaml:2:15: tenant_defaults.memory_max: unknown size suffix; use K, M, G or T");
}

BOOST_AUTO_TEST_CASE(negative_numbers_are_rejected) {
  BOOST_TEST(ErrorOf("tenant_defaults:\n  memory_max: -1G\n") ==
             "c.yaml:2:15: tenant_defaults.memory_max: must not be negative");
  BOOST_TEST(ErrorOf("tenant_defaults:\n  tasks_max: -5\n") ==
             "c.yaml:2:14: tenant_defaults.tasks_max: must not be negative");
  BOOST_TEST(ErrorOf("probe:\n  interval: -5s\n") == "c.yaml:2:13: probe.interval: must not be negative");
  BOOST_TEST(ErrorOf("parent_slice:\n  cpu_quota: -50%\n") ==
             "c.yaml:2:14: parent_slice.cpu_quota: must not be negative");
  BOOST_TEST(ErrorOf("crash_policy:\n  immediate_restarts: -1\n") ==
             "c.yaml:2:23: crash_policy.immediate_restarts: must not be negative");
}

BOOST_AUTO_TEST_CASE(integers_must_be_plain_decimal_integers) {
  BOOST_TEST(ErrorOf("probe:\n  failures: 12abc\n") ==
             "c.yaml:2:13: probe.failures: expected a whole number, got '12abc'");
  BOOST_TEST(ErrorOf("probe:\n  failures: 1e3\n") ==
             "c.yaml:2:13: probe.failures: expected a whole number, got '1e3'");
  BOOST_TEST(ErrorOf("probe:\n  failures: 0x10\n") ==
             "c.yaml:2:13: probe.failures: expected a whole number, got '0x10'");
  BOOST_TEST(ErrorOf("probe:\n  failures: 2.5\n") ==
             "c.yaml:2:13: probe.failures: expected a whole number, got '2.5'");
  BOOST_TEST(ErrorOf("probe:\n  failures: true\n") ==
             "c.yaml:2:13: probe.failures: expected a whole number, got 'true'");
  BOOST_TEST(ErrorOf("probe:\n  failures: 010\n") ==
             "c.yaml:2:13: probe.failures: leading zeros are not allowed in '010'");
}

BOOST_AUTO_TEST_CASE(integers_that_overflow_are_rejected) {
  BOOST_TEST(ErrorOf("probe:\n  failures: 4294967296\n") ==
             "c.yaml:2:13: probe.failures: must be at most 4294967295");
  BOOST_TEST(ErrorOf("parent_slice:\n  tasks_max: 99999999999999999999999\n") ==
             "c.yaml:2:14: parent_slice.tasks_max: is too large");
  BOOST_TEST(Contains(ErrorOf("tenant_defaults:\n  memory_max: 99999999999T\n"),
                      "tenant_defaults.memory_max: size is too large"));
}

BOOST_AUTO_TEST_CASE(ports_outside_1_to_65535_are_rejected) {
  BOOST_TEST(ErrorOf("tenant_defaults:\n  port_base: 0\n") ==
             "c.yaml:2:14: tenant_defaults.port_base: must be between 1 and 65535");
  BOOST_TEST(ErrorOf("tenant_defaults:\n  port_base: 65536\n") ==
             "c.yaml:2:14: tenant_defaults.port_base: must be between 1 and 65535");
  BOOST_TEST(ErrorOf("api:\n  listen: 127.0.0.1:0\n") ==
             "c.yaml:2:11: api.listen: port must be a whole number between 1 and 65535, got '0'");
  BOOST_TEST(ErrorOf("api:\n  listen: 127.0.0.1:65536\n") ==
             "c.yaml:2:11: api.listen: port must be a whole number between 1 and 65535, got '65536'");
  BOOST_TEST(ErrorOf("api:\n  listen: 127.0.0.1:http\n") ==
             "c.yaml:2:11: api.listen: port must be a whole number between 1 and 65535, got 'http'");
}

BOOST_AUTO_TEST_CASE(a_port_step_of_zero_is_rejected) {
  BOOST_TEST(ErrorOf("tenant_defaults:\n  port_step: 0\n") ==
             "c.yaml:2:14: tenant_defaults.port_step: must be between 1 and 65535");
}

BOOST_AUTO_TEST_CASE(cpu_weight_outside_1_to_10000_is_rejected) {
  BOOST_TEST(ErrorOf("tenant_defaults:\n  cpu_weight: 0\n") ==
             "c.yaml:2:15: tenant_defaults.cpu_weight: must be between 1 and 10000");
  BOOST_TEST(ErrorOf("tenant_defaults:\n  cpu_weight: 10001\n") ==
             "c.yaml:2:15: tenant_defaults.cpu_weight: must be between 1 and 10000");
  BOOST_TEST(MustParse("tenant_defaults: {cpu_weight: 10000}").default_resources.cpu_weight == 10000u);
}

BOOST_AUTO_TEST_CASE(zero_limits_are_rejected_in_favour_of_infinity) {
  BOOST_TEST(ErrorOf("tenant_defaults:\n  memory_max: 0\n") ==
             "c.yaml:2:15: tenant_defaults.memory_max: must be greater than 0; use infinity for no limit");
  BOOST_TEST(ErrorOf("parent_slice:\n  cpu_quota: 0%\n") ==
             "c.yaml:2:14: parent_slice.cpu_quota: must be at least 1%; use infinity for no limit");
  BOOST_TEST(ErrorOf("tenant_defaults:\n  tasks_max: 0\n") ==
             "c.yaml:2:14: tenant_defaults.tasks_max: must be at least 1, or infinity");
  BOOST_TEST(ErrorOf("probe:\n  failures: 0\n") == "c.yaml:2:13: probe.failures: must be at least 1");
}

BOOST_AUTO_TEST_CASE(zero_and_malformed_durations_are_rejected) {
  BOOST_TEST(ErrorOf("crash_policy:\n  window: 0s\n") ==
             "c.yaml:2:11: crash_policy.window: must be at least 1ms");
  BOOST_TEST(ErrorOf("crash_policy:\n  window: 5 days\n") ==
             "c.yaml:2:11: crash_policy.window: unknown duration unit; use ms, s, m or h");
  BOOST_TEST(ErrorOf("crash_policy:\n  window: soon\n") ==
             "c.yaml:2:11: crash_policy.window: expected a duration such as 500ms, 5s or 2m");
}

BOOST_AUTO_TEST_CASE(immediate_restarts_may_be_zero) {
  BOOST_TEST(MustParse("crash_policy: {immediate_restarts: 0}").immediate_restarts == 0u);
}

// ---- Cross-field rules ---------------------------------------------------------------------------

BOOST_AUTO_TEST_CASE(memory_high_above_memory_max_is_rejected_at_memory_high) {
  BOOST_TEST(ErrorOf("tenant_defaults:\n  memory_max: 1G\n  memory_high: 2G\n") ==
             "c.yaml:3:16: tenant_defaults.memory_high (2G) must be at most tenant_defaults.memory_max (1G)");
  BOOST_TEST(ErrorOf("parent_slice:\n  memory_high: 70G\n  memory_max: 60G\n") ==
             "c.yaml:2:16: parent_slice.memory_high (70G) must be at most parent_slice.memory_max (60G)");
}

BOOST_AUTO_TEST_CASE(memory_max_below_the_default_memory_high_is_rejected_at_memory_max) {
  BOOST_TEST(ErrorOf("tenant_defaults:\n  memory_max: 512M\n") ==
             "c.yaml:2:15: tenant_defaults.memory_high (1G, the default) must be at most "
             "tenant_defaults.memory_max (512M)");
}

BOOST_AUTO_TEST_CASE(backoff_initial_above_backoff_max_is_rejected) {
  BOOST_TEST(ErrorOf("crash_policy:\n  backoff_initial: 2m\n  backoff_max: 90s\n") ==
             "c.yaml:2:20: crash_policy.backoff_initial (2m) must be at most crash_policy.backoff_max (90s)");
  BOOST_TEST(MustParse("crash_policy: {backoff_initial: 1m, backoff_max: 60s}").backoff_max_ms == 60000u);
}

BOOST_AUTO_TEST_CASE(a_probe_timeout_not_below_the_interval_is_rejected) {
  BOOST_TEST(ErrorOf("probe:\n  interval: 2s\n  timeout: 2000ms\n") ==
             "c.yaml:3:12: probe.timeout (2s) must be less than probe.interval (2s)");
  BOOST_TEST(ErrorOf("probe:\n  interval: 1s\n") ==
             "c.yaml:2:13: probe.timeout (2s, the default) must be less than probe.interval (1s)");
}

// ---- Strings: paths, listen, uid range -----------------------------------------------------------

BOOST_AUTO_TEST_CASE(relative_paths_are_rejected) {
  BOOST_TEST(ErrorOf("paths:\n  state_dir: var/lib/x\n") ==
             "c.yaml:2:14: paths.state_dir: must be an absolute path, got 'var/lib/x'");
  BOOST_TEST(ErrorOf("paths:\n  meter_dir: meter\n") ==
             "c.yaml:2:14: paths.meter_dir: must be an absolute path, got 'meter'");
  BOOST_TEST(ErrorOf("tenant_defaults:\n  agent:\n    exec: ./agent\n") ==
             "c.yaml:3:11: tenant_defaults.agent.exec: must be an absolute path or \"\", got './agent'");
}

BOOST_AUTO_TEST_CASE(a_health_path_must_start_with_a_slash) {
  BOOST_TEST(ErrorOf("tenant_defaults:\n  agent:\n    health_path: healthz\n") ==
             "c.yaml:3:18: tenant_defaults.agent.health_path: must start with '/', got 'healthz'");
  BOOST_TEST(ErrorOf("tenant_defaults:\n  agent:\n    health_path: /a b\n") ==
             "c.yaml:3:18: tenant_defaults.agent.health_path: must not contain spaces");
}

BOOST_AUTO_TEST_CASE(a_listen_address_without_a_port_is_rejected) {
  BOOST_TEST(ErrorOf("api:\n  listen: 127.0.0.1\n") ==
             "c.yaml:2:11: api.listen: missing port; expected host:port such as 127.0.0.1:8470 or [::1]:8470");
  BOOST_TEST(ErrorOf("api:\n  listen: \"127.0.0.1:\"\n") ==
             "c.yaml:2:11: api.listen: missing port; expected host:port such as 127.0.0.1:8470 or [::1]:8470");
  BOOST_TEST(ErrorOf("api:\n  listen: 8470\n") ==
             "c.yaml:2:11: api.listen: missing port; expected host:port such as 127.0.0.1:8470 or [::1]:8470");
  BOOST_TEST(ErrorOf("api:\n  listen: \"[::1]\"\n") ==
             "c.yaml:2:11: api.listen: missing port; expected host:port such as 127.0.0.1:8470 or [::1]:8470");
}

BOOST_AUTO_TEST_CASE(malformed_listen_hosts_are_rejected) {
  BOOST_TEST(ErrorOf("api:\n  listen: \"::1:8470\"\n") ==
             "c.yaml:2:11: api.listen: IPv6 addresses must be in brackets; expected host:port such as "
             "127.0.0.1:8470 or [::1]:8470");
  BOOST_TEST(ErrorOf("api:\n  listen: \":8470\"\n") ==
             "c.yaml:2:11: api.listen: missing host; expected host:port such as 127.0.0.1:8470 or [::1]:8470");
  BOOST_TEST(Contains(ErrorOf("api:\n  listen: 300.1.1.1:80\n"), "'300.1.1.1' is not an IPv4 address"));
  BOOST_TEST(Contains(ErrorOf("api:\n  listen: \"[zz]:80\"\n"), "'zz' is not an IPv6 address"));
  BOOST_TEST(Contains(ErrorOf("api:\n  listen: \"a b:80\"\n"), "'a b' is not a host name or address"));
}

BOOST_AUTO_TEST_CASE(an_unquoted_ipv6_listen_address_gets_a_hint) {
  BOOST_TEST(ErrorOf("api:\n  listen: [::1]\n") ==
             "c.yaml:2:11: api.listen: expected host:port such as 127.0.0.1:8470 or [::1]:8470, got a list; "
             "quote IPv6 addresses: \"[::1]:8470\"");
}

BOOST_AUTO_TEST_CASE(a_reversed_uid_range_is_rejected) {
  BOOST_TEST(ErrorOf("tenant_defaults:\n  uid_range: 400000-300000\n") ==
             "c.yaml:2:14: tenant_defaults.uid_range: the range is reversed (400000 > 300000)");
}

BOOST_AUTO_TEST_CASE(a_uid_range_reaching_below_1000_is_rejected) {
  BOOST_TEST(
      ErrorOf("tenant_defaults:\n  uid_range: 999-2000\n") ==
      "c.yaml:2:14: tenant_defaults.uid_range: must start at 1000 or above; lower uids belong to the system");
  BOOST_TEST(MustParse("tenant_defaults: {uid_range: 1000-1000}").uid_max == 1000u);
}

BOOST_AUTO_TEST_CASE(malformed_uid_ranges_are_rejected) {
  BOOST_TEST(
      ErrorOf("tenant_defaults:\n  uid_range: 300000\n") ==
      "c.yaml:2:14: tenant_defaults.uid_range: expected a uid range such as 300000-399999, got '300000'");
  BOOST_TEST(Contains(ErrorOf("tenant_defaults: {uid_range: -5-10}"), "expected a uid range"));
  BOOST_TEST(Contains(ErrorOf("tenant_defaults: {uid_range: 1000-2000-3000}"), "expected a uid range"));
  BOOST_TEST(
      Contains(ErrorOf("tenant_defaults: {uid_range: 1000-4294967295}"), "must end at 4294967294 or below"));
}

BOOST_AUTO_TEST_CASE(control_characters_in_values_are_rejected) {
  BOOST_TEST(ErrorOf("tenant_defaults:\n  agent:\n    args: [\"a\\nb\"]\n") ==
             "c.yaml:3:12: tenant_defaults.agent.args[0]: must not contain control characters");
  BOOST_TEST(ErrorOf("paths:\n  state_dir: \"/x\\0y\"\n") ==
             "c.yaml:2:14: paths.state_dir: must not contain control characters");
}

// ---- YAML-level errors ---------------------------------------------------------------------------

BOOST_AUTO_TEST_CASE(a_yaml_syntax_error_has_a_position) {
  BOOST_TEST(ErrorOf("probe:\n  interval: 1s\n failures: 2\n") == "c.yaml:3:2: end of map not found");
  BOOST_TEST(ErrorOf("api:\n  listen: x: y\n") == "c.yaml:2:12: illegal map value");
  BOOST_TEST(ErrorOf("probe: }\n") == "c.yaml:1:8: illegal flow end");
  BOOST_TEST(ErrorOf("probe: {interval: 1s\n") == "c.yaml:2:1: end of map flow not found");
}

BOOST_AUTO_TEST_CASE(tab_indentation_is_a_syntax_error_with_a_position) {
  BOOST_TEST(ErrorOf("paths:\n\tstate_dir: /x\n") == "c.yaml:2:11: illegal map value");
}

BOOST_AUTO_TEST_CASE(an_undefined_alias_is_rejected) {
  BOOST_TEST(ErrorOf("probe:\n  interval: *nowhere\n") == "c.yaml:2:13: the referenced anchor is not defined");
}

BOOST_AUTO_TEST_CASE(a_second_document_is_rejected) {
  BOOST_TEST(ErrorOf("api: {}\n---\nprobe: {}\n") == "c.yaml:2:1: only one YAML document is allowed");
}

// ---- Hostile input -------------------------------------------------------------------------------

BOOST_AUTO_TEST_CASE(binary_garbage_is_rejected_with_a_position) {
  std::string garbage("api:\n  listen: \x01\x02\x00\xff", 18);
  BOOST_TEST(ErrorOf(garbage) ==
             "c.yaml:2:11: control character 0x01 is not allowed; the config must be UTF-8 text");
  std::mt19937 rng(42);
  for (int i = 0; i < 50; ++i) {
    std::string bytes(1000, '\0');
    for (char& ch : bytes) ch = static_cast<char>(rng() & 0xff);
    Result<Config> r = ParseConfig(bytes, kFile);
    BOOST_TEST(!r.ok());
  }
}

BOOST_AUTO_TEST_CASE(invalid_utf8_is_rejected_with_a_position) {
  BOOST_TEST(ErrorOf("paths:\n  state_dir: /caf\xc3\x28\n") ==
             "c.yaml:2:18: invalid UTF-8; the config must be UTF-8 text");
  BOOST_TEST(ErrorOf("# \xff\n") == "c.yaml:1:3: invalid UTF-8; the config must be UTF-8 text");
  BOOST_TEST(ErrorOf("a: \xed\xa0\x80\n") ==
             "c.yaml:1:4: invalid UTF-8; the config must be UTF-8 text");  // surrogate
  BOOST_TEST(ErrorOf("a: \xc0\xaf\n") ==
             "c.yaml:1:4: invalid UTF-8; the config must be UTF-8 text");  // overlong
  BOOST_TEST(ErrorOf("a: \xe2\x82") ==
             "c.yaml:1:4: invalid UTF-8; the config must be UTF-8 text");  // truncated
}

BOOST_AUTO_TEST_CASE(utf16_text_is_rejected) {
  std::string utf16(
      "\xff\xfe"
      "a\0:\0 \0"
      "1\0",
      10);
  BOOST_TEST(Contains(ErrorOf(utf16), "the config must be UTF-8 text"));
}

BOOST_AUTO_TEST_CASE(ten_thousand_nested_flow_lists_are_refused_without_recursing) {
  std::string balanced = std::string(10000, '[') + std::string(10000, ']');
  BOOST_TEST(ErrorOf(balanced) == "c.yaml:1:65: nesting is too deep (the limit is 64 levels)");
  // Unterminated: yaml-cpp reads each '[' as a possible map key too, so the limit is hit halfway.
  BOOST_TEST(Contains(ErrorOf(std::string(10000, '[')), "nesting is too deep"));
  std::string maps;
  for (int i = 0; i < 10000; ++i) maps += "{a: ";
  BOOST_TEST(Contains(ErrorOf(maps), "nesting is too deep"));
}

BOOST_AUTO_TEST_CASE(deeply_nested_block_maps_are_refused) {
  std::string text;
  for (int i = 0; i < 200; ++i) text += std::string(2 * i, ' ') + "k:\n";
  BOOST_TEST(ErrorOf(text) == "c.yaml:65:129: nesting is too deep (the limit is 64 levels)");
}

BOOST_AUTO_TEST_CASE(a_text_over_one_mebibyte_is_refused_before_parsing) {
  std::string big = "# " + std::string(2 << 20, 'x') + "\n";
  Result<Config> r = ParseConfig(big, kFile);
  BOOST_TEST_REQUIRE(!r.ok());
  BOOST_TEST(static_cast<int>(r.error().code) == static_cast<int>(ErrorCode::kTooLarge));
  BOOST_TEST(r.error().message ==
             "c.yaml: the config is " + std::to_string(big.size()) + " bytes; the limit is 1 MiB");
}

BOOST_AUTO_TEST_CASE(a_file_with_too_many_nodes_is_refused) {
  std::string list = "tenant_defaults:\n  agent:\n    args: [a";
  for (int i = 0; i < 150000; ++i) list += ",a";
  list += "]\n";
  BOOST_TEST_REQUIRE(list.size() < (1u << 20));
  BOOST_TEST(Contains(ErrorOf(list), "too many YAML nodes (the limit is 100000)"));
}

BOOST_AUTO_TEST_CASE(a_billion_laughs_alias_bomb_is_rejected_without_expanding) {
  std::string bomb = "a: &a [\"lol\",\"lol\",\"lol\",\"lol\",\"lol\",\"lol\",\"lol\",\"lol\",\"lol\"]\n";
  for (char c = 'b'; c <= 'i'; ++c) {
    std::string prev(1, static_cast<char>(c - 1));
    bomb += std::string(1, c) + ": &" + c + " [";
    for (int k = 0; k < 9; ++k) bomb += (k ? ",*" : "*") + prev;
    bomb += "]\n";
  }
  BOOST_TEST(ErrorOf(bomb) == "c.yaml:1:1: unknown key 'a' at top level; did you mean 'api'?");
  // The same bomb where a value is read: the first element is already the wrong type.
  std::string nested = "tenant_defaults:\n  agent:\n    args: [&a [lol, lol, lol]";
  for (char c = 'b'; c <= 'i'; ++c) {
    std::string prev(1, static_cast<char>(c - 1));
    nested += std::string(", &") + c + " [*" + prev + ", *" + prev + ", *" + prev + ", *" + prev + "]";
  }
  nested += "]\n";
  BOOST_TEST(Contains(ErrorOf(nested), "tenant_defaults.agent.args[0]: expected a string"));
}

BOOST_AUTO_TEST_CASE(a_self_referencing_alias_is_rejected) {
  BOOST_TEST(Contains(ErrorOf("tenant_defaults:\n  agent:\n    args: &a [*a]\n"),
                      "c.yaml:3:11: tenant_defaults.agent.args[0]: expected a string"));
  BOOST_TEST(
      Contains(ErrorOf("tenant_defaults: &t {agent: *t}\n"), "unknown key 'agent' in tenant_defaults.agent"));
}

BOOST_AUTO_TEST_CASE(long_tokens_are_cut_short_in_messages) {
  std::string key(1000, 'k');  // YAML caps implicit keys at 1024 characters
  std::string message = ErrorOf("api:\n  " + key + ": 1\n");
  BOOST_TEST(message == "c.yaml:2:3: unknown key '" + std::string(40, 'k') + "...' in api");
  message = ErrorOf("paths:\n  state_dir: " + std::string(500000, 'v') + "\n");
  BOOST_TEST(message ==
             "c.yaml:2:14: paths.state_dir: must be an absolute path, got '" + std::string(40, 'v') + "...'");
}

BOOST_AUTO_TEST_CASE(an_overlong_implicit_key_is_a_syntax_error) {
  BOOST_TEST(ErrorOf("api:\n  " + std::string(100000, 'k') + ": 1\n") == "c.yaml:2:100003: illegal map value");
}

BOOST_AUTO_TEST_CASE(control_characters_in_a_quoted_key_are_escaped_in_the_message) {
  BOOST_TEST(ErrorOf("api:\n  \"a\\x01b\": 1\n") == "c.yaml:2:3: unknown key 'a\\x01b' in api");
}

BOOST_AUTO_TEST_CASE(mutated_files_never_throw_and_every_error_is_positioned) {
  std::mt19937 rng(7);
  const std::string base = kFullFile;
  const char alphabet[] = "[]{}:,-&*!|>'\"#%@`?\n\t 0aZ\\";
  int ok = 0;
  for (int i = 0; i < 2000; ++i) {
    std::string s = base;
    int edits = 1 + static_cast<int>(rng() % 4);
    for (int e = 0; e < edits; ++e) {
      size_t at = rng() % s.size();
      char ch = alphabet[rng() % (sizeof alphabet - 1)];
      switch (rng() % 3) {
        case 0:
          s[at] = ch;
          break;
        case 1:
          s.insert(at, 1, ch);
          break;
        default:
          s.erase(at, 1);
          break;
      }
    }
    Result<Config> r = Error::Internal("not run");
    BOOST_CHECK_NO_THROW(r = ParseConfig(s, kFile));
    if (r.ok()) {
      ++ok;
      continue;
    }
    BOOST_TEST(static_cast<int>(r.error().code) == static_cast<int>(ErrorCode::kInvalidArgument));
    if (!Positioned(r.error().message))
      BOOST_ERROR("unpositioned error " << r.error().message << " for:\n" << s);
  }
  BOOST_TEST_MESSAGE(ok << " of 2000 mutated files still parsed");
}

// ---- LoadConfig ----------------------------------------------------------------------------------

BOOST_AUTO_TEST_CASE(loading_a_file_reports_errors_against_its_path) {
  TempDir dir;
  std::string path = dir.Write("clawhive.yaml", "api:\n  listen: nowhere\n");
  Result<Config> r = LoadConfig(path);
  BOOST_TEST_REQUIRE(!r.ok());
  BOOST_TEST(r.error().message ==
             path + ":2:11: api.listen: missing port; expected host:port such as 127.0.0.1:8470 or [::1]:8470");
  path = dir.Write("ok.yaml", kFullFile);
  Result<Config> good = LoadConfig(path);
  BOOST_TEST_REQUIRE(good.ok(), MessageOf(good));
  BOOST_TEST(good->listen_port == 9000);
}

BOOST_AUTO_TEST_CASE(a_missing_file_is_an_error_naming_the_path_and_the_reason) {
  TempDir dir;
  Result<Config> r = LoadConfig(dir.path + "/absent.yaml");
  BOOST_TEST_REQUIRE(!r.ok());
  BOOST_TEST(static_cast<int>(r.error().code) == static_cast<int>(ErrorCode::kNotFound));
  BOOST_TEST(r.error().message == dir.path + "/absent.yaml: cannot open: No such file or directory");
}

BOOST_AUTO_TEST_CASE(an_unreadable_file_is_an_error_naming_the_reason) {
  TempDir dir;
  std::string path = dir.Write("secret.yaml", "api: {}\n");
  BOOST_TEST_REQUIRE(chmod(path.c_str(), 0) == 0);
  Result<Config> r = LoadConfig(path);
  if (geteuid() == 0) {
    BOOST_TEST(r.ok(), "root reads mode-0 files");  // root bypasses permissions; nothing to check
    return;
  }
  BOOST_TEST_REQUIRE(!r.ok());
  BOOST_TEST(r.error().message == path + ": cannot open: Permission denied");
}

BOOST_AUTO_TEST_CASE(a_directory_or_device_or_fifo_is_not_a_config_file) {
  TempDir dir;
  Result<Config> r = LoadConfig(dir.path);
  BOOST_TEST_REQUIRE(!r.ok());
  BOOST_TEST(r.error().message == dir.path + ": not a regular file");
  BOOST_TEST(LoadConfig("/dev/null").error().message == "/dev/null: not a regular file");
  std::string fifo = dir.path + "/fifo";
  BOOST_TEST_REQUIRE(mkfifo(fifo.c_str(), 0600) == 0);
  Result<Config> f = LoadConfig(fifo);  // must not block waiting for a writer
  BOOST_TEST_REQUIRE(!f.ok());
  BOOST_TEST(f.error().message == fifo + ": not a regular file");
}

BOOST_AUTO_TEST_CASE(a_file_over_one_mebibyte_is_refused) {
  TempDir dir;
  std::string path = dir.Write("big.yaml", "# " + std::string(2 << 20, 'x') + "\n");
  Result<Config> r = LoadConfig(path);
  BOOST_TEST_REQUIRE(!r.ok());
  BOOST_TEST(static_cast<int>(r.error().code) == static_cast<int>(ErrorCode::kTooLarge));
  BOOST_TEST(r.error().message == path + ": the file is larger than 1 MiB; this cannot be a config file");
}

BOOST_AUTO_TEST_CASE(an_empty_file_on_disk_gives_defaults) {
  TempDir dir;
  Result<Config> r = LoadConfig(dir.Write("empty.yaml", ""));
  BOOST_TEST_REQUIRE(r.ok(), MessageOf(r));
  CheckDefaults(r.value());
}

BOOST_AUTO_TEST_CASE(tls_plain_http_usage_and_branding_are_read) {
  Config c = MustParse(
      "api:\n  listen: 0.0.0.0:443\n  tls:\n    cert: /etc/clawhive/tls.crt\n    key: /etc/clawhive/tls.key\n"
      "  plain_http: 127.0.0.1:8471\npaths:\n  console_dir: /opt/console\nusage:\n  interval: 5s\n  history: 720\n"
      "branding:\n  product_name: Acme Agents\n  primary_color: \"#AA3300\"\n");
  BOOST_TEST(c.tls_cert_file == "/etc/clawhive/tls.crt");
  BOOST_TEST(c.tls_key_file == "/etc/clawhive/tls.key");
  BOOST_TEST(c.plain_http_address == "127.0.0.1");
  BOOST_TEST(c.plain_http_port == 8471);
  BOOST_TEST(c.console_dir == "/opt/console");
  BOOST_TEST(c.usage_interval_ms == 5000u);
  BOOST_TEST(c.usage_history == 720u);
  BOOST_TEST(c.product_name == "Acme Agents");
  BOOST_TEST(c.primary_color == "#AA3300");
  BOOST_TEST(MustParse("api:\n  plain_http: \"[::1]:8471\"\n").plain_http_address == "::1");
}

BOOST_AUTO_TEST_CASE(plain_http_off_loopback_and_bad_branding_are_refused) {
  for (const char* host : {"0.0.0.0:8471", "10.0.0.5:8471", "example.com:8471", "localhost:8471", "\"[::]:8471\""})
    BOOST_TEST(Contains(ErrorOf(std::string("api:\n  plain_http: ") + host + "\n"), "only allowed on a loopback"), host);
  BOOST_TEST(Contains(ErrorOf("branding:\n  primary_color: red\n"), "colour"));
  BOOST_TEST(Contains(ErrorOf("branding:\n  primary_color: \"#12345\"\n"), "colour"));
  BOOST_TEST(Contains(ErrorOf("branding:\n  product_name: " + std::string(65, 'x') + "\n"), "at most 64"));
  BOOST_TEST(Contains(ErrorOf("api:\n  tls:\n    cert: relative.crt\n"), "absolute path"));
  BOOST_TEST(Contains(ErrorOf("usage:\n  history: 1\n"), "history"));
}

BOOST_AUTO_TEST_SUITE_END()

}  // namespace clawhive
