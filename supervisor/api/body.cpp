#include "supervisor/api/body.h"

#include <algorithm>

namespace clawhive::api {

Result<BodyReader> BodyReader::Of(JsonValue* body, std::initializer_list<std::string_view> allowed) {
  if (body == nullptr || !body->is_object())
    return Error::Invalid(std::string("request body must be a JSON object, got ") +
                          (body == nullptr ? "nothing" : body->kind_name()));
  for (const auto& m : body->members()) {
    if (std::find(allowed.begin(), allowed.end(), std::string_view(m.first)) == allowed.end())
      return Error::Invalid("unknown field '" + Printable(m.first, 32) + "'");
  }
  return BodyReader(body);
}

Result<std::optional<std::string>> BodyReader::String(std::string_view field, bool required, size_t max_bytes) {
  const JsonValue* v = body_->Find(field);
  if (v == nullptr || v->is_null()) {
    if (required) return Error::Invalid("field '" + std::string(field) + "' is required");
    return std::optional<std::string>();
  }
  if (!v->is_string())
    return Error::Invalid("field '" + std::string(field) + "' must be a string, got " + v->kind_name());
  if (v->string().find('\0') != std::string::npos)
    return Error::Invalid("field '" + std::string(field) + "' must not contain NUL characters");
  if (v->string().size() > max_bytes)
    return Error::Invalid("field '" + std::string(field) + "' is longer than " + std::to_string(max_bytes) + " bytes");
  return std::optional<std::string>(v->string());
}

Result<std::string> BodyReader::Secret(std::string_view field, size_t max_bytes) {
  JsonValue* v = body_->Find(field);
  if (v == nullptr) return Error::Invalid("field '" + std::string(field) + "' is required");
  if (!v->is_string()) return Error::Invalid("field '" + std::string(field) + "' must be a string, got " + v->kind_name());
  if (v->string().size() > max_bytes)
    return Error::Invalid("field '" + std::string(field) + "' is longer than " + std::to_string(max_bytes) + " bytes");
  return v->TakeString();
}

Result<std::optional<int64_t>> BodyReader::Integer(std::string_view field, bool required, int64_t min, int64_t max) {
  const JsonValue* v = body_->Find(field);
  if (v == nullptr || v->is_null()) {
    if (required) return Error::Invalid("field '" + std::string(field) + "' is required");
    return std::optional<int64_t>();
  }
  std::optional<uint64_t> u = v->AsUnsigned();
  if (!u || *u > static_cast<uint64_t>(max) || static_cast<int64_t>(*u) < min)
    return Error::Invalid("field '" + std::string(field) + "' must be a whole number from " + std::to_string(min) +
                          " to " + std::to_string(max));
  return std::optional<int64_t>(static_cast<int64_t>(*u));
}

}  // namespace clawhive::api
