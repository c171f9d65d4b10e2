// The Telegram Bot API stand-in of the OpenClaw Telegram test (tests/stub/telegram_stub.h), over plain
// HTTP on loopback: what the bot is told, how updates are handed out and confirmed, what it records.
#include "tests/stub/telegram_stub.h"

#include <Poco/Net/HTTPClientSession.h>
#include <Poco/Net/HTTPRequest.h>

#include <boost/test/unit_test.hpp>
#include <string>

#include "supervisor/common/json.h"
#include "unit/http_exchange.h"

namespace clawhive {
namespace {

using stub::TelegramStub;
using stub::TelegramStubOptions;

bool Has(const std::string& haystack, const std::string& needle) { return haystack.find(needle) != std::string::npos; }

struct StubWorld {
  TelegramStub bot{TelegramStubOptions{}};
  StubWorld() { BOOST_REQUIRE(bot.Start().ok()); }
  testing::HttpReply Call(const std::string& path, const std::string& json = "") {
    Poco::Net::HTTPClientSession session("127.0.0.1", bot.port());
    session.setTimeout(Poco::Timespan(10, 0));
    Poco::Net::HTTPRequest req = testing::MakeRequest(json.empty() ? "GET" : "POST", path, "", json);
    return testing::Exchange(session, req, json);
  }
  testing::HttpReply Bot(const std::string& method, const std::string& json = "") {
    return Call("/bot123456:stub-bot-token/" + method, json);
  }
};

}  // namespace

BOOST_AUTO_TEST_SUITE(telegram_stub)

BOOST_AUTO_TEST_CASE(the_bot_knows_itself_and_a_wrong_token_is_unauthorized) {
  StubWorld w;
  testing::HttpReply me = w.Bot("getMe");
  BOOST_TEST(me.status == 200);
  BOOST_TEST(Has(me.body, R"("username":"stub_bot")"), me.body);
  BOOST_TEST(w.Call("/bot999:wrong/getMe").status == 401);
  BOOST_TEST(w.Call("/elsewhere").status == 404);
  BOOST_TEST(w.bot.CallsOf("getMe") == 1u);
}

BOOST_AUTO_TEST_CASE(updates_are_handed_out_until_an_offset_confirms_them) {
  StubWorld w;
  int64_t id = w.bot.SendText(424242, "Ann", "hello");
  testing::HttpReply first = w.Bot("getUpdates", R"({"offset":0,"timeout":0})");
  BOOST_TEST(Has(first.body, "\"update_id\":" + std::to_string(id) + ",\"message\""), first.body);
  BOOST_TEST(Has(first.body, R"("text":"hello")"), first.body);
  BOOST_TEST(Has(w.Bot("getUpdates", R"({"offset":0,"timeout":0})").body, "hello"));  // not confirmed yet
  testing::HttpReply after = w.Bot("getUpdates", "{\"offset\":" + std::to_string(id + 1) + ",\"timeout\":0}");
  BOOST_TEST(after.body == R"({"ok":true,"result":[]})");
  // A webhook's update carries an id getUpdates never hands out.
  Result<JsonValue> hook = ParseJson(w.bot.TextUpdate(424242, "Ann", "via webhook"));
  BOOST_TEST_REQUIRE(hook.ok());
  BOOST_TEST(*hook->Find("update_id")->AsUnsigned() > static_cast<uint64_t>(id));
}

BOOST_AUTO_TEST_CASE(sent_messages_and_the_webhook_are_recorded) {
  StubWorld w;
  testing::HttpReply sent = w.Bot("sendMessage", R"({"chat_id":"424242","text":"Hi Ann","parse_mode":"HTML"})");
  BOOST_TEST(Has(sent.body, R"("chat":{"id":424242,"type":"private"})"), sent.body);
  BOOST_TEST_REQUIRE(w.bot.Sent().size() == 1u);
  BOOST_TEST(w.bot.Sent()[0].chat_id == "424242");
  BOOST_TEST(w.bot.Sent()[0].text == "Hi Ann");
  BOOST_TEST(w.Bot("setWebhook", R"({"url":"https://chat.example.com/v1/hooks/telegram/a","secret_token":"tgw_x"})").status == 200);
  BOOST_TEST(w.bot.webhook_url() == "https://chat.example.com/v1/hooks/telegram/a");
  BOOST_TEST(w.bot.webhook_secret() == "tgw_x");
  BOOST_TEST(Has(w.Bot("getWebhookInfo").body, "chat.example.com"));
  BOOST_TEST(w.Bot("deleteWebhook", "{}").status == 200);
  BOOST_TEST(w.bot.webhook_url().empty());
  BOOST_TEST(w.Bot("setMyCommands", R"({"commands":[]})").body == R"({"ok":true,"result":true})");
  BOOST_TEST(w.Bot("sendMessage", "not json").status == 200);  // a stand-in, not a validator
}

BOOST_AUTO_TEST_SUITE_END()

}  // namespace clawhive
