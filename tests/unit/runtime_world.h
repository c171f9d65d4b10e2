// RuntimeWorld: a real Supervisor (and in-memory Store) over the fakes of systemd, the host, the clock and
// the prober, with a fake catalog of OpenClaw runtime images, for the tests of runtime tenants and fleet
// updates. Two images are imported: kOld and kNew.
#pragma once

#include <boost/test/unit_test.hpp>
#include <memory>
#include <string>
#include <vector>

#include "supervisor/core/supervisor.h"
#include "supervisor/core/tenant_rules.h"
#include "unit/fake_host.h"
#include "unit/fake_loop.h"
#include "unit/fake_prober.h"
#include "unit/fake_runtime_catalog.h"
#include "unit/fake_unit_manager.h"

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

struct RuntimeWorld {
  struct Log : EventLog {
    void Write(int, const std::string& tenant, const std::string& message) override {
      lines.push_back(tenant + ": " + message);
    }
    std::vector<std::string> lines;
  };

  Config config;
  std::unique_ptr<Store> store;
  FakeLoop loop;
  FakeUnitManager units{loop};
  FakeHost host;
  FakeProber prober{loop};
  FakeRuntimeCatalog catalog;
  Log log;
  std::unique_ptr<Supervisor> sup;

  RuntimeWorld() {
    config.default_agent.exec = "/usr/local/lib/clawhive-test/clawhive-test-agent";  // for the plain tenants; production has none
    config.probe_interval_ms = 1000;
    config.probe_timeout_ms = 500;
    config.trial_soak_ms = 2000;
    config.openclaw_models = {"gpt-4o-mini", "gpt-4o"};
    catalog.Add(kOld);
    catalog.Add(kNew);
    store = std::move(Store::Open(":memory:").value());
    Boot();
  }
  // (Re)starts the supervisor over the same store and fakes.
  void Boot(bool with_catalog = true) {
    sup = std::make_unique<Supervisor>(config, *store, units, host, loop, prober, log);
    if (with_catalog) sup->UseRuntimes(&catalog);
    BOOST_REQUIRE(sup->Init().ok());
    loop.Drain();
  }
  TenantStatus Create(const std::string& id, const TenantPatch& patch) {
    auto st = sup->Create(id, patch);
    BOOST_REQUIRE_MESSAGE(st.ok(), id << ": " << (st.ok() ? std::string() : st.error().message));
    loop.Advance(50);
    return *st;
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
