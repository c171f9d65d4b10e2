// FakeProber: answers probes from a per-port table, asynchronously through the FakeLoop. Records the
// gateway socket and path of every probe, in order. Ports are those the sockets' names say
// (GatewaySocketPort), so tests keep speaking of a tenant's port; sockets() shows the whole paths.
#pragma once

#include <map>
#include <set>
#include <string>
#include <vector>

#include "supervisor/core/prober.h"
#include "supervisor/tenant/gateway_socket.h"
#include "unit/fake_loop.h"

namespace clawhive {

class FakeProber : public Prober {
 public:
  explicit FakeProber(FakeLoop& loop) : loop_(loop) {}
  ProbeId Probe(const std::string& socket_path, const std::string& path, uint64_t,
                std::function<void(bool)> done) override {
    ProbeId id = next_++;
    live_.insert(id);
    sockets_.push_back(socket_path);
    uint16_t port = GatewaySocketPort(socket_path).value_or(0);  // 0: not a gateway socket, never healthy
    ++count_[port];
    paths_[port].push_back(path);
    bool ok = port != 0 && (healthy_.count(port) ? healthy_[port] : true);
    loop_.Post([this, id, ok, done] {
      if (live_.erase(id)) done(ok);
    });
    return id;
  }
  void Cancel(ProbeId id) override { live_.erase(id); }

  void SetHealthy(uint16_t port, bool ok) { healthy_[port] = ok; }
  int probes(uint16_t port) { return count_[port]; }
  // The paths probed on `port`, oldest first.
  const std::vector<std::string>& paths(uint16_t port) { return paths_[port]; }
  // The gateway sockets probed, oldest first.
  const std::vector<std::string>& sockets() const { return sockets_; }

 private:
  FakeLoop& loop_;
  ProbeId next_ = 1;
  std::set<ProbeId> live_;
  std::map<uint16_t, bool> healthy_;
  std::map<uint16_t, int> count_;
  std::map<uint16_t, std::vector<std::string>> paths_;
  std::vector<std::string> sockets_;
};

}  // namespace clawhive
