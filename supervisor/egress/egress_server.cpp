#include "supervisor/egress/egress_server.h"

#include <arpa/inet.h>
#include <fcntl.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <atomic>
#include <cerrno>
#include <chrono>
#include <condition_variable>
#include <cstring>
#include <map>
#include <mutex>
#include <set>
#include <thread>

#include "supervisor/bridge/bridge.h"
#include "supervisor/common/send_all.h"
#include "supervisor/common/unique_fd.h"
#include "supervisor/egress/address_class.h"
#include "supervisor/egress/connect_request.h"
#include "supervisor/egress/relay.h"

namespace clawhive::egress {
namespace {

int64_t NowMs() {
  return std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::steady_clock::now().time_since_epoch())
      .count();
}

std::string Target(const ConnectRequest& r) {
  return (r.host.find(':') != std::string::npos ? "[" + r.host + "]" : r.host) + ":" + std::to_string(r.port);
}

socklen_t LengthOf(const sockaddr_storage& ss) {
  return ss.ss_family == AF_INET6 ? sizeof(sockaddr_in6) : sizeof(sockaddr_in);
}

enum class ConnectOutcome { kOk, kRefused, kTimeout };

// A non-blocking connect with a deadline; on success the socket is made blocking again.
ConnectOutcome ConnectTo(const sockaddr_storage& to, int timeout_ms, UniqueFd* out, std::string* error) {
  UniqueFd fd(::socket(to.ss_family, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0));
  if (fd.get() < 0) {
    *error = std::strerror(errno);
    return ConnectOutcome::kRefused;
  }
  if (::connect(fd.get(), reinterpret_cast<const sockaddr*>(&to), LengthOf(to)) != 0) {
    if (errno != EINPROGRESS) {
      *error = std::strerror(errno);
      return ConnectOutcome::kRefused;
    }
    pollfd p{fd.get(), POLLOUT, 0};
    int ready;
    do ready = ::poll(&p, 1, timeout_ms);
    while (ready < 0 && errno == EINTR);
    if (ready == 0) {
      *error = "no answer within " + std::to_string(timeout_ms) + " ms";
      return ConnectOutcome::kTimeout;
    }
    int err = 0;
    socklen_t len = sizeof err;
    if (ready < 0 || ::getsockopt(fd.get(), SOL_SOCKET, SO_ERROR, &err, &len) != 0 || err != 0) {
      *error = std::strerror(err ? err : errno);
      return ConnectOutcome::kRefused;
    }
  }
  int flags = ::fcntl(fd.get(), F_GETFL);
  ::fcntl(fd.get(), F_SETFL, flags & ~O_NONBLOCK);
  int one = 1;
  ::setsockopt(fd.get(), IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
  *out = std::move(fd);
  return ConnectOutcome::kOk;
}

}  // namespace

struct EgressServer::Impl {
  EgressOptions o;
  EgressBook& book;
  Resolver& resolver;
  UniqueFd listener;
  UniqueFd wake[2];  // Stop() writes to wake[1]; the acceptor polls wake[0]
  uint16_t bound_port = 0;
  std::thread acceptor;

  mutable std::mutex mu;
  std::condition_variable idle;
  std::set<int> open_fds;                 // client and upstream sockets of live connections
  std::map<std::string, int> per_tenant;  // tunnels open (or being opened) per tenant
  int live = 0;
  bool stopping = false;
  EgressStats stats;

  Impl(EgressOptions options, EgressBook& b, Resolver& r) : o(std::move(options)), book(b), resolver(r) {}

  void Track(int fd) {
    std::lock_guard<std::mutex> lock(mu);
    open_fds.insert(fd);
    if (stopping) ::shutdown(fd, SHUT_RDWR);
  }
  void Untrack(int fd) {
    std::lock_guard<std::mutex> lock(mu);
    open_fds.erase(fd);
  }

  void Decide(const std::string& tenant, int status, const std::string& line) {
    if (o.on_decision) o.on_decision(tenant, status, line);
  }

  // Answers a refusal, counts it (for a known tenant in the books too) and reports it.
  void Refuse(int fd, const std::string& tenant, int status, const std::string& target, const std::string& reason) {
    (void)SendAll(fd, Reply(status, reason));
    {
      std::lock_guard<std::mutex> lock(mu);
      ++stats.refused;
    }
    if (!tenant.empty()) book.Record(tenant, {.refused = 1});
    Decide(tenant, status, (target.empty() ? "" : target + ": ") + reason);
  }

  // Reads up to the end of the head, at most kMaxHead bytes, within the head timeout. Returns the
  // status to refuse with (0: `*head` complete; any bytes after it are left in `*rest`).
  int ReadHead(int fd, std::string* head, std::string* rest) {
    std::string buf;
    int64_t deadline = NowMs() + o.head_timeout_ms;
    char chunk[4096];
    while (true) {
      size_t end = FindHeadEnd(buf);
      if (end != std::string::npos) {
        *head = buf.substr(0, end);
        *rest = buf.substr(end);
        return 0;
      }
      if (buf.size() > kMaxHead) return 431;
      int64_t left = deadline - NowMs();
      if (left <= 0) return 408;
      pollfd p{fd, POLLIN, 0};
      int ready = ::poll(&p, 1, static_cast<int>(left));
      if (ready < 0 && errno == EINTR) continue;
      if (ready <= 0) return ready == 0 ? 408 : -1;
      ssize_t n = ::recv(fd, chunk, sizeof chunk, 0);
      if (n < 0 && errno == EINTR) continue;
      if (n <= 0) return -1;  // gone: nothing to answer
      buf.append(chunk, static_cast<size_t>(n));
    }
  }

  void Serve(UniqueFd client, std::string peer_ip) {
    int fd = client.get();
    Track(fd);
    std::string head, rest;
    int st = ReadHead(fd, &head, &rest);
    if (st != 0) {
      if (st > 0)
        Refuse(fd, "", st, "", st == 408 ? "the CONNECT head did not arrive within " + std::to_string(o.head_timeout_ms) + " ms"
                                         : "the CONNECT head is over " + std::to_string(kMaxHead) + " bytes");
      Untrack(fd);
      return;
    }
    std::optional<uint32_t> uid = o.uid_of_source ? o.uid_of_source(peer_ip) : bridge::UidOfSourceAddress(peer_ip);
    Result<ConnectRequest> req = ParseConnectHead(head);
    std::string target = req ? Target(*req) : "";
    std::string tenant;
    if (uid) {
      Result<std::optional<std::string>> who = book.TenantOfUid(*uid);
      if (!who) {
        Refuse(fd, "", 503, target, "the meter database is unavailable: " + who.error().message);
        Untrack(fd);
        return;
      }
      if (*who) tenant = **who;
    }
    if (tenant.empty()) {
      Refuse(fd, "", 403, target,
             uid ? "no tenant runs as uid " + std::to_string(*uid)
                 : "the egress proxy serves tenants' agents only (through their bridge), not " + peer_ip);
    } else if (!req) {
      Refuse(fd, tenant, StatusOf(req.error()), "", req.error().message);
    } else {
      Tunnel(fd, tenant, *req, target, rest);
    }
    Untrack(fd);
  }

  void Tunnel(int fd, const std::string& tenant, const ConnectRequest& req, const std::string& target,
              const std::string& early) {
    if (!Claim(tenant)) {
      Refuse(fd, tenant, 429, target,
             "tenant " + tenant + " has " + std::to_string(o.max_tunnels_per_tenant) +
                 " tunnels open already (egress.max_tunnels_per_tenant)");
      return;
    }
    struct Release {
      Impl* impl;
      const std::string& tenant;
      ~Release() { impl->Unclaim(tenant); }
    } release{this, tenant};

    Result<TenantEgress> own = book.PolicyOf(tenant);
    if (!own) {
      Refuse(fd, tenant, 503, target, "the tenant's egress policy is unavailable: " + own.error().message);
      return;
    }
    Policy policy = Policy::For(o.op, *own, tenant);
    if (Decision d = policy.AllowsDestination(req.host, req.port); !d.allowed) {
      Refuse(fd, tenant, 403, target, d.reason);
      return;
    }
    Result<std::vector<sockaddr_storage>> found = resolver.Resolve(req.host, req.port);
    if (!found) {
      Refuse(fd, tenant, 502, target, found.error().message);
      return;
    }
    std::vector<sockaddr_storage> allowed;
    std::string first_refusal;
    for (const sockaddr_storage& a : *found) {
      Decision d = policy.AllowsAddress(reinterpret_cast<const sockaddr*>(&a));
      if (d.allowed) allowed.push_back(a);
      else if (first_refusal.empty()) first_refusal = d.reason;
    }
    if (allowed.empty()) {
      Refuse(fd, tenant, 403, target, req.host + " " + first_refusal);
      return;
    }
    UniqueFd upstream;
    std::string error;
    ConnectOutcome outcome = ConnectOutcome::kRefused;
    std::string tried;
    for (const sockaddr_storage& a : allowed) {
      tried = FormatAddress(reinterpret_cast<const sockaddr*>(&a));
      outcome = ConnectTo(a, o.connect_timeout_ms, &upstream, &error);
      if (outcome == ConnectOutcome::kOk) break;
    }
    if (outcome != ConnectOutcome::kOk) {
      Refuse(fd, tenant, outcome == ConnectOutcome::kTimeout ? 504 : 502, target,
             "connecting to " + tried + " port " + std::to_string(req.port) + ": " + error);
      return;
    }
    Track(upstream.get());
    {
      std::lock_guard<std::mutex> lock(mu);
      ++stats.tunnels_opened;
    }
    Decide(tenant, 200, target + " via " + tried);
    EgressCounts first;
    if (SendAll(fd, Reply(200, "")) && (early.empty() || SendAll(upstream.get(), early))) {
      first.bytes_out = early.size();
      if (first.bytes_out) book.Record(tenant, first);
      int one = 1;
      ::setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
      Relay(fd, upstream.get(), {.idle_timeout_ms = o.idle_timeout_ms, .report_every_ms = o.report_every_ms},
            [&](const RelayCounts& delta) { book.Record(tenant, {.bytes_out = delta.out, .bytes_in = delta.in}); });
    }
    book.Record(tenant, {.tunnels = 1});
    Untrack(upstream.get());
  }

  bool Claim(const std::string& tenant) {
    std::lock_guard<std::mutex> lock(mu);
    int& n = per_tenant[tenant];
    if (n >= o.max_tunnels_per_tenant) return false;
    ++n;
    return true;
  }
  void Unclaim(const std::string& tenant) {
    std::lock_guard<std::mutex> lock(mu);
    if (--per_tenant[tenant] <= 0) per_tenant.erase(tenant);
  }

  void Accept() {
    pollfd p[2] = {{listener.get(), POLLIN, 0}, {wake[0].get(), POLLIN, 0}};
    while (true) {
      if (::poll(p, 2, -1) < 0) {
        if (errno == EINTR) continue;
        return;
      }
      if (p[1].revents) return;
      if (!(p[0].revents & POLLIN)) continue;
      sockaddr_storage peer{};
      socklen_t len = sizeof peer;
      int c = ::accept4(listener.get(), reinterpret_cast<sockaddr*>(&peer), &len, SOCK_CLOEXEC);
      if (c < 0) continue;  // EMFILE, ECONNABORTED, ...: keep accepting
      UniqueFd client(c);
      std::string ip = FormatAddress(reinterpret_cast<const sockaddr*>(&peer));
      if (ip.rfind("::ffff:", 0) == 0) ip = ip.substr(7);
      {
        std::lock_guard<std::mutex> lock(mu);
        ++stats.accepted;
        if (stopping || live >= o.max_connections) continue;  // closed at once
        ++live;
      }
      try {
        std::thread([this, client = std::move(client), ip]() mutable {
          Serve(std::move(client), ip);
          std::lock_guard<std::mutex> lock(mu);
          if (--live == 0) idle.notify_all();
        }).detach();
      } catch (const std::system_error&) {
        std::lock_guard<std::mutex> lock(mu);
        if (--live == 0) idle.notify_all();
      }
    }
  }
};

EgressServer::EgressServer(EgressOptions options, EgressBook& book, Resolver& resolver)
    : impl_(std::make_unique<Impl>(std::move(options), book, resolver)) {}

EgressServer::~EgressServer() { Stop(); }

Status EgressServer::Start() {
  Impl& m = *impl_;
  std::string where = m.o.address + ":" + std::to_string(m.o.port);
  socklen_t len = 0;
  // The address without a port (ParseAddress refuses port 0, which here means "any free one").
  Result<sockaddr_storage> at = bridge::ParseAddress(m.o.address, &len, /*port_required=*/false);
  if (!at) return Error::Invalid("egress listen address: " + at.error().message);
  if (at->ss_family == AF_INET6) reinterpret_cast<sockaddr_in6*>(&*at)->sin6_port = htons(m.o.port);
  else reinterpret_cast<sockaddr_in*>(&*at)->sin_port = htons(m.o.port);
  UniqueFd fd(::socket(at->ss_family, SOCK_STREAM | SOCK_CLOEXEC, 0));
  int one = 1;
  ::setsockopt(fd.get(), SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
  if (fd.get() < 0 || ::bind(fd.get(), reinterpret_cast<const sockaddr*>(&*at), len) != 0 || ::listen(fd.get(), 512) != 0)
    return Error::Unavailable("egress proxy: cannot listen on " + where + ": " + std::strerror(errno));
  sockaddr_storage bound{};
  socklen_t blen = sizeof bound;
  ::getsockname(fd.get(), reinterpret_cast<sockaddr*>(&bound), &blen);
  m.bound_port = ntohs(bound.ss_family == AF_INET6 ? reinterpret_cast<sockaddr_in6*>(&bound)->sin6_port
                                                   : reinterpret_cast<sockaddr_in*>(&bound)->sin_port);
  int pipe_fds[2];
  if (::pipe2(pipe_fds, O_CLOEXEC) != 0) return Error::Unavailable(std::string("pipe: ") + std::strerror(errno));
  m.wake[0].reset(pipe_fds[0]);
  m.wake[1].reset(pipe_fds[1]);
  m.listener = std::move(fd);
  m.acceptor = std::thread([&m] { m.Accept(); });
  return Status::Ok();
}

void EgressServer::Stop() {
  Impl& m = *impl_;
  if (!m.acceptor.joinable()) return;
  (void)!::write(m.wake[1].get(), "x", 1);
  m.acceptor.join();
  std::unique_lock<std::mutex> lock(m.mu);
  m.stopping = true;
  for (int fd : m.open_fds) ::shutdown(fd, SHUT_RDWR);
  m.idle.wait(lock, [&] { return m.live == 0; });
  m.listener.reset();
}

uint16_t EgressServer::port() const { return impl_->bound_port; }

EgressStats EgressServer::stats() const {
  std::lock_guard<std::mutex> lock(impl_->mu);
  EgressStats s = impl_->stats;
  s.open_now = 0;
  for (const auto& [tenant, n] : impl_->per_tenant) s.open_now += static_cast<uint64_t>(n);
  return s;
}

}  // namespace clawhive::egress
