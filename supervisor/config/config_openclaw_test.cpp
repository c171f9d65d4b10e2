// The `openclaw:` section of clawhive.yaml: tenants on real OpenClaw runtime images.
#include <boost/test/unit_test.hpp>
#include <string>
#include <vector>

#include "supervisor/config/config.h"

namespace clawhive {
namespace {

const char kFile[] = "c.yaml";

std::string Why(const Result<Config>& r) { return r.ok() ? std::string("(no error)") : r.error().message; }

Config MustParse(const std::string& yaml) {
  Result<Config> r = ParseConfig(yaml, kFile);
  BOOST_TEST_REQUIRE(r.ok(), "unexpected error: " << Why(r));
  return r.value();
}

// The error for `yaml`, which must be a kInvalidArgument starting with "c.yaml:<line>:<col>: ".
std::string ErrorAt(const std::string& yaml, int line, int col) {
  Result<Config> r = ParseConfig(yaml, kFile);
  BOOST_TEST_REQUIRE(!r.ok(), "expected an error for:\n" << yaml);
  BOOST_TEST((r.error().code == ErrorCode::kInvalidArgument));
  std::string prefix = std::string(kFile) + ":" + std::to_string(line) + ":" + std::to_string(col) + ": ";
  BOOST_TEST(r.error().message.rfind(prefix, 0) == 0u, "expected " << prefix << " in: " << r.error().message);
  return r.error().message;
}

bool Has(const std::string& haystack, const std::string& needle) { return haystack.find(needle) != std::string::npos; }

}  // namespace

BOOST_AUTO_TEST_SUITE(config_openclaw)

BOOST_AUTO_TEST_CASE(without_an_openclaw_section_tenants_run_the_plain_agent_with_the_defaults) {
  Config c = MustParse("");
  BOOST_TEST(c.images_dir == "/var/lib/clawhive-images");
  BOOST_TEST(c.default_runtime == "");
  BOOST_TEST(c.openclaw_models == std::vector<std::string>{"default"}, boost::test_tools::per_element());
  BOOST_TEST(c.openclaw_api == "openai-completions");
  BOOST_TEST(c.openclaw_start_timeout_ms == 180000u);
  BOOST_TEST(c.start_timeout_ms == 30000u);  // the plain agent's own start timeout is a different setting
}

BOOST_AUTO_TEST_CASE(every_openclaw_setting_is_read) {
  Config c = MustParse(
      "openclaw:\n"
      "  images_dir: /srv/images\n"
      "  runtime: openclaw-2026.9.6\n"
      "  models: [gpt-4o-mini, gpt-4o, claude-sonnet-4-5]\n"
      "  api: anthropic-messages\n"
      "  start_timeout: 4m\n");
  BOOST_TEST(c.images_dir == "/srv/images");
  BOOST_TEST(c.default_runtime == "openclaw-2026.9.6");
  std::vector<std::string> models = {"gpt-4o-mini", "gpt-4o", "claude-sonnet-4-5"};
  BOOST_TEST(c.openclaw_models == models, boost::test_tools::per_element());
  BOOST_TEST(c.openclaw_api == "anthropic-messages");
  BOOST_TEST(c.openclaw_start_timeout_ms == 240000u);
}

BOOST_AUTO_TEST_CASE(an_empty_runtime_means_none_and_every_api_dialect_is_accepted) {
  BOOST_TEST(MustParse("openclaw:\n  runtime: \"\"\n").default_runtime == "");
  for (const char* api : {"openai-completions", "openai-responses", "anthropic-messages"})
    BOOST_TEST(MustParse(std::string("openclaw:\n  api: ") + api + "\n").openclaw_api == api);
}

BOOST_AUTO_TEST_CASE(a_runtime_that_is_not_an_image_id_is_refused_at_its_position) {
  BOOST_TEST(Has(ErrorAt("openclaw:\n  runtime: ../etc\n", 2, 12), "openclaw.runtime"));
  BOOST_TEST(Has(ErrorAt("openclaw:\n  runtime: \"open claw-1\"\n", 2, 12), "is not an image id"));
  BOOST_TEST(Has(ErrorAt("openclaw:\n  runtime: [a]\n", 2, 12), "openclaw.runtime"));
  BOOST_TEST(Has(ErrorAt("openclaw:\n  runtime: " + std::string(129, 'a') + "\n", 2, 12), "is not an image id"));
  // Ids the image store refuses are refused here too, not only when a tenant is created.
  BOOST_TEST(Has(ErrorAt("openclaw:\n  runtime: openclaw\n", 2, 12), "NAME-VERSION"));
}

BOOST_AUTO_TEST_CASE(an_empty_model_list_is_refused) {
  std::string m = ErrorAt("openclaw:\n  models: []\n", 2, 11);
  BOOST_TEST(Has(m, "openclaw.models: at least one model"), m);
}

BOOST_AUTO_TEST_CASE(a_model_id_with_a_slash_or_a_space_is_refused) {
  std::string slash = ErrorAt("openclaw:\n  models: [gpt-4o, openai/gpt-4o]\n", 2, 11);
  BOOST_TEST(Has(slash, "'openai/gpt-4o' is not a model id"), slash);
  std::string space = ErrorAt("openclaw:\n  models:\n    - gpt-4o\n    - \"gpt 4o\"\n", 3, 5);
  BOOST_TEST(Has(space, "'gpt 4o' is not a model id"), space);
  std::string empty = ErrorAt("openclaw:\n  models: [\"\"]\n", 2, 11);
  BOOST_TEST(Has(empty, "openclaw.models"), empty);
}

BOOST_AUTO_TEST_CASE(an_unknown_api_dialect_is_refused_listing_the_known_ones) {
  std::string m = ErrorAt("openclaw:\n  api: openai\n", 2, 8);
  BOOST_TEST(Has(m, "openclaw.api: 'openai' is not one of openai-completions, openai-responses, anthropic-messages"), m);
}

BOOST_AUTO_TEST_CASE(a_relative_images_dir_a_zero_start_timeout_and_unknown_keys_are_refused) {
  BOOST_TEST(Has(ErrorAt("openclaw:\n  images_dir: images\n", 2, 15), "must be an absolute path"));
  BOOST_TEST(Has(ErrorAt("openclaw:\n  start_timeout: 0s\n", 2, 18), "must be at least 1ms"));
  BOOST_TEST(Has(ErrorAt("openclaw:\n  modles: [a]\n", 2, 3), "unknown key 'modles' in openclaw"));
}

BOOST_AUTO_TEST_CASE(a_start_boosts_one_start_at_a_time_without_a_quota_unless_configured_otherwise) {
  Config d = MustParse("");
  BOOST_TEST(d.openclaw_start_cpu_quota_percent == 0u);  // none: the whole box
  BOOST_TEST(d.openclaw_start_boosts == 1u);
  Config c = MustParse("openclaw:\n  start_cpu_quota: 150%\n  start_boosts: 3\n");
  BOOST_TEST(c.openclaw_start_cpu_quota_percent == 150u);
  BOOST_TEST(c.openclaw_start_boosts == 3u);
  BOOST_TEST(MustParse("openclaw:\n  start_cpu_quota: infinity\n").openclaw_start_cpu_quota_percent == 0u);
  BOOST_TEST(MustParse("openclaw:\n  start_boosts: 0\n").openclaw_start_boosts == 0u);  // off
}

BOOST_AUTO_TEST_CASE(a_start_quota_that_is_not_a_percentage_and_too_many_boosts_are_refused) {
  BOOST_TEST(Has(ErrorAt("openclaw:\n  start_cpu_quota: lots\n", 2, 20), "openclaw.start_cpu_quota"));
  BOOST_TEST(Has(ErrorAt("openclaw:\n  start_cpu_quota: 0%\n", 2, 20), "openclaw.start_cpu_quota"));
  BOOST_TEST(Has(ErrorAt("openclaw:\n  start_cpu_quota: 100001%\n", 2, 20), "openclaw.start_cpu_quota"));
  BOOST_TEST(Has(ErrorAt("openclaw:\n  start_boosts: -1\n", 2, 17), "openclaw.start_boosts"));
  BOOST_TEST(Has(ErrorAt("openclaw:\n  start_boosts: 1001\n", 2, 17), "openclaw.start_boosts"));
}

BOOST_AUTO_TEST_SUITE_END()

}  // namespace clawhive
