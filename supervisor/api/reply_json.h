// The shapes the API's answers share: a list of documents, and a list answered as {"<key>": [...]}.
// Each route still says field by field what one item looks like (its *ToJson / *Json function); this
// is only the wrapping around it. Pure functions; no I/O.
#pragma once

#include <string>
#include <utility>
#include <vector>

#include "supervisor/api/router.h"
#include "supervisor/common/json.h"
#include "supervisor/common/result.h"

namespace clawhive::api {

// [to_json(item) for each item], in order.
template <typename Items, typename ToJson>
JsonValue JsonArray(const Items& items, ToJson to_json) {
  JsonValue list = JsonValue::Array();
  for (const auto& item : items) list.Push(to_json(item));
  return list;
}

inline JsonValue JsonStrings(const std::vector<std::string>& v) {
  return JsonArray(v, [](const std::string& s) { return JsonValue::String(s); });
}

// 200 {"<key>": [to_json(item) for each item that `keep` accepts]}, or the error that `items` carries.
template <typename T, typename ToJson, typename Keep>
ApiReply ListReply(const Result<std::vector<T>>& items, const char* key, ToJson to_json, Keep keep) {
  if (!items) return ApiReply::Fail(items.error());
  JsonValue list = JsonValue::Array();
  for (const T& item : *items)
    if (keep(item)) list.Push(to_json(item));
  JsonValue doc = JsonValue::Object();
  doc.Set(key, std::move(list));
  return ApiReply::Json(200, doc);
}

template <typename T, typename ToJson>
ApiReply ListReply(const Result<std::vector<T>>& items, const char* key, ToJson to_json) {
  return ListReply(items, key, to_json, [](const T&) { return true; });
}

}  // namespace clawhive::api
