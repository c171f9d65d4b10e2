// Each tenant's OpenAI-compatible endpoint: a real ApiServer on loopback in front of a FakeTenantService
// and a FakeRuntimeService, and a stand-in gateway per tenant (a real HTTP server on the tenant's gateway
// socket, in a directory of the test's own) that records what reached it and answers as told. Spoken to over real HTTP, hostile callers included.
#include <Poco/Net/HTTPClientSession.h>
#include <Poco/Net/HTTPRequest.h>
#include <Poco/Net/HTTPResponse.h>
#include <Poco/Net/HTTPServerRequest.h>
#include <Poco/Net/HTTPServerResponse.h>
#include <Poco/Net/ServerSocket.h>
#include <Poco/Net/StreamSocket.h>
#include <Poco/StreamCopier.h>

#include <boost/test/unit_test.hpp>
#include <chrono>
#include <condition_variable>
#include <functional>
#include <future>
#include <map>
#include <memory>
#include <mutex>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

#include "supervisor/api/api_server.h"
#include "supervisor/common/http_server.h"
#include "supervisor/common/json.h"
#include "unit/fake_runtime_service.h"
#include "unit/fake_tenant_service.h"
#include "unit/gateway_sockets.h"
#include "unit/http_exchange.h"
#include "unit/loopback_api.h"
#include "unit/temp_identity.h"

namespace clawhive {
namespace {

using namespace std::chrono_literals;
using Reply = testing::HttpReply;

const char* const kOperator = "chat-routes-operator-0123456789abcdef0123";
const std::string kChat = R"({"model":"openclaw","messages":[{"role":"user","content":"hello"}]})";
const std::string kStreamChat = R"({"model":"openclaw","stream":true,"messages":[{"role":"user","content":"hello"}]})";

bool Has(const std::string& haystack, const std::string& needle) { return haystack.find(needle) != std::string::npos; }

std::string ChatPath(const std::string& tenant) { return "/v1/tenants/" + tenant + "/openai/v1/chat/completions"; }

// A tenant's gateway as the appliance sees it: records each request; answers with `answer`.
class StubGateway {
 public:
  struct Seen {
    std::string method, path, body;
    std::map<std::string, std::string> headers;  // lower-case names
  };
  using Answerer = std::function<void(Poco::Net::HTTPServerRequest&, Poco::Net::HTTPServerResponse&)>;

  explicit StubGateway(const std::string& socket_path) : server_([this](auto& req, auto& resp) { Serve(req, resp); }) {
    HttpServerOptions o;
    o.what = "stub gateway";
    o.max_threads = 4;
    BOOST_REQUIRE(server_.StartUnix(socket_path, o).ok());
    answer_ = [](auto&, Poco::Net::HTTPServerResponse& resp) {
      std::string body = R"({"id":"c1","object":"chat.completion","choices":[{"index":0,"message":{"role":"assistant","content":"hi there"},"finish_reason":"stop"}]})";
      resp.setContentType("application/json");
      resp.sendBuffer(body.data(), body.size());
    };
  }
  ~StubGateway() {
    Release();
    server_.Stop();
  }
  void Answer(Answerer a) {
    std::lock_guard<std::mutex> lock(mu_);
    answer_ = std::move(a);
  }
  std::vector<Seen> seen() {
    std::lock_guard<std::mutex> lock(mu_);
    return seen_;
  }
  // For answers that wait: they block until Release().
  void WaitForRelease() {
    std::unique_lock<std::mutex> lock(mu_);
    cv_.wait_for(lock, 20s, [&] { return released_; });
  }
  void Release() {
    std::lock_guard<std::mutex> lock(mu_);
    released_ = true;
    cv_.notify_all();
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
    Answerer a;
    {
      std::lock_guard<std::mutex> lock(mu_);
      seen_.push_back(s);
      a = answer_;
    }
    a(req, resp);
  }

  std::mutex mu_;
  std::condition_variable cv_;
  bool released_ = false;
  Answerer answer_;
  std::vector<Seen> seen_;
  HttpServer server_;
};

constexpr uint16_t kOwnPort = 20000, kOtherPort = 20120;

struct ChatWorld {
  explicit ChatWorld(api::IngressOptions ingress = {}) : ids(kOperator) {
    TenantPatch own, other;
    own.port = kOwnPort;
    other.port = kOtherPort;
    BOOST_REQUIRE(tenants.Create("own", own).ok());
    BOOST_REQUIRE(tenants.Create("other", other).ok());
    ApiServerOptions o = testing::LoopbackApiOptions(ids, 6);
    o.audit = ids.audit.get();
    o.runtimes = &runtimes;
    o.ingress = ingress;
    o.ingress.gateway_socket_dir = sockets.dir.path;
    o.max_body = 64 * 1024;
    server = std::make_unique<ApiServer>(tenants, o);
    Status s = server->Start();
    BOOST_REQUIRE_MESSAGE(s.ok(), s.error().message);
  }

  std::string Token(auth::Role role, const std::string& tenant, const std::string& name) { return ids.Token(role, tenant, name); }

  Reply Call(const std::string& method, const std::string& uri, const std::string& body, const std::string& token,
             const std::vector<std::pair<std::string, std::string>>& extra = {}) {
    Poco::Net::HTTPClientSession session("127.0.0.1", server->port());
    session.setTimeout(Poco::Timespan(20, 0));
    Poco::Net::HTTPRequest req = testing::MakeRequest(method, uri, token, body);
    for (const auto& [n, v] : extra) req.add(n, v);
    return testing::Exchange(session, req, body);
  }

  testing::TempIdentity ids;
  testing::GatewaySockets sockets;
  StubGateway own_gw{sockets.Path("own", kOwnPort)}, other_gw{sockets.Path("other", kOtherPort)};
  testing::FakeTenantService tenants;
  testing::FakeRuntimeService runtimes;
  std::unique_ptr<ApiServer> server;
};

// Writes one server-sent event and flushes it, as a gateway streams.
void SendEvent(std::ostream& out, const std::string& content) {
  out << "data: {\"choices\":[{\"index\":0,\"delta\":{\"content\":\"" << content << "\"}}]}\n\n";
  out.flush();
}

BOOST_AUTO_TEST_SUITE(chat_routes)

BOOST_AUTO_TEST_CASE(a_tenant_admin_token_chats_with_its_own_agent_which_sees_only_the_gateway_token) {
  ChatWorld w;
  std::string token = w.Token(auth::Role::kTenantAdmin, "own", "app");
  Reply r = w.Call("POST", ChatPath("own"), kChat, token);
  BOOST_TEST(r.status == 200, r.body);
  BOOST_TEST(Has(r.body, "hi there"), r.body);
  auto seen = w.own_gw.seen();
  BOOST_REQUIRE(seen.size() == 1u);
  BOOST_TEST(seen[0].method == "POST");
  BOOST_TEST(seen[0].path == "/v1/chat/completions");
  BOOST_TEST(seen[0].headers["authorization"] == "Bearer ocg_token-of-own");
  BOOST_TEST(!Has(seen[0].body, token));
  BOOST_TEST(Has(seen[0].body, "\"hello\""));
  BOOST_TEST(w.other_gw.seen().empty());
}

BOOST_AUTO_TEST_CASE(an_operator_may_chat_with_any_tenants_agent_and_a_viewer_may_not_chat) {
  ChatWorld w;
  BOOST_TEST(w.Call("POST", ChatPath("other"), kChat, kOperator).status == 200);
  std::string viewer = w.Token(auth::Role::kTenantViewer, "own", "viewer");
  Reply r = w.Call("POST", ChatPath("own"), kChat, viewer);
  BOOST_TEST(r.status == 403, r.body);
  BOOST_TEST(w.own_gw.seen().empty());
  // Listing the agent's models is a read: the viewer may.
  w.own_gw.Answer([](auto&, Poco::Net::HTTPServerResponse& resp) {
    std::string body = R"({"object":"list","data":[{"id":"openclaw","object":"model"}]})";
    resp.setContentType("application/json");
    resp.sendBuffer(body.data(), body.size());
  });
  Reply models = w.Call("GET", "/v1/tenants/own/openai/v1/models", "", viewer);
  BOOST_TEST(models.status == 200, models.body);
  BOOST_TEST(Has(models.body, "\"openclaw\""));
  BOOST_TEST(w.own_gw.seen().back().path == "/v1/models");
  Reply one = w.Call("GET", "/v1/tenants/own/openai/v1/models/openclaw%2Fdefault", "", viewer);
  BOOST_TEST(one.status == 200, one.body);
  BOOST_TEST(w.own_gw.seen().back().path == "/v1/models/openclaw%2Fdefault");
}

BOOST_AUTO_TEST_CASE(tenant_a_token_never_reaches_tenant_b_gateway) {
  ChatWorld w;
  std::string own = w.Token(auth::Role::kTenantAdmin, "own", "own-app");
  for (const std::string& path : {ChatPath("other"), std::string("/v1/tenants/other/openai/v1/models")}) {
    Reply r = w.Call(path == ChatPath("other") ? "POST" : "GET", path, path == ChatPath("other") ? kChat : "", own);
    BOOST_TEST(r.status == 404, path << ": " << r.body);
    BOOST_TEST(r.error_message() == "no tenant 'other'");
  }
  BOOST_TEST(w.other_gw.seen().empty());
  BOOST_TEST(w.own_gw.seen().empty());
  BOOST_TEST(w.runtimes.last_gateway().empty(), "no gateway token was even looked up");
}

BOOST_AUTO_TEST_CASE(a_streamed_reply_reaches_the_caller_event_by_event_before_the_gateway_sends_the_next) {
  ChatWorld w;
  std::promise<void> first_seen;
  auto first_seen_future = first_seen.get_future().share();
  w.own_gw.Answer([first_seen_future](auto&, Poco::Net::HTTPServerResponse& resp) {
    resp.setContentType("text/event-stream");
    resp.setChunkedTransferEncoding(true);
    std::ostream& out = resp.send();
    SendEvent(out, "first");
    // The second event goes out only once the caller has read the first: a front that held the stream
    // back would wait here until the test fails.
    if (first_seen_future.wait_for(10s) != std::future_status::ready) return;
    SendEvent(out, "second");
    out << "data: [DONE]\n\n";
    out.flush();
  });
  Poco::Net::HTTPClientSession session("127.0.0.1", w.server->port());
  session.setTimeout(Poco::Timespan(15, 0));
  Poco::Net::HTTPRequest req = testing::MakeRequest("POST", ChatPath("own"), kOperator, kStreamChat);
  session.sendRequest(req) << kStreamChat;
  Poco::Net::HTTPResponse resp;
  std::istream& in = session.receiveResponse(resp);
  BOOST_TEST(resp.getStatus() == 200);
  BOOST_TEST(Has(resp.getContentType(), "text/event-stream"));
  std::string got;
  char buf[4096];
  while (!Has(got, "first") && in.peek() != EOF) got.append(buf, static_cast<size_t>(in.readsome(buf, sizeof buf)));
  BOOST_TEST(Has(got, "first"));
  BOOST_TEST(!Has(got, "second"));
  first_seen.set_value();
  std::ostringstream rest;
  Poco::StreamCopier::copyStream(in, rest);
  got += rest.str();
  BOOST_TEST(Has(got, "second"), got);
  BOOST_TEST(Has(got, "data: [DONE]"), got);
  BOOST_TEST(w.own_gw.seen().at(0).headers["accept"] == "text/event-stream");
}

BOOST_AUTO_TEST_CASE(a_stopped_agent_answers_503_agent_not_running_and_is_not_called) {
  ChatWorld w;
  BOOST_REQUIRE(w.tenants.Stop("own").ok());
  Reply r = w.Call("POST", ChatPath("own"), kChat, kOperator);
  BOOST_TEST(r.status == 503, r.body);
  BOOST_TEST(r.error_code() == "agent_not_running");
  BOOST_TEST(Has(r.error_message(), "stopped"), r.error_message());
  BOOST_TEST(!r.header("retry-after").empty());
  BOOST_TEST(w.own_gw.seen().empty());
}

BOOST_AUTO_TEST_CASE(a_gateway_socket_that_is_not_there_answers_502_agent_unreachable) {
  ChatWorld w;
  TenantPatch p;
  p.port = 29000;  // no socket unit listens for it
  BOOST_REQUIRE(w.tenants.Update("own", p).ok());
  Reply r = w.Call("POST", ChatPath("own"), kChat, kOperator);
  BOOST_TEST(r.status == 502, r.body);
  BOOST_TEST(r.error_code() == "agent_unreachable");
  BOOST_TEST(!Has(r.body, w.sockets.dir.path), r.body);  // where the appliance keeps its sockets is its own business
}

BOOST_AUTO_TEST_CASE(a_stale_gateway_socket_file_with_no_listener_answers_502_agent_unreachable) {
  ChatWorld w;
  std::string stale = w.sockets.Path("own", 29001);
  {
    Poco::Net::ServerSocket s;
    s.bind(Poco::Net::SocketAddress(Poco::Net::SocketAddress::UNIX_LOCAL, stale), false);
  }  // closed: the file stays, nobody listens
  TenantPatch p;
  p.port = 29001;
  BOOST_REQUIRE(w.tenants.Update("own", p).ok());
  Reply r = w.Call("POST", ChatPath("own"), kChat, kOperator);
  BOOST_TEST(r.status == 502, r.body);
  BOOST_TEST(r.error_code() == "agent_unreachable");
}

BOOST_AUTO_TEST_CASE(a_gateway_that_never_answers_is_cut_off_with_504_after_the_head_bound) {
  api::IngressOptions o;
  o.head_timeout_ms = 400;
  ChatWorld w(o);
  StubGateway* gw = &w.own_gw;
  w.own_gw.Answer([gw](auto&, auto&) { gw->WaitForRelease(); });
  auto started = std::chrono::steady_clock::now();
  Reply r = w.Call("POST", ChatPath("own"), kChat, kOperator);
  auto took = std::chrono::steady_clock::now() - started;
  BOOST_TEST(r.status == 504, r.body);
  BOOST_TEST(r.error_code() == "agent_timeout");
  BOOST_TEST(took < 5s);
  w.own_gw.Release();
}

BOOST_AUTO_TEST_CASE(a_stream_that_stalls_ends_with_an_error_event_after_the_idle_bound) {
  api::IngressOptions o;
  o.idle_timeout_ms = 400;
  ChatWorld w(o);
  StubGateway* gw = &w.own_gw;
  w.own_gw.Answer([gw](auto&, Poco::Net::HTTPServerResponse& resp) {
    resp.setContentType("text/event-stream");
    resp.setChunkedTransferEncoding(true);
    std::ostream& out = resp.send();
    SendEvent(out, "partial");
    gw->WaitForRelease();
  });
  Reply r = w.Call("POST", ChatPath("own"), kStreamChat, kOperator);
  BOOST_TEST(r.status == 200);
  BOOST_TEST(Has(r.body, "partial"), r.body);
  BOOST_TEST(Has(r.body, "agent_timeout"), r.body);
  BOOST_TEST(Has(r.body, "data: [DONE]"), r.body);
  w.own_gw.Release();
}

BOOST_AUTO_TEST_CASE(a_gateway_refusing_the_appliances_token_is_a_502_not_the_callers_401) {
  ChatWorld w;
  w.own_gw.Answer([](auto&, Poco::Net::HTTPServerResponse& resp) {
    resp.setStatus(Poco::Net::HTTPResponse::HTTP_UNAUTHORIZED);
    resp.send() << R"({"error":{"message":"Unauthorized"}})";
  });
  Reply r = w.Call("POST", ChatPath("own"), kChat, kOperator);
  BOOST_TEST(r.status == 502, r.body);
  BOOST_TEST(r.error_code() == "agent_refused_appliance");
}

BOOST_AUTO_TEST_CASE(the_gateways_own_refusal_of_a_request_passes_through_as_it_said) {
  ChatWorld w;
  w.own_gw.Answer([](auto&, Poco::Net::HTTPServerResponse& resp) {
    resp.setStatus(Poco::Net::HTTPResponse::HTTP_BAD_REQUEST);
    resp.setContentType("application/json");
    resp.send() << R"({"error":{"message":"temperature out of range","type":"invalid_request_error"}})";
  });
  Reply r = w.Call("POST", ChatPath("own"), kChat, kOperator);
  BOOST_TEST(r.status == 400);
  BOOST_TEST(Has(r.body, "temperature out of range"));
}

BOOST_AUTO_TEST_CASE(hostile_bodies_are_refused_before_any_gateway_is_called) {
  ChatWorld w;
  std::string own = w.Token(auth::Role::kTenantAdmin, "own", "own-app");
  struct Case {
    std::string body;
    int status;
  };
  const std::vector<Case> cases = {
      {"{not json", 400},
      {"[]", 400},
      {R"({"model":"openclaw"})", 400},
      {R"({"messages":[]})", 400},
      {R"({"messages":["hi"]})", 400},
      {R"({"messages":[{"role":"user","content":"x"}],"model":42})", 400},
      {R"({"messages":[{"role":"user","content":"x"}],"stream":"yes"})", 400},
      {R"({"messages":[{"role":"user","content":"x"}],"user":""})", 400},
      {R"({"messages":[{"role":"user","content":"x"}],"user":")" + std::string(300, 'u') + "\"}", 400},
      {R"({"messages":[{"role":"user","content":")" + std::string(70 * 1024, 'x') + "\"}]}", 413},
  };
  for (const Case& c : cases) {
    Reply r = w.Call("POST", ChatPath("own"), c.body, own);
    BOOST_TEST(r.status == c.status, c.body.substr(0, 80) << " -> " << r.status << " " << r.body.substr(0, 200));
  }
  BOOST_TEST(w.own_gw.seen().empty());
  // An unknown tenant and one whose id is not an id.
  BOOST_TEST(w.Call("POST", ChatPath("nobody"), kChat, kOperator).status == 404);
  Reply crlf = w.Call("POST", "/v1/tenants/own%0D%0AX-Evil:%201/openai/v1/chat/completions", kChat, kOperator);
  BOOST_TEST((crlf.status == 400 || crlf.status == 404), crlf.body);
  BOOST_TEST(w.own_gw.seen().empty());
}

BOOST_AUTO_TEST_CASE(nothing_of_the_callers_request_head_reaches_the_gateway) {
  ChatWorld w;
  std::string own = w.Token(auth::Role::kTenantAdmin, "own", "own-app");
  Reply r = w.Call("POST", ChatPath("own"),
                   R"({"messages":[{"role":"user","content":"x"}],"user":"conv-1\r\nX-Injected: 1"})", own,
                   {{"X-OpenClaw-Model", "evil/model"},
                    {"x-openclaw-session-key", "cron:steal"},
                    {"x-openclaw-scopes", "operator.admin"},
                    {"X-Forwarded-For", "10.0.0.1"},
                    {"Cookie", "clawhive_session=abc"}});
  BOOST_TEST(r.status == 200, r.body);
  auto seen = w.own_gw.seen();
  BOOST_REQUIRE(seen.size() == 1u);
  for (const auto& [name, value] : seen[0].headers) {
    BOOST_TEST(!Has(name, "openclaw"), name);
    BOOST_TEST(!Has(name, "forwarded"), name);
    BOOST_TEST(name != "cookie");
    BOOST_TEST(name != "x-injected");
    BOOST_TEST(!Has(value, own), name);
  }
  BOOST_TEST(seen[0].headers["authorization"] == "Bearer ocg_token-of-own");
  // The conversation id stays inside the JSON, prefixed with who asked (one user cannot pick up
  // another's session by guessing its id).
  auto body = ParseJson(seen[0].body);
  BOOST_REQUIRE(body.ok());
  BOOST_TEST(body->Find("user")->string() == "clawhive:token:own-app:conv-1\r\nX-Injected: 1");
}

BOOST_AUTO_TEST_CASE(a_tenant_on_its_own_agent_command_is_called_without_a_gateway_token) {
  ChatWorld w;
  w.runtimes.FailNext("Gateway", Error::Conflict("tenant 'own' runs no OpenClaw gateway"));
  Reply r = w.Call("POST", ChatPath("own"), kChat, kOperator);
  BOOST_TEST(r.status == 200, r.body);
  BOOST_TEST(w.own_gw.seen().at(0).headers.count("authorization") == 0u);
}

BOOST_AUTO_TEST_CASE(calls_beyond_the_cap_are_refused_503_busy_while_the_rest_of_the_api_answers) {
  api::IngressOptions o;
  o.max_in_flight = 1;
  ChatWorld w(o);
  StubGateway* gw = &w.own_gw;
  w.own_gw.Answer([gw](auto&, Poco::Net::HTTPServerResponse& resp) {
    gw->WaitForRelease();
    resp.send() << "{}";
  });
  auto held = std::async(std::launch::async, [&] { return w.Call("POST", ChatPath("own"), kChat, kOperator); });
  for (int i = 0; i < 200 && w.own_gw.seen().empty(); ++i) std::this_thread::sleep_for(10ms);
  Reply busy = w.Call("POST", ChatPath("other"), kChat, kOperator);
  BOOST_TEST(busy.status == 503, busy.body);
  BOOST_TEST(busy.error_code() == "busy");
  BOOST_TEST(w.Call("GET", "/v1/tenants", "", kOperator).status == 200);
  w.own_gw.Release();
  BOOST_TEST(held.get().status == 200);
  BOOST_TEST(w.other_gw.seen().empty());
}

BOOST_AUTO_TEST_CASE(each_call_is_audited_and_counted_in_metrics) {
  ChatWorld w;
  std::string own = w.Token(auth::Role::kTenantAdmin, "own", "own-app");
  BOOST_TEST(w.Call("POST", ChatPath("own"), kChat, own).status == 200);
  BOOST_REQUIRE(w.tenants.Stop("own").ok());
  BOOST_TEST(w.Call("POST", ChatPath("own"), kChat, own).status == 503);
  BOOST_TEST(w.Call("POST", ChatPath("other"), kChat, own).status == 404);
  auto entries = w.ids.audit->Query({});
  BOOST_REQUIRE(entries.ok());
  int chats = 0;
  for (const auto& e : *entries) {
    if (e.action != "POST /v1/tenants/{id}/openai/v1/chat/completions") continue;
    ++chats;
    BOOST_TEST(e.actor == "token:own-app");
  }
  BOOST_TEST(chats == 3);
  Reply m = w.Call("GET", "/metrics", "", kOperator);
  BOOST_TEST(Has(m.body, "clawhive_tenant_chat_requests_total{tenant=\"own\",code=\"200\"} 1"), m.body);
  BOOST_TEST(Has(m.body, "clawhive_tenant_chat_requests_total{tenant=\"own\",code=\"503\"} 1"), m.body);
  BOOST_TEST(Has(m.body, "clawhive_tenant_chat_in_flight{tenant=\"own\"} 0"), m.body);
  BOOST_TEST(!Has(m.body, "clawhive_tenant_chat_requests_total{tenant=\"other\""), m.body);
}

BOOST_AUTO_TEST_SUITE_END()

}  // namespace
}  // namespace clawhive
