// Console sessions, CSRF, throttling, token lifetimes, plain-HTTP revocation, the audit log, branding and
// the console's files, over real HTTP against a real ApiServer and identity store.
#include <Poco/Net/HTTPClientSession.h>
#include <Poco/Net/HTTPCookie.h>
#include <Poco/Net/HTTPRequest.h>
#include <Poco/Net/HTTPResponse.h>
#include <Poco/Net/NameValueCollection.h>
#include <Poco/StreamCopier.h>

#include <boost/test/unit_test.hpp>
#include <fstream>
#include <sstream>

#include "supervisor/api/api_server.h"
#include "supervisor/common/json.h"
#include "unit/fake_secret_service.h"
#include "unit/fake_tenant_service.h"
#include "unit/http_exchange.h"
#include "unit/temp_identity.h"

namespace clawhive {
namespace {

const char* const kBootstrap = "session-test-bootstrap-token-0123456789ab";
const char* const kPassword = "correct horse battery";

struct Answer {
  int status = 0;
  std::string body;
  Poco::Net::NameValueCollection headers;
  std::string cookie;  // value of clawhive_session from Set-Cookie, if any
  std::string set_cookie;
  JsonValue json() const { return ParseJson(body).value(); }
  std::string field(const char* name) const {
    auto j = json();
    const JsonValue* v = j.Find(name);
    return v && v->is_string() ? v->string() : "";
  }
};

struct Call {
  std::string method, path, body;
  std::string bearer, cookie, csrf;
  std::string content_type = "application/json";
};

struct Fixture {
  explicit Fixture(bool revoke_plain = false, auth::ThrottleOptions throttle = {}) : ids(kBootstrap, throttle) {
    tenants.Create("acme", TenantPatch{}).value();
    ids.With([](auto& store) {
      BOOST_REQUIRE(store->CreateUser("olivia", auth::Role::kOperator, "", kPassword, testing::NowMs()).ok());
      BOOST_REQUIRE(store->CreateUser("ada", auth::Role::kTenantAdmin, "acme", kPassword, testing::NowMs()).ok());
    });
    console_dir = ids.dir + "/console";
    std::filesystem::create_directory(console_dir);
    std::ofstream(console_dir + "/index.html") << "<!doctype html><title>Console</title>";
    std::ofstream(ids.dir + "/secret.txt") << "not for you";
    ApiServerOptions o;
    o.port = 0;
    o.identity = ids.identity.get();
    o.audit = ids.audit.get();
    o.console_dir = console_dir;
    o.threads = 2;
    o.plain_http_revokes_tokens = revoke_plain;
    server = std::make_unique<ApiServer>(tenants, &secrets, o);
    BOOST_REQUIRE(server->Start().ok());
  }

  Answer Do(const Call& c) {
    Poco::Net::HTTPClientSession session("127.0.0.1", server->port());
    session.setTimeout(Poco::Timespan(10, 0));
    Poco::Net::HTTPRequest req(c.method, c.path, Poco::Net::HTTPMessage::HTTP_1_1);
    if (!c.bearer.empty()) req.set("Authorization", "Bearer " + c.bearer);
    if (!c.cookie.empty()) {
      Poco::Net::NameValueCollection cookies;
      cookies.add("clawhive_session", c.cookie);
      req.setCookies(cookies);
    }
    if (!c.csrf.empty()) req.set("X-CSRF-Token", c.csrf);
    if (!c.body.empty()) {
      req.setContentType(c.content_type);
      req.setContentLength64(static_cast<Poco::Int64>(c.body.size()));
    }
    Poco::Net::HTTPResponse resp;
    Answer a;
    a.body = testing::SendAndRead(session, req, c.body, resp);
    a.status = resp.getStatus();
    for (const auto& [k, v] : resp) a.headers.add(k, v);
    if (resp.has("Set-Cookie")) {
      a.set_cookie = resp.get("Set-Cookie");
      std::vector<Poco::Net::HTTPCookie> cookies;
      resp.getCookies(cookies);
      for (const auto& ck : cookies)
        if (ck.getName() == "clawhive_session") a.cookie = ck.getValue();
    }
    return a;
  }
  Answer SignIn(const std::string& user, const std::string& password = kPassword) {
    return Do({"POST", "/v1/session", "{\"user\":\"" + user + "\",\"password\":\"" + password + "\"}"});
  }
  std::vector<audit::AuditEntry> Audit() { return ids.audit->Query({}).value(); }

  testing::TempIdentity ids;
  testing::FakeTenantService tenants;
  testing::FakeSecretService secrets;
  std::string console_dir;
  std::unique_ptr<ApiServer> server;
};

BOOST_AUTO_TEST_SUITE(sessions_and_csrf)

BOOST_AUTO_TEST_CASE(signing_in_sets_a_secure_httponly_samesite_cookie_and_gives_the_csrf_token) {
  Fixture f;
  Answer a = f.SignIn("olivia");
  BOOST_REQUIRE_MESSAGE(a.status == 201, a.body);
  BOOST_TEST(!a.cookie.empty());
  for (const char* attr : {"Secure", "HttpOnly", "SameSite=Strict", "Path=/"})
    BOOST_TEST(a.set_cookie.find(attr) != std::string::npos, attr << " in " << a.set_cookie);
  BOOST_TEST(a.field("role") == "operator");
  BOOST_TEST(!a.field("csrf_token").empty());
  BOOST_TEST(a.body.find(a.cookie) == std::string::npos);  // the session id is only in the cookie
  // After a reload the console asks again and gets the same CSRF token.
  Answer me = f.Do({"GET", "/v1/session", "", "", a.cookie});
  BOOST_TEST(me.status == 200);
  BOOST_TEST(me.field("csrf_token") == a.field("csrf_token"));
  BOOST_TEST(me.field("user") == "olivia");
}

BOOST_AUTO_TEST_CASE(a_state_change_with_the_cookie_but_without_the_right_csrf_token_is_refused) {
  Fixture f;
  Answer a = f.SignIn("olivia");
  const std::string body = "{\"id\":\"globex\"}";
  int calls = f.tenants.calls();
  Answer none = f.Do({"POST", "/v1/tenants", body, "", a.cookie});
  BOOST_TEST(none.status == 403);
  BOOST_TEST(none.body.find("csrf_failed") != std::string::npos);
  Answer wrong = f.Do({"POST", "/v1/tenants", body, "", a.cookie, "chv_forged"});
  BOOST_TEST(wrong.status == 403);
  Answer other = f.SignIn("ada");  // another session's token does not fit this one
  Answer swapped = f.Do({"POST", "/v1/tenants", body, "", a.cookie, other.field("csrf_token")});
  BOOST_TEST(swapped.status == 403);
  BOOST_TEST(f.tenants.calls() == calls);  // nothing reached the service
  Answer right = f.Do({"POST", "/v1/tenants", body, "", a.cookie, a.field("csrf_token")});
  BOOST_TEST(right.status == 201, right.body);
  // Reads need no CSRF token.
  BOOST_TEST(f.Do({"GET", "/v1/tenants", "", "", a.cookie}).status == 200);
}

BOOST_AUTO_TEST_CASE(signing_out_ends_the_session) {
  Fixture f;
  Answer a = f.SignIn("olivia");
  Answer out = f.Do({"DELETE", "/v1/session", "", "", a.cookie, a.field("csrf_token")});
  BOOST_TEST(out.status == 200);
  BOOST_TEST(out.set_cookie.find("Max-Age=0") != std::string::npos);
  BOOST_TEST(f.Do({"GET", "/v1/tenants", "", "", a.cookie}).status == 401);
}

BOOST_AUTO_TEST_CASE(changing_the_password_ends_every_session_of_the_user) {
  Fixture f;
  Answer first = f.SignIn("ada");
  Answer second = f.SignIn("ada");
  Answer wrong = f.Do({"PUT", "/v1/session/password",
                       "{\"current_password\":\"not it at all\",\"new_password\":\"a brand new passphrase\"}", "",
                       first.cookie, first.field("csrf_token")});
  BOOST_TEST(wrong.status == 400);
  BOOST_TEST(f.Do({"GET", "/v1/session", "", "", first.cookie}).status == 200);  // still signed in
  Answer ok = f.Do({"PUT", "/v1/session/password",
                    std::string("{\"current_password\":\"") + kPassword + "\",\"new_password\":\"a brand new passphrase\"}",
                    "", first.cookie, first.field("csrf_token")});
  BOOST_TEST(ok.status == 200, ok.body);
  BOOST_TEST(f.Do({"GET", "/v1/session", "", "", first.cookie}).status == 401);
  BOOST_TEST(f.Do({"GET", "/v1/session", "", "", second.cookie}).status == 401);
  BOOST_TEST(f.SignIn("ada").status == 401);
  BOOST_TEST(f.SignIn("ada", "a brand new passphrase").status == 201);
}

BOOST_AUTO_TEST_CASE(wrong_passwords_are_throttled_per_account_with_retry_after) {
  auth::ThrottleOptions t;
  t.account_max_failures = 3;
  Fixture f(false, t);
  for (int i = 0; i < 3; ++i) BOOST_TEST(f.SignIn("olivia", "wrong password " + std::to_string(i)).status == 401);
  Answer locked = f.SignIn("olivia");  // even the right password, while locked
  BOOST_TEST(locked.status == 429, locked.body);
  BOOST_TEST(locked.headers.get("Retry-After", "") == "60");
  BOOST_TEST(locked.body.find("rate_limited") != std::string::npos);
  BOOST_TEST(f.SignIn("ada").status == 201);  // another account is not locked
  BOOST_TEST(f.SignIn("nobody", "whatever it is").status == 401);  // same answer as a wrong password
}

BOOST_AUTO_TEST_CASE(hostile_sign_in_bodies_get_4xx) {
  Fixture f;
  BOOST_TEST(f.Do({"POST", "/v1/session", "{\"user\":"}).status == 400);
  BOOST_TEST(f.Do({"POST", "/v1/session", "[]"}).status == 400);
  BOOST_TEST(f.Do({"POST", "/v1/session", "{\"user\":\"olivia\"}"}).status == 400);
  BOOST_TEST(f.Do({"POST", "/v1/session", "{\"user\":\"olivia\",\"password\":1}"}).status == 400);
  BOOST_TEST(f.Do({"POST", "/v1/session", "{\"user\":\"olivia\",\"password\":\"x\",\"admin\":true}"}).status == 400);
  BOOST_TEST(f.Do({"POST", "/v1/session", "user=olivia", "", "", "", "application/x-www-form-urlencoded"}).status == 415);
  BOOST_TEST(f.Do({"POST", "/v1/session", "{\"user\":\"" + std::string(2 << 20, 'a') + "\"}"}).status == 413);
  BOOST_TEST(f.Do({"GET", "/v1/tenants", "", "", "chv_not-a-session"}).status == 401);
  BOOST_TEST(f.Do({"GET", "/v1/tenants", "", "", std::string(5000, 'x')}).status == 401);
}

BOOST_AUTO_TEST_SUITE_END()

BOOST_AUTO_TEST_SUITE(api_tokens)

BOOST_AUTO_TEST_CASE(a_token_is_shown_once_works_until_revoked_and_shows_its_last_use) {
  Fixture f;
  Answer made = f.Do({"POST", "/v1/tokens", "{\"name\":\"ci\",\"role\":\"tenant-viewer\",\"tenant\":\"acme\",\"ttl_days\":7}", kBootstrap});
  BOOST_REQUIRE_MESSAGE(made.status == 201, made.body);
  std::string token = made.field("token");
  BOOST_TEST(token.rfind("chv_", 0) == 0u);
  BOOST_TEST(f.Do({"GET", "/v1/tenants/acme", "", token}).status == 200);
  BOOST_TEST(f.Do({"POST", "/v1/tenants/acme/restart", "", token}).status == 403);  // a viewer
  Answer list = f.Do({"GET", "/v1/tokens", "", kBootstrap});
  BOOST_TEST(list.body.find(token) == std::string::npos);  // never shown again
  for (const auto& t : list.json().Find("tokens")->items())
    if (t.Find("name")->string() == "ci") BOOST_TEST(t.Find("last_used_at")->AsUnsigned().value_or(0) > 0u);
  int64_t id = made.json().Find("id")->AsUnsigned().value();
  BOOST_TEST(f.Do({"DELETE", "/v1/tokens/" + std::to_string(id), "", kBootstrap}).status == 200);
  Answer revoked = f.Do({"GET", "/v1/tenants/acme", "", token});
  BOOST_TEST(revoked.status == 401);
  BOOST_TEST(revoked.body.find(token) == std::string::npos);
}

BOOST_AUTO_TEST_CASE(an_expired_token_is_rejected) {
  Fixture f;
  std::string token;
  const int64_t an_hour_ago = testing::NowMs() - 3'600'000;
  f.ids.With([&](auto& store) {  // a one-minute token issued an hour ago: expired without waiting
    token = store->CreateToken(auth::Role::kOperator, "", "short", 60'000, an_hour_ago).value().token;
  });
  Answer a = f.Do({"GET", "/v1/tenants", "", token});
  BOOST_TEST(a.status == 401);
  BOOST_TEST(a.body.find("expired") != std::string::npos, a.body);
}

BOOST_AUTO_TEST_CASE(a_token_sent_over_plain_http_is_revoked_on_the_spot) {
  Fixture f(/*revoke_plain=*/true);
  Answer a = f.Do({"GET", "/v1/tenants", "", kBootstrap});
  BOOST_TEST(a.status == 401);
  BOOST_TEST(a.body.find("plain HTTP") != std::string::npos, a.body);
  f.ids.With([](auto& store) {
    auto tokens = store->ListTokens();
    BOOST_TEST(tokens->at(0).revoked_ms > 0);
  });
}

BOOST_AUTO_TEST_CASE(a_tenant_admin_makes_users_and_tokens_of_its_own_tenant_only) {
  Fixture f;
  f.tenants.Create("globex", TenantPatch{}).value();
  std::string admin;
  f.ids.With([&](auto& store) {
    admin = store->CreateToken(auth::Role::kTenantAdmin, "acme", "adm", 3600000, testing::NowMs()).value().token;
  });
  Answer op = f.Do({"POST", "/v1/tenants/acme/users", "{\"name\":\"root2\",\"role\":\"operator\",\"password\":\"long enough password\"}", admin});
  BOOST_TEST(op.status == 400);
  Answer other = f.Do({"POST", "/v1/tenants/acme/users", "{\"name\":\"x\",\"role\":\"tenant-admin\",\"tenant\":\"globex\",\"password\":\"long enough password\"}", admin});
  BOOST_TEST(other.status == 400);
  Answer ok = f.Do({"POST", "/v1/tenants/acme/users", "{\"name\":\"viv\",\"role\":\"tenant-viewer\",\"password\":\"long enough password\"}", admin});
  BOOST_TEST(ok.status == 201, ok.body);
  BOOST_TEST(ok.field("tenant") == "acme");
  BOOST_TEST(f.Do({"DELETE", "/v1/tenants/acme/users/olivia", "", admin}).status == 404);  // an operator, not theirs
}

BOOST_AUTO_TEST_SUITE_END()

BOOST_AUTO_TEST_SUITE(audit_log)

BOOST_AUTO_TEST_CASE(every_state_change_is_recorded_with_who_what_tenant_address_and_result) {
  Fixture f;
  f.Do({"POST", "/v1/tenants/acme/restart", "", kBootstrap});
  f.Do({"POST", "/v1/tenants/acme/restart", "", "chv_wrong"});
  f.SignIn("ada", "not the password");
  f.Do({"GET", "/v1/tenants", "", kBootstrap});  // reads are not recorded
  auto entries = f.Audit();
  BOOST_REQUIRE(entries.size() == 3u);
  BOOST_TEST(entries[2].actor == "token:bootstrap");
  BOOST_TEST(entries[2].role == "operator");
  BOOST_TEST(entries[2].tenant == "acme");
  BOOST_TEST(entries[2].action == "POST /v1/tenants/{id}/restart");
  BOOST_TEST(entries[2].address == "127.0.0.1");
  BOOST_TEST(entries[2].result == "ok");
  BOOST_TEST(entries[1].actor == "");
  BOOST_TEST(entries[1].result == "denied");
  BOOST_TEST(entries[0].actor == "ada");
  BOOST_TEST(entries[0].action == "POST /v1/session");
  BOOST_TEST(entries[0].status == 401);
  f.SignIn("ada");
  BOOST_TEST(f.Audit().at(0).role == "tenant-admin");  // a sign-in names its role once it is known
}

BOOST_AUTO_TEST_CASE(the_log_exports_as_csv_without_spreadsheet_formulas_and_as_json) {
  Fixture f;
  f.SignIn("=cmd|calc", "not the password");
  Answer csv = f.Do({"GET", "/v1/audit?format=csv", "", kBootstrap});
  BOOST_TEST(csv.status == 200);
  BOOST_TEST(csv.headers.get("Content-Type", "").find("text/csv") == 0u);
  BOOST_TEST(csv.headers.get("Content-Disposition", "").find("attachment") == 0u);
  BOOST_TEST(csv.body.find("id,time_ms,actor") == 0u);
  BOOST_TEST(csv.body.find(",'=cmd|calc,") != std::string::npos, csv.body);
  Answer json = f.Do({"GET", "/v1/audit?format=json&limit=1", "", kBootstrap});
  BOOST_TEST(json.json().Find("entries")->items().size() == 1u);
  BOOST_TEST(f.Do({"GET", "/v1/audit?format=xml", "", kBootstrap}).status == 400);
  BOOST_TEST(f.Do({"GET", "/v1/audit?before=-1", "", kBootstrap}).status == 400);
}

BOOST_AUTO_TEST_SUITE_END()

BOOST_AUTO_TEST_SUITE(console_and_branding)

BOOST_AUTO_TEST_CASE(the_console_is_served_with_a_strict_policy_and_nothing_outside_its_folder) {
  Fixture f;
  Answer page = f.Do({"GET", "/console/"});
  BOOST_TEST(page.status == 200);
  BOOST_TEST(page.body.find("<title>Console</title>") != std::string::npos);
  BOOST_TEST(page.headers.get("Content-Security-Policy", "").find("script-src 'self'") != std::string::npos);
  for (const char* bad : {"/console/..%2Fsecret.txt", "/console/.hidden", "/console/%2e%2e", "/console/a%00b",
                          "/console/nothing.js"})
    BOOST_TEST(f.Do({"GET", bad}).status == 404, bad);
  BOOST_TEST(f.Do({"GET", "/console/sub/dir.js"}).status == 401);  // no such route: anonymous callers learn nothing
  Answer root = f.Do({"GET", "/"});
  BOOST_TEST(root.status == 302);
  BOOST_TEST(root.headers.get("Location", "") == "/console/");
}

BOOST_AUTO_TEST_CASE(branding_is_public_to_read_and_an_operator_sets_it) {
  Fixture f;
  Answer before = f.Do({"GET", "/v1/branding"});
  BOOST_TEST(before.field("product_name") == "Clawhive");
  BOOST_TEST(f.Do({"PUT", "/v1/branding", "{\"product_name\":\"Acme Agents\"}"}).status == 401);
  Answer set = f.Do({"PUT", "/v1/branding", "{\"product_name\":\"Acme <b>Agents</b>\",\"primary_color\":\"#aa3300\",\"logo_png_base64\":\"iVBORw0KGgoAAAANSUhEUg==\"}", kBootstrap});
  BOOST_TEST(set.status == 200, set.body);
  Answer after = f.Do({"GET", "/v1/branding"});
  BOOST_TEST(after.field("product_name") == "Acme <b>Agents</b>");  // stored as text; the console escapes it
  BOOST_TEST(after.field("primary_color") == "#aa3300");
  Answer logo = f.Do({"GET", "/v1/branding/logo"});
  BOOST_TEST(logo.status == 200);
  BOOST_TEST(logo.headers.get("Content-Type", "") == "image/png");
  for (const char* bad : {"{\"primary_color\":\"red\"}", "{\"primary_color\":\"#12345g\"}", "{\"product_name\":\"\"}",
                          "{\"product_name\":\"a\\nb\"}", "{\"logo_png_base64\":\"PHN2Zz4=\"}", "{\"logo_png_base64\":\"!!\"}",
                          "{\"colour\":\"#123456\"}"})
    BOOST_TEST(f.Do({"PUT", "/v1/branding", bad, kBootstrap}).status == 400, bad);
}

BOOST_AUTO_TEST_SUITE_END()

}  // namespace
}  // namespace clawhive
