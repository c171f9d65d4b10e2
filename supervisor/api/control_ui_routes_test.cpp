// OpenClaw's Control UI through the front: a real ApiServer on loopback in front of a FakeTenantService,
// and a stand-in gateway per tenant (a raw socket server) that records each request head it got and
// answers an asset or a WebSocket upgrade the way OpenClaw does (a frame right behind its 101).
#include "supervisor/api/control_ui_routes.h"

#include <Poco/Net/HTTPClientSession.h>
#include <Poco/Net/HTTPRequest.h>
#include <Poco/Net/ServerSocket.h>
#include <Poco/Net/SocketAddress.h>
#include <Poco/Net/StreamSocket.h>
#include <Poco/Timespan.h>

#include <atomic>
#include <boost/test/unit_test.hpp>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "supervisor/api/api_server.h"
#include "supervisor/api/ws_upgrade.h"
#include "supervisor/openclaw/control_ui.h"
#include "unit/fake_runtime_service.h"
#include "unit/fake_tenant_service.h"
#include "unit/gateway_sockets.h"
#include "unit/http_exchange.h"
#include "unit/loopback_api.h"
#include "unit/temp_identity.h"

namespace clawhive::api {
namespace {

using testing::HttpReply;

const char* const kOperator = "control-ui-operator-0123456789abcdef01234";
const std::string kKey = "dGhlIHNhbXBsZSBub25jZQ==";
constexpr uint16_t kOwnPort = 20000, kOtherPort = 20120;

bool Has(const std::string& haystack, const std::string& needle) { return haystack.find(needle) != std::string::npos; }

std::string Lower(std::string s) {
  for (char& c : s) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return s;
}

// A tenant's gateway: one thread accepting; each connection's head is recorded, then answered.
class StubGateway {
 public:
  explicit StubGateway(const std::string& socket_path)
      : listener_(Poco::Net::SocketAddress(Poco::Net::SocketAddress::UNIX_LOCAL, socket_path)) {
    listener_.setReceiveTimeout(Poco::Timespan(0, 200000));
    thread_ = std::thread([this] { Run(); });
  }
  ~StubGateway() {
    stop_ = true;
    thread_.join();
  }
  std::vector<std::string> heads() {
    std::lock_guard<std::mutex> lock(mu_);
    return heads_;
  }

 private:
  void Run() {
    while (!stop_) {
      Poco::Net::StreamSocket s;
      try {
        s = listener_.acceptConnection();
      } catch (const Poco::Exception&) {
        continue;  // the accept timeout: look at stop_ again
      }
      Serve(s);
    }
  }

  void Serve(Poco::Net::StreamSocket& s) {
    s.setReceiveTimeout(Poco::Timespan(5, 0));
    std::string head;
    char c;
    try {
      while (!Has(head, "\r\n\r\n") && s.receiveBytes(&c, 1) == 1) head += c;
    } catch (const Poco::Exception&) {
      return;
    }
    {
      std::lock_guard<std::mutex> lock(mu_);
      heads_.push_back(head);
    }
    if (Has(Lower(head), "upgrade: websocket")) {
      std::string answer = "HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
                           "Sec-WebSocket-Accept: " + WebSocketAccept(kKey) + "\r\n\r\nCHALLENGE";
      s.sendBytes(answer.data(), static_cast<int>(answer.size()));
      try {  // echoes until the front closes
        char buf[256];
        for (int n; (n = s.receiveBytes(buf, sizeof buf)) > 0;) s.sendBytes(buf, n);
      } catch (const Poco::Exception&) {
      }
      return;
    }
    std::string body = "console.log('ui')";
    std::string answer = "HTTP/1.1 200 OK\r\nContent-Type: text/javascript\r\n"
                         "Content-Security-Policy: script-src 'self'\r\nSet-Cookie: gw=1\r\nX-Gateway-Secret: no\r\n"
                         "Content-Length: " + std::to_string(body.size()) + "\r\nConnection: close\r\n\r\n" + body;
    s.sendBytes(answer.data(), static_cast<int>(answer.size()));
  }

  Poco::Net::ServerSocket listener_;
  std::atomic<bool> stop_{false};
  std::thread thread_;
  std::mutex mu_;
  std::vector<std::string> heads_;
};

struct UiWorld {
  explicit UiWorld(bool control_ui = true, RelayOptions relays = {}) : ids(kOperator) {
    TenantPatch own, other, plain;
    own.port = kOwnPort;
    own.runtime = "openclaw-2026.9.6";
    other.port = kOtherPort;
    other.runtime = "openclaw-2026.9.6";
    plain.port = kOwnPort;
    BOOST_REQUIRE(tenants.Create("own", own).ok());
    BOOST_REQUIRE(tenants.Create("other", other).ok());
    BOOST_REQUIRE(tenants.Create("plain", plain).ok());
    ApiServerOptions o = testing::LoopbackApiOptions(ids, 4);
    o.audit = ids.audit.get();
    o.runtimes = &runtimes;
    o.control_ui = control_ui;
    o.websockets = relays;
    o.ingress.gateway_socket_dir = sockets.dir.path;
    server = std::make_unique<ApiServer>(tenants, o);
    Status s = server->Start();
    BOOST_REQUIRE_MESSAGE(s.ok(), s.error().message);
  }

  std::string Token(auth::Role role, const std::string& tenant) {
    return ids.Token(role, tenant, "ui-" + std::to_string(++tokens));
  }

  HttpReply Get(const std::string& uri, const std::string& token) {
    Poco::Net::HTTPClientSession session("127.0.0.1", server->port());
    session.setTimeout(Poco::Timespan(10, 0));
    Poco::Net::HTTPRequest req = testing::MakeRequest("GET", uri, token, "");
    req.add("Cookie", "tracker=1");
    return testing::Exchange(session, req);
  }

  // Sends a WebSocket upgrade by hand and returns the socket with the answer head read.
  Poco::Net::StreamSocket Upgrade(const std::string& tenant, const std::string& token, const std::string& origin,
                                  std::string* head) {
    Poco::Net::StreamSocket s(Poco::Net::SocketAddress("127.0.0.1", server->port()));
    s.setReceiveTimeout(Poco::Timespan(10, 0));
    std::string req = "GET /v1/tenants/" + tenant + "/control-ui HTTP/1.1\r\nHost: 127.0.0.1:" +
                      std::to_string(server->port()) + "\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
                      "Sec-WebSocket-Key: " + kKey + "\r\nSec-WebSocket-Version: 13\r\nOrigin: " + origin +
                      "\r\nAuthorization: Bearer " + token + "\r\nCookie: tracker=1\r\n"
                      "x-clawhive-user: mallory\r\nX-Forwarded-For: 203.0.113.9\r\n\r\n";
    s.sendBytes(req.data(), static_cast<int>(req.size()));
    char c;
    while (!Has(*head, "\r\n\r\n") && s.receiveBytes(&c, 1) == 1) *head += c;
    return s;
  }

  std::string Origin() const { return "http://127.0.0.1:" + std::to_string(server->port()); }

  testing::TempIdentity ids;
  testing::GatewaySockets sockets;
  StubGateway own_gw{sockets.Path("own", kOwnPort)}, other_gw{sockets.Path("other", kOtherPort)};
  testing::FakeTenantService tenants;
  testing::FakeRuntimeService runtimes;
  std::unique_ptr<ApiServer> server;
  int tokens = 0;
};

std::string Receive(Poco::Net::StreamSocket& s, size_t n) {
  std::string out;
  char buf[256];
  try {
    while (out.size() < n) {
      int got = s.receiveBytes(buf, static_cast<int>(std::min(sizeof buf, n - out.size())));
      if (got <= 0) break;
      out.append(buf, static_cast<size_t>(got));
    }
  } catch (const Poco::Exception&) {
  }
  return out;
}

}  // namespace

BOOST_AUTO_TEST_SUITE(control_ui_routes)

BOOST_AUTO_TEST_CASE(ui_paths_map_onto_the_gateways_base_path_segment_by_segment) {
  const std::string base = "/v1/tenants/acme/control-ui";
  BOOST_TEST(*GatewayUiPath(base, "") == base);
  BOOST_TEST(*GatewayUiPath(base, "/") == base + "/");
  BOOST_TEST(*GatewayUiPath(base, "/assets/app-C4g.js") == base + "/assets/app-C4g.js");
  BOOST_TEST(*GatewayUiPath(base, "/a b/%?#") == base + "/a%20b/%25%3F%23");
  for (const char* bad : {"/..", "/assets/../../../healthz", "/.", "/a\\b", "/a\nb", "no-slash"})
    BOOST_TEST(!GatewayUiPath(base, bad).ok(), bad);
}

BOOST_AUTO_TEST_CASE(viewers_get_read_scope_and_admins_and_operators_read_and_write_never_admin) {
  auth::Principal viewer{"v", auth::Role::kTenantViewer, "acme"};
  auth::Principal admin{"a", auth::Role::kTenantAdmin, "acme"};
  auth::Principal op{"o", auth::Role::kOperator, ""};
  BOOST_TEST(ControlUiScopes(viewer) == "operator.read");
  BOOST_TEST(ControlUiScopes(admin) == "operator.read,operator.write");
  BOOST_TEST(ControlUiScopes(op) == "operator.read,operator.write");
}

BOOST_AUTO_TEST_CASE(the_origin_a_socket_needs_is_this_requests_own_scheme_and_host) {
  std::string host = "Appliance.Example:8443";
  BOOST_TEST(*SameOrigin(true, &host) == "https://appliance.example:8443");
  std::string v6 = "[::1]:8470";
  BOOST_TEST(*SameOrigin(false, &v6) == "http://[::1]:8470");
  BOOST_TEST(!SameOrigin(true, nullptr).ok());
  for (std::string bad : std::vector<std::string>{"", "evil.com/x", "a b", "a\r\nX: y", "user@host", std::string(300, 'a')})
    BOOST_TEST(!SameOrigin(true, &bad).ok(), bad);
}

BOOST_AUTO_TEST_CASE(loopback_addresses_are_told_apart_from_network_ones) {
  for (const char* a : {"127.0.0.1", "127.9.9.9", "::1", "::ffff:127.0.0.1"}) BOOST_TEST(IsLoopbackAddress(a), a);
  for (const char* a : {"203.0.113.5", "10.0.0.1", "::ffff:203.0.113.5", "fe80::1", "", "not an address"})
    BOOST_TEST(!IsLoopbackAddress(a), a);
}

BOOST_AUTO_TEST_CASE(only_the_uis_content_policy_and_caching_headers_come_back_never_a_cookie) {
  for (const char* h : {"Content-Security-Policy", "cache-control", "ETag", "Last-Modified"}) BOOST_TEST(IsControlUiAnswerHeader(h), h);
  for (const char* h : {"Set-Cookie", "Location", "Access-Control-Allow-Origin", "X-Frame-Options", "Content-Type"})
    BOOST_TEST(!IsControlUiAnswerHeader(h), h);
}

BOOST_AUTO_TEST_CASE(an_asset_comes_from_the_tenants_own_gateway_with_nothing_of_the_callers_request) {
  UiWorld w;
  HttpReply r = w.Get("/v1/tenants/own/control-ui/assets/app.js?session=main", w.Token(auth::Role::kTenantViewer, "own"));
  BOOST_TEST(r.status == 200, r.body);
  BOOST_TEST(r.body == "console.log('ui')");
  BOOST_TEST(r.content_type == "text/javascript");
  BOOST_TEST(r.header("content-security-policy") == "script-src 'self'");
  BOOST_TEST(r.header("set-cookie").empty());
  BOOST_TEST(r.header("x-gateway-secret").empty());
  std::vector<std::string> heads = w.own_gw.heads();
  BOOST_REQUIRE(heads.size() == 1u);
  BOOST_TEST(heads[0].rfind("GET /v1/tenants/own/control-ui/assets/app.js HTTP/1.1\r\n", 0) == 0, heads[0]);
  for (const char* leaked : {"authorization", "cookie", "tracker", "session=main", "x-clawhive-user"})
    BOOST_TEST(!Has(Lower(heads[0]), leaked), leaked);
  BOOST_TEST(w.other_gw.heads().empty());
}

BOOST_AUTO_TEST_CASE(strangers_other_tenants_and_agents_without_openclaw_get_no_ui) {
  UiWorld w;
  BOOST_TEST(w.Get("/v1/tenants/own/control-ui/assets/app.js", "").status == 401);
  HttpReply foreign = w.Get("/v1/tenants/own/control-ui/assets/app.js", w.Token(auth::Role::kTenantAdmin, "other"));
  BOOST_TEST(foreign.status == 404);
  HttpReply plain = w.Get("/v1/tenants/plain/control-ui/assets/app.js", w.Token(auth::Role::kOperator, ""));
  BOOST_TEST(plain.status == 404);
  BOOST_TEST(Has(plain.error_message(), "no OpenClaw Control UI"), plain.body);
  BOOST_TEST(w.own_gw.heads().empty());
}

BOOST_AUTO_TEST_CASE(paths_that_climb_out_of_the_ui_are_refused_before_the_gateway_is_asked) {
  UiWorld w;
  std::string token = w.Token(auth::Role::kTenantAdmin, "own");
  for (const char* path : {"/v1/tenants/own/control-ui/%2e%2e/%2e%2e/healthz", "/v1/tenants/own/control-ui/a/../../x",
                           "/v1/tenants/own/control-ui/a%5Cb", "/v1/tenants/own/control-ui/a%2Fb"}) {
    HttpReply r = w.Get(path, token);
    BOOST_TEST((r.status == 400 || r.status == 404), path << " -> " << r.status);
  }
  BOOST_TEST(w.own_gw.heads().empty());
}

BOOST_AUTO_TEST_CASE(the_bare_base_path_redirects_to_the_page_and_the_page_refuses_a_loopback_browser) {
  UiWorld w;
  std::string token = w.Token(auth::Role::kTenantAdmin, "own");
  HttpReply bare = w.Get("/v1/tenants/own/control-ui", token);
  BOOST_TEST(bare.status == 308);
  BOOST_TEST(bare.header("location") == "/v1/tenants/own/control-ui/");
  HttpReply page = w.Get("/v1/tenants/own/control-ui/", token);
  BOOST_TEST(page.status == 403);
  BOOST_TEST(page.error_code() == "control_ui_needs_network_client");
  BOOST_TEST(w.own_gw.heads().empty());
}

BOOST_AUTO_TEST_CASE(an_operator_turning_the_ui_off_closes_every_path) {
  UiWorld w(/*control_ui=*/false);
  HttpReply r = w.Get("/v1/tenants/own/control-ui/assets/app.js", w.Token(auth::Role::kOperator, ""));
  BOOST_TEST(r.status == 404);
  BOOST_TEST(r.error_code() == "control_ui_off");
}

BOOST_AUTO_TEST_CASE(a_socket_is_relayed_with_the_appliances_identity_and_scopes_in_place_of_the_callers) {
  UiWorld w;
  std::string head;
  Poco::Net::StreamSocket s = w.Upgrade("own", w.Token(auth::Role::kTenantViewer, "own"), w.Origin(), &head);
  BOOST_TEST(head.rfind("HTTP/1.1 101", 0) == 0, head);
  BOOST_TEST(Has(head, "Sec-WebSocket-Accept: " + WebSocketAccept(kKey)), head);
  BOOST_TEST(Receive(s, 9) == "CHALLENGE");  // the gateway's first frame, sent right behind its 101
  s.sendBytes("ping", 4);
  BOOST_TEST(Receive(s, 4) == "ping");
  std::vector<std::string> heads = w.own_gw.heads();
  BOOST_REQUIRE(heads.size() == 1u);
  std::string g = Lower(heads[0]);
  BOOST_TEST(heads[0].rfind("GET /v1/tenants/own/control-ui HTTP/1.1\r\n", 0) == 0, heads[0]);
  BOOST_TEST(Has(g, "x-clawhive-user: token:ui-1\r\n"), g);
  BOOST_TEST(!Has(g, "mallory"));
  BOOST_TEST(Has(g, "x-forwarded-for: 127.0.0.1\r\n"), g);
  BOOST_TEST(!Has(g, "203.0.113.9"));
  BOOST_TEST(Has(g, "x-openclaw-scopes: operator.read\r\n"), g);
  BOOST_TEST(Has(g, std::string("origin: ") + kControlUiGatewayOrigin + "\r\n"), g);
  for (const char* leaked : {"authorization", "cookie", "tracker"}) BOOST_TEST(!Has(g, leaked), leaked);
  s.close();
}

BOOST_AUTO_TEST_CASE(a_socket_from_another_origin_is_refused_before_the_gateway_hears_of_it) {
  UiWorld w;
  std::string head;
  Poco::Net::StreamSocket s = w.Upgrade("own", w.Token(auth::Role::kTenantAdmin, "own"), "https://evil.example", &head);
  BOOST_TEST(head.rfind("HTTP/1.1 403", 0) == 0, head);
  BOOST_TEST(Has(Receive(s, 4096), "forbidden_origin"));
  BOOST_TEST(w.own_gw.heads().empty());
}

BOOST_AUTO_TEST_CASE(a_tenants_sockets_beyond_its_cap_get_503_and_the_opened_one_is_audited) {
  RelayOptions caps;
  caps.max_per_tenant = 1;
  UiWorld w(true, caps);
  std::string token = w.Token(auth::Role::kTenantAdmin, "own");
  std::string first_head, second_head;
  Poco::Net::StreamSocket first = w.Upgrade("own", token, w.Origin(), &first_head);
  BOOST_TEST(first_head.rfind("HTTP/1.1 101", 0) == 0, first_head);
  Poco::Net::StreamSocket second = w.Upgrade("own", token, w.Origin(), &second_head);
  BOOST_TEST(second_head.rfind("HTTP/1.1 503", 0) == 0, second_head);
  BOOST_TEST(w.own_gw.heads().size() == 1u);
  audit::AuditQuery q;
  q.tenant = "own";
  auto rows = w.ids.audit->Query(q);
  BOOST_REQUIRE(rows.ok());
  int opened = 0;
  for (const auto& e : *rows) opened += e.status == 101 && Has(e.action, "control-ui");
  BOOST_TEST(opened == 1);
  first.close();
}

BOOST_AUTO_TEST_CASE(revoking_the_token_that_opened_a_socket_closes_it) {
  UiWorld w;
  int64_t id = 0;
  std::string token;
  w.ids.With([&](auto& store) {
    auto t = store->CreateToken(auth::Role::kTenantAdmin, "own", "ui-revoked", 3600000, testing::NowMs());
    BOOST_REQUIRE(t.ok());
    id = t->id;
    token = t->token;
  });
  std::string head;
  Poco::Net::StreamSocket s = w.Upgrade("own", token, w.Origin(), &head);
  BOOST_REQUIRE(head.rfind("HTTP/1.1 101", 0) == 0);
  BOOST_TEST(Receive(s, 9) == "CHALLENGE");
  Poco::Net::HTTPClientSession session("127.0.0.1", w.server->port());
  Poco::Net::HTTPRequest revoke = testing::MakeRequest("DELETE", "/v1/tokens/" + std::to_string(id), kOperator, "");
  BOOST_TEST(testing::Exchange(session, revoke).status == 200);
  char c;
  int n = -1;
  try {
    n = s.receiveBytes(&c, 1);  // the front ended the pair: end of stream, not the 10 s timeout
  } catch (const Poco::Exception&) {
  }
  BOOST_TEST(n == 0);
}

BOOST_AUTO_TEST_SUITE_END()

}  // namespace clawhive::api
