#include "supervisor/auth/principal.h"

#include "supervisor/tenant/tenant.h"

namespace clawhive::auth {

const char* ToString(Role role) {
  switch (role) {
    case Role::kOperator: return "operator";
    case Role::kTenantAdmin: return "tenant-admin";
    case Role::kTenantViewer: return "tenant-viewer";
  }
  return "unknown";
}

std::optional<Role> ParseRole(std::string_view text) {
  if (text == "operator") return Role::kOperator;
  if (text == "tenant-admin") return Role::kTenantAdmin;
  if (text == "tenant-viewer") return Role::kTenantViewer;
  return std::nullopt;
}

Status ValidateRoleScope(Role role, const std::string& tenant) {
  if (role == Role::kOperator) {
    if (!tenant.empty()) return Error::Invalid("an operator has no tenant (operators see the whole platform)");
    return Status::Ok();
  }
  if (tenant.empty()) return Error::Invalid(std::string("role ") + ToString(role) + " needs a tenant");
  return ValidateTenantId(tenant);
}

}  // namespace clawhive::auth
