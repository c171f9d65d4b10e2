// Reading small JSON request bodies with a fixed set of fields: unknown fields, wrong types and
// missing required fields are a 400 naming the field.
#pragma once

#include <cstdint>
#include <initializer_list>
#include <optional>
#include <string>
#include <string_view>

#include "supervisor/common/json.h"
#include "supervisor/common/result.h"

namespace clawhive::api {

class BodyReader {
 public:
  // kInvalidArgument unless `body` is an object whose fields are all in `allowed`.
  static Result<BodyReader> Of(JsonValue* body, std::initializer_list<std::string_view> allowed);

  // nullopt when absent and not required. Strings: no NUL, at most max_bytes.
  Result<std::optional<std::string>> String(std::string_view field, bool required, size_t max_bytes = 1024);
  // Moves the string out of the document (for passwords: the dispatcher wipes the document afterwards).
  Result<std::string> Secret(std::string_view field, size_t max_bytes = 1024);
  Result<std::optional<int64_t>> Integer(std::string_view field, bool required, int64_t min, int64_t max);

 private:
  explicit BodyReader(JsonValue* body) : body_(body) {}
  JsonValue* body_;
};

}  // namespace clawhive::api
