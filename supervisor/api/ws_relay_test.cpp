#include "supervisor/api/ws_relay.h"

#include <Poco/Net/Context.h>
#include <Poco/Net/SSLManager.h>
#include <Poco/Net/SecureServerSocket.h>
#include <Poco/Net/SecureStreamSocket.h>
#include <Poco/Net/ServerSocket.h>
#include <Poco/Net/SocketAddress.h>
#include <Poco/Timespan.h>

#include <chrono>
#include <future>
#include <string>

#include <boost/test/unit_test.hpp>

#include "supervisor/tls/certificate.h"
#include "unit/temp_dir.h"

namespace clawhive::api {
namespace {

using namespace std::chrono_literals;

// Two connected loopback sockets: `near` is what the relay gets, `far` is the test's end.
struct Pair {
  Poco::Net::StreamSocket near;
  Poco::Net::StreamSocket far;
};

Pair Connect() {
  Poco::Net::ServerSocket listener(Poco::Net::SocketAddress("127.0.0.1", 0));
  Poco::Net::StreamSocket far(listener.address());
  Poco::Net::StreamSocket near = listener.acceptConnection();
  far.setReceiveTimeout(Poco::Timespan(5, 0));
  return {near, far};
}

// `n` bytes from `s`, or fewer when it ends or 5 s pass.
std::string Read(Poco::Net::StreamSocket& s, size_t n) {
  std::string out;
  char buf[4096];
  try {
    while (out.size() < n) {
      int got = s.receiveBytes(buf, static_cast<int>(std::min(sizeof buf, n - out.size())));
      if (got <= 0) break;
      out.append(buf, static_cast<size_t>(got));
    }
  } catch (const Poco::TimeoutException&) {
  }
  return out;
}

// True when `s` reaches its end (the peer closed) within 5 s.
bool Ends(Poco::Net::StreamSocket& s) {
  char c;
  try {
    return s.receiveBytes(&c, 1) == 0;
  } catch (const Poco::Exception&) {
    return false;
  }
}

struct Ended {
  std::promise<RelayEnd> promise;
  std::future<RelayEnd> future = promise.get_future();
  std::function<void(const RelayEnd&)> Callback() {
    return [this](const RelayEnd& e) { promise.set_value(e); };
  }
};

BOOST_AUTO_TEST_SUITE(ws_relay)

BOOST_AUTO_TEST_CASE(bytes_pass_both_ways_unchanged_and_the_browsers_close_ends_the_gateways_side) {
  WebSocketRelays relays(RelayOptions{});
  Pair browser = Connect(), gateway = Connect();
  Ended ended;
  auto slot = relays.Reserve("acme");
  BOOST_REQUIRE(slot);
  relays.Start(slot, browser.near, gateway.near, ended.Callback());
  slot.reset();

  const std::string up = "\x81\x05hello";  // bytes as a frame would be: passed as they are
  browser.far.sendBytes(up.data(), static_cast<int>(up.size()));
  BOOST_TEST(Read(gateway.far, up.size()) == up);
  const std::string down(100000, 'x');
  gateway.far.sendBytes(down.data(), static_cast<int>(down.size()));
  BOOST_TEST(Read(browser.far, down.size()).size() == down.size());

  browser.far.close();
  BOOST_TEST(Ends(gateway.far));
  BOOST_REQUIRE(ended.future.wait_for(5s) == std::future_status::ready);
  RelayEnd end = ended.future.get();
  BOOST_TEST(end.reason == "client closed");
  BOOST_TEST(end.to_gateway == up.size());
  BOOST_TEST(end.to_client == down.size());
  BOOST_TEST(relays.stats().active == 0);
}

BOOST_AUTO_TEST_CASE(the_gateways_close_ends_the_browsers_side) {
  WebSocketRelays relays(RelayOptions{});
  Pair browser = Connect(), gateway = Connect();
  Ended ended;
  relays.Start(relays.Reserve("acme"), browser.near, gateway.near, ended.Callback());
  gateway.far.close();
  BOOST_TEST(Ends(browser.far));
  BOOST_REQUIRE(ended.future.wait_for(5s) == std::future_status::ready);
  BOOST_TEST(ended.future.get().reason == "gateway closed");
}

BOOST_AUTO_TEST_CASE(a_tenant_at_its_cap_is_refused_while_others_still_get_a_place_up_to_the_appliances_cap) {
  RelayOptions o;
  o.max_total = 3;
  o.max_per_tenant = 2;
  WebSocketRelays relays(o);
  auto a1 = relays.Reserve("acme"), a2 = relays.Reserve("acme");
  BOOST_TEST((a1 && a2));
  BOOST_TEST(!relays.Reserve("acme"));
  auto b1 = relays.Reserve("bolt");
  BOOST_TEST(bool(b1));
  BOOST_TEST(!relays.Reserve("cora"));  // the appliance's 3 are taken
  BOOST_TEST(relays.stats().refused == 2u);
  BOOST_TEST(relays.stats().active_by_tenant.at("acme") == 2);
  a1.reset();  // a place given back is a place again
  BOOST_TEST(bool(relays.Reserve("cora")));
  BOOST_TEST(relays.stats().active_by_tenant.count("cora") == 0u);  // that handle was dropped at once
}

BOOST_AUTO_TEST_CASE(a_relay_without_a_place_is_not_started_and_both_sockets_are_closed) {
  RelayOptions o;
  o.max_per_tenant = 0;
  WebSocketRelays relays(o);
  Pair browser = Connect(), gateway = Connect();
  bool ran = false;
  relays.Start(relays.Reserve("acme"), browser.near, gateway.near, [&](const RelayEnd&) { ran = true; });
  BOOST_TEST(Ends(browser.far));
  BOOST_TEST(Ends(gateway.far));
  relays.Shutdown();
  BOOST_TEST(!ran);
}

BOOST_AUTO_TEST_CASE(a_pair_silent_both_ways_is_closed_after_the_idle_timeout) {
  RelayOptions o;
  o.idle_timeout_ms = 200;
  WebSocketRelays relays(o);
  Pair browser = Connect(), gateway = Connect();
  Ended ended;
  relays.Start(relays.Reserve("acme"), browser.near, gateway.near, ended.Callback());
  BOOST_TEST(Ends(gateway.far));
  BOOST_TEST(Ends(browser.far));
  BOOST_REQUIRE(ended.future.wait_for(5s) == std::future_status::ready);
  BOOST_TEST(ended.future.get().reason == "idle");
}

BOOST_AUTO_TEST_CASE(closing_by_owner_ends_only_the_relays_that_owner_opened) {
  WebSocketRelays relays(RelayOptions{});
  Pair mine_browser = Connect(), mine_gateway = Connect(), other_browser = Connect(), other_gateway = Connect();
  Ended mine, other;
  relays.Start(relays.Reserve("acme"), mine_browser.near, mine_gateway.near, mine.Callback(), {"user:alice", "session:s1"});
  relays.Start(relays.Reserve("acme"), other_browser.near, other_gateway.near, other.Callback(), {"user:bob", "session:s2"});
  BOOST_TEST(relays.CloseOwnedBy("session:s9") == 0);
  BOOST_TEST(relays.CloseOwnedBy("session:s1") == 1);
  BOOST_REQUIRE(mine.future.wait_for(5s) == std::future_status::ready);
  BOOST_TEST(mine.future.get().reason == "revoked");
  BOOST_TEST(Ends(mine_gateway.far));
  other_browser.far.sendBytes("still", 5);  // bob's pair carries on
  BOOST_TEST(Read(other_gateway.far, 5) == "still");
  BOOST_TEST((other.future.wait_for(0s) == std::future_status::timeout));
}

BOOST_AUTO_TEST_CASE(shutdown_ends_every_relay_waits_for_its_thread_and_takes_no_more) {
  WebSocketRelays relays(RelayOptions{});
  Pair browser = Connect(), gateway = Connect();
  Ended ended;
  relays.Start(relays.Reserve("acme"), browser.near, gateway.near, ended.Callback());
  relays.Shutdown();
  BOOST_REQUIRE(ended.future.wait_for(0s) == std::future_status::ready);
  BOOST_TEST(ended.future.get().reason == "shutdown");
  BOOST_TEST(Ends(gateway.far));
  BOOST_TEST(!relays.Reserve("acme"));
}

BOOST_AUTO_TEST_CASE(over_tls_bytes_openssl_already_decrypted_are_relayed_without_waiting_for_more) {
  // One TLS record of 16,000 bytes read 1 KiB at a time: after the first read the rest sits decrypted in
  // OpenSSL, invisible to poll(). A relay that only polled would wait for the idle timeout (30 s).
  testing::TempDir dir("clawhive-ws-relay");
  auto paths = tls::EnsureCertificate(dir.path, {"127.0.0.1"});
  BOOST_REQUIRE(paths.ok());
  Poco::Net::initializeSSL();
  Poco::Net::Context::Ptr server_ctx = new Poco::Net::Context(Poco::Net::Context::TLS_SERVER_USE, paths->key_file,
                                                              paths->cert_file, "", Poco::Net::Context::VERIFY_NONE);
  Poco::Net::Context::Ptr client_ctx = new Poco::Net::Context(Poco::Net::Context::TLS_CLIENT_USE, "", "", "",
                                                              Poco::Net::Context::VERIFY_NONE);
  Poco::Net::SecureServerSocket listener(Poco::Net::SocketAddress("127.0.0.1", 0), 64, server_ctx);
  auto accepted = std::async(std::launch::async, [&] {
    Poco::Net::SecureStreamSocket s(listener.acceptConnection());
    s.completeHandshake();  // Poco's server side shakes hands lazily; the browser's connect waits for it
    return Poco::Net::StreamSocket(s);
  });
  Poco::Net::SecureStreamSocket browser(listener.address(), client_ctx);
  browser.setReceiveTimeout(Poco::Timespan(5, 0));
  Poco::Net::StreamSocket near = accepted.get();

  RelayOptions o;
  o.buffer_bytes = 1024;
  o.idle_timeout_ms = 30000;
  WebSocketRelays relays(o);
  Pair gateway = Connect();
  relays.Start(relays.Reserve("acme"), near, gateway.near, nullptr);
  const std::string up(16000, 'u');
  browser.sendBytes(up.data(), static_cast<int>(up.size()));
  BOOST_TEST(Read(gateway.far, up.size()).size() == up.size());
  const std::string down = "over tls";
  gateway.far.sendBytes(down.data(), static_cast<int>(down.size()));
  BOOST_TEST(Read(browser, down.size()) == down);
  relays.Shutdown();
}

BOOST_AUTO_TEST_SUITE_END()

}  // namespace
}  // namespace clawhive::api
