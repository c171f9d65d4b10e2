// BridgePeers: who is calling the proxy, from the connection's source address. A tenant's agent lives in
// a network namespace of its own and reaches the proxy only through its egress bridge, which connects
// from the address in 127.128.0.0/9 that names the tenant's uid (supervisor/bridge/bridge.h); nothing in
// a tenant can choose that address. Connections from any other address come from host processes and
// are asked of `host` (ProcNetPeers: root tools and tests). Thread-safe if `host` is.
#pragma once

#include "supervisor/proxy/proxy_server.h"

namespace clawhive::proxy {

class BridgePeers : public PeerIdentity {
 public:
  explicit BridgePeers(PeerIdentity& host) : host_(host) {}
  std::optional<uint32_t> UidOf(const std::string& client_ip, uint16_t client_port, uint16_t server_port) override;

 private:
  PeerIdentity& host_;
};

}  // namespace clawhive::proxy
