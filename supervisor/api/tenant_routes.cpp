// Tenants, their incidents and usage, the host's status, metrics and the health check.
#include <algorithm>
#include <utility>
#include <vector>

#include "supervisor/api/control_ui_routes.h"
#include "supervisor/api/ingress.h"
#include "supervisor/api/webhook_gate.h"
#include "supervisor/api/metrics.h"
#include "supervisor/api/reply_json.h"
#include "supervisor/api/routes.h"
#include "supervisor/openclaw/runtime_service.h"
#include "supervisor/api/secret_routes.h"
#include "supervisor/api/tenant_json.h"
#include "supervisor/core/tenant_service.h"
#include "supervisor/meter/ledger.h"
#include "supervisor/tenant/tenant.h"

namespace clawhive::api {
namespace {

constexpr size_t kDefaultIncidentLimit = 100;
constexpr size_t kMaxIncidentLimit = 1000;

ApiReply TenantReply(int status, const Result<TenantStatus>& r) {
  if (!r) return ApiReply::Fail(r.error());
  return ApiReply::Json(status, TenantToJson(*r));
}

ApiReply IncidentsReply(const Result<std::vector<Incident>>& r) { return ListReply(r, "incidents", IncidentToJson); }

JsonValue UsageSampleToJson(const UsageSample& s) {
  JsonValue o = JsonValue::Object();
  o.Set("at_ms", JsonValue::Signed(s.at_ms))
      .Set("memory_bytes", JsonValue::Optional(s.memory_bytes))
      .Set("cpu_cores", JsonValue::Optional(s.cpu_cores))
      .Set("tasks", JsonValue::Optional(s.tasks));
  return o;
}

JsonValue UsageToJson(const UsageHistory& h) {
  JsonValue doc = JsonValue::Object();
  doc.Set("interval_ms", JsonValue::Unsigned(h.interval_ms)).Set("samples", JsonArray(h.samples, UsageSampleToJson));
  return doc;
}

JsonValue SystemToJson(const SystemStatus& s) {
  JsonValue memory = JsonValue::Object();
  memory.Set("physical", JsonValue::Unsigned(s.memory_physical))
      .Set("available", JsonValue::Unsigned(s.memory_available))
      .Set("committed", JsonValue::Unsigned(s.memory_committed));
  JsonValue cpu = JsonValue::Object();
  cpu.Set("cores", JsonValue::Unsigned(s.cpu_cores))
      .Set("committed", JsonValue::Number(s.cpu_committed))
      .Set("used", JsonValue::Optional(s.cpu_used));
  JsonValue by_phase = JsonValue::Object();
  for (const auto& [phase, n] : s.tenants_by_phase) by_phase.Set(phase, JsonValue::Unsigned(n));
  JsonValue tenants = JsonValue::Object();
  tenants.Set("total", JsonValue::Unsigned(s.tenants)).Set("by_phase", std::move(by_phase));
  JsonValue doc = JsonValue::Object();
  doc.Set("memory", std::move(memory))
      .Set("cpu", std::move(cpu))
      .Set("tenants", std::move(tenants))
      .Set("uptime_s", JsonValue::Signed(s.uptime_s));
  return doc;
}

}  // namespace

// An update touching the runtime or the OpenClaw settings is checked by OpenClaw first (seconds).
static Status CheckOpenClaw(RouteContext* x, TenantService& svc, const std::string& id, const TenantPatch& patch) {
  if (x->runtimes == nullptr || (!patch.runtime && !patch.openclaw)) return Status::Ok();
  Result<TenantStatus> current = svc.Get(id);
  if (!current) return current.error();
  return x->runtimes->CheckTenantConfig(id, current->tenant, patch);
}

void AddTenantRoutes(Router& r, RouteContext& ctx) {
  TenantService& svc = ctx.tenants;
  RouteContext* x = &ctx;
  r.Add({"GET", "/v1/health", Access::kPublic, BodyKind::kNone, {}, [](const ApiCall&) {
           JsonValue doc = JsonValue::Object();
           doc.Set("ok", JsonValue::Bool(true));
           return ApiReply::Json(200, doc);
         }});
  // Everyone signed in may list; each sees only the tenants they may read (an operator: all). Pages of
  // `limit` (default 100) in id order; `next` is the `after` of the following page (null at the end):
  // 1000 tenants in one answer are ~580 KB, which at 200 requests/s would be 115 MB/s of JSON and TLS.
  r.Add({"GET", "/v1/tenants", Access::kAuthenticated, BodyKind::kNone, {"limit", "after"}, [&svc](const ApiCall& c) {
           Result<size_t> limit = ParseLimit(c.Query("limit"), 100, 1000);
           if (!limit) return ApiReply::Fail(limit.error());
           const std::string* after = c.Query("after");
           Result<std::vector<TenantStatus>> list = svc.List();
           if (!list) return ApiReply::Fail(list.error());
           std::sort(list->begin(), list->end(),
                     [](const TenantStatus& a, const TenantStatus& b) { return a.tenant.id < b.tenant.id; });
           JsonValue tenants = JsonValue::Array();
           size_t shown = 0;
           std::string last;
           bool more = false;
           for (const TenantStatus& t : *list) {
             if (after != nullptr && t.tenant.id <= *after) continue;
             if (c.principal == nullptr || !c.principal->MayRead(t.tenant.id)) continue;
             if (shown == *limit) {
               more = true;
               break;
             }
             tenants.Push(TenantToJson(t));
             last = t.tenant.id;
             ++shown;
           }
           JsonValue doc = JsonValue::Object();
           doc.Set("tenants", std::move(tenants)).Set("next", more ? JsonValue::String(last) : JsonValue());
           return ApiReply::Json(200, doc);
         }});
  r.Add({"POST", "/v1/tenants", Access::kOperator, BodyKind::kJson, {}, [&svc, x](const ApiCall& c) {
           Result<TenantRequest> req = ParseTenantRequest(*c.body, TenantRequestKind::kCreate);
           if (!req) return ApiReply::Fail(req.error());
           if (x->runtimes) {
             if (Status s = ValidateTenantId(req->id); !s) return ApiReply::Fail(s.error());
             if (Status s = x->runtimes->CheckTenantConfig(req->id, std::nullopt, req->patch); !s)
               return ApiReply::Fail(s.error());
           }
           Result<TenantStatus> created = svc.Create(req->id, req->patch);
           ApiReply reply = TenantReply(201, created);
           reply.audit_tenant = req->id;
           if (created) reply.headers.emplace_back("Location", "/v1/tenants/" + created->tenant.id);
           return reply;
         }});
  auto get = [&svc](const ApiCall& c) { return TenantReply(200, svc.Get(c.params[0])); };
  r.Add({"GET", "/v1/tenants/{id}", Access::kTenantRead, BodyKind::kNone, {}, get});
  r.Add({"GET", "/v1/tenants/{id}/status", Access::kTenantRead, BodyKind::kNone, {}, get});
  r.Add({"PATCH", "/v1/tenants/{id}", Access::kOperator, BodyKind::kJson, {}, [&svc, x](const ApiCall& c) {
           Result<TenantRequest> req = ParseTenantRequest(*c.body, TenantRequestKind::kUpdate);
           if (!req) return ApiReply::Fail(req.error());
           if (Status s = CheckOpenClaw(x, svc, c.params[0], req->patch); !s) return ApiReply::Fail(s.error());
           return TenantReply(200, svc.Update(c.params[0], req->patch));
         }});
  // The tenant's own OpenClaw settings (model within the operator's list, heartbeat, channels): its
  // admins may change them; checked by OpenClaw before anything changes.
  r.Add({"PUT", "/v1/tenants/{id}/openclaw", Access::kTenantWrite, BodyKind::kJson, {}, [&svc, x](const ApiCall& c) {
           Result<OpenClawSettings> settings = DecodeOpenClawSettings(c.body->Serialize());
           if (!settings) return ApiReply::Fail(settings.error());
           TenantPatch patch;
           patch.openclaw = *settings;
           if (Status s = CheckOpenClaw(x, svc, c.params[0], patch); !s) return ApiReply::Fail(s.error());
           return TenantReply(200, svc.Update(c.params[0], patch));
         }});
  r.Add({"DELETE", "/v1/tenants/{id}", Access::kOperator, BodyKind::kNone, {"workspace"}, [&svc](const ApiCall& c) {
           const std::string* ws = c.Query("workspace");
           if (ws != nullptr && *ws != "keep" && *ws != "remove")
             return ApiReply::Fail(Error::Invalid("query parameter 'workspace' must be 'keep' or 'remove'"));
           bool remove = ws != nullptr && *ws == "remove";
           if (Status s = svc.Delete(c.params[0], remove); !s) return ApiReply::Fail(s.error());
           JsonValue doc = JsonValue::Object();
           doc.Set("id", JsonValue::String(c.params[0]))
               .Set("deleted", JsonValue::Bool(true))
               .Set("workspace", JsonValue::String(remove ? "removed" : "kept"));
           return ApiReply::Json(200, doc);
         }});
  r.Add({"POST", "/v1/tenants/{id}/start", Access::kOperator, BodyKind::kNone, {},
         [&svc](const ApiCall& c) { return TenantReply(200, svc.Start(c.params[0])); }});
  r.Add({"POST", "/v1/tenants/{id}/stop", Access::kOperator, BodyKind::kNone, {},
         [&svc](const ApiCall& c) { return TenantReply(200, svc.Stop(c.params[0])); }});
  r.Add({"POST", "/v1/tenants/{id}/restart", Access::kTenantWrite, BodyKind::kNone, {},
         [&svc](const ApiCall& c) { return TenantReply(200, svc.Restart(c.params[0])); }});
  r.Add({"GET", "/v1/tenants/{id}/incidents", Access::kTenantRead, BodyKind::kNone, {"limit"},
         [&svc](const ApiCall& c) {
           // TenantService::Incidents reads an empty tenant as "all tenants"; here it must be one.
           if (Status s = ValidateTenantId(c.params[0]); !s) return ApiReply::Fail(s.error());
           Result<size_t> limit = ParseLimit(c.Query("limit"), kDefaultIncidentLimit, kMaxIncidentLimit);
           if (!limit) return ApiReply::Fail(limit.error());
           return IncidentsReply(svc.Incidents(c.params[0], *limit));
         }});
  r.Add({"GET", "/v1/tenants/{id}/usage", Access::kTenantRead, BodyKind::kNone, {}, [&svc](const ApiCall& c) {
           if (Status s = ValidateTenantId(c.params[0]); !s) return ApiReply::Fail(s.error());
           Result<UsageHistory> h = svc.Usage(c.params[0]);
           if (!h) return ApiReply::Fail(h.error());
           return ApiReply::Json(200, UsageToJson(*h));
         }});
  r.Add({"GET", "/v1/incidents", Access::kOperator, BodyKind::kNone, {"limit"}, [&svc](const ApiCall& c) {
           Result<size_t> limit = ParseLimit(c.Query("limit"), kDefaultIncidentLimit, kMaxIncidentLimit);
           if (!limit) return ApiReply::Fail(limit.error());
           return IncidentsReply(svc.Incidents("", *limit));
         }});
  r.Add({"GET", "/v1/system", Access::kOperator, BodyKind::kNone, {}, [&svc](const ApiCall&) {
           Result<SystemStatus> s = svc.System();
           if (!s) return ApiReply::Fail(s.error());
           return ApiReply::Json(200, SystemToJson(*s));
         }});
  r.Add({"GET", "/metrics", Access::kOperator, BodyKind::kNone, {}, [&svc, &ctx](const ApiCall&) {
           Result<std::vector<TenantStatus>> list = svc.List();
           if (!list) return ApiReply::Fail(list.error());
           ApiReply reply;
           reply.content_type = kMetricsContentType;
           reply.body = RenderMetrics(*list);
           if (ctx.ledger != nullptr) {
             if (auto totals = ctx.ledger->AllTotals(ctx.now_ms())) reply.body += RenderMeterMetrics(*totals);
             if (auto bytes = ctx.ledger->EgressTotals("", meter::PeriodStart(meter::Period::kMonthly, ctx.now_ms()),
                                                      ctx.now_ms() + 1))
               reply.body += RenderEgressMetrics(*bytes);
           }
           std::vector<std::string> ids;
           for (const TenantStatus& t : *list) ids.push_back(t.tenant.id);
           std::sort(ids.begin(), ids.end());
           if (ctx.ingress != nullptr) reply.body += ctx.ingress->RenderMetrics(ids);
           if (ctx.webhooks != nullptr) reply.body += ctx.webhooks->RenderMetrics(ids);
           return reply;
         }});
}

void AddAllRoutes(Router& r, RouteContext& ctx) {
  AddConsoleRoutes(r, ctx);
  AddSessionRoutes(r, ctx);
  AddTenantRoutes(r, ctx);
  AddSecretRoutes(r, ctx.secrets);
  AddIdentityRoutes(r, ctx);
  AddAuditRoutes(r, ctx);
  AddMeterRoutes(r, ctx);
  AddRuntimeRoutes(r, ctx);
  AddChatRoutes(r, ctx);
  AddWebhookRoutes(r, ctx);
  AddEgressRoutes(r, ctx);
  AddControlUiRoutes(r, ctx);
}

}  // namespace clawhive::api
