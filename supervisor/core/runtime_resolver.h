// RuntimeResolver: how a tenant on a runtime image gets its agent command. Supplied by openclaw/
// (OpenClawRuntimes over the image catalog), so that core/ knows nothing of OpenClaw. Without one, a
// tenant asking for a runtime is refused. Loop thread only.
#pragma once

#include <string>

#include "supervisor/common/result.h"
#include "supervisor/tenant/tenant.h"

namespace clawhive {

class RuntimeResolver {
 public:
  virtual ~RuntimeResolver() = default;
  // For a tenant with a runtime image (t.runtime non-empty): checks its runtime settings and sets
  // t.agent from the image and t.port. kNotFound naming the image when it is not imported.
  virtual Status Resolve(Tenant& t) = 0;
  // Probed after each start until it answers 200: the agent has started (its liveness path after that).
  virtual std::string StartupPath() const = 0;
};

}  // namespace clawhive
