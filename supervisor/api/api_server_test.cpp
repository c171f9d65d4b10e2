// End-to-end tests of the REST API: a real ApiServer on 127.0.0.1 (ephemeral port) in front of a
// FakeTenantService, spoken to over real HTTP with Poco's client (or a raw socket where the client
// would refuse to send what we need).
#include "supervisor/api/api_server.h"

#include <Poco/Net/HTTPClientSession.h>
#include <Poco/Net/HTTPRequest.h>
#include <Poco/Net/HTTPResponse.h>
#include <Poco/Net/NetException.h>
#include <Poco/Net/SocketAddress.h>
#include <Poco/Net/StreamSocket.h>
#include <Poco/StreamCopier.h>

#include <boost/test/unit_test.hpp>

#include <cctype>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <atomic>
#include <map>
#include <optional>
#include <set>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

#include "unit/fails_with.h"
#include "unit/fake_tenant_service.h"
#include "unit/http_exchange.h"
#include "unit/json_path.h"
#include "unit/loopback_api.h"
#include "unit/temp_identity.h"
#include "supervisor/common/json.h"

namespace clawhive {
namespace {

using clawhive::JsonValue;
using testing::FailsWith;
using testing::FakeTenantService;

const char* const kToken = "test-token-0123456789abcdef0123456789abcdef";

using Reply = testing::HttpReply;

// What a test sends; defaults are an authorized GET without a body.
struct Request {
  Request(std::string m, std::string u) : method(std::move(m)), uri(std::move(u)) {}
  Request& Body(std::string b) {
    body = std::move(b);
    send_body = true;
    return *this;
  }
  Request& Type(std::string t) {
    content_type = std::move(t);
    return *this;
  }
  Request& Auth(std::string a) {
    authorization = std::move(a);
    return *this;
  }
  Request& NoAuth() {
    send_authorization = false;
    return *this;
  }
  Request& Chunked() {
    chunked = true;
    return *this;
  }

  std::string method;
  std::string uri;
  std::string body;
  bool send_body = false;
  std::string content_type = "application/json";
  bool send_authorization = true;
  std::string authorization = std::string("Bearer ") + kToken;
  bool chunked = false;
};

std::string Lower(std::string s) {
  for (char& c : s) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return s;
}

Reply Exchange(Poco::Net::HTTPClientSession& session, const Request& r) {
  Poco::Net::HTTPRequest req(r.method, r.uri, Poco::Net::HTTPMessage::HTTP_1_1);
  if (r.send_authorization) req.set("Authorization", r.authorization);
  bool has_body = r.send_body;
  if (has_body) {
    if (!r.content_type.empty()) req.setContentType(r.content_type);
    if (r.chunked) req.setChunkedTransferEncoding(true);
    else req.setContentLength64(static_cast<Poco::Int64>(r.body.size()));
  }
  return testing::Exchange(session, req, has_body ? r.body : std::string());
}

// Sends bytes as they are and returns everything the server answers until it closes or goes quiet.
std::string RawExchange(uint16_t port, const std::string& bytes) {
  Poco::Net::StreamSocket sock(Poco::Net::SocketAddress("127.0.0.1", port));
  sock.setReceiveTimeout(Poco::Timespan(3, 0));
  sock.sendBytes(bytes.data(), static_cast<int>(bytes.size()));
  std::string out;
  char buf[4096];
  try {
    while (true) {
      int n = sock.receiveBytes(buf, sizeof buf);
      if (n <= 0) break;
      out.append(buf, static_cast<size_t>(n));
    }
  } catch (const Poco::Exception&) {
    // timeout or reset: return what arrived
  }
  return out;
}

int RawStatus(const std::string& response) {
  // "HTTP/1.1 400 Bad Request\r\n..."
  if (response.size() < 12 || response.compare(0, 5, "HTTP/") != 0) return 0;
  return std::stoi(response.substr(9, 3));
}

std::string PercentEncode(const std::string& s) {
  std::string out;
  for (unsigned char c : s) {
    if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '-' || c == '_') {
      out += static_cast<char>(c);
    } else {
      char buf[4];
      std::snprintf(buf, sizeof buf, "%%%02X", c);
      out += buf;
    }
  }
  return out;
}

std::string Repeat(const std::string& s, size_t n) {
  std::string out;
  for (size_t i = 0; i < n; ++i) out += s;
  return out;
}

std::string JsonString(const std::string& s) {
  std::string out;
  AppendJsonString(&out, s);
  return out;
}

struct ApiFixture {
  ApiFixture() : ids(kToken), server(service, Options(ids)) {
    Status s = server.Start();
    BOOST_REQUIRE_MESSAGE(s.ok(), s.error().message);
    BOOST_REQUIRE_NE(server.port(), 0);
  }

  static ApiServerOptions Options(testing::TempIdentity& ids) {
    ApiServerOptions o = testing::LoopbackApiOptions(ids, 4);  // plain HTTP, to exercise the dispatcher
    o.audit = ids.audit.get();
    return o;
  }

  Reply Call(const Request& r) {
    Poco::Net::HTTPClientSession session("127.0.0.1", server.port());
    session.setTimeout(Poco::Timespan(10, 0));
    return Exchange(session, r);
  }
  Reply Get(const std::string& uri) { return Call(Request("GET", uri)); }
  Reply Post(const std::string& uri, const std::string& body = "") {
    Request r("POST", uri);
    if (!body.empty()) r.Body(body);
    return Call(r);
  }
  Reply Patch(const std::string& uri, const std::string& body) {
    return Call(Request("PATCH", uri).Body(body));
  }
  Reply Delete(const std::string& uri) { return Call(Request("DELETE", uri)); }

  Reply CreateTenant(const std::string& id) {
    Reply r = Post("/v1/tenants", "{\"id\":" + JsonString(id) + "}");
    BOOST_REQUIRE_MESSAGE(r.status == 201, "creating " << id << ": " << r.status << " " << r.body);
    return r;
  }

  // A create body and the message of the 400 it must get.
  struct RefusedCreate {
    const char* body;
    const char* message;
  };
  // Each body POSTed to /v1/tenants is a 400 with its message, and none reaches the service.
  void CheckCreatesRefused(const std::vector<RefusedCreate>& cases) {
    for (const RefusedCreate& c : cases) {
      Reply r = Post("/v1/tenants", c.body);
      BOOST_TEST(r.status == 400, c.body);
      BOOST_TEST(r.error_message() == c.message);
    }
    BOOST_TEST(service.calls() == 0);
  }

  testing::TempIdentity ids;
  FakeTenantService service;
  ApiServer server;
};

const JsonValue& Field(const JsonValue& v, const std::string& path) { return testing::AtPath(v, path); }

// One line of the Prometheus text format, parsed strictly enough to catch escaping mistakes: a raw
// newline in a label value would split a sample and show up as an invalid line.
struct ExpositionLine {
  enum Kind { kInvalid, kHelp, kType, kSample } kind = kInvalid;
  std::string name;
  std::map<std::string, std::string> labels;  // unescaped
  std::string value;                          // sample value, or the TYPE
};

bool IsMetricName(const std::string& s) {
  if (s.empty() || std::isdigit(static_cast<unsigned char>(s[0]))) return false;
  for (char c : s)
    if (!std::isalnum(static_cast<unsigned char>(c)) && c != '_' && c != ':') return false;
  return true;
}

ExpositionLine ParseExpositionLine(const std::string& line) {
  ExpositionLine e;
  for (auto [prefix, kind] : {std::pair{std::string("# HELP "), ExpositionLine::kHelp},
                              std::pair{std::string("# TYPE "), ExpositionLine::kType}}) {
    if (line.compare(0, prefix.size(), prefix) != 0) continue;
    size_t sp = line.find(' ', prefix.size());
    if (sp == std::string::npos || sp + 1 >= line.size()) return e;
    e.name = line.substr(prefix.size(), sp - prefix.size());
    e.value = line.substr(sp + 1);
    if (IsMetricName(e.name)) e.kind = kind;
    return e;
  }
  size_t i = 0;
  while (i < line.size() && line[i] != '{' && line[i] != ' ') ++i;
  e.name = line.substr(0, i);
  if (!IsMetricName(e.name)) return e;
  if (i < line.size() && line[i] == '{') {
    ++i;
    while (i < line.size() && line[i] != '}') {
      size_t eq = line.find('=', i);
      if (eq == std::string::npos || eq + 1 >= line.size() || line[eq + 1] != '"') return e;
      std::string label = line.substr(i, eq - i);
      std::string value;
      i = eq + 2;
      while (true) {
        if (i >= line.size()) return e;
        char c = line[i++];
        if (c == '"') break;
        if (c == '\\') {
          if (i >= line.size()) return e;
          char x = line[i++];
          if (x != 'n' && x != '\\' && x != '"') return e;
          value += x == 'n' ? '\n' : x;
        } else {
          value += c;
        }
      }
      e.labels[label] = value;
      if (i < line.size() && line[i] == ',') ++i;
    }
    if (i >= line.size()) return e;
    ++i;  // '}'
  }
  if (i >= line.size() || line[i] != ' ') return e;
  e.value = line.substr(i + 1);
  if (e.value.empty() || e.value.find(' ') != std::string::npos) return e;
  e.kind = ExpositionLine::kSample;
  return e;
}

}  // namespace

BOOST_AUTO_TEST_SUITE(api)
BOOST_FIXTURE_TEST_SUITE(server, ApiFixture)

// ---- basics ---------------------------------------------------------------------------------------

BOOST_AUTO_TEST_CASE(health_answers_ok_without_a_token) {
  Reply r = Call(Request("GET", "/v1/health").NoAuth());
  BOOST_TEST(r.status == 200);
  BOOST_TEST(r.body == R"({"ok":true})");
  BOOST_TEST(r.content_type == "application/json");
}

BOOST_AUTO_TEST_CASE(a_tenant_can_be_created_read_updated_listed_and_deleted) {
  Reply created = Post("/v1/tenants", R"({"id":"acme","display_name":"Acme Corp"})");
  BOOST_TEST(created.status == 201);
  BOOST_TEST(created.header("location") == "/v1/tenants/acme");
  BOOST_TEST(Field(created.json(), "display_name").string() == "Acme Corp");

  Reply got = Get("/v1/tenants/acme");
  BOOST_TEST(got.status == 200);
  BOOST_TEST(got.body == created.body);

  Reply patched = Patch("/v1/tenants/acme", R"({"display_name":"Acme","resources":{"memory_max":"2G"}})");
  BOOST_TEST(patched.status == 200);
  BOOST_TEST(Field(patched.json(), "display_name").string() == "Acme");
  BOOST_TEST(*Field(patched.json(), "resources.memory_max").AsUnsigned() == 2ull << 30);

  Reply listed = Get("/v1/tenants");
  BOOST_TEST(listed.status == 200);
  BOOST_REQUIRE_EQUAL(Field(listed.json(), "tenants").items().size(), 1u);
  BOOST_TEST(Field(listed.json(), "tenants").items()[0].Find("id")->string() == "acme");

  Reply deleted = Delete("/v1/tenants/acme");
  BOOST_TEST(deleted.status == 200);
  BOOST_TEST(deleted.body == R"({"id":"acme","deleted":true,"workspace":"kept"})");
  BOOST_TEST(Get("/v1/tenants/acme").status == 404);
  BOOST_TEST(Get("/v1/tenants/acme").error_code() == "not_found");
}

BOOST_AUTO_TEST_CASE(the_tenant_document_has_every_field_and_null_for_unreported_figures) {
  Reply r = CreateTenant("acme");
  JsonValue t = r.json();
  std::vector<std::string> keys;
  for (const auto& [k, v] : t.members()) keys.push_back(k);
  std::vector<std::string> expected = {"id", "display_name", "port", "uid", "desired", "quarantined", "phase",
                                       "resources", "agent", "runtime", "openclaw", "status", "created_at",
                                       "updated_at"};
  BOOST_TEST(keys == expected, boost::test_tools::per_element());
  BOOST_TEST(Field(t, "desired").string() == "running");
  BOOST_TEST(Field(t, "status.memory_current").is_null());
  BOOST_TEST(Field(t, "status.cpu_usage_nsec").is_null());
  BOOST_TEST(Field(t, "status.healthy").boolean());
  BOOST_TEST(Field(t, "agent.args").is_array());
  BOOST_TEST(Field(t, "agent.env").is_object());
  BOOST_TEST(Field(t, "resources.cpu_weight").AsUnsigned().value() == 100u);
}

BOOST_AUTO_TEST_CASE(the_status_route_shows_the_same_document_as_get) {
  CreateTenant("acme");
  BOOST_TEST(Get("/v1/tenants/acme/status").body == Get("/v1/tenants/acme").body);
}

BOOST_AUTO_TEST_CASE(start_stop_and_restart_act_and_return_the_tenant) {
  CreateTenant("acme");
  Reply stopped = Post("/v1/tenants/acme/stop");
  BOOST_TEST(stopped.status == 200);
  BOOST_TEST(Field(stopped.json(), "desired").string() == "stopped");
  Reply started = Post("/v1/tenants/acme/start");
  BOOST_TEST(Field(started.json(), "desired").string() == "running");
  Reply restarted = Post("/v1/tenants/acme/restart");
  BOOST_TEST(restarted.status == 200);
  BOOST_TEST(Field(restarted.json(), "status.restarts").AsUnsigned().value() == 1u);
  BOOST_TEST(Post("/v1/tenants/nobody/start").status == 404);
}

BOOST_AUTO_TEST_CASE(delete_keeps_the_workspace_unless_asked_to_remove_it) {
  CreateTenant("one");
  CreateTenant("two");
  BOOST_TEST(Delete("/v1/tenants/one").status == 200);
  BOOST_TEST(service.last_remove_workspace().value() == false);
  Reply removed = Delete("/v1/tenants/two?workspace=remove");
  BOOST_TEST(removed.status == 200);
  BOOST_TEST(Field(removed.json(), "workspace").string() == "removed");
  BOOST_TEST(service.last_remove_workspace().value() == true);
}

BOOST_AUTO_TEST_CASE(delete_refuses_a_misspelt_or_bad_workspace_parameter) {
  CreateTenant("acme");
  Reply bad_value = Delete("/v1/tenants/acme?workspace=purge");
  BOOST_TEST(bad_value.status == 400);
  Reply typo = Delete("/v1/tenants/acme?worksapce=remove");
  BOOST_TEST(typo.status == 400);
  BOOST_TEST(typo.error_message() == "unknown query parameter 'worksapce'");
  Reply twice = Delete("/v1/tenants/acme?workspace=keep&workspace=remove");
  BOOST_TEST(twice.status == 400);
  BOOST_TEST(Get("/v1/tenants/acme").status == 200);  // none of these deleted anything
}

BOOST_AUTO_TEST_CASE(creating_an_existing_tenant_is_a_409) {
  CreateTenant("acme");
  Reply again = Post("/v1/tenants", R"({"id":"acme"})");
  BOOST_TEST(again.status == 409);
  BOOST_TEST(again.error_code() == "already_exists");
}

BOOST_AUTO_TEST_CASE(incidents_are_listed_newest_first_with_a_limit) {
  CreateTenant("acme");
  for (int i = 1; i <= 3; ++i)
    service.AddIncident({.id = i, .tenant = "acme", .at_ms = 1000 * i, .cause = "oom", .detail = "", .action = "restarted",
                         .healthy_after_s = i == 3 ? std::nullopt : std::optional<double>(1.5)});
  service.AddIncident({.id = 4, .tenant = "other", .at_ms = 5000, .cause = "hang", .detail = "", .action = "restarted",
                       .healthy_after_s = std::nullopt});

  Reply mine = Get("/v1/tenants/acme/incidents?limit=2");
  BOOST_TEST(mine.status == 200);
  const JsonValue doc = mine.json();
  const auto& items = Field(doc, "incidents").items();
  BOOST_REQUIRE_EQUAL(items.size(), 2u);
  BOOST_TEST(items[0].Find("id")->AsUnsigned().value() == 3u);
  BOOST_TEST(items[0].Find("healthy_after_s")->is_null());
  BOOST_TEST(items[1].Find("healthy_after_s")->number() == 1.5);
  BOOST_TEST(service.last_incident_tenant() == "acme");

  Reply all = Get("/v1/incidents");
  BOOST_TEST(Field(all.json(), "incidents").items().size() == 4u);
  BOOST_TEST(service.last_incident_limit() == 100u);
  BOOST_TEST(service.last_incident_tenant() == "");
}

BOOST_AUTO_TEST_CASE(an_incident_limit_must_be_between_1_and_1000) {
  for (const char* bad : {"0", "1001", "-1", "abc", "1e3", "", "99999999999999999999"}) {
    Reply r = Get(std::string("/v1/incidents?limit=") + bad);
    BOOST_TEST(r.status == 400, "limit=" << bad);
  }
  BOOST_TEST(Get("/v1/incidents?limit=1000").status == 200);
}

BOOST_AUTO_TEST_CASE(tenant_incidents_never_turn_an_empty_id_into_all_tenants) {
  Reply r = Get("/v1/tenants//incidents");
  BOOST_TEST(r.status == 400);
  BOOST_TEST(service.last_call() != "Incidents");
}

BOOST_AUTO_TEST_CASE(several_requests_share_one_keep_alive_connection) {
  Poco::Net::HTTPClientSession session("127.0.0.1", server.port());
  session.setKeepAlive(true);
  BOOST_TEST(Exchange(session, Request("GET", "/v1/health")).status == 200);
  BOOST_TEST(Exchange(session, Request("POST", "/v1/tenants").Body(R"({"id":"acme"})")).status == 201);
  BOOST_TEST(Exchange(session, Request("GET", "/v1/tenants/acme")).status == 200);
  BOOST_TEST(Exchange(session, Request("GET", "/nope")).status == 404);
  BOOST_TEST(Exchange(session, Request("GET", "/v1/tenants")).status == 200);
}

// ---- authentication -------------------------------------------------------------------------------

BOOST_AUTO_TEST_CASE(a_request_without_a_token_gets_401_with_www_authenticate) {
  Reply r = Call(Request("GET", "/v1/tenants").NoAuth());
  BOOST_TEST(r.status == 401);
  BOOST_TEST(r.error_code() == "unauthorized");
  BOOST_TEST(r.header("www-authenticate") == "Bearer realm=\"clawhive\"");
  BOOST_TEST(service.calls() == 0);
}

BOOST_AUTO_TEST_CASE(a_wrong_token_gets_401_and_is_not_echoed) {
  const std::string wrong = "wrong-token-that-must-not-appear";
  for (const std::string& header :
       {"Bearer " + wrong, "Bearer " + std::string(kToken).substr(0, 10), "Bearer " + std::string(kToken) + "x",
        std::string("Basic ") + kToken, std::string("Bearer"), std::string("Bearer "), std::string(kToken)}) {
    Reply r = Call(Request("GET", "/v1/tenants").Auth(header));
    BOOST_TEST(r.status == 401, header);
    BOOST_TEST(r.header("www-authenticate").find("invalid_token") != std::string::npos);
    BOOST_TEST(r.body.find(wrong) == std::string::npos);
    BOOST_TEST(r.body.find(kToken) == std::string::npos);
  }
  BOOST_TEST(service.calls() == 0);
}

BOOST_AUTO_TEST_CASE(the_right_token_is_accepted_with_any_case_of_the_scheme) {
  BOOST_TEST(Call(Request("GET", "/v1/tenants").Auth(std::string("Bearer ") + kToken)).status == 200);
  BOOST_TEST(Call(Request("GET", "/v1/tenants").Auth(std::string("bearer ") + kToken)).status == 200);
  BOOST_TEST(Call(Request("GET", "/v1/tenants").Auth(std::string("BEARER   ") + kToken)).status == 200);
}

BOOST_AUTO_TEST_CASE(anonymous_callers_get_401_even_for_unknown_paths_and_wrong_methods) {
  BOOST_TEST(Call(Request("GET", "/nope").NoAuth()).status == 401);
  BOOST_TEST(Call(Request("DELETE", "/v1/tenants").NoAuth()).status == 401);
  BOOST_TEST(Call(Request("POST", "/v1/health").NoAuth()).status == 401);
}

BOOST_AUTO_TEST_CASE(an_unauthenticated_body_is_not_parsed) {
  Reply r = Call(Request("POST", "/v1/tenants").Body("{not json").NoAuth());
  BOOST_TEST(r.status == 401);
}

// ---- routing --------------------------------------------------------------------------------------

BOOST_AUTO_TEST_CASE(unknown_paths_get_404_and_known_paths_with_the_wrong_method_get_405_with_allow) {
  BOOST_TEST(Get("/").status == 302);  // to the console
  for (const char* uri : {"/v1", "/v2/tenants", "/v1/tenants/acme/explode", "/v1/tenants/acme/start/now",
                          "/V1/TENANTS", "/metrics/"}) {
    Reply r = Get(uri);
    BOOST_TEST(r.status == 404, uri);
    BOOST_TEST(r.error_code() == "not_found");
  }
  Reply r = Call(Request("PUT", "/v1/tenants"));
  BOOST_TEST(r.status == 405);
  BOOST_TEST(r.error_code() == "method_not_allowed");
  BOOST_TEST(r.header("allow") == "GET, POST");
  BOOST_TEST(Call(Request("POST", "/v1/tenants/acme")).header("allow") == "GET, PATCH, DELETE");
  BOOST_TEST(Call(Request("GET", "/v1/tenants/acme/start")).header("allow") == "POST");
  BOOST_TEST(Call(Request("DELETE", "/metrics")).status == 405);
}

BOOST_AUTO_TEST_CASE(a_malformed_percent_escape_in_the_path_is_a_400) {
  for (const char* uri : {"/v1/tenants/%zz", "/v1/tenants/ab%", "/v1/tenants/ab%4"}) {
    Reply r = Get(uri);
    BOOST_TEST(r.status == 400, uri);
  }
}

// ---- hostile input --------------------------------------------------------------------------------

std::vector<std::string> HostileIds() {
  return {"../x", "a.service", "x\n", "-a", std::string(300, 'a'), "", "\xC3\xA9t\xC3\xA9", std::string("a\0b", 3),
          "a/b", "A", "ab cd", "x\r\nInjected: 1"};
}

BOOST_AUTO_TEST_CASE(hostile_ids_in_the_path_reach_the_service_and_get_400) {
  for (const std::string& id : HostileIds()) {
    std::string uri = "/v1/tenants/" + PercentEncode(id);
    for (const char* method : {"GET", "DELETE"}) {
      Reply r = Call(Request(method, uri));
      BOOST_TEST(r.status == 400, method << " " << uri << " -> " << r.status << " " << r.body);
      BOOST_TEST(r.error_code() == "invalid_argument");
    }
    Reply r = Post(uri + "/start");
    BOOST_TEST(r.status == 400, uri);
    BOOST_TEST(r.header("injected").empty());
  }
  BOOST_TEST(Get("/v1/health").status == 200);
}

BOOST_AUTO_TEST_CASE(hostile_ids_in_a_json_body_get_400) {
  for (const std::string& id : HostileIds()) {
    Reply r = Post("/v1/tenants", "{\"id\":" + JsonString(id) + "}");
    BOOST_TEST(r.status == 400, Printable(id) << " -> " << r.status << " " << r.body);
    BOOST_TEST(r.error_code() == "invalid_argument");
  }
  BOOST_TEST(Field(Get("/v1/tenants").json(), "tenants").items().empty());
}

BOOST_AUTO_TEST_CASE(raw_non_ascii_bytes_in_the_path_do_not_upset_the_server) {
  std::string response = RawExchange(server.port(), std::string("GET /v1/tenants/\xC3\xA9\xFF HTTP/1.1\r\nHost: x\r\n"
                                                                "Authorization: Bearer ") +
                                                        kToken + "\r\nConnection: close\r\n\r\n");
  BOOST_TEST(RawStatus(response) == 400);
  BOOST_TEST(Get("/v1/health").status == 200);
}

BOOST_AUTO_TEST_CASE(malformed_json_gets_400_with_the_line_and_column) {
  Reply r = Post("/v1/tenants", "{\"id\": \"acme\",\n  \"port\": tru}");
  BOOST_TEST(r.status == 400);
  BOOST_TEST(r.error_code() == "invalid_argument");
  BOOST_TEST(r.error_message().find("line 2, column 11") != std::string::npos, r.error_message());
  for (const char* body : {"{", "[1,2", "{\"id\":\"a\"} trailing", "{'id':'acme'}", "{\"id\":\"acme\",}", "nul",
                           "\"\xFF\"", "{\"a\":1,\"a\":2}"}) {
    Reply bad = Post("/v1/tenants", body);
    BOOST_TEST(bad.status == 400, Printable(body));
    BOOST_TEST(bad.error_message().find("malformed JSON at line") == 0, bad.error_message());
  }
}

BOOST_AUTO_TEST_CASE(a_body_that_is_not_an_object_gets_400) {
  for (const char* body : {"[]", "\"acme\"", "42", "null", "true"}) {
    Reply r = Post("/v1/tenants", body);
    BOOST_TEST(r.status == 400, body);
    BOOST_TEST(r.error_message().find("must be a JSON object") != std::string::npos);
  }
}

BOOST_AUTO_TEST_CASE(an_empty_body_gets_400_and_a_missing_content_type_gets_415) {
  BOOST_TEST(Call(Request("POST", "/v1/tenants").Body("")).status == 400);
  BOOST_TEST(Call(Request("POST", "/v1/tenants").Body(R"({"id":"acme"})").Type("")).status == 415);
}

BOOST_AUTO_TEST_CASE(a_non_json_content_type_gets_415) {
  for (const char* type : {"text/plain", "application/x-www-form-urlencoded", "application/jsonx", "multipart/form-data"}) {
    Reply r = Call(Request("POST", "/v1/tenants").Body(R"({"id":"acme"})").Type(type));
    BOOST_TEST(r.status == 415, type);
    BOOST_TEST(r.error_code() == "unsupported_media_type");
  }
  Reply patch = Call(Request("PATCH", "/v1/tenants/acme").Body("{}").Type("text/json"));
  BOOST_TEST(patch.status == 415);
  Reply with_charset = Call(
      Request("POST", "/v1/tenants").Body(R"({"id":"acme"})").Type("Application/JSON; charset=utf-8"));
  BOOST_TEST(with_charset.status == 201);
}

BOOST_AUTO_TEST_CASE(a_body_over_one_mebibyte_gets_413) {
  std::string big = "{\"id\":\"acme\",\"display_name\":\"" + std::string(1 << 20, 'x') + "\"}";
  Reply r = Post("/v1/tenants", big);
  BOOST_TEST(r.status == 413);
  BOOST_TEST(r.error_code() == "too_large");
  BOOST_TEST(Lower(r.header("connection")) == "close");  // the unread rest of the body is dropped
  BOOST_TEST(service.calls() == 0);
  BOOST_TEST(Get("/v1/health").status == 200);
}

BOOST_AUTO_TEST_CASE(a_huge_declared_length_gets_413_before_any_body_is_sent) {
  std::string response = RawExchange(server.port(), std::string("POST /v1/tenants HTTP/1.1\r\nHost: x\r\n"
                                                                "Authorization: Bearer ") +
                                                        kToken +
                                                        "\r\nContent-Type: application/json\r\n"
                                                        "Content-Length: 10000000000\r\n\r\n{\"id\":");
  BOOST_TEST(RawStatus(response) == 413);
}

BOOST_AUTO_TEST_CASE(a_refused_request_is_not_invited_to_send_its_body_with_100_continue) {
  const std::string head = std::string("POST /v1/tenants HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n"
                                       "Expect: 100-continue\r\n");
  const std::string auth = std::string("Authorization: Bearer ") + kToken + "\r\n";
  std::string too_big = RawExchange(server.port(), head + auth + "Content-Length: 99999999\r\n\r\n");
  BOOST_TEST(RawStatus(too_big) == 413, too_big);
  std::string anonymous = RawExchange(server.port(), head + "Content-Length: 10\r\n\r\n");
  BOOST_TEST(RawStatus(anonymous) == 401, anonymous);
  std::string fine = RawExchange(server.port(), head + auth + "Connection: close\r\nContent-Length: 13\r\n\r\n{\"id\":\"acme\"}");
  BOOST_TEST(RawStatus(fine) == 100, fine);
  BOOST_TEST(fine.find("HTTP/1.1 201") != std::string::npos, fine);
}

BOOST_AUTO_TEST_CASE(a_body_sent_to_a_route_without_one_is_skipped_and_the_connection_goes_on) {
  CreateTenant("acme");
  std::string response = RawExchange(server.port(), std::string("POST /v1/tenants/acme/stop HTTP/1.1\r\nHost: x\r\n"
                                                                "Authorization: Bearer ") +
                                                        kToken +
                                                        "\r\nContent-Length: 5\r\n\r\nhello"
                                                        "GET /v1/health HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n");
  BOOST_TEST(RawStatus(response) == 200);
  BOOST_TEST(response.find("{\"ok\":true}") != std::string::npos, response);
}

BOOST_AUTO_TEST_CASE(many_concurrent_clients_are_all_served) {
  std::atomic<int> ok{0};
  std::vector<std::thread> clients;
  for (int c = 0; c < 12; ++c) {
    clients.emplace_back([&, c] {
      try {
        Poco::Net::HTTPClientSession session("127.0.0.1", server.port());
        session.setTimeout(Poco::Timespan(20, 0));
        std::string id = "t" + std::to_string(c);
        if (Exchange(session, Request("POST", "/v1/tenants").Body("{\"id\":\"" + id + "\"}")).status == 201) ++ok;
        for (int i = 0; i < 10; ++i)
          if (Exchange(session, Request("GET", "/v1/tenants/" + id)).status == 200) ++ok;
        if (Exchange(session, Request("GET", "/metrics")).status == 200) ++ok;
      } catch (const std::exception&) {
      }
    });
  }
  for (std::thread& t : clients) t.join();
  BOOST_TEST(ok.load() == 12 * 12);
  BOOST_TEST(Field(Get("/v1/tenants").json(), "tenants").items().size() == 12u);
}

BOOST_AUTO_TEST_CASE(a_chunked_body_within_the_limit_is_accepted) {
  Reply r = Call(Request("POST", "/v1/tenants").Body(R"({"id":"acme","display_name":"Chunky"})").Chunked());
  BOOST_TEST(r.status == 201);
  BOOST_TEST(Field(r.json(), "display_name").string() == "Chunky");
}

BOOST_AUTO_TEST_CASE(a_chunked_body_over_the_limit_gets_413) {
  std::string big = "{\"id\":\"acme\",\"display_name\":\"" + std::string((1 << 20) + 10, 'x') + "\"}";
  Reply r = Call(Request("POST", "/v1/tenants").Body(big).Chunked());
  BOOST_TEST(r.status == 413);
  BOOST_TEST(service.calls() == 0);
}

BOOST_AUTO_TEST_CASE(malformed_chunk_framing_gets_400) {
  std::string response = RawExchange(server.port(), std::string("POST /v1/tenants HTTP/1.1\r\nHost: x\r\n"
                                                                "Authorization: Bearer ") +
                                                        kToken +
                                                        "\r\nContent-Type: application/json\r\n"
                                                        "Transfer-Encoding: chunked\r\n\r\nzz\r\n{}\r\n0\r\n\r\n");
  BOOST_TEST(RawStatus(response) == 400);
  BOOST_TEST(Get("/v1/health").status == 200);
}

BOOST_AUTO_TEST_CASE(deeply_nested_json_is_refused_without_exhausting_the_stack) {
  for (const std::string& body : {std::string(100000, '['), "{\"id\":" + std::string(100000, '['),
                                  Repeat("{\"a\":", 50000)}) {
    Reply r = Post("/v1/tenants", body);
    BOOST_TEST(r.status == 400);
    BOOST_TEST(r.error_message().find("nesting deeper than") != std::string::npos, r.error_message());
  }
  BOOST_TEST(Get("/v1/health").status == 200);
}

BOOST_AUTO_TEST_CASE(unknown_fields_are_refused_naming_the_field) {
  CheckCreatesRefused({
      {R"({"id":"acme","colour":"red"})", "unknown field 'colour'"},
      {R"({"id":"acme","resources":{"memroy_max":"1G"}})", "unknown field 'resources.memroy_max'"},
      {R"({"id":"acme","agent":{"exec":"/bin/x","shell":true}})", "unknown field 'agent.shell'"},
      {R"({"id":"acme","uid":0})", "field 'uid' is read-only"},
      {R"({"id":"acme","status":{}})", "field 'status' is read-only"},
  });
}

BOOST_AUTO_TEST_CASE(wrong_types_are_refused_naming_the_field_and_the_expected_type) {
  CheckCreatesRefused({
      {R"({"id":7})", "field 'id' must be a string, got integer"},
      {R"({"id":"acme","display_name":["x"]})", "field 'display_name' must be a string, got array"},
      {R"({"id":"acme","port":"8080"})", "field 'port' must be an integer from 1 to 65535, got string"},
      {R"({"id":"acme","port":70000})", "field 'port' must be an integer from 1 to 65535"},
      {R"({"id":"acme","port":0})", "field 'port' must be an integer from 1 to 65535"},
      {R"({"id":"acme","desired":"paused"})", "field 'desired' must be \"running\" or \"stopped\""},
      {R"({"id":"acme","desired":true})", "field 'desired' must be \"running\" or \"stopped\", got boolean"},
      {R"({"id":"acme","resources":[]})", "field 'resources' must be an object, got array"},
      {R"({"id":"acme","resources":{"cpu_weight":1.5}})",
       "field 'resources.cpu_weight' must be a non-negative integer, got number"},
      {R"({"id":"acme","resources":{"tasks_max":-1}})",
       "field 'resources.tasks_max' must be a non-negative integer, got integer"},
      {R"({"id":"acme","resources":{"memory_max":true}})",
       "field 'resources.memory_max' must be a number of bytes or a size string such as \"512M\", got boolean"},
      {R"({"id":"acme","resources":{"memory_high":"lots"}})",
       "field 'resources.memory_high': expected a size such as 512M or 2G"},
      {R"({"id":"acme","agent":{"args":"--x"}})", "field 'agent.args' must be an array of strings, got string"},
      {R"({"id":"acme","agent":{"args":["ok",3]}})", "field 'agent.args[1]' must be a string, got integer"},
      {R"({"id":"acme","agent":{"env":{"A":1}}})", "field 'agent.env.A' must be a string, got integer"},
      {R"({"id":"acme","agent":{"env":{"lower":"x"}}})",
       "field 'agent.env.lower' is not a valid variable name (expected [A-Z_][A-Z0-9_]*)"},
      {R"({"id":"acme","agent":{"exec":"bin/agent"}})", "field 'agent.exec' must be an absolute path"},
      {R"({"id":"acme","agent":{"health_path":"healthz"}})", "field 'agent.health_path' must start with '/'"},
      {R"({"id":"acme","display_name":null})", "field 'display_name' must be a string, got null"},
  });
}

BOOST_AUTO_TEST_CASE(the_id_cannot_be_changed_by_patch) {
  CreateTenant("acme");
  Reply r = Patch("/v1/tenants/acme", R"({"id":"other"})");
  BOOST_TEST(r.status == 400);
  BOOST_TEST(r.error_message() == "field 'id' cannot be changed (tenant ids are immutable)");
}

BOOST_AUTO_TEST_CASE(sizes_and_percentages_may_be_numbers_or_strings) {
  Reply r = Post("/v1/tenants", R"({"id":"acme","resources":{"memory_high":"512M","memory_max":1073741824,)"
                                R"("cpu_quota_percent":"150%","cpu_weight":200,"tasks_max":64},)"
                                R"("agent":{"exec":"/opt/agent","args":["--serve"],"env":{"NODE_ENV":"production"},)"
                                R"("health_path":"/ready"},"port":21000,"desired":"stopped"})");
  BOOST_REQUIRE(r.status == 201);
  TenantPatch p = service.last_patch().value();
  BOOST_TEST(p.memory_high.value() == 512ull << 20);
  BOOST_TEST(p.memory_max.value() == 1ull << 30);
  BOOST_TEST(p.cpu_quota_percent.value() == 150u);
  BOOST_TEST(p.cpu_weight.value() == 200u);
  BOOST_TEST(p.tasks_max.value() == 64u);
  BOOST_TEST(p.agent_exec.value() == "/opt/agent");
  BOOST_TEST(p.agent_args.value() == std::vector<std::string>{"--serve"}, boost::test_tools::per_element());
  BOOST_TEST(p.agent_env.value().at(0).first == "NODE_ENV");
  BOOST_TEST(p.health_path.value() == "/ready");
  BOOST_TEST(p.port.value() == 21000);
  BOOST_TEST((p.desired.value() == DesiredState::kStopped));
  BOOST_TEST(!p.display_name.has_value());
  BOOST_TEST(Field(r.json(), "agent.env.NODE_ENV").string() == "production");
}

// ---- errors ---------------------------------------------------------------------------------------

BOOST_AUTO_TEST_CASE(a_tenant_without_a_runtime_image_or_agent_is_409_with_what_to_do) {
  service.FailNext(Error::Conflict(kNoAgentMessage));  // what Supervisor::Create answers (supervisor_runtime)
  Reply r = Post("/v1/tenants", R"({"id":"acme"})");
  BOOST_TEST(r.status == 409);
  BOOST_TEST(r.error_code() == "conflict");
  BOOST_TEST(r.error_message() == kNoAgentMessage);
  BOOST_TEST(r.error_message().find("images/runtime/build") != std::string::npos);
  BOOST_TEST(r.error_message().find("openclaw.runtime") != std::string::npos);
  BOOST_TEST(Get("/v1/tenants/acme").status == 404);
}

BOOST_AUTO_TEST_CASE(service_errors_map_to_http_statuses) {
  CreateTenant("acme");
  struct Case {
    Error error;
    int status;
    const char* code;
  };
  for (const Case& c : std::vector<Case>{
           {Error::Invalid("bad"), 400, "invalid_argument"},
           {Error::NotFound("gone"), 404, "not_found"},
           {Error::Exists("dup"), 409, "already_exists"},
           {Error::Conflict("busy"), 409, "conflict"},
           {{ErrorCode::kUnauthorized, "no"}, 401, "unauthorized"},
           {{ErrorCode::kTooLarge, "big"}, 413, "too_large"},
           {Error::Unavailable("systemd is down"), 503, "unavailable"},
           {Error::Internal("oops"), 500, "internal"},
       }) {
    service.FailNext(c.error);
    Reply r = Get("/v1/tenants/acme");
    BOOST_TEST(r.status == c.status, c.code);
    BOOST_TEST(r.error_code() == c.code);
    BOOST_TEST(r.error_message() == c.error.message);
  }
  service.FailNext({ErrorCode::kUnauthorized, "no"});
  BOOST_TEST(!Get("/v1/tenants/acme").header("www-authenticate").empty());
}

BOOST_AUTO_TEST_CASE(an_exception_in_the_service_becomes_a_generic_500) {
  CreateTenant("acme");
  service.ThrowNext("secret detail from deep inside");
  Reply r = Get("/v1/tenants/acme");
  BOOST_TEST(r.status == 500);
  BOOST_TEST(r.error_code() == "internal");
  BOOST_TEST(r.body.find("secret") == std::string::npos);
  BOOST_TEST(Get("/v1/tenants/acme").status == 200);
}

BOOST_AUTO_TEST_CASE(every_response_says_cache_control_no_store) {
  CreateTenant("acme");
  service.FailNext(Error::Internal("x"));
  std::vector<Reply> replies = {
      Get("/v1/health"), Get("/v1/tenants"), Get("/nope"), Call(Request("PUT", "/v1/tenants")),
      Call(Request("GET", "/v1/tenants").NoAuth()), Post("/v1/tenants", "{"), Get("/metrics"),
  };
  for (const Reply& r : replies) {
    BOOST_TEST(r.header("cache-control") == "no-store", r.status);
    BOOST_TEST(r.header("x-content-type-options") == "nosniff");
  }
}

// ---- metrics --------------------------------------------------------------------------------------

BOOST_AUTO_TEST_CASE(metrics_are_prometheus_text_with_escaped_labels) {
  CreateTenant("acme");
  CreateTenant("beta");
  const std::string name = "Say \"hi\"\nto C:\\tenants";
  service.Edit("acme", [&](TenantStatus& st) {
    st.tenant.display_name = name;
    st.memory_current = 123456;
    st.memory_max = 1ull << 30;
    st.cpu_usage_nsec = 1500000000;
    st.tasks_current = 7;
    st.restarts = 2;
  });
  service.Edit("beta", [](TenantStatus& st) {
    st.tenant.quarantined = true;
    st.healthy = false;
  });
  Reply r = Get("/metrics");
  BOOST_REQUIRE(r.status == 200);
  BOOST_TEST(r.content_type == "text/plain; version=0.0.4; charset=utf-8");
  BOOST_TEST(r.header("cache-control") == "no-store");

  // Every line is a HELP, a TYPE or a sample; samples follow their family's TYPE; labels unescape back.
  std::set<std::string> typed, helped;
  std::map<std::string, std::string> values;  // "name{tenant}" -> value
  std::map<std::string, std::string> info_labels;
  std::istringstream lines(r.body);
  std::string line;
  BOOST_TEST(r.body.back() == '\n');
  while (std::getline(lines, line)) {
    ExpositionLine e = ParseExpositionLine(line);
    if (e.kind == ExpositionLine::kHelp) {
      BOOST_TEST(helped.insert(e.name).second, "second HELP for " << e.name);
    } else if (e.kind == ExpositionLine::kType) {
      BOOST_TEST(typed.insert(e.name).second, "second TYPE for " << e.name);
      BOOST_TEST(helped.count(e.name) == 1u, "TYPE before HELP for " << e.name);
      BOOST_TEST((e.value == "gauge" || e.value == "counter"), line);
    } else if (e.kind == ExpositionLine::kSample) {
      BOOST_TEST(typed.count(e.name) == 1u, "sample before TYPE: " << line);
      BOOST_TEST(std::isfinite(std::stod(e.value)), line);
      values[e.name + "{" + e.labels["tenant"] + "}"] = e.value;
      if (e.name == "clawhive_tenant_info" && e.labels["tenant"] == "acme") info_labels = e.labels;
    } else {
      BOOST_FAIL("not a valid exposition line: " << line);
    }
  }
  BOOST_TEST(info_labels["display_name"] == name);
  BOOST_TEST(info_labels["phase"] == "running");
  BOOST_TEST(r.body.find(R"(display_name="Say \"hi\"\nto C:\\tenants")") != std::string::npos);
  BOOST_TEST(values["clawhive_tenants{}"] == "2");
  BOOST_TEST(values["clawhive_tenant_up{acme}"] == "1");
  BOOST_TEST(values["clawhive_tenant_up{beta}"] == "0");
  BOOST_TEST(values["clawhive_tenant_quarantined{beta}"] == "1");
  BOOST_TEST(values["clawhive_tenant_memory_bytes{acme}"] == "123456");
  BOOST_TEST(values.count("clawhive_tenant_memory_bytes{beta}") == 0u);  // not reported -> no sample
  BOOST_TEST(values["clawhive_tenant_memory_max_bytes{acme}"] == "1073741824");
  BOOST_TEST(values["clawhive_tenant_cpu_seconds_total{acme}"] == "1.5");
  BOOST_TEST(values["clawhive_tenant_tasks{acme}"] == "7");
  BOOST_TEST(values["clawhive_tenant_restarts_total{acme}"] == "2");
  for (const char* family : {"clawhive_tenants", "clawhive_tenant_up", "clawhive_tenant_memory_bytes",
                             "clawhive_tenant_memory_max_bytes", "clawhive_tenant_cpu_seconds_total", "clawhive_tenant_tasks",
                             "clawhive_tenant_restarts_total", "clawhive_tenant_quarantined", "clawhive_tenant_info"})
    BOOST_TEST(typed.count(family) == 1u, family);
}

BOOST_AUTO_TEST_CASE(metrics_need_the_token_too) {
  Reply r = Call(Request("GET", "/metrics").NoAuth());
  BOOST_TEST(r.status == 401);
  BOOST_TEST(r.content_type == "application/json");
}

BOOST_AUTO_TEST_SUITE_END()  // server

// ---- lifecycle (no fixture) ---------------------------------------------------------------------------

// A tenant service and an identity store for servers a test starts and stops itself.
struct Lifecycle {
  FakeTenantService service;
  testing::TempIdentity ids{kToken};

  // Listens on a free port of the default address and checks tokens against ids.
  ApiServerOptions Options() const {
    ApiServerOptions o;
    o.port = 0;
    o.identity = ids.identity.get();
    return o;
  }
};

int HealthStatus(Poco::Net::HTTPClientSession& session) {
  return Exchange(session, Request("GET", "/v1/health")).status;
}

BOOST_FIXTURE_TEST_SUITE(server_lifecycle, Lifecycle)

BOOST_AUTO_TEST_CASE(start_refuses_no_identity_store_and_zero_threads) {
  ApiServerOptions o = Options();
  o.identity = nullptr;
  ApiServer no_identity(service, o);
  BOOST_TEST(FailsWith(no_identity.Start(), ErrorCode::kInvalidArgument, "needs an identity store"));
  o = Options();
  o.threads = 0;
  ApiServer no_threads(service, o);
  BOOST_TEST(FailsWith(no_threads.Start(), ErrorCode::kInvalidArgument, "API threads must be at least 1"));
}

BOOST_AUTO_TEST_CASE(start_fails_cleanly_when_the_port_is_taken) {
  ApiServer first(service, Options());
  BOOST_REQUIRE(first.Start().ok());
  ApiServerOptions o = Options();
  o.port = first.port();
  ApiServer second(service, o);
  BOOST_TEST(FailsWith(second.Start(), ErrorCode::kUnavailable, "Address already in use"));
  BOOST_TEST(second.port() == 0);
}

BOOST_AUTO_TEST_CASE(start_refuses_an_unparsable_address) {
  ApiServerOptions o = Options();
  o.address = "not an address!";
  ApiServer server(service, o);
  BOOST_TEST(FailsWith(server.Start(), ErrorCode::kInvalidArgument, "bad API listen address not an address!"));
}

BOOST_AUTO_TEST_CASE(a_stopped_server_can_be_started_again_and_stop_is_idempotent) {
  ApiServer server(service, Options());
  BOOST_REQUIRE(server.Start().ok());
  BOOST_TEST(FailsWith(server.Start(), ErrorCode::kConflict, "already running"));
  server.Stop();
  server.Stop();
  BOOST_TEST(server.port() == 0);
  BOOST_REQUIRE(server.Start().ok());
  Poco::Net::HTTPClientSession session("127.0.0.1", server.port());
  BOOST_TEST(HealthStatus(session) == 200);
}

BOOST_AUTO_TEST_CASE(stop_returns_while_a_client_holds_a_keep_alive_connection) {
  ApiServer server(service, Options());
  BOOST_REQUIRE(server.Start().ok());
  Poco::Net::HTTPClientSession session("127.0.0.1", server.port());
  session.setKeepAlive(true);
  BOOST_TEST(HealthStatus(session) == 200);
  auto t0 = std::chrono::steady_clock::now();
  server.Stop();
  BOOST_TEST((std::chrono::steady_clock::now() - t0 < std::chrono::seconds(5)));
}

BOOST_AUTO_TEST_CASE(the_server_listens_on_ipv6_loopback) {
  ApiServerOptions o = Options();
  o.address = "::1";
  ApiServer server(service, o);
  Status s = server.Start();
  if (!s.ok()) {
    BOOST_TEST_MESSAGE("no IPv6 loopback here, skipped: " << s.error().message);
    return;
  }
  Poco::Net::HTTPClientSession session(Poco::Net::SocketAddress("[::1]:" + std::to_string(server.port())));
  BOOST_TEST(HealthStatus(session) == 200);
}

BOOST_AUTO_TEST_SUITE_END()  // server_lifecycle
BOOST_AUTO_TEST_SUITE_END()  // api

}  // namespace clawhive
