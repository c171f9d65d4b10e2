// Address classification for the egress proxy (docs/egress.md): what kind of address a name resolved
// to, so that an allowed host name can never be used to reach the appliance itself or the customer's
// own network (SSRF). Only kPublic addresses are reachable by default; every other class needs a CIDR
// the operator (or, for a tenant, the operator on its behalf) allowed explicitly.
//
// IPv6 forms that embed an IPv4 address (IPv4-mapped ::ffff:0:0/96, IPv4-compatible ::/96, NAT64
// 64:ff9b::/96, 6to4 2002::/16) are classified by the IPv4 address they carry when that one is not
// public, so "::ffff:10.0.0.1" is private. Pure functions; thread-safe.
#pragma once

#include <netinet/in.h>
#include <sys/socket.h>

#include <cstdint>
#include <string>

#include "supervisor/common/result.h"

namespace clawhive::egress {

enum class AddressClass {
  kPublic,
  kLoopback,     // 127.0.0.0/8, ::1
  kPrivate,      // 10/8, 172.16/12, 192.168/16, fc00::/7 (ULA), fec0::/10 (site-local)
  kSharedNat,    // 100.64.0.0/10 (carrier-grade NAT)
  kLinkLocal,    // 169.254/16 (cloud metadata lives here), fe80::/10
  kMulticast,    // 224/4, ff00::/8
  kUnspecified,  // 0.0.0.0/8, ::
  kReserved,     // 240/4, 255.255.255.255, 192.0.0/24, 198.18/15 (benchmarking),
                 // 100::/64, 2001::/23 (IETF protocol assignments, Teredo), anything outside 2000::/3,
                 // and any address family other than IPv4/IPv6. The documentation ranges (192.0.2/24,
                 // 198.51.100/24, 203.0.113/24, 2001:db8::/32) are public: never routed on the Internet,
                 // they are where the integration test's fake internet lives.
};

// "public", "loopback", "private", "shared NAT", "link-local", "multicast", "unspecified", "reserved".
const char* ToString(AddressClass c);

AddressClass Classify(const sockaddr* address);
AddressClass ClassifyV4(uint32_t host_order);

// A numeric address block: "10.20.0.0/16", "2001:db8::/32", or a single address (full length).
struct Cidr {
  int family = AF_INET;
  uint8_t bytes[16] = {};
  int prefix = 0;
  std::string text;  // as given, for messages and round trips
};
// kInvalidArgument for anything but a numeric IPv4/IPv6 address with an optional /prefix in range; bits
// set beyond the prefix are refused too ("10.1.2.3/8" is a typo more often than not).
Result<Cidr> ParseCidr(const std::string& text);
// Whether `address` (IPv4, IPv6; an IPv4-mapped IPv6 address counts as its IPv4 address) is in `block`.
bool Contains(const Cidr& block, const sockaddr* address);

// "203.0.113.10" or "2001:db8::1" (no port).
std::string FormatAddress(const sockaddr* address);

}  // namespace clawhive::egress
