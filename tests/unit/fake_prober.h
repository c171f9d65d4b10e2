// FakeProber: answers probes from a per-port table, asynchronously through the FakeLoop. Records the
// path of every probe per port, in order.
#pragma once

#include <map>
#include <set>
#include <string>
#include <vector>

#include "supervisor/core/prober.h"
#include "unit/fake_loop.h"

namespace clawhive {

class FakeProber : public Prober {
 public:
  explicit FakeProber(FakeLoop& loop) : loop_(loop) {}
  ProbeId Probe(uint16_t port, const std::string& path, uint64_t, std::function<void(bool)> done) override {
    ProbeId id = next_++;
    live_.insert(id);
    ++count_[port];
    paths_[port].push_back(path);
    bool ok = healthy_.count(port) ? healthy_[port] : true;
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

 private:
  FakeLoop& loop_;
  ProbeId next_ = 1;
  std::set<ProbeId> live_;
  std::map<uint16_t, bool> healthy_;
  std::map<uint16_t, int> count_;
  std::map<uint16_t, std::vector<std::string>> paths_;
};

}  // namespace clawhive
