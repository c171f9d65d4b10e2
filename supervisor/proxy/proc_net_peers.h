// ProcNetPeers: which local user owns the client end of a TCP connection to the proxy, read from
// /proc/net/tcp and /proc/net/tcp6 (the client socket's line: local = the client's address, remote = the
// proxy's port; its uid column). Works only for clients on this host, which is all the proxy serves.
//
// Answers are cached for a few seconds per client address (a connection's source port is not reused
// while it lives, and keep-alive connections make repeat lookups common). Thread-safe.
#pragma once

#include <chrono>
#include <map>
#include <mutex>
#include <string>

#include "supervisor/proxy/proxy_server.h"

namespace clawhive::proxy {

class ProcNetPeers : public PeerIdentity {
 public:
  // `proc_net`: the directory holding tcp and tcp6 (tests pass a fixture directory). /proc/self/net, not
  // /proc/net: the proxy runs with ProcSubset=pid, which hides /proc's top-level entries.
  explicit ProcNetPeers(std::string proc_net = "/proc/self/net") : dir_(std::move(proc_net)) {}
  std::optional<uint32_t> UidOf(const std::string& client_ip, uint16_t client_port, uint16_t server_port) override;

 private:
  std::string dir_;
  std::mutex mu_;
  struct Entry {
    uint32_t uid;
    std::chrono::steady_clock::time_point at;
  };
  std::map<std::string, Entry> cache_;  // "ip:port:server_port"
};

// One line of /proc/net/tcp{,6}: the uid of the socket whose local port is `local_port` and remote port
// is `remote_port`; nullopt when the line is something else or malformed. Exposed for tests.
std::optional<uint32_t> MatchProcNetLine(const std::string& line, uint16_t local_port, uint16_t remote_port);

}  // namespace clawhive::proxy
