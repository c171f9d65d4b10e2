// GatewaySockets: a gateway socket directory of a test's own (IngressOptions::gateway_socket_dir), where
// stand-in gateways listen as tenants' gateway sockets do: <dir>/<tenant>/<port>.sock.
#pragma once

#include <sys/stat.h>

#include <cstdint>
#include <string>

#include "supervisor/tenant/gateway_socket.h"
#include "unit/temp_dir.h"

namespace clawhive::testing {

struct GatewaySockets {
  TempDir dir{"clawhive-gw"};
  // The socket path of `id`'s `port`, its tenant directory made (0700, as systemd makes it).
  std::string Path(const std::string& id, uint16_t port) const {
    ::mkdir(GatewaySocketDirOf(dir.path, id).c_str(), 0700);
    return GatewaySocketPath(dir.path, id, port);
  }
};

}  // namespace clawhive::testing
