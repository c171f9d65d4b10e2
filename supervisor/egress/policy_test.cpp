// Who may reach what: host rules, presets, the operator's and the tenant's lists, tenant admins' limits,
// and resolved addresses outside the public Internet.
#include "supervisor/egress/policy.h"

#include <arpa/inet.h>

#include <boost/test/unit_test.hpp>

namespace clawhive::egress {
namespace {

HostRule Rule(const std::string& text) {
  Result<HostRule> r = ParseHostRule(text);
  BOOST_TEST_REQUIRE(r.ok(), text << ": " << (r.ok() ? "" : r.error().message));
  return *r;
}

sockaddr_storage Addr(const std::string& text) {
  sockaddr_storage ss{};
  auto* v4 = reinterpret_cast<sockaddr_in*>(&ss);
  auto* v6 = reinterpret_cast<sockaddr_in6*>(&ss);
  if (::inet_pton(AF_INET, text.c_str(), &v4->sin_addr) == 1) v4->sin_family = AF_INET;
  else if (::inet_pton(AF_INET6, text.c_str(), &v6->sin6_addr) == 1) v6->sin6_family = AF_INET6;
  return ss;
}

bool AddressOk(const Policy& p, const std::string& a) {
  sockaddr_storage ss = Addr(a);
  return p.AllowsAddress(reinterpret_cast<const sockaddr*>(&ss)).allowed;
}

BOOST_AUTO_TEST_SUITE(egress_policy)

BOOST_AUTO_TEST_CASE(a_rule_without_a_port_means_443) {
  HostRule r = Rule("api.telegram.org");
  BOOST_TEST(Matches(r, "api.telegram.org", 443));
  BOOST_TEST(!Matches(r, "api.telegram.org", 80));
  BOOST_TEST(!Matches(r, "evil-api.telegram.org", 443));
  BOOST_TEST(!Matches(r, "api.telegram.org.evil.com", 443));
}

BOOST_AUTO_TEST_CASE(ports_lists_and_any_port) {
  HostRule two = Rule("example.com:80,443");
  BOOST_TEST(Matches(two, "example.com", 80));
  BOOST_TEST(Matches(two, "example.com", 443));
  BOOST_TEST(!Matches(two, "example.com", 8080));
  BOOST_TEST(Matches(Rule("example.com:*"), "example.com", 22));
}

BOOST_AUTO_TEST_CASE(a_wildcard_covers_subdomains_not_the_domain_itself_nor_literals) {
  HostRule r = Rule("*.Slack.com:443");
  BOOST_TEST(Matches(r, "wss-primary.slack.com", 443));
  BOOST_TEST(Matches(r, "a.b.slack.com", 443));
  BOOST_TEST(!Matches(r, "slack.com", 443));
  BOOST_TEST(!Matches(r, "evilslack.com", 443));
  BOOST_TEST(!Matches(Rule("*.3.4"), "1.2.3.4", 443));
  BOOST_TEST(!Matches(Rule("*"), "10.0.0.1", 443));
  BOOST_TEST(Matches(Rule("*"), "anything.example", 443));
}

BOOST_AUTO_TEST_CASE(literal_rules_match_literals) {
  BOOST_TEST(Matches(Rule("203.0.113.10:443"), "203.0.113.10", 443));
  BOOST_TEST(Matches(Rule("[2001:DB8::1]:443"), "2001:db8::1", 443));
}

BOOST_AUTO_TEST_CASE(malformed_rules_are_refused) {
  for (const char* bad : {"", "exa mple.com", "example.com:0", "example.com:99999", "example.com:", "*.", "*.*.com",
                          "a*.com", "example.com:80,", "example.com:https", "[2001:db8::1", "2001:db8::1",
                          "[::1]x", "a..b", ".a.com", "example.com:1,2,3,4,5,6,7,8,9,10,11,12,13,14,15,16,17"})
    BOOST_TEST(!ParseHostRule(bad).ok(), bad);
}

BOOST_AUTO_TEST_CASE(coverage_of_one_rule_by_another) {
  BOOST_TEST(Covers(Rule("*.example.com:443"), Rule("api.example.com:443")));
  BOOST_TEST(Covers(Rule("*.example.com:443"), Rule("*.api.example.com:443")));
  BOOST_TEST(!Covers(Rule("*.example.com:443"), Rule("example.com:443")));
  BOOST_TEST(!Covers(Rule("*.example.com:443"), Rule("api.example.com:80")));
  BOOST_TEST(!Covers(Rule("*.example.com:443"), Rule("api.example.com:*")));
  BOOST_TEST(Covers(Rule("*.example.com:*"), Rule("api.example.com:8443")));
  BOOST_TEST(Covers(Rule("*:443"), Rule("anything.org:443")));
  BOOST_TEST(!Covers(Rule("*:443"), Rule("10.0.0.1:443")));
  BOOST_TEST(!Covers(Rule("api.example.com:443"), Rule("*.example.com:443")));
}

BOOST_AUTO_TEST_CASE(nothing_is_allowed_by_default) {
  Policy p = Policy::For({}, {}, "acme");
  Decision d = p.AllowsDestination("api.telegram.org", 443);
  BOOST_TEST(!d.allowed);
  BOOST_TEST(d.reason == "api.telegram.org:443 is not on the egress allow list of tenant acme");
}

BOOST_AUTO_TEST_CASE(presets_the_tenants_list_and_the_operators_list_each_allow) {
  OperatorEgress op;
  op.allow = {"api.github.com"};
  TenantEgress t;
  t.presets = {"telegram", "discord"};
  t.allow = {"*.example.org:8443"};
  Policy p = Policy::For(op, t, "acme");
  BOOST_TEST(p.AllowsDestination("api.telegram.org", 443).allowed);
  BOOST_TEST(p.AllowsDestination("gateway.discord.gg", 443).allowed);
  BOOST_TEST(p.AllowsDestination("cdn.discordapp.com", 443).allowed);
  BOOST_TEST(p.AllowsDestination("api.github.com", 443).allowed);
  BOOST_TEST(p.AllowsDestination("x.example.org", 8443).allowed);
  BOOST_TEST(!p.AllowsDestination("x.example.org", 443).allowed);
  BOOST_TEST(!p.AllowsDestination("slack.com", 443).allowed);
  // Another tenant has only the operator's list.
  Policy other = Policy::For(op, {}, "beta");
  BOOST_TEST(!other.AllowsDestination("api.telegram.org", 443).allowed);
  BOOST_TEST(other.AllowsDestination("api.github.com", 443).allowed);
}

BOOST_AUTO_TEST_CASE(only_public_addresses_unless_a_block_is_allowed) {
  OperatorEgress op;
  op.allow_cidrs = {"10.20.0.0/16"};
  TenantEgress t;
  t.allow_cidrs = {"192.168.5.0/24"};
  Policy p = Policy::For(op, t, "acme");
  BOOST_TEST(AddressOk(p, "149.154.167.220"));
  BOOST_TEST(AddressOk(p, "10.20.1.1"));
  BOOST_TEST(AddressOk(p, "192.168.5.9"));
  BOOST_TEST(!AddressOk(p, "10.9.9.9"));
  BOOST_TEST(!AddressOk(p, "127.0.0.1"));
  BOOST_TEST(!AddressOk(p, "169.254.169.254"));
  BOOST_TEST(!AddressOk(p, "::ffff:10.9.9.9"));
  BOOST_TEST(!AddressOk(p, "fd00::1"));
  sockaddr_storage ss = Addr("10.9.9.9");
  BOOST_TEST(p.AllowsAddress(reinterpret_cast<const sockaddr*>(&ss)).reason ==
             "resolves to 10.9.9.9, a private address; only public addresses are reachable unless the operator allows "
             "the block");
}

BOOST_AUTO_TEST_CASE(a_tenant_list_is_validated_entry_by_entry) {
  BOOST_TEST(Validate({{"telegram"}, {"api.example.com:443"}, {"10.0.0.0/8"}}).ok());
  BOOST_TEST(!Validate({{"myspace"}, {}, {}}).ok());
  BOOST_TEST(!Validate({{}, {"bad host"}, {}}).ok());
  BOOST_TEST(!Validate({{}, {}, {"10.0.0.1/8"}}).ok());
  BOOST_TEST(!Validate({{"telegram", "telegram"}, {}, {}}).ok());
  TenantEgress many;
  for (size_t i = 0; i <= kMaxEntries; ++i) many.allow.push_back("h" + std::to_string(i) + ".example.com");
  BOOST_TEST(!Validate(many).ok());
}

BOOST_AUTO_TEST_CASE(json_round_trip_and_hostile_shapes) {
  TenantEgress t{{"slack"}, {"a.example.com"}, {"10.0.0.0/8"}};
  Result<JsonValue> j = ParseJson(ToJson(t).Serialize());
  Result<TenantEgress> back = TenantEgressFromJson(*j);
  BOOST_TEST_REQUIRE(back.ok());
  BOOST_TEST(back->presets == t.presets);
  BOOST_TEST(back->allow == t.allow);
  BOOST_TEST(back->allow_cidrs == t.allow_cidrs);
  for (const char* bad : {"[]", "{\"allow\":\"a.com\"}", "{\"allow\":[1]}", "{\"deny\":[]}", "{\"presets\":[null]}"})
    BOOST_TEST(!TenantEgressFromJson(*ParseJson(bad)).ok(), bad);
}

BOOST_AUTO_TEST_CASE(tenant_admins_choose_within_what_the_operator_offers) {
  OperatorEgress op;
  op.presets = {"telegram", "slack"};
  op.tenant_allow = {"*.example.com:443"};
  TenantEgress current;
  BOOST_TEST(CheckTenantAdminChange({{"telegram"}, {"api.example.com"}, {}}, current, op).ok());
  Status preset = CheckTenantAdminChange({{"discord"}, {}, {}}, current, op);
  BOOST_TEST((preset.error().code == ErrorCode::kConflict));
  BOOST_TEST((CheckTenantAdminChange({{}, {"evil.org"}, {}}, current, op).error().code == ErrorCode::kConflict));
  BOOST_TEST((CheckTenantAdminChange({{}, {"api.example.com:22"}, {}}, current, op).error().code == ErrorCode::kConflict));
  BOOST_TEST((CheckTenantAdminChange({{}, {}, {"10.0.0.0/8"}}, current, op).error().code == ErrorCode::kConflict));
  BOOST_TEST((CheckTenantAdminChange({{}, {"bad host"}, {}}, current, op).error().code == ErrorCode::kInvalidArgument));
  // What an operator put on the tenant's list may stay when the tenant admin changes the rest.
  TenantEgress set_by_operator{{"discord"}, {"evil.org"}, {"10.0.0.0/8"}};
  BOOST_TEST(CheckTenantAdminChange({{"discord", "slack"}, {"evil.org"}, {"10.0.0.0/8"}}, set_by_operator, op).ok());
}

BOOST_AUTO_TEST_CASE(every_preset_is_well_formed) {
  for (const Preset& p : Presets()) {
    BOOST_TEST(!p.rules.empty(), p.name);
    for (const std::string& r : p.rules) BOOST_TEST(ParseHostRule(r).ok(), p.name << ": " << r);
  }
  BOOST_TEST(FindPreset("telegram")->rules == std::vector<std::string>{"api.telegram.org:443"});
}

BOOST_AUTO_TEST_SUITE_END()

}  // namespace
}  // namespace clawhive::egress
