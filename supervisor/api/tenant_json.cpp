#include "supervisor/api/tenant_json.h"

#include <algorithm>
#include <initializer_list>
#include <string_view>

#include "supervisor/api/reply_json.h"
#include "supervisor/common/quantity.h"

namespace clawhive::api {
namespace {

Error FieldError(const std::string& field, const std::string& what) {
  return Error::Invalid("field '" + field + "' " + what);
}

std::string Got(const JsonValue& v) { return std::string(", got ") + v.kind_name(); }

// Fields the API shows but a client cannot set; named in errors so a GET -> edit -> PATCH round trip
// gets a clear answer.
constexpr std::string_view kReadOnly[] = {"uid", "quarantined", "phase", "status", "created_at", "updated_at"};

Status CheckObject(const JsonValue& v, const std::string& field) {
  if (!v.is_object()) return FieldError(field, "must be an object" + Got(v));
  return Status::Ok();
}

Status CheckKnownFields(const JsonValue& obj, const std::string& prefix,
                        std::initializer_list<std::string_view> known, bool top_level) {
  for (const auto& [name, value] : obj.members()) {
    if (std::find(known.begin(), known.end(), name) != known.end()) continue;
    if (top_level && std::find(std::begin(kReadOnly), std::end(kReadOnly), name) != std::end(kReadOnly))
      return FieldError(name, "is read-only");
    return Error::Invalid("unknown field '" + prefix + Printable(name) + "'");
  }
  return Status::Ok();
}

Result<std::string> GetString(const JsonValue& v, const std::string& field, size_t max_bytes) {
  if (!v.is_string()) return FieldError(field, "must be a string" + Got(v));
  const std::string& s = v.string();
  if (s.find('\0') != std::string::npos) return FieldError(field, "must not contain NUL characters");
  if (s.size() > max_bytes) return FieldError(field, "is longer than " + std::to_string(max_bytes) + " bytes");
  return s;
}

Result<uint64_t> GetCount(const JsonValue& v, const std::string& field) {
  std::optional<uint64_t> u = v.AsUnsigned();
  if (!u) return FieldError(field, "must be a non-negative integer" + Got(v));
  return *u;
}

// An integer, or a string the given quantity parser understands ("512M", "150%").
Result<uint64_t> GetQuantity(const JsonValue& v, const std::string& field, Result<uint64_t> (*parse)(const std::string&),
                             const std::string& expected) {
  if (v.is_string()) {
    Result<uint64_t> r = parse(v.string());
    if (!r) return Error::Invalid("field '" + field + "': " + r.error().message);
    return r;
  }
  if (std::optional<uint64_t> u = v.AsUnsigned()) return *u;
  return FieldError(field, "must be " + expected + Got(v));
}

Result<std::string> GetDisplayName(const JsonValue& v) {
  Result<std::string> s = GetString(v, "display_name", std::string::npos);
  if (!s) return s;
  size_t chars = 0;
  const std::string& text = *s;
  for (size_t i = 0; i < text.size();) {
    char32_t cp;
    size_t len = DecodeUtf8(text, i, &cp);
    if (len == 0) return FieldError("display_name", "must be valid UTF-8");  // the reader guarantees it
    if (cp < 0x20 || (cp >= 0x7F && cp <= 0x9F))
      return FieldError("display_name", "must not contain control characters");
    i += len;
    ++chars;
  }
  if (chars > kMaxDisplayNameChars)
    return FieldError("display_name", "must be at most " + std::to_string(kMaxDisplayNameChars) + " characters");
  return s;
}

bool IsEnvName(const std::string& name) {
  if (name.empty()) return false;
  for (size_t i = 0; i < name.size(); ++i) {
    char c = name[i];
    bool ok = (c >= 'A' && c <= 'Z') || c == '_' || (i > 0 && c >= '0' && c <= '9');
    if (!ok) return false;
  }
  return true;
}

Status ParseResources(const JsonValue& v, TenantPatch* p) {
  if (Status s = CheckObject(v, "resources"); !s) return s;
  if (Status s = CheckKnownFields(v, "resources.",
                                  {"memory_high", "memory_max", "cpu_weight", "cpu_quota_percent", "tasks_max"},
                                  false);
      !s)
    return s;
  const std::string size_expected = "a number of bytes or a size string such as \"512M\"";
  for (const auto& [name, value] : v.members()) {
    const std::string field = "resources." + name;
    Result<uint64_t> r = Error::Internal("unreachable");
    if (name == "memory_high" || name == "memory_max") r = GetQuantity(value, field, ParseSize, size_expected);
    else if (name == "cpu_quota_percent")
      r = GetQuantity(value, field, ParsePercent, "an integer percentage or a string such as \"150%\"");
    else r = GetCount(value, field);
    if (!r) return r.error();
    if (name == "memory_high") p->memory_high = *r;
    else if (name == "memory_max") p->memory_max = *r;
    else if (name == "cpu_weight") p->cpu_weight = *r;
    else if (name == "cpu_quota_percent") p->cpu_quota_percent = *r;
    else p->tasks_max = *r;
  }
  return Status::Ok();
}

Status ParseAgent(const JsonValue& v, TenantPatch* p) {
  if (Status s = CheckObject(v, "agent"); !s) return s;
  if (Status s = CheckKnownFields(v, "agent.", {"exec", "args", "env", "health_path"}, false); !s) return s;
  if (const JsonValue* exec = v.Find("exec")) {
    Result<std::string> s = GetString(*exec, "agent.exec", kMaxPathBytes);
    if (!s) return s.error();
    if (s->empty() || s->front() != '/') return FieldError("agent.exec", "must be an absolute path");
    p->agent_exec = *s;
  }
  if (const JsonValue* args = v.Find("args")) {
    if (!args->is_array()) return FieldError("agent.args", "must be an array of strings" + Got(*args));
    std::vector<std::string> out;
    for (size_t i = 0; i < args->items().size(); ++i) {
      Result<std::string> s = GetString(args->items()[i], "agent.args[" + std::to_string(i) + "]", kMaxArgBytes);
      if (!s) return s.error();
      out.push_back(std::move(*s));
    }
    p->agent_args = std::move(out);
  }
  if (const JsonValue* env = v.Find("env")) {
    if (!env->is_object()) return FieldError("agent.env", "must be an object of strings" + Got(*env));
    std::vector<std::pair<std::string, std::string>> out;
    for (const auto& [name, value] : env->members()) {
      const std::string field = "agent.env." + Printable(name);
      if (!IsEnvName(name)) return FieldError(field, "is not a valid variable name (expected [A-Z_][A-Z0-9_]*)");
      Result<std::string> s = GetString(value, field, kMaxArgBytes);
      if (!s) return s.error();
      out.emplace_back(name, std::move(*s));
    }
    p->agent_env = std::move(out);
  }
  if (const JsonValue* hp = v.Find("health_path")) {
    Result<std::string> s = GetString(*hp, "agent.health_path", kMaxPathBytes);
    if (!s) return s.error();
    if (s->empty() || s->front() != '/') return FieldError("agent.health_path", "must start with '/'");
    // It goes into an HTTP request line: printable ASCII only.
    for (unsigned char c : *s)
      if (c <= 0x20 || c >= 0x7F)
        return FieldError("agent.health_path", "must be printable ASCII without spaces");
    p->health_path = *s;
  }
  return Status::Ok();
}

}  // namespace

Result<TenantRequest> ParseTenantRequest(const JsonValue& body, TenantRequestKind kind) {
  if (!body.is_object()) return Error::Invalid(std::string("request body must be a JSON object, got ") + body.kind_name());
  if (Status s = CheckKnownFields(body, "", {"id", "display_name", "resources", "agent", "port", "desired", "runtime",
                                             "openclaw"},
                                  true);
      !s)
    return s.error();
  TenantRequest req;
  TenantPatch& p = req.patch;
  if (const JsonValue* id = body.Find("id")) {
    if (kind == TenantRequestKind::kUpdate)
      return FieldError("id", "cannot be changed (tenant ids are immutable)");
    if (!id->is_string()) return FieldError("id", "must be a string" + Got(*id));
    req.id = id->string();  // syntax is the service's to judge (ValidateTenantId)
  } else if (kind == TenantRequestKind::kCreate) {
    return FieldError("id", "is required");
  }
  if (const JsonValue* v = body.Find("display_name")) {
    Result<std::string> s = GetDisplayName(*v);
    if (!s) return s.error();
    p.display_name = *s;
  }
  if (const JsonValue* v = body.Find("resources"))
    if (Status s = ParseResources(*v, &p); !s) return s.error();
  if (const JsonValue* v = body.Find("agent"))
    if (Status s = ParseAgent(*v, &p); !s) return s.error();
  if (const JsonValue* v = body.Find("port")) {
    std::optional<uint64_t> u = v->AsUnsigned();
    if (!u || *u < 1 || *u > 65535) {
      std::string got = v->kind() == JsonValue::Kind::kInteger ? std::string() : Got(*v);
      return FieldError("port", "must be an integer from 1 to 65535" + got);
    }
    p.port = static_cast<uint16_t>(*u);
  }
  if (const JsonValue* v = body.Find("desired")) {
    std::optional<DesiredState> d = v->is_string() ? ParseDesiredState(v->string()) : std::nullopt;
    if (!d) {
      std::string got = v->is_string() ? std::string() : Got(*v);
      return FieldError("desired", "must be \"running\" or \"stopped\"" + got);
    }
    p.desired = *d;
  }
  if (const JsonValue* v = body.Find("runtime")) {
    if (!v->is_object()) return FieldError("runtime", "must be an object {\"image\": ..., \"pinned\": ...}" + Got(*v));
    if (Status s = CheckKnownFields(*v, "runtime", {"image", "pinned"}, true); !s) return s.error();
    if (const JsonValue* image = v->Find("image")) {
      Result<std::string> s = GetString(*image, "runtime.image", 128);
      if (!s) return s.error();
      p.runtime = *s;
    }
    if (const JsonValue* pinned = v->Find("pinned")) {
      if (pinned->kind() != JsonValue::Kind::kBool) return FieldError("runtime.pinned", "must be true or false" + Got(*pinned));
      p.runtime_pinned = pinned->boolean();
    }
  }
  if (const JsonValue* v = body.Find("openclaw")) {
    // The settings' own reader gives the field-level messages; it reads the value as its own document.
    Result<OpenClawSettings> oc = DecodeOpenClawSettings(v->Serialize());
    if (!oc) return oc.error();
    p.openclaw = *oc;
  }
  return req;
}

JsonValue TenantToJson(const TenantStatus& st) {
  const Tenant& t = st.tenant;
  JsonValue resources = JsonValue::Object();
  resources.Set("memory_high", JsonValue::Unsigned(t.resources.memory_high))
      .Set("memory_max", JsonValue::Unsigned(t.resources.memory_max))
      .Set("cpu_weight", JsonValue::Unsigned(t.resources.cpu_weight))
      .Set("cpu_quota_percent", JsonValue::Unsigned(t.resources.cpu_quota_percent))
      .Set("tasks_max", JsonValue::Unsigned(t.resources.tasks_max));
  JsonValue env = JsonValue::Object();
  for (const auto& [name, value] : t.agent.env) env.Set(name, JsonValue::String(value));
  JsonValue agent = JsonValue::Object();
  agent.Set("exec", JsonValue::String(t.agent.exec))
      .Set("args", JsonStrings(t.agent.args))
      .Set("env", std::move(env))
      .Set("health_path", JsonValue::String(t.agent.health_path));
  JsonValue status = JsonValue::Object();
  status.Set("active_state", JsonValue::String(st.active_state))
      .Set("sub_state", JsonValue::String(st.sub_state))
      .Set("main_pid", JsonValue::Unsigned(st.main_pid))
      .Set("memory_current", JsonValue::Optional(st.memory_current))
      .Set("memory_max", JsonValue::Optional(st.memory_max))
      .Set("cpu_usage_nsec", JsonValue::Optional(st.cpu_usage_nsec))
      .Set("tasks_current", JsonValue::Optional(st.tasks_current))
      .Set("restarts", JsonValue::Unsigned(st.restarts))
      .Set("healthy", JsonValue::Bool(st.healthy));
  JsonValue out = JsonValue::Object();
  out.Set("id", JsonValue::String(t.id))
      .Set("display_name", JsonValue::String(t.display_name))
      .Set("port", JsonValue::Unsigned(t.port))
      .Set("uid", JsonValue::Unsigned(t.uid))
      .Set("desired", JsonValue::String(ToString(t.desired)))
      .Set("quarantined", JsonValue::Bool(t.quarantined))
      .Set("phase", JsonValue::String(st.phase))
      .Set("resources", std::move(resources))
      .Set("agent", std::move(agent))
      .Set("runtime", std::move(JsonValue::Object()
                                    .Set("image", JsonValue::String(t.runtime))
                                    .Set("pinned", JsonValue::Bool(t.runtime_pinned))))
      .Set("openclaw", ParseJson(EncodeOpenClawSettings(t.openclaw)).value())
      .Set("status", std::move(status))
      .Set("created_at", JsonValue::Signed(t.created_at))
      .Set("updated_at", JsonValue::Signed(t.updated_at));
  return out;
}

JsonValue IncidentToJson(const Incident& in) {
  JsonValue out = JsonValue::Object();
  out.Set("id", JsonValue::Signed(in.id))
      .Set("tenant", JsonValue::String(in.tenant))
      .Set("at_ms", JsonValue::Signed(in.at_ms))
      .Set("cause", JsonValue::String(in.cause))
      .Set("detail", JsonValue::String(in.detail))
      .Set("action", JsonValue::String(in.action))
      .Set("healthy_after_s", JsonValue::Optional(in.healthy_after_s));
  return out;
}

}  // namespace clawhive::api
