#include "installer/appliance_api.h"

#include "supervisor/common/json.h"
#include "supervisor/cmd/ctl/client.h"

namespace clawhive::installer {
namespace {

class HttpsApi : public ApplianceApi {
 public:
  explicit HttpsApi(ctl::ApiClient client) : client_(std::move(client)) {}

  Status Health() override {
    Result<ctl::HttpReply> r = client_.Send("GET", "/v1/health", nullptr);
    if (!r) return r.error();
    if (r->status != 200) return Error::Unavailable("GET /v1/health answered " + std::to_string(r->status));
    return Status::Ok();
  }

  Result<TenantState> Tenant(const std::string& id) override {
    Result<ctl::HttpReply> r = client_.Send("GET", "/v1/tenants/" + id, nullptr);
    if (!r) return r.error();
    if (r->status == 404) return TenantState{};
    if (r->status != 200) return Error::Unavailable("GET /v1/tenants/" + id + " answered " + std::to_string(r->status));
    Result<JsonValue> body = ParseJson(r->body);
    if (!body) return body.error();
    TenantState t{.exists = true};
    if (const JsonValue* p = body->Find("phase"); p && p->is_string()) t.state = p->string();
    if (const JsonValue* status = body->Find("status"); status && status->is_object()) {
      if (const JsonValue* h = status->Find("healthy")) t.healthy = h->boolean();
    }
    return t;
  }

  Status CreateTenant(const TenantAnswer& tenant) override {
    JsonValue body = JsonValue::Object();
    body.Set("id", JsonValue::String(tenant.id));
    if (!tenant.display_name.empty()) body.Set("display_name", JsonValue::String(tenant.display_name));
    JsonValue resources = JsonValue::Object();
    if (tenant.memory_max) resources.Set("memory_max", JsonValue::Unsigned(tenant.memory_max));
    if (tenant.memory_high) resources.Set("memory_high", JsonValue::Unsigned(tenant.memory_high));
    if (tenant.memory_max || tenant.memory_high) body.Set("resources", std::move(resources));
    std::string text = body.Serialize();
    Result<ctl::HttpReply> r = client_.Send("POST", "/v1/tenants", &text);
    if (!r) return r.error();
    if (r->status == 201 || r->status == 200) return Status::Ok();
    std::string message = r->body;
    if (Result<JsonValue> e = ParseJson(r->body); e) {
      const JsonValue* error = e->Find("error");
      const JsonValue* m = error ? error->Find("message") : nullptr;
      if (m && m->is_string()) message = m->string();
    }
    return Error::Invalid("creating tenant " + tenant.id + ": " + message);
  }

  Result<int64_t> TenantCount() override {
    Result<ctl::HttpReply> r = client_.Send("GET", "/v1/system", nullptr);
    if (!r) return r.error();
    if (r->status != 200) return int64_t{-1};
    Result<JsonValue> body = ParseJson(r->body);
    if (!body) return int64_t{-1};
    const JsonValue* tenants = body->Find("tenants");
    if (!tenants || !tenants->is_object()) return int64_t{-1};
    const JsonValue* total = tenants->Find("total");
    if (!total || !total->AsUnsigned()) return int64_t{-1};
    return static_cast<int64_t>(*total->AsUnsigned());
  }

 private:
  ctl::ApiClient client_;
};

}  // namespace

ApiFactory RealApiFactory() {
  return [](const std::string& url, const std::string& token,
            const std::string& fingerprint) -> Result<std::unique_ptr<ApplianceApi>> {
    Result<ctl::ApiClient> client = ctl::ApiClient::Create(url, token, fingerprint);
    if (!client) return client.error();
    return std::unique_ptr<ApplianceApi>(new HttpsApi(std::move(*client)));
  };
}

}  // namespace clawhive::installer
