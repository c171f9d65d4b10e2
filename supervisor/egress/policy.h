// Egress policy (docs/egress.md): which destinations one tenant's agent may reach through the egress
// proxy. Default deny. A destination is allowed when
//   - its host and port match a rule of the operator's global list (egress.allow in clawhive.yaml), of
//     the tenant's own list, or of a preset the tenant has turned on (presets name the hosts of one
//     chat channel: "telegram" is api.telegram.org:443), and
//   - every address it is then connected to is public (address_class.h), or inside an address block
//     the operator allowed (egress.allow_cidrs) or set for this tenant (its allow_cidrs). So an allowed
//     name that resolves to 10.9.9.9 or 169.254.169.254 is still refused.
//
// Rules: "host" (port 443), "host:port", "host:80,443", "host:*" (any port); host is a DNS name
// ("api.telegram.org"), "*.suffix" (any name ending in ".suffix", not the suffix itself), "*" (any
// name), or a numeric address (IPv6 in brackets). Matching is on the lower-cased name the agent asked
// for, before resolution; a rule for a name never covers an IP literal and vice versa.
//
// Who sets what: the operator everything (config file, and any tenant's list through the API); a tenant
// admin only the presets in egress.presets and rules covered by egress.tenant_allow, and no address
// blocks; entries already on the tenant's list (an operator put them there) may stay.
//
// Plain values; thread-compatible.
#pragma once

#include <sys/socket.h>

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "supervisor/common/json.h"
#include "supervisor/common/result.h"
#include "supervisor/egress/address_class.h"

namespace clawhive::egress {

inline constexpr size_t kMaxEntries = 128;  // per list

struct HostRule {
  std::string host;             // "api.telegram.org", "*.slack.com", "*", "203.0.113.10", "2001:db8::1"
  std::vector<uint16_t> ports;  // empty: any port
  std::string text;             // as written
};
Result<HostRule> ParseHostRule(const std::string& text);
bool Matches(const HostRule& rule, const std::string& host, uint16_t port);
// Whether every destination `inner` allows is also allowed by `outer`.
bool Covers(const HostRule& outer, const HostRule& inner);

struct Preset {
  std::string name;
  std::string what;                // "Telegram Bot API"
  std::vector<std::string> rules;  // host rules
};
const std::vector<Preset>& Presets();
const Preset* FindPreset(std::string_view name);

// One tenant's list, as stored (meter.db) and as the API shows it.
struct TenantEgress {
  std::vector<std::string> presets;
  std::vector<std::string> allow;        // host rules
  std::vector<std::string> allow_cidrs;  // address blocks outside the public Internet it may reach
};
// Every entry well-formed (known preset, parsable rule or block), at most kMaxEntries per list,
// duplicates refused. kInvalidArgument naming the entry.
Status Validate(const TenantEgress& t);
// {"presets":[...],"allow":[...],"allow_cidrs":[...]}; unknown keys and wrong types are errors.
Result<TenantEgress> TenantEgressFromJson(const JsonValue& json);
JsonValue ToJson(const TenantEgress& t);

// The operator's part, from clawhive.yaml's egress: section.
struct OperatorEgress {
  std::vector<std::string> presets;       // presets tenant admins may turn on
  std::vector<std::string> allow;         // host rules every tenant may reach
  std::vector<std::string> allow_cidrs;   // address blocks every tenant may reach
  std::vector<std::string> tenant_allow;  // host rules within which tenant admins may add their own
};

// What a tenant admin may change: `wanted` is what they PUT, `current` what the tenant has now.
// kUnauthorized-free by design: kInvalidArgument for malformed, kConflict ("... is not allowed by the
// operator's egress.presets") for entries beyond what the operator allows.
Status CheckTenantAdminChange(const TenantEgress& wanted, const TenantEgress& current, const OperatorEgress& op);

struct Decision {
  bool allowed = false;
  std::string reason;  // for refusals: what the agent's log should say
};

// The policy in force for one tenant. Entries that do not parse are skipped (they were validated when
// set; a later version may know fewer presets).
class Policy {
 public:
  static Policy For(const OperatorEgress& op, const TenantEgress& tenant, const std::string& tenant_id);
  Decision AllowsDestination(const std::string& host, uint16_t port) const;
  Decision AllowsAddress(const sockaddr* address) const;

 private:
  std::string tenant_;
  std::vector<HostRule> rules_;
  std::vector<Cidr> cidrs_;
};

}  // namespace clawhive::egress
