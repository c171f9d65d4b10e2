#include "supervisor/egress/ledger_book.h"

namespace clawhive::egress {

std::string EncodePolicy(const TenantEgress& t) { return ToJson(t).Serialize(); }

Result<TenantEgress> DecodePolicy(const std::string& json) {
  Result<JsonValue> parsed = ParseJson(json);
  if (!parsed) return Error::Invalid("stored egress policy: " + parsed.error().message);
  return TenantEgressFromJson(*parsed);
}

Result<std::optional<std::string>> LedgerBook::TenantOfUid(uint32_t uid) { return ledger_.TenantOfUid(uid); }

Result<TenantEgress> LedgerBook::PolicyOf(const std::string& tenant) {
  Result<std::optional<std::string>> row = ledger_.EgressPolicy(tenant);
  if (!row) return row.error();
  if (!*row) return TenantEgress{};
  return DecodePolicy(**row);
}

void LedgerBook::Record(const std::string& tenant, const EgressCounts& d) {
  meter::EgressUsage u;
  u.bytes_out = static_cast<int64_t>(d.bytes_out);
  u.bytes_in = static_cast<int64_t>(d.bytes_in);
  u.tunnels = static_cast<int64_t>(d.tunnels);
  u.refused = static_cast<int64_t>(d.refused);
  if (Status s = ledger_.AddEgress(tenant, now_ms_(), u); !s) ++failures_;
}

}  // namespace clawhive::egress
