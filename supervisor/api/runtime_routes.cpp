// OpenClaw runtime images, fleet updates and a tenant's gateway (docs/openclaw.md).
#include "supervisor/api/body.h"
#include "supervisor/api/reply_json.h"
#include "supervisor/api/routes.h"
#include "supervisor/openclaw/runtime_service.h"
#include "supervisor/tenant/tenant.h"

namespace clawhive::api {
namespace {

constexpr char kNoRuntimes[] = "OpenClaw runtime images are not available";

ApiReply NoRuntimes() { return ApiReply::Fail(Error::Unavailable(kNoRuntimes)); }

// A tenant's runtime routes: runtime images are available and the path's tenant id is valid.
Status CheckTenantRuntime(const RouteContext& x, const std::string& tenant) {
  if (x.runtimes == nullptr) return Error::Unavailable(kNoRuntimes);
  return ValidateTenantId(tenant);
}

JsonValue PersonaFileJson(const std::pair<std::string, std::string>& file) {
  JsonValue f = JsonValue::Object();
  f.Set("name", JsonValue::String(file.first)).Set("content", JsonValue::String(file.second));
  return f;
}

JsonValue ImageJson(const ImageView& i, const std::string& target) {
  JsonValue o = JsonValue::Object();
  o.Set("id", JsonValue::String(i.id))
      .Set("name", JsonValue::String(i.name))
      .Set("version", JsonValue::String(i.version))
      .Set("node_version", JsonValue::String(i.node_version))
      .Set("content_sha256", JsonValue::String(i.content_sha256))
      .Set("built_at", JsonValue::String(i.built_at))
      .Set("disk_bytes", JsonValue::Unsigned(i.disk_bytes))
      .Set("used_by", JsonStrings(i.used_by))
      .Set("target", JsonValue::Bool(!target.empty() && i.id == target))
      .Set("problem", i.problem.empty() ? JsonValue() : JsonValue::String(i.problem));
  return o;
}

JsonValue UpdateJson(const FleetUpdate& u) {
  Result<JsonValue> doc = ParseJson(EncodeFleetUpdate(u));
  return doc ? *doc : JsonValue::Object();
}

ApiReply StartUpdate(RuntimeService& rs, const ApiCall& c) {
  Result<BodyReader> body = BodyReader::Of(c.body, {"target", "canaries", "wave_size"});
  if (!body) return ApiReply::Fail(body.error());
  FleetRequest req;
  auto target = body->String("target", true, 128);
  if (!target) return ApiReply::Fail(target.error());
  req.target = **target;
  auto wave = body->Integer("wave_size", false, 1, 1000);
  if (!wave) return ApiReply::Fail(wave.error());
  if (*wave) req.wave_size = static_cast<uint32_t>(**wave);
  if (const JsonValue* canaries = c.body->Find("canaries")) {
    if (!canaries->is_array() || canaries->items().size() > 100)
      return ApiReply::Fail(Error::Invalid("field 'canaries' must be a list of at most 100 tenant ids"));
    for (const JsonValue& v : canaries->items()) {
      if (!v.is_string()) return ApiReply::Fail(Error::Invalid("field 'canaries' must hold tenant ids (strings)"));
      if (Status s = ValidateTenantId(v.string()); !s) return ApiReply::Fail(s.error());
      req.canaries.push_back(v.string());
    }
  }
  Result<FleetUpdate> u = rs.StartUpdate(req);
  if (!u) return ApiReply::Fail(u.error());
  return ApiReply::Json(202, UpdateJson(*u));
}

}  // namespace

void AddRuntimeRoutes(Router& r, RouteContext& ctx) {
  RouteContext* x = &ctx;
  r.Add({"GET", "/v1/images", Access::kOperator, BodyKind::kNone, {}, [x](const ApiCall&) {
           if (x->runtimes == nullptr) return NoRuntimes();
           auto images = x->runtimes->Images();
           if (!images) return ApiReply::Fail(images.error());
           std::string target = x->runtimes->Target();
           JsonValue doc = JsonValue::Object();
           doc.Set("images", JsonArray(*images, [&](const ImageView& i) { return ImageJson(i, target); }))
               .Set("target", JsonValue::String(target));
           return ApiReply::Json(200, doc);
         }});
  r.Add({"POST", "/v1/images", Access::kOperator, BodyKind::kJson, {}, [x](const ApiCall& c) {
           if (x->runtimes == nullptr) return NoRuntimes();
           Result<BodyReader> body = BodyReader::Of(c.body, {"path", "sha256"});
           if (!body) return ApiReply::Fail(body.error());
           auto path = body->String("path", true, 4096);
           if (!path) return ApiReply::Fail(path.error());
           auto sha = body->String("sha256", false, 64);
           if (!sha) return ApiReply::Fail(sha.error());
           auto image = x->runtimes->Import(**path, sha->value_or(""));
           if (!image) return ApiReply::Fail(image.error());
           return ApiReply::Json(201, ImageJson(*image, x->runtimes->Target()));
         }});
  r.Add({"DELETE", "/v1/images/{id}", Access::kOperator, BodyKind::kNone, {}, [x](const ApiCall& c) {
           if (x->runtimes == nullptr) return NoRuntimes();
           if (Status s = x->runtimes->Remove(c.params[0]); !s) return ApiReply::Fail(s.error());
           JsonValue doc = JsonValue::Object();
           doc.Set("id", JsonValue::String(c.params[0])).Set("deleted", JsonValue::Bool(true));
           return ApiReply::Json(200, doc);
         }});
  r.Add({"POST", "/v1/fleet/updates", Access::kOperator, BodyKind::kJson, {}, [x](const ApiCall& c) {
           if (x->runtimes == nullptr) return NoRuntimes();
           return StartUpdate(*x->runtimes, c);
         }});
  r.Add({"GET", "/v1/fleet/updates", Access::kOperator, BodyKind::kNone, {"limit"}, [x](const ApiCall& c) {
           if (x->runtimes == nullptr) return NoRuntimes();
           Result<size_t> limit = ParseLimit(c.Query("limit"), 20, 200);
           if (!limit) return ApiReply::Fail(limit.error());
           auto updates = x->runtimes->Updates(*limit);
           if (!updates) return ApiReply::Fail(updates.error());
           JsonValue doc = JsonValue::Object();
           doc.Set("updates", JsonArray(*updates, UpdateJson)).Set("target", JsonValue::String(x->runtimes->Target()));
           return ApiReply::Json(200, doc);
         }});
  r.Add({"GET", "/v1/fleet/updates/{id}", Access::kOperator, BodyKind::kNone, {}, [x](const ApiCall& c) {
           if (x->runtimes == nullptr) return NoRuntimes();
           const std::string& text = c.params[0];
           if (text.empty() || text.size() > 18 || text.find_first_not_of("0123456789") != std::string::npos)
             return ApiReply::Fail(Error::NotFound("no fleet update '" + Printable(text) + "'"));
           auto u = x->runtimes->Update(std::stoll(text));
           if (!u) return ApiReply::Fail(u.error());
           return ApiReply::Json(200, UpdateJson(*u));
         }});
  r.Add({"GET", "/v1/tenants/{id}/persona", Access::kTenantRead, BodyKind::kNone, {}, [x](const ApiCall& c) {
           if (Status s = CheckTenantRuntime(*x, c.params[0]); !s) return ApiReply::Fail(s.error());
           return ListReply(x->runtimes->Persona(c.params[0]), "files", PersonaFileJson);
         }});
  r.Add({"PUT", "/v1/tenants/{id}/persona/{file}", Access::kTenantWrite, BodyKind::kJson, {}, [x](const ApiCall& c) {
           if (Status s = CheckTenantRuntime(*x, c.params[0]); !s) return ApiReply::Fail(s.error());
           Result<BodyReader> body = BodyReader::Of(c.body, {"content"});
           if (!body) return ApiReply::Fail(body.error());
           auto content = body->String("content", true, 64 * 1024);
           if (!content) return ApiReply::Fail(content.error());
           if (Status s = x->runtimes->PutPersona(c.params[0], c.params[1], **content); !s) return ApiReply::Fail(s.error());
           JsonValue doc = JsonValue::Object();
           doc.Set("name", JsonValue::String(c.params[1])).Set("bytes", JsonValue::Unsigned((*content)->size()));
           return ApiReply::Json(200, doc);
         }});
  r.Add({"POST", "/v1/tenants/{id}/gateway-token", Access::kTenantWrite, BodyKind::kNone, {}, [x](const ApiCall& c) {
           if (Status s = CheckTenantRuntime(*x, c.params[0]); !s) return ApiReply::Fail(s.error());
           auto g = x->runtimes->Gateway(c.params[0]);
           if (!g) return ApiReply::Fail(g.error());
           JsonValue doc = JsonValue::Object();
           doc.Set("socket", JsonValue::String(g->socket)).Set("token", JsonValue::String(g->token));
           return ApiReply::Json(200, doc);
         }});
}

}  // namespace clawhive::api
