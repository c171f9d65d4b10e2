#include "supervisor/tenant/gateway_socket.h"

namespace clawhive {
namespace {
constexpr std::string_view kSuffix = ".sock";
}  // namespace

std::string GatewaySocketDirOf(const std::string& dir, const std::string& id) { return dir + "/" + id; }

std::string GatewaySocketPath(const std::string& dir, const std::string& id, uint16_t port) {
  return GatewaySocketDirOf(dir, id) + "/" + std::to_string(port) + std::string(kSuffix);
}

std::optional<uint16_t> GatewaySocketPort(std::string_view path) {
  std::string_view name = path.substr(path.rfind('/') + 1);  // npos + 1 == 0: a bare name
  if (name.size() <= kSuffix.size() || name.substr(name.size() - kSuffix.size()) != kSuffix) return std::nullopt;
  std::string_view digits = name.substr(0, name.size() - kSuffix.size());
  // At most five digits and no leading zero: one spelling per port, and no overflow to wrap around.
  if (digits.size() > 5 || digits[0] == '0') return std::nullopt;
  uint32_t port = 0;
  for (char c : digits) {
    if (c < '0' || c > '9') return std::nullopt;
    port = port * 10 + static_cast<uint32_t>(c - '0');
  }
  if (port > 65535) return std::nullopt;
  return static_cast<uint16_t>(port);
}

}  // namespace clawhive
