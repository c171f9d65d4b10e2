// Telegram's webhook calls through the front: a real ApiServer on loopback in front of a FakeTenantService
// and a runtime service that knows two tenants' webhook listeners (real HTTP servers on loopback that
// record what reached them). Spoken to over real HTTP by Telegram and by hostile callers.
#include <Poco/Net/HTTPClientSession.h>
#include <Poco/Net/HTTPRequest.h>
#include <Poco/Net/HTTPServerRequest.h>
#include <Poco/Net/HTTPServerResponse.h>
#include <Poco/Net/ServerSocket.h>
#include <Poco/StreamCopier.h>

#include <boost/test/unit_test.hpp>
#include <cctype>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <sstream>
#include <string>
#include <utility>
#include <vector>

#include "supervisor/api/api_server.h"
#include "supervisor/api/webhook_gate.h"
#include "supervisor/common/http_server.h"
#include "unit/fake_runtime_service.h"
#include "unit/fake_tenant_service.h"
#include "unit/gateway_sockets.h"
#include "unit/http_exchange.h"
#include "unit/loopback_api.h"
#include "unit/temp_identity.h"

namespace clawhive {
namespace {

using Reply = testing::HttpReply;

const char* const kOperator = "webhook-routes-operator-0123456789abcdef01";
const std::string kOwnSecret = "tgw_own-secret-0123456789abcdefghijklmnopqrstuv";
const std::string kOtherSecret = "tgw_other-secret-0123456789abcdefghijklmnopqrs";
// As Telegram sends it: the ids are larger than 2^32 and the text is not ASCII; it must arrive byte for byte.
const std::string kUpdate =
    "{\"update_id\": 900000001,\n \"message\": {\"message_id\": 5, \"date\": 1796476576, \"chat\": {\"id\": 5123456789012, "
    "\"type\": \"private\"}, \"from\": {\"id\": 5123456789012, \"is_bot\": false, \"first_name\": \"Ann\"}, "
    "\"text\": \"Gr\xC3\xBC\xC3\x9F dich \\u263a\"}}";

bool Has(const std::string& haystack, const std::string& needle) { return haystack.find(needle) != std::string::npos; }
std::string HookPath(const std::string& tenant) { return "/v1/hooks/telegram/" + tenant; }

// A tenant's OpenClaw webhook listener as the appliance sees it: records each request; answers `status`
// (OpenClaw's durable-accept answer by default: an empty 200).
class StubListener {
 public:
  struct Seen {
    std::string method, path, body;
    std::map<std::string, std::string> headers;  // lower-case names
  };
  StubListener(const std::string& socket_path, uint16_t port)
      : port_(port), server_([this](auto& req, auto& resp) { Serve(req, resp); }) {
    HttpServerOptions o;
    o.what = "stub webhook listener";
    o.max_threads = 2;
    BOOST_REQUIRE(server_.StartUnix(socket_path, o).ok());
  }
  ~StubListener() { server_.Stop(); }
  uint16_t port() const { return port_; }
  void AnswerStatus(int status) {
    std::lock_guard<std::mutex> lock(mu_);
    status_ = status;
  }
  std::vector<Seen> seen() {
    std::lock_guard<std::mutex> lock(mu_);
    return seen_;
  }

 private:
  void Serve(Poco::Net::HTTPServerRequest& req, Poco::Net::HTTPServerResponse& resp) {
    Seen s;
    s.method = req.getMethod();
    s.path = req.getURI();
    for (const auto& [name, value] : req) {
      std::string lower = name;
      for (char& c : lower) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
      s.headers[lower] = value;
    }
    std::ostringstream body;
    Poco::StreamCopier::copyStream(req.stream(), body);
    s.body = body.str();
    int status;
    {
      std::lock_guard<std::mutex> lock(mu_);
      seen_.push_back(s);
      status = status_;
    }
    resp.setStatus(static_cast<Poco::Net::HTTPResponse::HTTPStatus>(status));
    resp.setContentType("text/plain; charset=utf-8");
    if (status == 200) resp.set("x-openclaw-delivery-accepted", "durable");
    std::string text = status == 200 ? "" : "unauthorized";
    resp.sendBuffer(text.data(), text.size());
  }

  const uint16_t port_;
  std::mutex mu_;
  int status_ = 200;
  std::vector<Seen> seen_;
  HttpServer server_;
};

// The loop's answer for each tenant: where its listener is and its secret; the rest have no webhook.
class WebhookRuntimes : public testing::FakeRuntimeService {
 public:
  void Set(const std::string& tenant, TelegramWebhookTarget target) {
    std::lock_guard<std::mutex> lock(mu_);
    targets_[tenant] = std::move(target);
  }
  Result<TelegramWebhookTarget> TelegramWebhook(const std::string& tenant) override {
    std::lock_guard<std::mutex> lock(mu_);
    ++lookups_;
    auto it = targets_.find(tenant);
    if (it == targets_.end()) return Error::NotFound("no Telegram webhook for tenant '" + tenant + "'");
    return it->second;
  }
  int lookups() {
    std::lock_guard<std::mutex> lock(mu_);
    return lookups_;
  }

 private:
  std::mutex mu_;
  std::map<std::string, TelegramWebhookTarget> targets_;
  int lookups_ = 0;
};

struct WebhookWorld {
  explicit WebhookWorld(uint64_t rate = 1000) : ids(kOperator) {
    for (const char* id : {"own", "other", "polling"}) BOOST_REQUIRE(tenants.Create(id, {}).ok());
    runtimes.Set("own", {own.port(), kOwnSecret});
    runtimes.Set("other", {other.port(), kOtherSecret});
    ApiServerOptions o = testing::LoopbackApiOptions(ids, 6);
    o.audit = ids.audit.get();
    o.runtimes = &runtimes;
    o.ingress.gateway_socket_dir = sockets.dir.path;
    o.webhook_rate = rate;
    server = std::make_unique<ApiServer>(tenants, o);
    Status s = server->Start();
    BOOST_REQUIRE_MESSAGE(s.ok(), s.error().message);
  }

  // POST of `body` to `path` as Telegram would send it, with these headers (a secret among them or not).
  Reply Post(const std::string& path, const std::string& body, const std::vector<std::pair<std::string, std::string>>& headers,
             const std::string& content_type = "application/json") {
    Poco::Net::HTTPClientSession session("127.0.0.1", server->port());
    session.setTimeout(Poco::Timespan(20, 0));
    Poco::Net::HTTPRequest req("POST", path, Poco::Net::HTTPMessage::HTTP_1_1);
    req.setContentType(content_type);
    req.setContentLength64(static_cast<Poco::Int64>(body.size()));
    for (const auto& [n, v] : headers) req.add(n, v);
    return testing::Exchange(session, req, body);
  }
  Reply Telegram(const std::string& tenant, const std::string& secret, const std::string& body = kUpdate) {
    return Post(HookPath(tenant), body, {{"X-Telegram-Bot-Api-Secret-Token", secret}});
  }
  Reply Metrics() {
    Poco::Net::HTTPClientSession session("127.0.0.1", server->port());
    Poco::Net::HTTPRequest req = testing::MakeRequest("GET", "/metrics", kOperator);
    return testing::Exchange(session, req, "");
  }
  size_t Reached() { return own.seen().size() + other.seen().size(); }

  testing::TempIdentity ids;
  testing::GatewaySockets sockets;  // each listener on its tenant's gateway socket for the listener's port
  StubListener own{sockets.Path("own", 20110), 20110}, other{sockets.Path("other", 20230), 20230};
  testing::FakeTenantService tenants;
  WebhookRuntimes runtimes;
  std::unique_ptr<ApiServer> server;
};

}  // namespace

BOOST_AUTO_TEST_SUITE(webhook_routes)

BOOST_AUTO_TEST_CASE(an_update_with_the_tenants_secret_reaches_its_listener_byte_for_byte_and_nothing_else_of_the_call) {
  WebhookWorld w;
  Reply r = w.Post(HookPath("own"), kUpdate,
                   {{"X-Telegram-Bot-Api-Secret-Token", kOwnSecret}, {"Authorization", "Bearer someone-elses"},
                    {"Cookie", "clawhive_session=abc"}, {"X-Forwarded-For", "198.51.100.7"}});
  BOOST_TEST(r.status == 200, r.body);
  BOOST_TEST(r.body.empty(), r.body);  // Telegram reads a method call out of a webhook's answer: never give it one
  auto seen = w.own.seen();
  BOOST_TEST_REQUIRE(seen.size() == 1u);
  BOOST_TEST(seen[0].method == "POST");
  BOOST_TEST(seen[0].path == "/telegram-webhook");
  BOOST_TEST(seen[0].body == kUpdate);
  BOOST_TEST(seen[0].headers["x-telegram-bot-api-secret-token"] == kOwnSecret);
  BOOST_TEST(seen[0].headers["content-type"] == "application/json");
  for (const char* absent : {"authorization", "cookie", "x-forwarded-for"}) BOOST_TEST(seen[0].headers.count(absent) == 0u, absent);
  BOOST_TEST(w.other.seen().empty());
}

BOOST_AUTO_TEST_CASE(a_missing_empty_or_wrong_secret_is_a_401_that_reaches_no_listener) {
  WebhookWorld w;
  const std::vector<std::string> wrong = {"", "wrong", kOtherSecret, kOwnSecret + "x", kOwnSecret.substr(1),
                                          kOwnSecret.substr(0, kOwnSecret.size() - 1), kOwnSecret + " x",
                                          "TGW_OWN-SECRET-0123456789ABCDEFGHIJKLMNOPQRSTUV"};
  for (const std::string& secret : wrong) {
    Reply r = w.Telegram("own", secret);
    BOOST_TEST(r.status == 401, "'" << secret << "': " << r.body);
    BOOST_TEST(Has(r.body, "missing or wrong X-Telegram-Bot-Api-Secret-Token"), r.body);
  }
  Reply none = w.Post(HookPath("own"), kUpdate, {});
  BOOST_TEST(none.status == 401, none.body);
  // The appliance's own credentials are no way in either.
  Reply bearer = w.Post(HookPath("own"), kUpdate, {{"Authorization", std::string("Bearer ") + kOperator}});
  BOOST_TEST(bearer.status == 401, bearer.body);
  // Two secret headers: refused, never one of them picked.
  Reply twice = w.Post(HookPath("own"), kUpdate,
                       {{"X-Telegram-Bot-Api-Secret-Token", "wrong"}, {"X-Telegram-Bot-Api-Secret-Token", kOwnSecret}});
  BOOST_TEST(twice.status == 400, twice.body);
  BOOST_TEST(w.Reached() == 0u);
}

BOOST_AUTO_TEST_CASE(an_unknown_tenant_a_malformed_id_and_a_tenant_without_a_webhook_all_look_the_same) {
  WebhookWorld w;
  Reply wrong = w.Telegram("own", "wrong");
  for (const std::string& id : {std::string("nobody"), std::string("polling"), std::string("UPPER"), std::string("a%2Fb"),
                                std::string("..%2F..%2Fv1%2Ftenants"), std::string(300, 'a')}) {
    Reply r = w.Telegram(id, kOwnSecret);
    BOOST_TEST(r.status == 401, id << ": " << r.body);
    BOOST_TEST(r.body == wrong.body, id);  // no oracle for which tenants exist or have a webhook
  }
  BOOST_TEST(w.Reached() == 0u);
  Reply wrong_method = w.Post(HookPath("own") + "/x", kUpdate, {{"X-Telegram-Bot-Api-Secret-Token", kOwnSecret}});
  BOOST_TEST(wrong_method.status == 401, wrong_method.body);  // an unknown path asks for credentials like any other
}

BOOST_AUTO_TEST_CASE(an_oversize_body_is_a_413_before_the_secret_is_even_looked_up) {
  WebhookWorld w;
  std::string big = "{\"update_id\":1,\"pad\":\"" + std::string(api::kMaxTelegramUpdateBytes, 'x') + "\"}";
  Reply r = w.Telegram("own", kOwnSecret, big);
  BOOST_TEST(r.status == 413, r.body);
  BOOST_TEST(Has(r.body, std::to_string(api::kMaxTelegramUpdateBytes)), r.body);
  BOOST_TEST(w.Reached() == 0u);
  BOOST_TEST(w.runtimes.lookups() == 0);
  // Right at the limit is fine.
  std::string fits = "{\"update_id\":1,\"pad\":\"" + std::string(api::kMaxTelegramUpdateBytes - 25, 'x') + "\"}";
  BOOST_TEST_REQUIRE(fits.size() <= api::kMaxTelegramUpdateBytes);
  BOOST_TEST(w.Telegram("own", kOwnSecret, fits).status == 200);
}

BOOST_AUTO_TEST_CASE(a_body_that_is_not_a_telegram_update_is_refused_and_reaches_no_listener) {
  WebhookWorld w;
  BOOST_TEST(w.Telegram("own", kOwnSecret, "not json").status == 400);
  BOOST_TEST(w.Telegram("own", kOwnSecret, "[1,2]").status == 400);
  BOOST_TEST(w.Telegram("own", kOwnSecret, R"({"message":{}})").status == 400);
  BOOST_TEST(w.Telegram("own", kOwnSecret, R"({"update_id":-1})").status == 400);
  BOOST_TEST(w.Telegram("own", kOwnSecret, R"({"update_id":"1"})").status == 400);
  BOOST_TEST(w.Post(HookPath("own"), kUpdate, {{"X-Telegram-Bot-Api-Secret-Token", kOwnSecret}}, "text/plain").status == 415);
  // An empty or malformed update says so only to whoever holds the secret.
  Reply anonymous = w.Telegram("own", "wrong", R"({"message":{}})");
  BOOST_TEST(anonymous.status == 401, anonymous.body);
  BOOST_TEST(w.Reached() == 0u);
}

BOOST_AUTO_TEST_CASE(past_its_rate_a_tenant_is_answered_429_and_another_tenant_is_not) {
  WebhookWorld w(1);  // 1 a second, bursts of 2 (the bucket itself is tested with a clock of its own below)
  // Wrong secrets spend the bucket too: a flood of guesses is capped like real updates.
  BOOST_TEST(w.Telegram("own", "guess-1").status == 401);
  BOOST_TEST(w.Telegram("own", "guess-2").status == 401);
  Reply r = w.Telegram("own", kOwnSecret);
  BOOST_TEST(r.status == 429, r.body);
  BOOST_TEST(r.headers["retry-after"] == "1");
  BOOST_TEST(w.own.seen().empty());
  BOOST_TEST(w.Telegram("other", kOtherSecret).status == 200);
  BOOST_TEST(Has(w.Metrics().body, "clawhive_webhook_refused_total{reason=\"rate\"} 1"));
}

BOOST_AUTO_TEST_CASE(a_listener_refusing_the_appliances_secret_or_not_answering_is_a_502) {
  WebhookWorld w;
  w.own.AnswerStatus(401);
  Reply refused = w.Telegram("own", kOwnSecret);
  BOOST_TEST(refused.status == 502, refused.body);
  BOOST_TEST(Has(refused.body, "agent_refused_appliance"), refused.body);
  w.runtimes.Set("own", {29110, kOwnSecret});  // no gateway socket for that port
  Reply down = w.Telegram("own", kOwnSecret);
  BOOST_TEST(down.status == 502, down.body);
  BOOST_TEST(Has(down.body, "agent_unreachable"), down.body);
}

BOOST_AUTO_TEST_CASE(each_call_is_audited_under_its_tenant_and_counted_in_metrics_without_anonymous_tenants) {
  WebhookWorld w;
  BOOST_TEST(w.Telegram("own", kOwnSecret).status == 200);
  BOOST_TEST(w.Telegram("own", "wrong").status == 401);
  BOOST_TEST(w.Telegram("made-up-tenant", "wrong").status == 401);
  auto entries = w.ids.audit->Query({});
  BOOST_REQUIRE(entries.ok());
  int hooks = 0;
  for (const auto& e : *entries) {
    if (e.action != "POST /v1/hooks/telegram/{id}") continue;
    ++hooks;
    BOOST_TEST(e.actor == "telegram");
    BOOST_TEST(e.role == "webhook");
    if (e.status == 200) BOOST_TEST(e.tenant == "own");
    else BOOST_TEST(e.tenant.empty());  // a refused caller is not the tenant's business, nor is a made-up id
  }
  BOOST_TEST(hooks == 3);
  Reply m = w.Metrics();
  BOOST_TEST(Has(m.body, "clawhive_tenant_webhook_requests_total{tenant=\"own\",channel=\"telegram\",code=\"200\"} 1"), m.body);
  BOOST_TEST(Has(m.body, "clawhive_webhook_refused_total{reason=\"unauthorized\"} 2"), m.body);
  BOOST_TEST(!Has(m.body, "made-up-tenant"), m.body);
}

BOOST_AUTO_TEST_SUITE_END()

BOOST_AUTO_TEST_SUITE(webhook_gate)

BOOST_AUTO_TEST_CASE(a_bucket_holds_twice_the_rate_and_refills_at_the_rate) {
  int64_t now = 1000;
  api::WebhookGate gate(3, [&] { return now; });
  int admitted = 0;
  while (gate.Admit("a") && admitted < 100) ++admitted;
  BOOST_TEST(admitted == 6);
  BOOST_TEST(gate.Admit("b"));  // tenants do not share a bucket
  now += 333;
  BOOST_TEST(!gate.Admit("a"));  // 0.999 of a call back
  now += 1;
  BOOST_TEST(gate.Admit("a"));
  now += 60000;  // a long pause refills up to the burst only
  admitted = 0;
  while (gate.Admit("a") && admitted < 100) ++admitted;
  BOOST_TEST(admitted == 6);
  now -= 5000;  // a clock going back takes nothing and gives nothing
  BOOST_TEST(!gate.Admit("a"));
}

BOOST_AUTO_TEST_CASE(the_table_of_buckets_stays_bounded_under_made_up_ids) {
  int64_t now = 0;
  api::WebhookGate gate(1, [&] { return now; });
  BOOST_TEST(gate.Admit("busy"));
  BOOST_TEST(gate.Admit("busy"));
  BOOST_TEST(!gate.Admit("busy"));
  for (size_t i = 0; i < 3 * api::WebhookGate::kMaxTracked; ++i) BOOST_TEST_REQUIRE(gate.Admit("id-" + std::to_string(i)));
  // Nothing grew without bound and nothing crashed; a forgotten bucket starts full again, which is the
  // only thing an attacker gains.
  BOOST_TEST(gate.Admit("fresh"));
}

BOOST_AUTO_TEST_CASE(metrics_show_listed_tenants_only_and_refusals_by_reason) {
  api::WebhookGate gate(1);
  gate.Count("a", "telegram", 200);
  gate.Count("a", "telegram", 200);
  gate.Count("gone", "telegram", 502);
  gate.CountRefused("rate");
  std::string m = gate.RenderMetrics({"a", "b"});
  BOOST_TEST(Has(m, "clawhive_tenant_webhook_requests_total{tenant=\"a\",channel=\"telegram\",code=\"200\"} 2\n"), m);
  BOOST_TEST(!Has(m, "gone"), m);
  BOOST_TEST(Has(m, "clawhive_webhook_refused_total{reason=\"rate\"} 1\n"), m);
  BOOST_TEST(Has(m, "clawhive_webhook_refused_total{reason=\"unauthorized\"} 0\n"), m);
}

BOOST_AUTO_TEST_SUITE_END()

}  // namespace clawhive
