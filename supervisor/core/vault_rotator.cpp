#include "supervisor/core/vault_rotator.h"

namespace clawhive {

Result<Vault*> VaultRotator::Open(std::unique_ptr<Vault>& vault) {
  if (!vault) {
    auto opened = Vault::Open(options_);
    if (!opened) return opened.error();
    vault = std::move(*opened);
  }
  return vault.get();
}

Result<RotationInfo> VaultRotator::RotateKek(uint32_t* kek_version) {
  return vault_.With([&](std::unique_ptr<Vault>& v) -> Result<RotationInfo> {
    auto vault = Open(v);
    if (!vault) return vault.error();
    auto r = (*vault)->RotateKek();
    if (r && kek_version) *kek_version = (*vault)->kek_version();
    return r;
  });
}

Result<RotationInfo> VaultRotator::RotateDataKey(const std::string& tenant) {
  return vault_.With([&](std::unique_ptr<Vault>& v) -> Result<RotationInfo> {
    auto vault = Open(v);
    if (!vault) return vault.error();
    return (*vault)->RotateDataKey(tenant);
  });
}

}  // namespace clawhive
