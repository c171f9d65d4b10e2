// SecretService: what the REST API and clawhivectl may ask of the vault, through the supervisor.
//
// Values go in (Put) and never come out: every answer is metadata. Implemented by the supervisor core
// on its event-loop thread (a value rotation of a running tenant is health-gated: the new version is
// staged, the agent restarted on it, and promoted only once healthy — or discarded and the agent
// rolled back, with an incident). Safe to call from any thread through LoopSecretService.
#pragma once

#include <string>
#include <vector>

#include "supervisor/common/result.h"
#include "supervisor/vault/vault.h"

namespace clawhive {

class SecretService {
 public:
  virtual ~SecretService() = default;
  // tenant is a tenant id or kPlatformScope ("_platform": provider keys, never delivered to agents).
  virtual Result<SecretInfo> PutSecret(const std::string& tenant, const std::string& name, SecretValue value) = 0;
  virtual Result<SecretInfo> GetSecret(const std::string& tenant, const std::string& name) = 0;
  virtual Result<std::vector<SecretInfo>> ListSecrets(const std::string& tenant) = 0;
  virtual Status DeleteSecret(const std::string& tenant, const std::string& name) = 0;
  virtual Result<RotationInfo> RotateKek() = 0;
  virtual Result<RotationInfo> RotateDataKey(const std::string& tenant) = 0;
  virtual Result<std::vector<RotationInfo>> Rotations(size_t limit) = 0;
};

}  // namespace clawhive
