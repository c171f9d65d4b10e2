// Authentication of API callers: the one place that turns a request's credentials into a Principal.
//
// Two kinds of credential: an API token ("Authorization: Bearer chv_...", for scripts and the CLI) or a
// console session (cookie "clawhive_session", set by POST /v1/session). The identity store keeps only
// hashes of both. A token that arrives over plain HTTP (the optional loopback listener) is revoked on
// the spot, as TrueNAS does: it crossed the wire in the clear. Nothing here logs, and no message
// contains a credential. Thread-safe (the store is behind its mutex).
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "supervisor/auth/identity.h"
#include "supervisor/auth/principal.h"

namespace clawhive::api {

inline constexpr char kSessionCookie[] = "clawhive_session";
inline constexpr char kCsrfHeader[] = "X-CSRF-Token";

struct Credentials {
  const std::string* authorization = nullptr;  // the Authorization header, if any
  std::string session_cookie;                  // the session cookie's value, "" if none
  bool tls = true;                             // the request came over HTTPS
};

struct Authentication {
  std::optional<auth::Principal> principal;  // set when the credentials were valid
  bool presented = false;     // some credential came (valid or not)
  bool by_session = false;    // principal came from the session cookie (CSRF applies)
  std::string session_id;     // the cookie's value when by_session
  std::string problem;        // why not, for the 401 message
};

// "Bearer <token>" (scheme in any case, surrounding blanks ignored) -> the token; nullopt otherwise.
std::optional<std::string_view> BearerToken(std::string_view header);

class Authenticator {
 public:
  explicit Authenticator(auth::Identity& identity) : identity_(identity) {}
  // A bearer token wins over a cookie when both came.
  Authentication Authenticate(const Credentials& credentials, int64_t now_ms);
  // Ok when `csrf_header` (nullptr: absent) is the session's CSRF token.
  Status CheckCsrf(const std::string& session_id, const std::string* csrf_header, int64_t now_ms);

 private:
  auth::Identity& identity_;
};

}  // namespace clawhive::api
