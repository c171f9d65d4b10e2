// clawhive-bridge: carries a tenant's TCP connections across its network namespace boundary; started
// by systemd from units/clawhive-gw@.socket (ingress) and units/clawhive-meter@.socket (egress) with
// the listening sockets passed in (sd_listen_fds). See supervisor/bridge/bridge.h.
//
//   clawhive-bridge --to ADDR:PORT [--from ADDR]
//
// Exit codes: 0 never in normal operation, 2 usage, 1 when no socket was passed or all failed.
#include <getopt.h>
#include <signal.h>
#include <sys/prctl.h>
#include <systemd/sd-daemon.h>

#include <cstdio>
#include <string>
#include <vector>

#include "supervisor/bridge/bridge.h"

int main(int argc, char** argv) {
  using namespace clawhive;
  // Nobody may attach to or read the memory of a process that holds a foot in two namespaces.
  ::prctl(PR_SET_DUMPABLE, 0);
  ::signal(SIGPIPE, SIG_IGN);
  std::string to, from;
  static const option longs[] = {{"to", required_argument, nullptr, 't'},
                                 {"from", required_argument, nullptr, 'f'},
                                 {"help", no_argument, nullptr, 'h'},
                                 {nullptr, 0, nullptr, 0}};
  for (int c; (c = getopt_long(argc, argv, "", longs, nullptr)) != -1;) {
    if (c == 't') to = optarg;
    else if (c == 'f') from = optarg;
    else {
      std::fputs("usage: clawhive-bridge --to ADDR:PORT [--from ADDR]\n", c == 'h' ? stdout : stderr);
      return c == 'h' ? 0 : 2;
    }
  }
  if (to.empty() || optind != argc) {
    std::fputs("usage: clawhive-bridge --to ADDR:PORT [--from ADDR]\n", stderr);
    return 2;
  }
  bridge::BridgeOptions o;
  auto target = bridge::ParseAddress(to, &o.to_len);
  if (!target) {
    std::fprintf(stderr, "clawhive-bridge: --to %s\n", target.error().message.c_str());
    return 2;
  }
  o.to = *target;
  if (!from.empty()) {
    auto source = bridge::ParseAddress(from, &o.from_len, /*port_required=*/false);
    if (!source) {
      std::fprintf(stderr, "clawhive-bridge: --from %s\n", source.error().message.c_str());
      return 2;
    }
    o.from = *source;
  }
  int n = sd_listen_fds(1);
  std::vector<int> fds;
  for (int i = 0; i < n; ++i) fds.push_back(SD_LISTEN_FDS_START + i);
  sd_notify(0, "READY=1");
  clawhive::Status s = bridge::Serve(fds, o);
  std::fprintf(stderr, "clawhive-bridge: %s\n", s ? "stopped" : s.error().message.c_str());
  return 1;
}
