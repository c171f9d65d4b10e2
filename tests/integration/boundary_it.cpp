// Issue 11 acceptance: a hostile tenant stays inside. Every attempt runs as a shell of tenant A inside
// A's own unit (the test agent's /selftest/sh: A's uid, cgroup, namespaces, seccomp filter and mounts),
// against tenant B, the API, the proxy and the host's services, and checks the specific denial (the errno
// tests/integration/boundary_probe.py names), with a control from outside showing the target is there.
#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <boost/test/unit_test.hpp>
#include <cstdio>
#include <regex>

#include "integration/world.h"
#include "supervisor/tenant/gateway_socket.h"

using namespace clawhive::testing;
using namespace std::chrono_literals;

namespace {

constexpr uint16_t kApiPort = 18471;
constexpr uint16_t kProxyPort = 18480;
// Installed by scripts/install-system beside the test agent, where a tenant can read it.
const std::string kProbe = "/usr/local/lib/clawhive-test/boundary_probe.py";

std::string UrlEncode(const std::string& s) {
  std::string out;
  char hex[4];
  for (unsigned char c : s) {
    if (isalnum(c) || c == '-' || c == '_' || c == '.' || c == '~') {
      out += static_cast<char>(c);
    } else {
      std::snprintf(hex, sizeof hex, "%%%02X", c);
      out += hex;
    }
  }
  return out;
}

struct Shell {
  int exit = -1;
  std::string out;
};

// `cmd` through /bin/sh as tenant `id`'s agent, inside its unit.
Shell InTenant(const std::string& id, const std::string& cmd) {
  std::string body = HttpBody(GatewayOf(id), "/selftest/sh?cmd=" + UrlEncode(cmd), 20000);
  Shell r;
  clawhive::Result<clawhive::JsonValue> o = clawhive::ParseJson(body);
  if (o.ok() && Get(*o, "exit").AsUnsigned() && Get(*o, "out").is_string()) {
    r.exit = static_cast<int>(*Get(*o, "exit").AsUnsigned());
    r.out = Get(*o, "out").string();
  } else {
    r.out = "unreadable answer: " + body;
  }
  while (!r.out.empty() && (r.out.back() == '\n' || r.out.back() == ' ')) r.out.pop_back();
  return r;
}

// One boundary_probe.py attempt from inside tenant `id`: "connected"/"ok" or the errno's name.
std::string Probe(const std::string& id, const std::string& args) {
  return InTenant(id, "timeout 10 " + kProbe + " " + args).out;
}
// The same attempt from the sandbox's host side, as root: the control.
std::string ProbeFromHost(const std::string& args) {
  std::string out = sb().Exec("timeout 10 " + kProbe + " " + args).out;
  while (!out.empty() && out.back() == '\n') out.pop_back();
  return out;
}

// The same attempt from the sandbox's host side as another user (no tenant's, no root).
std::string AsHostUser(const std::string& user, const std::string& args) {
  std::string out = sb().Exec("timeout 10 setpriv --reuid=" + user + " --regid=nogroup --clear-groups " + kProbe + " " + args).out;
  while (!out.empty() && out.back() == '\n') out.pop_back();
  return out;
}

// Tenant `id`'s gateway socket for `port`, as paths go inside the sandbox.
std::string GatewayPath(const std::string& id, uint16_t port) {
  return clawhive::GatewaySocketPath(clawhive::kGatewaySocketDir, id, port);
}

struct Tenants {
  Tenants() {
    static bool made = false;
    if (made) return;
    CreateTenant("bd-a");
    CreateTenant("bd-b");
    made = true;
  }
};

}  // namespace

BOOST_AUTO_TEST_SUITE(boundary_on_real_systemd)

BOOST_AUTO_TEST_CASE(the_shell_runs_as_the_tenant_inside_its_own_unit) {
  Tenants t;
  auto id = InTenant("bd-a", "id -u; cat /proc/self/cgroup | tail -1");
  BOOST_TEST(id.exit == 0);
  BOOST_TEST(id.out.find(std::to_string(static_cast<int64_t>(Get(Tenant("bd-a"), "uid").number()))) == 0u, id.out);
  BOOST_TEST(id.out.find("clawhive-agent@bd\\x2da.service") != std::string::npos, id.out);
}

BOOST_AUTO_TEST_CASE(another_tenants_gateway_and_side_ports_are_not_there) {
  Tenants t;
  uint16_t b = PortOf("bd-b");
  // B is up: root on the host reaches it through its gateway socket (and its bridge).
  BOOST_TEST(ProbeFromHost("unix " + GatewayPath("bd-b", b)) == "connected");
  for (int offset : {0, 2, 9, 50, 108})
    BOOST_TEST(Probe("bd-a", "tcp 127.0.0.1 " + std::to_string(b + offset)) == "ECONNREFUSED", "B's port +" << offset);
  BOOST_TEST(Probe("bd-a", "tcp ::1 " + std::to_string(b)) == "ECONNREFUSED");
}

BOOST_AUTO_TEST_CASE(no_tenants_gateway_listens_on_the_hosts_loopback_any_more) {
  Tenants t;
  for (const char* id : {"bd-a", "bd-b"}) {
    BOOST_TEST(ProbeFromHost("unix " + GatewayPath(id, PortOf(id))) == "connected", id);
    BOOST_TEST(ProbeFromHost("tcp 127.0.0.1 " + std::to_string(PortOf(id))) == "ECONNREFUSED", id);
  }
}

BOOST_AUTO_TEST_CASE(gateway_sockets_are_out_of_a_tenants_reach_its_own_included) {
  Tenants t;
  // /run/clawhive is one of the paths a tenant's unit makes inaccessible (InaccessiblePaths=).
  BOOST_TEST(Probe("bd-a", "unix " + GatewayPath("bd-b", PortOf("bd-b"))) == "EACCES");
  BOOST_TEST(Probe("bd-a", "unix " + GatewayPath("bd-a", PortOf("bd-a"))) == "EACCES");
}

BOOST_AUTO_TEST_CASE(a_host_user_other_than_root_cannot_open_a_gateway_socket) {
  Tenants t;
  const std::string socket = GatewayPath("bd-b", PortOf("bd-b"));
  BOOST_TEST(ProbeFromHost("unix " + socket) == "connected");  // root can
  // The directories are 0700 root and the socket 0600 root: nobody gets no further than the first.
  BOOST_TEST(AsHostUser("nobody", "unix " + socket) == "EACCES");
  BOOST_TEST(sb().Exec("stat -c '%a %U' " + socket + " /run/clawhive/gw/bd-b /run/clawhive/gw").out ==
             "600 root\n700 root\n700 root\n");
}

BOOST_AUTO_TEST_CASE(only_its_own_loopback_exists_and_no_host_service_answers) {
  Tenants t;
  BOOST_TEST(Probe("bd-a", "interfaces") == "lo");
  BOOST_TEST(ProbeFromHost("tcp 127.0.0.1 " + std::to_string(kApiPort)) == "connected");
  BOOST_TEST(Probe("bd-a", "tcp 127.0.0.1 " + std::to_string(kApiPort)) == "ECONNREFUSED");
  BOOST_TEST(Probe("bd-a", "tcp ::1 " + std::to_string(kApiPort)) == "ECONNREFUSED");
  // A service of the host on another loopback address (as databases and caches listen).
  HostListener host_service;
  std::string port = std::to_string(host_service.port);
  BOOST_TEST(ProbeFromHost("tcp 127.0.0.2 " + port) == "connected");
  BOOST_TEST(Probe("bd-a", "tcp 127.0.0.2 " + port) == "ECONNREFUSED");
}

BOOST_AUTO_TEST_CASE(abstract_and_path_unix_sockets_of_the_host_are_out_of_reach) {
  Tenants t;
  BOOST_REQUIRE(sb().Exec("systemd-run --quiet --unit=bd-abstract " + kProbe + " listen-abstract clawhive-bd").status == 0);
  BOOST_REQUIRE(Eventually([] { return ProbeFromHost("abstract clawhive-bd") == "connected"; }, 5s, 100ms));
  BOOST_TEST(Probe("bd-a", "abstract clawhive-bd") == "ECONNREFUSED");  // another network namespace
  (void)sb().Exec("systemctl stop bd-abstract");
  BOOST_TEST(ProbeFromHost("unix /run/dbus/system_bus_socket") == "connected");
  BOOST_TEST(Probe("bd-a", "unix /run/dbus/system_bus_socket") == "EACCES");
  BOOST_TEST(Probe("bd-a", "unix /run/systemd/journal/socket") == "EACCES");
  BOOST_TEST(Probe("bd-a", "unix /run/systemd/private") == "EACCES");
}

BOOST_AUTO_TEST_CASE(another_tenants_processes_and_files_are_invisible) {
  Tenants t;
  int64_t b = MainPid("bd-b");
  BOOST_REQUIRE(b > 0);
  BOOST_TEST(ProbeFromHost("read /proc/" + std::to_string(b) + "/environ") == "ok");
  BOOST_TEST(Probe("bd-a", "read /proc/" + std::to_string(b) + "/environ") == "ENOENT");
  BOOST_TEST(Probe("bd-a", "signal " + std::to_string(b)) == "EPERM");  // another uid
  BOOST_TEST(Probe("bd-a", "read /var/lib/clawhive-tenants/bd-b/agent.pid") == "EACCES");
  BOOST_TEST(Probe("bd-a", "read /var/lib/clawhive/api-token") == "EACCES");
}

BOOST_AUTO_TEST_CASE(the_metering_proxy_is_reachable_and_knows_which_tenant_calls) {
  Tenants t;
  BOOST_TEST(Probe("bd-a", "tcp 127.0.0.1 " + std::to_string(kProxyPort)) == "connected");
  auto curl = [](const std::string& id, const std::string& token_expr) {
    return InTenant(id, "curl -s -m 5 -w ' %{http_code}' -H \"Authorization: Bearer " + token_expr +
                            "\" http://127.0.0.1:" + std::to_string(kProxyPort) + "/v1/models").out;
  };
  std::string own = curl("bd-a", "$CLAWHIVE_PROXY_TOKEN");
  BOOST_TEST(own.ends_with(" 200"), own);
  // B's token, stolen into A: the proxy sees A's bridge address and refuses it.
  std::string b_token = InTenant("bd-b", "printf %s \"$CLAWHIVE_PROXY_TOKEN\"").out;
  BOOST_REQUIRE(b_token.rfind("chp_", 0) == 0u);
  std::string stolen = curl("bd-a", b_token);
  BOOST_TEST(stolen.ends_with(" 401"), stolen);
  BOOST_TEST(stolen.find("another tenant") != std::string::npos, stolen);
}

BOOST_AUTO_TEST_CASE(exposure_scores_hold_for_every_unit_we_ship) {
  Tenants t;
  // The egress bridge starts on first use: make sure it has run.
  (void)Probe("bd-a", "tcp 127.0.0.1 " + std::to_string(kProxyPort));
  struct Limit {
    std::string unit;
    double max;
  };
  const std::vector<Limit> limits = {{Svc("bd-a"), 2.0},
                                     {"clawhive-gw@bd\\x2da.service", 2.0},
                                     {"clawhive-meter@bd\\x2da.service", 2.0},
                                     {"clawhive-proxy.service", 2.5},  // 1.3 measured
                                     // Runs useradd, writes unit drop-ins, reads tenants' directories.
                                     {"clawhive-supervisor.service", 8.0}};
  std::regex overall("Overall exposure level for [^:]+: ([0-9.]+)");
  for (const Limit& l : limits) {
    std::string out = sb().Exec("systemd-analyze security --no-pager '" + l.unit + "' 2>&1 | tail -1").out;
    std::smatch m;
    BOOST_REQUIRE_MESSAGE(std::regex_search(out, m, overall), l.unit << ": " << out);
    double score = std::stod(m[1]);
    BOOST_TEST_MESSAGE("exposure " << l.unit << " " << score);
    BOOST_TEST(score <= l.max, l.unit << " exposure " << score << " > " << l.max);
  }
}

// ---- Files: what the tenant plants where root reads and writes (supervisor/tenant/tenant_dir.h) ----

BOOST_AUTO_TEST_CASE(a_planted_symlink_to_the_api_token_is_refused_and_never_read) {
  Tenants t;
  auto plant = InTenant("bd-a", "mkdir -p workspace && ln -sfn /var/lib/clawhive/api-token workspace/USER.md && echo ok");
  BOOST_REQUIRE_MESSAGE(plant.out == "ok", plant.out);
  auto r = api().Get("/v1/tenants/bd-a/persona");
  BOOST_TEST(r.status == 409, r.status << " " << r.body);
  BOOST_TEST(r.body.find("workspace/USER.md is a symlink; refused") != std::string::npos, r.body);
  BOOST_TEST(r.body.find(sb().token()) == std::string::npos);
  (void)InTenant("bd-a", "rm -f workspace/USER.md");
}

BOOST_AUTO_TEST_CASE(a_planted_hard_link_a_fifo_and_a_huge_file_are_refused_without_blocking) {
  Tenants t;
  struct Plant {
    std::string cmd, refusal;
    int status;
  };
  const std::vector<Plant> plants = {
      {"echo mine > own.txt && ln -f own.txt workspace/AGENTS.md", "workspace/AGENTS.md has 2 hard links; refused", 409},
      {"mkfifo workspace/IDENTITY.md", "workspace/IDENTITY.md is a FIFO; refused", 409},
      {"truncate -s 10G workspace/SOUL.md", "workspace/SOUL.md is larger than 65536 bytes; refused", 413},
  };
  for (const Plant& p : plants) {
    auto plant = InTenant("bd-a", "mkdir -p workspace && rm -f workspace/* && " + p.cmd + " && echo ok");
    BOOST_REQUIRE_MESSAGE(plant.out == "ok", p.cmd << ": " << plant.out);
    auto r = api().Get("/v1/tenants/bd-a/persona");
    BOOST_TEST(r.status == p.status, p.cmd << ": " << r.status << " " << r.body);
    BOOST_TEST(r.body.find(p.refusal) != std::string::npos, p.cmd << ": " << r.body);
    BOOST_TEST(api().Get("/v1/health").status == 200);  // the loop thread did not block
  }
  // A device node cannot even be planted: no CAP_MKNOD, PrivateDevices=.
  const std::string mknod = InTenant("bd-a", "mknod workspace/USER.md c 1 3 2>&1; echo \" rc=$?\"").out;
  BOOST_TEST(mknod.find("Operation not permitted") != std::string::npos, mknod);
  BOOST_TEST(mknod.find(" rc=1") != std::string::npos, mknod);
  (void)InTenant("bd-a", "rm -f workspace/* own.txt");
  // Writes replace whatever was planted as an entry, never through it.
  (void)InTenant("bd-a", "mkfifo workspace/SOUL.md && ln -s /var/lib/clawhive/api-token workspace/USER.md");
  BOOST_TEST(api().Call("PUT", "/v1/tenants/bd-a/persona/SOUL.md", R"({"content":"calm\n"})").status == 200);
  BOOST_TEST(api().Call("PUT", "/v1/tenants/bd-a/persona/USER.md", R"({"content":"user\n"})").status == 200);
  BOOST_TEST(sb().Exec("cat /var/lib/clawhive/api-token").out.rfind(sb().token(), 0) == 0u);  // untouched
  BOOST_TEST(InTenant("bd-a", "cat workspace/SOUL.md workspace/USER.md").out == "calm\nuser");
}

BOOST_AUTO_TEST_CASE(a_symlinked_workspace_directory_is_refused_and_nothing_is_written_through_it) {
  Tenants t;
  auto plant = InTenant("bd-a", "rm -rf workspace && ln -s /var/lib/clawhive workspace && echo ok");
  BOOST_REQUIRE_MESSAGE(plant.out == "ok", plant.out);
  auto w = api().Call("PUT", "/v1/tenants/bd-a/persona/SOUL.md", R"({"content":"owned\n"})");
  BOOST_TEST(w.status == 409, w.status << " " << w.body);
  BOOST_TEST(w.body.find("workspace is a symlink; refused") != std::string::npos, w.body);
  BOOST_TEST(sb().Exec("test -e /var/lib/clawhive/SOUL.md").status == 1);  // 1: absent (2 would be test's own error)
  auto r = api().Get("/v1/tenants/bd-a/persona");
  BOOST_TEST(r.status == 409, r.body);
  BOOST_TEST(r.body.find("workspace is a symlink; refused") != std::string::npos, r.body);
  (void)InTenant("bd-a", "rm -f workspace");
}

BOOST_AUTO_TEST_CASE(removing_a_workspace_full_of_plants_removes_only_the_workspace) {
  Tenants t;
  CreateTenant("bd-c");
  auto plant = InTenant("bd-c", "ln -s /var/lib/clawhive escape && ln -s /etc/clawhive/clawhive.yaml config && "
                                "mkfifo pipe && mkdir -p deep/er && ln -s / deep/er/root && echo ok");
  BOOST_REQUIRE_MESSAGE(plant.out == "ok", plant.out);
  BOOST_REQUIRE(api().Call("DELETE", "/v1/tenants/bd-c?workspace=remove").status < 300);
  BOOST_TEST(sb().Exec("test -e /var/lib/clawhive-tenants/bd-c").status == 1);
  BOOST_TEST(sb().Exec("test -s /var/lib/clawhive/api-token && test -s /etc/clawhive/clawhive.yaml && "
                       "test -d /var/lib/clawhive/keys && test -x /bin/sh").status == 0);
}

// An upgrade from a version whose gateway socket listened on the host's 127.0.0.1:<port>: the supervisor's
// next start moves it to the root-only unix socket, and the agent runs on, untouched.
BOOST_AUTO_TEST_CASE(a_gateway_socket_an_older_version_left_on_tcp_moves_to_its_unix_socket_and_the_agent_runs_on) {
  Tenants t;
  const uint16_t port = PortOf("bd-b");
  const std::string tcp = "tcp 127.0.0.1 " + std::to_string(port);
  const std::string socket_unit = "clawhive-gw@bd\\x2db.socket";
  const std::string pid = sb().Show("clawhive-agent@bd\\x2db.service", "MainPID");
  BOOST_REQUIRE(pid != "0");
  // What the older version wrote and left listening, with the supervisor stopped as an upgrade stops it.
  BOOST_REQUIRE(sb().Exec("systemctl stop clawhive-supervisor").status == 0);
  CommandResult old = sb().Exec("printf '[Socket]\\nListenStream=127.0.0.1:" + std::to_string(port) +
                                "\\n' >'/etc/systemd/system/" + socket_unit + ".d/10-tenant.conf' && systemctl daemon-reload && "
                                "systemctl stop 'clawhive-gw@bd\\x2db.service' && systemctl restart '" + socket_unit + "' 2>&1");
  BOOST_REQUIRE_MESSAGE(old.status == 0, old.out);
  BOOST_REQUIRE(ProbeFromHost(tcp) == "connected");
  BOOST_REQUIRE(sb().Exec("systemctl start clawhive-supervisor").status == 0);
  BOOST_TEST(Eventually([&] { return ProbeFromHost("unix " + GatewayPath("bd-b", port)) == "connected"; }, 30s, 250ms),
             sb().Exec("journalctl --no-pager -o cat -u clawhive-supervisor -u '" + socket_unit +
                       "' -u 'clawhive-gw@bd\\x2db.service' -u 'clawhive-agent@bd\\x2db.service' | tail -40; cat "
                       "'/etc/systemd/system/" + socket_unit + ".d/10-tenant.conf'").out);
  BOOST_TEST(ProbeFromHost(tcp) == "ECONNREFUSED");
  BOOST_TEST(sb().Show("clawhive-agent@bd\\x2db.service", "MainPID") == pid);
  BOOST_TEST(Eventually([] { return Healthy("bd-b"); }, 30s, 250ms));
}

BOOST_AUTO_TEST_CASE(the_supervisor_answered_throughout) {
  BOOST_TEST(api().Get("/v1/health").status == 200);
  BOOST_TEST(Get(Tenant("bd-a"), "phase").string() == "running");
  BOOST_TEST(Healthy("bd-a"));
  BOOST_TEST(Healthy("bd-b"));
}

BOOST_AUTO_TEST_SUITE_END()
