// Where a tenant's gateway listens for the host (docs/security.md, "Network"): one unix socket per port
// the gateway's socket unit carries into the tenant's namespace, <dir>/<tenant id>/<port>.sock, in a
// directory only root may enter (units/clawhive-gw@.socket). The file name is the port inside the
// namespace, so clawhive-bridge knows where a listener goes (bridge::ListenerPort) and the path says
// what it is. Pure functions, no I/O.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace clawhive {

// systemd creates it (0700 root, DirectoryMode=) when a tenant's gateway socket starts; the supervisor
// removes a deleted tenant's directory with its drop-ins.
inline constexpr const char* kGatewaySocketDir = "/run/clawhive/gw";

// "<dir>/<id>/<port>.sock", e.g. /run/clawhive/gw/acme/20000.sock. The id must be valid
// (ValidateTenantId: at most 32 of [a-z0-9-]), which keeps the default's paths far below sun_path's 108.
std::string GatewaySocketPath(const std::string& dir, const std::string& id, uint16_t port);
// The directory holding a tenant's gateway sockets: "<dir>/<id>".
std::string GatewaySocketDirOf(const std::string& dir, const std::string& id);

// The port a gateway socket's path (or bare file name) names: "…/20000.sock" -> 20000. nullopt for
// anything else: no digits, a sign, leading zeros, more than 65535 or 0, another suffix.
std::optional<uint16_t> GatewaySocketPort(std::string_view path);

}  // namespace clawhive
