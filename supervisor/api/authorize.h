// The API's one authorization point: may this caller call this route on these path parameters?
//
// Pure: no I/O, no clock. The dispatcher (api_server.cpp) calls it for every request after resolving the
// route and authenticating the caller, before any handler runs. Handlers never check roles themselves.
//
//   route access     anonymous   operator   tenant-admin of T     tenant-viewer of T
//   public           allow       allow      allow                 allow
//   authenticated    401         allow      allow                 allow
//   tenant-read  T'  401         allow      T'==T allow, else 404 T'==T allow, else 404
//   tenant-write T'  401         allow      T'==T allow, else 404 T'==T 403,   else 404
//   operator         401         allow      403                   403
//
// Another tenant's resources answer 404, exactly as a tenant that does not exist, so a tenant user cannot
// even learn which tenant ids exist.
#pragma once

#include <string>
#include <vector>

#include "supervisor/api/router.h"
#include "supervisor/auth/principal.h"

namespace clawhive::api {

enum class Decision {
  kAllow,
  kUnauthenticated,  // 401: no (valid) credentials
  kForbidden,        // 403: known caller, role too low
  kHidden,           // 404: another tenant's resource
};

// `params`: the route's placeholders in order; tenant-scoped routes name the tenant first.
Decision Authorize(const auth::Principal* who, Access required, const std::vector<std::string>& params);

}  // namespace clawhive::api
