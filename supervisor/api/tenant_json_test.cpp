#include "supervisor/api/tenant_json.h"

#include <boost/test/unit_test.hpp>

#include <string>

#include "unit/fails_with.h"

namespace clawhive::api {
namespace {

using clawhive::testing::FailsWith;

Result<TenantRequest> ParseCreate(const std::string& text) {
  Result<JsonValue> json = ParseJson(text);
  BOOST_REQUIRE_MESSAGE(json.ok(), (json.ok() ? "" : json.error().message));
  return ParseTenantRequest(*json, TenantRequestKind::kCreate);
}

Result<TenantRequest> ParseUpdate(const std::string& text) {
  Result<JsonValue> json = ParseJson(text);
  BOOST_REQUIRE_MESSAGE(json.ok(), (json.ok() ? "" : json.error().message));
  return ParseTenantRequest(*json, TenantRequestKind::kUpdate);
}

std::string CreateError(const std::string& text) {
  Result<TenantRequest> r = ParseCreate(text);
  BOOST_REQUIRE_MESSAGE(!r.ok(), "accepted but should not have: " << text);
  BOOST_TEST((r.error().code == ErrorCode::kInvalidArgument));
  return r.error().message;
}

std::string Quote(const std::string& s) {
  std::string out;
  AppendJsonString(&out, s);
  return out;
}

}  // namespace

BOOST_AUTO_TEST_SUITE(api)
BOOST_AUTO_TEST_SUITE(tenant_json)

BOOST_AUTO_TEST_CASE(a_create_needs_an_id_and_nothing_else) {
  Result<TenantRequest> r = ParseCreate(R"({"id":"acme"})");
  BOOST_REQUIRE(r.ok());
  BOOST_TEST(r->id == "acme");
  BOOST_TEST(!r->patch.display_name.has_value());
  BOOST_TEST(!r->patch.memory_max.has_value());
  BOOST_TEST(!r->patch.desired.has_value());
  BOOST_TEST(CreateError("{}") == "field 'id' is required");
}

BOOST_AUTO_TEST_CASE(an_update_may_be_empty_but_may_not_name_an_id) {
  BOOST_TEST(ParseUpdate("{}").ok());
  BOOST_TEST(FailsWith(ParseUpdate(R"({"id":"acme"})"), ErrorCode::kInvalidArgument,
                       "field 'id' cannot be changed (tenant ids are immutable)"));
}

BOOST_AUTO_TEST_CASE(the_id_is_passed_on_unjudged_for_the_service_to_validate) {
  Result<TenantRequest> r = ParseCreate(R"({"id":"../X y"})");
  BOOST_REQUIRE(r.ok());
  BOOST_TEST(r->id == "../X y");
}

BOOST_AUTO_TEST_CASE(a_display_name_may_have_200_characters_of_any_script_but_no_control_characters) {
  std::string two_hundred_e_acute;
  for (int i = 0; i < 200; ++i) two_hundred_e_acute += "\xC3\xA9";
  BOOST_TEST(ParseCreate(R"({"id":"a1","display_name":)" + Quote(two_hundred_e_acute) + "}").ok());
  BOOST_TEST(CreateError(R"({"id":"a1","display_name":)" + Quote(std::string(201, 'x')) + "}") ==
             "field 'display_name' must be at most 200 characters");
  for (const std::string& bad : {std::string("a\nb"), std::string("tab\there"), std::string("nul\0x", 5),
                                 std::string("del\x7F"), std::string("c1 \xC2\x85 next-line")}) {
    std::string msg = CreateError(R"({"id":"a1","display_name":)" + Quote(bad) + "}");
    BOOST_TEST((msg.find("control characters") != std::string::npos || msg.find("NUL") != std::string::npos), msg);
  }
  BOOST_TEST(ParseCreate(R"({"id":"a1","display_name":""})").ok());
}

BOOST_AUTO_TEST_CASE(memory_figures_take_bytes_or_size_strings) {
  Result<TenantRequest> r = ParseCreate(R"({"id":"a1","resources":{"memory_high":"1.5G","memory_max":"infinity"}})");
  BOOST_REQUIRE(r.ok());
  BOOST_TEST(r->patch.memory_high.value() == 1536ull << 20);
  BOOST_TEST(r->patch.memory_max.value() == 0u);
  BOOST_TEST(CreateError(R"({"id":"a1","resources":{"memory_max":-1}})").find("resources.memory_max") !=
             std::string::npos);
  BOOST_TEST(CreateError(R"({"id":"a1","resources":{"memory_max":1e3}})").find("got number") != std::string::npos);
}

BOOST_AUTO_TEST_CASE(the_cpu_quota_takes_a_number_or_a_percentage_string) {
  BOOST_TEST(ParseCreate(R"({"id":"a1","resources":{"cpu_quota_percent":250}})")->patch.cpu_quota_percent.value() == 250u);
  BOOST_TEST(ParseCreate(R"({"id":"a1","resources":{"cpu_quota_percent":"50%"}})")->patch.cpu_quota_percent.value() == 50u);
  BOOST_TEST(CreateError(R"({"id":"a1","resources":{"cpu_quota_percent":"lots"}})").find("resources.cpu_quota_percent") == 7u);
}

BOOST_AUTO_TEST_CASE(environment_names_must_look_like_shell_variables) {
  Result<TenantRequest> r = ParseCreate(R"({"id":"a1","agent":{"env":{"B":"2","A_1":"1","_X":""}}})");
  BOOST_REQUIRE(r.ok());
  const auto& env = r->patch.agent_env.value();
  BOOST_REQUIRE_EQUAL(env.size(), 3u);
  BOOST_TEST(env[0].first == "B");  // document order is kept
  BOOST_TEST(env[1].second == "1");
  for (const char* bad : {"1A", "a", "A-B", "", "A B", "A=B"}) {
    std::string msg = CreateError(std::string(R"({"id":"a1","agent":{"env":{)") + Quote(bad) + ":\"x\"}}}");
    BOOST_TEST(msg.find("is not a valid variable name") != std::string::npos, msg);
  }
  BOOST_TEST(CreateError(R"({"id":"a1","agent":{"env":{"A":"x\u0000y"}}})") ==
             "field 'agent.env.A' must not contain NUL characters");
}

BOOST_AUTO_TEST_CASE(agent_paths_are_checked) {
  BOOST_TEST(ParseCreate(R"({"id":"a1","agent":{"exec":"/usr/bin/agent","health_path":"/healthz?deep=1"}})").ok());
  BOOST_TEST(CreateError(R"({"id":"a1","agent":{"exec":""}})") == "field 'agent.exec' must be an absolute path");
  BOOST_TEST(CreateError(R"({"id":"a1","agent":{"exec":"/bin/x\u0000"}})") ==
             "field 'agent.exec' must not contain NUL characters");
  BOOST_TEST(CreateError(R"({"id":"a1","agent":{"health_path":"/a b"}})") ==
             "field 'agent.health_path' must be printable ASCII without spaces");
  BOOST_TEST(CreateError(R"({"id":"a1","agent":{"health_path":"/x\r\nHost: evil"}})") ==
             "field 'agent.health_path' must be printable ASCII without spaces");
  BOOST_TEST(CreateError(R"({"id":"a1","agent":{"args":["ok","x\u0000"]}})") ==
             "field 'agent.args[1]' must not contain NUL characters");
}

BOOST_AUTO_TEST_CASE(ports_and_desired_states_are_range_checked) {
  BOOST_TEST(ParseCreate(R"({"id":"a1","port":65535})")->patch.port.value() == 65535);
  BOOST_TEST(ParseCreate(R"({"id":"a1","port":1})")->patch.port.value() == 1);
  for (const char* bad : {"0", "65536", "-1", "1.0", "\"80\"", "true", "null"})
    BOOST_TEST(CreateError(std::string(R"({"id":"a1","port":)") + bad + "}").find("field 'port'") == 0u, bad);
  BOOST_TEST((ParseCreate(R"({"id":"a1","desired":"stopped"})")->patch.desired.value() == DesiredState::kStopped));
  BOOST_TEST(CreateError(R"({"id":"a1","desired":"Running"})").find(R"(field 'desired' must be "running" or "stopped")") ==
             0u);
}

BOOST_AUTO_TEST_CASE(unknown_field_names_are_quoted_safely) {
  std::string msg = CreateError(R"({"id":"a1","bad\nname\u0000":1})");
  BOOST_TEST(msg == "unknown field 'bad\\x0aname\\x00'");
  std::string long_name(500, 'z');
  BOOST_TEST(CreateError(R"({"id":"a1",")" + long_name + R"(":1})").size() < 100u);
}

BOOST_AUTO_TEST_CASE(a_tenant_is_shown_with_every_field) {
  TenantStatus st;
  st.tenant.id = "acme";
  st.tenant.display_name = "Acme";
  st.tenant.port = 20000;
  st.tenant.uid = 300001;
  st.tenant.agent.exec = "/bin/agent";
  st.tenant.agent.args = {"--a"};
  st.tenant.agent.env = {{"K", "v"}};
  st.tenant.created_at = 10;
  st.tenant.updated_at = 20;
  st.phase = "running";
  st.active_state = "active";
  st.sub_state = "running";
  st.main_pid = 42;
  st.memory_current = 1024;
  st.restarts = 3;
  st.healthy = true;
  BOOST_TEST(TenantToJson(st).Serialize() ==
             R"({"id":"acme","display_name":"Acme","port":20000,"uid":300001,"desired":"running",)"
             R"("quarantined":false,"phase":"running","resources":{"memory_high":0,"memory_max":0,"cpu_weight":100,)"
             R"("cpu_quota_percent":0,"tasks_max":0},"agent":{"exec":"/bin/agent","args":["--a"],"env":{"K":"v"},)"
             R"("health_path":"/healthz"},"runtime":{"image":"","pinned":false},)"
             R"("openclaw":{"model":"","heartbeat":false,"channels":[]},)"
             R"("status":{"active_state":"active","sub_state":"running","main_pid":42,)"
             R"("memory_current":1024,"memory_max":null,"cpu_usage_nsec":null,"tasks_current":null,"restarts":3,)"
             R"("healthy":true},"created_at":10,"updated_at":20})");
}

BOOST_AUTO_TEST_CASE(an_incident_is_shown_with_null_until_healthy_again) {
  Incident in{.id = 9, .tenant = "acme", .at_ms = 1234, .cause = "oom", .detail = "memory.max", .action = "restarted",
              .healthy_after_s = std::nullopt};
  BOOST_TEST(IncidentToJson(in).Serialize() ==
             R"({"id":9,"tenant":"acme","at_ms":1234,"cause":"oom","detail":"memory.max","action":"restarted",)"
             R"("healthy_after_s":null})");
  in.healthy_after_s = 2.25;
  BOOST_TEST(IncidentToJson(in).Serialize().find(R"("healthy_after_s":2.25)") != std::string::npos);
}

BOOST_AUTO_TEST_SUITE_END()  // tenant_json
BOOST_AUTO_TEST_SUITE_END()  // api

}  // namespace clawhive::api
