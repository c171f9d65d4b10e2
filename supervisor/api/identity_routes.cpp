// Users and API tokens: the platform's (operator) and each tenant's own (its admins). A tenant admin
// can only ever name its own tenant: the tenant comes from the path, never from the body.
#include <utility>

#include "supervisor/api/body.h"
#include "supervisor/api/control_ui_routes.h"
#include "supervisor/api/reply_json.h"
#include "supervisor/api/routes.h"
#include "supervisor/auth/encoding.h"
#include "supervisor/core/tenant_service.h"

namespace clawhive::api {
namespace {

constexpr int64_t kDayMs = 24 * 60 * 60 * 1000;
constexpr int64_t kDefaultTokenDays = 90;

JsonValue UserJson(const auth::UserInfo& u) {
  JsonValue o = JsonValue::Object();
  o.Set("name", JsonValue::String(u.name))
      .Set("role", JsonValue::String(auth::ToString(u.role)))
      .Set("tenant", JsonValue::String(u.tenant))
      .Set("created_at", JsonValue::Signed(u.created_ms / 1000))
      .Set("password_changed_at", JsonValue::Signed(u.password_changed_ms / 1000));
  return o;
}

JsonValue TokenJson(const auth::TokenInfo& t) {
  JsonValue o = JsonValue::Object();
  o.Set("id", JsonValue::Signed(t.id))
      .Set("name", JsonValue::String(t.name))
      .Set("role", JsonValue::String(auth::ToString(t.role)))
      .Set("tenant", JsonValue::String(t.tenant))
      .Set("created_at", JsonValue::Signed(t.created_ms / 1000))
      .Set("expires_at", JsonValue::Signed(t.expires_ms / 1000))
      .Set("revoked_at", JsonValue::Signed(t.revoked_ms / 1000))
      .Set("last_used_at", JsonValue::Signed(t.last_used_ms / 1000));
  return o;
}

// Who a new user or token is: its name, role and tenant, as the body gives them.
struct Grantee {
  std::string name;
  auth::Role role;
  std::string tenant;
};

// `tenant_scope`: "" for the platform routes (any role, tenant from the body), else the path's tenant
// (tenant roles only, that tenant).
Result<Grantee> ReadGrantee(BodyReader& body, const std::string& tenant_scope, TenantService& tenants) {
  Result<std::optional<std::string>> name = body.String("name", true, 64);
  if (!name) return name.error();
  Result<std::optional<std::string>> role_text = body.String("role", true, 32);
  if (!role_text) return role_text.error();
  std::optional<auth::Role> role = auth::ParseRole(**role_text);
  if (!role) return Error::Invalid("role: must be 'operator', 'tenant-admin' or 'tenant-viewer'");
  std::string tenant = tenant_scope;
  if (tenant_scope.empty()) {
    Result<std::optional<std::string>> t = body.String("tenant", false, 64);
    if (!t) return t.error();
    tenant = t->value_or("");
  } else if (Result<std::optional<std::string>> t = body.String("tenant", false, 64); !t) {
    return t.error();
  } else if (t->has_value() && **t != tenant_scope) {
    return Error::Invalid("tenant: users and tokens made here belong to tenant '" + tenant_scope + "'");
  } else if (*role == auth::Role::kOperator) {
    return Error::Invalid("role: a tenant's users and tokens are 'tenant-admin' or 'tenant-viewer'");
  }
  if (Status s = auth::ValidateRoleScope(*role, tenant); !s) return Error::Invalid("tenant: " + s.error().message);
  if (!tenant.empty()) {
    if (Result<TenantStatus> t = tenants.Get(tenant); !t) {
      if (t.error().code == ErrorCode::kNotFound) return Error::Invalid("tenant: no tenant '" + tenant + "'");
      return t.error();
    }
  }
  return Grantee{**name, *role, tenant};
}

// Whether a user or token is one the route shows: all on the platform routes, else the tenant's own.
auto InScope(const std::string& tenant_scope) {
  return [&tenant_scope](const auto& item) { return tenant_scope.empty() || item.tenant == tenant_scope; };
}

ApiReply ListUsers(RouteContext& ctx, const std::string& tenant_scope) {
  auto users = ctx.identity.With([](auto& store) { return store->ListUsers(); });
  return ListReply(users, "users", UserJson, InScope(tenant_scope));
}

ApiReply CreateUser(RouteContext& ctx, const ApiCall& c, const std::string& tenant_scope) {
  Result<BodyReader> body = BodyReader::Of(c.body, {"name", "role", "tenant", "password"});
  if (!body) return ApiReply::Fail(body.error());
  Result<Grantee> who = ReadGrantee(*body, tenant_scope, ctx.tenants);
  if (!who) return ApiReply::Fail(who.error());
  Result<std::string> password = body->Secret("password");
  if (!password) return ApiReply::Fail(password.error());
  Status s = ctx.identity.With([&](auto& store) {
    return store->CreateUser(who->name, who->role, who->tenant, *password, ctx.now_ms());
  });
  auth::Wipe(*password);
  if (!s) return ApiReply::Fail(s.error());
  auto user = ctx.identity.With([&](auto& store) { return store->GetUser(who->name); });
  if (!user) return ApiReply::Fail(user.error());
  ApiReply reply = ApiReply::Json(201, UserJson(*user));
  reply.audit_tenant = who->tenant;
  return reply;
}

// The user must exist and, for a tenant route, belong to that tenant (else: not found).
Result<auth::UserInfo> ScopedUser(RouteContext& ctx, const std::string& name, const std::string& tenant_scope) {
  auto user = ctx.identity.With([&](auto& store) { return store->GetUser(name); });
  if (!user) return user.error();
  if (!tenant_scope.empty() && user->tenant != tenant_scope) return Error::NotFound("no user '" + name + "'");
  return user;
}

ApiReply DeleteUser(RouteContext& ctx, const ApiCall& c, const std::string& name, const std::string& tenant_scope) {
  Result<auth::UserInfo> user = ScopedUser(ctx, name, tenant_scope);
  if (!user) return ApiReply::Fail(user.error());
  if (c.principal->token_id == 0 && c.principal->user == name)
    return ApiReply::Fail(Error::Conflict("you cannot delete the user you are signed in as"));
  if (Status s = ctx.identity.With([&](auto& store) { return store->DeleteUser(name); }); !s)
    return ApiReply::Fail(s.error());
  EndControlUiSocketsOfUser(ctx, name);
  JsonValue doc = JsonValue::Object();
  doc.Set("name", JsonValue::String(name)).Set("deleted", JsonValue::Bool(true));
  ApiReply reply = ApiReply::Json(200, doc);
  reply.audit_tenant = user->tenant;
  return reply;
}

ApiReply SetUserPassword(RouteContext& ctx, const ApiCall& c, const std::string& name,
                         const std::string& tenant_scope) {
  Result<auth::UserInfo> user = ScopedUser(ctx, name, tenant_scope);
  if (!user) return ApiReply::Fail(user.error());
  Result<BodyReader> body = BodyReader::Of(c.body, {"password"});
  if (!body) return ApiReply::Fail(body.error());
  Result<std::string> password = body->Secret("password");
  if (!password) return ApiReply::Fail(password.error());
  Status s = ctx.identity.With([&](auto& store) { return store->SetPassword(name, *password, ctx.now_ms()); });
  auth::Wipe(*password);
  if (!s) return ApiReply::Fail(s.error());
  EndControlUiSocketsOfUser(ctx, name);  // setting a password ends the user's sessions
  JsonValue doc = JsonValue::Object();
  doc.Set("name", JsonValue::String(name)).Set("password_changed", JsonValue::Bool(true));
  ApiReply reply = ApiReply::Json(200, doc);
  reply.audit_tenant = user->tenant;
  return reply;
}

ApiReply ListTokens(RouteContext& ctx, const std::string& tenant_scope) {
  auto tokens = ctx.identity.With([](auto& store) { return store->ListTokens(); });
  return ListReply(tokens, "tokens", TokenJson, InScope(tenant_scope));
}

ApiReply CreateToken(RouteContext& ctx, const ApiCall& c, const std::string& tenant_scope) {
  Result<BodyReader> body = BodyReader::Of(c.body, {"name", "role", "tenant", "ttl_days"});
  if (!body) return ApiReply::Fail(body.error());
  Result<Grantee> who = ReadGrantee(*body, tenant_scope, ctx.tenants);
  if (!who) return ApiReply::Fail(who.error());
  Result<std::optional<int64_t>> days = body->Integer("ttl_days", false, 1, 366);
  if (!days) return ApiReply::Fail(days.error());
  int64_t now = ctx.now_ms();
  Result<auth::NewToken> made = ctx.identity.With([&](auto& store) {
    return store->CreateToken(who->role, who->tenant, who->name, days->value_or(kDefaultTokenDays) * kDayMs, now);
  });
  if (!made) return ApiReply::Fail(made.error());
  auto info = ctx.identity.With([&](auto& store) { return store->GetToken(made->id); });
  if (!info) return ApiReply::Fail(info.error());
  JsonValue doc = TokenJson(*info);
  doc.Set("token", JsonValue::String(made->token));  // the only time it is shown
  ApiReply reply = ApiReply::Json(201, doc);
  reply.audit_tenant = who->tenant;
  return reply;
}

ApiReply RevokeToken(RouteContext& ctx, const std::string& id_text, const std::string& tenant_scope) {
  int64_t id = 0;
  for (char ch : id_text) {
    if (ch < '0' || ch > '9' || id > (int64_t{1} << 50)) return ApiReply::Fail(Error::NotFound("no API token " + Printable(id_text, 24)));
    id = id * 10 + (ch - '0');
  }
  if (id_text.empty()) return ApiReply::Fail(Error::NotFound("no API token"));
  auto info = ctx.identity.With([&](auto& store) { return store->GetToken(id); });
  if (!info) return ApiReply::Fail(info.error());
  if (!tenant_scope.empty() && info->tenant != tenant_scope)
    return ApiReply::Fail(Error::NotFound("no API token " + std::to_string(id)));
  if (Status s = ctx.identity.With([&](auto& store) { return store->RevokeToken(id, ctx.now_ms()); }); !s)
    return ApiReply::Fail(s.error());
  EndControlUiSocketsOfToken(ctx, id);
  auto after = ctx.identity.With([&](auto& store) { return store->GetToken(id); });
  if (!after) return ApiReply::Fail(after.error());
  ApiReply reply = ApiReply::Json(200, TokenJson(*after));
  reply.audit_tenant = info->tenant;
  return reply;
}

}  // namespace

void AddIdentityRoutes(Router& r, RouteContext& ctx) {
  RouteContext* x = &ctx;
  // Platform: operators manage every user and token.
  r.Add({"GET", "/v1/users", Access::kOperator, BodyKind::kNone, {}, [x](const ApiCall&) { return ListUsers(*x, ""); }});
  r.Add({"POST", "/v1/users", Access::kOperator, BodyKind::kJson, {},
         [x](const ApiCall& c) { return CreateUser(*x, c, ""); }});
  r.Add({"DELETE", "/v1/users/{name}", Access::kOperator, BodyKind::kNone, {},
         [x](const ApiCall& c) { return DeleteUser(*x, c, c.params[0], ""); }});
  r.Add({"PUT", "/v1/users/{name}/password", Access::kOperator, BodyKind::kJson, {},
         [x](const ApiCall& c) { return SetUserPassword(*x, c, c.params[0], ""); }});
  r.Add({"GET", "/v1/tokens", Access::kOperator, BodyKind::kNone, {}, [x](const ApiCall&) { return ListTokens(*x, ""); }});
  r.Add({"POST", "/v1/tokens", Access::kOperator, BodyKind::kJson, {},
         [x](const ApiCall& c) { return CreateToken(*x, c, ""); }});
  r.Add({"DELETE", "/v1/tokens/{token}", Access::kOperator, BodyKind::kNone, {},
         [x](const ApiCall& c) { return RevokeToken(*x, c.params[0], ""); }});
  // A tenant's own: its admins manage its users and tokens.
  r.Add({"GET", "/v1/tenants/{id}/users", Access::kTenantWrite, BodyKind::kNone, {},
         [x](const ApiCall& c) { return ListUsers(*x, c.params[0]); }});
  r.Add({"POST", "/v1/tenants/{id}/users", Access::kTenantWrite, BodyKind::kJson, {},
         [x](const ApiCall& c) { return CreateUser(*x, c, c.params[0]); }});
  r.Add({"DELETE", "/v1/tenants/{id}/users/{name}", Access::kTenantWrite, BodyKind::kNone, {},
         [x](const ApiCall& c) { return DeleteUser(*x, c, c.params[1], c.params[0]); }});
  r.Add({"PUT", "/v1/tenants/{id}/users/{name}/password", Access::kTenantWrite, BodyKind::kJson, {},
         [x](const ApiCall& c) { return SetUserPassword(*x, c, c.params[1], c.params[0]); }});
  r.Add({"GET", "/v1/tenants/{id}/tokens", Access::kTenantWrite, BodyKind::kNone, {},
         [x](const ApiCall& c) { return ListTokens(*x, c.params[0]); }});
  r.Add({"POST", "/v1/tenants/{id}/tokens", Access::kTenantWrite, BodyKind::kJson, {},
         [x](const ApiCall& c) { return CreateToken(*x, c, c.params[0]); }});
  r.Add({"DELETE", "/v1/tenants/{id}/tokens/{token}", Access::kTenantWrite, BodyKind::kNone, {},
         [x](const ApiCall& c) { return RevokeToken(*x, c.params[1], c.params[0]); }});
}

}  // namespace clawhive::api
