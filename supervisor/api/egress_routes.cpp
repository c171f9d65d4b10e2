// A tenant's egress allow list (docs/egress.md): what its agent may reach through the egress proxy, and
// the bytes it moved this month. Stored in meter.db, where the proxy reads it at every CONNECT, so a
// change holds for the next tunnel without any restart.
//
//   GET /v1/tenants/{id}/egress   tenant-read: the tenant's list, what the operator allows everyone and
//                                 offers tenant admins, the presets, this month's bytes (?period=YYYY-MM)
//   PUT /v1/tenants/{id}/egress   tenant-write: replaces the list. An operator may set anything well
//                                 formed; a tenant admin only presets in egress.presets and hosts within
//                                 egress.tenant_allow, never address blocks (409 says what is beyond).

#include "supervisor/api/month_query.h"
#include "supervisor/api/reply_json.h"
#include "supervisor/api/routes.h"
#include "supervisor/core/tenant_service.h"
#include "supervisor/egress/ledger_book.h"
#include "supervisor/egress/policy.h"
#include "supervisor/meter/ledger.h"
#include "supervisor/tenant/tenant.h"

namespace clawhive::api {
namespace {

constexpr char kNoLedger[] = "metering is not available";

Status CheckTenant(const RouteContext& x, const std::string& tenant) {
  if (x.ledger == nullptr) return Error::Unavailable(kNoLedger);
  if (Status s = ValidateTenantId(tenant); !s) return s;
  if (auto t = x.tenants.Get(tenant); !t) return t.error();
  return Status::Ok();
}

Result<egress::TenantEgress> Current(meter::Ledger& ledger, const std::string& tenant) {
  Result<std::optional<std::string>> row = ledger.EgressPolicy(tenant);
  if (!row) return row.error();
  if (!*row) return egress::TenantEgress{};
  return egress::DecodePolicy(**row);
}

JsonValue OperatorJson(const egress::OperatorEgress& op) {
  JsonValue o = JsonValue::Object();
  o.Set("allow", JsonStrings(op.allow))
      .Set("allow_cidrs", JsonStrings(op.allow_cidrs))
      .Set("presets", JsonStrings(op.presets))
      .Set("tenant_allow", JsonStrings(op.tenant_allow));
  return o;
}

JsonValue PresetsJson() {
  return JsonArray(egress::Presets(), [](const egress::Preset& p) {
    JsonValue o = JsonValue::Object();
    o.Set("name", JsonValue::String(p.name)).Set("what", JsonValue::String(p.what)).Set("hosts", JsonStrings(p.rules));
    return o;
  });
}

ApiReply Document(const RouteContext& x, const std::string& tenant, const egress::TenantEgress& t,
                  const std::string* period) {
  Result<std::pair<int64_t, int64_t>> month = MonthQuery(period, x.now_ms());
  if (!month) return ApiReply::Fail(month.error());
  Result<std::vector<meter::EgressUsage>> used = x.ledger->EgressTotals(tenant, month->first, month->second);
  if (!used) return ApiReply::Fail(used.error());
  meter::EgressUsage u = used->empty() ? meter::EgressUsage{} : used->front();
  JsonValue usage = JsonValue::Object();
  usage.Set("period", JsonValue::String(meter::PeriodLabel(meter::Period::kMonthly, month->first)))
      .Set("bytes_out", JsonValue::Signed(u.bytes_out))
      .Set("bytes_in", JsonValue::Signed(u.bytes_in))
      .Set("tunnels", JsonValue::Signed(u.tunnels))
      .Set("refused", JsonValue::Signed(u.refused));
  JsonValue doc = egress::ToJson(t);
  doc.Set("enabled", JsonValue::Bool(x.egress_enabled))
      .Set("operator", OperatorJson(x.egress))
      .Set("available_presets", PresetsJson())
      .Set("usage", std::move(usage));
  return ApiReply::Json(200, doc);
}

ApiReply Put(const RouteContext& x, const ApiCall& c) {
  const std::string& tenant = c.params[0];
  Result<egress::TenantEgress> wanted = egress::TenantEgressFromJson(*c.body);
  if (!wanted) return ApiReply::Fail(wanted.error());
  Result<egress::TenantEgress> now = Current(*x.ledger, tenant);
  if (!now) return ApiReply::Fail(now.error());
  bool op = c.principal != nullptr && c.principal->IsOperator();
  Status ok = op ? egress::Validate(*wanted) : egress::CheckTenantAdminChange(*wanted, *now, x.egress);
  if (!ok) return ApiReply::Fail(ok.error());
  if (Status s = x.ledger->SetEgressPolicy(tenant, egress::EncodePolicy(*wanted)); !s) return ApiReply::Fail(s.error());
  return Document(x, tenant, *wanted, nullptr);
}

}  // namespace

void AddEgressRoutes(Router& r, RouteContext& ctx) {
  RouteContext* x = &ctx;
  r.Add({"GET", "/v1/tenants/{id}/egress", Access::kTenantRead, BodyKind::kNone, {"period"}, [x](const ApiCall& c) {
           if (Status s = CheckTenant(*x, c.params[0]); !s) return ApiReply::Fail(s.error());
           Result<egress::TenantEgress> t = Current(*x->ledger, c.params[0]);
           if (!t) return ApiReply::Fail(t.error());
           return Document(*x, c.params[0], *t, c.Query("period"));
         }});
  r.Add({"PUT", "/v1/tenants/{id}/egress", Access::kTenantWrite, BodyKind::kJson, {}, [x](const ApiCall& c) {
           if (Status s = CheckTenant(*x, c.params[0]); !s) return ApiReply::Fail(s.error());
           return Put(*x, c);
         }});
}

}  // namespace clawhive::api
