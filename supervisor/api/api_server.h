// ApiServer: the supervisor's REST API (docs/api.md) over Poco::Net::HTTPServer.
//
// Every request goes through one path: resolve the route (supervisor/api/router.h), authorize the
// caller against what the route declares (supervisor/api/auth.h), check query, content type and body
// size, parse the JSON body, then run the route's handler, which calls TenantService or SecretService.
// Handlers run on Poco's connection threads, several at once; both services are safe for that (tenant
// state changes are handed to the supervisor's loop thread; long work — a KEK rotation, an image's
// deletion — runs on the calling request thread so the loop never waits for it). Any exception below the dispatcher becomes a 500
// with a generic message; no input makes the server crash. Nothing is logged, and the token never
// appears in a response.
//
// Secrets (supervisor/api/secret_routes.h) go in and never come out. Every request body is treated as
// possibly secret: the raw text and the parsed document are wiped (OPENSSL_cleanse) when the request is
// done, and neither is reallocated without wiping the old buffer. Not wiped: Poco's own socket and
// stream buffers (pooled by Poco, outside our reach), and strings of at most 15 bytes copied by moves
// while the JSON tree is built (std::string keeps those inline; see supervisor/common/json.h).
#pragma once

#include <cstddef>
#include <cstdint>
#include <memory>
#include <string>

#include "supervisor/api/ingress.h"
#include "supervisor/api/routes.h"
#include "supervisor/api/webhook_gate.h"
#include "supervisor/api/ws_relay.h"
#include "supervisor/auth/identity.h"
#include "supervisor/common/result.h"

namespace clawhive {

// (RuntimeService, SecretService, TenantService, audit::AuditLog and meter::Ledger are declared in routes.h.)

struct ApiServerOptions {
  std::string address = "127.0.0.1";  // IPv4 or IPv6 literal (or a resolvable host name)
  uint16_t port = 8470;               // 0 = an ephemeral port; see ApiServer::port()
  // Users, sessions and API tokens (required; must outlive the server). The root-only bootstrap token
  // is imported into it by the caller as the first operator token.
  auth::Identity* identity = nullptr;
  audit::AuditLog* audit = nullptr;   // every state change is recorded here when set
  meter::Ledger* ledger = nullptr;    // budgets, model usage, providers; nullptr: those routes answer 503
  RuntimeService* runtimes = nullptr;  // OpenClaw images, fleet updates, gateways; nullptr: those answer 503
  api::BrandingDefaults branding;
  egress::OperatorEgress egress;      // what tenant admins may put on their egress allow lists
  bool egress_enabled = true;         // egress.listen is set (shown in GET /v1/tenants/{id}/egress)
  std::string console_dir;            // the console's static files; "" = no console
  size_t max_body = 1 << 20;          // larger request bodies get 413
  api::IngressOptions ingress;        // calls to tenants' agents: time bounds, calls at once (ingress.h)
  uint64_t webhook_rate = 20;         // channel webhook calls a second per tenant (api.webhook_rate)
  bool control_ui = false;            // openclaw.control_ui: serve tenants' OpenClaw Control UI
  api::RelayOptions websockets;       // the Control UI's sockets: caps and idle time (ws_relay.h)
  int threads = 8;                    // connection threads (max queued connections: 256)
  // HTTPS when cert_file is set (PEM certificate, chain may follow; key_file: unencrypted PEM key), TLS
  // 1.2+ only, no client certificates. Empty: plain HTTP, where API tokens presented are revoked and only
  // loopback should be used (the config allows nothing else). See supervisor/tls/certificate.h.
  struct {
    std::string cert_file;
    std::string key_file;
  } tls;
  // On plain HTTP, an API token presented is revoked (it crossed the wire in the clear). Only tests of the
  // dispatcher over plain loopback HTTP turn this off.
  bool plain_http_revokes_tokens = true;
};

class ApiServer {
 public:
  // `service` must outlive the server. Without a SecretService the secret and vault routes answer 503
  // "secrets are not available".
  ApiServer(TenantService& service, ApiServerOptions options);
  // `secrets` (may be nullptr) must outlive the server too.
  ApiServer(TenantService& service, SecretService* secrets, ApiServerOptions options);
  ~ApiServer();  // Stop()s
  ApiServer(const ApiServer&) = delete;
  ApiServer& operator=(const ApiServer&) = delete;

  // Binds (SO_REUSEADDR) and starts serving on Poco threads. Errors: kInvalidArgument for bad options
  // (no identity, threads < 1, an unparsable address), kUnavailable when the address cannot be bound.
  // Calling Start() on a running server is an error (kConflict).
  Status Start();
  // Stops accepting, aborts open connections, waits for running handlers, then ends every relayed
  // WebSocket. Idempotent.
  void Stop();
  // The bound port (the actual one when 0 was asked); 0 before Start().
  uint16_t port() const;

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace clawhive
