// Gateway socket paths: one spelling per (tenant, port), and a file name that says its port and nothing
// else. The bridge trusts the name to pick where a connection goes, so every other name is refused.
#include "supervisor/tenant/gateway_socket.h"

#include <sys/un.h>

#include <boost/test/unit_test.hpp>

namespace clawhive {
namespace {

BOOST_AUTO_TEST_SUITE(gateway_socket)

BOOST_AUTO_TEST_CASE(a_tenants_socket_is_its_port_in_its_own_directory) {
  BOOST_TEST(GatewaySocketPath(kGatewaySocketDir, "acme", 20000) == "/run/clawhive/gw/acme/20000.sock");
  BOOST_TEST(GatewaySocketDirOf(kGatewaySocketDir, "acme") == "/run/clawhive/gw/acme");
  BOOST_TEST(GatewaySocketPath("/tmp/x", "acme-corp", 20110) == "/tmp/x/acme-corp/20110.sock");
}

BOOST_AUTO_TEST_CASE(the_longest_tenant_id_fits_in_sun_path) {
  std::string path = GatewaySocketPath(kGatewaySocketDir, std::string(32, 'a'), 65535);
  BOOST_TEST(path.size() < sizeof(sockaddr_un{}.sun_path));
}

BOOST_AUTO_TEST_CASE(a_socket_names_the_port_of_its_file_name) {
  BOOST_TEST(GatewaySocketPort("/run/clawhive/gw/acme/18001.sock").value() == 18001);
  BOOST_TEST(GatewaySocketPort("18001.sock").value() == 18001);
  BOOST_TEST(GatewaySocketPort("1.sock").value() == 1);
  BOOST_TEST(GatewaySocketPort("/x/65535.sock").value() == 65535);
  BOOST_TEST(GatewaySocketPort(GatewaySocketPath(kGatewaySocketDir, "acme", 20110)).value() == 20110);
}

BOOST_AUTO_TEST_CASE(any_other_name_names_no_port) {
  for (const char* bad : {"", "/", ".sock", "/run/.sock", "abc.sock", "/run/x/18001", "18001", "18001.socket",
                          "18001.sock.bak", "18001.SOCK", "65536.sock", "99999.sock", "4294985297.sock",
                          "184467440737095516161.sock", "0.sock", "018001.sock", "-1.sock", "+1.sock",
                          " 1.sock", "1 .sock", "0x50.sock", "18001.sock/", "../18001", "..sock",
                          "/run/18001.sock/..", "18a01.sock", "1e3.sock"})
    BOOST_TEST(!GatewaySocketPort(bad).has_value(), bad);
}

BOOST_AUTO_TEST_CASE(only_the_last_path_step_counts) {
  // A directory that looks like a socket name does not make the path one.
  BOOST_TEST(!GatewaySocketPort("/run/18001.sock/x").has_value());
  BOOST_TEST(GatewaySocketPort("/run/../18001.sock").value() == 18001);  // the name is still the port's
}

BOOST_AUTO_TEST_SUITE_END()

}  // namespace
}  // namespace clawhive
