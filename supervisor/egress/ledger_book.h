// LedgerBook: the egress proxy's EgressBook over meter.db (meter::Ledger). The tenant of a uid comes
// from its proxy-token row (the supervisor issues it with the uid before the tenant's first start);
// the policy is the JSON the supervisor stored (PUT /v1/tenants/{id}/egress), read at every CONNECT;
// bytes go to the day's counters. A failed write is counted in write_failures() (the top logs it); a
// tunnel is never cut for it. Thread-safe (the Ledger is).
#pragma once

#include <atomic>
#include <functional>

#include "supervisor/egress/egress_server.h"
#include "supervisor/meter/ledger.h"

namespace clawhive::egress {

class LedgerBook : public EgressBook {
 public:
  // `now_ms`: wall clock, unix ms.
  LedgerBook(meter::Ledger& ledger, std::function<int64_t()> now_ms) : ledger_(ledger), now_ms_(std::move(now_ms)) {}
  Result<std::optional<std::string>> TenantOfUid(uint32_t uid) override;
  Result<TenantEgress> PolicyOf(const std::string& tenant) override;
  void Record(const std::string& tenant, const EgressCounts& delta) override;
  uint64_t write_failures() const { return failures_; }

 private:
  meter::Ledger& ledger_;
  std::function<int64_t()> now_ms_;
  std::atomic<uint64_t> failures_{0};
};

// The stored form of a tenant's list, and back (kInvalidArgument for a malformed row).
std::string EncodePolicy(const TenantEgress& t);
Result<TenantEgress> DecodePolicy(const std::string& json);

}  // namespace clawhive::egress
