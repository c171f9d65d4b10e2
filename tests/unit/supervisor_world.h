// SupervisorWorld: a real Supervisor (and in-memory Store) over the fakes of systemd, the host, the
// clock and the prober, for the tests of the tenant state machine. Blocking work runs inline unless the
// world is made with a DeferredWorker (then the test runs it: worker.RunAll()).
#pragma once

#include <boost/test/unit_test.hpp>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "supervisor/core/supervisor.h"
#include "supervisor/core/tenant_rules.h"
#include "unit/fake_host.h"
#include "unit/fake_loop.h"
#include "unit/fake_prober.h"
#include "unit/fake_unit_manager.h"
#include "unit/fake_worker.h"

namespace clawhive::testing {

// The answer of a trial begun with SupervisorWorld::BeginTrial: none yet, or whether it passed and why not.
struct TrialAnswer {
  std::optional<bool> passed;
  std::string why;
};

struct SupervisorWorld {
  struct MemoryLog : EventLog {
    void Write(int, const std::string& tenant, const std::string& message) override {
      lines.push_back(tenant + ": " + message);
    }
    std::vector<std::string> lines;
  };

  Config config;  // first: the fakes below may read it
  std::unique_ptr<Store> store;
  FakeLoop loop;
  FakeUnitManager units{loop};
  FakeHost host;
  FakeProber prober{loop};
  MemoryLog log;
  InlineWorker inline_worker;
  DeferredWorker deferred;
  const bool defer;
  RuntimeResolver* runtimes = nullptr;  // given to the supervisor at each Boot() when set
  std::unique_ptr<Supervisor> sup;

  explicit SupervisorWorld(bool defer_blocking_work = false) : SupervisorWorld(CoreConfig(), defer_blocking_work) {}
  // Over `c`; Boot() is the caller's when `boot` is false (to set more up first).
  SupervisorWorld(Config c, bool defer_blocking_work, bool boot = true) : config(std::move(c)), defer(defer_blocking_work) {
    store = std::move(Store::Open(":memory:").value());
    if (boot) Boot();
  }
  // A short crash ladder and probe cadence, for the state machine's tests.
  static Config CoreConfig() {
    Config c;
    c.default_agent.exec = "/usr/local/lib/clawhive-test/clawhive-test-agent";  // production has no default agent
    c.immediate_restarts = 2;
    c.backoff_initial_ms = 1000;
    c.backoff_max_ms = 4000;
    c.quarantine_after = 5;
    c.crash_window_ms = 60000;
    c.probe_interval_ms = 1000;
    c.probe_timeout_ms = 500;
    c.probe_failures = 3;
    return c;
  }
  Worker& worker() { return defer ? static_cast<Worker&>(deferred) : inline_worker; }
  // (Re)starts the supervisor over the same store and fakes.
  void Boot() {
    sup = std::make_unique<Supervisor>(config, *store, units, host, loop, prober, log, worker());
    if (runtimes) sup->UseRuntimes(runtimes);
    BOOST_REQUIRE(sup->Init().ok());
    loop.Drain();
  }
  TenantStatus Create(const std::string& id, const TenantPatch& patch = {}) {
    auto st = sup->Create(id, patch);
    if (defer) {
      deferred.RunAll();
      st = sup->Get(id);
    }
    BOOST_REQUIRE_MESSAGE(st.ok(), id << ": " << (st.ok() ? std::string() : st.error().message));
    loop.Advance(50);
    return *st;
  }
  std::vector<Incident> Incidents(const std::string& id) { return sup->Incidents(id, 100).value(); }
  // Begins a trial of `id` whose answer lands in *answer; at the answer the tenant is started again, as
  // its owner does after rolling back.
  Status BeginTrial(const std::string& id, TrialAnswer* answer) {
    return sup->BeginTrial(id, [this, id, answer](bool ok, const std::string& why) {
      answer->passed = ok;
      answer->why = why;
      sup->StartNow(id);
    });
  }
};

}  // namespace clawhive::testing
