// The authorization matrix: every documented operation (docs/openapi.yaml) x every role x its own and
// another tenant, over real HTTP against a real ApiServer and identity store. Each call runs in a fresh
// world, so what one call changes cannot hide what the next one does.
//
// Expected: anonymous -> 401 on all but public operations; an operator may do everything; a tenant
// admin/viewer reaches its own tenant as the documented access says (viewer: read only) and gets 404 for
// any other tenant and 403 for operator operations. And never, on any allowed call, does a tenant user's
// request touch another tenant in the services or see anything of it in the answer.
#include <Poco/Net/HTTPClientSession.h>
#include <Poco/Net/HTTPRequest.h>
#include <Poco/Net/HTTPResponse.h>
#include <Poco/StreamCopier.h>

#include <boost/test/unit_test.hpp>
#include <fstream>
#include <sstream>
#include <thread>

#include "supervisor/api/api_server.h"
#include "supervisor/meter/ledger.h"
#include "unit/fake_secret_service.h"
#include "unit/fake_tenant_service.h"
#include "unit/http_exchange.h"
#include "unit/openapi_doc.h"
#include "unit/temp_identity.h"

namespace clawhive {
namespace {

const char* const kBootstrap = "matrix-bootstrap-token-0123456789abcdef01";

enum class Who { kAnonymous, kOperator, kAdminOfOwn, kViewerOfOwn };
const char* Name(Who w) {
  switch (w) {
    case Who::kAnonymous: return "anonymous";
    case Who::kOperator: return "operator";
    case Who::kAdminOfOwn: return "tenant-admin(own)";
    case Who::kViewerOfOwn: return "tenant-viewer(own)";
  }
  return "?";
}

// What the contract says, written out independently of the server's own Authorize().
int Expected(Who who, const std::string& access, const std::string& tenant) {
  if (access == "public") return 0;  // allowed
  if (who == Who::kAnonymous) return 401;
  if (who == Who::kOperator || access == "authenticated") return 0;
  if (access == "operator") return 403;
  if (tenant != "own") return 404;
  if (access == "tenant-write" && who == Who::kViewerOfOwn) return 403;
  return 0;
}

struct World {
  testing::TempIdentity ids{kBootstrap};
  testing::FakeTenantService tenants;
  testing::FakeSecretService secrets;
  std::string console_dir;
  std::map<std::string, int64_t> token_ids;  // tenant -> id of a token of that tenant
  std::string admin_token, viewer_token;
  std::unique_ptr<meter::Ledger> ledger;
  std::unique_ptr<ApiServer> server;

  World() {
    for (const char* t : {"own", "other"}) {
      BOOST_REQUIRE(tenants.Create(t, TenantPatch{}).ok());
      secrets.AddTenant(t);
      BOOST_REQUIRE(secrets.PutSecret(t, "API_KEY", SecretValue(std::string("v-") + t)).ok());
    }
    int64_t now = testing::NowMs();
    ids.With([&](auto& store) {
      BOOST_REQUIRE(store->CreateUser("u-own", auth::Role::kTenantViewer, "own", "password-own-123", now).ok());
      BOOST_REQUIRE(store->CreateUser("u-other", auth::Role::kTenantViewer, "other", "password-other-123", now).ok());
      auto a = store->CreateToken(auth::Role::kTenantAdmin, "own", "tok-own-admin", 3600000, now);
      auto v = store->CreateToken(auth::Role::kTenantViewer, "own", "tok-own-viewer", 3600000, now);
      auto o = store->CreateToken(auth::Role::kTenantAdmin, "other", "tok-other", 3600000, now);
      BOOST_REQUIRE(a.ok() && v.ok() && o.ok());
      admin_token = a->token;
      viewer_token = v->token;
      token_ids["own"] = v->id;
      token_ids["other"] = o->id;
    });
    ledger = std::move(meter::Ledger::Open(ids.dir + "/meter.db").value());
    for (const char* t : {"own", "other"}) {  // each tenant has spent something
      auto r = ledger->Reserve(t, 100, 10, now);
      BOOST_REQUIRE(r.ok());
      meter::UsageRecord u;
      u.at_ms = now;
      u.provider = "p";
      u.model = "m";
      u.cost_micros = 50;
      u.status = 200;
      BOOST_REQUIRE(ledger->Settle(*r, u).ok());
    }
    console_dir = ids.dir + "/console";
    std::filesystem::create_directory(console_dir);
    std::ofstream(console_dir + "/index.html") << "<!doctype html><title>console</title>";
    tenants.ClearTouched();
    secrets.ClearTouched();
    ApiServerOptions o;
    o.port = 0;
    o.identity = ids.identity.get();
    o.audit = ids.audit.get();
    o.console_dir = console_dir;
    o.ledger = ledger.get();
    o.threads = 2;
    o.plain_http_revokes_tokens = false;  // plain loopback HTTP in this test; TLS has its own
    server = std::make_unique<ApiServer>(tenants, &secrets, o);
    BOOST_REQUIRE(server->Start().ok());
  }

  std::string Credential(Who w) const {
    switch (w) {
      case Who::kAnonymous: return "";
      case Who::kOperator: return kBootstrap;
      case Who::kAdminOfOwn: return admin_token;
      case Who::kViewerOfOwn: return viewer_token;
    }
    return "";
  }

  // Users and live (unrevoked) tokens: what a write to the identity store would change.
  std::string IdentityState() {
    return ids.With([](auto& store) {
      std::string s;
      auto users = store->ListUsers();
      auto tokens = store->ListTokens();
      for (const auto& u : *users) s += u.name + "/" + std::to_string(u.password_changed_ms) + ";";
      for (const auto& t : *tokens) s += t.name + "/" + std::to_string(t.revoked_ms) + ";";
      return s;
    });
  }

  std::pair<int, std::string> Call(const std::string& method, const std::string& path, bool json, Who who) {
    Poco::Net::HTTPClientSession session("127.0.0.1", server->port());
    session.setTimeout(Poco::Timespan(10, 0));
    std::string body = json ? "{}" : "";
    Poco::Net::HTTPRequest req = testing::MakeRequest(method, path, Credential(who), body);  // anonymous: ""
    testing::HttpReply reply = testing::Exchange(session, req, body);
    return {reply.status, reply.body};
  }
};

// Stopping a Poco server takes ~250 ms (its accept loop polls): stop finished worlds in parallel.
void DestroyAll(std::vector<std::unique_ptr<World>>& worlds) {
  std::vector<std::thread> stoppers;
  for (auto& w : worlds) stoppers.emplace_back([p = w.release()] { delete p; });
  for (auto& t : stoppers) t.join();
  worlds.clear();
}

std::string Concrete(const std::string& pattern, const std::string& tenant, const World& w) {
  std::string out, name;
  bool in = false;
  for (char c : pattern) {
    if (c == '{') { in = true; name.clear(); continue; }
    if (c != '}') { if (in) name += c; else out += c; continue; }
    in = false;
    const std::string t = tenant.empty() ? "own" : tenant;
    if (name == "id") out += tenant;
    else if (name == "file") out += "index.html";
    else if (name == "token") out += std::to_string(w.token_ids.at(t));
    else if (pattern.find("/secrets/") != std::string::npos) out += "API_KEY";
    else out += "u-" + t;  // users
  }
  return out;
}

BOOST_AUTO_TEST_SUITE(authorization_matrix)

BOOST_AUTO_TEST_CASE(every_operation_as_every_role_on_its_own_and_another_tenant) {
  int cases = 0, allowed = 0, denied = 0;
  std::vector<std::unique_ptr<World>> done;
  for (const testing::DocOperation& op : testing::LoadOpenApi()) {
    std::vector<std::string> targets = op.path.find("{id}") != std::string::npos ? std::vector<std::string>{"own", "other"}
                                                                                : std::vector<std::string>{""};
    bool json = op.method == "POST" || op.method == "PUT" || op.method == "PATCH";
    // Routes whose body is optional in our table take none; the server tells us with 415/400 either way.
    for (Who who : {Who::kAnonymous, Who::kOperator, Who::kAdminOfOwn, Who::kViewerOfOwn}) {
      for (const std::string& tenant : targets) {
        if (done.size() == 32) DestroyAll(done);
        done.push_back(std::make_unique<World>());
        World& w = *done.back();
        const std::string path = Concrete(op.path, tenant, w);
        const std::string what = op.method + " " + path + " as " + Name(who);
        const std::string before = w.IdentityState();
        auto [status, body] = w.Call(op.method, path, json, who);
        ++cases;
        int want = Expected(who, op.access, tenant);
        if (want != 0) {
          ++denied;
          BOOST_TEST(status == want, what << ": expected " << want << ", got " << status << " " << body);
          BOOST_TEST(w.tenants.touched().empty(), what << ": a denied call reached the tenant service");
          BOOST_TEST(w.secrets.touched().empty(), what << ": a denied call reached the secret service");
          BOOST_TEST(w.IdentityState() == before, what << ": a denied call changed users or tokens");
          continue;
        }
        ++allowed;
        BOOST_TEST(status != 401, what << ": " << body);
        BOOST_TEST(status != 403, what << ": " << body);
        if (who == Who::kAdminOfOwn || who == Who::kViewerOfOwn) {
          for (const std::string& t : w.tenants.touched()) BOOST_TEST(t == "own", what << ": touched tenant " << t);
          for (const std::string& t : w.secrets.touched()) BOOST_TEST(t == "own", what << ": touched secrets of " << t);
          BOOST_TEST(body.find("other") == std::string::npos, what << ": answer shows another tenant: " << body);
        }
      }
    }
  }
  DestroyAll(done);
  BOOST_TEST_MESSAGE("authorization matrix: " << cases << " calls, " << allowed << " allowed, " << denied << " denied");
  BOOST_TEST(cases >= 290);  // 52 operations today
}

BOOST_AUTO_TEST_SUITE_END()

}  // namespace
}  // namespace clawhive
