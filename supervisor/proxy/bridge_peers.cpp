#include "supervisor/proxy/bridge_peers.h"

#include "supervisor/bridge/bridge.h"

namespace clawhive::proxy {

std::optional<uint32_t> BridgePeers::UidOf(const std::string& client_ip, uint16_t client_port, uint16_t server_port) {
  // Poco gives IPv4 peers of a dual-stack socket as "::ffff:a.b.c.d".
  std::string ip = client_ip.rfind("::ffff:", 0) == 0 ? client_ip.substr(7) : client_ip;
  if (std::optional<uint32_t> uid = bridge::UidOfSourceAddress(ip)) return uid;
  return host_.UidOf(client_ip, client_port, server_port);
}

}  // namespace clawhive::proxy
