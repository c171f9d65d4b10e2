// `tests/bench/run openclaw` and `tests/bench/run oc-start`: the real OpenClaw gateway per tenant, in the
// sandbox, from an imported runtime image (build/runtime, made by tests/openclaw/build-images), with what
// the supervisor generates (plugins.allow, the unit's compile cache, the heap cap; docs/openclaw.md).
//   oc_loadavg_1m_before|after     load  the machine's 1-minute load average when the bench began / ended
//   oc_cold_start_ready_first      s  create of a new tenant -> /readyz 200 (empty state, empty compile cache;
//                                     start boost on)
//   oc_cold_start_ready            s  POST .../start of a stopped tenant -> /readyz 200: start boost on (the
//                                     default), warm compile cache (median of `starts`)
//   oc_cold_start_ready_unboosted  s  the same with the start boost off (openclaw.start_boosts 0: the start
//                                     runs at the tenant's own quota, 100 % = one core); same-run baseline
//   oc_cold_start_boosted_vs_unboosted ratio  the two medians above
//   oc_cold_start_ready_no_cache   s  boosted, with the tenant's compile cache emptied before each start
//                                     (baseline of the compile cache, same run; median of `starts`)
//   oc_cold_start_cache_vs_no_cache ratio  oc_cold_start_ready / oc_cold_start_ready_no_cache
//   oc_cold_start_cpu[_first|_unboosted|_no_cache] s  CPU seconds the agent unit used from its start to
//                                     ready (the cgroup's usage_usec; robust against load from elsewhere)
//   oc_crash_to_ready              s  SIGKILL of the gateway's main PID -> supervisor restart (boosted) ->
//                                     /readyz 200 (median of `starts`; the bench's crash policy restarts
//                                     every crash at once)
//   oc_crash_to_ready_unboosted    s  the same with the start boost off (same-run baseline)
//   oc_crash_vs_cold_start         ratio  oc_crash_to_ready / oc_cold_start_ready (goal: <= 1)
//   oc_crash_restart_cpu           s  CPU seconds of the restarted unit when ready again (median)
//   oc_gateway_processes           n  processes in the agent's cgroup when ready (OpenClaw's own 3-4: no resident launcher)
//   oc_compile_cache_mb            MB the tenant's compile cache after its first start
//   oc_first_chat_turn             s  one chat turn through the gateway to the provider stub (proves the
//                                     restricted plugin set still answers)
// The kinds of start alternate (boosted, unboosted, no cache, boosted, ...) so that load from elsewhere
// hits each alike; switching the boost restarts the supervisor on the changed config with the tenant
// stopped.
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
