#include "supervisor/proxy/usage_parser.h"

#include "supervisor/api/json.h"

namespace clawhive::proxy {
namespace {

std::optional<int64_t> Count(const api::JsonValue* v) {
  if (v == nullptr) return std::nullopt;
  std::optional<uint64_t> u = v->AsUnsigned();
  if (!u || *u > (uint64_t{1} << 40)) return std::nullopt;
  return static_cast<int64_t>(*u);
}

// Fills what `usage` (an object of either naming) reports.
void Take(const api::JsonValue* usage, Usage* out) {
  if (usage == nullptr || !usage->is_object()) return;
  if (auto p = Count(usage->Find("prompt_tokens"))) out->prompt_tokens = p;
  if (auto p = Count(usage->Find("input_tokens"))) out->prompt_tokens = p;
  if (auto c = Count(usage->Find("completion_tokens"))) out->completion_tokens = c;
  if (auto c = Count(usage->Find("output_tokens"))) out->completion_tokens = c;
}

void TakeDocument(const api::JsonValue& doc, Usage* out) {
  if (!doc.is_object()) return;
  Take(doc.Find("usage"), out);                                     // OpenAI chat, Anthropic message_delta
  if (const api::JsonValue* m = doc.Find("message")) Take(m->Find("usage"), out);   // Anthropic message_start
  if (const api::JsonValue* r = doc.Find("response")) Take(r->Find("usage"), out);  // OpenAI responses
}

// Agents send deep tool schemas and long histories: generous, but still bounded.
api::JsonLimits RequestLimits() {
  api::JsonLimits l;
  l.max_depth = 256;
  l.max_values = 2000000;
  return l;
}

}  // namespace

Result<RequestInfo> ParseRequest(std::string_view body) {
  Result<api::JsonValue> doc = api::ParseJson(body, RequestLimits());
  if (!doc) return Error::Invalid("request body is not valid JSON: " + doc.error().message);
  if (!doc->is_object()) return Error::Invalid("request body must be a JSON object");
  RequestInfo info;
  const api::JsonValue* model = doc->Find("model");
  if (model == nullptr || !model->is_string() || model->string().empty() || model->string().size() > 256)
    return Error::Invalid("\"model\" is required (a string)");
  info.model = model->string();
  if (const api::JsonValue* st = doc->Find("stream")) info.stream = st->kind() == api::JsonValue::Kind::kBool && st->boolean();
  if (const api::JsonValue* so = doc->Find("stream_options"); so && so->is_object())
    if (const api::JsonValue* iu = so->Find("include_usage"))
      info.include_usage = iu->kind() == api::JsonValue::Kind::kBool && iu->boolean();
  for (const char* key : {"max_tokens", "max_completion_tokens", "max_output_tokens"})
    if (auto n = Count(doc->Find(key))) info.max_tokens = n;
  return info;
}

Result<std::string> WithModel(std::string_view body, const std::string& model) {
  Result<api::JsonValue> doc = api::ParseJson(body, RequestLimits());
  if (!doc || !doc->is_object()) return Error::Invalid("request body must be a JSON object");
  api::JsonValue* m = doc->Find("model");
  if (m == nullptr) return Error::Invalid("\"model\" is required");
  *m = api::JsonValue::String(model);
  return doc->Serialize();
}

void SseUsageParser::Feed(std::string_view bytes) {
  size_t start = 0;
  while (start < bytes.size()) {
    size_t nl = bytes.find('\n', start);
    if (nl == std::string_view::npos) {
      pending_.append(bytes.substr(start));
      return;
    }
    std::string_view piece = bytes.substr(start, nl - start);
    start = nl + 1;
    std::string joined;
    std::string_view line = piece;
    if (!pending_.empty()) {
      joined = std::move(pending_);
      pending_.clear();
      joined.append(piece);
      line = joined;
    }
    if (!line.empty() && line.back() == '\r') line.remove_suffix(1);
    if (line.empty()) {  // end of an event
      if (!data_.empty()) Event(data_);
      data_.clear();
      continue;
    }
    if (line.rfind("data:", 0) == 0) {
      std::string_view d = line.substr(5);
      if (!d.empty() && d.front() == ' ') d.remove_prefix(1);
      data_bytes_ += static_cast<int64_t>(d.size());
      if (!data_.empty()) data_ += '\n';
      data_.append(d);
    }
  }
}

void SseUsageParser::Event(std::string_view data) {
  ++events_;
  if (data.find("usage") == std::string_view::npos || data == "[DONE]") return;
  api::JsonLimits limits;
  Result<api::JsonValue> doc = api::ParseJson(data, limits);
  if (doc) TakeDocument(*doc, &usage_);
}

Usage UsageOfBody(std::string_view body) {
  Usage u;
  Result<api::JsonValue> doc = api::ParseJson(body);
  if (doc) TakeDocument(*doc, &u);
  return u;
}

}  // namespace clawhive::proxy
