// Budgets, model usage and billing (the metering proxy's books, meter.db) and the installation's model
// providers. Money in the API is a decimal string in the installation's currency ("25.00").
#include <utility>

#include "supervisor/api/billing_export.h"
#include "supervisor/api/body.h"
#include "supervisor/api/month_query.h"
#include "supervisor/api/reply_json.h"
#include "supervisor/api/routes.h"
#include "supervisor/core/tenant_service.h"
#include "supervisor/meter/ledger.h"
#include "supervisor/tenant/tenant.h"

namespace clawhive::api {
namespace {

using meter::Ledger;

constexpr char kNoLedger[] = "metering is not available";

ApiReply NoLedger() { return ApiReply::Fail(Error::Unavailable(kNoLedger)); }

// A tenant's metering routes: metering is available, and the path's tenant is valid and exists.
Status CheckTenantLedger(const RouteContext& x, const std::string& tenant) {
  if (x.ledger == nullptr) return Error::Unavailable(kNoLedger);
  if (Status s = ValidateTenantId(tenant); !s) return s;
  if (auto t = x.tenants.Get(tenant); !t) return t.error();
  return Status::Ok();
}

JsonValue Money(int64_t micros) { return JsonValue::String(meter::FormatMoney(micros)); }

JsonValue BudgetJson(const meter::Budget& b, const meter::Totals& t) {
  JsonValue warn = JsonValue::Array();
  for (int p : b.warn_percent) warn.Push(JsonValue::Unsigned(static_cast<uint64_t>(p)));
  JsonValue o = JsonValue::Object();
  o.Set("limit", b.limit_micros != meter::kNoLimit ? Money(b.limit_micros) : JsonValue())
      .Set("period", JsonValue::String(meter::ToString(b.period)))
      .Set("warn_percent", std::move(warn))
      .Set("rpm", JsonValue::Unsigned(b.rpm))
      .Set("tpm", JsonValue::Unsigned(b.tpm))
      .Set("fallback_model", JsonValue::String(b.fallback_model))
      .Set("providers", JsonStrings(b.providers))
      .Set("current_period", JsonValue::String(t.period))
      .Set("spent", Money(t.spent_micros))
      .Set("reserved", Money(t.reserved_micros))
      .Set("requests", JsonValue::Signed(t.requests))
      .Set("prompt_tokens", JsonValue::Signed(t.prompt_tokens))
      .Set("completion_tokens", JsonValue::Signed(t.completion_tokens));
  return o;
}

const char* FormatOf(const ApiCall& c, Status* bad) {
  const std::string* f = c.Query("format");
  if (f == nullptr || *f == "json") return "json";
  if (*f == "csv") return "csv";
  *bad = Error::Invalid("query parameter 'format' must be 'json' or 'csv'");
  return "";
}

ApiReply Download(std::string body, const std::string& type, const std::string& filename) {
  ApiReply r;
  r.content_type = type;
  r.body = std::move(body);
  r.headers.emplace_back("Content-Disposition", "attachment; filename=\"" + filename + "\"");
  return r;
}

ApiReply BillingReply(Ledger& ledger, const ApiCall& c, const std::string& tenant, int64_t now_ms) {
  Result<std::pair<int64_t, int64_t>> month = MonthQuery(c.Query("period"), now_ms);
  if (!month) return ApiReply::Fail(month.error());
  Status bad;
  std::string format = FormatOf(c, &bad);
  if (!bad) return ApiReply::Fail(bad.error());
  BillingExport e;
  e.period = meter::PeriodLabel(meter::Period::kMonthly, month->first);
  Result<std::vector<meter::BillingLine>> lines = ledger.Billing(tenant, month->first, month->second);
  if (!lines) return ApiReply::Fail(lines.error());
  e.lines = std::move(*lines);
  Result<std::vector<meter::EgressUsage>> egress = ledger.EgressTotals(tenant, month->first, month->second);
  if (!egress) return ApiReply::Fail(egress.error());
  e.egress = std::move(*egress);
  if (format == "csv") return Download(BillingCsv(e), "text/csv; charset=utf-8", "clawhive-billing-" + e.period + ".csv");
  ApiReply reply = ApiReply::Json(200, BillingJson(e));
  if (c.Query("format") != nullptr)
    reply.headers.emplace_back("Content-Disposition", "attachment; filename=\"clawhive-billing-" + e.period + ".json\"");
  return reply;
}

Result<std::vector<std::string>> StringList(const JsonValue* v, const std::string& field, size_t max) {
  std::vector<std::string> out;
  if (v == nullptr || v->is_null()) return out;
  if (!v->is_array() || v->items().size() > max) return Error::Invalid(field + ": a list of at most " + std::to_string(max) + " strings");
  for (const JsonValue& i : v->items()) {
    if (!i.is_string() || i.string().empty() || i.string().size() > 128) return Error::Invalid(field + ": a list of names");
    out.push_back(i.string());
  }
  return out;
}

ApiReply PutBudget(Ledger& ledger, const ApiCall& c, int64_t now_ms) {
  Result<BodyReader> body = BodyReader::Of(c.body, {"limit", "period", "warn_percent", "rpm", "tpm", "fallback_model", "providers"});
  if (!body) return ApiReply::Fail(body.error());
  Result<meter::Budget> current = ledger.GetBudget(c.params[0]);
  if (!current) return ApiReply::Fail(current.error());
  meter::Budget b = *current;
  if (auto limit = body->String("limit", false, 32); !limit) return ApiReply::Fail(limit.error());
  else if (limit->has_value()) {
    if ((*limit)->empty()) b.limit_micros = meter::kNoLimit;
    else if (Result<int64_t> m = meter::ParseMoney(**limit); !m) return ApiReply::Fail(Error::Invalid("limit: " + m.error().message));
    else b.limit_micros = *m;
  }
  if (auto period = body->String("period", false, 16); !period) return ApiReply::Fail(period.error());
  else if (period->has_value()) {
    std::optional<meter::Period> p = meter::ParsePeriod(**period);
    if (!p) return ApiReply::Fail(Error::Invalid("period: 'monthly', 'weekly' or 'daily'"));
    b.period = *p;
  }
  if (const JsonValue* w = c.body->Find("warn_percent")) {
    if (!w->is_array() || w->items().size() > 5) return ApiReply::Fail(Error::Invalid("warn_percent: a list of up to 5 percentages"));
    b.warn_percent.clear();
    for (const JsonValue& p : w->items()) {
      std::optional<uint64_t> u = p.AsUnsigned();
      if (!u || *u < 1 || *u > 99) return ApiReply::Fail(Error::Invalid("warn_percent: percentages from 1 to 99"));
      b.warn_percent.push_back(static_cast<int>(*u));
    }
  }
  if (auto rpm = body->Integer("rpm", false, 0, 1000000); !rpm) return ApiReply::Fail(rpm.error());
  else if (rpm->has_value()) b.rpm = static_cast<uint32_t>(**rpm);
  if (auto tpm = body->Integer("tpm", false, 0, int64_t{1} << 40); !tpm) return ApiReply::Fail(tpm.error());
  else if (tpm->has_value()) b.tpm = static_cast<uint64_t>(**tpm);
  if (auto fb = body->String("fallback_model", false, 128); !fb) return ApiReply::Fail(fb.error());
  else if (fb->has_value()) b.fallback_model = **fb;
  if (c.body->Find("providers") != nullptr) {
    Result<std::vector<std::string>> ps = StringList(c.body->Find("providers"), "providers", 64);
    if (!ps) return ApiReply::Fail(ps.error());
    b.providers = *ps;
  }
  if (Status s = ledger.SetBudget(c.params[0], b); !s) return ApiReply::Fail(s.error());
  Result<meter::Totals> t = ledger.TotalsFor(c.params[0], now_ms);
  if (!t) return ApiReply::Fail(t.error());
  return ApiReply::Json(200, BudgetJson(b, *t));
}

JsonValue ProviderJson(const meter::Provider& p) {
  JsonValue models = JsonValue::Array();
  for (const auto& m : p.models) {
    JsonValue o = JsonValue::Object();
    o.Set("name", JsonValue::String(m.name))
        .Set("input_per_million", JsonValue::String(meter::FormatExact(m.in_per_million)))
        .Set("output_per_million", JsonValue::String(meter::FormatExact(m.out_per_million)))
        .Set("max_output_tokens", JsonValue::Signed(m.max_output_tokens));
    models.Push(std::move(o));
  }
  JsonValue o = JsonValue::Object();
  o.Set("name", JsonValue::String(p.name))
      .Set("kind", JsonValue::String(meter::ToString(p.kind)))
      .Set("base_url", JsonValue::String(p.base_url))
      .Set("key_secret", JsonValue::String(p.key_secret))
      .Set("models", std::move(models));
  return o;
}

ApiReply PutProvider(Ledger& ledger, const ApiCall& c) {
  Result<BodyReader> body = BodyReader::Of(c.body, {"kind", "base_url", "key_secret", "models"});
  if (!body) return ApiReply::Fail(body.error());
  meter::Provider p;
  p.name = c.params[0];
  auto kind = body->String("kind", true, 16);
  if (!kind) return ApiReply::Fail(kind.error());
  std::optional<meter::ApiKind> k = meter::ParseApiKind(**kind);
  if (!k) return ApiReply::Fail(Error::Invalid("kind: 'openai' or 'anthropic'"));
  p.kind = *k;
  auto url = body->String("base_url", true, 512);
  if (!url) return ApiReply::Fail(url.error());
  p.base_url = **url;
  auto secret = body->String("key_secret", true, 128);
  if (!secret) return ApiReply::Fail(secret.error());
  p.key_secret = **secret;
  const JsonValue* models = c.body->Find("models");
  if (models == nullptr || !models->is_array()) return ApiReply::Fail(Error::Invalid("models: a list of models"));
  for (const JsonValue& m : models->items()) {
    if (!m.is_object()) return ApiReply::Fail(Error::Invalid("models: each model is an object"));
    for (const auto& member : m.members())
      if (member.first != "name" && member.first != "input_per_million" && member.first != "output_per_million" &&
          member.first != "max_output_tokens")
        return ApiReply::Fail(Error::Invalid("models: unknown field '" + Printable(member.first, 32) + "'"));
    meter::ModelPrice mp;
    const JsonValue* name = m.Find("name");
    if (name == nullptr || !name->is_string()) return ApiReply::Fail(Error::Invalid("models: name is required"));
    mp.name = name->string();
    for (auto [field, out] : {std::pair{"input_per_million", &mp.in_per_million}, std::pair{"output_per_million", &mp.out_per_million}}) {
      const JsonValue* v = m.Find(field);
      if (v == nullptr || !v->is_string()) return ApiReply::Fail(Error::Invalid(std::string("models: ") + field + " is required (a price such as \"3.00\")"));
      Result<int64_t> money = meter::ParseMoney(v->string());
      if (!money) return ApiReply::Fail(Error::Invalid(std::string("models: ") + field + ": " + money.error().message));
      *out = *money;
    }
    if (const JsonValue* v = m.Find("max_output_tokens")) {
      std::optional<uint64_t> u = v->AsUnsigned();
      if (!u || *u < 1 || *u > 10000000) return ApiReply::Fail(Error::Invalid("models: max_output_tokens must be 1..10000000"));
      mp.max_output_tokens = static_cast<int64_t>(*u);
    }
    p.models.push_back(std::move(mp));
  }
  bool existed = false;
  if (auto ps = ledger.Providers())
    for (const auto& q : *ps) existed = existed || q.name == p.name;
  if (Status s = ledger.SetProvider(p); !s) return ApiReply::Fail(s.error());
  return ApiReply::Json(existed ? 200 : 201, ProviderJson(p));
}

}  // namespace

void AddMeterRoutes(Router& r, RouteContext& ctx) {
  RouteContext* x = &ctx;
  r.Add({"GET", "/v1/tenants/{id}/budget", Access::kTenantRead, BodyKind::kNone, {}, [x](const ApiCall& c) {
           if (Status s = CheckTenantLedger(*x, c.params[0]); !s) return ApiReply::Fail(s.error());
           Result<meter::Budget> b = x->ledger->GetBudget(c.params[0]);
           if (!b) return ApiReply::Fail(b.error());
           Result<meter::Totals> t = x->ledger->TotalsFor(c.params[0], x->now_ms());
           if (!t) return ApiReply::Fail(t.error());
           return ApiReply::Json(200, BudgetJson(*b, *t));
         }});
  r.Add({"PUT", "/v1/tenants/{id}/budget", Access::kOperator, BodyKind::kJson, {}, [x](const ApiCall& c) {
           if (Status s = CheckTenantLedger(*x, c.params[0]); !s) return ApiReply::Fail(s.error());
           return PutBudget(*x->ledger, c, x->now_ms());
         }});
  r.Add({"GET", "/v1/tenants/{id}/budget/events", Access::kTenantRead, BodyKind::kNone, {"limit"}, [x](const ApiCall& c) {
           if (Status s = CheckTenantLedger(*x, c.params[0]); !s) return ApiReply::Fail(s.error());
           Result<size_t> limit = ParseLimit(c.Query("limit"), 50, 1000);
           if (!limit) return ApiReply::Fail(limit.error());
           return ListReply(x->ledger->Events(c.params[0], *limit), "events", [](const auto& e) {
             JsonValue o = JsonValue::Object();
             o.Set("id", JsonValue::Signed(e.id)).Set("at_ms", JsonValue::Signed(e.at_ms))
                 .Set("kind", JsonValue::String(e.kind)).Set("detail", JsonValue::String(e.detail));
             return o;
           });
         }});
  r.Add({"GET", "/v1/tenants/{id}/model-usage", Access::kTenantRead, BodyKind::kNone, {"period", "format"},
         [x](const ApiCall& c) {
           if (Status s = CheckTenantLedger(*x, c.params[0]); !s) return ApiReply::Fail(s.error());
           return BillingReply(*x->ledger, c, c.params[0], x->now_ms());
         }});
  r.Add({"GET", "/v1/billing", Access::kOperator, BodyKind::kNone, {"period", "format"}, [x](const ApiCall& c) {
           if (x->ledger == nullptr) return NoLedger();
           return BillingReply(*x->ledger, c, "", x->now_ms());
         }});
  r.Add({"GET", "/v1/providers", Access::kOperator, BodyKind::kNone, {}, [x](const ApiCall&) {
           if (x->ledger == nullptr) return NoLedger();
           return ListReply(x->ledger->Providers(), "providers", ProviderJson);
         }});
  r.Add({"PUT", "/v1/providers/{name}", Access::kOperator, BodyKind::kJson, {}, [x](const ApiCall& c) {
           if (x->ledger == nullptr) return NoLedger();
           return PutProvider(*x->ledger, c);
         }});
  r.Add({"DELETE", "/v1/providers/{name}", Access::kOperator, BodyKind::kNone, {}, [x](const ApiCall& c) {
           if (x->ledger == nullptr) return NoLedger();
           if (Status s = x->ledger->DeleteProvider(c.params[0]); !s) return ApiReply::Fail(s.error());
           JsonValue doc = JsonValue::Object();
           doc.Set("name", JsonValue::String(c.params[0])).Set("deleted", JsonValue::Bool(true));
           return ApiReply::Json(200, doc);
         }});
}

}  // namespace clawhive::api
