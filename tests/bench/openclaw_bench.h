// `tests/bench/run openclaw` and `tests/bench/run oc-start`: the real OpenClaw gateway per tenant, in the
// sandbox, from an imported runtime image (build/runtime, made by tests/openclaw/build-images), with what
// the supervisor generates (plugins.allow, the unit's compile cache, the heap cap; docs/openclaw.md).
//   oc_cold_start_ready_first      s  create of a new tenant -> /readyz 200 (empty state, empty compile cache)
//   oc_cold_start_ready            s  POST .../start of a stopped tenant -> /readyz 200, warm compile cache
//                                     (median of `starts`)
//   oc_cold_start_ready_no_cache   s  the same with the tenant's compile cache emptied before each start
//                                     (baseline, same run; median of `starts`)
//   oc_cold_start_cache_vs_no_cache ratio  the two medians above
//   oc_cold_start_cpu[_first|_no_cache] s  CPU seconds the agent unit used from its start to ready
//                                     (the cgroup's usage_usec; robust against load from elsewhere)
//   oc_cold_start_ready_no_cpu_quota s  warm-cache starts with the tenant's CPU quota lifted (the default
//                                     is 100 % = one core; baseline showing what the quota costs a start)
//   oc_crash_to_ready              s  SIGKILL of the gateway's main PID -> supervisor restart -> /readyz 200
//                                     (median of 3; the supervisor restarts the first 3 crashes at once)
//   oc_crash_vs_cold_start         ratio  oc_crash_to_ready / oc_cold_start_ready (goal: <= 1)
//   oc_crash_restart_cpu           s  CPU seconds of the restarted unit when ready again (median)
//   oc_gateway_processes           n  processes in the agent's cgroup when ready (OpenClaw's own 3-4: no resident launcher)
//   oc_compile_cache_mb            MB the tenant's compile cache after its first start
//   oc_first_chat_turn             s  one chat turn through the gateway to the provider stub (proves the
//                                     restricted plugin set still answers)
// `openclaw` adds, after `idle_s` idle (not run by `oc-start`):
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
  bool memory = true;  // the idle memory figures (false: start and crash figures only)
};

int OpenClawBench(const OpenClawBenchOptions& options);

}  // namespace clawhive::bench
