// ingress: what the appliance's HTTPS front adds to a chat turn (issue 13's benchmark, docs/benchmarks.md).
// In the sandbox, one tenant on the test agent (answering POST /v1/chat/completions as OpenClaw does); a
// tenant-admin API token made through the API. Each turn through the front (HTTPS, pinned, keep-alive:
// POST /v1/tenants/{id}/openai/v1/chat/completions; the supervisor asks its loop for the tenant and its
// gateway, opens a connection to the gateway's loopback port, passes the answer on) is paired with the
// same turn sent straight to the gateway's loopback port (plain HTTP, as a client on the appliance
// would), back to back, alternating which goes first. Figures are quantiles of the per-pair differences.
//   ingress_added_latency_{p50,p99}_ms          through the front minus direct, whole (non-streamed) answer
//   ingress_latency_*, direct_gateway_latency_*  the pairs' own times
//   ingress_added_sse_first_event_{p50,p99}_ms  the same for the first event of a streamed answer
//   ingress_pairs, ingress_errors
#pragma once

#include <cstdint>
#include <string>

namespace clawhive::bench {

struct IngressBenchOptions {
  std::string config_yaml;
  uint16_t api_port = 0;
  int pairs = 300;  // per measurement (whole answer, first event)
};

int IngressBench(const IngressBenchOptions& options);

}  // namespace clawhive::bench
