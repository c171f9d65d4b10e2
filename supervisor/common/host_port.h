// "host:port" as the config file and the installer's answer file take it: an IPv4 address, a host name,
// or an IPv6 address in brackets ("[::1]:8470"), and a port 1..65535. Pure.
#pragma once

#include <cstdint>
#include <functional>
#include <string>
#include <string_view>

namespace clawhive {

struct HostPort {
  std::string host;  // without brackets
  uint16_t port = 0;
};

struct HostPortParse {
  bool ok = false;
  HostPort value;
  bool port_error = false;  // the host part was fine, the port was not (callers word these apart)
  std::string why;          // e.g. "missing port", "'1.2.3' is not an IPv4 address"
};

// `echo` shows the caller's input in messages (each caller has its own escaping of odd bytes).
HostPortParse ParseHostPort(std::string_view text, const std::function<std::string(std::string_view)>& echo);

}  // namespace clawhive
