// The egress proxy over real loopback sockets: agents (connections from their bridge's source address)
// CONNECT through it to an echo server standing in for the Internet; names come from a fake resolver,
// so nothing here leaves 127.0.0.0/8 (a name that resolves to 10.9.9.9 is refused before any connect).
#include "supervisor/egress/egress_server.h"

#include <arpa/inet.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <atomic>
#include <boost/test/unit_test.hpp>
#include <chrono>
#include <map>
#include <mutex>
#include <thread>

#include "supervisor/bridge/bridge.h"
#include "supervisor/common/unique_fd.h"
#include "supervisor/egress/connect_request.h"

namespace clawhive::egress {
namespace {

constexpr uint32_t kUidA = 300001, kUidB = 300002;

struct FakeBook : EgressBook {
  std::mutex mu;
  std::map<std::string, TenantEgress> policies;
  std::map<std::string, EgressCounts> counts;
  Result<std::optional<std::string>> TenantOfUid(uint32_t uid) override {
    if (uid == kUidA) return std::optional<std::string>("acme");
    if (uid == kUidB) return std::optional<std::string>("beta");
    return std::optional<std::string>();
  }
  Result<TenantEgress> PolicyOf(const std::string& tenant) override {
    std::lock_guard<std::mutex> lock(mu);
    return policies[tenant];
  }
  void Record(const std::string& tenant, const EgressCounts& d) override {
    std::lock_guard<std::mutex> lock(mu);
    EgressCounts& c = counts[tenant];
    c.bytes_out += d.bytes_out;
    c.bytes_in += d.bytes_in;
    c.tunnels += d.tunnels;
    c.refused += d.refused;
  }
  EgressCounts Of(const std::string& tenant) {
    std::lock_guard<std::mutex> lock(mu);
    return counts[tenant];
  }
};

// Names to addresses, counting lookups.
struct FakeResolver : Resolver {
  std::map<std::string, std::vector<std::string>> names;
  std::atomic<int> lookups{0};
  Result<std::vector<sockaddr_storage>> Resolve(const std::string& host, uint16_t port) override {
    ++lookups;
    auto it = names.find(host);
    if (it == names.end()) return Error::NotFound("no such host: " + host);
    std::vector<sockaddr_storage> out;
    for (const std::string& a : it->second) {
      socklen_t len = 0;
      out.push_back(*bridge::ParseAddress(a + ":" + std::to_string(port), &len));
    }
    return out;
  }
};

// An echo server on 127.0.0.1 (the "Internet"), counting the connections it accepted.
struct Echo {
  UniqueFd listener;
  uint16_t port = 0;
  std::atomic<int> accepted{0};
  std::thread thread;
  Echo() {
    listener.reset(::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0));
    sockaddr_in a{};
    a.sin_family = AF_INET;
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    BOOST_TEST_REQUIRE(::bind(listener.get(), reinterpret_cast<sockaddr*>(&a), sizeof a) == 0);
    BOOST_TEST_REQUIRE(::listen(listener.get(), 64) == 0);
    socklen_t len = sizeof a;
    ::getsockname(listener.get(), reinterpret_cast<sockaddr*>(&a), &len);
    port = ntohs(a.sin_port);
    thread = std::thread([this] {
      for (;;) {
        int c = ::accept4(listener.get(), nullptr, nullptr, SOCK_CLOEXEC);
        if (c < 0) return;
        ++accepted;
        std::thread([c] {
          char buf[65536];
          for (ssize_t n; (n = ::recv(c, buf, sizeof buf, 0)) > 0;)
            if (::send(c, buf, static_cast<size_t>(n), MSG_NOSIGNAL) != n) break;
          ::close(c);
        }).detach();
      }
    });
  }
  ~Echo() {
    ::shutdown(listener.get(), SHUT_RDWR);
    thread.join();
  }
};

// A connection to the proxy from `source` (a tenant's bridge address, or 127.0.0.1 for a host process).
UniqueFd From(const std::string& source, uint16_t port) {
  UniqueFd fd(::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0));
  sockaddr_in s{};
  s.sin_family = AF_INET;
  ::inet_pton(AF_INET, source.c_str(), &s.sin_addr);
  BOOST_TEST_REQUIRE(::bind(fd.get(), reinterpret_cast<sockaddr*>(&s), sizeof s) == 0);
  sockaddr_in a{};
  a.sin_family = AF_INET;
  a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  a.sin_port = htons(port);
  BOOST_TEST_REQUIRE(::connect(fd.get(), reinterpret_cast<sockaddr*>(&a), sizeof a) == 0);
  return fd;
}

void Send(int fd, const std::string& s) { BOOST_TEST_REQUIRE(::send(fd, s.data(), s.size(), MSG_NOSIGNAL) == ssize_t(s.size())); }

// Reads until `n` bytes, EOF or 5 s.
std::string Read(int fd, size_t n = 65536, int timeout_ms = 5000) {
  std::string out;
  char buf[65536];
  auto deadline = std::chrono::steady_clock::now() + std::chrono::milliseconds(timeout_ms);
  while (out.size() < n) {
    int left = static_cast<int>(std::chrono::duration_cast<std::chrono::milliseconds>(deadline - std::chrono::steady_clock::now()).count());
    pollfd p{fd, POLLIN, 0};
    if (left <= 0 || ::poll(&p, 1, left) <= 0) break;
    ssize_t r = ::recv(fd, buf, std::min(sizeof buf, n - out.size()), 0);
    if (r <= 0) break;
    out.append(buf, static_cast<size_t>(r));
  }
  return out;
}

// The reply head only (up to the empty line).
std::string ReadReply(int fd) {
  std::string out;
  char c;
  while (out.find("\r\n\r\n") == std::string::npos && ::recv(fd, &c, 1, 0) == 1) out += c;
  return out;
}

struct Proxy {
  FakeBook book;
  FakeResolver resolver;
  Echo echo;
  std::string a = *bridge::TenantSourceAddress(kUidA), b = *bridge::TenantSourceAddress(kUidB);
  std::unique_ptr<EgressServer> server;
  std::vector<std::string> decisions;
  std::mutex decisions_mu;

  explicit Proxy(EgressOptions o = {}, bool open_loopback = true) {
    resolver.names["api.telegram.org"] = {"127.0.0.1"};
    resolver.names["stub.example.org"] = {"127.0.0.1"};
    resolver.names["intranet.example.org"] = {"10.9.9.9"};
    resolver.names["mixed.example.org"] = {"10.9.9.9", "127.0.0.1"};
    book.policies["acme"].presets = {"telegram"};
    book.policies["acme"].allow = {"intranet.example.org:*", "mixed.example.org:*", "stub.example.org:*"};
    // The echo server stands in for the Internet on 127.0.0.1: that one address is opened explicitly.
    if (open_loopback) o.op.allow_cidrs = {"127.0.0.1/32"};
    o.address = "127.0.0.1";
    o.port = 0;
    o.on_decision = [this](const std::string& tenant, int status, const std::string& line) {
      std::lock_guard<std::mutex> lock(decisions_mu);
      decisions.push_back(tenant + " " + std::to_string(status) + " " + line);
    };
    server = std::make_unique<EgressServer>(o, book, resolver);
    BOOST_TEST_REQUIRE(server->Start().ok());
  }
  // Connection threads report decisions into `decisions`: the server stops before the members go.
  ~Proxy() { server->Stop(); }
  std::string Connect(int fd, const std::string& target) {
    Send(fd, "CONNECT " + target + " HTTP/1.1\r\nHost: " + target + "\r\n\r\n");
    return ReadReply(fd);
  }
  // A target on the echo server's port.
  std::string At(const std::string& host) { return host + ":" + std::to_string(echo.port); }
};

BOOST_AUTO_TEST_SUITE(egress_server)

BOOST_AUTO_TEST_CASE(a_tenant_reaches_an_allowed_host_and_its_bytes_are_metered) {
  EgressOptions o;
  Proxy p(o);
  p.book.policies["acme"].allow.push_back(p.At("api.telegram.org"));
  UniqueFd c = From(p.a, p.server->port());
  BOOST_TEST(p.Connect(c.get(), p.At("api.telegram.org")) == "HTTP/1.1 200 Connection established\r\n\r\n");
  Send(c.get(), "hello through the tunnel");
  BOOST_TEST(Read(c.get(), 24) == "hello through the tunnel");
  ::shutdown(c.get(), SHUT_WR);
  BOOST_TEST(Read(c.get()).empty());  // the far end's EOF comes back
  c.reset();
  for (int i = 0; i < 200 && p.book.Of("acme").tunnels == 0; ++i) std::this_thread::sleep_for(std::chrono::milliseconds(5));
  EgressCounts n = p.book.Of("acme");
  BOOST_TEST(n.bytes_out == 24u);
  BOOST_TEST(n.bytes_in == 24u);
  BOOST_TEST(n.tunnels == 1u);
  BOOST_TEST(p.book.Of("beta").bytes_in == 0u);
}

BOOST_AUTO_TEST_CASE(a_host_not_on_the_list_is_403_with_the_reason_and_no_lookup) {
  Proxy p;
  UniqueFd c = From(p.a, p.server->port());
  std::string reply = p.Connect(c.get(), "evil.example.com:443");
  BOOST_TEST(reply.rfind("HTTP/1.1 403 Forbidden\r\n", 0) == 0);
  BOOST_TEST(reply.find("X-Clawhive-Egress-Reason: evil.example.com:443 is not on the egress allow list of tenant acme") !=
             std::string::npos);
  BOOST_TEST(Read(c.get()).find("clawhive egress: evil.example.com:443 is not on") != std::string::npos);
  BOOST_TEST(p.resolver.lookups == 0);
  BOOST_TEST(p.book.Of("acme").refused == 1u);
}

BOOST_AUTO_TEST_CASE(a_name_that_resolves_to_a_private_address_is_refused_before_any_connect) {
  Proxy q({}, /*open_loopback=*/false);
  q.book.policies["acme"].allow = {"intranet.example.org:*", "stub.example.org:*"};
  UniqueFd c = From(q.a, q.server->port());
  std::string reply = q.Connect(c.get(), "intranet.example.org:443");
  BOOST_TEST(reply.rfind("HTTP/1.1 403", 0) == 0);
  BOOST_TEST(reply.find("intranet.example.org resolves to 10.9.9.9, a private address") != std::string::npos);
  UniqueFd d = From(q.a, q.server->port());
  std::string loop = q.Connect(d.get(), q.At("stub.example.org"));
  BOOST_TEST(loop.find("resolves to 127.0.0.1, a loopback address") != std::string::npos);
  BOOST_TEST(q.echo.accepted == 0);
}

BOOST_AUTO_TEST_CASE(of_several_addresses_only_an_allowed_one_is_connected) {
  Proxy p;
  UniqueFd c = From(p.a, p.server->port());
  BOOST_TEST(p.Connect(c.get(), p.At("mixed.example.org")).rfind("HTTP/1.1 200", 0) == 0);
  for (int i = 0; i < 200 && p.echo.accepted == 0; ++i) std::this_thread::sleep_for(std::chrono::milliseconds(5));
  BOOST_TEST(p.echo.accepted == 1);
  std::lock_guard<std::mutex> lock(p.decisions_mu);
  BOOST_TEST(p.decisions.back() == "acme 200 " + p.At("mixed.example.org") + " via 127.0.0.1");
}

BOOST_AUTO_TEST_CASE(one_tenants_list_does_not_apply_to_another) {
  Proxy p;
  UniqueFd c = From(p.b, p.server->port());
  std::string reply = p.Connect(c.get(), p.At("stub.example.org"));
  BOOST_TEST(reply.find("is not on the egress allow list of tenant beta") != std::string::npos);
  BOOST_TEST(p.echo.accepted == 0);
}

BOOST_AUTO_TEST_CASE(a_host_process_is_not_a_tenant) {
  Proxy p;
  UniqueFd c = From("127.0.0.1", p.server->port());
  std::string reply = p.Connect(c.get(), p.At("stub.example.org"));
  BOOST_TEST(reply.rfind("HTTP/1.1 403", 0) == 0);
  BOOST_TEST(reply.find("serves tenants' agents only") != std::string::npos);
  UniqueFd d = From(*bridge::TenantSourceAddress(300099), p.server->port());
  BOOST_TEST(p.Connect(d.get(), p.At("stub.example.org")).find("no tenant runs as uid 300099") != std::string::npos);
}

BOOST_AUTO_TEST_CASE(a_tenant_has_at_most_its_cap_of_tunnels_open) {
  EgressOptions o;
  o.max_tunnels_per_tenant = 1;
  Proxy p(o);
  p.book.policies["beta"] = p.book.policies["acme"];
  UniqueFd first = From(p.a, p.server->port());
  BOOST_TEST(p.Connect(first.get(), p.At("stub.example.org")).rfind("HTTP/1.1 200", 0) == 0);
  UniqueFd second = From(p.a, p.server->port());
  std::string reply = p.Connect(second.get(), p.At("stub.example.org"));
  BOOST_TEST(reply.rfind("HTTP/1.1 429", 0) == 0);
  BOOST_TEST(reply.find("egress.max_tunnels_per_tenant") != std::string::npos);
  UniqueFd other = From(p.b, p.server->port());
  BOOST_TEST(p.Connect(other.get(), p.At("stub.example.org")).rfind("HTTP/1.1 200", 0) == 0);
  first.reset();  // its slot comes back once the tunnel ended
  bool again = false;
  for (int i = 0; i < 100 && !again; ++i) {
    UniqueFd third = From(p.a, p.server->port());
    again = p.Connect(third.get(), p.At("stub.example.org")).rfind("HTTP/1.1 200", 0) == 0;
    if (!again) std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
  BOOST_TEST(again);
}

BOOST_AUTO_TEST_CASE(a_slow_or_huge_head_is_cut_off) {
  EgressOptions o;
  o.head_timeout_ms = 200;
  Proxy p(o);
  UniqueFd slow = From(p.a, p.server->port());
  Send(slow.get(), "CONNECT stub.example.org:443 HTTP/1.1\r\n");
  auto t0 = std::chrono::steady_clock::now();
  BOOST_TEST(ReadReply(slow.get()).rfind("HTTP/1.1 408", 0) == 0);
  BOOST_TEST((std::chrono::steady_clock::now() - t0 < std::chrono::seconds(3)));
  UniqueFd huge = From(p.a, p.server->port());
  std::string head = "CONNECT stub.example.org:443 HTTP/1.1\r\nX: " + std::string(3 * kMaxHead, 'a');
  (void)::send(huge.get(), head.data(), head.size(), MSG_NOSIGNAL);
  BOOST_TEST(ReadReply(huge.get()).rfind("HTTP/1.1 431", 0) == 0);
}

BOOST_AUTO_TEST_CASE(bad_requests_get_their_status) {
  Proxy p;
  UniqueFd get = From(p.a, p.server->port());
  Send(get.get(), "GET http://stub.example.org/ HTTP/1.1\r\nHost: stub.example.org\r\n\r\n");
  BOOST_TEST(ReadReply(get.get()).rfind("HTTP/1.1 405", 0) == 0);
  UniqueFd smuggle = From(p.a, p.server->port());
  Send(smuggle.get(), "CONNECT stub.example.org:443 HTTP/1.1\r\nContent-Length: 5\r\n\r\nhello");
  BOOST_TEST(ReadReply(smuggle.get()).rfind("HTTP/1.1 400", 0) == 0);
  BOOST_TEST(p.echo.accepted == 0);
}

BOOST_AUTO_TEST_CASE(bytes_sent_right_after_the_head_go_through_the_tunnel) {
  Proxy p;
  UniqueFd c = From(p.a, p.server->port());
  Send(c.get(), "CONNECT " + p.At("stub.example.org") + " HTTP/1.1\r\n\r\nearly");
  BOOST_TEST(ReadReply(c.get()).rfind("HTTP/1.1 200", 0) == 0);
  BOOST_TEST(Read(c.get(), 5) == "early");
}

BOOST_AUTO_TEST_CASE(an_idle_tunnel_is_closed) {
  EgressOptions o;
  o.idle_timeout_ms = 150;
  Proxy p(o);
  UniqueFd c = From(p.a, p.server->port());
  BOOST_TEST(p.Connect(c.get(), p.At("stub.example.org")).rfind("HTTP/1.1 200", 0) == 0);
  auto t0 = std::chrono::steady_clock::now();
  BOOST_TEST(Read(c.get(), 1, 3000).empty());  // EOF from the proxy, well before 3 s
  BOOST_TEST((std::chrono::steady_clock::now() - t0 < std::chrono::milliseconds(2000)));
}

BOOST_AUTO_TEST_CASE(long_tunnels_are_metered_while_they_live) {
  EgressOptions o;
  o.report_every_ms = 50;
  Proxy p(o);
  UniqueFd c = From(p.a, p.server->port());
  BOOST_TEST(p.Connect(c.get(), p.At("stub.example.org")).rfind("HTTP/1.1 200", 0) == 0);
  Send(c.get(), std::string(1000, 'x'));
  BOOST_TEST(Read(c.get(), 1000).size() == 1000u);
  bool seen = false;
  for (int i = 0; i < 100 && !seen; ++i) {
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
    Send(c.get(), "y");  // keeps the relay loop turning
    (void)Read(c.get(), 1);
    seen = p.book.Of("acme").bytes_out >= 1000;
  }
  BOOST_TEST(seen);
  BOOST_TEST(p.book.Of("acme").tunnels == 0u);  // still open
}

BOOST_AUTO_TEST_CASE(stop_ends_open_tunnels) {
  Proxy p;
  UniqueFd c = From(p.a, p.server->port());
  BOOST_TEST(p.Connect(c.get(), p.At("stub.example.org")).rfind("HTTP/1.1 200", 0) == 0);
  p.server->Stop();
  BOOST_TEST(Read(c.get(), 1, 3000).empty());
}

BOOST_AUTO_TEST_SUITE_END()

}  // namespace
}  // namespace clawhive::egress
