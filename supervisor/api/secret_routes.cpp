#include "supervisor/api/secret_routes.h"

#include <string>
#include <utility>
#include <vector>

#include "supervisor/api/reply_json.h"
#include "supervisor/api/secret_json.h"
#include "supervisor/core/secret_service.h"
#include "supervisor/tenant/tenant.h"

namespace clawhive::api {
namespace {

// CLAWHIVE_* secrets (the proxy token) are the appliance's own: replacing or deleting one would cut the
// agent off from its model provider.
Status NotManaged(const std::string& name) {
  if (name.rfind("CLAWHIVE_", 0) == 0)
    return Error::Conflict("secret '" + name + "' is managed by the appliance and cannot be changed here");
  return Status::Ok();
}

constexpr size_t kDefaultRotationLimit = 100;
constexpr size_t kMaxRotationLimit = 1000;

ApiReply NotAvailable() { return ApiReply::Fail(Error::Unavailable("secrets are not available")); }

// Where a secret lives. Which one is decided by the route, never by comparing a path segment with
// kPlatformScope: "/v1/tenants/_platform/..." must not reach the platform scope.
struct Scope {
  std::string id;  // tenant id, or kPlatformScope
  bool platform = false;

  static Scope Platform() { return {kPlatformScope, true}; }
  static Scope Tenant(std::string id) { return {std::move(id), false}; }

  // A tenant path's id must be a valid tenant id (so never "_platform"). Whether the tenant exists is
  // the service's to say (404).
  Status Check() const { return platform ? Status::Ok() : ValidateTenantId(id); }
};

ApiReply InfoReply(int status, const Result<SecretInfo>& r) {
  if (!r) return ApiReply::Fail(r.error());
  return ApiReply::Json(status, SecretInfoToJson(*r));
}

ApiReply RotationReply(const Result<RotationInfo>& r) {
  if (!r) return ApiReply::Fail(r.error());
  return ApiReply::Json(200, RotationToJson(*r));
}

// PUT: the value is taken out of the body before anything else, so it is in a SecretValue (wiped when
// it dies) whatever is refused after.
ApiReply Put(SecretService& svc, JsonValue* body, const Scope& scope, const std::string& name,
             const std::string& location) {
  Result<SecretValue> value = TakeSecretValue(body);
  if (!value) return ApiReply::Fail(value.error());
  if (Status s = scope.Check(); !s) return ApiReply::Fail(s.error());
  if (Status s = CheckSecretName(name); !s) return ApiReply::Fail(s.error());
  Result<SecretInfo> info = svc.PutSecret(scope.id, name, std::move(*value));
  // The first version of a secret creates it; later ones are new versions of an existing one.
  bool created = info && info->versions.size() == 1;
  ApiReply reply = InfoReply(created ? 201 : 200, info);
  if (created) reply.headers.emplace_back("Location", location);
  return reply;
}

ApiReply Get(SecretService& svc, const Scope& scope, const std::string& name) {
  if (Status s = scope.Check(); !s) return ApiReply::Fail(s.error());
  if (Status s = CheckSecretName(name); !s) return ApiReply::Fail(s.error());
  return InfoReply(200, svc.GetSecret(scope.id, name));
}

ApiReply List(SecretService& svc, const Scope& scope) {
  if (Status s = scope.Check(); !s) return ApiReply::Fail(s.error());
  return ListReply(svc.ListSecrets(scope.id), "secrets", SecretInfoToJson);
}

ApiReply Delete(SecretService& svc, const Scope& scope, const std::string& name) {
  if (Status s = scope.Check(); !s) return ApiReply::Fail(s.error());
  if (Status s = CheckSecretName(name); !s) return ApiReply::Fail(s.error());
  if (Status s = svc.DeleteSecret(scope.id, name); !s) return ApiReply::Fail(s.error());
  JsonValue doc = JsonValue::Object();
  doc.Set("tenant", JsonValue::String(scope.id))
      .Set("name", JsonValue::String(name))
      .Set("deleted", JsonValue::Bool(true));
  return ApiReply::Json(200, doc);
}

// Wraps a handler that needs the service: 503 when there is none.
template <typename F>
std::function<ApiReply(const ApiCall&)> With(SecretService* svc, F f) {
  return [svc, f](const ApiCall& c) -> ApiReply {
    if (svc == nullptr) return NotAvailable();
    return f(*svc, c);
  };
}

}  // namespace

void AddSecretRoutes(Router& r, SecretService* svc) {
  const Scope platform = Scope::Platform();

  // Tenant scope. The literal rotate-data-key cannot clash with a secret name (those are upper case).
  r.Add({"GET", "/v1/tenants/{id}/secrets", Access::kTenantRead, BodyKind::kNone, {},
         With(svc, [](SecretService& s, const ApiCall& c) { return List(s, Scope::Tenant(c.params[0])); })});
  r.Add({"POST", "/v1/tenants/{id}/secrets/rotate-data-key", Access::kTenantWrite, BodyKind::kNone, {},
         With(svc, [](SecretService& s, const ApiCall& c) {
           Scope scope = Scope::Tenant(c.params[0]);
           if (Status st = scope.Check(); !st) return ApiReply::Fail(st.error());
           return RotationReply(s.RotateDataKey(scope.id));
         })});
  r.Add({"PUT", "/v1/tenants/{id}/secrets/{name}", Access::kTenantWrite, BodyKind::kJson, {},
         With(svc, [](SecretService& s, const ApiCall& c) {
           if (Status m = NotManaged(c.params[1]); !m) return ApiReply::Fail(m.error());
           const std::string location = "/v1/tenants/" + c.params[0] + "/secrets/" + c.params[1];
           return Put(s, c.body, Scope::Tenant(c.params[0]), c.params[1], location);
         })});
  r.Add({"GET", "/v1/tenants/{id}/secrets/{name}", Access::kTenantRead, BodyKind::kNone, {},
         With(svc, [](SecretService& s, const ApiCall& c) { return Get(s, Scope::Tenant(c.params[0]), c.params[1]); })});
  r.Add({"DELETE", "/v1/tenants/{id}/secrets/{name}", Access::kTenantWrite, BodyKind::kNone, {},
         With(svc, [](SecretService& s, const ApiCall& c) {
           if (Status m = NotManaged(c.params[1]); !m) return ApiReply::Fail(m.error());
           return Delete(s, Scope::Tenant(c.params[0]), c.params[1]);
         })});

  // Platform scope: model provider keys, never delivered to agents.
  r.Add({"GET", "/v1/platform/secrets", Access::kOperator, BodyKind::kNone, {},
         With(svc, [platform](SecretService& s, const ApiCall&) { return List(s, platform); })});
  r.Add({"PUT", "/v1/platform/secrets/{name}", Access::kOperator, BodyKind::kJson, {},
         With(svc, [platform](SecretService& s, const ApiCall& c) {
           return Put(s, c.body, platform, c.params[0], "/v1/platform/secrets/" + c.params[0]);
         })});
  r.Add({"GET", "/v1/platform/secrets/{name}", Access::kOperator, BodyKind::kNone, {},
         With(svc, [platform](SecretService& s, const ApiCall& c) { return Get(s, platform, c.params[0]); })});
  r.Add({"DELETE", "/v1/platform/secrets/{name}", Access::kOperator, BodyKind::kNone, {},
         With(svc, [platform](SecretService& s, const ApiCall& c) { return Delete(s, platform, c.params[0]); })});

  // The vault's keys.
  r.Add({"POST", "/v1/vault/rotate-kek", Access::kOperator, BodyKind::kNone, {},
         With(svc, [](SecretService& s, const ApiCall&) { return RotationReply(s.RotateKek()); })});
  r.Add({"GET", "/v1/vault/rotations", Access::kOperator, BodyKind::kNone, {"limit"},
         With(svc, [](SecretService& s, const ApiCall& c) {
           Result<size_t> limit = ParseLimit(c.Query("limit"), kDefaultRotationLimit, kMaxRotationLimit);
           if (!limit) return ApiReply::Fail(limit.error());
           return ListReply(s.Rotations(*limit), "rotations", RotationToJson);
         })});
}

}  // namespace clawhive::api
