#include "supervisor/bridge/bridge.h"

#include <arpa/inet.h>
#include <fcntl.h>
#include <poll.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <cerrno>
#include <cstddef>
#include <cstring>
#include <string_view>
#include <thread>

#include "supervisor/common/send_all.h"
#include "supervisor/common/unique_fd.h"
#include "supervisor/tenant/gateway_socket.h"

namespace clawhive::bridge {
namespace {

std::atomic<int> g_live{0};

// A connect with a deadline: the far end may be a gateway that is still starting (SYNs to a closed
// loopback port are refused at once, so the deadline matters only for a wedged peer).
UniqueFd ConnectOut(const BridgeOptions& o) {
  UniqueFd fd(::socket(o.to.ss_family, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0));
  if (fd.get() < 0) return UniqueFd();
  if (o.from && ::bind(fd.get(), reinterpret_cast<const sockaddr*>(&*o.from), o.from_len) != 0) return UniqueFd();
  if (::connect(fd.get(), reinterpret_cast<const sockaddr*>(&o.to), o.to_len) != 0) {
    if (errno != EINPROGRESS) return UniqueFd();
    pollfd p{fd.get(), POLLOUT, 0};
    if (::poll(&p, 1, o.connect_timeout_ms) != 1) return UniqueFd();
    int err = 0;
    socklen_t len = sizeof err;
    if (::getsockopt(fd.get(), SOL_SOCKET, SO_ERROR, &err, &len) != 0 || err != 0) return UniqueFd();
  }
  int flags = ::fcntl(fd.get(), F_GETFL);
  ::fcntl(fd.get(), F_SETFL, flags & ~O_NONBLOCK);
  return fd;
}

}  // namespace

Result<sockaddr_storage> ParseAddress(const std::string& text, socklen_t* len, bool port_required) {
  sockaddr_storage ss{};
  std::string host = text, port;
  if (!text.empty() && text[0] == '[') {
    size_t close = text.find(']');
    if (close == std::string::npos) return Error::Invalid("'" + text + "': missing ']'");
    host = text.substr(1, close - 1);
    if (close + 1 < text.size()) {
      if (text[close + 1] != ':') return Error::Invalid("'" + text + "': expected ':' after ']'");
      port = text.substr(close + 2);
    }
  } else if (size_t colon = text.rfind(':'); colon != std::string::npos) {
    host = text.substr(0, colon);
    port = text.substr(colon + 1);
  }
  unsigned long p = 0;
  if (!port.empty()) {
    char* end = nullptr;
    p = std::strtoul(port.c_str(), &end, 10);
    if (*end != '\0' || p == 0 || p > 65535) return Error::Invalid("'" + text + "': port must be 1..65535");
  } else if (port_required) {
    return Error::Invalid("'" + text + "': missing port");
  }
  auto* v4 = reinterpret_cast<sockaddr_in*>(&ss);
  auto* v6 = reinterpret_cast<sockaddr_in6*>(&ss);
  if (::inet_pton(AF_INET, host.c_str(), &v4->sin_addr) == 1) {
    v4->sin_family = AF_INET;
    v4->sin_port = htons(static_cast<uint16_t>(p));
    *len = sizeof(sockaddr_in);
  } else if (::inet_pton(AF_INET6, host.c_str(), &v6->sin6_addr) == 1) {
    v6->sin6_family = AF_INET6;
    v6->sin6_port = htons(static_cast<uint16_t>(p));
    *len = sizeof(sockaddr_in6);
  } else {
    return Error::Invalid("'" + text + "': not a numeric IPv4 or IPv6 address");
  }
  return ss;
}

void Pump(int a, int b) {
  const int fds[2] = {a, b};
  pollfd p[2] = {{a, POLLIN, 0}, {b, POLLIN, 0}};
  bool open[2] = {true, true};  // whether each side may still send us data
  char buf[65536];
  while (open[0] || open[1]) {
    if (::poll(p, 2, -1) < 0) {
      if (errno == EINTR) continue;
      return;
    }
    for (int i = 0; i < 2; ++i) {
      if (!open[i] || !(p[i].revents & (POLLIN | POLLHUP | POLLERR))) continue;
      ssize_t n = ::recv(p[i].fd, buf, sizeof buf, 0);
      if (n < 0 && (errno == EINTR || errno == EAGAIN)) continue;
      if (n < 0) return;  // a reset: the caller closes both ends
      int other = fds[1 - i];  // p[1 - i].fd is -1 once that side has sent its EOF
      if (n == 0) {
        open[i] = false;
        p[i].events = 0;
        p[i].fd = -1;  // poll ignores negative descriptors
        ::shutdown(other, SHUT_WR);
        continue;
      }
      if (!SendAll(other, std::string_view(buf, static_cast<size_t>(n)))) return;
    }
  }
}

Status Serve(const std::vector<int>& listen_fds, const BridgeOptions& options) {
  return Serve(listen_fds, std::vector<BridgeOptions>(listen_fds.size(), options));
}

std::optional<size_t> PickTarget(uint16_t listener_port, const std::vector<uint16_t>& target_ports) {
  if (target_ports.size() == 1) return 0;
  std::optional<size_t> found;
  for (size_t i = 0; i < target_ports.size(); ++i) {
    if (target_ports[i] != listener_port) continue;
    if (found) return std::nullopt;
    found = i;
  }
  return found;
}

std::optional<uint16_t> ListenerPort(const sockaddr_storage& local, socklen_t len) {
  if (local.ss_family == AF_INET && len >= sizeof(sockaddr_in))
    return ntohs(reinterpret_cast<const sockaddr_in*>(&local)->sin_port);
  if (local.ss_family == AF_INET6 && len >= sizeof(sockaddr_in6))
    return ntohs(reinterpret_cast<const sockaddr_in6*>(&local)->sin6_port);
  if (local.ss_family != AF_UNIX) return std::nullopt;
  const auto* un = reinterpret_cast<const sockaddr_un*>(&local);
  const size_t offset = offsetof(sockaddr_un, sun_path);
  if (len <= offset || un->sun_path[0] == '\0') return std::nullopt;  // unnamed or abstract
  // The kernel's length may or may not count a terminating NUL; never read past either.
  size_t max = std::min<size_t>(len - offset, sizeof un->sun_path);
  std::string_view path(un->sun_path, ::strnlen(un->sun_path, max));
  return GatewaySocketPort(path);
}

Status Serve(const std::vector<int>& listen_fds, const std::vector<BridgeOptions>& per_listener) {
  if (per_listener.size() != listen_fds.size()) return Error::Invalid("one target per listening socket");
  if (listen_fds.empty()) return Error::Invalid("no listening socket was passed (run from a .socket unit)");
  std::vector<pollfd> polls;
  for (int fd : listen_fds) polls.push_back({fd, POLLIN, 0});
  size_t alive = polls.size();
  while (alive > 0) {
    if (::poll(polls.data(), polls.size(), -1) < 0) {
      if (errno == EINTR) continue;
      return Error::Unavailable(std::string("poll: ") + std::strerror(errno));
    }
    for (size_t i = 0; i < polls.size(); ++i) {
      pollfd& p = polls[i];
      const BridgeOptions& options = per_listener[i];
      if (p.fd < 0 || !(p.revents & (POLLIN | POLLERR | POLLHUP | POLLNVAL))) continue;
      int c = ::accept4(p.fd, nullptr, nullptr, SOCK_CLOEXEC);
      if (c < 0) {
        if (errno == EINTR || errno == EAGAIN || errno == ECONNABORTED || errno == EMFILE || errno == ENFILE ||
            errno == ENOBUFS || errno == ENOMEM)
          continue;
        p.fd = -1;  // this listener is broken; keep serving the others
        --alive;
        continue;
      }
      UniqueFd in(c);
      if (g_live.load() >= per_listener[0].max_connections) continue;  // refused: closed at once
      ++g_live;
      try {
        std::thread([in = std::move(in), options]() mutable {
          UniqueFd out = ConnectOut(options);
          if (out.get() >= 0) Pump(in.get(), out.get());
          --g_live;
        }).detach();
      } catch (const std::system_error&) {
        --g_live;  // no thread to be had: the connection is closed
      }
    }
  }
  return Error::Unavailable("every listening socket failed");
}

std::optional<std::string> TenantSourceAddress(uint32_t uid) {
  if (uid >= (1u << 23)) return std::nullopt;
  return "127." + std::to_string(128 | (uid >> 16)) + "." + std::to_string((uid >> 8) & 0xff) + "." +
         std::to_string(uid & 0xff);
}

std::optional<uint32_t> UidOfSourceAddress(const std::string& ipv4) {
  in_addr a{};
  if (::inet_pton(AF_INET, ipv4.c_str(), &a) != 1) return std::nullopt;
  uint32_t h = ntohl(a.s_addr);
  if ((h >> 24) != 127 || !((h >> 23) & 1)) return std::nullopt;
  return h & 0x7fffff;
}

}  // namespace clawhive::bridge
