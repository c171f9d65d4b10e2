// HttpProber: Prober on the sd-event loop with non-blocking sockets, so hundreds of probes share the one
// loop thread. Hand-written on purpose: Poco's HTTPClientSession blocks a thread per request, and a probe
// needs only a status line.
#pragma once

#include <memory>
#include <unordered_map>

#include "supervisor/core/prober.h"
#include "supervisor/systemd/sd_event_loop.h"

namespace clawhive {

class HttpProber : public Prober {
 public:
  explicit HttpProber(SdEventLoop& loop);
  ~HttpProber() override;
  ProbeId Probe(const std::string& socket_path, const std::string& path, uint64_t timeout_ms,
                std::function<void(bool ok)> done) override;
  void Cancel(ProbeId id) override;

 private:
  struct Op;
  static int OnIo(sd_event_source*, int fd, uint32_t revents, void* userdata);
  void Finish(ProbeId id, bool ok);

  SdEventLoop& loop_;
  ProbeId next_ = 1;
  std::unordered_map<ProbeId, std::unique_ptr<Op>> ops_;
};

}  // namespace clawhive
