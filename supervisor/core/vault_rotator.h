// VaultRotator: KEK and data-key rotations on the calling thread (an API request's) over a vault
// connection of its own, so that the loop thread keeps detecting crashes and restarting agents while
// a rotation re-wraps thousands of data keys. The vault is made for several connections at once
// (sqlite_vault.h: writes serialize on SQLite's write lock, each batch re-reads its rows under it), as
// the supervisor and the delivery helper already use it.
//
// Thread-safe: one rotation at a time; others wait for it. Logs nothing (the caller does).
#pragma once

#include <memory>
#include <string>

#include "supervisor/common/result.h"
#include "supervisor/common/synchronized.h"
#include "supervisor/vault/vault.h"

namespace clawhive {

class VaultRotator {
 public:
  explicit VaultRotator(VaultOptions options) : options_(std::move(options)) {}

  // Returns when done, with the new KEK version in `kek_version`.
  Result<RotationInfo> RotateKek(uint32_t* kek_version);
  // The caller has checked the scope (a tenant that exists, or the platform).
  Result<RotationInfo> RotateDataKey(const std::string& tenant);

 private:
  // The connection, opened at the first rotation.
  Result<Vault*> Open(std::unique_ptr<Vault>& vault);

  const VaultOptions options_;
  Synchronized<std::unique_ptr<Vault>> vault_;
};

}  // namespace clawhive
