// Many tenants in a benchmark sandbox, made through the REST API: shared by the benchmarks that need a
// populated supervisor (scale, list_cost, api).
#pragma once

#include <chrono>
#include <string>
#include <vector>

#include "integration/harness.h"

namespace clawhive::bench {

// GET /v1/tenants answers pages (100 tenants by default); this asks for its largest page, so listing up
// to 1,000 tenants is one call that returns every one of them (what the list benchmarks mean to measure).
inline constexpr const char* kListAllTenants = "/v1/tenants?limit=1000";

struct CreatedTenants {
  std::vector<std::string> ids;
  std::vector<double> call_seconds;  // duration of each POST /v1/tenants, in creation order
  std::string error;                 // set when a create failed (ids holds the ones made before)
};

// Creates tenants "<prefix>0" ... "<prefix><n-1>" one after the other (each `extra_json` members added to
// the body, e.g. "\"desired\":\"stopped\""); progress on stderr every 100.
CreatedTenants CreateTenants(testing::Api& api, int n, const std::string& prefix,
                             const std::string& extra_json = "");

// Waits until at least `n` tenants answer their liveness probe (clawhive_tenant_up 1 in /metrics).
bool WaitUntilHealthy(testing::Api& api, size_t n, std::chrono::seconds timeout);

// The slices' cgroup paths as the sandbox's systemd reports them (ControlGroup), by tenant id; tenants
// whose slice has none yet are left out. One systemctl call for all of them.
std::vector<std::pair<std::string, std::string>> SliceCgroups(testing::Sandbox& sb,
                                                              const std::vector<std::string>& ids);

}  // namespace clawhive::bench
