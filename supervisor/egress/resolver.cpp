#include "supervisor/egress/resolver.h"

#include <netdb.h>

#include <cstring>
#include <memory>

namespace clawhive::egress {

Result<std::vector<sockaddr_storage>> SystemResolver::Resolve(const std::string& host, uint16_t port) {
  addrinfo hints{};
  hints.ai_family = AF_UNSPEC;
  hints.ai_socktype = SOCK_STREAM;
  hints.ai_flags = AI_NUMERICSERV;
  addrinfo* found = nullptr;
  std::string service = std::to_string(port);
  int rc = ::getaddrinfo(host.c_str(), service.c_str(), &hints, &found);
  std::unique_ptr<addrinfo, decltype(&::freeaddrinfo)> owner(found, &::freeaddrinfo);
  if (rc == EAI_NONAME || rc == EAI_NODATA) return Error::NotFound("no such host: " + host);
  if (rc != 0) return Error::Unavailable("looking up " + host + ": " + ::gai_strerror(rc));
  std::vector<sockaddr_storage> out;
  for (addrinfo* a = found; a && out.size() < 16; a = a->ai_next) {
    if ((a->ai_family != AF_INET && a->ai_family != AF_INET6) || a->ai_addrlen > sizeof(sockaddr_storage)) continue;
    sockaddr_storage ss{};
    std::memcpy(&ss, a->ai_addr, a->ai_addrlen);
    out.push_back(ss);
  }
  if (out.empty()) return Error::NotFound("no IPv4 or IPv6 address for " + host);
  return out;
}

}  // namespace clawhive::egress
