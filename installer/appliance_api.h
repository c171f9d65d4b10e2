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
  // The answer file's model provider (docs/proxy.md): GET /v1/platform/secrets/{name} answered 200;
  // PUT /v1/platform/secrets/{name} (the value is never in a message); GET /v1/providers lists `name`;
  // PUT /v1/providers/{name}. Not pure: a fake that never sees a provider need not implement them.
  virtual Result<bool> HasPlatformSecret(const std::string& name);
  virtual Status PutPlatformSecret(const std::string& name, const std::string& value);
  virtual Result<bool> HasProvider(const std::string& name);
  virtual Status PutProvider(const ProviderAnswer& provider);
};

// url: https://HOST:PORT; token: the API token; fingerprint: "AB:CD:..." of the API certificate.
using ApiFactory = std::function<Result<std::unique_ptr<ApplianceApi>>(
    const std::string& url, const std::string& token, const std::string& fingerprint)>;

ApiFactory RealApiFactory();

}  // namespace clawhive::installer
