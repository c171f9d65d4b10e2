// The gateway's openclaw.json5 as the supervisor renders it, the agent command of a runtime tenant, and
// the reading of `openclaw config validate --json`.
#include "supervisor/openclaw/openclaw_config.h"

#include <boost/test/unit_test.hpp>
#include <string>
#include <utility>
#include <vector>

#include "supervisor/common/json.h"
#include "supervisor/openclaw/config_validator.h"
#include "supervisor/openclaw/runtime_agent.h"
#include "unit/fails_with.h"
#include "unit/json_path.h"

namespace clawhive {
namespace {

using clawhive::JsonValue;
using testing::FailsWith;

OpenClawContext Context() {
  OpenClawContext c;
  c.port = 20120;
  c.proxy_url = "http://127.0.0.1:8480/v1";
  c.api = "openai-completions";
  c.models = {"gpt-4o-mini", "gpt-4o"};
  c.log_file = "/var/lib/clawhive-tenants/acme/logs/openclaw.log";
  return c;
}

JsonValue Render(const OpenClawSettings& s, const OpenClawContext& c = Context()) {
  std::string text = RenderOpenClawConfig(s, c);
  Result<JsonValue> doc = ParseJson(text);
  BOOST_TEST_REQUIRE(doc.ok(), "not JSON: " << text);
  BOOST_TEST_REQUIRE(doc->is_object());
  return *doc;
}

// The value at a dotted path; fails the test when it is missing.
const JsonValue& At(const JsonValue& v, const std::string& path) { return testing::AtPath(v, path); }
std::string Str(const JsonValue& v, const std::string& path) {
  const JsonValue& x = At(v, path);
  BOOST_TEST_REQUIRE(x.is_string(), path << " is not a string");
  return x.string();
}
template <typename R>
std::string Why(const R& r) {
  return r.ok() ? std::string() : r.error().message;
}
bool Bool(const JsonValue& v, const std::string& path) {
  const JsonValue& x = At(v, path);
  BOOST_TEST_REQUIRE((x.kind() == JsonValue::Kind::kBool), path << " is not a boolean");
  return x.boolean();
}

}  // namespace

BOOST_AUTO_TEST_SUITE(openclaw_config)

BOOST_AUTO_TEST_CASE(with_the_control_ui_on_the_gateway_believes_only_the_fronts_header_and_grants_no_admin) {
  OpenClawContext c = Context();
  c.control_ui_base_path = "/v1/tenants/acme/control-ui";
  JsonValue doc = Render(OpenClawSettings{}, c);
  BOOST_TEST(Str(doc, "gateway.auth.mode") == "trusted-proxy");
  BOOST_TEST(At(doc, "gateway.auth").Find("token") == nullptr);  // OpenClaw refuses a token in this mode
  BOOST_TEST(Str(doc, "gateway.auth.password") == "${CLAWHIVE_GATEWAY_TOKEN}");
  BOOST_TEST(Str(doc, "gateway.auth.trustedProxy.userHeader") == "x-clawhive-user");
  BOOST_TEST(Bool(doc, "gateway.auth.trustedProxy.allowLoopback"));
  BOOST_TEST(Bool(doc, "gateway.auth.trustedProxy.deviceAutoApprove.enabled"));
  const JsonValue& scopes = At(doc, "gateway.auth.trustedProxy.deviceAutoApprove.scopes");
  BOOST_REQUIRE(scopes.items().size() == 2u);
  BOOST_TEST(scopes.items()[0].string() == "operator.read");
  BOOST_TEST(scopes.items()[1].string() == "operator.write");
  BOOST_REQUIRE(At(doc, "gateway.trustedProxies").items().size() == 1u);
  BOOST_TEST(At(doc, "gateway.trustedProxies").items()[0].string() == "127.0.0.1");
  BOOST_TEST(Bool(doc, "gateway.controlUi.enabled"));
  BOOST_TEST(Str(doc, "gateway.controlUi.basePath") == "/v1/tenants/acme/control-ui");
  BOOST_REQUIRE(At(doc, "gateway.controlUi.allowedOrigins").items().size() == 1u);
  BOOST_TEST(At(doc, "gateway.controlUi.allowedOrigins").items()[0].string() == "https://front.clawhive.invalid");
}

BOOST_AUTO_TEST_CASE(the_rendered_config_is_json_with_every_fixed_setting) {
  JsonValue doc = Render(OpenClawSettings{});
  BOOST_TEST(Str(doc, "gateway.mode") == "local");
  BOOST_TEST(Str(doc, "gateway.bind") == "loopback");
  BOOST_TEST(At(doc, "gateway.port").AsUnsigned().value_or(0) == 20120u);
  BOOST_TEST(Str(doc, "gateway.auth.mode") == "token");
  BOOST_TEST(Str(doc, "gateway.auth.token") == "${CLAWHIVE_GATEWAY_TOKEN}");
  BOOST_TEST(!Bool(doc, "gateway.controlUi.enabled"));
  BOOST_TEST(Bool(doc, "gateway.http.endpoints.chatCompletions.enabled"));
  BOOST_TEST(!Bool(doc, "update.checkOnStart"));
  BOOST_TEST(Str(doc, "models.mode") == "replace");
  BOOST_TEST(!Bool(doc, "models.catalogRefresh.enabled"));
  BOOST_TEST(Str(doc, "logging.file") == "/var/lib/clawhive-tenants/acme/logs/openclaw.log");
}

BOOST_AUTO_TEST_CASE(the_only_model_provider_is_the_metering_proxy_with_the_operators_models) {
  JsonValue doc = Render(OpenClawSettings{});
  const JsonValue& providers = At(doc, "models.providers");
  BOOST_TEST(providers.members().size() == 1u);
  BOOST_TEST(Str(doc, "models.providers.clawhive.baseUrl") == "http://127.0.0.1:8480/v1");
  BOOST_TEST(Str(doc, "models.providers.clawhive.apiKey") == "${CLAWHIVE_PROXY_TOKEN}");
  BOOST_TEST(Str(doc, "models.providers.clawhive.api") == "openai-completions");
  const JsonValue& models = At(doc, "models.providers.clawhive.models");
  BOOST_TEST_REQUIRE(models.is_array());
  BOOST_TEST_REQUIRE(models.items().size() == 2u);
  std::vector<std::string> want = {"gpt-4o-mini", "gpt-4o"};
  for (size_t i = 0; i < want.size(); ++i) {
    BOOST_TEST(Str(models.items()[i], "id") == want[i]);
    BOOST_TEST(Str(models.items()[i], "name") == want[i]);  // OpenClaw refuses a model without a name
  }
}

BOOST_AUTO_TEST_CASE(the_primary_model_is_the_tenants_choice_else_the_first_allowed) {
  BOOST_TEST(Str(Render(OpenClawSettings{}), "agents.defaults.model.primary") == "clawhive/gpt-4o-mini");
  OpenClawSettings s;
  s.model = "gpt-4o";
  BOOST_TEST(Str(Render(s), "agents.defaults.model.primary") == "clawhive/gpt-4o");
}

BOOST_AUTO_TEST_CASE(the_heartbeat_is_off_unless_the_tenant_turns_it_on) {
  BOOST_TEST(Str(Render(OpenClawSettings{}), "agents.defaults.heartbeat.every") == "0m");
  OpenClawSettings s;
  s.heartbeat = true;
  BOOST_TEST(Str(Render(s), "agents.defaults.heartbeat.every") == "30m");
}

BOOST_AUTO_TEST_CASE(no_channels_means_no_channels_section) {
  BOOST_TEST(Render(OpenClawSettings{}).Find("channels") == nullptr);
}

BOOST_AUTO_TEST_CASE(channels_get_their_bot_tokens_from_the_tenants_secrets_by_reference) {
  OpenClawSettings s;
  s.channels.push_back({"telegram", true, "TELEGRAM_BOT_TOKEN"});
  s.channels.push_back({"discord", false, "MY_DISCORD"});
  JsonValue doc = Render(s);
  BOOST_TEST(Str(doc, "channels.telegram.botToken") == "${TELEGRAM_BOT_TOKEN}");
  BOOST_TEST(Bool(doc, "channels.telegram.enabled"));
  BOOST_TEST(At(doc, "channels.telegram").Find("token") == nullptr);
  BOOST_TEST(Str(doc, "channels.discord.token") == "${MY_DISCORD}");
  BOOST_TEST(!Bool(doc, "channels.discord.enabled"));
  BOOST_TEST(At(doc, "channels.discord").Find("botToken") == nullptr);
}

BOOST_AUTO_TEST_CASE(a_telegram_channel_with_allowed_users_lets_only_them_dm_the_bot) {
  OpenClawSettings s;
  s.channels.push_back({"telegram", true, "TG"});
  BOOST_TEST(At(Render(s), "channels.telegram").Find("dmPolicy") == nullptr);  // OpenClaw's default: pairing
  s.channels[0].allow_from = {"424242", "7"};
  JsonValue doc = Render(s);
  BOOST_TEST(Str(doc, "channels.telegram.dmPolicy") == "allowlist");
  const JsonValue& ids = At(doc, "channels.telegram.allowFrom");
  BOOST_TEST_REQUIRE(ids.items().size() == 2u);
  BOOST_TEST(ids.items()[0].string() == "424242");
  BOOST_TEST(ids.items()[1].string() == "7");
}

BOOST_AUTO_TEST_CASE(a_telegram_webhook_listens_on_loopback_and_tells_telegram_the_fronts_url) {
  OpenClawSettings s;
  s.channels.push_back({"telegram", true, "TG"});
  s.channels[0].mode = "webhook";
  OpenClawContext c = Context();
  c.telegram_webhook_url = "https://chat.example.com/v1/hooks/telegram/acme";
  c.telegram_webhook_port = 20230;
  JsonValue doc = Render(s, c);
  BOOST_TEST(Str(doc, "channels.telegram.webhookUrl") == "https://chat.example.com/v1/hooks/telegram/acme");
  BOOST_TEST(Str(doc, "channels.telegram.webhookSecret") == "${CLAWHIVE_TELEGRAM_WEBHOOK_SECRET}");
  BOOST_TEST(Str(doc, "channels.telegram.webhookPath") == "/telegram-webhook");
  BOOST_TEST(Str(doc, "channels.telegram.webhookHost") == "127.0.0.1");
  BOOST_TEST(At(doc, "channels.telegram.webhookPort").AsUnsigned().value_or(0) == 20230u);
  // Without a URL (no api.public_url) the channel polls rather than advertise a webhook nobody serves.
  c.telegram_webhook_url.clear();
  BOOST_TEST(At(Render(s, c), "channels.telegram").Find("webhookUrl") == nullptr);
}

BOOST_AUTO_TEST_CASE(a_polling_telegram_channel_has_no_webhook_settings_even_with_a_url_at_hand) {
  OpenClawSettings s;
  s.channels.push_back({"telegram", true, "TG"});
  OpenClawContext c = Context();
  c.telegram_webhook_url = "https://chat.example.com/v1/hooks/telegram/acme";
  c.telegram_webhook_port = 20230;
  BOOST_TEST(At(Render(s, c), "channels.telegram").Find("webhookUrl") == nullptr);
  BOOST_TEST(At(Render(s, c), "channels.telegram").Find("webhookSecret") == nullptr);
}

BOOST_AUTO_TEST_CASE(there_is_no_managed_proxy_so_model_calls_stay_on_loopback) {
  // The egress proxy reaches OpenClaw through HTTPS_PROXY in its environment (tenant_rules.cpp) instead.
  OpenClawSettings s;
  s.channels.push_back({"telegram", true, "TG"});
  BOOST_TEST(Render(s).Find("proxy") == nullptr);
}

BOOST_AUTO_TEST_CASE(the_proxy_dialect_follows_the_operators_setting) {
  OpenClawContext c = Context();
  c.api = "anthropic-messages";
  BOOST_TEST(Str(Render(OpenClawSettings{}, c), "models.providers.clawhive.api") == "anthropic-messages");
}

// The plugins.allow list as a vector of ids, in order.
std::vector<std::string> Allowed(const JsonValue& doc) {
  std::vector<std::string> ids;
  for (const JsonValue& v : At(doc, "plugins.allow").items()) ids.push_back(v.string());
  return ids;
}

BOOST_AUTO_TEST_CASE(only_the_memory_plugin_loads_for_a_tenant_without_channels) {
  BOOST_TEST(Allowed(Render(OpenClawSettings{})) == std::vector<std::string>{"memory-core"},
             boost::test_tools::per_element());
}

BOOST_AUTO_TEST_CASE(an_enabled_channel_adds_its_plugin_and_a_disabled_one_does_not) {
  OpenClawSettings s;
  s.channels.push_back({"telegram", true, "TELEGRAM_BOT_TOKEN"});
  s.channels.push_back({"discord", false, "MY_DISCORD"});
  BOOST_TEST(Allowed(Render(s)) == (std::vector<std::string>{"memory-core", "telegram"}),
             boost::test_tools::per_element());
}

BOOST_AUTO_TEST_CASE(a_proxy_dialect_other_than_openai_completions_adds_its_vendors_plugin) {
  OpenClawContext c = Context();
  c.api = "anthropic-messages";
  BOOST_TEST(Allowed(Render(OpenClawSettings{}, c)) == (std::vector<std::string>{"memory-core", "anthropic"}),
             boost::test_tools::per_element());
  c.api = "openai-responses";
  BOOST_TEST(Allowed(Render(OpenClawSettings{}, c)) == (std::vector<std::string>{"memory-core", "openai"}),
             boost::test_tools::per_element());
}

// ---- the agent command -----------------------------------------------------------------------------

BOOST_AUTO_TEST_CASE(a_runtime_tenant_runs_the_images_node_on_openclaw_on_loopback_at_its_port) {
  RuntimeImage image{"openclaw-2026.9.6", "2026.9.6", "/img/openclaw-2026.9.6/node/bin/node",
                     "/img/openclaw-2026.9.6/openclaw/openclaw.mjs"};
  AgentSpec a = RuntimeAgent(image, 20240);
  BOOST_TEST(a.exec == "/img/openclaw-2026.9.6/node/bin/node");
  std::vector<std::string> want = {"/img/openclaw-2026.9.6/openclaw/openclaw.mjs", "gateway", "run", "--port",
                                   "20240", "--bind", "loopback"};
  BOOST_TEST(a.args == want, boost::test_tools::per_element());
  BOOST_TEST(a.health_path == "/healthz");
  BOOST_TEST(a.env.empty());
}

// ---- config validate --json ------------------------------------------------------------------------

BOOST_AUTO_TEST_CASE(a_valid_config_has_no_issues) {
  auto issues = ParseValidateOutput(R"({"valid":true,"path":"/x/openclaw.json5"})");
  BOOST_TEST_REQUIRE(issues.ok(), Why(issues));
  BOOST_TEST(issues->empty());
}

BOOST_AUTO_TEST_CASE(an_invalid_config_lists_each_issue_with_its_path_and_message) {
  auto issues = ParseValidateOutput(
      R"({"valid":false,"issues":[{"path":"gateway.bind","message":"Invalid enum value"},{"message":"bad"}]})");
  BOOST_TEST_REQUIRE(issues.ok(), Why(issues));
  BOOST_TEST_REQUIRE(issues->size() == 2u);
  BOOST_TEST((*issues)[0].path == "gateway.bind");
  BOOST_TEST((*issues)[0].message == "Invalid enum value");
  BOOST_TEST((*issues)[1].path == "");
  BOOST_TEST((*issues)[1].message == "bad");
}

BOOST_AUTO_TEST_CASE(invalid_without_issues_still_says_it_is_rejected) {
  auto issues = ParseValidateOutput(R"({"valid":false})");
  BOOST_TEST_REQUIRE(issues.ok(), Why(issues));
  BOOST_TEST_REQUIRE(issues->size() == 1u);
  BOOST_TEST(!(*issues)[0].message.empty());
}

BOOST_AUTO_TEST_CASE(output_without_readable_json_or_a_verdict_is_an_error) {
  const std::vector<std::pair<std::string, std::string>> refused = {
      {"", "printed no JSON"},
      {"Segmentation fault\n", "printed no JSON"},
      {"[1,2]", "printed no JSON"},
      {"{not json", "printed unreadable JSON"},
      {R"({"ok":true})", "did not say whether the config is valid"},
      {R"({"valid":"yes"})", "did not say whether the config is valid"},
  };
  for (const auto& [text, why] : refused)
    BOOST_TEST(FailsWith(ParseValidateOutput(text), ErrorCode::kUnavailable, "openclaw config validate " + why), text);
}

BOOST_AUTO_TEST_CASE(warning_lines_before_the_json_are_skipped) {
  auto issues = ParseValidateOutput(
      "(node:4242) ExperimentalWarning: SQLite is an experimental feature\n"
      "(Use `node --trace-warnings ...` to show where the warning was created)\n"
      "{\n  \"valid\": false,\n  \"issues\": [{\"path\": \"agents\", \"message\": \"m\"}]\n}\n");
  BOOST_TEST_REQUIRE(issues.ok(), Why(issues));
  BOOST_TEST_REQUIRE(issues->size() == 1u);
  BOOST_TEST((*issues)[0].path == "agents");
}

BOOST_AUTO_TEST_CASE(a_warning_line_that_mentions_braces_is_skipped_too) {
  auto issues = ParseValidateOutput("[plugins] skipped {telegram} (no token)\n{\"valid\":true}\n");
  BOOST_TEST_REQUIRE(issues.ok(), Why(issues));
  BOOST_TEST(issues->empty());
}

BOOST_AUTO_TEST_SUITE_END()

}  // namespace clawhive
