// Channel webhooks (docs/api.md, "Channel webhooks"): a tenant whose Telegram channel is in webhook mode
// tells Telegram to call https://<api.public_url>/v1/hooks/telegram/<id>; the front passes each update to
// the tenant's OpenClaw webhook listener on the host's loopback (the gateway socket and bridge into the
// tenant's namespace).
//
// No bearer token: Telegram authenticates with X-Telegram-Bot-Api-Secret-Token, which must equal the
// tenant's webhook secret (a managed vault secret, also OpenClaw's webhookSecret; compared in constant
// time). Every refusal before that — no header, a malformed id, no such tenant, no webhook, a wrong
// secret — is the same 401, so an anonymous caller learns nothing about which tenants exist. In order:
// the header's presence, the tenant's rate (WebhookGate), one hand-off to the loop for the target and
// secret, the comparison, a call slot (Ingress), then the call, bounded in time and answer size.
//
// What reaches the agent: the body as Telegram sent it (at most kMaxUpdateBytes, a JSON object with an
// update_id) and the secret header from the vault; nothing else of the request head.
#include <openssl/crypto.h>
#include <openssl/sha.h>

#include <chrono>
#include <memory>
#include <optional>
#include <string>
#include <utility>

#include "supervisor/api/gateway_forwarder.h"
#include "supervisor/api/ingress.h"
#include "supervisor/api/routes.h"
#include "supervisor/api/webhook_gate.h"
#include "supervisor/openclaw/openclaw_config.h"
#include "supervisor/openclaw/runtime_service.h"
#include "supervisor/tenant/gateway_socket.h"
#include "supervisor/tenant/tenant.h"

namespace clawhive::api {
namespace {

constexpr const char* kSecretHeader = "X-Telegram-Bot-Api-Secret-Token";
constexpr size_t kMaxAnswerBytes = 64 * 1024;
constexpr const char* kChannel = "telegram";

// The same whatever went wrong (see the top of this file).
ApiReply Unauthorized(WebhookGate& gate) {
  gate.CountRefused("unauthorized");
  return ApiReply::Fail(401, "unauthorized", std::string("missing or wrong ") + kSecretHeader);
}

// Constant time in the secrets' contents and lengths: their SHA-256 digests are compared.
bool SameSecret(const std::string& given, const std::string& expected) {
  unsigned char a[SHA256_DIGEST_LENGTH], b[SHA256_DIGEST_LENGTH];
  SHA256(reinterpret_cast<const unsigned char*>(given.data()), given.size(), a);
  SHA256(reinterpret_cast<const unsigned char*>(expected.data()), expected.size(), b);
  return CRYPTO_memcmp(a, b, sizeof a) == 0;
}

// A Telegram Update: an object with a non-negative integer update_id (OpenClaw checks the rest).
bool IsUpdate(const JsonValue& body) {
  if (!body.is_object()) return false;
  const JsonValue* id = body.Find("update_id");
  return id != nullptr && id->AsUnsigned().has_value();
}

// Telegram waits for our answer; OpenClaw answers once the update is in its durable queue, before the
// agent's turn, so seconds are plenty.
GatewayLimits Limits() {
  GatewayLimits l;
  l.connect = std::chrono::milliseconds(3000);
  l.head = std::chrono::milliseconds(30000);
  l.idle = std::chrono::milliseconds(30000);
  l.total = std::chrono::milliseconds(30000);
  return l;
}

// Passes the update on and answers what the listener answered (its 200 carries no body, so Telegram
// never reads a method call out of our answer).
ApiReply Forward(const std::string& socket_dir, const std::string& tenant, const TelegramWebhookTarget& target,
                 const std::string& body) {
  GatewayRequest req;
  req.path = kTelegramWebhookPath;
  req.body = body;
  req.headers.emplace_back(kSecretHeader, target.secret);
  GatewayFailure failure;
  std::unique_ptr<GatewayCall> call =
      GatewayCall::Open(GatewaySocketPath(socket_dir, tenant, target.port), req, Limits(), &failure);
  OPENSSL_cleanse(req.body.data(), req.body.size());
  OPENSSL_cleanse(req.headers.front().second.data(), req.headers.front().second.size());
  if (!call) return ApiReply::Fail(failure.status, failure.code, failure.message);
  std::string answer;
  while (std::optional<std::string> piece = call->Next(&failure)) {
    answer += *piece;
    if (answer.size() > kMaxAnswerBytes)
      return ApiReply::Fail(502, "agent_answer_too_large", "the agent's answer is larger than " + std::to_string(kMaxAnswerBytes) + " bytes");
  }
  if (!failure.code.empty()) return ApiReply::Fail(failure.status, failure.code, failure.message);
  // The listener refusing the appliance's own secret is the appliance's fault, not Telegram's.
  if (call->status() == 401 || call->status() == 403)
    return ApiReply::Fail(502, "agent_refused_appliance", "the tenant's agent refused the appliance's webhook secret for " + tenant);
  ApiReply r;
  r.status = call->status();
  r.content_type = call->content_type().empty() ? "text/plain; charset=utf-8" : call->content_type();
  r.body = std::move(answer);
  return r;
}

ApiReply TelegramUpdate(RouteContext& x, const ApiCall& c) {
  if (x.runtimes == nullptr || x.ingress == nullptr || x.webhooks == nullptr)
    return ApiReply::Fail(Error::Unavailable("channel webhooks are not served by this server"));
  WebhookGate& gate = *x.webhooks;
  const std::string& id = c.params[0];
  const std::string* given = c.Header(kSecretHeader);
  if (given == nullptr || given->empty() || !ValidateTenantId(id)) return Unauthorized(gate);
  if (!gate.Admit(id)) {
    gate.CountRefused("rate");
    ApiReply r = ApiReply::Fail(429, "too_many_requests", "too many webhook calls for this tenant; try again shortly");
    r.headers.emplace_back("Retry-After", "1");
    return r;
  }
  Result<TelegramWebhookTarget> target = x.runtimes->TelegramWebhook(id);
  if (!target) {
    if (target.error().code != ErrorCode::kNotFound) return ApiReply::Fail(target.error());
    return Unauthorized(gate);
  }
  const bool same = SameSecret(*given, target->secret);
  if (!same) {
    OPENSSL_cleanse(target->secret.data(), target->secret.size());
    return Unauthorized(gate);
  }
  // From here on the caller is Telegram speaking for this tenant's bot.
  ApiReply reply;
  if (!IsUpdate(*c.body)) {
    reply = ApiReply::Fail(Error::Invalid("the body must be a Telegram Update (a JSON object with an update_id)"));
  } else if (std::shared_ptr<void> slot = x.ingress->Enter(id); !slot) {
    x.ingress->CountBusy();
    reply = ApiReply::Fail(503, "busy", "too many calls to agents are in progress on this appliance; try again shortly");
    reply.headers.emplace_back("Retry-After", "5");
  } else {
    reply = Forward(x.ingress->options().gateway_socket_dir, id, *target, *c.raw_body);
  }
  OPENSSL_cleanse(target->secret.data(), target->secret.size());
  gate.Count(id, kChannel, reply.status);
  reply.audit_tenant = id;
  return reply;
}

}  // namespace

void AddWebhookRoutes(Router& r, RouteContext& ctx) {
  RouteContext* x = &ctx;
  r.Add({"POST", "/v1/hooks/telegram/{id}", Access::kPublic, BodyKind::kJson, {},
         [x](const ApiCall& c) {
           ApiReply reply = TelegramUpdate(*x, c);
           reply.audit_actor = "telegram";
           reply.audit_role = "webhook";
           return reply;
         }},
        RouteInput{{kSecretHeader}, kMaxTelegramUpdateBytes});
}

}  // namespace clawhive::api
