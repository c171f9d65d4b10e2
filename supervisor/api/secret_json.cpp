#include "supervisor/api/secret_json.h"

#include <utility>

#include "supervisor/api/reply_json.h"
#include "supervisor/tenant/tenant.h"

namespace clawhive::api {

Status CheckSecretName(const std::string& name) {
  const std::string rule = " (expected [A-Z_][A-Z0-9_]*, at most " + std::to_string(kMaxSecretNameChars) + " characters)";
  if (name.empty()) return Error::Invalid("secret name is empty" + rule);
  if (name.size() > kMaxSecretNameChars)
    return Error::Invalid("secret name '" + Printable(name, 32) + "' is too long" + rule);
  for (size_t i = 0; i < name.size(); ++i) {
    char c = name[i];
    bool ok = (c >= 'A' && c <= 'Z') || c == '_' || (i > 0 && c >= '0' && c <= '9');
    if (!ok) return Error::Invalid("secret name '" + Printable(name, 32) + "' is not valid" + rule);
  }
  return Status::Ok();
}

Result<SecretValue> TakeSecretValue(JsonValue* body) {
  if (body == nullptr || !body->is_object())
    return Error::Invalid(std::string("request body must be a JSON object, got ") +
                          (body == nullptr ? "nothing" : body->kind_name()));
  // Take the value first, so that whatever is refused below is wiped by its SecretValue.
  JsonValue* field = body->Find("value");
  bool unknown = body->members().size() > (field != nullptr ? 1u : 0u);  // the reader refuses duplicate keys
  SecretValue value;
  if (field != nullptr && field->is_string()) value = SecretValue(field->TakeString());
  if (unknown) return Error::Invalid("unknown field in the request body (it takes only \"value\")");
  if (field == nullptr) return Error::Invalid("field 'value' is required");
  if (!field->is_string()) return Error::Invalid(std::string("field 'value' must be a string, got ") + field->kind_name());
  if (value.size() == 0) return Error::Invalid("field 'value' must not be empty");
  if (value.size() > kMaxSecretValueBytes)
    return Error::Invalid("field 'value' is longer than " + std::to_string(kMaxSecretValueBytes) + " bytes");
  for (char c : value.view()) {
    unsigned char u = static_cast<unsigned char>(c);
    if ((u < 0x20 && u != '\t') || u == 0x7F)
      return Error::Invalid("field 'value' must not contain control characters (NUL, CR, LF, ...) other than tab");
  }
  return value;
}

namespace {

JsonValue VersionToJson(const SecretVersionInfo& v) {
  JsonValue item = JsonValue::Object();
  item.Set("version", JsonValue::Unsigned(v.version))
      .Set("created_at", JsonValue::Signed(v.created_at))
      .Set("state", JsonValue::String(v.state));
  return item;
}

}  // namespace

JsonValue SecretInfoToJson(const SecretInfo& info) {
  JsonValue consumers = JsonValue::Array();
  if (info.tenant != kPlatformScope) consumers.Push(JsonValue::String(TenantNames::Service(info.tenant)));
  JsonValue out = JsonValue::Object();
  out.Set("tenant", JsonValue::String(info.tenant))
      .Set("name", JsonValue::String(info.name))
      .Set("current_version", JsonValue::Unsigned(info.current_version))
      .Set("created_at", JsonValue::Signed(info.created_at))
      .Set("rotated_at", JsonValue::Signed(info.rotated_at))
      .Set("versions", JsonArray(info.versions, VersionToJson))
      .Set("consumers", std::move(consumers));
  return out;
}

JsonValue RotationToJson(const RotationInfo& r) {
  JsonValue out = JsonValue::Object();
  out.Set("id", JsonValue::Signed(r.id))
      .Set("kind", JsonValue::String(r.kind))
      .Set("target", JsonValue::String(r.target))
      .Set("state", JsonValue::String(r.state))
      .Set("done", JsonValue::Unsigned(r.done))
      .Set("total", JsonValue::Unsigned(r.total));
  return out;
}

}  // namespace clawhive::api
