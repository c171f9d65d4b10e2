// clawhive-bridge: carries a tenant's connections across its network namespace boundary; started
// by systemd from units/clawhive-gw@.socket (ingress) and units/clawhive-meter@.socket (egress) with
// the listening sockets passed in (sd_listen_fds). See supervisor/bridge/bridge.h.
//
//   clawhive-bridge --to ADDR:PORT [--to ADDR:PORT ...] [--from ADDR]
//
// With several --to, each passed socket is carried to the --to whose port is its own listening port
// (the egress bridge: 127.0.0.1:8480, the metering proxy, and 127.0.0.1:8481, the egress proxy, inside
// the namespace; the same addresses on the host side), a unix socket's port being its file name
// (the ingress bridge: /run/clawhive/gw/<tenant>/20000.sock -> 127.0.0.1:20000, 20110.sock -> the
// Telegram webhook listener's 127.0.0.1:20110). With one, every socket goes there.
//
// Exit codes: 0 never in normal operation, 2 usage, 1 when no socket was passed or all failed.
#include <arpa/inet.h>
#include <getopt.h>
#include <signal.h>
#include <sys/prctl.h>
#include <systemd/sd-daemon.h>

#include <cstdio>
#include <optional>
#include <string>
#include <vector>

#include "supervisor/bridge/bridge.h"

int main(int argc, char** argv) {
  using namespace clawhive;
  // Nobody may attach to or read the memory of a process that holds a foot in two namespaces.
  ::prctl(PR_SET_DUMPABLE, 0);
  ::signal(SIGPIPE, SIG_IGN);
  std::vector<std::string> to;
  std::string from;
  static const option longs[] = {{"to", required_argument, nullptr, 't'},
                                 {"from", required_argument, nullptr, 'f'},
                                 {"help", no_argument, nullptr, 'h'},
                                 {nullptr, 0, nullptr, 0}};
  for (int c; (c = getopt_long(argc, argv, "", longs, nullptr)) != -1;) {
    if (c == 't') to.push_back(optarg);
    else if (c == 'f') from = optarg;
    else {
      std::fputs("usage: clawhive-bridge --to ADDR:PORT [--to ADDR:PORT ...] [--from ADDR]\n", c == 'h' ? stdout : stderr);
      return c == 'h' ? 0 : 2;
    }
  }
  if (to.empty() || optind != argc) {
    std::fputs("usage: clawhive-bridge --to ADDR:PORT [--to ADDR:PORT ...] [--from ADDR]\n", stderr);
    return 2;
  }
  bridge::BridgeOptions o;
  if (!from.empty()) {
    auto source = bridge::ParseAddress(from, &o.from_len, /*port_required=*/false);
    if (!source) {
      std::fprintf(stderr, "clawhive-bridge: --from %s\n", source.error().message.c_str());
      return 2;
    }
    o.from = *source;
  }
  std::vector<bridge::BridgeOptions> targets;
  std::vector<uint16_t> ports;
  for (const std::string& t : to) {
    bridge::BridgeOptions each = o;
    auto target = bridge::ParseAddress(t, &each.to_len);
    if (!target) {
      std::fprintf(stderr, "clawhive-bridge: --to %s\n", target.error().message.c_str());
      return 2;
    }
    each.to = *target;
    ports.push_back(ntohs(reinterpret_cast<const sockaddr_in*>(&each.to)->sin_port));  // same offset for v6
    targets.push_back(each);
  }
  int n = sd_listen_fds(1);
  std::vector<int> fds;
  std::vector<bridge::BridgeOptions> per_listener;
  for (int i = 0; i < n; ++i) {
    int fd = SD_LISTEN_FDS_START + i;
    sockaddr_storage local{};
    socklen_t len = sizeof local;
    std::optional<uint16_t> port;
    if (::getsockname(fd, reinterpret_cast<sockaddr*>(&local), &len) == 0) port = bridge::ListenerPort(local, len);
    // A listener whose port cannot be told is refused even with one target: it is not one of ours.
    std::optional<size_t> pick = port ? bridge::PickTarget(*port, ports) : std::nullopt;
    if (!pick) {
      std::fprintf(stderr, "clawhive-bridge: no single --to for the listening socket %d (port %u)\n", i, port.value_or(0));
      return 2;
    }
    fds.push_back(fd);
    per_listener.push_back(targets[*pick]);
  }
  sd_notify(0, "READY=1");
  clawhive::Status s = bridge::Serve(fds, per_listener);
  std::fprintf(stderr, "clawhive-bridge: %s\n", s ? "stopped" : s.error().message.c_str());
  return 1;
}
