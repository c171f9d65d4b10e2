// Who is calling: the result of authenticating a session or an API token, and the access rules by role.
//
//   operator       the whole platform (every tenant, platform-scoped resources); has no tenant
//   tenant-admin   read and write its own tenant only
//   tenant-viewer  read its own tenant only
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "supervisor/common/result.h"

namespace clawhive::auth {

enum class Role { kOperator, kTenantAdmin, kTenantViewer };

const char* ToString(Role role);
std::optional<Role> ParseRole(std::string_view text);

// An operator must have an empty tenant; the tenant roles need a valid tenant id (ValidateTenantId).
Status ValidateRoleScope(Role role, const std::string& tenant);

struct Principal {
  std::string user;    // user name, or "token:<token name>" for an API token
  Role role = Role::kTenantViewer;
  std::string tenant;  // empty for an operator
  int64_t token_id = 0;  // > 0 when authenticated by an API token

  bool IsOperator() const { return role == Role::kOperator; }
  // An empty `tenant` means a platform-scoped resource: only an operator may touch it.
  bool MayRead(std::string_view t) const { return IsOperator() || (!t.empty() && !tenant.empty() && t == tenant); }
  bool MayWrite(std::string_view t) const { return role != Role::kTenantViewer && MayRead(t); }
};

}  // namespace clawhive::auth
