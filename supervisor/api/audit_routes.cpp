// Browsing and exporting the audit log: the platform's (operators) and a tenant's own (its admins).
#include <utility>

#include "supervisor/api/reply_json.h"
#include "supervisor/api/routes.h"
#include "supervisor/audit/audit_log.h"
#include "supervisor/tenant/tenant.h"

namespace clawhive::api {
namespace {

JsonValue EntryJson(const audit::AuditEntry& e) {
  JsonValue o = JsonValue::Object();
  o.Set("id", JsonValue::Signed(e.id))
      .Set("at_ms", JsonValue::Signed(e.at_ms))
      .Set("actor", JsonValue::String(e.actor))
      .Set("role", JsonValue::String(e.role))
      .Set("tenant", JsonValue::String(e.tenant))
      .Set("action", JsonValue::String(e.action))
      .Set("target", JsonValue::String(e.target))
      .Set("address", JsonValue::String(e.address))
      .Set("status", JsonValue::Signed(e.status))
      .Set("result", JsonValue::String(e.result));
  return o;
}

ApiReply Browse(RouteContext& ctx, const ApiCall& c, const std::string& tenant_scope) {
  if (ctx.audit == nullptr) return ApiReply::Fail(Error::Unavailable("the audit log is not available"));
  audit::AuditQuery q;
  Result<size_t> limit = ParseLimit(c.Query("limit"), 100, 1000);
  if (!limit) return ApiReply::Fail(limit.error());
  q.limit = *limit;
  if (const std::string* before = c.Query("before")) {
    Result<size_t> b = ParseLimit(before, 0, size_t{1} << 53);
    if (!b) return ApiReply::Fail(Error::Invalid("query parameter 'before' must be an entry id (a positive integer)"));
    q.before_id = static_cast<int64_t>(*b);
  }
  q.tenant = tenant_scope;
  if (tenant_scope.empty()) {
    if (const std::string* t = c.Query("tenant")) {
      if (Status s = ValidateTenantId(*t); !s) return ApiReply::Fail(s.error());
      q.tenant = *t;
    }
  }
  const std::string* format = c.Query("format");
  if (format != nullptr && *format != "json" && *format != "csv")
    return ApiReply::Fail(Error::Invalid("query parameter 'format' must be 'json' or 'csv'"));
  Result<std::vector<audit::AuditEntry>> entries = ctx.audit->Query(q);
  if (!entries) return ApiReply::Fail(entries.error());
  if (format != nullptr && *format == "csv") {
    ApiReply reply;
    reply.content_type = "text/csv; charset=utf-8";
    reply.body = audit::ToCsv(*entries);
    reply.headers.emplace_back("Content-Disposition", "attachment; filename=\"clawhive-audit.csv\"");
    return reply;
  }
  ApiReply reply = ListReply(entries, "entries", EntryJson);
  if (format != nullptr)
    reply.headers.emplace_back("Content-Disposition", "attachment; filename=\"clawhive-audit.json\"");
  return reply;
}

}  // namespace

void AddAuditRoutes(Router& r, RouteContext& ctx) {
  RouteContext* x = &ctx;
  r.Add({"GET", "/v1/audit", Access::kOperator, BodyKind::kNone, {"limit", "before", "tenant", "format"},
         [x](const ApiCall& c) { return Browse(*x, c, ""); }});
  r.Add({"GET", "/v1/tenants/{id}/audit", Access::kTenantWrite, BodyKind::kNone, {"limit", "before", "format"},
         [x](const ApiCall& c) {
           if (Status s = ValidateTenantId(c.params[0]); !s) return ApiReply::Fail(s.error());
           return Browse(*x, c, c.params[0]);
         }});
}

}  // namespace clawhive::api
