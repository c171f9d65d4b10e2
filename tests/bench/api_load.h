// api: the REST API under load over TLS, with many tenants (issue 4's benchmark).
//
//   api_list_p50/p99   GET /v1/tenants?limit=1000 (every tenant, up to 1,000: one page) at a fixed open-loop rate, ms
//   api_get_p50/p99    GET /v1/tenants/{random id} at the same rate, ms
//   api_health_p99     GET /v1/health at the same rate: the same-run baseline (TLS + dispatch only), ms
//   api_max_rps        GET /v1/tenants/{random id}, closed loop, `clients` keep-alive connections
//
// Open loop: request k is due at t0 + k/rate and its latency is counted from when it was due, so a slow
// answer that delays the next ones is charged to them too (no coordinated omission).
#pragma once

#include <cstdint>
#include <string>

namespace clawhive::bench {

struct ApiLoadOptions {
  int tenants = 1000;
  std::string config_yaml;
  uint16_t api_port = 0;
  double rate = 200;        // requests per second, per measured route
  double seconds = 10;      // per measured route
  int clients = 8;          // keep-alive TLS connections
  bool running = true;      // tenants running (probed) rather than stopped
};

int ApiLoad(const ApiLoadOptions& options);

}  // namespace clawhive::bench
