#include "supervisor/openclaw/runtime_agent.h"

#include "supervisor/tenant/openclaw_settings.h"

namespace clawhive {

AgentSpec RuntimeAgent(const RuntimeImage& image, uint16_t port) {
  AgentSpec a;
  a.exec = image.node;
  a.args = {image.entry, "gateway", "run", "--port", std::to_string(port), "--bind", "loopback"};
  a.health_path = kLivenessPath;
  return a;
}

Status OpenClawRuntimes::Resolve(Tenant& t) {
  if (Status s = ValidateOpenClawSettings(t.openclaw, config_.openclaw_models); !s) return s;
  Result<RuntimeImage> image = catalog_.Find(t.runtime);
  if (!image) return image.error();
  t.agent = RuntimeAgent(*image, t.port);
  return Status::Ok();
}

}  // namespace clawhive
