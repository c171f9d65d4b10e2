// OpenClawSettings: what a tenant may choose about its gateway, stored as JSON and read back strictly.
#include "supervisor/tenant/openclaw_settings.h"

#include <boost/test/unit_test.hpp>
#include <string>
#include <vector>

namespace clawhive {
namespace {

template <typename T>
std::string Why(const Result<T>& r) {
  return r.ok() ? std::string("(ok)") : r.error().message;
}
bool Has(const std::string& haystack, const std::string& needle) { return haystack.find(needle) != std::string::npos; }

// The error of decoding `json`; checks it is a kInvalidArgument.
std::string DecodeError(const std::string& json) {
  Result<OpenClawSettings> r = DecodeOpenClawSettings(json);
  BOOST_TEST_REQUIRE(!r.ok(), "expected an error for " << json);
  BOOST_TEST((r.error().code == ErrorCode::kInvalidArgument));
  return r.error().message;
}

const std::vector<std::string> kAllowed = {"gpt-4o-mini", "gpt-4o"};

std::string ValidateError(const OpenClawSettings& s) {
  Status st = ValidateOpenClawSettings(s, kAllowed);
  BOOST_TEST_REQUIRE(!st.ok(), "expected a validation error");
  BOOST_TEST((st.error().code == ErrorCode::kInvalidArgument));
  return st.error().message;
}

OpenClawSettings WithChannel(const std::string& kind, const std::string& secret) {
  OpenClawSettings s;
  s.channels.push_back({kind, true, secret});
  return s;
}

}  // namespace

BOOST_AUTO_TEST_SUITE(openclaw_settings)

BOOST_AUTO_TEST_CASE(settings_survive_an_encode_decode_round_trip) {
  OpenClawSettings s;
  s.model = "gpt-4o";
  s.heartbeat = true;
  s.channels.push_back({"telegram", true, "TELEGRAM_BOT_TOKEN"});
  s.channels.push_back({"discord", false, "DISCORD_TOKEN"});
  Result<OpenClawSettings> back = DecodeOpenClawSettings(EncodeOpenClawSettings(s));
  BOOST_TEST_REQUIRE(back.ok(), Why(back));
  BOOST_TEST((*back == s));
}

BOOST_AUTO_TEST_CASE(the_default_settings_round_trip_and_encode_every_field) {
  std::string json = EncodeOpenClawSettings(OpenClawSettings{});
  BOOST_TEST(json == R"({"model":"","heartbeat":false,"channels":[]})");
  Result<OpenClawSettings> back = DecodeOpenClawSettings(json);
  BOOST_TEST_REQUIRE(back.ok(), Why(back));
  BOOST_TEST((*back == OpenClawSettings{}));
}

BOOST_AUTO_TEST_CASE(an_empty_object_decodes_to_the_defaults_and_a_channel_is_enabled_unless_said) {
  Result<OpenClawSettings> empty = DecodeOpenClawSettings("{}");
  BOOST_TEST_REQUIRE(empty.ok(), Why(empty));
  BOOST_TEST((*empty == OpenClawSettings{}));
  Result<OpenClawSettings> one = DecodeOpenClawSettings(R"({"channels":[{"kind":"telegram","token_secret":"T"}]})");
  BOOST_TEST_REQUIRE(one.ok(), Why(one));
  BOOST_TEST_REQUIRE(one->channels.size() == 1u);
  BOOST_TEST(one->channels[0].enabled);
}

BOOST_AUTO_TEST_CASE(an_unknown_field_is_refused_naming_it) {
  BOOST_TEST(Has(DecodeError(R"({"model":"x","temperature":1})"), "openclaw.temperature: unknown field"));
  BOOST_TEST(Has(DecodeError(R"({"channels":[{"kind":"telegram","token_secret":"T","chat":1}]})"),
                 "openclaw.channels[0].chat: unknown field"));
}

BOOST_AUTO_TEST_CASE(wrong_types_are_refused_naming_the_field) {
  BOOST_TEST(Has(DecodeError(R"({"model":5})"), "openclaw.model: expected a string"));
  BOOST_TEST(Has(DecodeError(R"({"heartbeat":"yes"})"), "openclaw.heartbeat: expected true or false"));
  BOOST_TEST(Has(DecodeError(R"({"heartbeat":1})"), "openclaw.heartbeat"));
  BOOST_TEST(Has(DecodeError(R"({"channels":{"kind":"telegram"}})"), "openclaw.channels: expected a list"));
  BOOST_TEST(Has(DecodeError(R"({"channels":["telegram"]})"), "openclaw.channels[0]: expected an object"));
  BOOST_TEST(Has(DecodeError(R"({"channels":[{"kind":1,"token_secret":"T"}]})"), "openclaw.channels[0].kind"));
  BOOST_TEST(Has(DecodeError(R"({"channels":[{"token_secret":"T"}]})"), "openclaw.channels[0].kind"));
  BOOST_TEST(Has(DecodeError(R"({"channels":[{"kind":"telegram","enabled":"no","token_secret":"T"}]})"),
                 "openclaw.channels[0].enabled: expected true or false"));
  BOOST_TEST(Has(DecodeError(R"({"channels":[{"kind":"telegram"}]})"), "openclaw.channels[0].token_secret"));
  BOOST_TEST(Has(DecodeError(R"({"channels":[{"kind":"telegram","token_secret":null}]})"),
                 "openclaw.channels[0].token_secret"));
}

BOOST_AUTO_TEST_CASE(more_than_eight_channels_are_refused) {
  std::string list;
  for (int i = 0; i < 9; ++i) list += std::string(i ? "," : "") + R"({"kind":"telegram","token_secret":"T"})";
  BOOST_TEST(Has(DecodeError(R"({"channels":[)" + list + "]}"), "openclaw.channels: at most 8"));
}

BOOST_AUTO_TEST_CASE(a_document_that_is_not_an_object_is_refused) {
  BOOST_TEST(Has(DecodeError("[]"), "openclaw: expected an object"));
  BOOST_TEST(Has(DecodeError("\"gpt-4o\""), "openclaw: expected an object"));
  BOOST_TEST(Has(DecodeError("null"), "openclaw: expected an object"));
  BOOST_TEST(Has(DecodeError("{\"model\":"), "expected a value, found end of input"));
  BOOST_TEST(Has(DecodeError(""), "expected a value, found end of input"));
}

BOOST_AUTO_TEST_CASE(a_model_on_the_operators_list_or_none_at_all_is_fine) {
  OpenClawSettings s;
  BOOST_TEST(ValidateOpenClawSettings(s, kAllowed).ok());  // "" = the first allowed one
  s.model = "gpt-4o";
  BOOST_TEST(ValidateOpenClawSettings(s, kAllowed).ok());
}

BOOST_AUTO_TEST_CASE(a_model_not_on_the_operators_list_is_refused_listing_the_allowed_ones) {
  OpenClawSettings s;
  s.model = "claude-opus";
  std::string m = ValidateError(s);
  BOOST_TEST(Has(m, "openclaw.model"), m);
  BOOST_TEST(Has(m, "claude-opus"), m);
  BOOST_TEST(Has(m, "gpt-4o-mini, gpt-4o"), m);
}

BOOST_AUTO_TEST_CASE(an_unknown_channel_kind_is_refused) {
  std::string m = ValidateError(WithChannel("slack", "SLACK_TOKEN"));
  BOOST_TEST(Has(m, "openclaw.channels[0].kind"), m);
  BOOST_TEST(Has(m, "slack"), m);
  BOOST_TEST(Has(m, "telegram or discord"), m);
}

BOOST_AUTO_TEST_CASE(the_same_channel_kind_twice_is_refused) {
  OpenClawSettings s = WithChannel("discord", "A");
  s.channels.push_back({"telegram", true, "B"});
  s.channels.push_back({"discord", false, "C"});
  std::string m = ValidateError(s);
  BOOST_TEST(Has(m, "openclaw.channels[2].kind"), m);
  BOOST_TEST(Has(m, "discord is listed twice"), m);
}

BOOST_AUTO_TEST_CASE(token_secrets_must_be_well_formed_names_outside_the_clawhive_prefix) {
  for (const std::string& bad : std::vector<std::string>{"", "lower_case", "1STARTS_WITH_DIGIT", "HAS-DASH",
                                                         "HAS SPACE", "CLAWHIVE_GATEWAY_TOKEN", "CLAWHIVE_PROXY_TOKEN",
                                                         "${EVIL}", std::string(129, 'A')}) {
    std::string m = ValidateError(WithChannel("telegram", bad));
    BOOST_TEST(Has(m, "openclaw.channels[0].token_secret"), m);
  }
  for (const std::string& good : std::vector<std::string>{"TELEGRAM_BOT_TOKEN", "_X", "A1", "CLAWHIVE", std::string(128, 'A')})
    BOOST_TEST(ValidateOpenClawSettings(WithChannel("telegram", good), kAllowed).ok(), good);
}

BOOST_AUTO_TEST_CASE(a_telegram_channel_keeps_its_mode_and_allowed_users_through_a_round_trip) {
  OpenClawSettings s;
  ChannelSetting tg{"telegram", true, "TG"};
  tg.mode = "webhook";
  tg.allow_from = {"424242", "1001"};
  s.channels.push_back(tg);
  s.channels.push_back({"discord", true, "DC"});
  std::string json = EncodeOpenClawSettings(s);
  BOOST_TEST(Has(json, R"({"kind":"telegram","enabled":true,"token_secret":"TG","mode":"webhook","allow_from":["424242","1001"]})"), json);
  BOOST_TEST(Has(json, R"({"kind":"discord","enabled":true,"token_secret":"DC"})"), json);  // telegram's fields only
  Result<OpenClawSettings> back = DecodeOpenClawSettings(json);
  BOOST_TEST_REQUIRE(back.ok(), Why(back));
  BOOST_TEST((*back == s));
}

BOOST_AUTO_TEST_CASE(a_telegram_channel_polls_unless_told_and_user_ids_may_come_as_numbers) {
  Result<OpenClawSettings> s = DecodeOpenClawSettings(R"({"channels":[{"kind":"telegram","token_secret":"T","allow_from":[424242,"7"]}]})");
  BOOST_TEST_REQUIRE(s.ok(), Why(s));
  BOOST_TEST(s->channels[0].mode == "polling");
  BOOST_TEST((s->channels[0].allow_from == std::vector<std::string>{"424242", "7"}));
  BOOST_TEST(ValidateOpenClawSettings(*s, kAllowed).ok());
}

BOOST_AUTO_TEST_CASE(hostile_telegram_modes_and_user_ids_are_refused) {
  BOOST_TEST(Has(DecodeError(R"({"channels":[{"kind":"telegram","token_secret":"T","mode":1}]})"), "channels[0].mode"));
  BOOST_TEST(Has(DecodeError(R"({"channels":[{"kind":"telegram","token_secret":"T","allow_from":"424242"}]})"),
                 "channels[0].allow_from: expected a list"));
  BOOST_TEST(Has(DecodeError(R"({"channels":[{"kind":"telegram","token_secret":"T","allow_from":[-5]}]})"), "channels[0].allow_from"));
  BOOST_TEST(Has(DecodeError(R"({"channels":[{"kind":"telegram","token_secret":"T","allow_from":[{"id":1}]}]})"), "channels[0].allow_from"));
  std::string many;
  for (int i = 1; i <= 65; ++i) many += std::string(i > 1 ? "," : "") + std::to_string(i);
  BOOST_TEST(Has(DecodeError(R"({"channels":[{"kind":"telegram","token_secret":"T","allow_from":[)" + many + "]}]}"), "at most 64"));
  OpenClawSettings s = WithChannel("telegram", "T");
  s.channels[0].mode = "websocket";
  BOOST_TEST(Has(ValidateError(s), "openclaw.channels[0].mode: 'websocket' is not a mode"));
  for (const std::string& bad : std::vector<std::string>{"", "0", "012", "-1", "12a", "1 2", "@ann", "*", std::string(21, '9')}) {
    OpenClawSettings b = WithChannel("telegram", "T");
    b.channels[0].allow_from = {"5", bad};
    BOOST_TEST(Has(ValidateError(b), "openclaw.channels[0].allow_from"), bad);
  }
}

BOOST_AUTO_TEST_CASE(a_discord_channel_takes_neither_a_mode_nor_allowed_users) {
  OpenClawSettings s = WithChannel("discord", "D");
  s.channels[0].mode = "webhook";
  BOOST_TEST(Has(ValidateError(s), "openclaw.channels[0].mode: only telegram channels have a mode"));
  OpenClawSettings t = WithChannel("discord", "D");
  t.channels[0].allow_from = {"1"};
  BOOST_TEST(Has(ValidateError(t), "openclaw.channels[0].allow_from: only telegram channels"));
}

BOOST_AUTO_TEST_CASE(the_webhook_listener_port_is_in_the_tenants_port_block_only_for_an_enabled_webhook_channel) {
  OpenClawSettings s = WithChannel("telegram", "T");
  BOOST_TEST(TelegramWebhookPort(25000, s) == 0);  // polling
  s.channels[0].mode = "webhook";
  BOOST_TEST(TelegramWebhookPort(25000, s) == 25110);
  BOOST_TEST(TelegramWebhook(s) == &s.channels[0]);
  BOOST_TEST(TelegramWebhookPort(65500, s) == 0);  // would pass 65535
  BOOST_TEST(TelegramWebhookPort(0, s) == 0);
  s.channels[0].enabled = false;
  BOOST_TEST(TelegramWebhookPort(25000, s) == 0);
  BOOST_TEST(TelegramWebhook(s) == nullptr);
}

BOOST_AUTO_TEST_SUITE_END()

}  // namespace clawhive
