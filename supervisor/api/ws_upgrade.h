// WebSocket upgrades through the appliance's front to a tenant's gateway (docs/openclaw.md, "OpenClaw's
// Control UI"): what the front accepts from a browser, what it sends the gateway in its place, and what it
// requires of the gateway's answer before a single frame is relayed.
//
// The gateway accepts every upgrade and authenticates in the protocol's first frame (checked with
// tests/openclaw/probe-trusted-proxy), so the front must decide everything before it forwards one:
// signed in (the route's Access), from the appliance's own origin (a cross-site page in the same browser
// carries the session cookie too), well formed. The head sent on is composed from fixed parts and the
// validated key and subprotocols only: nothing else of the caller's head (cookies, Authorization,
// identity or X-Forwarded-* headers it made up, extensions) reaches the gateway. Extensions are never
// offered, so frames pass uncompressed and the relay needs no inflater.
//
// Pure functions over strings; no I/O, no state. Thread-safe.
#pragma once

#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "supervisor/common/result.h"

namespace clawhive::api {

using HeaderList = std::vector<std::pair<std::string, std::string>>;

// A browser's upgrade request, validated.
struct WebSocketUpgrade {
  std::string key;                     // Sec-WebSocket-Key: 16 random bytes in base64 (24 characters)
  std::vector<std::string> protocols;  // Sec-WebSocket-Protocol, in the caller's order; may be empty
};

// Checks `method` and the request's `headers` (names in any case; each name at most once) against RFC 6455
// section 4.2.1 and the appliance's rule: `Origin` must be exactly `allowed_origin`
// ("https://appliance.example:8443", scheme://host[:port] as the browser sends it). Errors are
// kInvalidArgument (a 400 with the reason), or kUnauthorized for a foreign or missing origin (a 403).
Result<WebSocketUpgrade> ParseUpgrade(std::string_view method, const HeaderList& headers,
                                      std::string_view allowed_origin);

// The request head the front sends the gateway: `GET <path> HTTP/1.1`, Host, the upgrade headers with the
// browser's key and protocols, the Origin the gateway is configured to allow (`origin`), then `extra`
// (the front's identity and forwarding headers, made by the caller from the appliance's own values).
// `path` must start with '/' and hold no space or control character; `extra` names and values no
// CR/LF/NUL (checked: kInvalidArgument otherwise, a bug in the caller rather than input).
Result<std::string> ComposeGatewayUpgrade(const WebSocketUpgrade& upgrade, std::string_view path,
                                          std::string_view host, std::string_view origin,
                                          const HeaderList& extra);

// The gateway's answer head (status line through the blank line) for `upgrade`.
struct GatewayUpgradeAnswer {
  int status = 0;
  std::string protocol;  // the subprotocol it chose, one the browser offered; empty: none
};
// 101 with `Upgrade: websocket`, `Connection: upgrade` and the Sec-WebSocket-Accept that `upgrade.key`
// requires; a protocol only from the offered ones; no extension (none was offered). Anything else is
// kUnavailable with what was wrong (a 502 to the browser). A non-101 status is returned as an error
// whose message names it.
Result<GatewayUpgradeAnswer> CheckGatewayAnswer(std::string_view head, const WebSocketUpgrade& upgrade);

// The 101 head the front sends the browser once the gateway agreed.
std::string ComposeClientAnswer(const WebSocketUpgrade& upgrade, const GatewayUpgradeAnswer& answer);

// base64(SHA-1(key + the RFC 6455 GUID)).
std::string WebSocketAccept(std::string_view key);

}  // namespace clawhive::api
