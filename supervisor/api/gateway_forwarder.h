// GatewayCall: one HTTP request from the appliance to a tenant's gateway through its gateway socket (a
// unix socket on the host only root may open, /run/clawhive/gw/<id>/<port>.sock: the clawhive-gw@ socket
// and bridge into the tenant's namespace; tenant/gateway_socket.h), and its answer read piece by piece as
// it arrives, so a stream of server-sent events is passed on without ever being held whole.
//
// The request is made here from fixed parts only: the method, a path the route chose, the body, the
// gateway's bearer token. Nothing of the caller's request head (its Authorization, cookies, Host,
// OpenClaw's x-openclaw-* headers) reaches the gateway. The socket's path is made by the route from the
// tenant's stored port (GatewaySocketPath): no caller input picks where a connection goes.
//
// Blocking: Open and Next wait on the socket within the given bounds. Call them on an API request thread,
// never on the supervisor's loop. One object per call, used by one thread at a time.
#pragma once

#include <chrono>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include <Poco/Net/StreamSocket.h>

#include "supervisor/common/result.h"

namespace clawhive::api {

// A stream socket connected to a tenant gateway's socket (GatewaySocketPath) within `timeout` (a full
// backlog waits that long; a missing or refused socket fails at once), blocking, its timeouts unset. For
// GatewayCall and anyone else carrying bytes to a gateway (a WebSocket relay). Errors: kNotFound (no
// socket there: the tenant's gateway socket unit is not running), kUnavailable (refused: a stale file
// with no listener; the backlog stayed full; any other failure), kInvalidArgument (not a path that fits
// a unix socket address). Messages name the path and the reason.
Result<Poco::Net::StreamSocket> ConnectGatewaySocket(const std::string& socket_path, std::chrono::milliseconds timeout);

struct GatewayRequest {
  std::string method = "POST";
  std::string path;          // "/v1/chat/completions"; made by the route, never the caller's text
  std::string body;          // JSON; empty for a GET
  std::string token;         // the gateway's bearer token; empty: no Authorization header
  bool stream = false;       // asks for text/event-stream
  // Further headers the route sets from the appliance's own values (a webhook's secret from the vault),
  // never copied from the caller's request.
  std::vector<std::pair<std::string, std::string>> headers;
};

struct GatewayLimits {
  std::chrono::milliseconds connect{3000};
  std::chrono::milliseconds head{180000};    // until the answer's status line and headers
  std::chrono::milliseconds idle{120000};    // between two reads of the body
  std::chrono::milliseconds total{900000};   // the whole call
};

// Why a call failed, as the caller is told: 502 bad_gateway (refused, reset, malformed answer), 504
// gateway_timeout (a bound passed). `during_body`: the answer's head had already been passed on.
struct GatewayFailure {
  int status = 502;
  std::string code;     // "agent_unreachable", "agent_timeout", "agent_broken_answer"
  std::string message;
};

class GatewayCall {
 public:
  ~GatewayCall();
  GatewayCall(const GatewayCall&) = delete;
  GatewayCall& operator=(const GatewayCall&) = delete;

  // Connects to the gateway socket at `socket_path` (ConnectGatewaySocket), sends the request (Host:
  // 127.0.0.1:<the port the socket's name says>, as the gateway sees its callers come from its loopback)
  // and reads the answer's head.
  static std::unique_ptr<GatewayCall> Open(const std::string& socket_path, const GatewayRequest& request,
                                           const GatewayLimits& limits, GatewayFailure* failure);

  int status() const { return status_; }
  const std::string& content_type() const { return content_type_; }
  bool is_event_stream() const;

  // The next piece of the body as it arrived (one read: whatever the gateway has sent so far, at most
  // 16 KiB); std::nullopt at its end. A timeout or broken connection sets *failure and returns nullopt.
  std::optional<std::string> Next(GatewayFailure* failure);

 private:
  struct Impl;
  explicit GatewayCall(std::unique_ptr<Impl> impl);
  std::unique_ptr<Impl> impl_;
  int status_ = 0;
  std::string content_type_;
};

}  // namespace clawhive::api
