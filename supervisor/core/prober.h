// Prober: asynchronous HTTP liveness probes of agents through their gateway sockets (unix sockets on the
// host that only root may open, carried into each tenant's namespace: tenant/gateway_socket.h).
//
// The real one (HttpProber) runs non-blocking sockets on the sd-event loop; tests use FakeProber.
// Called on the loop thread; the callback runs there too, exactly once, unless Cancel()ed first.
#pragma once

#include <cstdint>
#include <functional>
#include <string>

namespace clawhive {

using ProbeId = uint64_t;

class Prober {
 public:
  virtual ~Prober() = default;
  // GET <path> over the unix socket at `socket_path` (GatewaySocketPath); ok = a 2xx status line arrived
  // within timeout_ms.
  virtual ProbeId Probe(const std::string& socket_path, const std::string& path, uint64_t timeout_ms,
                        std::function<void(bool ok)> done) = 0;
  virtual void Cancel(ProbeId id) = 0;
};

}  // namespace clawhive
