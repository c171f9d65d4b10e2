#include "tests/stub/stub_request.h"

#include <algorithm>
#include <utility>
#include <vector>

#include "supervisor/common/json.h"
#include "supervisor/proxy/json_skim.h"

namespace clawhive::stub {

using clawhive::proxy::SkimJsonObject;
namespace {

// Real bodies (OpenClaw's ~61 KB chat requests with 12 tool schemas) nest ~8 deep.
constexpr size_t kMaxDepth = 128;
// The members the stub reads (model, stream_options, x_stub, ...) are a handful of values; the caps
// bound what a hostile body can make the strict reader build from one of them.
constexpr JsonLimits kMemberLimits{16, 1000};

Result<int64_t> Integer(const JsonValue& v, std::string_view name, int64_t min, int64_t max) {
  std::optional<uint64_t> u = v.AsUnsigned();
  if (!u || static_cast<int64_t>(*u) < min || *u > static_cast<uint64_t>(max))
    return Error::Invalid("x_stub." + std::string(name) + " must be an integer from " + std::to_string(min) +
                          " to " + std::to_string(max));
  return static_cast<int64_t>(*u);
}

Result<bool> Boolean(const JsonValue& v, std::string_view name) {
  if (v.kind() != JsonValue::Kind::kBool) return Error::Invalid(std::string(name) + " must be a boolean");
  return v.boolean();
}

// x_stub's integer controls, each with its range, and its boolean ones.
constexpr int64_t kMaxMs = 600000, kMaxCount = 1000000;
struct IntegerControl {
  std::string_view key;
  int64_t min, max;
  void (*set)(StubControls*, int64_t);
};
constexpr IntegerControl kIntegerControls[] = {
    {"delay_ms", 0, kMaxMs, [](StubControls* c, int64_t n) { c->delay_ms = n; }},
    {"chunks", 0, kMaxCount, [](StubControls* c, int64_t n) { c->chunks = n; }},
    {"chunk_delay_ms", 0, kMaxMs, [](StubControls* c, int64_t n) { c->chunk_delay_ms = n; }},
    {"status", 400, 599, [](StubControls* c, int64_t n) { c->status = static_cast<int>(n); }},
    {"completion_tokens", 0, kMaxCount, [](StubControls* c, int64_t n) { c->completion_tokens = n; }},
    {"abort_after_chunks", 0, kMaxCount, [](StubControls* c, int64_t n) { c->abort_after_chunks = n; }},
};
constexpr std::pair<std::string_view, bool StubControls::*> kBooleanControls[] = {
    {"no_usage", &StubControls::no_usage},
    {"hang", &StubControls::hang},
};

Status ReadControl(const std::string& key, const JsonValue& v, StubControls* c) {
  for (const IntegerControl& control : kIntegerControls) {
    if (key != control.key) continue;
    Result<int64_t> n = Integer(v, key, control.min, control.max);
    if (!n) return n.error();
    control.set(c, *n);
    return Status::Ok();
  }
  for (const auto& [name, field] : kBooleanControls) {
    if (key != name) continue;
    Result<bool> b = Boolean(v, "x_stub." + key);
    if (!b) return b.error();
    c->*field = *b;
    return Status::Ok();
  }
  return Error::Invalid("x_stub: unknown control '" + Printable(key) + "'");
}

Status ReadControls(const JsonValue& x, StubControls* c) {
  if (!x.is_object()) return Error::Invalid("x_stub must be an object");
  for (const auto& [key, v] : x.members())
    if (Status s = ReadControl(key, v, c); !s) return s;
  return Status::Ok();
}

}  // namespace

Result<StubRequest> ParseStubRequest(std::string_view body) {
  // The body is only skimmed (json_skim.h); the few members the stub reads are small and get the
  // strict reader.
  std::vector<std::pair<std::string_view, std::string_view>> wanted;
  Status skimmed = SkimJsonObject(body, kMaxDepth, [&](std::string_view key, std::string_view raw) {
    if (key == "model" || key == "stream" || key == "stream_options" || key == "max_tokens" ||
        key == "max_completion_tokens" || key == "max_output_tokens" || key == "x_stub")
      wanted.emplace_back(key, raw);
  });
  if (!skimmed) return skimmed.error();
  StubRequest r;
  for (const auto& [key_view, raw] : wanted) {
    const std::string key(key_view);
    Result<JsonValue> parsed = ParseJson(raw, kMemberLimits);
    if (!parsed) return Error::Invalid(key + ": " + parsed.error().message);
    const JsonValue& v = *parsed;
    if (key == "model") {
      if (!v.is_string() || v.string().empty()) return Error::Invalid("model must be a non-empty string");
      r.model = v.string();
    } else if (key == "stream") {
      Result<bool> b = Boolean(v, "stream");
      if (!b) return b.error();
      r.stream = *b;
    } else if (key == "stream_options") {
      if (v.is_null()) continue;
      if (!v.is_object()) return Error::Invalid("stream_options must be an object");
      if (const JsonValue* u = v.Find("include_usage"); u && !u->is_null()) {
        Result<bool> b = Boolean(*u, "stream_options.include_usage");
        if (!b) return b.error();
        r.include_usage = *b;
      }
    } else if (key == "x_stub") {
      r.has_controls = true;
      Status s = ReadControls(v, &r.controls);
      if (!s) return s.error();
    } else {  // the max-token fields
      if (v.is_null()) continue;
      std::optional<uint64_t> u = v.AsUnsigned();
      if (!u) return Error::Invalid(key + " must be a non-negative integer");
      r.max_tokens = r.max_tokens ? std::min(*r.max_tokens, *u) : *u;
    }
  }
  if (r.model.empty()) return Error::Invalid("you must provide a model parameter");
  return r;
}

uint64_t OutputTokens(const StubRequest& r) {
  if (r.controls.completion_tokens >= 0) return static_cast<uint64_t>(r.controls.completion_tokens);
  if (r.max_tokens && *r.max_tokens < kDefaultCompletionTokens) return *r.max_tokens;
  return kDefaultCompletionTokens;
}

}  // namespace clawhive::stub
