// Acceptance of the supervisor core against a real systemd 252 in the sandbox, through the REST API.
#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <boost/test/unit_test.hpp>
#include <map>
#include <memory>
#include <thread>

#include "integration/world.h"

using namespace clawhive::testing;
using namespace std::chrono_literals;

namespace {


bool ConnectFromHost(uint16_t port) {
  int fd = socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in a{};
  a.sin_family = AF_INET;
  a.sin_port = htons(port);
  a.sin_addr.s_addr = inet_addr("127.0.0.2");
  bool ok = connect(fd, reinterpret_cast<sockaddr*>(&a), sizeof a) == 0;
  close(fd);
  return ok;
}

}  // namespace

BOOST_AUTO_TEST_SUITE(supervisor_on_real_systemd)

BOOST_AUTO_TEST_CASE(a_created_tenant_runs_confined_in_its_own_slice) {
  CreateTenant("iso-a");
  CreateTenant("iso-b");
  const std::string svc = Svc("iso-a");
  BOOST_TEST(sb().Show(svc, "ActiveState") == "active");
  BOOST_TEST(sb().Show(svc, "Slice") == "clawhive-iso\\x2da.slice");
  // (The sandbox's systemd sits below the host's cgroup root: match the tail.)
  BOOST_TEST(sb().Show(svc, "ControlGroup").ends_with("/clawhive.slice/clawhive-iso\\x2da.slice/" + svc));
  BOOST_TEST(sb().Show("clawhive-iso\\x2da.slice", "MemoryMax") == std::to_string(256ull << 20));
  auto t = Tenant("iso-a");
  BOOST_TEST(Get(t, "status.memory_max").magnitude() == (256ull << 20));

  Gateway port = GatewayOf("iso-a");
  std::string who = HttpBody(port, "/selftest/whoami");
  BOOST_TEST_MESSAGE("whoami: " << who);
  BOOST_TEST(who.find("\"uid\":0,") == std::string::npos);
  BOOST_TEST(who.find("\"uid\":" + std::to_string(Get(t, "uid").magnitude())) != std::string::npos);

  for (const std::string path : {"/var/lib/clawhive", "/var/lib/clawhive/clawhive.db", "/etc/clawhive",
                                 "/etc/clawhive/clawhive.yaml", "/var/lib/clawhive-tenants/iso-b"}) {
    std::string r = HttpBody(port, "/selftest/read?path=" + path);
    BOOST_TEST_MESSAGE(path << " -> " << r);
    BOOST_TEST(r.find("\"readable\":false") != std::string::npos, path << " must be unreadable: " << r);
  }
  std::string own = HttpBody(port, "/selftest/read?path=/var/lib/clawhive-tenants/iso-a");
  BOOST_TEST(own.find("\"readable\":true") != std::string::npos, own);

  HostListener outside;
  std::string c = HttpBody(port, "/selftest/connect?addr=127.0.0.2&port=" + std::to_string(outside.port) +
                                     "&timeout_ms=1000");
  BOOST_TEST(c.find("\"connected\":false") != std::string::npos, c);
  BOOST_TEST(ConnectFromHost(outside.port));
}

BOOST_AUTO_TEST_CASE(a_killed_agent_is_healthy_again_and_the_incident_is_recorded) {
  const std::string id = "iso-a";
  int64_t pid = MainPid(id);
  BOOST_REQUIRE(pid > 0);
  BOOST_REQUIRE(sb().Exec("kill -9 " + std::to_string(pid)).status == 0);
  BOOST_REQUIRE(Eventually([&] { int64_t p = MainPid(id); return p > 0 && p != pid && Healthy(id); }, 10s));
  BOOST_REQUIRE(Eventually([&] {
    auto inc = Incidents(id);
    return Get(inc, "0.healthy_after_s").number() > 0;
  }, 5s));
  JsonValue inc = Get(Incidents(id), "0");
  BOOST_TEST(Get(inc, "cause").string() == "signal");
  BOOST_TEST(Get(inc, "detail").string() == "SIGKILL");
  BOOST_TEST(Get(inc, "action").string() == "restarted");
  BOOST_TEST_MESSAGE("healthy after " << Get(inc, "healthy_after_s").number() << " s");
}

BOOST_AUTO_TEST_CASE(a_leaking_tenant_is_oom_killed_in_its_own_slice_only) {
  CreateTenant("leaky", R"("resources":{"memory_max":"64M","memory_high":"60M"},"agent":{"env":{"AGENT_LEAK_MB_PER_S":"40"}})");
  const std::string neighbour = "iso-b";
  int64_t npid = MainPid(neighbour);
  Gateway nport = GatewayOf(neighbour);
  int probes = 0, failures = 0;
  bool oom = Eventually([&] {
    ++probes;
    if (HttpStatus(nport, "/healthz", 1000) != 200) ++failures;
    JsonValue incidents = Incidents("leaky");
    for (const JsonValue& inc : incidents.items())
      if (Get(inc, "cause").string() == "oom") return true;
    return false;
  }, 30s, 100ms);
  BOOST_TEST(oom);
  BOOST_TEST(MainPid(neighbour) == npid);
  BOOST_TEST(failures == 0, failures << " of " << probes << " neighbour probes failed");
  BOOST_REQUIRE(api().Call("DELETE", "/v1/tenants/leaky?workspace=remove").status < 300);
}

BOOST_AUTO_TEST_CASE(a_crash_loop_backs_off_and_ends_in_quarantine_sparing_the_neighbour) {
  const std::string neighbour = "iso-b";
  int64_t npid = MainPid(neighbour);
  auto r = api().Post("/v1/tenants", R"({"id":"loopy","agent":{"env":{"AGENT_CRASH_AFTER_MS":"150"}}})");
  BOOST_REQUIRE(r.status == 201 || r.status == 200);
  BOOST_REQUIRE(Eventually([&] { return Phase("loopy") == "quarantined"; }, 30s, 100ms));
  auto inc = Incidents("loopy");
  std::vector<std::string> actions;
  for (size_t i = inc.items().size(); i-- > 0;) actions.push_back(Get(inc.items()[i], "action").string());
  BOOST_TEST_MESSAGE("actions: " << [&] { std::string s; for (auto& a : actions) s += a + ", "; return s; }());
  BOOST_REQUIRE(actions.size() == 6u);
  BOOST_TEST(actions[0] == "restarted");
  BOOST_TEST(actions[3].rfind("backoff", 0) == 0u);
  BOOST_TEST(actions[5] == "quarantined");
  BOOST_TEST(Get(inc, "0.cause").string() == "exit-code");
  BOOST_TEST(sb().Show(Svc("loopy"), "ActiveState") != "active");
  BOOST_TEST(MainPid(neighbour) == npid);
  BOOST_TEST(Healthy(neighbour));
}

BOOST_AUTO_TEST_CASE(a_hung_agent_is_restarted_after_the_probe_threshold) {
  CreateTenant("hangs");
  int64_t pid = MainPid("hangs");
  AgentCall(GatewayOf("hangs"), "POST", "/control/hang", "{}");  // answers, then stops answering
  BOOST_REQUIRE(Eventually([&] {
    return Get(Incidents("hangs"), "0.cause").string() == "hang";
  }, 10s, 100ms));
  BOOST_REQUIRE(Eventually([&] { return Healthy("hangs") && MainPid("hangs") != pid; }, 10s));
  BOOST_TEST(Get(Incidents("hangs"), "0.detail").string().find("failed probes") !=
             std::string::npos);
}

BOOST_AUTO_TEST_CASE(kill_9_of_the_supervisor_leaves_agents_running_and_state_consistent) {
  std::map<std::string, int64_t> pids;
  for (const std::string id : {"iso-a", "iso-b", "hangs"}) pids[id] = MainPid(id);
  auto before = api().Get("/v1/tenants").body;
  std::string sup = sb().Show("clawhive-supervisor.service", "MainPID");
  BOOST_REQUIRE(sup != "0" && !sup.empty());
  BOOST_REQUIRE(sb().Exec("kill -9 " + sup).status == 0);
  BOOST_REQUIRE(Eventually([&] { std::string p = sb().Show("clawhive-supervisor.service", "MainPID");
                                 return p != sup && p != "0"; }, 10s));
  sb().WaitForApi(15s);
  for (auto& [id, pid] : pids) {
    BOOST_TEST(MainPid(id) == pid, id);
    BOOST_TEST(sb().Show(Svc(id), "MainPID") == std::to_string(pid));
  }
  BOOST_REQUIRE(Eventually([&] { return Healthy("iso-a") && Healthy("iso-b"); }, 5s));
  BOOST_TEST(Phase("loopy") == "quarantined");
}

// A host reboot, emulated inside the sandbox's systemd: everything stopped, unit files re-read from disk
// (daemon-reload), then what boot starts: clawhive-tenants.target, which multi-user.target wants on a
// host. The supervisor stays down meanwhile: tenants must come back on systemd alone, limits included.
BOOST_AUTO_TEST_CASE(after_a_reboot_enabled_tenants_come_back_before_the_supervisor_starts) {
  BOOST_REQUIRE(sb().Exec("systemctl stop clawhive-supervisor.service && systemctl stop clawhive.slice && "
                          "systemctl daemon-reload").status == 0);
  BOOST_REQUIRE(sb().Show(Svc("iso-a"), "ActiveState") != "active");
  BOOST_REQUIRE(sb().Show("clawhive-iso\\x2da.slice", "ActiveState") != "active");
  BOOST_REQUIRE(sb().Exec("systemctl start clawhive-tenants.target").status == 0);
  for (const std::string id : {"iso-a", "iso-b", "hangs"}) {
    BOOST_TEST(Eventually([&] { return sb().Show(Svc(id), "ActiveState") == "active"; }, 10s), id);
    BOOST_TEST(sb().Show(SliceName(id), "MemoryMax") == std::to_string(256ull << 20), id);
  }
  BOOST_TEST(sb().Show(Svc("loopy"), "ActiveState") != "active");  // quarantined: not started at boot
  BOOST_TEST(sb().Show("clawhive-supervisor.service", "ActiveState") != "active");
  std::map<std::string, std::string> pids;
  for (const std::string id : {"iso-a", "iso-b", "hangs"}) pids[id] = sb().Show(Svc(id), "MainPID");

  BOOST_REQUIRE(sb().Exec("systemctl start clawhive-supervisor.service").status == 0);
  sb().WaitForApi(15s);
  BOOST_REQUIRE(Eventually([&] { return Healthy("iso-a") && Healthy("iso-b") && Healthy("hangs"); }, 10s));
  for (auto& [id, pid] : pids) BOOST_TEST(sb().Show(Svc(id), "MainPID") == pid, id << " was restarted");
  BOOST_TEST(Phase("loopy") == "quarantined");
}

BOOST_AUTO_TEST_CASE(hostile_input_gets_4xx_and_creates_nothing) {
  auto units_before = sb().Exec("systemctl list-units --all --plain --no-legend 'clawhive-*' | wc -l").out;
  auto rows_before = api().Get("/v1/tenants").body;
  auto dropins_before = sb().Exec("ls /etc/systemd/system /etc/systemd/system.control 2>/dev/null | wc -l").out;
  std::vector<std::string> bodies = {
      R"({"id":"../x"})", R"({"id":"a.service"})", R"({"id":"x\n"})", R"({"id":"-a"})",
      "{\"id\":\"" + std::string(300, 'a') + "\"}", R"({"id":""})", "{\"id\":\"caf\xc3\xa9\"}",
      R"({"id":"ok-1",)", R"({"id":"ok-1","unknown":1})", R"({"id":"ok-1","port":"eighty"})",
      R"({"id":"ok-1","resources":{"memory_max":-1}})", R"({"id":42})", R"([1,2,3])",
      R"({"id":"ok-1","agent":{"exec":"relative"}})", R"({"id":"ok-1","resources":{"cpu_weight":0}})",
      std::string(100000, '['), R"({"id":"ok-1","resources":{"memory_high":"2G","memory_max":"1G"}})",
      R"({"id":"ok-1","agent":{"env":{"lower":"x"}}})"};
  for (const auto& b : bodies) {
    auto r = api().Post("/v1/tenants", b);
    BOOST_TEST(r.status == 400, b.substr(0, 60) << " -> " << r.status << " " << r.body);
    const JsonValue* code = r.json.Find("error") ? r.json.Find("error")->Find("code") : nullptr;
    BOOST_TEST((code && code->is_string() && code->string() == "invalid_argument"), r.body.substr(0, 200));
  }
  auto big = api().Post("/v1/tenants", "{\"id\":\"big\",\"display_name\":\"" + std::string(1100000, 'x') + "\"}");
  BOOST_TEST(big.status == 413);
  for (const std::string path : {"/v1/tenants/..%2Fx", "/v1/tenants/a.service", "/v1/tenants/x%0A",
                                 "/v1/tenants/-a", "/v1/tenants/%C3%A9"}) {
    int st = api().Get(path).status;
    BOOST_TEST(st == 400, path << " -> " << st);  // not a tenant id at all, so not merely unknown
  }
  BOOST_TEST(api().Call("GET", "/v1/tenants", "", "", false).status == 401);
  BOOST_TEST(api().Get("/v1/health").status == 200);
  BOOST_TEST(sb().Exec("systemctl list-units --all --plain --no-legend 'clawhive-*' | wc -l").out == units_before);
  BOOST_TEST(api().Get("/v1/tenants").body.size() > 0);
  BOOST_TEST(sb().Exec("ls /etc/systemd/system /etc/systemd/system.control 2>/dev/null | wc -l").out == dropins_before);
  BOOST_TEST(sb().Exec("getent passwd ch-ok-1").status == 2);  // getent: no such user
}

BOOST_AUTO_TEST_CASE(delete_removes_units_slice_and_dropins_and_keeps_or_removes_the_workspace) {
  CreateTenant("gone-keep");
  CreateTenant("gone-rm");
  BOOST_REQUIRE(api().Call("DELETE", "/v1/tenants/gone-keep?workspace=keep").status < 300);
  BOOST_REQUIRE(api().Call("DELETE", "/v1/tenants/gone-rm?workspace=remove").status < 300);
  for (const std::string id : {"gone-keep", "gone-rm"}) {
    BOOST_TEST(api().Get("/v1/tenants/" + id).status == 404);
    std::string esc = id.substr(0, 4) + "\\x2d" + id.substr(5);
    auto listed = sb().Exec("systemctl list-units --all --plain --no-legend 'clawhive-agent@" + esc +
                            ".service' 'clawhive-" + esc + ".slice'").out;
    BOOST_TEST(listed.find("active") == std::string::npos, listed);
    BOOST_TEST(sb().Exec("ls -d '/etc/systemd/system/clawhive-agent@" + esc + ".service.d' "
                         "'/etc/systemd/system.control/clawhive-" + esc + ".slice.d' "
                         "'/etc/systemd/system/clawhive-tenants.target.wants/clawhive-agent@" + esc + ".service'"
                         " 2>/dev/null").out == "");
    BOOST_TEST(sb().Exec("getent passwd ch-" + id).status == 2);  // getent: no such user
  }
  BOOST_TEST(sb().Exec("test -d /var/lib/clawhive-tenants/gone-keep").status == 0);
  BOOST_TEST(sb().Exec("test -e /var/lib/clawhive-tenants/gone-rm").status == 1);  // absent
}

BOOST_AUTO_TEST_CASE(metrics_expose_every_tenant_with_a_tenant_label) {
  auto r = api().Get("/metrics");
  BOOST_TEST(r.status == 200);
  BOOST_TEST(r.body.find("clawhive_tenant_up{tenant=\"iso-a\"} 1") != std::string::npos, r.body.substr(0, 2000));
  BOOST_TEST(r.body.find("clawhive_tenant_memory_bytes{tenant=\"iso-b\"}") != std::string::npos);
}

BOOST_AUTO_TEST_CASE(supervisor_logs_carry_the_tenant_field) {
  auto r = sb().Exec("journalctl --no-pager -o cat TENANT=iso-a | head -5");
  BOOST_TEST(r.out.find("iso-a") != std::string::npos, r.out);
}

BOOST_AUTO_TEST_SUITE_END()
