#include "supervisor/openclaw/runtime_agent.h"

namespace clawhive {

AgentSpec RuntimeAgent(const RuntimeImage& image, uint16_t port) {
  AgentSpec a;
  a.exec = image.node;
  a.args = {image.entry, "gateway", "run", "--port", std::to_string(port), "--bind", "loopback"};
  a.health_path = kLivenessPath;
  return a;
}

}  // namespace clawhive
