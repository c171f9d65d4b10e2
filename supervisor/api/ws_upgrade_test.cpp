#include "supervisor/api/ws_upgrade.h"

#include <string>

#include <boost/test/unit_test.hpp>

#include "unit/fails_with.h"

namespace clawhive::api {
namespace {

using testing::FailsWith;

constexpr std::string_view kConsole = "https://appliance.test:8443";
// RFC 6455 section 1.3's example key and the accept value it requires.
constexpr std::string_view kKey = "dGhlIHNhbXBsZSBub25jZQ==";
constexpr std::string_view kAccept = "s3pPLMBiTxaQ9kYGzzhZRbK+xOo=";

HeaderList Browser() {
  return {{"Upgrade", "websocket"},
          {"Connection", "keep-alive, Upgrade"},
          {"Sec-WebSocket-Version", "13"},
          {"Sec-WebSocket-Key", std::string(kKey)},
          {"Origin", std::string(kConsole)}};
}

HeaderList With(HeaderList h, const std::string& name, const std::string& value) {
  for (auto& [n, v] : h)
    if (n == name) {
      v = value;
      return h;
    }
  h.emplace_back(name, value);
  return h;
}

HeaderList Without(HeaderList h, const std::string& name) {
  std::erase_if(h, [&](const auto& p) { return p.first == name; });
  return h;
}

std::string GatewayAnswer(std::string_view accept, std::string extra = "") {
  return "HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Accept: " +
         std::string(accept) + "\r\n" + extra + "\r\n";
}

BOOST_AUTO_TEST_SUITE(ws_upgrade)

BOOST_AUTO_TEST_CASE(the_accept_value_is_the_one_rfc_6455_gives_for_its_example_key) {
  BOOST_TEST(WebSocketAccept(kKey) == kAccept);
}

BOOST_AUTO_TEST_CASE(a_browsers_upgrade_from_the_console_is_taken_with_its_key_and_subprotocols) {
  auto u = ParseUpgrade("GET", With(Browser(), "sec-websocket-protocol", "openclaw.v3, json"), kConsole);
  BOOST_REQUIRE(u.ok());
  BOOST_TEST(u->key == kKey);
  BOOST_TEST(u->protocols == (std::vector<std::string>{"openclaw.v3", "json"}), boost::test_tools::per_element());
}

BOOST_AUTO_TEST_CASE(another_sites_page_is_refused_though_the_browser_sends_the_session_cookie_along) {
  BOOST_TEST(FailsWith(ParseUpgrade("GET", With(Browser(), "Origin", "https://evil.test"), kConsole),
                       ErrorCode::kUnauthorized, "another origin"));
  BOOST_TEST(FailsWith(ParseUpgrade("GET", With(Browser(), "Origin", "https://appliance.test:8443.evil.test"), kConsole),
                       ErrorCode::kUnauthorized));
  BOOST_TEST(FailsWith(ParseUpgrade("GET", With(Browser(), "Origin", "http://appliance.test:8443"), kConsole),
                       ErrorCode::kUnauthorized));
  BOOST_TEST(FailsWith(ParseUpgrade("GET", Without(Browser(), "Origin"), kConsole), ErrorCode::kUnauthorized));
  // An appliance without a known console origin accepts none.
  BOOST_TEST(FailsWith(ParseUpgrade("GET", Browser(), ""), ErrorCode::kUnauthorized));
}

BOOST_AUTO_TEST_CASE(malformed_upgrades_are_refused_with_the_reason) {
  BOOST_TEST(FailsWith(ParseUpgrade("POST", Browser(), kConsole), ErrorCode::kInvalidArgument, "GET"));
  BOOST_TEST(FailsWith(ParseUpgrade("GET", Without(Browser(), "Upgrade"), kConsole), ErrorCode::kInvalidArgument,
                       "Upgrade: websocket"));
  BOOST_TEST(FailsWith(ParseUpgrade("GET", With(Browser(), "Upgrade", "h2c"), kConsole), ErrorCode::kInvalidArgument));
  BOOST_TEST(FailsWith(ParseUpgrade("GET", With(Browser(), "Connection", "keep-alive"), kConsole),
                       ErrorCode::kInvalidArgument, "Connection: upgrade"));
  BOOST_TEST(FailsWith(ParseUpgrade("GET", With(Browser(), "Sec-WebSocket-Version", "8"), kConsole),
                       ErrorCode::kInvalidArgument, "13"));
  for (const char* key : {"", "short==", "dGhlIHNhbXBsZSBub25jZQ", "dGhlIHNhbXBsZSBub25jZQ=!", "dGhlIHNhbXBsZSBub2*jZQ==",
                          "dGhlIHNhbXBsZSBub25jZQ==\r\nX-Forwarded-User: admin"})
    BOOST_TEST(FailsWith(ParseUpgrade("GET", With(Browser(), "Sec-WebSocket-Key", key), kConsole),
                         ErrorCode::kInvalidArgument, "16 bytes"),
               key);
  BOOST_TEST(FailsWith(ParseUpgrade("GET", Without(Browser(), "Sec-WebSocket-Key"), kConsole),
                       ErrorCode::kInvalidArgument, "missing"));
}

BOOST_AUTO_TEST_CASE(a_header_sent_twice_is_refused_rather_than_one_of_them_believed) {
  HeaderList h = Browser();
  h.emplace_back("sec-websocket-key", "AAAAAAAAAAAAAAAAAAAAAA==");
  BOOST_TEST(FailsWith(ParseUpgrade("GET", h, kConsole), ErrorCode::kInvalidArgument, "more than once"));
  HeaderList o = Browser();
  o.emplace_back("origin", "https://evil.test");
  BOOST_TEST(FailsWith(ParseUpgrade("GET", o, kConsole), ErrorCode::kInvalidArgument, "more than once"));
}

BOOST_AUTO_TEST_CASE(subprotocols_are_names_only_and_few) {
  for (const std::string& p : std::vector<std::string>{"a b", "json\r\nX-Forwarded-User: admin", "", "a,,b", "x;y",
                                                       std::string(65, 'a')})
    BOOST_TEST(FailsWith(ParseUpgrade("GET", With(Browser(), "Sec-WebSocket-Protocol", p), kConsole),
                         ErrorCode::kInvalidArgument),
               p);
  BOOST_TEST(FailsWith(ParseUpgrade("GET", With(Browser(), "Sec-WebSocket-Protocol", "a,b,c,d,e,f,g,h,i"), kConsole),
                       ErrorCode::kInvalidArgument, "too many"));
}

BOOST_AUTO_TEST_CASE(the_gateway_gets_only_the_key_subprotocols_and_the_fronts_own_headers) {
  auto u = ParseUpgrade("GET", With(Browser(), "Sec-WebSocket-Protocol", "json"), kConsole);
  BOOST_REQUIRE(u.ok());
  auto head = ComposeGatewayUpgrade(*u, "/t/acme/openclaw/", "127.0.0.1:20000", "https://appliance.test:8443",
                                    {{"X-Clawhive-User", "alice@acme"}, {"X-Forwarded-For", "198.51.100.7"}});
  BOOST_REQUIRE(head.ok());
  BOOST_TEST(*head == "GET /t/acme/openclaw/ HTTP/1.1\r\nHost: 127.0.0.1:20000\r\nUpgrade: websocket\r\n"
                      "Connection: Upgrade\r\nSec-WebSocket-Version: 13\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\n"
                      "Origin: https://appliance.test:8443\r\nSec-WebSocket-Protocol: json\r\n"
                      "X-Clawhive-User: alice@acme\r\nX-Forwarded-For: 198.51.100.7\r\n\r\n");
}

BOOST_AUTO_TEST_CASE(a_path_or_header_that_would_split_the_head_is_refused) {
  WebSocketUpgrade u{std::string(kKey), {}};
  for (const char* path : {"", "relative", "/a b", "/a\r\nX: y", "/a\n"})
    BOOST_TEST(FailsWith(ComposeGatewayUpgrade(u, path, "h", "o", {}), ErrorCode::kInvalidArgument), path);
  BOOST_TEST(FailsWith(ComposeGatewayUpgrade(u, "/", "h", "o", {{"X-Clawhive-User", "a\r\nX-Admin: 1"}}),
                       ErrorCode::kInvalidArgument));
  BOOST_TEST(FailsWith(ComposeGatewayUpgrade(u, "/", "h", "o", {{"Bad Name", "v"}}), ErrorCode::kInvalidArgument));
  BOOST_TEST(FailsWith(ComposeGatewayUpgrade(u, "/", "h\r\nX: y", "o", {}), ErrorCode::kInvalidArgument));
}

BOOST_AUTO_TEST_CASE(the_gateways_101_with_the_right_accept_is_taken_and_answered_to_the_browser) {
  WebSocketUpgrade u{std::string(kKey), {"json"}};
  auto a = CheckGatewayAnswer(GatewayAnswer(kAccept, "Sec-WebSocket-Protocol: json\r\n"), u);
  BOOST_REQUIRE(a.ok());
  BOOST_TEST(a->status == 101);
  BOOST_TEST(a->protocol == "json");
  BOOST_TEST(ComposeClientAnswer(u, *a) ==
             "HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
             "Sec-WebSocket-Accept: s3pPLMBiTxaQ9kYGzzhZRbK+xOo=\r\nSec-WebSocket-Protocol: json\r\n\r\n");
}

BOOST_AUTO_TEST_CASE(a_gateway_answer_that_is_not_the_agreed_upgrade_is_a_bad_gateway) {
  WebSocketUpgrade u{std::string(kKey), {"json"}};
  BOOST_TEST(FailsWith(CheckGatewayAnswer("HTTP/1.1 403 Forbidden\r\n\r\n", u), ErrorCode::kUnavailable, "HTTP 403"));
  BOOST_TEST(FailsWith(CheckGatewayAnswer(GatewayAnswer("AAAAAAAAAAAAAAAAAAAAAAAAAAA="), u), ErrorCode::kUnavailable,
                       "Sec-WebSocket-Accept"));
  BOOST_TEST(FailsWith(CheckGatewayAnswer(GatewayAnswer(kAccept, "Sec-WebSocket-Protocol: other\r\n"), u),
                       ErrorCode::kUnavailable, "did not offer"));
  BOOST_TEST(FailsWith(CheckGatewayAnswer(GatewayAnswer(kAccept, "Sec-WebSocket-Extensions: permessage-deflate\r\n"), u),
                       ErrorCode::kUnavailable, "extension"));
  BOOST_TEST(FailsWith(CheckGatewayAnswer(GatewayAnswer(kAccept, "Sec-WebSocket-Accept: x\r\n"), u),
                       ErrorCode::kUnavailable, "twice"));
  BOOST_TEST(FailsWith(CheckGatewayAnswer("HTTP/1.1 101 Switching Protocols\r\nSec-WebSocket-Accept: " +
                                              std::string(kAccept) + "\r\n\r\n", u),
                       ErrorCode::kUnavailable, "not a WebSocket upgrade"));
  for (const char* head : {"", "garbage", "HTTP/1.1 1x1 Hm\r\n\r\n", "HTTP/1.1 101 OK\r\nno colon\r\n\r\n"})
    BOOST_TEST(FailsWith(CheckGatewayAnswer(head, u), ErrorCode::kUnavailable), head);
}

BOOST_AUTO_TEST_SUITE_END()

}  // namespace
}  // namespace clawhive::api
