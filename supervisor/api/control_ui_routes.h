// OpenClaw's Control UI of each tenant, served through the appliance's front behind its sign-in
// (docs/openclaw.md, "OpenClaw's Control UI"):
//
//   GET /v1/tenants/{id}/control-ui/...   the UI's page and assets, fetched from the tenant's gateway
//   GET /v1/tenants/{id}/control-ui       with `Upgrade: websocket`: the UI's socket to the gateway
//
// Every path is tenant-read (the router's authorization point): the gateway serves its assets to anyone,
// so the front is what keeps strangers and other tenants out. A WebSocket is accepted only from the
// appliance's own origin (the browser's Origin must be this request's scheme and Host: a cross-site page
// carries the session cookie too) and is then relayed byte for byte (supervisor/api/ws_relay.h) off the
// API's threads. What the gateway is told about the caller comes from the appliance alone: the user
// (kControlUiUserHeader), the client's address (X-Forwarded-For) and the OpenClaw scopes its role allows
// (x-openclaw-scopes: read for viewers, read and write for admins and operators; never admin).
//
// Nothing else of the browser's request reaches the gateway: not its cookies, Authorization, query
// string, or headers it made up. From the gateway's answer only the body and a few headers come back
// (ControlUiAnswerHeaders); never a cookie.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

#include "supervisor/api/router.h"
#include "supervisor/auth/principal.h"
#include "supervisor/common/result.h"

namespace clawhive::api {

struct RouteContext;

void AddControlUiRoutes(Router& r, RouteContext& ctx);

// An open Control UI socket lives only as long as what opened it may: each of these ends the sockets
// opened by a session (sign-out), a user (deleted, or a password set, which ends its sessions) or an API
// token (revoked). Safe to call when the UI is off.
void EndControlUiSocketsOfSession(RouteContext& ctx, const std::string& session_id);
void EndControlUiSocketsOfUser(RouteContext& ctx, const std::string& user);
void EndControlUiSocketsOfToken(RouteContext& ctx, int64_t token_id);

// ---- pieces, public for tests --------------------------------------------------------------------

// The gateway's path for the rest of a UI path (the router's {path...}: "" or "/a/b"): `base` + each
// segment percent-encoded again. A "." or ".." segment, or one holding a control character or '\',
// is kInvalidArgument: the front never asks the gateway for a path outside the UI.
Result<std::string> GatewayUiPath(std::string_view base, std::string_view rest);

// x-openclaw-scopes for a caller: "operator.read" for a tenant viewer, "operator.read,operator.write" for
// everyone else the route admits.
std::string ControlUiScopes(const auth::Principal& who);

// The origin the browser must send for a WebSocket on this request: "https://" + Host (or "http://" on
// the plain loopback listener). kInvalidArgument for a missing Host or one with anything but letters,
// digits and ".-:[]".
Result<std::string> SameOrigin(bool tls, const std::string* host);

// Whether an address (as the server reports its peer: "127.0.0.1", "::1", "::ffff:127.0.0.2") is
// loopback. OpenClaw cannot attribute a loopback client behind a proxy and refuses it, so the front
// answers such callers itself.
bool IsLoopbackAddress(std::string_view address);

// Which of the gateway's answer headers reach the browser: its content type, its own Content-Security-
// Policy (the UI's inline scripts are hashed in it), caching of its fingerprinted assets, and nothing else.
bool IsControlUiAnswerHeader(std::string_view name);

}  // namespace clawhive::api
