#include "supervisor/proxy/usage_parser.h"

#include "supervisor/common/json.h"
#include "supervisor/proxy/json_skim.h"

namespace clawhive::proxy {
namespace {

std::optional<int64_t> Count(const JsonValue* v) {
  if (v == nullptr) return std::nullopt;
  std::optional<uint64_t> u = v->AsUnsigned();
  if (!u || *u > (uint64_t{1} << 40)) return std::nullopt;
  return static_cast<int64_t>(*u);
}

// Fills what `usage` (an object of either naming) reports.
void Take(const JsonValue* usage, Usage* out) {
  if (usage == nullptr || !usage->is_object()) return;
  if (auto p = Count(usage->Find("prompt_tokens"))) out->prompt_tokens = p;
  if (auto p = Count(usage->Find("input_tokens"))) out->prompt_tokens = p;
  if (auto c = Count(usage->Find("completion_tokens"))) out->completion_tokens = c;
  if (auto c = Count(usage->Find("output_tokens"))) out->completion_tokens = c;
}

void TakeDocument(const JsonValue& doc, Usage* out) {
  if (!doc.is_object()) return;
  Take(doc.Find("usage"), out);                                     // OpenAI chat, Anthropic message_delta
  if (const JsonValue* m = doc.Find("message")) Take(m->Find("usage"), out);   // Anthropic message_start
  if (const JsonValue* r = doc.Find("response")) Take(r->Find("usage"), out);  // OpenAI responses
}

// Agents send deep tool schemas and long histories: generous, but still bounded.
JsonLimits RequestLimits() {
  JsonLimits l;
  l.max_depth = 256;
  l.max_values = 2000000;
  return l;
}

}  // namespace

// Skims the body (checking its JSON grammar without building it: a full parse of OpenClaw's ~61 KB
// bodies cost ~0.4 ms) and parses only the few small top-level members the books need.
Result<RequestInfo> ParseRequest(std::string_view body) {
  RequestInfo info;
  bool has_model = false;
  std::string bad;
  Status s = proxy::SkimJsonObject(body, 256, [&](std::string_view key, std::string_view raw) {
    if (key != "model" && key != "stream" && key != "stream_options" && key != "max_tokens" &&
        key != "max_completion_tokens" && key != "max_output_tokens")
      return;
    Result<JsonValue> v = ParseJson(raw);
    if (!v) return;
    if (key == "model") {
      if (v->is_string() && !v->string().empty() && v->string().size() <= 256) {
        info.model = v->string();
        has_model = true;
      } else {
        bad = "\"model\" must be a model name (a string)";
      }
    } else if (key == "stream") {
      info.stream = v->kind() == JsonValue::Kind::kBool && v->boolean();
    } else if (key == "stream_options") {
      if (const JsonValue* iu = v->is_object() ? v->Find("include_usage") : nullptr)
        info.include_usage = iu->kind() == JsonValue::Kind::kBool && iu->boolean();
    } else if (auto n = Count(&*v)) {
      info.max_tokens = n;
    }
  });
  if (!s) return Error::Invalid("request body is not a valid JSON object: " + s.error().message);
  if (!bad.empty()) return Error::Invalid(bad);
  if (!has_model) return Error::Invalid("\"model\" is required (a string)");
  return info;
}

Result<std::string> WithModel(std::string_view body, const std::string& model) {
  Result<JsonValue> doc = ParseJson(body, RequestLimits());
  if (!doc || !doc->is_object()) return Error::Invalid("request body must be a JSON object");
  JsonValue* m = doc->Find("model");
  if (m == nullptr) return Error::Invalid("\"model\" is required");
  *m = JsonValue::String(model);
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
  JsonLimits limits;
  Result<JsonValue> doc = ParseJson(data, limits);
  if (doc) TakeDocument(*doc, &usage_);
}

Usage UsageOfBody(std::string_view body) {
  Usage u;
  Result<JsonValue> doc = ParseJson(body);
  if (doc) TakeDocument(*doc, &u);
  return u;
}

}  // namespace clawhive::proxy
