#include "installer/appliance_api.h"

#include <algorithm>

#include "supervisor/common/json.h"
#include "supervisor/cmd/ctl/client.h"

namespace clawhive::installer {

Result<bool> ApplianceApi::HasPlatformSecret(const std::string&) {
  return Error::Unavailable("this API connection has no platform secrets");
}
Status ApplianceApi::PutPlatformSecret(const std::string&, const std::string&) {
  return Error::Unavailable("this API connection has no platform secrets");
}
Result<bool> ApplianceApi::HasProvider(const std::string&) {
  return Error::Unavailable("this API connection has no providers");
}
Status ApplianceApi::PutProvider(const ProviderAnswer&) { return Error::Unavailable("this API connection has no providers"); }

namespace {

// The API's error message from a refusal body ({"error":{"message":...}}), else the body.
std::string ErrorMessage(const std::string& reply) {
  if (Result<JsonValue> e = ParseJson(reply); e) {
    const JsonValue* error = e->Find("error");
    const JsonValue* m = error ? error->Find("message") : nullptr;
    if (m && m->is_string()) return m->string();
  }
  return reply.substr(0, 200);
}

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
    if (!tenant.agent_exec.empty()) {
      // Its own program, not the runtime image new tenants get by default.
      body.Set("agent", JsonValue::Object().Set("exec", JsonValue::String(tenant.agent_exec)));
      body.Set("runtime", JsonValue::Object().Set("image", JsonValue::String("")));
    }
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

  Result<bool> HasPlatformSecret(const std::string& name) override {
    Result<ctl::HttpReply> r = client_.Send("GET", "/v1/platform/secrets/" + name, nullptr);
    if (!r) return r.error();
    if (r->status == 404) return false;
    if (r->status != 200) return Error::Unavailable("GET /v1/platform/secrets/" + name + " answered " + std::to_string(r->status));
    return true;
  }

  Status PutPlatformSecret(const std::string& name, const std::string& value) override {
    std::string text = JsonValue::Object().Set("value", JsonValue::String(value)).Serialize();
    Result<ctl::HttpReply> r = client_.Send("PUT", "/v1/platform/secrets/" + name, &text);
    std::fill(text.begin(), text.end(), '\0');
    if (!r) return r.error();
    if (r->status == 200 || r->status == 201) return Status::Ok();
    return Error::Invalid("storing the platform secret " + name + ": " + ErrorMessage(r->body));
  }

  Result<bool> HasProvider(const std::string& name) override {
    Result<ctl::HttpReply> r = client_.Send("GET", "/v1/providers", nullptr);
    if (!r) return r.error();
    if (r->status != 200) return Error::Unavailable("GET /v1/providers answered " + std::to_string(r->status));
    Result<JsonValue> body = ParseJson(r->body);
    if (!body) return body.error();
    const JsonValue* list = body->Find("providers");
    if (!list || !list->is_array()) return false;
    for (const JsonValue& p : list->items()) {
      const JsonValue* n = p.Find("name");
      if (n && n->is_string() && n->string() == name) return true;
    }
    return false;
  }

  Status PutProvider(const ProviderAnswer& p) override {
    JsonValue models = JsonValue::Array();
    for (const ProviderModelAnswer& m : p.models)
      models.Push(JsonValue::Object()
                      .Set("name", JsonValue::String(m.name))
                      .Set("input_per_million", JsonValue::String(m.input_per_million))
                      .Set("output_per_million", JsonValue::String(m.output_per_million)));
    JsonValue body = JsonValue::Object();
    body.Set("kind", JsonValue::String(p.kind))
        .Set("base_url", JsonValue::String(p.base_url))
        .Set("key_secret", JsonValue::String(p.key_secret))
        .Set("models", std::move(models));
    std::string text = body.Serialize();
    Result<ctl::HttpReply> r = client_.Send("PUT", "/v1/providers/" + p.name, &text);
    if (!r) return r.error();
    if (r->status == 200 || r->status == 201) return Status::Ok();
    return Error::Invalid("creating provider " + p.name + ": " + ErrorMessage(r->body));
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
