#include "supervisor/proxy/vault_keys.h"

namespace clawhive::proxy {

Result<std::string> VaultKeys::Key(const std::string& name) {
  std::lock_guard<std::mutex> lock(mu_);
  const auto now = std::chrono::steady_clock::now();
  auto it = cache_.find(name);
  if (it != cache_.end() && now - it->second.at < ttl_) return it->second.value;
  Result<std::unique_ptr<Vault>> vault = open_();
  if (!vault) return vault.error();
  Result<SecretValue> v = (*vault)->ProviderKey(name);
  if (!v) return v.error();
  std::string value(v->view());
  cache_[name] = {value, now};
  return value;
}

}  // namespace clawhive::proxy
