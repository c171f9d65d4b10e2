// Prober: asynchronous HTTP liveness probes of agents on loopback.
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
  // GET http://127.0.0.1:<port><path>; ok = a 2xx status line arrived within timeout_ms.
  virtual ProbeId Probe(uint16_t port, const std::string& path, uint64_t timeout_ms,
                        std::function<void(bool ok)> done) = 0;
  virtual void Cancel(ProbeId id) = 0;
};

}  // namespace clawhive
