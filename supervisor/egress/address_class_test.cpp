// Which resolved addresses the egress proxy treats as the public Internet, and address blocks.
#include "supervisor/egress/address_class.h"

#include <arpa/inet.h>

#include <boost/test/unit_test.hpp>
#include <ostream>

namespace clawhive::egress {

// For Boost.Test's messages (found by argument-dependent lookup).
std::ostream& operator<<(std::ostream& os, AddressClass c) { return os << ToString(c); }

namespace {

sockaddr_storage Addr(const std::string& text) {
  sockaddr_storage ss{};
  auto* v4 = reinterpret_cast<sockaddr_in*>(&ss);
  auto* v6 = reinterpret_cast<sockaddr_in6*>(&ss);
  if (::inet_pton(AF_INET, text.c_str(), &v4->sin_addr) == 1) v4->sin_family = AF_INET;
  else if (::inet_pton(AF_INET6, text.c_str(), &v6->sin6_addr) == 1) v6->sin6_family = AF_INET6;
  else BOOST_FAIL("not an address: " + text);
  return ss;
}

AddressClass Of(const std::string& text) {
  sockaddr_storage ss = Addr(text);
  return Classify(reinterpret_cast<const sockaddr*>(&ss));
}

bool In(const std::string& cidr, const std::string& address) {
  Result<Cidr> c = ParseCidr(cidr);
  BOOST_TEST_REQUIRE(c.ok());
  sockaddr_storage ss = Addr(address);
  return Contains(*c, reinterpret_cast<const sockaddr*>(&ss));
}

BOOST_AUTO_TEST_SUITE(egress_address_class)

BOOST_AUTO_TEST_CASE(public_addresses_are_public) {
  for (const char* a : {"1.1.1.1", "149.154.167.220", "203.0.113.10", "198.51.100.7", "2606:4700::1111", "2001:db8::1"})
    BOOST_TEST(Of(a) == AddressClass::kPublic, a);
}

BOOST_AUTO_TEST_CASE(the_appliance_and_the_customers_network_are_not) {
  BOOST_TEST(Of("127.0.0.1") == AddressClass::kLoopback);
  BOOST_TEST(Of("127.132.147.225") == AddressClass::kLoopback);
  BOOST_TEST(Of("::1") == AddressClass::kLoopback);
  for (const char* a : {"10.9.9.9", "172.16.0.1", "172.31.255.255", "192.168.1.1", "fd00::1", "fc12::1", "fec0::1"})
    BOOST_TEST(Of(a) == AddressClass::kPrivate, a);
  BOOST_TEST(Of("172.32.0.1") == AddressClass::kPublic);
  BOOST_TEST(Of("100.64.0.1") == AddressClass::kSharedNat);
  BOOST_TEST(Of("100.127.255.255") == AddressClass::kSharedNat);
  BOOST_TEST(Of("100.128.0.1") == AddressClass::kPublic);
  BOOST_TEST(Of("169.254.169.254") == AddressClass::kLinkLocal);
  BOOST_TEST(Of("fe80::1") == AddressClass::kLinkLocal);
  BOOST_TEST(Of("224.0.0.1") == AddressClass::kMulticast);
  BOOST_TEST(Of("ff02::1") == AddressClass::kMulticast);
  BOOST_TEST(Of("0.0.0.0") == AddressClass::kUnspecified);
  BOOST_TEST(Of("0.1.2.3") == AddressClass::kUnspecified);
  BOOST_TEST(Of("::") == AddressClass::kUnspecified);
  for (const char* a : {"240.0.0.1", "255.255.255.255", "192.0.0.8", "198.18.0.1", "100::1", "2001::1", "4000::1"})
    BOOST_TEST(Of(a) == AddressClass::kReserved, a);
}

BOOST_AUTO_TEST_CASE(ipv6_forms_that_carry_an_ipv4_address_are_judged_by_it) {
  BOOST_TEST(Of("::ffff:127.0.0.1") == AddressClass::kLoopback);
  BOOST_TEST(Of("::ffff:10.0.0.1") == AddressClass::kPrivate);
  BOOST_TEST(Of("::ffff:169.254.169.254") == AddressClass::kLinkLocal);
  BOOST_TEST(Of("::ffff:1.1.1.1") == AddressClass::kPublic);
  BOOST_TEST(Of("::10.0.0.1") == AddressClass::kPrivate);
  BOOST_TEST(Of("::1.1.1.1") == AddressClass::kReserved);  // IPv4-compatible: deprecated
  BOOST_TEST(Of("64:ff9b::a00:1") == AddressClass::kPrivate);       // NAT64 of 10.0.0.1
  BOOST_TEST(Of("64:ff9b::7f00:1") == AddressClass::kLoopback);     // NAT64 of 127.0.0.1
  BOOST_TEST(Of("2002:a9fe:a9fe::1") == AddressClass::kLinkLocal);  // 6to4 of 169.254.169.254
  BOOST_TEST(Of("2002:0101:0101::1") == AddressClass::kPublic);
}

BOOST_AUTO_TEST_CASE(blocks_contain_what_they_say) {
  BOOST_TEST(In("10.20.0.0/16", "10.20.3.4"));
  BOOST_TEST(!In("10.20.0.0/16", "10.21.0.1"));
  BOOST_TEST(In("10.20.0.0/16", "::ffff:10.20.0.9"));
  BOOST_TEST(In("127.0.0.1", "127.0.0.1"));
  BOOST_TEST(!In("127.0.0.1", "127.0.0.2"));
  BOOST_TEST(In("0.0.0.0/0", "8.8.8.8"));
  BOOST_TEST(!In("0.0.0.0/0", "2001:db8::1"));
  BOOST_TEST(In("fd00::/8", "fd12:3456::1"));
  BOOST_TEST(!In("fd00::/8", "fe80::1"));
}

BOOST_AUTO_TEST_CASE(malformed_blocks_are_refused) {
  for (const char* bad : {"", "10.0.0.0/33", "::/129", "10.0.0.0/", "10.0.0.0/-1", "10.0.0.0/8x", "example.com/8",
                          "10.1.2.3/8", "10.0.0.0/08a", "fe80::1%eth0/64", "1.2.3"})
    BOOST_TEST(!ParseCidr(bad).ok(), bad);
  BOOST_TEST(ParseCidr("10.0.0.0/8")->prefix == 8);
  BOOST_TEST(ParseCidr("2001:db8::/32")->family == AF_INET6);
}

BOOST_AUTO_TEST_SUITE_END()

}  // namespace
}  // namespace clawhive::egress
