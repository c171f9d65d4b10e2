// Console sign-in: sessions in a Secure, HttpOnly, SameSite=Strict cookie; the CSRF token in the body.
#include <cctype>
#include <utility>

#include "supervisor/api/auth.h"
#include "supervisor/api/body.h"
#include "supervisor/api/control_ui_routes.h"
#include "supervisor/api/routes.h"
#include "supervisor/auth/encoding.h"

namespace clawhive::api {
namespace {

std::string SessionCookie(const std::string& value, int64_t max_age_s) {
  return std::string(kSessionCookie) + "=" + value + "; Path=/; Secure; HttpOnly; SameSite=Strict; Max-Age=" +
         std::to_string(max_age_s);
}

JsonValue SessionJson(const auth::Principal& p, const std::string* csrf, int64_t expires_ms) {
  JsonValue doc = JsonValue::Object();
  doc.Set("user", JsonValue::String(p.user))
      .Set("role", JsonValue::String(auth::ToString(p.role)))
      .Set("tenant", JsonValue::String(p.tenant))
      .Set("csrf_token", csrf ? JsonValue::String(*csrf) : JsonValue())
      .Set("expires_at", expires_ms > 0 ? JsonValue::Signed(expires_ms / 1000) : JsonValue());
  return doc;
}

// "... retry after 60 seconds" -> "60", for the Retry-After header.
std::string RetryAfter(const std::string& message) {
  size_t at = message.find("retry after ");
  if (at == std::string::npos) return "60";
  std::string digits;
  for (size_t i = at + 12; i < message.size() && std::isdigit(static_cast<unsigned char>(message[i])); ++i)
    digits += message[i];
  return digits.empty() ? "60" : digits;
}

ApiReply LoginFailure(const Error& e) {
  ApiReply r = ApiReply::Fail(e);
  if (e.code == ErrorCode::kRateLimited) r.headers.emplace_back("Retry-After", RetryAfter(e.message));
  return r;
}

}  // namespace

void AddSessionRoutes(Router& r, RouteContext& ctx) {
  r.Add({"POST", "/v1/session", Access::kPublic, BodyKind::kJson, {}, [&ctx](const ApiCall& c) {
           Result<BodyReader> body = BodyReader::Of(c.body, {"user", "password"});
           if (!body) return ApiReply::Fail(body.error());
           Result<std::optional<std::string>> user = body->String("user", true, 64);
           if (!user) return ApiReply::Fail(user.error());
           Result<std::string> password = body->Secret("password", 1024);
           if (!password) return ApiReply::Fail(password.error());
           Result<auth::NewSession> s = ctx.identity.With(
               [&](auto& store) { return store->Login(**user, *password, c.address, ctx.now_ms()); });
           auth::Wipe(*password);
           if (!s) {
             ApiReply fail = LoginFailure(s.error());
             fail.audit_actor = **user;
             return fail;
           }
           ApiReply reply = ApiReply::Json(201, SessionJson(s->principal, &s->csrf_token, s->expires_ms));
           reply.headers.emplace_back("Set-Cookie", SessionCookie(s->session_id, ctx.session_max_age_s));
           reply.audit_actor = s->principal.user;
           reply.audit_role = auth::ToString(s->principal.role);
           reply.audit_tenant = s->principal.tenant;
           return reply;
         }});
  r.Add({"GET", "/v1/session", Access::kAuthenticated, BodyKind::kNone, {}, [&ctx](const ApiCall& c) {
           if (c.session_id.empty()) return ApiReply::Json(200, SessionJson(*c.principal, nullptr, 0));
           Result<auth::SessionInfo> s =
               ctx.identity.With([&](auto& store) { return store->Session(c.session_id, ctx.now_ms()); });
           if (!s) return ApiReply::Fail(s.error());
           return ApiReply::Json(200, SessionJson(s->principal, &s->csrf_token, s->expires_ms));
         }});
  r.Add({"DELETE", "/v1/session", Access::kAuthenticated, BodyKind::kNone, {}, [&ctx](const ApiCall& c) {
           if (!c.session_id.empty())
             (void)ctx.identity.With([&](auto& store) { return store->Logout(c.session_id); });
           EndControlUiSocketsOfSession(ctx, c.session_id);
           JsonValue doc = JsonValue::Object();
           doc.Set("signed_out", JsonValue::Bool(true));
           ApiReply reply = ApiReply::Json(200, doc);
           reply.headers.emplace_back("Set-Cookie", SessionCookie("", 0));
           return reply;
         }});
  // Own password: proves the current one (throttled like a sign-in), then every session of the user
  // ends, this one included.
  r.Add({"PUT", "/v1/session/password", Access::kAuthenticated, BodyKind::kJson, {}, [&ctx](const ApiCall& c) {
           if (c.principal->token_id > 0)
             return ApiReply::Fail(Error::Invalid("API tokens have no password; sign in as a user to change yours"));
           Result<BodyReader> body = BodyReader::Of(c.body, {"current_password", "new_password"});
           if (!body) return ApiReply::Fail(body.error());
           Result<std::string> current = body->Secret("current_password");
           if (!current) return ApiReply::Fail(current.error());
           Result<std::string> fresh = body->Secret("new_password");
           if (!fresh) {
             auth::Wipe(*current);
             return ApiReply::Fail(fresh.error());
           }
           Status s = ctx.identity.With([&](auto& store) -> Status {
             Result<auth::NewSession> check = store->Login(c.principal->user, *current, c.address, ctx.now_ms());
             if (!check) {
               if (check.error().code == ErrorCode::kUnauthorized)
                 return Error::Invalid("current_password: the current password is wrong");
               return check.error();
             }
             return store->SetPassword(c.principal->user, *fresh, ctx.now_ms());  // ends every session
           });
           auth::Wipe(*current);
           auth::Wipe(*fresh);
           if (!s) return LoginFailure(s.error());
           EndControlUiSocketsOfUser(ctx, c.principal->user);
           JsonValue doc = JsonValue::Object();
           doc.Set("password_changed", JsonValue::Bool(true)).Set("signed_out", JsonValue::Bool(true));
           ApiReply reply = ApiReply::Json(200, doc);
           reply.headers.emplace_back("Set-Cookie", SessionCookie("", 0));
           return reply;
         }});
}

}  // namespace clawhive::api
