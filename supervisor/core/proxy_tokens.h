// ProxyTokens: each tenant's token for the metering proxy. Issued in the ledger (hash + the tenant's
// uid) and stored as the tenant secret CLAWHIVE_PROXY_TOKEN, so it reaches the agent like its other
// secrets (its environment at start) and nowhere else. Removed with the tenant.
//
// The ledger is shared with the proxy, whose writes a ledger write may wait for (up to its busy
// timeout): those writes (Issue, Remove) run on the supervisor's worker; what touches the vault (Keep,
// Ensure) on the loop thread, which owns it.
#pragma once

#include <set>
#include <string>

#include "supervisor/common/result.h"
#include "supervisor/meter/ledger.h"
#include "supervisor/tenant/tenant.h"
#include "supervisor/vault/vault.h"

namespace clawhive {

inline constexpr const char* kProxyTokenSecret = "CLAWHIVE_PROXY_TOKEN";

class ProxyTokens {
 public:
  ProxyTokens(Vault& vault, meter::Ledger& ledger) : vault_(vault), ledger_(ledger) {}

  // Any thread: a new token for the tenant in the ledger (replacing any older one); its text.
  Result<std::string> Issue(const Tenant& t, int64_t now_ms);
  // Loop thread: stores an issued token as the tenant's secret, current at once (nothing runs on an
  // older one: called before the tenant's first start).
  Status Keep(const std::string& tenant, std::string token);
  // Loop thread, before a start: issues a token if the tenant has none (made by an older version, or
  // the vault lost it). Remembers who has one, so a restart touches neither database.
  Status Ensure(const Tenant& t, int64_t now_ms);
  // Loop thread: forgets the tenant; then RemoveFromLedger on any thread.
  void Forget(const std::string& tenant) { ensured_.erase(tenant); }
  Status RemoveFromLedger(const std::string& tenant) { return ledger_.RemoveTenant(tenant); }

 private:
  Vault& vault_;
  meter::Ledger& ledger_;
  std::set<std::string> ensured_;  // tenants known to have a token; loop thread only
};

}  // namespace clawhive
