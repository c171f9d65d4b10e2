#include "supervisor/auth/identity_store.h"

#include <sqlite3.h>

#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>

#include "supervisor/auth/encoding.h"

namespace clawhive::auth {

using sqlite::Binder;
using sqlite::Statement;

namespace {

// last_seen / last_used are rewritten at most this often: a write per API request would make every
// read a disk write. Idle expiry is 30 minutes, so 15 s of slack is immaterial.
constexpr int64_t kTouchGranularityMs = 15 * 1000;
const char kCsrfKeySetting[] = "csrf_key";

constexpr size_t kMaxUserName = 64;
constexpr size_t kMaxTokenName = 64;
const char kGenericLoginError[] = "invalid user name or password";

// The identity store's schema: users, their sessions, API tokens, settings.
constexpr sqlite::Migration kMigrations[] = {
    {1, R"sql(
PRAGMA application_id = 1128810820;

CREATE TABLE users (
  id                  INTEGER PRIMARY KEY,
  name                TEXT NOT NULL UNIQUE,
  role                TEXT NOT NULL CHECK (role IN ('operator', 'tenant-admin', 'tenant-viewer')),
  tenant              TEXT,
  password_hash       TEXT NOT NULL,
  created_ms          INTEGER NOT NULL,
  password_changed_ms INTEGER NOT NULL,
  CHECK ((role = 'operator') = (tenant IS NULL))
) STRICT;

-- id_hash and csrf_hash: SHA-256 of the values handed to the client.
CREATE TABLE sessions (
  id_hash      BLOB PRIMARY KEY CHECK (length(id_hash) = 32),
  user_id      INTEGER NOT NULL REFERENCES users (id) ON DELETE CASCADE,
  created_ms   INTEGER NOT NULL,
  last_seen_ms INTEGER NOT NULL,
  csrf_hash    BLOB NOT NULL CHECK (length(csrf_hash) = 32)
) STRICT, WITHOUT ROWID;
CREATE INDEX sessions_by_user ON sessions (user_id);

CREATE TABLE api_tokens (
  id           INTEGER PRIMARY KEY AUTOINCREMENT,
  hash         BLOB NOT NULL UNIQUE CHECK (length(hash) = 32),
  name         TEXT NOT NULL,
  role         TEXT NOT NULL CHECK (role IN ('operator', 'tenant-admin', 'tenant-viewer')),
  tenant       TEXT,
  created_ms   INTEGER NOT NULL,
  expires_ms   INTEGER,  -- NULL: never (the imported bootstrap token)
  revoked_ms   INTEGER,
  last_used_ms INTEGER,
  CHECK ((role = 'operator') = (tenant IS NULL))
) STRICT;
)sql"},
    {2, R"sql(
-- Small named values: the CSRF key, branding.
CREATE TABLE settings (
  key   TEXT PRIMARY KEY,
  value BLOB NOT NULL
) STRICT, WITHOUT ROWID;
CREATE INDEX users_by_tenant ON users (tenant);
)sql"},
};

static_assert(sqlite::NumberedConsecutively(kMigrations));

Error Unauthorized(std::string m) { return {ErrorCode::kUnauthorized, std::move(m)}; }

// The CSRF token of a session: derived, not stored, so the console can fetch it again after a reload
// (GET /v1/session) while only the session id's hash is on disk.
std::string DeriveCsrf(const std::string& key, std::string_view session_id) {
  unsigned char mac[EVP_MAX_MD_SIZE];
  unsigned int len = 0;
  const std::string id_hash = Sha256(session_id);
  HMAC(EVP_sha256(), key.data(), static_cast<int>(key.size()), reinterpret_cast<const unsigned char*>(id_hash.data()),
       id_hash.size(), mac, &len);
  std::string out = "chv_" + Base64Encode(std::string_view(reinterpret_cast<char*>(mac), len), true);
  OPENSSL_cleanse(mac, sizeof mac);
  return out;
}

Result<sqlite::DbHandle> OpenDatabase(const std::string& path, bool check_modes) {
  return sqlite::OpenDatabase(path, {.what = "identity database",
                                     .application_id = kIdentityApplicationId,
                                     .migrations = kMigrations,
                                     .synchronous = "FULL",
                                     .settings = "PRAGMA secure_delete = ON; PRAGMA foreign_keys = ON",
                                     .owner_only = check_modes});
}

// A role read back from the file; the CHECK constraints make anything else impossible short of editing.
Role RoleAt(const Statement& s, int column) { return ParseRole(s.ColumnText(column)).value_or(Role::kTenantViewer); }

// A row of "SELECT name, role, tenant, created_ms, password_changed_ms FROM users".
UserInfo UserAt(const Statement& s) {
  return {s.ColumnText(0), RoleAt(s, 1), s.ColumnText(2), s.ColumnInt64(3), s.ColumnInt64(4)};
}

// A row of "SELECT id, name, role, tenant, created_ms, expires_ms, revoked_ms, last_used_ms FROM api_tokens".
TokenInfo TokenAt(const Statement& s) {
  return {s.ColumnInt64(0), s.ColumnText(1), RoleAt(s, 2), s.ColumnText(3),
          s.ColumnInt64(4), s.ColumnInt64(5), s.ColumnInt64(6), s.ColumnInt64(7)};
}

// Binds a tenant: NULL for the operator (empty string).
Status BindTenant(Statement& s, int index, const std::string& tenant) {
  return tenant.empty() ? s.BindNull(index) : s.BindText(index, tenant);
}

}  // namespace

Status ValidateUserName(std::string_view name) {
  if (name.empty()) return Error::Invalid("user name is empty");
  if (name.size() > kMaxUserName) return Error::Invalid("user name is longer than 64 characters");
  for (size_t i = 0; i < name.size(); ++i) {
    const auto c = static_cast<unsigned char>(name[i]);
    const bool alnum = (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9');
    if (!(alnum || (i > 0 && (c == '.' || c == '_' || c == '@' || c == '-'))))
      return Error::Invalid("user name must match [a-z0-9][a-z0-9._@-]{0,63}; character " + std::to_string(i + 1) +
                            " is not allowed");
  }
  return Status::Ok();
}

Status ValidateTokenName(std::string_view name) {
  if (name.empty()) return Error::Invalid("token name is empty");
  if (name.size() > kMaxTokenName) return Error::Invalid("token name is longer than 64 characters");
  for (char ch : name) {
    const auto c = static_cast<unsigned char>(ch);
    if (c < 0x20 || c >= 0x7f) return Error::Invalid("token name must be printable ASCII");
  }
  return Status::Ok();
}

IdentityStore::IdentityStore(IdentityStoreOptions options, sqlite::DbHandle db)
    : options_(std::move(options)), db_(std::move(db)), statements_(db_.get()), throttle_(options_.throttle) {}

IdentityStore::~IdentityStore() = default;

Result<std::unique_ptr<IdentityStore>> IdentityStore::Open(const IdentityStoreOptions& options) {
  if (Status s = CheckScryptParams(options.scrypt); !s) return s.error();
  if (options.session_idle_ms <= 0 || options.session_absolute_ms <= 0 || options.max_token_ttl_ms <= 0)
    return Error::Invalid("session and token lifetimes must be positive");
  Result<sqlite::DbHandle> db = OpenDatabase(options.db_path, options.check_modes);
  if (!db) return db.error();
  std::unique_ptr<IdentityStore> store(new IdentityStore(options, std::move(*db)));
  Result<std::string> dummy = HashPassword("clawhive-dummy-password", options.scrypt);
  if (!dummy) return dummy.error();
  store->dummy_hash_ = std::move(*dummy);
  Result<std::optional<std::string>> key = store->GetSetting(kCsrfKeySetting);
  if (!key) return key.error();
  if (!key->has_value()) {
    Result<std::string> fresh = RandomBytes(32);
    if (!fresh) return fresh.error();
    if (Status s = store->SetSetting(kCsrfKeySetting, *fresh); !s) return s.error();
    *key = std::move(*fresh);
  }
  store->csrf_key_ = std::move(**key);
  return store;
}

// ---- users ----------------------------------------------------------------------------------------------

Status IdentityStore::CreateUser(const std::string& name, Role role, const std::string& tenant,
                                 std::string_view password, int64_t now_ms) {
  if (Status s = CheckPasswordPolicy(password); !s) return s;
  Result<std::string> hash = HashPassword(password, options_.scrypt);
  if (!hash) return hash.error();
  return CreateUserWithHash(name, role, tenant, *hash, now_ms);
}

Status IdentityStore::CreateUserWithHash(const std::string& name, Role role, const std::string& tenant,
                                         const std::string& password_hash, int64_t now_ms) {
  if (Status s = ValidateUserName(name); !s) return s;
  if (Status s = ValidateRoleScope(role, tenant); !s) return s;
  // The shape and the cost parameters must be ours; any password will do for that check.
  if (Result<bool> shape = VerifyPassword("shape-check", password_hash); !shape) return shape.error();
  Result<sqlite::CachedStatement> st = statements_.Get(
      "INSERT INTO users (name, role, tenant, password_hash, created_ms, password_changed_ms) "
      "VALUES (?1, ?2, ?3, ?4, ?5, ?5) ON CONFLICT (name) DO NOTHING");
  if (!st) return st.error();
  if (Status s = Binder(**st).Text(name).Text(ToString(role)).status(); !s) return s;
  if (Status s = BindTenant(**st, 3, tenant); !s) return s;
  if (Status s = (*st)->BindText(4, password_hash); !s) return s;
  if (Status s = (*st)->BindInt64(5, now_ms); !s) return s;
  if (Status s = (*st)->RunChanging(Error::Exists("user '" + name + "' already exists")); !s) return s;
  if (role == Role::kOperator) return StartBootstrapExpiry(now_ms);
  return Status::Ok();
}

Status IdentityStore::SetPassword(const std::string& name, std::string_view password, int64_t now_ms) {
  if (Status s = ValidateUserName(name); !s) return s;
  if (Status s = CheckPasswordPolicy(password); !s) return s;
  Result<std::string> hash = HashPassword(password, options_.scrypt);
  if (!hash) return hash.error();
  return sqlite::InTransaction(db_.get(), [&]() -> Status {
    Result<sqlite::CachedStatement> up = statements_.Get(
        "UPDATE users SET password_hash = ?1, password_changed_ms = ?2 WHERE name = ?3");
    if (!up) return up.error();
    if (Status s = Binder(**up).Text(*hash).Int(now_ms).Text(name).status(); !s) return s;
    if (Status s = (*up)->RunChanging(Error::NotFound("no user '" + name + "'")); !s) return s;
    Result<sqlite::CachedStatement> del = statements_.Get(
        "DELETE FROM sessions WHERE user_id = (SELECT id FROM users WHERE name = ?1)");
    if (!del) return del.error();
    if (Status s = (*del)->BindText(1, name); !s) return s;
    return (*del)->Run();
  });
}

Status IdentityStore::DeleteUser(const std::string& name) {
  if (Status s = ValidateUserName(name); !s) return s;
  return sqlite::InTransaction(db_.get(), [&]() -> Status {
    Result<sqlite::CachedStatement> del = statements_.Get(
        "DELETE FROM sessions WHERE user_id = (SELECT id FROM users WHERE name = ?1)");
    if (!del) return del.error();
    if (Status s = (*del)->BindText(1, name); !s) return s;
    if (Status s = (*del)->Run(); !s) return s;
    Result<sqlite::CachedStatement> st = statements_.Get("DELETE FROM users WHERE name = ?1");
    if (!st) return st.error();
    if (Status s = (*st)->BindText(1, name); !s) return s;
    return (*st)->RunChanging(Error::NotFound("no user '" + name + "'"));
  });
}

Result<std::vector<UserInfo>> IdentityStore::ListUsers() {
  Result<sqlite::CachedStatement> st = statements_.Get(
      "SELECT name, role, tenant, created_ms, password_changed_ms FROM users ORDER BY name");
  if (!st) return st.error();
  std::vector<UserInfo> out;
  if (Status s = (*st)->ForEachRow([&](const Statement& r) { out.push_back(UserAt(r)); }); !s) return s.error();
  return out;
}

// ---- sessions -------------------------------------------------------------------------------------------

Result<NewSession> IdentityStore::Login(std::string_view name, std::string_view password, std::string_view address,
                                        int64_t now_ms) {
  ThrottleDecision d = throttle_.Check(name, address, now_ms);
  if (!d.allowed) {
    int64_t secs = (d.retry_after_ms + 999) / 1000;
    return Error{ErrorCode::kRateLimited, "too many failed logins; retry after " + std::to_string(secs) + " seconds"};
  }
  int64_t user_id = 0;
  Principal principal;
  std::string stored = dummy_hash_;
  if (ValidateUserName(name) && password.size() <= kMaxPasswordBytes) {
    Result<sqlite::CachedStatement> st =
        statements_.Get("SELECT id, role, tenant, password_hash FROM users WHERE name = ?1");
    if (!st) return st.error();
    if (Status s = (*st)->BindText(1, name); !s) return s.error();
    Result<bool> row = (*st)->Step();
    if (!row) return row.error();
    if (*row) {
      user_id = (*st)->ColumnInt64(0);
      principal = {std::string(name), RoleAt(**st, 1), (*st)->ColumnText(2), 0};
      stored = (*st)->ColumnText(3);
    }
  }
  // Always one scrypt run, so an unknown user costs as much as a wrong password.
  Result<bool> match = VerifyPassword(password, stored);
  if (!match) return match.error();
  if (user_id == 0 || !*match) {
    throttle_.RecordFailure(name, address, now_ms);
    return Unauthorized(kGenericLoginError);
  }
  throttle_.RecordSuccess(name, address, now_ms);

  Result<std::string> sid = NewSecret();
  if (!sid) return sid.error();
  std::string csrf = DeriveCsrf(csrf_key_, *sid);
  Result<sqlite::CachedStatement> ins = statements_.Get(
      "INSERT INTO sessions (id_hash, user_id, created_ms, last_seen_ms, csrf_hash) VALUES (?1, ?2, ?3, ?3, ?4)");
  if (!ins) return ins.error();
  if (Status s = Binder(**ins).Blob(Sha256(*sid)).Int(user_id).Int(now_ms).Blob(Sha256(csrf)).status(); !s)
    return s.error();
  if (Status s = (*ins)->Run(); !s) return s.error();
  return NewSession{std::move(*sid), std::move(csrf), std::move(principal), now_ms + options_.session_absolute_ms};
}

Result<Principal> IdentityStore::Authenticate(std::string_view session_id, int64_t now_ms) {
  if (!LooksLikeSecret(session_id)) return Unauthorized("invalid or expired session");
  const std::string hash = Sha256(session_id);
  Result<sqlite::CachedStatement> st = statements_.Get(
      "SELECT s.created_ms, s.last_seen_ms, u.name, u.role, u.tenant FROM sessions s JOIN users u ON u.id = s.user_id "
      "WHERE s.id_hash = ?1");
  if (!st) return st.error();
  if (Status s = (*st)->BindBlob(1, hash); !s) return s.error();
  Result<bool> row = (*st)->Step();
  if (!row) return row.error();
  if (!*row) return Unauthorized("invalid or expired session");
  const int64_t created = (*st)->ColumnInt64(0);
  const int64_t last_seen = (*st)->ColumnInt64(1);
  Principal p{(*st)->ColumnText(2), RoleAt(**st, 3), (*st)->ColumnText(4), 0};
  (*st)->Reset();
  if (now_ms - last_seen >= options_.session_idle_ms || now_ms - created >= options_.session_absolute_ms ||
      now_ms < created) {
    (void)Logout(session_id);
    return Unauthorized("invalid or expired session");
  }
  if (now_ms - last_seen >= kTouchGranularityMs) {
    Result<sqlite::CachedStatement> up = statements_.Get("UPDATE sessions SET last_seen_ms = ?1 WHERE id_hash = ?2");
    if (!up) return up.error();
    if (Status s = Binder(**up).Int(now_ms).Blob(hash).status(); !s) return s.error();
    if (Status s = (*up)->Run(); !s) return s.error();
  }
  return p;
}

Status IdentityStore::CheckCsrf(std::string_view session_id, std::string_view csrf_token, int64_t now_ms) {
  Result<Principal> p = Authenticate(session_id, now_ms);
  if (!p) return p.error();
  if (!SecureEquals(Sha256(DeriveCsrf(csrf_key_, session_id)), Sha256(csrf_token)))
    return Unauthorized("CSRF token mismatch");
  return Status::Ok();
}

Result<SessionInfo> IdentityStore::Session(std::string_view session_id, int64_t now_ms) {
  Result<Principal> p = Authenticate(session_id, now_ms);
  if (!p) return p.error();
  Result<sqlite::CachedStatement> st = statements_.Get("SELECT created_ms FROM sessions WHERE id_hash = ?1");
  if (!st) return st.error();
  if (Status s = (*st)->BindBlob(1, Sha256(session_id)); !s) return s.error();
  Result<bool> row = (*st)->Step();
  if (!row) return row.error();
  if (!*row) return Unauthorized("invalid or expired session");
  const int64_t created_ms = (*st)->ColumnInt64(0);
  return SessionInfo{std::move(*p), DeriveCsrf(csrf_key_, session_id), created_ms + options_.session_absolute_ms};
}

Status IdentityStore::Logout(std::string_view session_id) {
  Result<sqlite::CachedStatement> st = statements_.Get("DELETE FROM sessions WHERE id_hash = ?1");
  if (!st) return st.error();
  if (Status s = (*st)->BindBlob(1, Sha256(session_id)); !s) return s;
  return (*st)->Run();
}

// ---- API tokens -----------------------------------------------------------------------------------------

Result<NewToken> IdentityStore::CreateToken(Role role, const std::string& tenant, const std::string& name,
                                            int64_t ttl_ms, int64_t now_ms) {
  if (Status s = ValidateRoleScope(role, tenant); !s) return s.error();
  if (Status s = ValidateTokenName(name); !s) return s.error();
  if (ttl_ms <= 0 || ttl_ms > options_.max_token_ttl_ms)
    return Error::Invalid("token lifetime must be positive and at most " +
                          std::to_string(options_.max_token_ttl_ms / 1000) + " seconds");
  Result<std::string> token = NewSecret();
  if (!token) return token.error();
  Result<sqlite::CachedStatement> st = statements_.Get(
      "INSERT INTO api_tokens (hash, name, role, tenant, created_ms, expires_ms) VALUES (?1, ?2, ?3, ?4, ?5, ?6)");
  if (!st) return st.error();
  if (Status s = Binder(**st).Blob(Sha256(*token)).Text(name).Text(ToString(role)).status(); !s) return s.error();
  if (Status s = BindTenant(**st, 4, tenant); !s) return s.error();
  if (Status s = (*st)->BindInt64(5, now_ms); !s) return s.error();
  if (Status s = (*st)->BindInt64(6, now_ms + ttl_ms); !s) return s.error();
  if (Status s = (*st)->Run(); !s) return s.error();
  return NewToken{sqlite3_last_insert_rowid(db_.get()), std::move(*token)};
}

Result<Principal> IdentityStore::AuthenticateToken(std::string_view token, int64_t now_ms) {
  if (token.empty() || token.size() > 256) return Unauthorized("invalid, expired or revoked token");
  const std::string hash = Sha256(token);
  Result<sqlite::CachedStatement> st = statements_.Get(
      "SELECT id, name, role, tenant, expires_ms, revoked_ms, last_used_ms FROM api_tokens WHERE hash = ?1");
  if (!st) return st.error();
  if (Status s = (*st)->BindBlob(1, hash); !s) return s.error();
  Result<bool> row = (*st)->Step();
  if (!row) return row.error();
  if (!*row) return Unauthorized("invalid, expired or revoked token");
  const int64_t id = (*st)->ColumnInt64(0);
  Principal p{"token:" + (*st)->ColumnText(1), RoleAt(**st, 2), (*st)->ColumnText(3), id};
  const bool expired = !(*st)->IsNull(4) && now_ms >= (*st)->ColumnInt64(4);
  const bool revoked = !(*st)->IsNull(5);
  const int64_t last_used = (*st)->IsNull(6) ? 0 : (*st)->ColumnInt64(6);
  (*st)->Reset();
  if (expired || revoked) return Unauthorized("invalid, expired or revoked token");
  if (now_ms - last_used < kTouchGranularityMs) return p;
  Result<sqlite::CachedStatement> up = statements_.Get("UPDATE api_tokens SET last_used_ms = ?1 WHERE id = ?2");
  if (!up) return up.error();
  if (Status s = Binder(**up).Int(now_ms).Int(id).status(); !s) return s.error();
  if (Status s = (*up)->Run(); !s) return s.error();
  return p;
}

Status IdentityStore::RevokeToken(int64_t id, int64_t now_ms) {
  Result<sqlite::CachedStatement> st = statements_.Get(
      "UPDATE api_tokens SET revoked_ms = coalesce(revoked_ms, ?1) WHERE id = ?2");
  if (!st) return st.error();
  if (Status s = Binder(**st).Int(now_ms).Int(id).status(); !s) return s;
  return (*st)->RunChanging(Error::NotFound("no API token " + std::to_string(id)));
}

Result<std::vector<TokenInfo>> IdentityStore::ListTokens() {
  Result<sqlite::CachedStatement> st = statements_.Get(
      "SELECT id, name, role, tenant, created_ms, expires_ms, revoked_ms, last_used_ms FROM api_tokens ORDER BY id");
  if (!st) return st.error();
  std::vector<TokenInfo> out;
  if (Status s = (*st)->ForEachRow([&](const Statement& r) { out.push_back(TokenAt(r)); }); !s) return s.error();
  return out;
}

Result<bool> IdentityStore::OperatorExists() {
  Result<sqlite::CachedStatement> st = statements_.Get("SELECT 1 FROM users WHERE role = 'operator' LIMIT 1");
  if (!st) return st.error();
  Result<bool> row = (*st)->Step();
  if (!row) return row.error();
  return *row;
}

Status IdentityStore::StartBootstrapExpiry(int64_t now_ms) {
  // Only the bootstrap token is ever stored without an expiry (CreateToken always sets one).
  Result<sqlite::CachedStatement> up = statements_.Get(
      "UPDATE api_tokens SET expires_ms = ?1 WHERE expires_ms IS NULL AND revoked_ms IS NULL");
  if (!up) return up.error();
  if (Status s = Binder(**up).Int(now_ms + options_.bootstrap_ttl_ms).status(); !s) return s;
  return (*up)->Run();
}

Result<int64_t> IdentityStore::ImportBootstrapToken(std::string_view token_text, int64_t now_ms) {
  if (token_text.size() < 32 || token_text.size() > 256)
    return Error::Invalid("bootstrap token must be 32 to 256 characters");
  for (char ch : token_text) {
    const auto c = static_cast<unsigned char>(ch);
    if (c <= 0x20 || c >= 0x7f) return Error::Invalid("bootstrap token must be printable ASCII without spaces");
  }
  const std::string hash = Sha256(token_text);
  Result<sqlite::CachedStatement> ins = statements_.Get(
      "INSERT INTO api_tokens (hash, name, role, tenant, created_ms, expires_ms) "
      "VALUES (?1, 'bootstrap', 'operator', NULL, ?2, NULL) ON CONFLICT (hash) DO NOTHING");
  if (!ins) return ins.error();
  if (Status s = Binder(**ins).Blob(hash).Int(now_ms).status(); !s) return s.error();
  if (Status s = (*ins)->Run(); !s) return s.error();
  Result<sqlite::CachedStatement> st = statements_.Get(
      "SELECT id, role, coalesce(expires_ms, 0), coalesce(revoked_ms, 0) FROM api_tokens WHERE hash = ?1");
  if (!st) return st.error();
  if (Status s = (*st)->BindBlob(1, hash); !s) return s.error();
  Result<bool> row = (*st)->Step();
  if (!row) return row.error();
  if (!*row) return Error::Internal("bootstrap token row vanished");
  if ((*st)->ColumnText(1) != "operator") return Error::Conflict("that token is already registered with another role");
  const int64_t id = (*st)->ColumnInt64(0), expires = (*st)->ColumnInt64(2), revoked = (*st)->ColumnInt64(3);
  if (revoked != 0 || (expires != 0 && expires <= now_ms))
    return Error{ErrorCode::kUnauthorized, "the bootstrap token has expired"};
  if (expires == 0) {
    Result<bool> op = OperatorExists();
    if (!op) return op.error();
    if (*op) {
      if (Status s = StartBootstrapExpiry(now_ms); !s) return s.error();
    }
  }
  return id;
}

Result<bool> IdentityStore::RetireBootstrapToken(int64_t id, int64_t now_ms) {
  Result<TokenInfo> t = GetToken(id);
  if (!t) return t.error();
  if (t->revoked_ms != 0) return true;
  if (t->expires_ms == 0 || t->expires_ms > now_ms) return false;
  if (Status s = RevokeToken(id, now_ms); !s) return s.error();
  return true;
}

// ---- lookups, tenant cleanup, settings -------------------------------------------------------------

Result<UserInfo> IdentityStore::GetUser(const std::string& name) {
  if (Status s = ValidateUserName(name); !s) return s.error();
  Result<sqlite::CachedStatement> st = statements_.Get(
      "SELECT name, role, tenant, created_ms, password_changed_ms FROM users WHERE name = ?1");
  if (!st) return st.error();
  if (Status s = (*st)->BindText(1, name); !s) return s.error();
  Result<bool> row = (*st)->Step();
  if (!row) return row.error();
  if (!*row) return Error::NotFound("no user '" + name + "'");
  return UserAt(**st);
}

Result<TokenInfo> IdentityStore::GetToken(int64_t id) {
  Result<sqlite::CachedStatement> st = statements_.Get(
      "SELECT id, name, role, tenant, created_ms, expires_ms, revoked_ms, last_used_ms FROM api_tokens WHERE id = ?1");
  if (!st) return st.error();
  if (Status s = (*st)->BindInt64(1, id); !s) return s.error();
  Result<bool> row = (*st)->Step();
  if (!row) return row.error();
  if (!*row) return Error::NotFound("no API token " + std::to_string(id));
  return TokenAt(**st);
}

Status IdentityStore::DeleteTenant(const std::string& tenant, int64_t now_ms) {
  if (tenant.empty()) return Error::Invalid("tenant is empty");
  return sqlite::InTransaction(db_.get(), [&]() -> Status {
    Result<sqlite::CachedStatement> del = statements_.Get("DELETE FROM users WHERE tenant = ?1");  // sessions cascade
    if (!del) return del.error();
    if (Status s = (*del)->BindText(1, tenant); !s) return s;
    if (Status s = (*del)->Run(); !s) return s;
    Result<sqlite::CachedStatement> rev = statements_.Get(
        "UPDATE api_tokens SET revoked_ms = coalesce(revoked_ms, ?1) WHERE tenant = ?2");
    if (!rev) return rev.error();
    if (Status s = Binder(**rev).Int(now_ms).Text(tenant).status(); !s) return s;
    return (*rev)->Run();
  });
}

Result<std::optional<std::string>> IdentityStore::GetSetting(const std::string& key) {
  Result<sqlite::CachedStatement> st = statements_.Get("SELECT value FROM settings WHERE key = ?1");
  if (!st) return st.error();
  if (Status s = (*st)->BindText(1, key); !s) return s.error();
  Result<bool> row = (*st)->Step();
  if (!row) return row.error();
  if (!*row) return std::optional<std::string>();
  return std::optional<std::string>((*st)->ColumnBlob(0));
}

Status IdentityStore::SetSetting(const std::string& key, std::string_view value) {
  Result<sqlite::CachedStatement> st = statements_.Get(
      "INSERT INTO settings (key, value) VALUES (?1, ?2) ON CONFLICT (key) DO UPDATE SET value = ?2");
  if (!st) return st.error();
  if (Status s = Binder(**st).Text(key).Blob(value).status(); !s) return s;
  return (*st)->Run();
}

Status IdentityStore::DeleteSetting(const std::string& key) {
  Result<sqlite::CachedStatement> st = statements_.Get("DELETE FROM settings WHERE key = ?1");
  if (!st) return st.error();
  if (Status s = (*st)->BindText(1, key); !s) return s;
  return (*st)->Run();
}

}  // namespace clawhive::auth
