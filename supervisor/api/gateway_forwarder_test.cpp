// ConnectGatewaySocket against real unix sockets in a directory of the test's own: a listening socket
// connects; a missing one, a stale file nobody listens on, a path that cannot be a socket address and a
// backlog that stays full each fail with their own error, the last within the bound.
#include "supervisor/api/gateway_forwarder.h"

#include <sys/socket.h>
#include <sys/un.h>

#include <boost/test/unit_test.hpp>
#include <chrono>
#include <cstring>
#include <string>
#include <vector>

#include "supervisor/common/unique_fd.h"
#include "unit/gateway_sockets.h"

namespace clawhive::api {
namespace {

using namespace std::chrono_literals;

// A unix socket bound at `path`, listening with `backlog` unless backlog < 0 (bound only: a stale file).
UniqueFd Bind(const std::string& path, int backlog) {
  UniqueFd fd(::socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0));
  sockaddr_un a{};
  a.sun_family = AF_UNIX;
  std::memcpy(a.sun_path, path.data(), path.size());
  BOOST_TEST_REQUIRE(::bind(fd.get(), reinterpret_cast<sockaddr*>(&a), sizeof a) == 0);
  if (backlog >= 0) BOOST_TEST_REQUIRE(::listen(fd.get(), backlog) == 0);
  return fd;
}

BOOST_AUTO_TEST_SUITE(gateway_socket_connect)

BOOST_AUTO_TEST_CASE(a_listening_gateway_socket_connects_and_carries_bytes) {
  testing::GatewaySockets sockets;
  std::string path = sockets.Path("acme", 20000);
  UniqueFd listener = Bind(path, 4);
  Result<Poco::Net::StreamSocket> s = ConnectGatewaySocket(path, 1000ms);
  BOOST_TEST_REQUIRE(s.ok(), (s.ok() ? "" : s.error().message));
  UniqueFd peer(::accept(listener.get(), nullptr, nullptr));
  BOOST_TEST_REQUIRE(peer.get() >= 0);
  BOOST_TEST(s->sendBytes("x", 1) == 1);
  char c = 0;
  BOOST_TEST(::recv(peer.get(), &c, 1, 0) == 1);
  BOOST_TEST(c == 'x');
}

BOOST_AUTO_TEST_CASE(a_socket_that_is_not_there_is_not_found) {
  testing::GatewaySockets sockets;
  Result<Poco::Net::StreamSocket> s = ConnectGatewaySocket(sockets.Path("acme", 20000), 1000ms);
  BOOST_TEST_REQUIRE(!s.ok());
  BOOST_TEST((s.error().code == ErrorCode::kNotFound));
  BOOST_TEST(s.error().message.find("20000.sock") != std::string::npos, s.error().message);
  BOOST_TEST((ConnectGatewaySocket(sockets.dir.path + "/no-such-tenant/20000.sock", 1000ms).error().code == ErrorCode::kNotFound));
}

BOOST_AUTO_TEST_CASE(a_stale_file_nobody_listens_on_is_refused_at_once) {
  testing::GatewaySockets sockets;
  std::string path = sockets.Path("acme", 20000);
  UniqueFd bound = Bind(path, -1);
  auto started = std::chrono::steady_clock::now();
  Result<Poco::Net::StreamSocket> s = ConnectGatewaySocket(path, 5000ms);
  BOOST_TEST_REQUIRE(!s.ok());
  BOOST_TEST((s.error().code == ErrorCode::kUnavailable));
  BOOST_TEST(s.error().message.find("refused") != std::string::npos, s.error().message);
  BOOST_TEST((std::chrono::steady_clock::now() - started < 1s));
}

BOOST_AUTO_TEST_CASE(a_path_that_cannot_be_a_socket_address_is_invalid) {
  for (const std::string& bad : {std::string(), std::string("relative/20000.sock"), "/" + std::string(120, 'a')})
    BOOST_TEST((ConnectGatewaySocket(bad, 100ms).error().code == ErrorCode::kInvalidArgument), bad);
}

BOOST_AUTO_TEST_CASE(a_backlog_that_stays_full_fails_within_the_bound) {
  testing::GatewaySockets sockets;
  std::string path = sockets.Path("acme", 20000);
  UniqueFd listener = Bind(path, 0);  // never accepts
  std::vector<Poco::Net::StreamSocket> queued;
  for (int i = 0; i < 8; ++i) {
    auto started = std::chrono::steady_clock::now();
    Result<Poco::Net::StreamSocket> s = ConnectGatewaySocket(path, 200ms);
    if (s.ok()) {
      queued.push_back(*s);
      continue;
    }
    auto took = std::chrono::steady_clock::now() - started;
    BOOST_TEST((s.error().code == ErrorCode::kUnavailable));
    BOOST_TEST((took >= 150ms));
    BOOST_TEST((took < 2s));
    return;
  }
  BOOST_FAIL("the backlog never filled");
}

BOOST_AUTO_TEST_SUITE_END()

}  // namespace
}  // namespace clawhive::api
