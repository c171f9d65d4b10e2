// Resolver: name -> addresses for the egress proxy. The proxy resolves every name itself and connects
// to exactly the addresses it checked (no second lookup, so no DNS rebinding between check and use).
// SystemResolver is getaddrinfo (the host's /etc/hosts and resolv.conf); tests use a fake.
// Thread-safe.
#pragma once

#include <sys/socket.h>

#include <cstdint>
#include <string>
#include <vector>

#include "supervisor/common/result.h"

namespace clawhive::egress {

class Resolver {
 public:
  virtual ~Resolver() = default;
  // TCP addresses for `host` with `port` filled in, in the order to try. kNotFound for a name that does
  // not exist, kUnavailable for a lookup that failed.
  virtual Result<std::vector<sockaddr_storage>> Resolve(const std::string& host, uint16_t port) = 0;
};

class SystemResolver : public Resolver {
 public:
  Result<std::vector<sockaddr_storage>> Resolve(const std::string& host, uint16_t port) override;
};

}  // namespace clawhive::egress
