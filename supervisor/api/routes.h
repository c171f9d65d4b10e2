// The route groups of the REST API (docs/api.md, docs/openapi.yaml) and what their handlers may use.
// Each Add*Routes adds its routes to the one table, each declaring who may call it (router.h); the
// dispatcher authorizes, reads the body and audits, then calls the handler.
#pragma once

#include <cstddef>
#include <cstdint>
#include <functional>
#include <string>

#include "supervisor/api/router.h"
#include "supervisor/auth/identity.h"
#include "supervisor/egress/policy.h"

namespace clawhive {
class RuntimeService;
class SecretService;
class TenantService;
namespace audit {
class AuditLog;
}
namespace meter {
class Ledger;
}
}  // namespace clawhive

namespace clawhive::api {

class Ingress;
class WebhookGate;
class WebSocketRelays;

// The largest Telegram update the webhook route takes (413 above it); Telegram's are a few KiB.
inline constexpr size_t kMaxTelegramUpdateBytes = 256 * 1024;

// Defaults until an operator sets branding through the API.
struct BrandingDefaults {
  std::string product_name = "Clawhive";
  std::string primary_color = "#1f6feb";
};

// Everything here must outlive the router.
struct RouteContext {
  TenantService& tenants;
  SecretService* secrets = nullptr;  // nullptr: the secret routes answer 503
  auth::Identity& identity;
  audit::AuditLog* audit = nullptr;  // nullptr: audit routes answer 503
  BrandingDefaults branding;
  std::string console_dir;           // the console's static files; "" = no console
  std::function<int64_t()> now_ms;   // wall clock, unix ms
  int64_t session_max_age_s = 12 * 60 * 60;
  meter::Ledger* ledger = nullptr;   // nullptr: metering routes answer 503
  RuntimeService* runtimes = nullptr;  // nullptr: image, fleet and gateway routes answer 503
  Ingress* ingress = nullptr;          // nullptr: the tenants' OpenAI-compatible endpoints answer 503
  WebhookGate* webhooks = nullptr;     // nullptr: channel webhooks answer 503
  WebSocketRelays* relays = nullptr;   // nullptr: the Control UI answers 404 (off)
  bool control_ui = false;             // openclaw.control_ui: tenants' gateways serve OpenClaw's Control UI
  egress::OperatorEgress egress;       // clawhive.yaml's egress: what tenant admins may choose (egress_routes)
  bool egress_enabled = true;          // egress.listen is set
};

void AddTenantRoutes(Router& r, RouteContext& ctx);    // tenants, incidents, usage, system, metrics, health
void AddSessionRoutes(Router& r, RouteContext& ctx);   // sign in/out, own password
void AddIdentityRoutes(Router& r, RouteContext& ctx);  // users and API tokens, platform and per tenant
void AddAuditRoutes(Router& r, RouteContext& ctx);
void AddConsoleRoutes(Router& r, RouteContext& ctx);   // branding and the console's files
void AddMeterRoutes(Router& r, RouteContext& ctx);     // budgets, model usage, billing, providers
void AddRuntimeRoutes(Router& r, RouteContext& ctx);   // OpenClaw images, fleet updates, gateway tokens
void AddChatRoutes(Router& r, RouteContext& ctx);      // each tenant's OpenAI-compatible endpoint (its agent)
void AddWebhookRoutes(Router& r, RouteContext& ctx);   // channel webhooks (Telegram) into tenants' agents
void AddEgressRoutes(Router& r, RouteContext& ctx);    // each tenant's egress allow list and bytes
// OpenClaw's Control UI of each tenant: supervisor/api/control_ui_routes.h.

// Builds the whole table (as ApiServer serves it); for the server, the OpenAPI walker and tests.
void AddAllRoutes(Router& r, RouteContext& ctx);

}  // namespace clawhive::api
