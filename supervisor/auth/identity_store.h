// Users, sessions, API tokens and console settings of the admin console/API, in their own SQLite file.
//
// The file is created 0600, runs in WAL mode with secure_delete, carries PRAGMA application_id "CHID"
// and numbered migrations (sqlite::ApplyMigrations). Session ids, CSRF tokens and API tokens are 32
// random bytes shown once as "chv_<base64url>"; only their SHA-256 is stored. A session's CSRF token is
// an HMAC of its id under a random key kept in the file, so it can be handed out again but not forged. Passwords are scrypt
// hashes (password.h). Times are unix milliseconds, passed in by the caller.
//
// Login is throttled per account name and per address (throttle.h, in memory). Errors of Login never
// tell whether the user exists: a missing user costs the same scrypt work and gets the same message.
//
// Not thread-safe: one connection, used by one thread (the supervisor's loop).
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "supervisor/auth/password.h"
#include "supervisor/auth/principal.h"
#include "supervisor/auth/throttle.h"
#include "supervisor/common/result.h"
#include "supervisor/common/sqlite.h"

namespace clawhive::auth {

// PRAGMA application_id of an identity file ("CHID"), written by migration 1.
inline constexpr int32_t kIdentityApplicationId = 0x43484944;

struct IdentityStoreOptions {
  std::string db_path;
  bool check_modes = true;  // refuse a file (or -wal/-shm) open to group/other or owned by someone else
  ScryptParams scrypt;      // for new hashes; tests lower N
  int64_t session_idle_ms = 30 * 60 * 1000;
  int64_t session_absolute_ms = 12 * 60 * 60 * 1000;
  int64_t max_token_ttl_ms = int64_t{366} * 24 * 60 * 60 * 1000;
  // The bootstrap token's life once an operator user exists (docs/security.md): long enough for the
  // installer and a first sign-in, short enough that a copied api-token file soon opens nothing.
  int64_t bootstrap_ttl_ms = int64_t{60} * 60 * 1000;
  ThrottleOptions throttle;
};

struct UserInfo {
  std::string name;
  Role role = Role::kTenantViewer;
  std::string tenant;  // empty for an operator
  int64_t created_ms = 0;
  int64_t password_changed_ms = 0;
};

struct NewSession {
  std::string session_id;  // "chv_..."; shown once, only its hash is kept
  std::string csrf_token;  // "chv_..."; shown once
  Principal principal;
  int64_t expires_ms = 0;  // absolute expiry (idle expiry comes earlier without use)
};

struct SessionInfo {
  Principal principal;
  std::string csrf_token;  // the session's CSRF token (derived from the session id; same at every call)
  int64_t expires_ms = 0;  // absolute expiry
};

struct TokenInfo {
  int64_t id = 0;
  std::string name;
  Role role = Role::kTenantViewer;
  std::string tenant;
  int64_t created_ms = 0;
  int64_t expires_ms = 0;     // 0 = never (the bootstrap token only, until an operator user exists)
  int64_t revoked_ms = 0;     // 0 = not revoked
  int64_t last_used_ms = 0;   // 0 = never used
};

struct NewToken {
  int64_t id = 0;
  std::string token;  // "chv_..."; shown once, only its hash is kept
};

class IdentityStore {
 public:
  // Creates the file (0600) if missing, checks it is ours, applies migrations.
  static Result<std::unique_ptr<IdentityStore>> Open(const IdentityStoreOptions& options);
  ~IdentityStore();
  IdentityStore(const IdentityStore&) = delete;
  IdentityStore& operator=(const IdentityStore&) = delete;

  // ---- users ----
  // Names: 1..64 chars of [a-z0-9._@-], starting with a letter or digit. Password: CheckPasswordPolicy.
  Status CreateUser(const std::string& name, Role role, const std::string& tenant, std::string_view password,
                    int64_t now_ms);
  // The same with a stored-form hash (HashPassword's "scrypt$..." format), e.g. from the installer's answer
  // file: the plain password never reaches this host. A malformed hash or parameters outside our caps are
  // kInvalidArgument.
  Status CreateUserWithHash(const std::string& name, Role role, const std::string& tenant,
                            const std::string& password_hash, int64_t now_ms);
  // Sets a new password and revokes every session of the user.
  Status SetPassword(const std::string& name, std::string_view password, int64_t now_ms);
  Status DeleteUser(const std::string& name);  // and its sessions
  Result<std::vector<UserInfo>> ListUsers();
  Result<UserInfo> GetUser(const std::string& name);  // kNotFound

  // ---- sessions ----
  // kUnauthorized for a wrong name/password; kRateLimited when throttled (the message says when to retry).
  Result<NewSession> Login(std::string_view name, std::string_view password, std::string_view address,
                           int64_t now_ms);
  // kUnauthorized for an unknown, idle-expired or absolute-expired session; refreshes last_seen.
  Result<Principal> Authenticate(std::string_view session_id, int64_t now_ms);
  // The session's principal, CSRF token and absolute expiry (kUnauthorized as Authenticate).
  Result<SessionInfo> Session(std::string_view session_id, int64_t now_ms);
  // kUnauthorized unless `csrf_token` is the one issued with this (valid) session.
  Status CheckCsrf(std::string_view session_id, std::string_view csrf_token, int64_t now_ms);
  Status Logout(std::string_view session_id);  // Ok even if the session is unknown

  // ---- API tokens ----
  Result<NewToken> CreateToken(Role role, const std::string& tenant, const std::string& name, int64_t ttl_ms,
                               int64_t now_ms);
  // kUnauthorized for an unknown, expired or revoked token; records last_used.
  Result<Principal> AuthenticateToken(std::string_view token, int64_t now_ms);
  Status RevokeToken(int64_t id, int64_t now_ms);  // kNotFound for an unknown id; idempotent otherwise
  Result<std::vector<TokenInfo>> ListTokens();     // metadata only
  Result<TokenInfo> GetToken(int64_t id);          // kNotFound
  // Registers the existing root-only API token (any 32..256 printable, non-space bytes) as an operator
  // token named "bootstrap". It has no expiry while no operator user exists; once one does (now, or when
  // CreateUser makes the first), it expires options.bootstrap_ttl_ms later. Idempotent: returns the
  // existing id if already there (giving a never-expiring one from an older version its expiry now).
  // kUnauthorized when that token has expired or was revoked: the caller makes a new one.
  Result<int64_t> ImportBootstrapToken(std::string_view token_text, int64_t now_ms);
  // The bootstrap token `id` has expired by now_ms: revokes it (idempotent) and returns true, so the
  // caller removes its file. False while it is still valid (or has no expiry yet).
  Result<bool> RetireBootstrapToken(int64_t id, int64_t now_ms);

  // A tenant was deleted: its users (and their sessions) go, its tokens are revoked, so a later tenant
  // with the same id inherits no access.
  Status DeleteTenant(const std::string& tenant, int64_t now_ms);

  // ---- settings (branding) ----
  Result<std::optional<std::string>> GetSetting(const std::string& key);
  Status SetSetting(const std::string& key, std::string_view value);
  Status DeleteSetting(const std::string& key);

 private:
  IdentityStore(IdentityStoreOptions options, sqlite::DbHandle db);
  Result<bool> OperatorExists();
  // An operator user exists from now_ms on: a bootstrap token without an expiry gets one.
  Status StartBootstrapExpiry(int64_t now_ms);

  IdentityStoreOptions options_;
  sqlite::DbHandle db_;
  sqlite::StatementCache statements_;  // statements of db_
  LoginThrottle throttle_;
  std::string dummy_hash_;  // verified against for unknown users, so they cost the same
  std::string csrf_key_;    // HMAC key deriving each session's CSRF token (settings row "csrf_key")
};

// Exposed for tests and the API layer.
Status ValidateUserName(std::string_view name);
Status ValidateTokenName(std::string_view name);

}  // namespace clawhive::auth
