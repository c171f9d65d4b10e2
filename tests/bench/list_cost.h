// list_cost: what listing many tenants costs the supervisor.
#pragma once

#include <cstdint>
#include <string>

namespace clawhive::bench {

struct ListCostOptions {
  int tenants = 1000;
  std::string config_yaml;  // the sandbox's supervisor config (dense ports for many tenants)
  uint16_t api_port = 0;
  // Another clawhive-supervisor binary to measure GET /v1/tenants with on the same tenants afterwards
  // (e.g. a build of the previous commit), printed as *_baseline; empty = none.
  std::string baseline_supervisor;
};

// 1. In process, on fakes of systemd and the host with a real SQLite file: Supervisor::List() and Get()
//    as the loop thread runs them, and reading every row from the store (what a cache-less List pays).
// 2. In the sandbox, with the tenants created through the API: GET /v1/tenants end to end, and one
//    usage-sampler tick over every tenant slice's real cgroup files.
int ListCost(const ListCostOptions& options);

}  // namespace clawhive::bench
