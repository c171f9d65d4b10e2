// The one sandbox every integration test shares (booted once per test run), and helpers over its API.
#include "integration/world.h"

#include <boost/test/unit_test.hpp>
#include <utility>

using namespace std::chrono_literals;

namespace clawhive::testing {
namespace {

constexpr uint16_t kApiPort = 18471;

const char* kConfig = R"(api:
  listen: 127.0.0.1:18471
parent_slice:
  memory_max: 6G
tenant_defaults:
  memory_high: 200M
  memory_max: 256M
  cpu_quota: 50%
  tasks_max: 64
  port_base: 24000
  port_step: 120
  agent:
    exec: /usr/local/lib/clawhive-test/clawhive-test-agent   # testing::kTestAgent, from install-system
crash_policy:
  immediate_restarts: 3
  backoff_initial: 300ms
  backoff_max: 1s
  quarantine_after: 6
  window: 60s
probe:
  interval: 500ms
  timeout: 300ms
  failures: 3
  start_timeout: 10s
  trial_soak: 1s
vault:
  seal_kek: true
proxy:
  listen: 127.0.0.1:18480
)";

// Boost.Test builds the global fixture before the first test and destroys it after the last.
struct World {
  static inline World* current = nullptr;
  Sandbox sandbox{kConfig, kApiPort};
  Api api{kApiPort, sandbox.token(), sandbox.fingerprint()};
  World() { current = this; }
  ~World() { current = nullptr; }
};
BOOST_TEST_GLOBAL_FIXTURE(World);


}  // namespace

Api& api() { return World::current->api; }
Sandbox& sb() { return World::current->sandbox; }

std::string Esc(const std::string& id) {
  std::string esc;
  for (char c : id) esc += c == '-' ? std::string("\\x2d") : std::string(1, c);
  return esc;
}
std::string Svc(const std::string& id) { return "clawhive-agent@" + Esc(id) + ".service"; }
std::string SliceName(const std::string& id) { return "clawhive-" + Esc(id) + ".slice"; }

JsonValue Tenant(const std::string& id) {
  auto r = api().Get("/v1/tenants/" + id);
  return r.status == 200 ? std::move(r.json) : JsonValue();
}
int64_t MainPid(const std::string& id) { return static_cast<int64_t>(Get(Tenant(id), "status.main_pid").number()); }
uint16_t PortOf(const std::string& id) { return static_cast<uint16_t>(Get(Tenant(id), "port").number()); }
Gateway GatewayOf(const std::string& id) { return {&sb(), id, PortOf(id)}; }
bool Healthy(const std::string& id) { return Get(Tenant(id), "status.healthy").boolean(); }
std::string Phase(const std::string& id) { return Get(Tenant(id), "phase").string(); }

JsonValue Incidents(const std::string& id) {
  auto r = api().Get("/v1/tenants/" + id + "/incidents?limit=100");
  return r.json.is_array() ? std::move(r.json) : Get(r.json, "incidents");
}

void CreateTenant(const std::string& id, const std::string& extra) {
  std::string body = "{\"id\":\"" + id + "\"" + (extra.empty() ? "" : "," + extra) + "}";
  auto r = api().Post("/v1/tenants", body);
  BOOST_REQUIRE_MESSAGE(r.status == 201 || r.status == 200, "create " << id << ": " << r.status << " " << r.body);
  BOOST_REQUIRE_MESSAGE(Eventually([&] { return Healthy(id); }, 15s), id << " never became healthy");
}


}  // namespace clawhive::testing
