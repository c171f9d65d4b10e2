#include "supervisor/egress/relay.h"

#include <poll.h>
#include <sys/socket.h>

#include <algorithm>
#include <cerrno>
#include <chrono>

#include "supervisor/common/send_all.h"

namespace clawhive::egress {
namespace {

int64_t NowMs() {
  return std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::steady_clock::now().time_since_epoch())
      .count();
}

}  // namespace

const char* ToString(RelayEnd e) {
  switch (e) {
    case RelayEnd::kClosed: return "closed";
    case RelayEnd::kIdle: return "idle";
    case RelayEnd::kError: return "error";
  }
  return "error";
}

RelayEnd Relay(int client, int upstream, const RelayOptions& o,
               const std::function<void(const RelayCounts& delta)>& progress) {
  const int fds[2] = {client, upstream};
  pollfd p[2] = {{client, POLLIN, 0}, {upstream, POLLIN, 0}};
  bool open[2] = {true, true};
  static thread_local char buf[65536];
  RelayCounts pending;
  int64_t last_move = NowMs(), last_report = last_move;
  RelayEnd end = RelayEnd::kClosed;
  auto report = [&] {
    if (pending.out || pending.in) progress(pending);
    pending = {};
    last_report = NowMs();
  };
  while (open[0] || open[1]) {
    int64_t now = NowMs();
    int64_t wait = std::min<int64_t>(last_move + o.idle_timeout_ms - now, last_report + o.report_every_ms - now);
    int ready = ::poll(p, 2, static_cast<int>(std::max<int64_t>(wait, 0)));
    if (ready < 0) {
      if (errno == EINTR) continue;
      end = RelayEnd::kError;
      break;
    }
    now = NowMs();
    if (now - last_report >= o.report_every_ms) report();
    if (ready == 0) {
      if (now - last_move >= o.idle_timeout_ms) {
        end = RelayEnd::kIdle;
        break;
      }
      continue;
    }
    bool failed = false;
    for (int i = 0; i < 2 && !failed; ++i) {
      if (!open[i] || !(p[i].revents & (POLLIN | POLLHUP | POLLERR))) continue;
      ssize_t n = ::recv(p[i].fd, buf, sizeof buf, 0);
      if (n < 0 && (errno == EINTR || errno == EAGAIN)) continue;
      if (n < 0) {
        failed = true;
        break;
      }
      int other = fds[1 - i];
      if (n == 0) {
        open[i] = false;
        p[i].events = 0;
        p[i].fd = -1;
        ::shutdown(other, SHUT_WR);
        continue;
      }
      if (!SendAll(other, std::string_view(buf, static_cast<size_t>(n)))) {
        failed = true;
        break;
      }
      (i == 0 ? pending.out : pending.in) += static_cast<uint64_t>(n);
      last_move = now;
    }
    if (failed) {
      end = RelayEnd::kError;
      break;
    }
  }
  report();
  return end;
}

}  // namespace clawhive::egress
