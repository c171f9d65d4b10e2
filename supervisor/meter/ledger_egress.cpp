// The Ledger's egress tables (migration 2 in ledger.cpp): the proxy reads a tenant's policy at each
// CONNECT (a primary-key lookup, no cache to invalidate, so a PUT through the API holds for the next
// tunnel) and adds bytes per UTC day.
#include "supervisor/meter/ledger.h"

namespace clawhive::meter {
namespace {

constexpr int64_t kDayMs = 86400000;

}  // namespace

Result<std::optional<std::string>> Ledger::TenantOfUid(uint32_t uid) {
  std::lock_guard<std::mutex> lock(mu_);
  Result<sqlite::CachedStatement> st = cache_.Get("SELECT tenant FROM tokens WHERE uid = ?1");
  if (!st) return st.error();
  if (Status s = (*st)->BindInt64(1, uid); !s) return s.error();
  Result<bool> row = (*st)->Step();
  if (!row) return row.error();
  if (!*row) return std::optional<std::string>();
  return std::optional<std::string>((*st)->ColumnText(0));
}

Status Ledger::SetEgressPolicy(const std::string& tenant, const std::string& json) {
  std::lock_guard<std::mutex> lock(mu_);
  Result<sqlite::CachedStatement> st = cache_.Get(
      "INSERT INTO egress_policies (tenant, policy) VALUES (?1, ?2) ON CONFLICT (tenant) DO UPDATE SET policy = ?2");
  if (!st) return st.error();
  if (Status s = (*st)->BindText(1, tenant); !s) return s;
  if (Status s = (*st)->BindText(2, json); !s) return s;
  return (*st)->Run();
}

Result<std::optional<std::string>> Ledger::EgressPolicy(const std::string& tenant) {
  std::lock_guard<std::mutex> lock(mu_);
  Result<sqlite::CachedStatement> st = cache_.Get("SELECT policy FROM egress_policies WHERE tenant = ?1");
  if (!st) return st.error();
  if (Status s = (*st)->BindText(1, tenant); !s) return s.error();
  Result<bool> row = (*st)->Step();
  if (!row) return row.error();
  if (!*row) return std::optional<std::string>();
  return std::optional<std::string>((*st)->ColumnText(0));
}

Status Ledger::AddEgress(const std::string& tenant, int64_t now_ms, const EgressUsage& d) {
  std::lock_guard<std::mutex> lock(mu_);
  Result<sqlite::CachedStatement> st = cache_.Get(
      "INSERT INTO egress_usage (tenant, day_ms, bytes_out, bytes_in, tunnels, refused) VALUES (?1, ?2, ?3, ?4, ?5, ?6) "
      "ON CONFLICT (tenant, day_ms) DO UPDATE SET bytes_out = bytes_out + ?3, bytes_in = bytes_in + ?4, "
      "tunnels = tunnels + ?5, refused = refused + ?6");
  if (!st) return st.error();
  const int64_t values[] = {now_ms - now_ms % kDayMs, d.bytes_out, d.bytes_in, d.tunnels, d.refused};
  if (Status s = (*st)->BindText(1, tenant); !s) return s;
  for (int i = 0; i < 5; ++i)
    if (Status s = (*st)->BindInt64(i + 2, values[i]); !s) return s;
  return (*st)->Run();
}

Result<std::vector<EgressUsage>> Ledger::EgressTotals(const std::string& tenant, int64_t from_ms, int64_t to_ms) {
  std::lock_guard<std::mutex> lock(mu_);
  Result<sqlite::CachedStatement> st = cache_.Get(
      "SELECT tenant, sum(bytes_out), sum(bytes_in), sum(tunnels), sum(refused) FROM egress_usage "
      "WHERE (?1 = '' OR tenant = ?1) AND day_ms >= ?2 AND day_ms < ?3 GROUP BY tenant ORDER BY tenant");
  if (!st) return st.error();
  if (Status s = (*st)->BindText(1, tenant); !s) return s.error();
  if (Status s = (*st)->BindInt64(2, from_ms - from_ms % kDayMs); !s) return s.error();
  if (Status s = (*st)->BindInt64(3, to_ms); !s) return s.error();
  std::vector<EgressUsage> out;
  Status read = (*st)->ForEachRow([&](const sqlite::Statement& r) {
    out.push_back({r.ColumnText(0), r.ColumnInt64(1), r.ColumnInt64(2), r.ColumnInt64(3), r.ColumnInt64(4)});
  });
  if (!read) return read.error();
  return out;
}

}  // namespace clawhive::meter
