#include "supervisor/api/auth.h"

namespace clawhive::api {
namespace {

bool IsSpace(char c) { return c == ' ' || c == '\t'; }

}  // namespace

std::optional<std::string_view> BearerToken(std::string_view h) {
  constexpr std::string_view kScheme = "bearer";
  if (h.size() <= kScheme.size() || !IsSpace(h[kScheme.size()])) return std::nullopt;
  for (size_t i = 0; i < kScheme.size(); ++i) {
    char c = h[i];
    if (c >= 'A' && c <= 'Z') c = static_cast<char>(c - 'A' + 'a');
    if (c != kScheme[i]) return std::nullopt;
  }
  h.remove_prefix(kScheme.size());
  while (!h.empty() && IsSpace(h.front())) h.remove_prefix(1);
  while (!h.empty() && IsSpace(h.back())) h.remove_suffix(1);
  if (h.empty()) return std::nullopt;
  return h;
}

Authentication Authenticator::Authenticate(const Credentials& c, int64_t now_ms) {
  Authentication a;
  if (c.authorization != nullptr) {
    a.presented = true;
    std::optional<std::string_view> token = BearerToken(*c.authorization);
    if (!token) {
      a.problem = "malformed Authorization header (send 'Authorization: Bearer <token>')";
      return a;
    }
    Result<auth::Principal> p = identity_.With([&](auto& store) { return store->AuthenticateToken(*token, now_ms); });
    if (!p) {
      a.problem = "invalid, expired or revoked token";
      return a;
    }
    if (!c.tls) {
      // It crossed the wire in the clear: nobody may use it again.
      (void)identity_.With([&](auto& store) { return store->RevokeToken(p->token_id, now_ms); });
      a.problem = "this API token was sent over plain HTTP and has been revoked; create a new one and use HTTPS";
      return a;
    }
    a.principal = std::move(*p);
    return a;
  }
  if (!c.session_cookie.empty()) {
    a.presented = true;
    Result<auth::Principal> p =
        identity_.With([&](auto& store) { return store->Authenticate(c.session_cookie, now_ms); });
    if (!p) {
      a.problem = "session expired or signed out; sign in again";
      return a;
    }
    a.principal = std::move(*p);
    a.by_session = true;
    a.session_id = c.session_cookie;
    return a;
  }
  a.problem = "missing credentials (send 'Authorization: Bearer <token>' or sign in)";
  return a;
}

Status Authenticator::CheckCsrf(const std::string& session_id, const std::string* csrf_header, int64_t now_ms) {
  if (csrf_header == nullptr || csrf_header->empty())
    return Error{ErrorCode::kUnauthorized, std::string("missing ") + kCsrfHeader + " header"};
  return identity_.With([&](auto& store) { return store->CheckCsrf(session_id, *csrf_header, now_ms); });
}

}  // namespace clawhive::api
