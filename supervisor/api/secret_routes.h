// The secret and vault routes of the REST API (docs/api.md, "Secrets"), added to the one route table.
//
// Values go in (PUT) and never come out: every answer is metadata. A tenant secret's scope comes from
// the path's tenant id, checked with ValidateTenantId, so "_platform" (kPlatformScope) is reachable only
// through /v1/platform/secrets. A tenant's own admins may write its secrets and its viewers read their
// metadata; platform secrets and the vault's keys are the operator's. With no SecretService (nullptr) every
// one of them answers 503 "secrets are not available".
#pragma once

#include "supervisor/api/router.h"

namespace clawhive {
class SecretService;
}

namespace clawhive::api {

// `service` (may be nullptr) must outlive the router.
void AddSecretRoutes(Router& router, SecretService* service);

}  // namespace clawhive::api
