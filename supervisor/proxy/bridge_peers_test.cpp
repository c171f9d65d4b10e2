#include "supervisor/proxy/bridge_peers.h"

#include <boost/test/unit_test.hpp>

namespace clawhive::proxy {
namespace {

struct HostPeers : PeerIdentity {
  int asked = 0;
  std::optional<uint32_t> UidOf(const std::string&, uint16_t, uint16_t) override {
    ++asked;
    return 1000;
  }
};

// BridgePeers in front of a host that counts the questions it is asked.
struct Peers {
  HostPeers host;
  BridgePeers peers{host};
};

BOOST_AUTO_TEST_SUITE(bridge_peers)

BOOST_FIXTURE_TEST_CASE(a_tenant_bridge_address_names_its_uid_without_asking_the_host, Peers) {
  BOOST_TEST(peers.UidOf("127.132.147.225", 40000, 8480).value() == 300001u);
  BOOST_TEST(peers.UidOf("::ffff:127.132.147.225", 40000, 8480).value() == 300001u);
  BOOST_TEST(host.asked == 0);
}

BOOST_FIXTURE_TEST_CASE(any_other_address_is_a_host_process_and_asked_of_the_host, Peers) {
  BOOST_TEST(peers.UidOf("127.0.0.1", 40000, 8480).value() == 1000u);
  BOOST_TEST(peers.UidOf("::1", 40000, 8480).value() == 1000u);
  BOOST_TEST(host.asked == 2);
}

BOOST_AUTO_TEST_SUITE_END()

}  // namespace
}  // namespace clawhive::proxy
