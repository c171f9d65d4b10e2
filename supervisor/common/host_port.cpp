#include "supervisor/common/host_port.h"

#include <arpa/inet.h>

#include <algorithm>

namespace clawhive {

HostPortParse ParseHostPort(std::string_view s, const std::function<std::string(std::string_view)>& echo) {
  HostPortParse r;
  auto bad = [&](std::string why) {
    r.why = std::move(why);
    return r;
  };
  std::string host, port;
  if (!s.empty() && s.front() == '[') {
    size_t close = s.find(']');
    if (close == std::string_view::npos) return bad("unterminated '['");
    host = std::string(s.substr(1, close - 1));
    if (close + 1 >= s.size() || s[close + 1] != ':') return bad("missing port");
    port = std::string(s.substr(close + 2));
    in6_addr a6{};
    if (inet_pton(AF_INET6, host.c_str(), &a6) != 1) return bad("'" + echo(host) + "' is not an IPv6 address");
  } else {
    size_t colon = s.rfind(':');
    if (colon == std::string_view::npos) return bad("missing port");
    host = std::string(s.substr(0, colon));
    port = std::string(s.substr(colon + 1));
    if (host.find(':') != std::string::npos) return bad("IPv6 addresses must be in brackets");
    if (host.empty()) return bad("missing host");
    bool numeric = std::all_of(host.begin(), host.end(), [](char c) { return (c >= '0' && c <= '9') || c == '.'; });
    in_addr a4{};
    if (numeric && inet_pton(AF_INET, host.c_str(), &a4) != 1) return bad("'" + echo(host) + "' is not an IPv4 address");
    bool name_chars = std::all_of(host.begin(), host.end(), [](char c) {
      return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '.' || c == '-';
    });
    if (!name_chars || host.size() > 253) return bad("'" + echo(host) + "' is not a host name or address");
  }
  if (port.empty()) return bad("missing port");
  uint64_t p = 0;
  bool digits = std::all_of(port.begin(), port.end(), [](char c) { return c >= '0' && c <= '9'; });
  for (char c : port)
    if (digits && p <= 65535) p = p * 10 + static_cast<uint64_t>(c - '0');  // stops growing once too big
  if (!digits || p < 1 || p > 65535) {
    r.port_error = true;
    return bad("port must be a whole number between 1 and 65535, got '" + echo(port) + "'");
  }
  r.ok = true;
  r.value = {host, static_cast<uint16_t>(p)};
  return r;
}

}  // namespace clawhive
