// Issue 13 acceptance, Telegram: tenant A's real OpenClaw gateway talks to a stub Telegram Bot API in a
// fake internet, and only through the appliance.
//
// A sandbox of its own with a private network (nothing of it exists on the host): api.telegram.org is
// 203.0.113.20 in its /etc/hosts, an address on its loopback where this test serves the stub Bot API
// (stub/telegram_stub.h) over HTTPS with a certificate made for the run. OpenClaw trusts that
// certificate the way an operator makes it trust a corporate CA (openclaw.extra_ca_file ->
// NODE_EXTRA_CA_CERTS); nothing test-only is in what ships. The tenant allows the `telegram` egress
// preset; its agent has no way out but the egress proxy (HTTPS_PROXY) and the metering proxy.
//   - polling: a DM from the stub reaches the agent (getUpdates through the egress proxy), the model call
//     goes through the metering proxy to the provider stub and is counted in the ledger, and the reply
//     comes back to the stub's sendMessage;
//   - webhook: the channel tells Telegram (setWebhook) to call the front at api.public_url; an update
//     posted to the front with that secret reaches the same agent and is answered through sendMessage;
//     a wrong secret reaches nothing.
// The cases run in order on one tenant.
#include <boost/test/unit_test.hpp>

#include <chrono>
#include <cstdlib>
#include <filesystem>
#include <memory>
#include <string>
#include <thread>

#include "integration/fake_internet.h"
#include "integration/harness.h"
#include "openclaw/runtime_artifacts.h"
#include "stub/provider_stub_server.h"
#include "stub/telegram_stub.h"

using namespace std::chrono_literals;
using namespace clawhive::testing;

namespace {

constexpr uint16_t kApiPort = 18476;
const std::string kProviderKey = "stub-provider-key-tg-5a9c01";
const std::string kBotToken = "123456:stub-bot-token";
const std::string kCaPath = "/usr/local/share/clawhive-test/fake-telegram.crt";
const std::string kPublicUrl = "https://clawhive.example.com";
constexpr int64_t kAnn = 424242;  // the Telegram user who may DM tenant A's bot
const std::string kTenant = "tg-a";

const std::string kConfig = R"(api:
  listen: 127.0.0.1:18476
  public_url: https://clawhive.example.com
proxy:
  listen: 127.0.0.1:18486
egress:
  listen: 127.0.0.1:18488
  presets: [telegram]
tenant_defaults:
  memory_high: 1200M
  memory_max: 1536M
  cpu_quota: 100%
  tasks_max: 512
  port_base: 25000
  port_step: 120
probe:
  interval: 2s
  timeout: 1s
  failures: 3
  trial_soak: 5s
openclaw:
  models: [stub-model]
  start_timeout: 240s
  extra_ca_file: )" + kCaPath + "\n";

bool Has(const std::string& haystack, const std::string& needle) { return haystack.find(needle) != std::string::npos; }

// The fake internet and the appliance in it, for the suite. Everything this thread listens on or connects
// to from here on is inside the sandbox's network (NetworkScope).
struct TelegramWorld {
  static inline TelegramWorld* current = nullptr;
  Sandbox sb{kConfig, kApiPort, SandboxOptions{.private_network = true}};
  NetworkScope inside{sb};
  Api api{kApiPort, sb.token(), sb.fingerprint()};
  std::unique_ptr<clawhive::stub::TelegramStub> telegram;
  std::unique_ptr<clawhive::stub::ProviderStubServer> provider;

  TelegramWorld() {
    AddFakeHosts(sb, {{"203.0.113.20", "api.telegram.org"}});
    FakeCertificate cert = MakeFakeCertificate(sb, {"api.telegram.org"}, kCaPath);
    clawhive::stub::TelegramStubOptions t;
    t.address = "203.0.113.20";
    t.port = 443;
    t.token = kBotToken;
    t.tls_cert_file = cert.cert_file;
    t.tls_key_file = cert.key_file;
    telegram = std::make_unique<clawhive::stub::TelegramStub>(t);
    if (clawhive::Status s = telegram->Start(); !s) throw std::runtime_error("Telegram stub: " + s.error().message);
    clawhive::stub::ProviderStubOptions p;
    p.key = kProviderKey;
    provider = std::make_unique<clawhive::stub::ProviderStubServer>(p);
    if (!provider->Start().ok()) throw std::runtime_error("provider stub did not start");
    current = this;
  }
  ~TelegramWorld() {
    current = nullptr;
    telegram.reset();
    provider.reset();
  }
};

TelegramWorld& W() { return *TelegramWorld::current; }
Api& A() { return W().api; }
clawhive::stub::TelegramStub& Bot() { return *W().telegram; }

JsonValue TenantDoc() {
  auto r = A().Get("/v1/tenants/" + kTenant);
  return r.status == 200 ? std::move(r.json) : JsonValue();
}
bool IsHealthy() { return Get(TenantDoc(), "status.healthy").boolean(); }
int64_t Pid() { return static_cast<int64_t>(Get(TenantDoc(), "status.main_pid").number()); }

// Sets the tenant's Telegram channel (OpenClaw checks it first) and waits for the restarted gateway.
void SetTelegram(const std::string& mode) {
  int64_t before = Pid();
  auto r = A().Call("PUT", "/v1/tenants/" + kTenant + "/openclaw",
                    R"({"channels":[{"kind":"telegram","token_secret":"TELEGRAM_BOT_TOKEN","mode":")" + mode +
                        R"(","allow_from":[")" + std::to_string(kAnn) + R"("]}]})");
  BOOST_REQUIRE_MESSAGE(r.status == 200, r.status << " " << r.body);
  BOOST_REQUIRE_MESSAGE(Eventually([&] { return Pid() != before && Pid() > 0 && IsHealthy(); }, 300s, 500ms),
                        kTenant << " did not come back after its Telegram channel changed");
}

// Messages the bot sent to Ann's chat so far.
size_t SentToAnn() {
  size_t n = 0;
  for (const auto& m : Bot().Sent()) n += m.method == "sendMessage" && m.chat_id == std::to_string(kAnn);
  return n;
}
std::string LastTextToAnn() {
  std::string text;
  for (const auto& m : Bot().Sent())
    if (m.chat_id == std::to_string(kAnn)) text = m.text;
  return text;
}

// The model calls the ledger counted for the tenant this month: (requests, prompt tokens).
std::pair<int64_t, int64_t> Metered() {
  auto r = A().Get("/v1/tenants/" + kTenant + "/model-usage");
  int64_t requests = 0, tokens = 0;
  for (const JsonValue& line : Get(r.json, "lines").items()) {
    if (Get(line, "model").string() != "stub-model") continue;
    requests += static_cast<int64_t>(Get(line, "requests").number());
    tokens += static_cast<int64_t>(Get(line, "prompt_tokens").number());
  }
  return {requests, tokens};
}

int64_t EgressTunnels() {
  return static_cast<int64_t>(Get(A().Get("/v1/tenants/" + kTenant + "/egress").json, "usage.tunnels").number());
}

// POST of a Telegram update to the front, as Telegram calls a webhook: HTTPS, the secret header, no bearer.
// The front's status for a webhook call; with `show_body`, its body first and the status on a line of its own.
CommandResult PostToFront(const std::string& secret, const std::string& update, bool show_body = false) {
  return Sh(std::string("curl -sS -m 60 ") + (show_body ? "-w '\\n%{http_code}'" : "-o /dev/null -w '%{http_code}'") + " --cacert " + Quote(W().sb.dir() + "/api.crt") +
            " -H 'Content-Type: application/json' -H " + Quote("X-Telegram-Bot-Api-Secret-Token: " + secret) +
            " --data-binary " + Quote(update) + " https://127.0.0.1:" + std::to_string(kApiPort) + "/v1/hooks/telegram/" + kTenant);
}

}  // namespace

BOOST_AUTO_TEST_SUITE(openclaw_telegram, *boost::unit_test::fixture<TelegramWorld>())

BOOST_AUTO_TEST_CASE(a_dm_reaches_the_agent_through_the_egress_proxy_and_the_metered_reply_comes_back_to_telegram) {
  std::string artifact = Artifact("openclaw-2026.9.5");
  BOOST_REQUIRE_MESSAGE(!artifact.empty(), "no openclaw-2026.9.5 artifact in " << RuntimeDir() << " (tests/openclaw/build-images)");
  auto img = A().Post("/v1/images", R"({"path":")" + artifact + R"("})");
  BOOST_REQUIRE_MESSAGE(img.status == 201, img.body);
  auto key = A().Call("PUT", "/v1/platform/secrets/STUB_KEY", "{\"value\":\"" + kProviderKey + "\"}");
  BOOST_REQUIRE_MESSAGE(key.status < 300, key.body);
  auto p = A().Call("PUT", "/v1/providers/stub",
                    R"({"kind":"openai","base_url":"http://127.0.0.1:)" + std::to_string(W().provider->port()) +
                        R"(/v1","key_secret":"STUB_KEY","models":[{"name":"stub-model","input_per_million":"1.00","output_per_million":"2.00"}]})");
  BOOST_REQUIRE_MESSAGE(p.status == 200 || p.status == 201, p.body);

  auto created = A().Post("/v1/tenants", R"({"id":")" + kTenant + R"(","runtime":{"image":"openclaw-2026.9.5"}})");
  BOOST_REQUIRE_MESSAGE(created.status == 201, created.body);
  BOOST_REQUIRE_MESSAGE(Eventually(IsHealthy, 300s, 500ms), kTenant << " never started");
  auto token = A().Call("PUT", "/v1/tenants/" + kTenant + "/secrets/TELEGRAM_BOT_TOKEN", "{\"value\":\"" + kBotToken + "\"}");
  BOOST_REQUIRE_MESSAGE(token.status < 300, token.body);
  auto egress = A().Call("PUT", "/v1/tenants/" + kTenant + "/egress", R"({"presets":["telegram"]})");
  BOOST_REQUIRE_MESSAGE(egress.status == 200, egress.body);
  SetTelegram("polling");

  // What the gateway was given: the operator's CA for node, the egress proxy in its environment, and no
  // managed proxy in its config (which would send the model calls to the egress proxy too).
  std::string env = W().sb.Exec("cat /var/lib/clawhive/tenants/" + kTenant + ".env").out;
  BOOST_TEST(Has(env, "\nNODE_EXTRA_CA_CERTS=\"" + kCaPath + "\"\n"), env);
  BOOST_TEST(Has(env, "\nHTTPS_PROXY=http://127.0.0.1:18488\n"), env);
  std::string config = W().sb.Exec("cat /var/lib/clawhive-tenants/" + kTenant + "/openclaw.json5").out;
  BOOST_TEST(Has(config, R"("allowFrom":["424242"])"), config);
  BOOST_TEST(!Has(config, R"("proxy":)"), config);

  BOOST_REQUIRE_MESSAGE(Eventually([] { return Bot().CallsOf("getUpdates") > 0; }, 240s, 500ms),
                        "the gateway never polled the stub Bot API; calls so far: " << Bot().Calls().size());
  BOOST_TEST(Bot().CallsOf("getMe") >= 1u);
  const size_t provider_before = W().provider->Requests().size();
  const auto metered_before = Metered();
  const int64_t tunnels_before = EgressTunnels();

  auto sent_at = std::chrono::steady_clock::now();
  Bot().SendText(kAnn, "Ann", "Hello bot, please say hi.");
  BOOST_REQUIRE_MESSAGE(Eventually([] { return SentToAnn() >= 1; }, 240s, 250ms),
                        "no reply reached the stub's sendMessage; calls: " << Bot().Calls().size());
  BOOST_TEST_MESSAGE("oc_telegram_dm_to_reply_s " << std::chrono::duration<double>(std::chrono::steady_clock::now() - sent_at).count()
                                                 << " s (polling, first turn)");
  BOOST_TEST(Has(LastTextToAnn(), "Stub reply"), LastTextToAnn());  // the provider stub's answer, relayed

  // The model call went through the metering proxy: the stub saw the provider key, the ledger counted it.
  auto seen = W().provider->Requests();
  BOOST_REQUIRE(seen.size() > provider_before);
  BOOST_TEST(seen.back().model == "stub-model");
  BOOST_TEST(seen.back().authorization.value_or("") == "Bearer " + kProviderKey);
  std::pair<int64_t, int64_t> metered;
  BOOST_TEST(Eventually([&] { metered = Metered(); return metered.first > metered_before.first; }, 30s, 500ms));
  BOOST_TEST(metered.second > metered_before.second);
  BOOST_TEST_MESSAGE("tg-a metered: " << metered.first << " requests, " << metered.second << " prompt tokens");
  // Telegram's traffic went through the egress proxy, counted to the tenant.
  BOOST_TEST(Eventually([&] { return EgressTunnels() > tunnels_before; }, 90s, 1s), "egress tunnels " << EgressTunnels());
}

BOOST_AUTO_TEST_CASE(in_webhook_mode_telegram_calls_the_front_and_the_update_reaches_the_same_agent) {
  SetTelegram("webhook");
  const std::string url = kPublicUrl + "/v1/hooks/telegram/" + kTenant;
  BOOST_REQUIRE_MESSAGE(Eventually([&] { return Bot().webhook_url() == url; }, 240s, 500ms),
                        "setWebhook never named " << url << " (it named '" << Bot().webhook_url() << "')");
  const std::string secret = Bot().webhook_secret();
  BOOST_TEST(secret.rfind("tgw_", 0) == 0u, secret);

  const size_t before = SentToAnn();
  // A wrong secret reaches nothing.
  CommandResult wrong = PostToFront("tgw_not-the-secret", Bot().TextUpdate(kAnn, "Ann", "let me in"));
  BOOST_TEST(wrong.out == "401", wrong.out);
  auto sent_at = std::chrono::steady_clock::now();
  // Telegram delivers an update again while the answer is not a 2xx. OpenClaw 2026.9.5 answers 500
  // ("webhook ingress is not ready") between its setWebhook call and the start of its spool drain, which
  // is when this test first sees the URL; so the test redelivers as Telegram does, and says how often.
  const std::string update = Bot().TextUpdate(kAnn, "Ann", "Hello again, through the webhook.");
  CommandResult ok = PostToFront(secret, update);
  int redeliveries = 0;
  while (ok.out.size() == 3 && ok.out[0] == '5' && std::chrono::steady_clock::now() - sent_at < 60s) {
    std::this_thread::sleep_for(500ms);
    ok = PostToFront(secret, update);
    ++redeliveries;
  }
  BOOST_TEST(ok.out == "200", ok.out << ": " << (ok.out == "200" ? "" : PostToFront(secret, update, true).out));
  BOOST_TEST_MESSAGE("webhook redeliveries (agent answered 5xx): " << redeliveries);
  BOOST_REQUIRE_MESSAGE(Eventually([&] { return SentToAnn() > before; }, 240s, 250ms), "no reply to the webhook's update");
  BOOST_TEST_MESSAGE("oc_telegram_webhook_to_reply_s "
                     << std::chrono::duration<double>(std::chrono::steady_clock::now() - sent_at).count() << " s");
  BOOST_TEST(Has(LastTextToAnn(), "Stub reply"), LastTextToAnn());
  BOOST_TEST(SentToAnn() == before + 1);  // the refused update got no answer

  std::string metrics = A().Get("/metrics").body;
  BOOST_TEST(Has(metrics, "clawhive_tenant_webhook_requests_total{tenant=\"tg-a\",channel=\"telegram\",code=\"200\"} 1"), metrics);
  BOOST_TEST(Has(metrics, "clawhive_webhook_refused_total{reason=\"unauthorized\"} 1"), metrics);
  auto audit = A().Get("/v1/tenants/" + kTenant + "/audit");
  BOOST_TEST(Has(audit.body, "POST /v1/hooks/telegram/{id}"), audit.body);
}

BOOST_AUTO_TEST_SUITE_END()
