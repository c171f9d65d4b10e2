// VaultKeys: provider keys from the vault's platform secrets, kept in memory for a short while so each
// request does not decrypt (a key changed in the vault is used within `ttl`). On a miss the vault is
// opened read-only afresh, so key-encryption-key rotations by the supervisor are always seen. Values
// never leave the process except in the Authorization/x-api-key header to their provider. Thread-safe.
#pragma once

#include <chrono>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <string>

#include "supervisor/proxy/proxy_server.h"
#include "supervisor/vault/vault.h"

namespace clawhive::proxy {

class VaultKeys : public KeySource {
 public:
  using Opener = std::function<Result<std::unique_ptr<Vault>>()>;
  explicit VaultKeys(Opener open, std::chrono::seconds ttl = std::chrono::seconds(30))
      : open_(std::move(open)), ttl_(ttl) {}
  Result<std::string> Key(const std::string& secret_name) override;

 private:
  Opener open_;
  std::chrono::seconds ttl_;
  std::mutex mu_;
  struct Entry {
    std::string value;
    std::chrono::steady_clock::time_point at;
  };
  std::map<std::string, Entry> cache_;  // guarded by mu_
};

}  // namespace clawhive::proxy
