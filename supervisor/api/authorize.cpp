#include "supervisor/api/authorize.h"

namespace clawhive::api {

Decision Authorize(const auth::Principal* who, Access required, const std::vector<std::string>& params) {
  if (required == Access::kPublic) return Decision::kAllow;
  if (who == nullptr) return Decision::kUnauthenticated;
  switch (required) {
    case Access::kPublic:
    case Access::kAuthenticated:
      return Decision::kAllow;
    case Access::kOperator:
      return who->IsOperator() ? Decision::kAllow : Decision::kForbidden;
    case Access::kTenantRead:
    case Access::kTenantWrite: {
      // Router::Add guarantees the first placeholder; an empty list would be a bug: deny.
      if (params.empty()) return who->IsOperator() ? Decision::kAllow : Decision::kHidden;
      const std::string& tenant = params[0];
      if (!who->MayRead(tenant)) return Decision::kHidden;
      if (required == Access::kTenantWrite && !who->MayWrite(tenant)) return Decision::kForbidden;
      return Decision::kAllow;
    }
  }
  return Decision::kForbidden;
}

}  // namespace clawhive::api
