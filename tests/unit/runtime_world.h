// RuntimeWorld: a real Supervisor (and in-memory Store) over the fakes of systemd, the host, the clock and
// the prober, with a fake catalog of OpenClaw runtime images, for the tests of runtime tenants and fleet
// updates. Two images are imported: kOld and kNew.
#pragma once

#include <boost/test/unit_test.hpp>
#include <memory>
#include <string>
#include <vector>

#include "supervisor/core/supervisor.h"
#include "supervisor/openclaw/runtime_agent.h"
#include "supervisor/core/tenant_rules.h"
#include "unit/fake_host.h"
#include "unit/fake_loop.h"
#include "unit/fake_prober.h"
#include "unit/fake_runtime_catalog.h"
#include "unit/fake_unit_manager.h"
#include "unit/supervisor_world.h"

namespace clawhive::testing {

inline const std::string kOld = "openclaw-2026.8.1";
inline const std::string kNew = "openclaw-2026.9.6";

// A result's error message for a check's message ("(ok)" when it succeeded).
template <typename R>
std::string Why(const R& r) {
  return r.ok() ? std::string("(ok)") : r.error().message;
}
template <typename R>
bool Failed(const R& r, ErrorCode code) {
  return !r.ok() && r.error().code == code;
}
inline bool Has(const std::string& haystack, const std::string& needle) {
  return haystack.find(needle) != std::string::npos;
}

struct RuntimeWorld : SupervisorWorld {
  FakeRuntimeCatalog catalog;
  OpenClawRuntimes resolver{catalog, config};

  RuntimeWorld() : SupervisorWorld(RuntimeConfig(), /*defer_blocking_work=*/false, /*boot=*/false) {
    catalog.Add(kOld);
    catalog.Add(kNew);
    Boot();
  }
  static Config RuntimeConfig() {
    Config c;
    c.default_agent.exec = "/usr/local/lib/clawhive-test/clawhive-test-agent";  // for the plain tenants; production has none
    c.probe_interval_ms = 1000;
    c.probe_timeout_ms = 500;
    c.trial_soak_ms = 2000;
    c.openclaw_models = {"gpt-4o-mini", "gpt-4o"};
    return c;
  }
  // (Re)starts the supervisor over the same store and fakes, with or without the image catalog.
  void Boot(bool with_catalog = true) {
    runtimes = with_catalog ? &resolver : nullptr;
    SupervisorWorld::Boot();
  }
  TenantStatus CreateOn(const std::string& id, const std::string& image, bool pinned = false) {
    TenantPatch p;
    p.runtime = image;
    if (pinned) p.runtime_pinned = true;
    return Create(id, p);
  }
  Tenant Stored(const std::string& id) {
    auto t = store->GetTenant(id);
    BOOST_REQUIRE(t.ok() && t->has_value());
    return **t;
  }
  FakeUnitManager::Unit& Unit(const std::string& id) { return units.units[TenantNames::Service(id)]; }
  uint32_t Pid(const std::string& id) { return Unit(id).pid; }
  void Crash(const std::string& id) { units.Crash(TenantNames::Service(id), ExitKind::kExited, 1, "exit-code"); }
};

}  // namespace clawhive::testing
