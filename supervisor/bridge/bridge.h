// Bridge: carries connections across a network namespace boundary (docs/security.md, "Network").
//
// Every tenant's agent runs in a network namespace of its own that holds only its loopback. systemd
// creates two listening sockets per tenant (units/clawhive-gw@.socket, units/clawhive-meter@.socket) and
// hands each to one bridge process:
//   - ingress: the socket is a unix socket on the host, /run/clawhive/gw/<tenant>/<port>.sock
//     (tenant/gateway_socket.h), that only root may open; the bridge runs inside the tenant's namespace
//     and connects to 127.0.0.1:<port> there, the gateway (or its Telegram webhook listener). The
//     supervisor's probes and the API's front reach the gateway this way; no other host user can (a TCP
//     port on the host's loopback would let any of them act as the front), and the tenant's neighbours,
//     in namespaces and mount views of their own, cannot either.
//   - egress: the socket listens inside the tenant's namespace (the metering proxy's address); the bridge
//     runs on the host side and connects to the real proxy from a source address that names the tenant
//     (TenantSourceAddress), which is how the proxy knows who is calling.
// A bridge never reads or changes a byte; it only copies both ways and passes half-closes on.
//
// Threads: Serve() accepts on the calling thread and copies each connection on a thread of its own
// (connections are few: probes and model calls), at most `max_connections` at once; more are refused by
// closing them. Serve() returns when every listening socket failed (never in normal operation).
#pragma once

#include <netinet/in.h>

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "supervisor/common/result.h"

namespace clawhive::bridge {

struct BridgeOptions {
  sockaddr_storage to{};              // where each accepted connection is carried
  socklen_t to_len = 0;
  std::optional<sockaddr_storage> from;  // the local address outgoing connections bind (port 0)
  socklen_t from_len = 0;
  int max_connections = 256;
  int connect_timeout_ms = 5000;
};

// Parses "127.0.0.1:8480" or "[::1]:8480" (numeric addresses only: a bridge resolves no names).
Result<sockaddr_storage> ParseAddress(const std::string& text, socklen_t* len, bool port_required = true);

// Accepts on `listen_fds` (already listening, e.g. from sd_listen_fds) and carries each connection to
// options.to. Blocks; see the thread rules above.
Status Serve(const std::vector<int>& listen_fds, const BridgeOptions& options);
// The same with a target per listener: a connection accepted on listen_fds[i] is carried to
// per_listener[i].to (the egress bridge carries the metering proxy's port and the egress proxy's, one
// socket unit with two ListenStream= lines). At most per_listener[0].max_connections at once in all.
Status Serve(const std::vector<int>& listen_fds, const std::vector<BridgeOptions>& per_listener);

// Which of several --to targets a listener carries to: the one whose port is the listener's own port
// (each listening address inside the namespace mirrors the host-side service it stands for); with one
// target, that one for every listener. nullopt when none or more than one match.
std::optional<size_t> PickTarget(uint16_t listener_port, const std::vector<uint16_t>& target_ports);
// The port a listening socket stands for, for PickTarget: a TCP listener's own port; a unix listener's
// file name, "<port>.sock" (GatewaySocketPort: the port inside the namespace it carries to). nullopt for
// an unnamed or abstract unix socket, a name that is not exactly a port, or another family.
std::optional<uint16_t> ListenerPort(const sockaddr_storage& local, socklen_t len);

// Copies bytes both ways between two connected sockets until both directions reached end of file (each
// end's EOF is passed on as shutdown(SHUT_WR)) or either failed. Closes neither. Exposed for tests.
void Pump(int a, int b);

// The loopback address that identifies tenant uid `uid` to the metering proxy: 127.128.0.0/9 holds one
// address per uid below 2^23 (uid 300001 -> 127.132.147.225). nullopt for larger uids.
std::optional<std::string> TenantSourceAddress(uint32_t uid);
// The inverse: the uid an address of 127.128.0.0/9 names; nullopt for any other address.
std::optional<uint32_t> UidOfSourceAddress(const std::string& ipv4);

}  // namespace clawhive::bridge
