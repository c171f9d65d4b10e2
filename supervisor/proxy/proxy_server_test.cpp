// The metering proxy against the in-process provider stub, a real ledger file and real loopback HTTP:
// key injection, streaming pass-through, metering, budgets under concurrency, disconnects, provider
// failures, hostile input, and tenant identity from the token (and the connecting user) only.
#include "supervisor/proxy/proxy_server.h"

#include <Poco/Net/HTTPClientSession.h>
#include <Poco/Net/HTTPRequest.h>
#include <Poco/Net/HTTPResponse.h>
#include <Poco/Net/ServerSocket.h>
#include <Poco/Net/StreamSocket.h>
#include <Poco/StreamCopier.h>
#include <stdlib.h>

#include <atomic>
#include <boost/test/unit_test.hpp>
#include <chrono>
#include <filesystem>
#include <thread>

#include "stub/provider_stub_server.h"
#include "unit/http_exchange.h"
#include "unit/temp_dir.h"
#include "supervisor/proxy/proc_net_peers.h"

namespace clawhive::proxy {
namespace {

using Clock = std::chrono::steady_clock;

struct FakeKeys : KeySource {
  Result<std::string> Key(const std::string& name) override {
    if (name == "STUB_KEY") return std::string("real-provider-key");
    return Error::NotFound("no platform secret '" + name + "'");
  }
};

struct FakePeers : PeerIdentity {
  std::atomic<uint32_t> uid{0};
  std::optional<uint32_t> UidOf(const std::string&, uint16_t, uint16_t) override { return uid.load(); }
};

struct Answer {
  int status = 0;
  std::string body;
  std::string content_type;
};

struct World {
  testing::TempDir tmp{"clawhive-proxy"};
  std::string dir = tmp.path;
  std::unique_ptr<meter::Ledger> ledger;
  stub::ProviderStubServer stub{[] {
    stub::ProviderStubOptions o;
    o.key = "real-provider-key";
    return o;
  }()};
  FakeKeys keys;
  FakePeers peers;
  std::unique_ptr<ProxyServer> proxy;
  std::string token_a, token_b;

  explicit World(int64_t in_price = 1000000, int64_t out_price = 2000000) {
    ledger = std::move(meter::Ledger::Open(dir + "/meter.db").value());
    BOOST_REQUIRE(stub.Start().ok());
    AddProviders(stub.port(), in_price, out_price);
    token_a = ledger->IssueToken("acme", 300001, 1).value();
    token_b = ledger->IssueToken("globex", 300002, 1).value();
    ProxyOptions o;
    o.port = 0;
    o.threads = 64;
    proxy = std::make_unique<ProxyServer>(o, *ledger, keys, &peers);
    BOOST_REQUIRE(proxy->Start().ok());
  }
  ~World() {
    proxy.reset();
    stub.Stop();
    ledger.reset();
  }
  void AddProviders(uint16_t port, int64_t in_price, int64_t out_price) {
    meter::Provider openai{"stub-openai", meter::ApiKind::kOpenAI, "http://127.0.0.1:" + std::to_string(port) + "/v1",
                           "STUB_KEY", {{"big-model", in_price, out_price, 1000}, {"small-model", 1, 1, 1000}}};
    meter::Provider anthropic{"stub-anthropic", meter::ApiKind::kAnthropic, "http://127.0.0.1:" + std::to_string(port),
                              "STUB_KEY", {{"claude-test", in_price, out_price, 1000}}};
    BOOST_REQUIRE(ledger->SetProvider(openai).ok());
    BOOST_REQUIRE(ledger->SetProvider(anthropic).ok());
  }

  Answer Call(const std::string& path, const std::string& body, const std::string& token, bool anthropic = false,
              const std::string& method = "POST") {
    Poco::Net::HTTPClientSession s("127.0.0.1", proxy->port());
    s.setTimeout(Poco::Timespan(20, 0));
    Poco::Net::HTTPRequest req(method, path, Poco::Net::HTTPMessage::HTTP_1_1);
    if (!token.empty()) {
      if (anthropic) req.set("x-api-key", token);
      else req.set("Authorization", "Bearer " + token);
    }
    if (anthropic) req.set("anthropic-version", "2023-06-01");
    if (method == "POST") {
      req.setContentType("application/json");
      req.setContentLength64(static_cast<Poco::Int64>(body.size()));
    }
    s.sendRequest(req) << body;
    Poco::Net::HTTPResponse resp;
    std::istream& in = s.receiveResponse(resp);
    Answer a;
    a.status = resp.getStatus();
    a.content_type = resp.getContentType();
    Poco::StreamCopier::copyToString(in, a.body);
    return a;
  }
  meter::Totals Totals(const std::string& t) { return ledger->TotalsFor(t, NowMs()).value(); }
  std::vector<meter::UsageRecord> Usage(const std::string& t) { return ledger->Usage(t, 0, NowMs() + 60000, 1000).value(); }
  static int64_t NowMs() {
    return std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::system_clock::now().time_since_epoch()).count();
  }
};

const std::string kChat = R"({"model":"big-model","messages":[{"role":"user","content":"hello there"}],"max_tokens":100})";

BOOST_AUTO_TEST_SUITE(metering_proxy)

BOOST_AUTO_TEST_CASE(a_chat_request_reaches_the_provider_with_the_real_key_and_is_metered_to_its_tenant) {
  World w;
  Answer a = w.Call("/v1/chat/completions", kChat, w.token_a);
  BOOST_REQUIRE_MESSAGE(a.status == 200, a.body);
  auto seen = w.stub.Requests();
  BOOST_REQUIRE(seen.size() == 1u);
  BOOST_TEST(seen[0].authorization.value_or("") == "Bearer real-provider-key");
  BOOST_TEST(seen[0].path == "/v1/chat/completions");
  auto usage = w.Usage("acme");
  BOOST_REQUIRE(usage.size() == 1u);
  BOOST_TEST(usage[0].provider == "stub-openai");
  BOOST_TEST(usage[0].model == "big-model");
  BOOST_TEST(usage[0].prompt_tokens == static_cast<int64_t>((kChat.size() + 3) / 4));
  BOOST_TEST(usage[0].completion_tokens == 16);
  BOOST_TEST(!usage[0].estimated);
  BOOST_TEST(usage[0].status == 200);
  BOOST_TEST(usage[0].cost_micros == meter::CostMicros(usage[0].prompt_tokens, 16, 1000000, 2000000));
  BOOST_TEST(w.Totals("acme").spent_micros == usage[0].cost_micros);
  BOOST_TEST(w.Totals("acme").reserved_micros == 0);
  BOOST_TEST(w.Usage("globex").empty());
}

BOOST_AUTO_TEST_CASE(a_stream_passes_through_event_by_event_and_its_usage_chunk_is_metered) {
  World w;
  const std::string body = R"({"model":"big-model","stream":true,"stream_options":{"include_usage":true},)"
                           R"("messages":[{"role":"user","content":"hi"}],"x_stub":{"chunks":5,"chunk_delay_ms":150}})";
  Poco::Net::HTTPClientSession s("127.0.0.1", w.proxy->port());
  Poco::Net::HTTPRequest req = testing::MakeRequest("POST", "/v1/chat/completions", w.token_a, body);
  auto t0 = Clock::now();
  s.sendRequest(req) << body;
  Poco::Net::HTTPResponse resp;
  std::istream& in = s.receiveResponse(resp);
  BOOST_TEST(resp.getContentType().find("text/event-stream") != std::string::npos);
  std::string first;
  std::getline(in, first);
  double first_ms = std::chrono::duration<double, std::milli>(Clock::now() - t0).count();
  std::string rest;
  Poco::StreamCopier::copyToString(in, rest);
  double all_ms = std::chrono::duration<double, std::milli>(Clock::now() - t0).count();
  BOOST_TEST(first.rfind("data:", 0) == 0u);
  BOOST_TEST(first_ms < 400, "first event after " << first_ms << " ms: it was buffered");
  BOOST_TEST(all_ms > 600);
  BOOST_TEST(rest.find("[DONE]") != std::string::npos);
  auto usage = w.Usage("acme");
  BOOST_REQUIRE(usage.size() == 1u);
  BOOST_TEST(usage[0].stream);
  BOOST_TEST(!usage[0].estimated);
  BOOST_TEST(usage[0].completion_tokens == 16);
}

BOOST_AUTO_TEST_CASE(anthropic_messages_carry_the_key_as_x_api_key_and_are_metered) {
  World w;
  Answer a = w.Call("/v1/messages", R"({"model":"claude-test","max_tokens":50,"messages":[{"role":"user","content":"hi"}],"stream":true})",
                    w.token_a, /*anthropic=*/true);
  BOOST_REQUIRE_MESSAGE(a.status == 200, a.body);
  BOOST_TEST(a.body.find("message_stop") != std::string::npos);
  BOOST_TEST(w.stub.Requests().at(0).x_api_key.value_or("") == "real-provider-key");
  auto usage = w.Usage("acme");
  BOOST_REQUIRE(usage.size() == 1u);
  BOOST_TEST(!usage[0].estimated);
  BOOST_TEST(usage[0].provider == "stub-anthropic");
}

BOOST_AUTO_TEST_CASE(a_stream_without_reported_usage_is_estimated_and_marked_so) {
  World w;
  Answer a = w.Call("/v1/chat/completions", R"({"model":"big-model","stream":true,"messages":[]})", w.token_a);
  BOOST_REQUIRE(a.status == 200);
  auto usage = w.Usage("acme");
  BOOST_REQUIRE(usage.size() == 1u);
  BOOST_TEST(usage[0].estimated);
  BOOST_TEST(usage[0].completion_tokens > 0);
  BOOST_TEST(usage[0].cost_micros > 0);
}

BOOST_AUTO_TEST_CASE(fifty_concurrent_requests_against_a_budget_for_ten_let_at_most_ten_through) {
  World w;
  // Each request reserves prompt (bytes / 3) + max_tokens 100 at 1 and 2 per token: give room for ten.
  const int64_t one = meter::CostMicros((static_cast<int64_t>(kChat.size()) + 2) / 3, 100, 1000000, 2000000);
  meter::Budget b;
  b.limit_micros = 10 * one + one / 2;
  BOOST_REQUIRE(w.ledger->SetBudget("acme", b).ok());
  std::atomic<int> ok{0}, limited{0}, other{0};
  std::vector<std::thread> threads;
  for (int i = 0; i < 50; ++i)
    threads.emplace_back([&] {
      Answer a = w.Call("/v1/chat/completions", kChat.substr(0, kChat.size() - 1) + R"(,"x_stub":{"delay_ms":200}})", w.token_a);
      if (a.status == 200) ++ok;
      else if (a.status == 429 && a.body.find("\"insufficient_quota\"") != std::string::npos) ++limited;
      else ++other;
    });
  for (auto& t : threads) t.join();
  BOOST_TEST(ok.load() <= 10);
  BOOST_TEST(ok.load() >= 1);
  BOOST_TEST(ok.load() + limited.load() == 50);
  BOOST_TEST(other.load() == 0);
  meter::Totals t = w.Totals("acme");
  BOOST_TEST(t.spent_micros <= b.limit_micros);
  BOOST_TEST(t.reserved_micros == 0);
  BOOST_TEST_MESSAGE("budget for 10: " << ok.load() << " served, " << limited.load() << " refused");
}

BOOST_AUTO_TEST_CASE(a_client_that_goes_away_mid_stream_still_settles_its_reservation) {
  World w;
  const std::string body = R"({"model":"big-model","stream":true,"messages":[],"x_stub":{"hang":true}})";
  {
    Poco::Net::HTTPClientSession s("127.0.0.1", w.proxy->port());
    Poco::Net::HTTPRequest req = testing::MakeRequest("POST", "/v1/chat/completions", w.token_a, body);
    s.sendRequest(req) << body;
    Poco::Net::HTTPResponse resp;
    std::istream& in = s.receiveResponse(resp);
    std::string first;
    std::getline(in, first);
    BOOST_TEST(w.Totals("acme").reserved_micros > 0);  // in flight: reserved
  }  // the agent goes away
  w.stub.Stop();   // ends the stalled answer, so the proxy notices
  w.proxy->Stop();  // returns once every handler has returned: the abandoned request is over
  BOOST_TEST(w.Totals("acme").reserved_micros == 0);
  auto usage = w.Usage("acme");
  BOOST_REQUIRE(usage.size() == 1u);
  BOOST_TEST(usage[0].estimated);
}

BOOST_AUTO_TEST_CASE(a_provider_that_is_down_gives_a_502_naming_it) {
  World w;
  uint16_t dead;
  {
    Poco::Net::ServerSocket s(Poco::Net::SocketAddress("127.0.0.1", 0));
    dead = s.address().port();
  }
  w.AddProviders(dead, 1, 1);
  Answer a = w.Call("/v1/chat/completions", kChat, w.token_a);
  BOOST_TEST(a.status == 502);
  BOOST_TEST(a.body.find("provider 'stub-openai' is unreachable") != std::string::npos, a.body);
  BOOST_TEST(w.Totals("acme").reserved_micros == 0);
  BOOST_TEST(w.Totals("acme").spent_micros == 0);
}

BOOST_AUTO_TEST_CASE(unknown_and_revoked_tokens_get_401_in_the_called_apis_format) {
  World w;
  Answer none = w.Call("/v1/chat/completions", kChat, "");
  BOOST_TEST(none.status == 401);
  Answer wrong = w.Call("/v1/chat/completions", kChat, "chp_not-a-token");
  BOOST_TEST(wrong.status == 401);
  BOOST_TEST(wrong.body.find("\"invalid_api_key\"") != std::string::npos);
  Answer anthropic = w.Call("/v1/messages", R"({"model":"claude-test","messages":[]})", "chp_nope", true);
  BOOST_TEST(anthropic.status == 401);
  BOOST_TEST(anthropic.body.find("\"authentication_error\"") != std::string::npos);
  BOOST_REQUIRE(w.ledger->RemoveTenant("acme").ok());
  BOOST_TEST(w.Call("/v1/chat/completions", kChat, w.token_a).status == 401);
  BOOST_TEST(w.stub.Requests().empty());  // nothing reached the provider
}

BOOST_AUTO_TEST_CASE(a_token_presented_by_another_tenants_agent_is_refused) {
  World w;
  w.peers.uid = 300002;  // globex's agent presents acme's token
  Answer a = w.Call("/v1/chat/completions", kChat, w.token_a);
  BOOST_TEST(a.status == 401);
  BOOST_TEST(a.body.find("another tenant") != std::string::npos);
  w.peers.uid = 300001;  // acme's own agent
  BOOST_TEST(w.Call("/v1/chat/completions", kChat, w.token_a).status == 200);
  BOOST_TEST(w.Usage("globex").empty());
}

BOOST_AUTO_TEST_CASE(malformed_oversized_and_unknown_requests_get_4xx_and_reach_no_provider) {
  World w;
  BOOST_TEST(w.Call("/v1/chat/completions", "{not json", w.token_a).status == 400);
  BOOST_TEST(w.Call("/v1/chat/completions", "[1,2]", w.token_a).status == 400);
  BOOST_TEST(w.Call("/v1/chat/completions", R"({"messages":[]})", w.token_a).status == 400);
  BOOST_TEST(w.Call("/v1/chat/completions", R"({"model":7})", w.token_a).status == 400);
  BOOST_TEST(w.Call("/v1/chat/completions", R"({"model":"no-such-model"})", w.token_a).status == 404);
  BOOST_TEST(w.Call("/v1/messages", R"({"model":"big-model"})", w.token_a, true).status == 404);  // an OpenAI model
  BOOST_TEST(w.Call("/v1/embeddings", kChat, w.token_a).status == 404);
  BOOST_TEST(w.Call("/v1/chat/completions", "", w.token_a, false, "GET").status == 405);
  {  // a declared 17 MiB body is refused from the head, before it is sent
    Poco::Net::StreamSocket sock(Poco::Net::SocketAddress("127.0.0.1", w.proxy->port()));
    std::string head = "POST /v1/chat/completions HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer " + w.token_a +
                       "\r\nContent-Type: application/json\r\nContent-Length: " + std::to_string(17 << 20) + "\r\n\r\n{";
    sock.sendBytes(head.data(), static_cast<int>(head.size()));
    char buf[512] = {};
    int n = sock.receiveBytes(buf, sizeof buf - 1);
    BOOST_TEST(std::string(buf, n > 0 ? n : 0).find(" 413 ") != std::string::npos);
  }
  BOOST_TEST(w.stub.Requests().empty());
  BOOST_TEST(w.Totals("acme").reserved_micros == 0);
}

BOOST_AUTO_TEST_CASE(with_the_budget_spent_a_fallback_model_serves_instead_of_a_429) {
  World w;
  meter::Budget b;
  b.limit_micros = 1;
  b.fallback_model = "small-model";
  BOOST_REQUIRE(w.ledger->SetBudget("acme", b).ok());
  Answer a = w.Call("/v1/chat/completions", kChat, w.token_a);
  BOOST_REQUIRE_MESSAGE(a.status == 200, a.body);
  BOOST_TEST(w.stub.Requests().at(0).model == "small-model");
  BOOST_TEST(w.Usage("acme").at(0).model == "small-model");
}

BOOST_AUTO_TEST_CASE(the_model_list_shows_only_the_providers_a_tenant_may_use) {
  World w;
  meter::Budget b;
  b.providers = {"stub-anthropic"};
  BOOST_REQUIRE(w.ledger->SetBudget("acme", b).ok());
  Answer a = w.Call("/v1/models", "", w.token_a, false, "GET");
  BOOST_TEST(a.status == 200);
  BOOST_TEST(a.body.find("claude-test") != std::string::npos);
  BOOST_TEST(a.body.find("big-model") == std::string::npos);
  BOOST_TEST(w.Call("/v1/chat/completions", kChat, w.token_a).status == 404);  // not allowed
}

BOOST_AUTO_TEST_CASE(proc_net_lines_give_the_uid_of_the_client_socket) {
  const std::string line =
      "   5: 0100007F:D431 0100007F:2120 01 00000000:00000000 00:00000000 00000000 300001        0 123 1 0 20 4 30 10 -1";
  BOOST_TEST(MatchProcNetLine(line, 0xD431, 0x2120).value_or(0) == 300001u);
  BOOST_TEST(!MatchProcNetLine(line, 0x2120, 0xD431).has_value());  // the proxy's own end
  for (const char* bad : {"", "garbage", "  1: 0100007F:ZZZZ 0100007F:2120 01 0:0 0:0 0 1", "  1: a b c d e f g h"})
    BOOST_TEST(!MatchProcNetLine(bad, 1, 2).has_value(), bad);
}

BOOST_AUTO_TEST_SUITE_END()

}  // namespace
}  // namespace clawhive::proxy
