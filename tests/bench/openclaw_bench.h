// `tests/bench/run openclaw`: the real OpenClaw gateway per tenant, in the sandbox, from an imported
// runtime image (build/runtime, made by tests/openclaw/build-images).
//   oc_cold_start_ready      s    create -> /readyz 200, one tenant alone (median of `starts`)
//   oc_crash_to_ready        s    SIGKILL of the gateway -> /readyz 200 (median of 3)
//   oc_rss_idle_per_tenant   MB   the tenant's slice memory (MemoryCurrent) after `idle_s` idle
//   oc_tenants_fit           n    (MemTotal - 2 GiB headroom) / tenant_defaults.memory_max (1536M):
//                                 always-on tenants this box guarantees under the default limits
//   oc_tenants_fit_idle      n    the same divided by the measured idle figure instead (what fits if
//                                 tenants stay near idle; not a guarantee)
#pragma once

namespace clawhive::bench {

struct OpenClawBenchOptions {
  int idle_s = 180;
  int starts = 3;
};

int OpenClawBench(const OpenClawBenchOptions& options);

}  // namespace clawhive::bench
