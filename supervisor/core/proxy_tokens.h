// ProxyTokens: each tenant's token for the metering proxy. Issued in the ledger (hash + the tenant's
// uid) and stored as the tenant secret CLAWHIVE_PROXY_TOKEN, so it reaches the agent like its other
// secrets (its environment at start) and nowhere else. Removed with the tenant.
//
// Runs on the supervisor's loop thread (it uses the vault, which that thread owns).
#pragma once

#include <string>

#include "supervisor/common/result.h"
#include "supervisor/meter/ledger.h"
#include "supervisor/store/store.h"
#include "supervisor/vault/vault.h"

namespace clawhive {

inline constexpr const char* kProxyTokenSecret = "CLAWHIVE_PROXY_TOKEN";

class ProxyTokens {
 public:
  ProxyTokens(Vault& vault, meter::Ledger& ledger, Store& store) : vault_(vault), ledger_(ledger), store_(store) {}
  // Before a start: issues the tenant's token if it has none (or the vault lost it).
  Status Ensure(const std::string& tenant, int64_t now_ms);
  Status Remove(const std::string& tenant);

 private:
  Vault& vault_;
  meter::Ledger& ledger_;
  Store& store_;
};

}  // namespace clawhive
