#include "supervisor/egress/address_class.h"

#include <arpa/inet.h>

#include <cstdlib>
#include <cstring>

namespace clawhive::egress {
namespace {

bool In(uint32_t a, uint32_t net, int prefix) {
  uint32_t mask = prefix == 0 ? 0 : ~uint32_t{0} << (32 - prefix);
  return (a & mask) == (net & mask);
}

constexpr uint32_t V4(int a, int b, int c, int d) {
  return (uint32_t(a) << 24) | (uint32_t(b) << 16) | (uint32_t(c) << 8) | uint32_t(d);
}

uint32_t Embedded(const uint8_t* b, int at) {
  return (uint32_t(b[at]) << 24) | (uint32_t(b[at + 1]) << 16) | (uint32_t(b[at + 2]) << 8) | uint32_t(b[at + 3]);
}

bool PrefixEquals(const uint8_t* a, const uint8_t* b, int prefix) {
  int full = prefix / 8, rest = prefix % 8;
  if (std::memcmp(a, b, full) != 0) return false;
  if (rest == 0) return true;
  uint8_t mask = static_cast<uint8_t>(0xff << (8 - rest));
  return (a[full] & mask) == (b[full] & mask);
}

AddressClass ClassifyV6(const uint8_t* b) {
  static const uint8_t kZero[16] = {};
  if (std::memcmp(b, kZero, 16) == 0) return AddressClass::kUnspecified;
  if (std::memcmp(b, kZero, 15) == 0 && b[15] == 1) return AddressClass::kLoopback;
  // ::ffff:a.b.c.d (mapped) and ::a.b.c.d (compatible, deprecated): the IPv4 address decides.
  static const uint8_t kMapped[12] = {0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff};
  if (std::memcmp(b, kMapped, 12) == 0 || std::memcmp(b, kZero, 12) == 0) {
    AddressClass c = ClassifyV4(Embedded(b, 12));
    return c == AddressClass::kPublic && std::memcmp(b, kZero, 12) == 0 ? AddressClass::kReserved : c;
  }
  // NAT64 64:ff9b::/96 and 6to4 2002::/16 reach the IPv4 address they embed.
  static const uint8_t kNat64[12] = {0, 0x64, 0xff, 0x9b, 0, 0, 0, 0, 0, 0, 0, 0};
  if (std::memcmp(b, kNat64, 12) == 0) return ClassifyV4(Embedded(b, 12));
  if (b[0] == 0x20 && b[1] == 0x02) {
    AddressClass c = ClassifyV4(Embedded(b, 2));
    if (c != AddressClass::kPublic) return c;
  }
  if (b[0] == 0xff) return AddressClass::kMulticast;
  if ((b[0] & 0xfe) == 0xfc) return AddressClass::kPrivate;                  // fc00::/7
  if (b[0] == 0xfe && (b[1] & 0xc0) == 0x80) return AddressClass::kLinkLocal;  // fe80::/10
  if (b[0] == 0xfe && (b[1] & 0xc0) == 0xc0) return AddressClass::kPrivate;    // fec0::/10
  static const uint8_t kDiscard[8] = {0x01, 0, 0, 0, 0, 0, 0, 0};              // 100::/64
  if (std::memcmp(b, kDiscard, 8) == 0) return AddressClass::kReserved;
  static const uint8_t kIetf[2] = {0x20, 0x01};                                // 2001::/23, 2001:db8::/32
  if (PrefixEquals(b, kIetf, 16) && b[2] == 0 && (b[3] & 0x80) == 0) return AddressClass::kReserved;
  if ((b[0] & 0xe0) != 0x20) return AddressClass::kReserved;  // outside 2000::/3, global unicast
  return AddressClass::kPublic;
}

}  // namespace

const char* ToString(AddressClass c) {
  switch (c) {
    case AddressClass::kPublic: return "public";
    case AddressClass::kLoopback: return "loopback";
    case AddressClass::kPrivate: return "private";
    case AddressClass::kSharedNat: return "shared NAT";
    case AddressClass::kLinkLocal: return "link-local";
    case AddressClass::kMulticast: return "multicast";
    case AddressClass::kUnspecified: return "unspecified";
    case AddressClass::kReserved: return "reserved";
  }
  return "reserved";
}

AddressClass ClassifyV4(uint32_t a) {
  if (In(a, V4(0, 0, 0, 0), 8)) return AddressClass::kUnspecified;
  if (In(a, V4(127, 0, 0, 0), 8)) return AddressClass::kLoopback;
  if (In(a, V4(10, 0, 0, 0), 8) || In(a, V4(172, 16, 0, 0), 12) || In(a, V4(192, 168, 0, 0), 16))
    return AddressClass::kPrivate;
  if (In(a, V4(100, 64, 0, 0), 10)) return AddressClass::kSharedNat;
  if (In(a, V4(169, 254, 0, 0), 16)) return AddressClass::kLinkLocal;
  if (In(a, V4(224, 0, 0, 0), 4)) return AddressClass::kMulticast;
  if (In(a, V4(240, 0, 0, 0), 4)) return AddressClass::kReserved;  // includes 255.255.255.255
  if (In(a, V4(192, 0, 0, 0), 24) || In(a, V4(198, 18, 0, 0), 15)) return AddressClass::kReserved;
  // Documentation ranges (TEST-NET-1..3, 2001:db8::/32) are deliberately public: the integration test's fake internet
  // lives there (RFC 5737 addresses are never routed on the real Internet, so nothing leaks either way).
  return AddressClass::kPublic;
}

AddressClass Classify(const sockaddr* address) {
  if (address->sa_family == AF_INET)
    return ClassifyV4(ntohl(reinterpret_cast<const sockaddr_in*>(address)->sin_addr.s_addr));
  if (address->sa_family == AF_INET6)
    return ClassifyV6(reinterpret_cast<const sockaddr_in6*>(address)->sin6_addr.s6_addr);
  return AddressClass::kReserved;
}

Result<Cidr> ParseCidr(const std::string& text) {
  auto bad = [&](const std::string& why) {
    return Error::Invalid("'" + text.substr(0, 64) + "' is not an address block such as 10.20.0.0/16: " + why);
  };
  if (text.empty() || text.size() > 64) return bad("1 to 64 characters");
  Cidr c;
  c.text = text;
  std::string host = text;
  int prefix = -1;
  if (size_t slash = text.find('/'); slash != std::string::npos) {
    host = text.substr(0, slash);
    std::string p = text.substr(slash + 1);
    if (p.empty() || p.size() > 3 || p.find_first_not_of("0123456789") != std::string::npos)
      return bad("the prefix length must be a number");
    prefix = std::atoi(p.c_str());
  }
  if (::inet_pton(AF_INET, host.c_str(), c.bytes) == 1) {
    c.family = AF_INET;
    if (prefix > 32) return bad("an IPv4 prefix is at most 32");
    c.prefix = prefix < 0 ? 32 : prefix;
  } else if (::inet_pton(AF_INET6, host.c_str(), c.bytes) == 1) {
    c.family = AF_INET6;
    if (prefix > 128) return bad("an IPv6 prefix is at most 128");
    c.prefix = prefix < 0 ? 128 : prefix;
  } else {
    return bad("not a numeric IPv4 or IPv6 address");
  }
  int length = c.family == AF_INET ? 4 : 16;
  for (int bit = c.prefix; bit < length * 8; ++bit)
    if (c.bytes[bit / 8] & (0x80 >> (bit % 8))) return bad("bits are set after the prefix length");
  return c;
}

bool Contains(const Cidr& block, const sockaddr* address) {
  uint8_t b[16];
  int family = address->sa_family;
  if (family == AF_INET) {
    std::memcpy(b, &reinterpret_cast<const sockaddr_in*>(address)->sin_addr, 4);
  } else if (family == AF_INET6) {
    const uint8_t* v6 = reinterpret_cast<const sockaddr_in6*>(address)->sin6_addr.s6_addr;
    static const uint8_t kMapped[12] = {0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff};
    if (std::memcmp(v6, kMapped, 12) == 0) {
      family = AF_INET;
      std::memcpy(b, v6 + 12, 4);
    } else {
      std::memcpy(b, v6, 16);
    }
  } else {
    return false;
  }
  return family == block.family && PrefixEquals(b, block.bytes, block.prefix);
}

std::string FormatAddress(const sockaddr* address) {
  char buf[INET6_ADDRSTRLEN] = "?";
  if (address->sa_family == AF_INET)
    ::inet_ntop(AF_INET, &reinterpret_cast<const sockaddr_in*>(address)->sin_addr, buf, sizeof buf);
  else if (address->sa_family == AF_INET6)
    ::inet_ntop(AF_INET6, &reinterpret_cast<const sockaddr_in6*>(address)->sin6_addr, buf, sizeof buf);
  return buf;
}

}  // namespace clawhive::egress
