// End-to-end tests of the secret and vault routes: a real ApiServer on 127.0.0.1 (ephemeral port) in
// front of a FakeTenantService and a FakeSecretService, over real HTTP. Every response any test gets is
// checked for the secret values the tests send: a value must never come back, in any answer or error.
#include <Poco/Net/HTTPClientSession.h>
#include <Poco/Net/HTTPRequest.h>
#include <Poco/Net/HTTPResponse.h>
#include <Poco/StreamCopier.h>

#include <boost/test/unit_test.hpp>

#include <map>
#include <sstream>
#include <string>
#include <vector>

#include "supervisor/api/api_server.h"
#include "supervisor/common/json.h"
#include "unit/fake_secret_service.h"
#include "unit/fake_tenant_service.h"
#include "unit/http_exchange.h"
#include "unit/loopback_api.h"
#include "unit/temp_identity.h"

namespace clawhive {
namespace {

using clawhive::JsonValue;
using testing::FakeSecretService;
using testing::FakeTenantService;

const char* const kToken = "test-token-0123456789abcdef0123456789abcdef";
// Values the tests store; the marker part must never appear in a response.
const std::string kMarker = "ZQXJ-S3CRET-MARK";
const std::string kValue = "sk-live-" + kMarker + "-0123456789abcdef";

using Reply = testing::HttpReply;

std::string JsonString(const std::string& s) {
  std::string out;
  AppendJsonString(&out, s);
  return out;
}

std::string PutBody(const std::string& value) { return "{\"value\":" + JsonString(value) + "}"; }

struct SecretsFixture {
  SecretsFixture() : server(tenants, &secrets, Options(ids)) {
    Status s = server.Start();
    BOOST_REQUIRE_MESSAGE(s.ok(), s.error().message);
    BOOST_REQUIRE(tenants.Create("acme", {}).ok());
    BOOST_REQUIRE(tenants.Create("acme-corp", {}).ok());
    secrets.AddTenant("acme");
    secrets.AddTenant("acme-corp");
  }

  ~SecretsFixture() {
    // The invariant of the whole suite: no value ever came back.
    for (const std::string& body : seen)
      BOOST_CHECK_MESSAGE(body.find(kMarker) == std::string::npos, "a response contains a secret value: " << body);
  }

  static ApiServerOptions Options(testing::TempIdentity& ids) { return testing::LoopbackApiOptions(ids, 4); }

  Reply Call(const std::string& method, const std::string& uri, const std::string* body = nullptr,
             const std::string& type = "application/json", bool chunked = false, bool auth = true) {
    Poco::Net::HTTPClientSession session("127.0.0.1", server.port());
    session.setTimeout(Poco::Timespan(10, 0));
    Poco::Net::HTTPRequest req(method, uri, Poco::Net::HTTPMessage::HTTP_1_1);
    if (auth) req.set("Authorization", std::string("Bearer ") + kToken);
    if (body != nullptr) {
      if (!type.empty()) req.setContentType(type);
      if (chunked) req.setChunkedTransferEncoding(true);
      else req.setContentLength64(static_cast<Poco::Int64>(body->size()));
    }
    Reply r = testing::Exchange(session, req, body != nullptr ? *body : std::string());
    seen.push_back(r.body);
    return r;
  }
  std::string Stored(const std::string& tenant, const std::string& name) const {
    return secrets.value(tenant, name).value_or("<none>");
  }
  Reply Get(const std::string& uri) { return Call("GET", uri); }
  Reply Delete(const std::string& uri) { return Call("DELETE", uri); }
  Reply Post(const std::string& uri) { return Call("POST", uri); }
  Reply Put(const std::string& uri, const std::string& body) { return Call("PUT", uri, &body); }

  testing::TempIdentity ids{kToken};
  FakeTenantService tenants;
  FakeSecretService secrets;
  ApiServer server;
  std::vector<std::string> seen;
};

const JsonValue& Field(const JsonValue& v, const std::string& key) {
  const JsonValue* f = v.Find(key);
  BOOST_REQUIRE_MESSAGE(f != nullptr, "missing field " << key);
  return *f;
}

BOOST_AUTO_TEST_SUITE(api)
BOOST_FIXTURE_TEST_SUITE(secrets, SecretsFixture)

BOOST_AUTO_TEST_CASE(a_tenant_secret_is_created_updated_read_listed_and_deleted_without_its_value) {
  Reply created = Put("/v1/tenants/acme-corp/secrets/GITHUB_TOKEN", PutBody(kValue));
  BOOST_TEST(created.status == 201, created.body);
  BOOST_TEST(created.header("location") == "/v1/tenants/acme-corp/secrets/GITHUB_TOKEN");
  JsonValue doc = created.json();
  BOOST_TEST(Field(doc, "tenant").string() == "acme-corp");
  BOOST_TEST(Field(doc, "name").string() == "GITHUB_TOKEN");
  BOOST_TEST(*Field(doc, "current_version").AsUnsigned() == 1u);
  BOOST_TEST(Field(doc, "created_at").number() > 0);
  BOOST_TEST(Field(doc, "rotated_at").number() > 0);
  BOOST_REQUIRE_EQUAL(Field(doc, "versions").items().size(), 1u);
  BOOST_TEST(Field(Field(doc, "versions").items()[0], "state").string() == "current");
  BOOST_REQUIRE_EQUAL(Field(doc, "consumers").items().size(), 1u);
  BOOST_TEST(Field(doc, "consumers").items()[0].string() == "clawhive-agent@acme\\x2dcorp.service");
  BOOST_TEST(Stored("acme-corp", "GITHUB_TOKEN") == kValue);

  Reply updated = Put("/v1/tenants/acme-corp/secrets/GITHUB_TOKEN", PutBody(kValue + "-v2"));
  BOOST_TEST(updated.status == 200);
  BOOST_TEST(updated.header("location").empty());
  BOOST_TEST(*Field(updated.json(), "current_version").AsUnsigned() == 2u);
  BOOST_TEST(Field(updated.json(), "versions").items().size() == 2u);
  BOOST_TEST(Stored("acme-corp", "GITHUB_TOKEN") == kValue + "-v2");

  Reply got = Get("/v1/tenants/acme-corp/secrets/GITHUB_TOKEN");
  BOOST_TEST(got.status == 200);
  BOOST_TEST(got.body == updated.body);

  Put("/v1/tenants/acme-corp/secrets/OTHER", PutBody(kValue));
  Put("/v1/tenants/acme/secrets/NOT_MINE", PutBody(kValue));
  Reply listed = Get("/v1/tenants/acme-corp/secrets");
  BOOST_TEST(listed.status == 200);
  BOOST_REQUIRE_EQUAL(Field(listed.json(), "secrets").items().size(), 2u);
  BOOST_TEST(Field(Field(listed.json(), "secrets").items()[0], "name").string() == "GITHUB_TOKEN");

  Reply deleted = Delete("/v1/tenants/acme-corp/secrets/GITHUB_TOKEN");
  BOOST_TEST(deleted.status == 200);
  BOOST_TEST(deleted.body == R"({"tenant":"acme-corp","name":"GITHUB_TOKEN","deleted":true})");
  BOOST_TEST(Get("/v1/tenants/acme-corp/secrets/GITHUB_TOKEN").status == 404);
  BOOST_TEST(Delete("/v1/tenants/acme-corp/secrets/GITHUB_TOKEN").status == 404);
}

BOOST_AUTO_TEST_CASE(platform_secrets_have_their_own_routes_and_no_consumers) {
  Reply created = Put("/v1/platform/secrets/OPENAI_API_KEY", PutBody(kValue));
  BOOST_TEST(created.status == 201, created.body);
  BOOST_TEST(created.header("location") == "/v1/platform/secrets/OPENAI_API_KEY");
  BOOST_TEST(Field(created.json(), "tenant").string() == "_platform");
  BOOST_TEST(Field(created.json(), "consumers").items().empty());
  BOOST_TEST(Stored(kPlatformScope, "OPENAI_API_KEY") == kValue);
  BOOST_TEST(Get("/v1/platform/secrets/OPENAI_API_KEY").status == 200);
  BOOST_TEST(Field(Get("/v1/platform/secrets").json(), "secrets").items().size() == 1u);
  BOOST_TEST(Field(Get("/v1/tenants/acme/secrets").json(), "secrets").items().empty());
  Reply deleted = Delete("/v1/platform/secrets/OPENAI_API_KEY");
  BOOST_TEST(deleted.body == R"({"tenant":"_platform","name":"OPENAI_API_KEY","deleted":true})");
  BOOST_TEST(Get("/v1/platform/secrets/OPENAI_API_KEY").status == 404);
}

BOOST_AUTO_TEST_CASE(the_platform_scope_cannot_be_reached_through_a_tenant_path) {
  for (const std::string scope : {"_platform", "%5Fplatform"}) {
    BOOST_TEST(Put("/v1/tenants/" + scope + "/secrets/OPENAI_API_KEY", PutBody(kValue)).status == 400);
    BOOST_TEST(Get("/v1/tenants/" + scope + "/secrets").status == 400);
    BOOST_TEST(Get("/v1/tenants/" + scope + "/secrets/OPENAI_API_KEY").status == 400);
    BOOST_TEST(Delete("/v1/tenants/" + scope + "/secrets/OPENAI_API_KEY").status == 400);
    BOOST_TEST(Post("/v1/tenants/" + scope + "/secrets/rotate-data-key").status == 400);
  }
  BOOST_TEST(secrets.calls() == 0);
}

BOOST_AUTO_TEST_CASE(hostile_names_are_refused_without_echoing_the_value) {
  for (const std::string& name : {std::string("lower"), std::string("A%3DB"), std::string("A=B"),
                                  std::string(200, 'N'), std::string("..%2FX"), std::string("9LIVES"),
                                  std::string("A%00B"), std::string("A%0AB"), std::string("%C3%89T%C3%89"),
                                  std::string("")}) {
    for (const std::string base : {"/v1/tenants/acme/secrets/", "/v1/platform/secrets/"}) {
      Reply put = Put(base + name, PutBody(kValue));
      BOOST_TEST(put.status == 400, base + name << ": " << put.body);
      BOOST_TEST(put.error_code() == "invalid_argument");
      BOOST_TEST(Get(base + name).status == 400, base + name);
      BOOST_TEST(Delete(base + name).status == 400, base + name);
    }
  }
  // An unencoded "../X" is two path segments: no such route.
  BOOST_TEST(Put("/v1/tenants/acme/secrets/../X", PutBody(kValue)).status == 404);
  BOOST_TEST(secrets.calls() == 0);
}

BOOST_AUTO_TEST_CASE(hostile_values_are_refused_without_echoing_them) {
  const std::string uri = "/v1/tenants/acme/secrets/API_KEY";
  for (const std::string& body : {
           std::string(R"({"value":""})"),
           std::string(R"({"value":12345})"),
           std::string(R"({"value":true})"),
           std::string(R"({"value":null})"),
           std::string("{\"value\":[" + JsonString(kValue) + "]}"),
           std::string("{\"value\":{\"v\":" + JsonString(kValue) + "}}"),
           PutBody(std::string(65 * 1024, 'v')),
           PutBody(kValue + std::string(1, '\0') + "tail"),
           PutBody(kValue + "\nINJECTED=1"),
           PutBody(kValue + "\r\n"),
           "{\"value\":" + JsonString(kValue) + ",\"extra\":1}",
           "{\"value\":" + JsonString(kValue) + ",\"value\":\"x\"}",
           "{" + JsonString(kValue) + ":\"x\"}",
           std::string(R"({})"),
           JsonString(kValue),
           "[" + JsonString(kValue) + "]",
           "{\"value\":" + JsonString(kValue) + ",}",
           "{\"value\":\"" + kValue,
           "{\"value\":" + JsonString(kValue) + "} trailing",
           "{\"value\":\"" + kValue + "\\q\"}",
       }) {
    Reply r = Put(uri, body);
    BOOST_TEST(r.status == 400, body.substr(0, 80) << " -> " << r.body);
    BOOST_TEST(r.error_code() == "invalid_argument");
  }
  BOOST_TEST(secrets.calls() == 0);
  BOOST_TEST(!secrets.value("acme", "API_KEY").has_value());
}

BOOST_AUTO_TEST_CASE(values_are_json_unescaped_and_may_be_64_kib) {
  Reply r = Put("/v1/tenants/acme/secrets/API_KEY", R"({"value":"a\u00e9\"b\\c\td"})");
  BOOST_TEST(r.status == 201, r.body);
  BOOST_TEST(Stored("acme", "API_KEY") == "a\xc3\xa9\"b\\c\td");
  std::string max(64 * 1024, 'm');
  BOOST_TEST(Put("/v1/tenants/acme/secrets/BIG", PutBody(max)).status == 201);
  BOOST_TEST(Stored("acme", "BIG") == max);
}

BOOST_AUTO_TEST_CASE(a_chunked_put_is_read_whole) {
  std::string value = kValue + std::string(60000, 'c');
  std::string body = PutBody(value);
  Reply r = Call("PUT", "/v1/tenants/acme/secrets/CHUNKED", &body, "application/json", true);
  BOOST_TEST(r.status == 201, r.body);
  BOOST_TEST(Stored("acme", "CHUNKED") == value);
}

BOOST_AUTO_TEST_CASE(a_put_without_a_body_is_refused) {
  Reply no_body = Call("PUT", "/v1/tenants/acme/secrets/API_KEY");
  BOOST_TEST(no_body.status == 415);  // no body, so no Content-Type either
  std::string empty;
  Reply empty_json = Call("PUT", "/v1/tenants/acme/secrets/API_KEY", &empty);
  BOOST_TEST(empty_json.status == 400);
  std::string body = PutBody(kValue);
  BOOST_TEST(Call("PUT", "/v1/tenants/acme/secrets/API_KEY", &body, "text/plain").status == 415);
  BOOST_TEST(secrets.calls() == 0);
}

BOOST_AUTO_TEST_CASE(an_unknown_tenant_is_the_services_404) {
  Reply r = Put("/v1/tenants/nobody/secrets/API_KEY", PutBody(kValue));
  BOOST_TEST(r.status == 404);
  BOOST_TEST(r.error_code() == "not_found");
  BOOST_TEST(Get("/v1/tenants/nobody/secrets").status == 404);
  BOOST_TEST(Post("/v1/tenants/nobody/secrets/rotate-data-key").status == 404);
}

BOOST_AUTO_TEST_CASE(service_errors_and_exceptions_map_like_everywhere_else) {
  secrets.FailNext(Error::Unavailable("vault is busy"));
  Reply busy = Put("/v1/tenants/acme/secrets/API_KEY", PutBody(kValue));
  BOOST_TEST(busy.status == 503);
  BOOST_TEST(busy.error_code() == "unavailable");
  secrets.FailNext(Error::Conflict("a rotation is running"));
  BOOST_TEST(Post("/v1/vault/rotate-kek").status == 409);
  secrets.ThrowNext("detail");
  Reply thrown = Put("/v1/tenants/acme/secrets/API_KEY", PutBody(kValue));
  BOOST_TEST(thrown.status == 500);
  BOOST_TEST(thrown.body == R"({"error":{"code":"internal","message":"internal error"}})");
  BOOST_TEST(Put("/v1/tenants/acme/secrets/API_KEY", PutBody(kValue)).status == 201);
}

BOOST_AUTO_TEST_CASE(keys_are_rotated_and_rotations_listed_newest_first) {
  Put("/v1/tenants/acme/secrets/API_KEY", PutBody(kValue));
  Reply kek = Post("/v1/vault/rotate-kek");
  BOOST_TEST(kek.status == 200, kek.body);
  BOOST_TEST(Field(kek.json(), "kind").string() == "kek");
  BOOST_TEST(Field(kek.json(), "target").string() == "");
  BOOST_TEST(Field(kek.json(), "state").string() == "done");
  Reply dk = Post("/v1/tenants/acme/secrets/rotate-data-key");
  BOOST_TEST(dk.status == 200, dk.body);
  BOOST_TEST(dk.body == R"({"id":2,"kind":"data-key","target":"acme","state":"done","done":1,"total":1})");

  Reply all = Get("/v1/vault/rotations");
  BOOST_TEST(all.status == 200);
  BOOST_REQUIRE_EQUAL(Field(all.json(), "rotations").items().size(), 2u);
  BOOST_TEST(*Field(Field(all.json(), "rotations").items()[0], "id").AsUnsigned() == 2u);
  BOOST_TEST(secrets.last_rotation_limit() == 100u);
  Reply one = Get("/v1/vault/rotations?limit=1");
  BOOST_TEST(Field(one.json(), "rotations").items().size() == 1u);
  for (const char* q : {"?limit=0", "?limit=1001", "?limit=x", "?limit=", "?limit=1&limit=2", "?lmit=1"})
    BOOST_TEST(Get(std::string("/v1/vault/rotations") + q).status == 400, q);
}

BOOST_AUTO_TEST_CASE(wrong_methods_get_405_and_the_rotate_literal_is_no_secret_name) {
  Reply r = Post("/v1/tenants/acme/secrets/API_KEY");
  BOOST_TEST(r.status == 405);
  BOOST_TEST(r.header("allow") == "PUT, GET, DELETE");
  BOOST_TEST(Get("/v1/vault/rotate-kek").status == 405);
  BOOST_TEST(Post("/v1/vault/rotations").status == 405);
  BOOST_TEST(Call("PATCH", "/v1/platform/secrets").status == 405);
  // GET .../rotate-data-key is a GET of a secret named "rotate-data-key", which is no valid name.
  BOOST_TEST(Get("/v1/tenants/acme/secrets/rotate-data-key").status == 400);
}

BOOST_AUTO_TEST_CASE(every_secret_route_needs_the_token) {
  std::string body = PutBody(kValue);
  for (const auto& [method, uri] : std::vector<std::pair<std::string, std::string>>{
           {"PUT", "/v1/tenants/acme/secrets/API_KEY"}, {"GET", "/v1/tenants/acme/secrets/API_KEY"},
           {"GET", "/v1/tenants/acme/secrets"}, {"DELETE", "/v1/tenants/acme/secrets/API_KEY"},
           {"PUT", "/v1/platform/secrets/K"}, {"GET", "/v1/platform/secrets"}, {"POST", "/v1/vault/rotate-kek"},
           {"POST", "/v1/tenants/acme/secrets/rotate-data-key"}, {"GET", "/v1/vault/rotations"}}) {
    Reply r = Call(method, uri, method == "PUT" ? &body : nullptr, "application/json", false, false);
    BOOST_TEST(r.status == 401, method << " " << uri);
  }
  BOOST_TEST(secrets.calls() == 0);
}

BOOST_AUTO_TEST_SUITE_END()  // secrets

BOOST_AUTO_TEST_CASE(without_a_secret_service_the_secret_routes_answer_503) {
  testing::TempIdentity ids{kToken};
  FakeTenantService tenants;
  ApiServer server(tenants, SecretsFixture::Options(ids));  // the constructor without secrets
  BOOST_REQUIRE(server.Start().ok());
  std::string body = PutBody(kValue);
  for (const auto& [method, uri] : std::vector<std::pair<std::string, std::string>>{
           {"PUT", "/v1/tenants/acme/secrets/API_KEY"}, {"GET", "/v1/tenants/acme/secrets/API_KEY"},
           {"GET", "/v1/tenants/acme/secrets"}, {"DELETE", "/v1/tenants/acme/secrets/API_KEY"},
           {"PUT", "/v1/platform/secrets/K"}, {"GET", "/v1/platform/secrets/K"}, {"GET", "/v1/platform/secrets"},
           {"DELETE", "/v1/platform/secrets/K"}, {"POST", "/v1/vault/rotate-kek"},
           {"POST", "/v1/tenants/acme/secrets/rotate-data-key"}, {"GET", "/v1/vault/rotations"}}) {
    Poco::Net::HTTPClientSession session("127.0.0.1", server.port());
    Poco::Net::HTTPRequest req(method, uri, Poco::Net::HTTPMessage::HTTP_1_1);
    req.set("Authorization", std::string("Bearer ") + kToken);
    if (method == "PUT") {
      req.setContentType("application/json");
      req.setContentLength64(static_cast<Poco::Int64>(body.size()));
    }
    std::ostream& out = session.sendRequest(req);
    if (method == "PUT") out << body;
    Poco::Net::HTTPResponse resp;
    std::ostringstream text;
    Poco::StreamCopier::copyStream(session.receiveResponse(resp), text);
    BOOST_TEST(resp.getStatus() == 503, method << " " << uri);
    BOOST_TEST(text.str() == R"({"error":{"code":"unavailable","message":"secrets are not available"}})");
  }
  // The tenant routes work as before.
  Poco::Net::HTTPClientSession session("127.0.0.1", server.port());
  Poco::Net::HTTPRequest req("GET", "/v1/tenants", Poco::Net::HTTPMessage::HTTP_1_1);
  req.set("Authorization", std::string("Bearer ") + kToken);
  session.sendRequest(req);
  Poco::Net::HTTPResponse resp;
  std::ostringstream text;
  Poco::StreamCopier::copyStream(session.receiveResponse(resp), text);
  BOOST_TEST(resp.getStatus() == 200);
}

BOOST_AUTO_TEST_SUITE_END()  // api

}  // namespace
}  // namespace clawhive
