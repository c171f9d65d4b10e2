// ApplianceApi: what the installer asks the running supervisor once it is up (health, the answer file's
// tenants), behind an interface so the verbs are tested without a supervisor. Real: over HTTPS with the
// root-only API token, pinned to the API certificate's fingerprint (ctl::ApiClient).
#pragma once

#include <functional>
#include <memory>
#include <string>

#include "installer/answers.h"
#include "supervisor/common/result.h"

namespace clawhive::installer {

struct TenantState {
  bool exists = false;
  bool healthy = false;
  std::string state;  // the API's phase ("starting", "running", "backoff", ...), for messages
};

class ApplianceApi {
 public:
  virtual ~ApplianceApi() = default;
  // GET /v1/health answered 200. kUnavailable when the API cannot be reached.
  virtual Status Health() = 0;
  virtual Result<TenantState> Tenant(const std::string& id) = 0;
  // POST /v1/tenants; the API's error message on refusal.
  virtual Status CreateTenant(const TenantAnswer& tenant) = 0;
  // The tenant list's total, for status; -1 when unknown.
  virtual Result<int64_t> TenantCount() = 0;
};

// url: https://HOST:PORT; token: the API token; fingerprint: "AB:CD:..." of the API certificate.
using ApiFactory = std::function<Result<std::unique_ptr<ApplianceApi>>(
    const std::string& url, const std::string& token, const std::string& fingerprint)>;

ApiFactory RealApiFactory();

}  // namespace clawhive::installer
