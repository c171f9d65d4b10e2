#include "supervisor/openclaw/node_options.h"

#include <algorithm>

namespace clawhive {

uint64_t GatewayHeapMiB(uint64_t memory_max) {
  if (memory_max == 0) return 0;
  return std::max<uint64_t>(kMinHeapMiB, memory_max / (1024 * 1024) * 7 / 10);
}

std::string GatewayNodeOptions(uint64_t memory_max) {
  std::string out;
  if (uint64_t heap = GatewayHeapMiB(memory_max)) out = "--max-old-space-size=" + std::to_string(heap) + " ";
  // No spaces or double quotes inside (node splits NODE_OPTIONS at spaces and strips double quotes):
  // hence the template-literal specifier and the arrow function. unref(): the timer never keeps the
  // process alive. In the helper processes OpenClaw forks (they inherit NODE_OPTIONS) it flushes their
  // own entries, harmless.
  out += "--import=data:text/javascript,import(`node:module`).then(m=>setInterval(m.flushCompileCache," +
         std::to_string(kCacheFlushMs) + ").unref())";
  return out;
}

}  // namespace clawhive
