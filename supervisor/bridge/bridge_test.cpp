#include "supervisor/bridge/bridge.h"

#include <arpa/inet.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include <algorithm>
#include <boost/test/unit_test.hpp>
#include <cstddef>
#include <cstring>
#include <string>
#include <thread>
#include <vector>

#include "supervisor/common/unique_fd.h"
#include "unit/temp_dir.h"

namespace clawhive::bridge {
namespace {

// A listening socket on 127.0.0.1 with an ephemeral port.
UniqueFd Listen(uint16_t* port) {
  UniqueFd fd(::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0));
  sockaddr_in a{};
  a.sin_family = AF_INET;
  a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  BOOST_TEST_REQUIRE(::bind(fd.get(), reinterpret_cast<sockaddr*>(&a), sizeof a) == 0);
  BOOST_TEST_REQUIRE(::listen(fd.get(), 16) == 0);
  socklen_t len = sizeof a;
  ::getsockname(fd.get(), reinterpret_cast<sockaddr*>(&a), &len);
  *port = ntohs(a.sin_port);
  return fd;
}

UniqueFd Connect(uint16_t port) {
  UniqueFd fd(::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0));
  sockaddr_in a{};
  a.sin_family = AF_INET;
  a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  a.sin_port = htons(port);
  BOOST_TEST_REQUIRE(::connect(fd.get(), reinterpret_cast<sockaddr*>(&a), sizeof a) == 0);
  return fd;
}

std::string ReadToEof(int fd) {
  std::string out;
  char buf[4096];
  for (ssize_t n; (n = ::read(fd, buf, sizeof buf)) > 0;) out.append(buf, static_cast<size_t>(n));
  return out;
}

// A bridge on its own thread from a fresh listener to `to_port`; stopped (listener shut down) and joined
// when it goes out of scope.
struct RunningBridge {
  UniqueFd listener;
  uint16_t port = 0;
  std::thread thread;
  RunningBridge(uint16_t to_port, const std::string& from = "") {
    listener = Listen(&port);
    BridgeOptions o;
    o.to = *ParseAddress("127.0.0.1:" + std::to_string(to_port), &o.to_len);
    if (!from.empty()) o.from = *ParseAddress(from, &o.from_len, false);
    thread = std::thread([fd = listener.get(), o] { (void)Serve({fd}, o); });
  }
  ~RunningBridge() {
    ::shutdown(listener.get(), SHUT_RDWR);
    thread.join();
  }
};

BOOST_AUTO_TEST_SUITE(bridge)

BOOST_AUTO_TEST_CASE(carries_bytes_both_ways_and_passes_each_half_close_on) {
  uint16_t target_port = 0;
  UniqueFd target = Listen(&target_port);
  RunningBridge b(target_port);
  std::thread echo([&] {
    UniqueFd c(::accept(target.get(), nullptr, nullptr));
    std::string got = ReadToEof(c.get());  // ends only when the client's half-close came through
    std::string reply = "pong:" + got;
    (void)::write(c.get(), reply.data(), reply.size());
  });
  UniqueFd client = Connect(b.port);
  BOOST_TEST(::write(client.get(), "ping", 4) == 4);
  ::shutdown(client.get(), SHUT_WR);
  BOOST_TEST(ReadToEof(client.get()) == "pong:ping");
  echo.join();
}

BOOST_AUTO_TEST_CASE(connects_from_the_source_address_it_was_given) {
  uint16_t target_port = 0;
  UniqueFd target = Listen(&target_port);
  RunningBridge b(target_port, "127.132.147.225");
  UniqueFd client = Connect(b.port);
  sockaddr_in peer{};
  socklen_t len = sizeof peer;
  UniqueFd c(::accept(target.get(), reinterpret_cast<sockaddr*>(&peer), &len));
  char text[INET_ADDRSTRLEN] = {};
  ::inet_ntop(AF_INET, &peer.sin_addr, text, sizeof text);
  BOOST_TEST(std::string(text) == "127.132.147.225");
  BOOST_TEST(UidOfSourceAddress(text).value_or(0) == 300001u);
}

BOOST_AUTO_TEST_CASE(closes_the_client_at_once_when_nothing_listens_behind_it) {
  uint16_t dead_port = 0;
  { UniqueFd gone = Listen(&dead_port); }  // bound once, now closed: connects are refused
  RunningBridge b(dead_port);
  UniqueFd client = Connect(b.port);
  BOOST_TEST(ReadToEof(client.get()).empty());
}

BOOST_AUTO_TEST_CASE(each_listener_carries_to_its_own_target) {
  uint16_t port_a = 0, port_b = 0, in_a = 0, in_b = 0;
  UniqueFd target_a = Listen(&port_a), target_b = Listen(&port_b);
  UniqueFd listen_a = Listen(&in_a), listen_b = Listen(&in_b);
  std::vector<BridgeOptions> per(2);
  per[0].to = *ParseAddress("127.0.0.1:" + std::to_string(port_a), &per[0].to_len);
  per[1].to = *ParseAddress("127.0.0.1:" + std::to_string(port_b), &per[1].to_len);
  std::thread serve([&] { (void)Serve({listen_a.get(), listen_b.get()}, per); });
  UniqueFd to_b = Connect(in_b);
  BOOST_TEST(::write(to_b.get(), "b", 1) == 1);
  UniqueFd got_b(::accept(target_b.get(), nullptr, nullptr));
  char c = 0;
  BOOST_TEST(::read(got_b.get(), &c, 1) == 1);
  BOOST_TEST(c == 'b');
  UniqueFd to_a = Connect(in_a);
  UniqueFd got_a(::accept(target_a.get(), nullptr, nullptr));
  BOOST_TEST(got_a.get() >= 0);
  ::shutdown(listen_a.get(), SHUT_RDWR);
  ::shutdown(listen_b.get(), SHUT_RDWR);
  serve.join();
}

BOOST_AUTO_TEST_CASE(a_listener_picks_the_target_with_its_own_port) {
  BOOST_TEST(PickTarget(8480, {8480, 8481}).value() == 0u);
  BOOST_TEST(PickTarget(8481, {8480, 8481}).value() == 1u);
  BOOST_TEST(!PickTarget(9999, {8480, 8481}));
  BOOST_TEST(!PickTarget(8480, {8480, 8480}));  // ambiguous
  BOOST_TEST(PickTarget(20000, {30000}).value() == 0u);  // one target: every listener
}

// A unix socket address with `path` in sun_path, as getsockname reports a bound one (length counts the NUL).
sockaddr_storage UnixAddress(const std::string& path, socklen_t* len);

// A unix listener's port from its path (the address and its length, built in that order).
std::optional<uint16_t> PortOf(const std::string& path) {
  socklen_t len = 0;
  sockaddr_storage ss = UnixAddress(path, &len);
  return ListenerPort(ss, len);
}

sockaddr_storage UnixAddress(const std::string& path, socklen_t* len) {
  sockaddr_storage ss{};
  auto* un = reinterpret_cast<sockaddr_un*>(&ss);
  un->sun_family = AF_UNIX;
  std::memcpy(un->sun_path, path.data(), std::min(path.size(), sizeof un->sun_path));
  *len = static_cast<socklen_t>(offsetof(sockaddr_un, sun_path) + std::min(path.size() + 1, sizeof un->sun_path));
  return ss;
}

BOOST_AUTO_TEST_CASE(a_unix_listener_stands_for_the_port_its_file_is_named_after) {
  BOOST_TEST(PortOf("/run/clawhive/gw/acme/18001.sock").value() == 18001);
  BOOST_TEST(PortOf("18110.sock").value() == 18110);
  // And so picks the --to of that port, as a TCP listener on it would.
  BOOST_TEST(PickTarget(*PortOf("/x/18001.sock"), {18001, 18111}).value() == 0u);
  BOOST_TEST(PickTarget(*PortOf("/x/18111.sock"), {18001, 18111}).value() == 1u);
}

BOOST_AUTO_TEST_CASE(a_unix_listener_with_any_other_name_stands_for_no_port) {
  socklen_t len = 0;
  for (const char* bad : {"/run/clawhive/gw/acme/gateway.sock", "/x/18001", "/x/18001.socket", "/x/65536.sock",
                          "/x/4294985297.sock", "/x/018001.sock", "/x/0.sock", "/x/-1.sock", "/x/../18001",
                          "/x/18001.sock/..", "../", "/x/.sock"})
    BOOST_TEST(!PortOf(bad).has_value(), bad);
  // Unnamed and abstract sockets have no file name at all.
  sockaddr_storage unnamed = UnixAddress("", &len);
  BOOST_TEST(!ListenerPort(unnamed, static_cast<socklen_t>(offsetof(sockaddr_un, sun_path))).has_value());
  std::string abstract("\0" "18001.sock", 11);
  BOOST_TEST(!PortOf(abstract).has_value());
  // A full sun_path without a NUL is read up to its end, never past it.
  BOOST_TEST(!PortOf(std::string(108, '1')).has_value());
}

BOOST_AUTO_TEST_CASE(a_tcp_listener_stands_for_its_own_port) {
  socklen_t len = 0;
  sockaddr_storage v4 = ParseAddress("127.0.0.1:8480", &len).value();
  BOOST_TEST(ListenerPort(v4, len).value() == 8480);
  sockaddr_storage v6 = ParseAddress("[::1]:8481", &len).value();
  BOOST_TEST(ListenerPort(v6, len).value() == 8481);
  sockaddr_storage other{};
  other.ss_family = AF_PACKET;
  BOOST_TEST(!ListenerPort(other, sizeof other).has_value());
}

BOOST_AUTO_TEST_CASE(a_connection_to_a_unix_listener_is_carried_to_the_tcp_target) {
  testing::TempDir dir("clawhive-bridge");
  std::string path = dir.path + "/18001.sock";
  UniqueFd listen_fd(::socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0));
  socklen_t len = 0;
  sockaddr_storage addr = UnixAddress(path, &len);
  BOOST_TEST_REQUIRE(::bind(listen_fd.get(), reinterpret_cast<sockaddr*>(&addr), len) == 0);
  BOOST_TEST_REQUIRE(::listen(listen_fd.get(), 4) == 0);
  sockaddr_storage local{};
  socklen_t local_len = sizeof local;
  BOOST_TEST_REQUIRE(::getsockname(listen_fd.get(), reinterpret_cast<sockaddr*>(&local), &local_len) == 0);
  BOOST_TEST(ListenerPort(local, local_len).value() == 18001);  // what the kernel reports, not what we bound

  uint16_t target_port = 0;
  UniqueFd target = Listen(&target_port);
  BridgeOptions o;
  o.to = ParseAddress("127.0.0.1:" + std::to_string(target_port), &o.to_len).value();
  std::thread serve([&] { (void)Serve({listen_fd.get()}, o); });
  UniqueFd client(::socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0));
  BOOST_TEST_REQUIRE(::connect(client.get(), reinterpret_cast<sockaddr*>(&addr), len) == 0);
  UniqueFd got(::accept(target.get(), nullptr, nullptr));
  BOOST_TEST_REQUIRE(got.get() >= 0);
  BOOST_TEST(::write(client.get(), "u", 1) == 1);
  char c = 0;
  BOOST_TEST(::read(got.get(), &c, 1) == 1);
  BOOST_TEST(c == 'u');
  ::shutdown(listen_fd.get(), SHUT_RDWR);
  serve.join();
}

BOOST_AUTO_TEST_CASE(takes_numeric_addresses_only) {
  socklen_t len = 0;
  BOOST_TEST(ParseAddress("127.0.0.1:8480", &len).ok());
  BOOST_TEST(len == sizeof(sockaddr_in));
  BOOST_TEST(ParseAddress("[::1]:8480", &len).ok());
  BOOST_TEST(len == sizeof(sockaddr_in6));
  for (const char* bad : {"localhost:80", "127.0.0.1", "127.0.0.1:0", "127.0.0.1:65536", "127.0.0.1:8x",
                          "[::1", "[::1]8480", "", ":80", "1.2.3:80"})
    BOOST_TEST(!ParseAddress(bad, &len).ok(), bad);
  BOOST_TEST(ParseAddress("127.0.0.1", &len, /*port_required=*/false).ok());
}

BOOST_AUTO_TEST_CASE(names_each_uid_below_two_to_the_23_by_one_address_of_127_128_0_0_slash_9) {
  BOOST_TEST(TenantSourceAddress(300001).value() == "127.132.147.225");
  BOOST_TEST(TenantSourceAddress(0).value() == "127.128.0.0");
  BOOST_TEST(TenantSourceAddress((1u << 23) - 1).value() == "127.255.255.255");
  BOOST_TEST(!TenantSourceAddress(1u << 23));
  for (uint32_t uid : {0u, 1u, 300000u, 399999u, (1u << 23) - 1})
    BOOST_TEST(UidOfSourceAddress(*TenantSourceAddress(uid)).value() == uid);
  for (const char* other : {"127.0.0.1", "127.127.255.255", "10.128.0.1", "::1", "", "127.128.0"})
    BOOST_TEST(!UidOfSourceAddress(other), other);
}

BOOST_AUTO_TEST_SUITE_END()

}  // namespace
}  // namespace clawhive::bridge
