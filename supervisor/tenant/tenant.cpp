#include "supervisor/tenant/tenant.h"

#include <cstdio>

namespace clawhive {

const char* ToString(DesiredState s) { return s == DesiredState::kRunning ? "running" : "stopped"; }

std::optional<DesiredState> ParseDesiredState(const std::string& s) {
  if (s == "running") return DesiredState::kRunning;
  if (s == "stopped") return DesiredState::kStopped;
  return std::nullopt;
}

Status ValidateTenantId(const std::string& id) {
  if (id.size() < 2 || id.size() > 32)
    return Error::Invalid("tenant id must be 2 to 32 characters long (got " + std::to_string(id.size()) + ")");
  for (unsigned char c : id) {
    bool ok = (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-';
    if (!ok) return Error::Invalid("tenant id may contain only lowercase letters a-z, digits and '-'");
  }
  if (id.front() == '-' || id.back() == '-')
    return Error::Invalid("tenant id must start and end with a letter or digit");
  return Status::Ok();
}

std::string TenantNames::Escaped(const std::string& id) {
  // Ids are validated to [a-z0-9-], so '-' is the only character systemd-escape changes.
  std::string out;
  for (char c : id) {
    if (c == '-') out += "\\x2d";
    else out += c;
  }
  return out;
}

std::string TenantNames::Service(const std::string& id) { return "clawhive-agent@" + Escaped(id) + ".service"; }
std::string TenantNames::Slice(const std::string& id) { return "clawhive-" + Escaped(id) + ".slice"; }
std::string TenantNames::GatewaySocket(const std::string& id) { return "clawhive-gw@" + Escaped(id) + ".socket"; }
std::string TenantNames::GatewayBridge(const std::string& id) { return "clawhive-gw@" + Escaped(id) + ".service"; }
std::string TenantNames::MeterSocket(const std::string& id) { return "clawhive-meter@" + Escaped(id) + ".socket"; }
std::string TenantNames::MeterBridge(const std::string& id) { return "clawhive-meter@" + Escaped(id) + ".service"; }

std::string TenantNames::User(const std::string& id) {
  if (id.size() <= 29) return "ch-" + id;
  // FNV-1a: stable across builds and platforms; collisions only matter among ids sharing 20 chars.
  uint32_t h = 2166136261u;
  for (unsigned char c : id) { h ^= c; h *= 16777619u; }
  char hex[9];
  std::snprintf(hex, sizeof hex, "%08x", h);
  return "ch-" + id.substr(0, 20) + "-" + hex;
}

std::optional<std::string> TenantNames::IdFromService(const std::string& unit) {
  const std::string prefix = "clawhive-agent@", suffix = ".service";
  if (unit.size() <= prefix.size() + suffix.size()) return std::nullopt;
  if (unit.compare(0, prefix.size(), prefix) != 0) return std::nullopt;
  if (unit.compare(unit.size() - suffix.size(), suffix.size(), suffix) != 0) return std::nullopt;
  std::string esc = unit.substr(prefix.size(), unit.size() - prefix.size() - suffix.size());
  std::string id;
  for (size_t i = 0; i < esc.size(); ++i) {
    if (esc.compare(i, 4, "\\x2d") == 0) { id += '-'; i += 3; }
    else id += esc[i];
  }
  if (!ValidateTenantId(id)) return std::nullopt;
  return id;
}

}  // namespace clawhive
