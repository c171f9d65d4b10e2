#include "supervisor/auth/identity_store.h"

#include <unistd.h>

#include <boost/test/unit_test.hpp>
#include <fstream>
#include <iterator>
#include <sstream>
#include <string>
#include <sys/stat.h>

#include "unit/temp_dir.h"

using namespace clawhive;
using namespace clawhive::auth;

namespace {

constexpr int64_t kMin = 60 * 1000;
const std::string kPw = "a long enough password";

struct Fixture {
  clawhive::testing::TempDir tmp{"authtest"};
  std::string dir = tmp.path;
  std::unique_ptr<IdentityStore> store;
  IdentityStoreOptions opts;
  Fixture() {
    opts.db_path = dir + "/identity.db";
    opts.scrypt = {1024, 8, 1};
    opts.throttle.account_max_failures = 3;
    Result<std::unique_ptr<IdentityStore>> s = IdentityStore::Open(opts);
    BOOST_REQUIRE_MESSAGE(s.ok(), (s.ok() ? "" : s.error().message));
    store = std::move(*s);
  }
  ~Fixture() { store.reset(); }  // closed before tmp goes
  std::string FileBytes() {
    std::string all;
    for (const char* suffix : {"", "-wal"}) {
      std::ifstream f(opts.db_path + suffix, std::ios::binary);
      all.append(std::istreambuf_iterator<char>(f), std::istreambuf_iterator<char>());
    }
    return all;
  }
};

}  // namespace

BOOST_AUTO_TEST_SUITE(auth)
BOOST_FIXTURE_TEST_SUITE(identity_store, Fixture)

BOOST_AUTO_TEST_CASE(the_file_is_owner_only) {
  struct stat st {};
  BOOST_REQUIRE_EQUAL(::stat(opts.db_path.c_str(), &st), 0);
  BOOST_CHECK_EQUAL(st.st_mode & 0777, 0600u);
  store.reset();
  Result<std::unique_ptr<IdentityStore>> again = IdentityStore::Open(opts);  // reopen: migrations are idempotent
  BOOST_CHECK(again.ok());
}

BOOST_AUTO_TEST_CASE(login_gives_a_session_that_authenticates) {
  BOOST_REQUIRE(store->CreateUser("alice", Role::kTenantAdmin, "acme", kPw, 0));
  Result<NewSession> s = store->Login("alice", kPw, "1.2.3.4", 1000);
  BOOST_REQUIRE(s.ok());
  BOOST_CHECK_EQUAL(s->session_id.rfind("chv_", 0), 0u);
  Result<Principal> p = store->Authenticate(s->session_id, 2000);
  BOOST_REQUIRE(p.ok());
  BOOST_CHECK_EQUAL(p->user, "alice");
  BOOST_CHECK(p->role == Role::kTenantAdmin);
  BOOST_CHECK_EQUAL(p->tenant, "acme");
  BOOST_CHECK(store->CheckCsrf(s->session_id, s->csrf_token, 2000));
  BOOST_CHECK(!store->CheckCsrf(s->session_id, s->session_id, 2000));
  BOOST_REQUIRE(store->Logout(s->session_id));
  BOOST_CHECK(!store->Authenticate(s->session_id, 3000).ok());
}

BOOST_AUTO_TEST_CASE(wrong_password_is_throttled_after_n_failures_without_revealing_the_user) {
  BOOST_REQUIRE(store->CreateUser("alice", Role::kOperator, "", kPw, 0));
  Result<NewSession> unknown = store->Login("nobody", kPw, "1.1.1.1", 0);
  Result<NewSession> wrong = store->Login("alice", "wrong password!!", "1.1.1.1", 0);
  BOOST_REQUIRE(!unknown.ok() && !wrong.ok());
  BOOST_CHECK_EQUAL(unknown.error().message, wrong.error().message);
  BOOST_CHECK(wrong.error().code == ErrorCode::kUnauthorized);
  (void)store->Login("alice", "wrong password!!", "1.1.1.2", 0);
  (void)store->Login("alice", "wrong password!!", "1.1.1.3", 0);
  Result<NewSession> locked = store->Login("alice", kPw, "1.1.1.4", 0);  // right password, still locked
  BOOST_REQUIRE(!locked.ok());
  BOOST_CHECK(locked.error().message.find("retry after 60 seconds") != std::string::npos);
  // Throttling an unknown name reads the same.
  for (int i = 0; i < 3; ++i) (void)store->Login("ghost", "x", "9.9.9." + std::to_string(i), 0);
  Result<NewSession> ghost = store->Login("ghost", "x", "9.9.9.9", 0);
  BOOST_REQUIRE(!ghost.ok());
  BOOST_CHECK_EQUAL(ghost.error().message, locked.error().message);
  BOOST_CHECK(store->Login("alice", kPw, "1.1.1.4", 61000).ok());
}

BOOST_AUTO_TEST_CASE(session_expires_when_idle) {
  BOOST_REQUIRE(store->CreateUser("alice", Role::kOperator, "", kPw, 0));
  Result<NewSession> s = store->Login("alice", kPw, "a", 0);
  BOOST_REQUIRE(s.ok());
  BOOST_CHECK(store->Authenticate(s->session_id, 29 * kMin).ok());   // refreshes last_seen
  BOOST_CHECK(store->Authenticate(s->session_id, 58 * kMin).ok());
  BOOST_CHECK(!store->Authenticate(s->session_id, 88 * kMin).ok());  // 30 min idle
  BOOST_CHECK(!store->Authenticate(s->session_id, 89 * kMin).ok());  // and it stays gone
}

BOOST_AUTO_TEST_CASE(session_expires_after_the_absolute_limit_even_when_active) {
  BOOST_REQUIRE(store->CreateUser("alice", Role::kOperator, "", kPw, 0));
  Result<NewSession> s = store->Login("alice", kPw, "a", 0);
  BOOST_REQUIRE(s.ok());
  int64_t t = 0;
  for (; t < 12 * 60 * kMin; t += 20 * kMin) BOOST_REQUIRE(store->Authenticate(s->session_id, t).ok());
  BOOST_CHECK(!store->Authenticate(s->session_id, 12 * 60 * kMin).ok());
}

BOOST_AUTO_TEST_CASE(password_change_revokes_every_session_of_the_user) {
  BOOST_REQUIRE(store->CreateUser("alice", Role::kOperator, "", kPw, 0));
  BOOST_REQUIRE(store->CreateUser("bob", Role::kOperator, "", kPw, 0));
  Result<NewSession> a1 = store->Login("alice", kPw, "a", 0);
  Result<NewSession> a2 = store->Login("alice", kPw, "b", 0);
  Result<NewSession> b1 = store->Login("bob", kPw, "c", 0);
  BOOST_REQUIRE(a1.ok() && a2.ok() && b1.ok());
  BOOST_REQUIRE(store->SetPassword("alice", "another long password", 10));
  BOOST_CHECK(!store->Authenticate(a1->session_id, 20).ok());
  BOOST_CHECK(!store->Authenticate(a2->session_id, 20).ok());
  BOOST_CHECK(store->Authenticate(b1->session_id, 20).ok());
  BOOST_CHECK(!store->Login("alice", kPw, "a", 30).ok());
  BOOST_CHECK(store->Login("alice", "another long password", "a", 30).ok());
}

BOOST_AUTO_TEST_CASE(deleting_a_user_ends_its_sessions) {
  BOOST_REQUIRE(store->CreateUser("alice", Role::kOperator, "", kPw, 0));
  Result<NewSession> s = store->Login("alice", kPw, "a", 0);
  BOOST_REQUIRE(s.ok());
  BOOST_REQUIRE(store->DeleteUser("alice"));
  BOOST_CHECK(!store->Authenticate(s->session_id, 1).ok());
  BOOST_CHECK(store->DeleteUser("alice").error().code == ErrorCode::kNotFound);
  BOOST_CHECK(store->ListUsers()->empty());
}

BOOST_AUTO_TEST_CASE(roles_and_tenants_are_validated) {
  BOOST_CHECK(!store->CreateUser("op", Role::kOperator, "acme", kPw, 0));
  BOOST_CHECK(!store->CreateUser("ta", Role::kTenantAdmin, "", kPw, 0));
  BOOST_CHECK(!store->CreateUser("tv", Role::kTenantViewer, "Bad_Tenant", kPw, 0));
  BOOST_CHECK(store->CreateUser("tv", Role::kTenantViewer, "acme", kPw, 0));
  Status dup = store->CreateUser("tv", Role::kTenantViewer, "acme", kPw, 0);
  BOOST_CHECK(!dup && dup.error().code == ErrorCode::kAlreadyExists);
  BOOST_CHECK(!store->CreateToken(Role::kOperator, "acme", "t", kMin, 0).ok());
  BOOST_CHECK(!store->CreateToken(Role::kTenantAdmin, "", "t", kMin, 0).ok());
  Result<std::vector<UserInfo>> users = store->ListUsers();
  BOOST_REQUIRE(users.ok());
  BOOST_REQUIRE_EQUAL(users->size(), 1u);
  BOOST_CHECK_EQUAL((*users)[0].tenant, "acme");
}

BOOST_AUTO_TEST_CASE(hostile_names_and_passwords_are_refused) {
  BOOST_CHECK(!store->CreateUser("ali\nce", Role::kOperator, "", kPw, 0));
  BOOST_CHECK(!store->CreateUser(std::string("ali\0ce", 6), Role::kOperator, "", kPw, 0));
  BOOST_CHECK(!store->CreateUser("ali\x1b[31m", Role::kOperator, "", kPw, 0));
  BOOST_CHECK(!store->CreateUser(std::string(300, 'a'), Role::kOperator, "", kPw, 0));
  BOOST_CHECK(!store->CreateUser("", Role::kOperator, "", kPw, 0));
  BOOST_CHECK(!store->CreateUser("Alice", Role::kOperator, "", kPw, 0));
  BOOST_CHECK(!store->CreateUser("alice", Role::kOperator, "", "", 0));
  BOOST_CHECK(!store->CreateUser("alice", Role::kOperator, "", std::string("abcdefghijklm\0n", 15), 0));
  BOOST_CHECK(!store->CreateToken(Role::kOperator, "", "bad\nname", kMin, 0).ok());
  BOOST_CHECK(!store->CreateToken(Role::kOperator, "", std::string(300, 't'), kMin, 0).ok());
  BOOST_CHECK(store->ListUsers()->empty());
  // Logging in with hostile input is just a failed login.
  Result<NewSession> r = store->Login(std::string(300, 'a'), std::string("\0\0", 2), "x", 0);
  BOOST_CHECK(!r.ok() && r.error().code == ErrorCode::kUnauthorized);
  BOOST_CHECK(!store->Login("alice", std::string(5000, 'p'), "x", 0).ok());
  BOOST_CHECK(!store->Authenticate("", 0).ok());
  BOOST_CHECK(!store->Authenticate(std::string(100000, 'x'), 0).ok());
  BOOST_CHECK(!store->AuthenticateToken(std::string(100000, 'x'), 0).ok());
}

BOOST_AUTO_TEST_CASE(token_is_shown_once_and_only_its_hash_is_stored) {
  BOOST_REQUIRE(store->CreateUser("alice", Role::kOperator, "", kPw, 0));
  Result<NewToken> t = store->CreateToken(Role::kTenantAdmin, "acme", "ci deploy", 60 * kMin, 0);
  BOOST_REQUIRE(t.ok());
  Result<NewSession> s = store->Login("alice", kPw, "a", 0);
  BOOST_REQUIRE(s.ok());
  const std::string bytes = FileBytes();
  BOOST_CHECK(bytes.find("ci deploy") != std::string::npos);  // sanity: we do read the data
  for (const std::string& secret : {t->token, s->session_id, s->csrf_token}) {
    BOOST_CHECK(bytes.find(secret) == std::string::npos);
    BOOST_CHECK(bytes.find(secret.substr(4)) == std::string::npos);
  }
  BOOST_CHECK(bytes.find(kPw) == std::string::npos);
  Result<std::vector<TokenInfo>> list = store->ListTokens();
  BOOST_REQUIRE(list.ok() && list->size() == 1);
  BOOST_CHECK_EQUAL((*list)[0].name, "ci deploy");
  BOOST_CHECK_EQUAL((*list)[0].expires_ms, 60 * kMin);
}

BOOST_AUTO_TEST_CASE(token_authenticates_and_records_last_use) {
  Result<NewToken> t = store->CreateToken(Role::kTenantViewer, "acme", "viewer", 60 * kMin, 0);
  BOOST_REQUIRE(t.ok());
  Result<Principal> p = store->AuthenticateToken(t->token, 5 * kMin);
  BOOST_REQUIRE(p.ok());
  BOOST_CHECK(p->role == Role::kTenantViewer);
  BOOST_CHECK_EQUAL(p->tenant, "acme");
  BOOST_CHECK_EQUAL(p->token_id, t->id);
  BOOST_CHECK_EQUAL((*store->ListTokens())[0].last_used_ms, 5 * kMin);
}

BOOST_AUTO_TEST_CASE(expired_and_revoked_tokens_are_rejected) {
  Result<NewToken> t1 = store->CreateToken(Role::kOperator, "", "short", kMin, 0);
  Result<NewToken> t2 = store->CreateToken(Role::kOperator, "", "revoked", 60 * kMin, 0);
  BOOST_REQUIRE(t1.ok() && t2.ok());
  BOOST_CHECK(store->AuthenticateToken(t1->token, kMin - 1).ok());
  Result<Principal> e = store->AuthenticateToken(t1->token, kMin);
  BOOST_CHECK(!e.ok() && e.error().code == ErrorCode::kUnauthorized);
  BOOST_REQUIRE(store->RevokeToken(t2->id, 10));
  BOOST_CHECK(store->RevokeToken(t2->id, 20));  // idempotent
  BOOST_CHECK_EQUAL((*store->ListTokens())[1].revoked_ms, 10);
  Result<Principal> r = store->AuthenticateToken(t2->token, 30);
  BOOST_CHECK(!r.ok() && r.error().code == ErrorCode::kUnauthorized);
  BOOST_CHECK(store->RevokeToken(999, 0).error().code == ErrorCode::kNotFound);
  BOOST_CHECK(!store->CreateToken(Role::kOperator, "", "forever", 0, 0).ok());
  BOOST_CHECK(!store->CreateToken(Role::kOperator, "", "too long", int64_t{400} * 24 * 60 * kMin, 0).ok());
}

BOOST_AUTO_TEST_CASE(bootstrap_token_becomes_an_operator_token_without_expiry_while_no_operator_exists) {
  const std::string root(64, 'f');
  Result<int64_t> id = store->ImportBootstrapToken(root, 0);
  BOOST_REQUIRE(id.ok());
  Result<int64_t> again = store->ImportBootstrapToken(root, 5);
  BOOST_REQUIRE(again.ok());
  BOOST_CHECK_EQUAL(*id, *again);
  Result<Principal> p = store->AuthenticateToken(root, int64_t{1} << 50);
  BOOST_REQUIRE(p.ok());
  BOOST_CHECK(p->IsOperator());
  BOOST_REQUIRE(store->RevokeToken(*id, 1));
  BOOST_CHECK(!store->AuthenticateToken(root, 2).ok());
  BOOST_CHECK(!store->ImportBootstrapToken("short", 0).ok());
  BOOST_CHECK(!store->ImportBootstrapToken(std::string(40, 'a') + "\n", 0).ok());
  BOOST_CHECK(FileBytes().find(root) == std::string::npos);
}

BOOST_AUTO_TEST_CASE(bootstrap_token_expires_an_hour_after_the_first_operator_user_exists) {
  const int64_t kHour = 60 * kMin;
  BOOST_CHECK_EQUAL(opts.bootstrap_ttl_ms, kHour);
  const std::string root(64, 'e');
  Result<int64_t> id = store->ImportBootstrapToken(root, 1000);
  BOOST_REQUIRE(id.ok());
  BOOST_CHECK_EQUAL(store->GetToken(*id)->expires_ms, 0);
  // Tenant users start nothing; the first operator user starts the clock, the second does not move it.
  BOOST_REQUIRE(store->CreateUser("viewer", Role::kTenantViewer, "acme", kPw, 2000));
  BOOST_CHECK_EQUAL(store->GetToken(*id)->expires_ms, 0);
  BOOST_REQUIRE(store->CreateUser("admin", Role::kOperator, "", kPw, 10000));
  BOOST_CHECK_EQUAL(store->GetToken(*id)->expires_ms, 10000 + kHour);
  BOOST_REQUIRE(store->CreateUser("second", Role::kOperator, "", kPw, 20000));
  BOOST_CHECK_EQUAL(store->GetToken(*id)->expires_ms, 10000 + kHour);
  // A restart before then re-imports the same token without extending it.
  BOOST_CHECK_EQUAL(*store->ImportBootstrapToken(root, 30000), *id);
  BOOST_CHECK_EQUAL(store->GetToken(*id)->expires_ms, 10000 + kHour);

  BOOST_CHECK(store->AuthenticateToken(root, 10000 + kHour - 1).ok());
  Result<bool> early = store->RetireBootstrapToken(*id, 10000 + kHour - 1);
  BOOST_REQUIRE(early.ok());
  BOOST_CHECK(!*early);
  BOOST_CHECK(!store->AuthenticateToken(root, 10000 + kHour).ok());
  Result<bool> retired = store->RetireBootstrapToken(*id, 10000 + kHour);
  BOOST_REQUIRE(retired.ok());
  BOOST_CHECK(*retired);
  BOOST_CHECK_EQUAL(store->GetToken(*id)->revoked_ms, 10000 + kHour);
  BOOST_CHECK(*store->RetireBootstrapToken(*id, 10000 + kHour + 5));  // idempotent
  BOOST_CHECK_EQUAL(store->GetToken(*id)->revoked_ms, 10000 + kHour);

  // The expired token cannot be imported again (the supervisor then makes a new one) ...
  Result<int64_t> stale = store->ImportBootstrapToken(root, 20 * kHour);
  BOOST_REQUIRE(!stale.ok());
  BOOST_CHECK(stale.error().code == ErrorCode::kUnauthorized);
  BOOST_CHECK(!store->AuthenticateToken(root, 20 * kHour).ok());
  // ... and a new one, with an operator already there, lives an hour from its import.
  const std::string fresh(64, 'd');
  Result<int64_t> next = store->ImportBootstrapToken(fresh, 20 * kHour);
  BOOST_REQUIRE(next.ok());
  BOOST_CHECK(*next != *id);
  BOOST_CHECK_EQUAL(store->GetToken(*next)->expires_ms, 21 * kHour);
  BOOST_CHECK(store->AuthenticateToken(fresh, 21 * kHour - 1).ok());
  BOOST_CHECK(!store->AuthenticateToken(fresh, 21 * kHour).ok());
}

BOOST_AUTO_TEST_CASE(a_revoked_bootstrap_token_is_not_imported_again) {
  const std::string root(64, 'c');
  Result<int64_t> id = store->ImportBootstrapToken(root, 0);
  BOOST_REQUIRE(id.ok());
  BOOST_REQUIRE(store->RevokeToken(*id, 1));
  Result<int64_t> again = store->ImportBootstrapToken(root, 2);
  BOOST_REQUIRE(!again.ok());
  BOOST_CHECK(again.error().code == ErrorCode::kUnauthorized);
  BOOST_CHECK(*store->RetireBootstrapToken(*id, 3));
}

BOOST_AUTO_TEST_CASE(operator_tokens_made_later_keep_their_own_expiry) {
  const std::string root(64, 'b');
  BOOST_REQUIRE(store->ImportBootstrapToken(root, 0).ok());
  Result<NewToken> t = store->CreateToken(Role::kOperator, "", "ci", 10 * kMin, 0);
  BOOST_REQUIRE(t.ok());
  BOOST_REQUIRE(store->CreateUser("admin", Role::kOperator, "", kPw, 1000));
  BOOST_CHECK_EQUAL(store->GetToken(t->id)->expires_ms, 10 * kMin);
}

BOOST_AUTO_TEST_CASE(principal_checks_keep_tenants_apart) {
  Principal op{"root", Role::kOperator, "", 0};
  Principal admin{"a", Role::kTenantAdmin, "acme", 0};
  Principal viewer{"v", Role::kTenantViewer, "acme", 0};
  BOOST_CHECK(op.MayRead("acme") && op.MayWrite("acme") && op.MayWrite("") && op.IsOperator());
  BOOST_CHECK(admin.MayRead("acme") && admin.MayWrite("acme"));
  BOOST_CHECK(!admin.MayRead("globex") && !admin.MayWrite("globex"));
  BOOST_CHECK(!admin.MayRead("") && !admin.IsOperator());
  BOOST_CHECK(viewer.MayRead("acme") && !viewer.MayWrite("acme"));
  BOOST_CHECK(!viewer.MayRead("globex"));
  Principal broken{"b", Role::kTenantAdmin, "", 0};  // a tenant role without a tenant sees nothing
  BOOST_CHECK(!broken.MayRead("") && !broken.MayRead("acme"));
}

BOOST_AUTO_TEST_CASE(a_foreign_database_is_refused) {
  store.reset();
  const std::string other = dir + "/other.db";
  (void)std::system(("sqlite3 " + other + " 'CREATE TABLE x(y)' 2>/dev/null; chmod 600 " + other).c_str());
  IdentityStoreOptions o = opts;
  o.db_path = other;
  if (::access(other.c_str(), F_OK) == 0) BOOST_CHECK(!IdentityStore::Open(o).ok());
  ::chmod(opts.db_path.c_str(), 0644);
  BOOST_CHECK(!IdentityStore::Open(opts).ok());
}

BOOST_AUTO_TEST_SUITE_END()
BOOST_AUTO_TEST_SUITE_END()
