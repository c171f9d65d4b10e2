// Each tenant's OpenAI-compatible endpoint (docs/api.md, "Talking to a tenant's agent"): the appliance
// takes the call under its own sign-in (a tenant-scoped API token or the console's session), and passes
// it to the tenant's gateway through its gateway socket with the gateway's own token, which the caller never
// sees. A stock OpenAI client uses base_url https://<appliance>/v1/tenants/<id>/openai/v1.
//
// Threads: the tenant's state and gateway token come from the loop (TenantService, RuntimeService: one
// hand-off each); the call to the gateway blocks this API request thread only, bounded by Ingress's
// limits, and a stream is passed on piece by piece as it arrives.
#include <openssl/crypto.h>

#include <cctype>
#include <memory>
#include <optional>
#include <string>
#include <utility>
#include <variant>

#include "supervisor/api/gateway_forwarder.h"
#include "supervisor/api/ingress.h"
#include "supervisor/api/routes.h"
#include "supervisor/core/tenant_service.h"
#include "supervisor/openclaw/runtime_service.h"
#include "supervisor/tenant/gateway_socket.h"
#include "supervisor/tenant/tenant.h"

namespace clawhive::api {
namespace {

constexpr size_t kMaxUserBytes = 256;
constexpr size_t kMaxModelBytes = 256;

struct Target {
  std::string socket;  // the gateway socket (GatewaySocketPath) of the tenant's stored port
  std::string token;  // empty: a tenant on its own agent command has no gateway token of ours
};

GatewayLimits LimitsOf(const IngressOptions& o) {
  GatewayLimits l;
  l.connect = std::chrono::milliseconds(o.connect_timeout_ms);
  l.head = std::chrono::milliseconds(o.head_timeout_ms);
  l.idle = std::chrono::milliseconds(o.idle_timeout_ms);
  l.total = std::chrono::milliseconds(o.total_timeout_ms);
  return l;
}

ApiReply Unavailable(const std::string& code, const std::string& message) {
  ApiReply r = ApiReply::Fail(503, code, message);
  r.headers.emplace_back("Retry-After", "5");
  return r;
}

// The tenant's gateway, if its agent is up: its state from the loop, then its token from the vault (on
// the loop too). Answers the refusal instead when there is nothing to call.
std::variant<Target, ApiReply> Locate(RouteContext& x, const std::string& id) {
  Result<TenantStatus> st = x.tenants.Get(id);
  if (!st) return ApiReply::Fail(st.error());
  if (st->phase != "running")
    return Unavailable("agent_not_running", "the agent of tenant '" + id + "' is not running (it is " + st->phase +
                                                "); start it, then try again");
  if (!st->healthy)
    return Unavailable("agent_not_ready",
                       "the agent of tenant '" + id + "' is starting or did not answer its last health check; try again shortly");
  Target t;
  t.socket = GatewaySocketPath(x.ingress->options().gateway_socket_dir, id, st->tenant.port);
  Result<GatewayAccess> g = x.runtimes->Gateway(id);
  if (g) {
    t.token = std::move(g->token);
  } else if (g.error().code != ErrorCode::kConflict) {  // kConflict: its own agent command, no gateway token
    return ApiReply::Fail(g.error());
  }
  return t;
}

// OpenClaw derives a conversation's session from the OpenAI `user` field; prefixing the caller keeps one
// user (or token) of a tenant from continuing another's conversation by guessing its `user` value.
std::string SessionUser(const auth::Principal& who, const std::string& user) {
  return "clawhive:" + who.user + ":" + user;
}

// Checks what the appliance relies on and leaves the rest to OpenClaw (it answers 400 for what it
// refuses). Sets `stream` and rewrites `user`.
Status PrepareChat(JsonValue& body, const auth::Principal& who, bool* stream) {
  if (!body.is_object()) return Error::Invalid("the body must be a JSON object (an OpenAI chat completion request)");
  const JsonValue* messages = body.Find("messages");
  if (messages == nullptr || !messages->is_array() || messages->items().empty())
    return Error::Invalid("field 'messages' must be a non-empty list of messages");
  for (const JsonValue& m : messages->items())
    if (!m.is_object()) return Error::Invalid("field 'messages' must hold objects ({\"role\":..., \"content\":...})");
  if (const JsonValue* model = body.Find("model")) {
    if (!model->is_string() || model->string().empty() || model->string().size() > kMaxModelBytes)
      return Error::Invalid("field 'model' must be a model id such as \"openclaw\" (GET .../models lists them)");
  } else {
    body.Set("model", JsonValue::String("openclaw"));
  }
  *stream = false;
  if (const JsonValue* s = body.Find("stream")) {
    if (s->kind() != JsonValue::Kind::kBool && !s->is_null()) return Error::Invalid("field 'stream' must be true or false");
    *stream = s->kind() == JsonValue::Kind::kBool && s->boolean();
  }
  if (JsonValue* user = body.Find("user")) {
    if (!user->is_string() || user->string().empty() || user->string().size() > kMaxUserBytes)
      return Error::Invalid("field 'user' must be a string of 1 to 256 bytes (a conversation id)");
    std::string given = user->string();
    *user = JsonValue::String(SessionUser(who, given));
  }
  return Status::Ok();
}

// Reads a whole (non-streamed) answer within max_bytes.
ApiReply WholeAnswer(GatewayCall& call, size_t max_bytes, GatewayFailure* failure) {
  std::string body;
  while (std::optional<std::string> piece = call.Next(failure)) {
    body += *piece;
    if (body.size() > max_bytes) {
      *failure = {502, "agent_answer_too_large", "the agent's answer is larger than " + std::to_string(max_bytes) + " bytes"};
      return ApiReply::Fail(failure->status, failure->code, failure->message);
    }
  }
  if (!failure->code.empty()) return ApiReply::Fail(failure->status, failure->code, failure->message);
  // The gateway refusing our own token is the appliance's fault, not the caller's.
  if (call.status() == 401 || call.status() == 403)
    return ApiReply::Fail(502, "agent_refused_appliance", "the tenant's agent refused the appliance's gateway token");
  ApiReply r;
  r.status = call.status();
  r.content_type = call.content_type().empty() ? "application/json" : call.content_type();
  r.body = std::move(body);
  return r;
}

// One call to the gateway: open it, then answer either the whole body or a stream that passes each
// piece on as it arrives. `slot` (the Ingress place this call holds) lives until the call is done.
ApiReply Forward(Ingress& ingress, const std::string& tenant, const std::string& socket, GatewayRequest request,
                 std::shared_ptr<void> slot) {
  GatewayFailure failure;
  std::shared_ptr<GatewayCall> call = GatewayCall::Open(socket, request, LimitsOf(ingress.options()), &failure);
  OPENSSL_cleanse(request.body.data(), request.body.size());  // the conversation: no copy outlives the send
  OPENSSL_cleanse(request.token.data(), request.token.size());
  if (!call) {
    ingress.Count(tenant, failure.status, 0);
    return ApiReply::Fail(failure.status, failure.code, failure.message);
  }
  if (!(request.stream && call->status() == 200 && call->is_event_stream())) {
    ApiReply r = WholeAnswer(*call, ingress.options().max_reply_bytes, &failure);
    ingress.Count(tenant, r.status, r.body.size());
    return r;
  }
  ApiReply r;
  r.status = 200;
  r.content_type = "text/event-stream; charset=utf-8";
  r.headers.emplace_back("X-Accel-Buffering", "no");  // for a reverse proxy in front: do not buffer either
  Ingress* in = &ingress;
  r.stream = [call, slot, in, tenant](const ApiReply::ChunkWriter& write) {
    GatewayFailure f;
    uint64_t bytes = 0;
    bool client_gone = false;
    while (std::optional<std::string> piece = call->Next(&f)) {
      bytes += piece->size();
      if (!write(*piece)) {
        client_gone = true;  // dropping the call closes the gateway's connection: OpenClaw stops the run
        break;
      }
    }
    if (!client_gone && !f.code.empty()) {
      // The head (200) is out: say what happened the way OpenClaw ends a failed stream.
      JsonValue err = JsonValue::Object();
      err.Set("code", JsonValue::String(f.code)).Set("message", JsonValue::String(f.message)).Set("type", JsonValue::String("api_error"));
      JsonValue doc = JsonValue::Object();
      doc.Set("error", std::move(err));
      write("\n\ndata: " + doc.Serialize() + "\n\ndata: [DONE]\n\n");
    }
    in->Count(tenant, f.code.empty() ? 200 : f.status, bytes);
  };
  return r;
}

std::string EncodeSegment(const std::string& s) {
  static const char* hex = "0123456789ABCDEF";
  std::string out;
  for (unsigned char c : s) {
    if (std::isalnum(c) || c == '-' || c == '_' || c == '.' || c == '~' || c == ':') out += static_cast<char>(c);
    else {
      out += '%';
      out += hex[c >> 4];
      out += hex[c & 15];
    }
  }
  return out;
}

// The checks every call makes before it may hold a slot: the endpoint is available, the tenant's agent is
// up, a slot is free. Answers the refusal, or fills *target and *slot.
std::optional<ApiReply> Admit(RouteContext& x, const std::string& id, Target* target, std::shared_ptr<void>* slot) {
  if (x.runtimes == nullptr || x.ingress == nullptr)
    return ApiReply::Fail(Error::Unavailable("tenants' agents cannot be reached through this server"));
  if (Status s = ValidateTenantId(id); !s) return ApiReply::Fail(s.error());
  auto located = Locate(x, id);
  if (auto* refused = std::get_if<ApiReply>(&located)) {
    if (refused->status == 503) x.ingress->Count(id, 503, 0);
    return std::move(*refused);
  }
  *target = std::get<Target>(std::move(located));
  *slot = x.ingress->Enter(id);
  if (!*slot) {
    x.ingress->CountBusy();
    x.ingress->Count(id, 503, 0);
    return Unavailable("busy", "too many calls to agents are in progress on this appliance; try again shortly");
  }
  return std::nullopt;
}

}  // namespace

void AddChatRoutes(Router& r, RouteContext& ctx) {
  RouteContext* x = &ctx;
  r.Add({"POST", "/v1/tenants/{id}/openai/v1/chat/completions", Access::kTenantWrite, BodyKind::kJson, {},
         [x](const ApiCall& c) {
           const std::string& id = c.params[0];
           bool stream = false;
           if (x->runtimes != nullptr) {  // refuse a malformed body before asking the loop anything
             if (Status s = PrepareChat(*c.body, *c.principal, &stream); !s) return ApiReply::Fail(s.error());
           }
           Target target;
           std::shared_ptr<void> slot;
           if (std::optional<ApiReply> refused = Admit(*x, id, &target, &slot)) return std::move(*refused);
           GatewayRequest req;
           req.path = "/v1/chat/completions";
           req.body = c.body->Serialize();
           req.token = std::move(target.token);
           req.stream = stream;
           return Forward(*x->ingress, id, target.socket, std::move(req), std::move(slot));
         }});
  r.Add({"GET", "/v1/tenants/{id}/openai/v1/models", Access::kTenantRead, BodyKind::kNone, {}, [x](const ApiCall& c) {
           Target target;
           std::shared_ptr<void> slot;
           if (std::optional<ApiReply> refused = Admit(*x, c.params[0], &target, &slot)) return std::move(*refused);
           GatewayRequest req;
           req.method = "GET";
           req.path = "/v1/models";
           req.token = std::move(target.token);
           return Forward(*x->ingress, c.params[0], target.socket, std::move(req), std::move(slot));
         }});
  r.Add({"GET", "/v1/tenants/{id}/openai/v1/models/{model}", Access::kTenantRead, BodyKind::kNone, {},
         [x](const ApiCall& c) {
           if (c.params[1].empty() || c.params[1].size() > kMaxModelBytes)
             return ApiReply::Fail(Error::Invalid("model id must be 1 to 256 bytes"));
           Target target;
           std::shared_ptr<void> slot;
           if (std::optional<ApiReply> refused = Admit(*x, c.params[0], &target, &slot)) return std::move(*refused);
           GatewayRequest req;
           req.method = "GET";
           req.path = "/v1/models/" + EncodeSegment(c.params[1]);
           req.token = std::move(target.token);
           return Forward(*x->ingress, c.params[0], target.socket, std::move(req), std::move(slot));
         }});
}

}  // namespace clawhive::api
