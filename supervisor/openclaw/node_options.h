// NODE_OPTIONS for a tenant's OpenClaw gateway (docs/openclaw.md, "Cold start"), rendered into the agent
// unit's EnvironmentFile by RenderEnvFile. Pure.
//
// - A V8 heap cap matched to the tenant's memory_max (70 %, in MiB, at least kMinHeapMiB): V8 collects
//   hard before the slice's limit instead of growing into the cgroup OOM killer. The rest of memory_max
//   is for what is not the old-space heap (code, buffers, the helper processes). No cap when memory_max
//   is 0 (no limit).
// - A compile cache flush: node writes its compile cache (NODE_COMPILE_CACHE, the unit's private
//   CacheDirectory=) only at a clean exit unless told otherwise, so a gateway that crashes before its
//   first clean stop would leave it empty and every restart would compile everything again. A `data:`
//   module (no file anywhere, nothing the tenant could swap) flushes it every kCacheFlushMs.
// NODE_OPTIONS is reserved: a tenant's agent.env cannot set it (tenant_rules.cpp).
#pragma once

#include <cstdint>
#include <string>

namespace clawhive {

inline constexpr uint64_t kMinHeapMiB = 128;
inline constexpr uint64_t kCacheFlushMs = 60000;

// The heap cap in MiB for `memory_max` bytes; 0 = none.
uint64_t GatewayHeapMiB(uint64_t memory_max);
// The whole NODE_OPTIONS value (no quoting; the caller quotes for its file format).
std::string GatewayNodeOptions(uint64_t memory_max);

}  // namespace clawhive
