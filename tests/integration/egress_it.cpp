// Issue 13 acceptance, "Egress": a fake internet inside a sandbox of its own with a private network
// (nothing of it exists on the host): a veth holding documentation addresses (203.0.113.10 site.example.com,
// 203.0.113.11 other.example.net) and a private one (10.77.0.10 intranet.example.org), the names in the
// sandbox's /etc/hosts (its overlay), and an HTTPS site on each address run by this test (stub/fake_site.h,
// a certificate made for the run). Real tenants on the test agent, with egress on, run curl inside their
// own units (the test agent's /selftest/sh), which goes out through HTTPS_PROXY as any tool would:
//   - A reaches its allowed host; the bytes are counted to A (its egress usage and /metrics);
//   - A is refused a host not on its list and a name resolving to a private address (403 and the reason),
//     and neither site sees a connection;
//   - A cannot go around the proxy: its namespace has no route out, and even given one, the unit's
//     address filter drops the connection (root in the same namespace, outside the unit, gets through);
//   - B sees none of A's traffic, and A's host is not on B's list: B is refused it;
//   - the month's billing export carries A's bytes and nothing for B.
#include <boost/test/unit_test.hpp>
#include <cctype>
#include <cstdio>
#include <memory>
#include <regex>

#include "integration/harness.h"
#include "stub/fake_site.h"
#include "supervisor/tls/certificate.h"

using namespace clawhive::testing;
using namespace std::chrono_literals;
using clawhive::stub::FakeSite;
using clawhive::stub::FakeSiteOptions;

namespace {

constexpr uint16_t kApiPort = 18491;
// Where tenants' curl finds the fake internet's certificate (/usr: readable inside their units).
const std::string kCa = "/usr/local/share/clawhive-test/fake-internet.crt";

const char* kConfig = R"(api:
  listen: 127.0.0.1:18491
tenant_defaults:
  memory_high: 200M
  memory_max: 256M
  tasks_max: 64
  port_base: 24000
  port_step: 120
  agent:
    exec: /usr/local/lib/clawhive-test/clawhive-test-agent   # testing::kTestAgent, from install-system
# The test agent answers no probe while a /selftest/sh command runs (up to a few seconds of curl here):
# not a hang to restart it for.
probe:
  interval: 1s
  timeout: 500ms
  failures: 10
  start_timeout: 10s
proxy:
  listen: 127.0.0.1:18480
egress:
  listen: 127.0.0.1:8481
  presets: [telegram]
)";

// The fake internet: the sandbox (its own network), the addresses and names in it, and one HTTPS site
// per address. Built once for the suite.
struct FakeInternet {
  static inline FakeInternet* current = nullptr;
  Sandbox sb{kConfig, kApiPort, SandboxOptions{.private_network = true}};
  NetworkScope inside{sb};  // this thread's sockets are the sandbox's from here on
  Api api{kApiPort, sb.token(), sb.fingerprint()};
  std::unique_ptr<FakeSite> site, other, intranet;

  FakeInternet() {
    auto net = sb.Exec(
        "set -e; ip link add fakenet0 type veth peer name fakenet1;"
        "ip addr add 203.0.113.10/24 dev fakenet0; ip addr add 203.0.113.11/24 dev fakenet0;"
        "ip addr add 10.77.0.10/24 dev fakenet0; ip link set fakenet0 up; ip link set fakenet1 up;"
        "printf '203.0.113.10 site.example.com\\n203.0.113.11 other.example.net\\n10.77.0.10 intranet.example.org\\n'"
        " >>/etc/hosts");
    if (net.status != 0) throw std::runtime_error("cannot build the fake internet in the sandbox");
    const std::string cert = sb.dir() + "/fake-internet.crt", key = sb.dir() + "/fake-internet.key";
    if (!clawhive::tls::GenerateSelfSigned(cert, key, {"site.example.com", "other.example.net", "intranet.example.org", "203.0.113.10"}))
      throw std::runtime_error("cannot make the fake internet's certificate");
    if (sb.Exec("install -D -m 0644 " + Quote(cert) + " " + kCa).status != 0) throw std::runtime_error("cannot install " + kCa);
    auto start = [&](const std::string& address, const std::string& name) {
      auto s = std::make_unique<FakeSite>(FakeSiteOptions{address, 443, name, cert, key});
      if (clawhive::Status st = s->Start(); !st) throw std::runtime_error(st.error().message);
      return s;
    };
    site = start("203.0.113.10", "site.example.com");
    other = start("203.0.113.11", "other.example.net");
    intranet = start("10.77.0.10", "intranet.example.org");
    current = this;
  }
  ~FakeInternet() {
    current = nullptr;
    site.reset();
    other.reset();
    intranet.reset();
  }
};

FakeInternet& net() { return *FakeInternet::current; }
Api& api() { return net().api; }

bool Has(const std::string& haystack, const std::string& needle) { return haystack.find(needle) != std::string::npos; }

std::string UrlEncode(const std::string& s) {
  std::string out;
  char hex[4];
  for (unsigned char c : s) {
    if (std::isalnum(c) || c == '-' || c == '_' || c == '.' || c == '~') {
      out += static_cast<char>(c);
    } else {
      std::snprintf(hex, sizeof hex, "%%%02X", c);
      out += hex;
    }
  }
  return out;
}

Gateway GatewayOf(const std::string& id) {
  Response r = api().Get("/v1/tenants/" + id);
  return {&net().sb, id, static_cast<uint16_t>(Get(r.json, "port").number())};
}

void CreateTenant(const std::string& id) {
  Response r = api().Post("/v1/tenants", "{\"id\":\"" + id + "\"}");
  BOOST_REQUIRE_MESSAGE(r.status == 201, "create " << id << ": " << r.status << " " << r.body);
  BOOST_REQUIRE_MESSAGE(Eventually([&] { return Get(api().Get("/v1/tenants/" + id).json, "status.healthy").boolean(); }, 15s),
                        id << " never became healthy");
}

void SetEgress(const std::string& id, const std::string& list) {
  Response r = api().Call("PUT", "/v1/tenants/" + id + "/egress", list);
  BOOST_REQUIRE_MESSAGE(r.status == 200, "egress list of " << id << ": " << r.status << " " << r.body);
}

struct Shell {
  int exit = -1;
  std::string out;
};

// `cmd` through /bin/sh as tenant `id`'s agent, inside its unit (its environment: HTTPS_PROXY).
Shell InTenant(const std::string& id, const std::string& cmd) {
  std::string body = HttpBody(GatewayOf(id), "/selftest/sh?cmd=" + UrlEncode(cmd), 30000);
  Shell r;
  clawhive::Result<clawhive::JsonValue> o = clawhive::ParseJson(body);
  if (o.ok() && Get(*o, "exit").AsUnsigned() && Get(*o, "out").is_string()) {
    r.exit = static_cast<int>(*Get(*o, "exit").AsUnsigned());
    r.out = Get(*o, "out").string();
  } else {
    r.out = "unreadable answer: " + body;
  }
  return r;
}

// curl as an agent's tool would run it: through the egress proxy its environment names.
std::string Curl(const std::string& options, const std::string& url) {
  return "curl -sS --max-time 10 --cacert " + kCa + " " + options + " " + Quote(url);
}

// What the connection attempt of `cmd` came to, from curl's -w or its error.
std::string WhatCurlSaid(const Shell& s) { return "exit " + std::to_string(s.exit) + ": " + s.out; }

struct Usage {
  int64_t bytes_out = 0, bytes_in = 0, tunnels = 0, refused = 0;
};
Usage EgressUsage(const std::string& id) {
  Response r = api().Get("/v1/tenants/" + id + "/egress");
  BOOST_REQUIRE_MESSAGE(r.status == 200, r.body);
  return {static_cast<int64_t>(Get(r.json, "usage.bytes_out").number()), static_cast<int64_t>(Get(r.json, "usage.bytes_in").number()),
          static_cast<int64_t>(Get(r.json, "usage.tunnels").number()), static_cast<int64_t>(Get(r.json, "usage.refused").number())};
}

// One sample of /metrics: `family{tenant="id"} N`; -1 when there is no such line.
int64_t Metric(const std::string& metrics, const std::string& family, const std::string& id) {
  std::smatch m;
  std::regex line("\n" + family + "\\{tenant=\"" + id + "\"\\} ([0-9]+)\n");
  return std::regex_search(metrics, m, line) ? std::stoll(m[1].str()) : -1;
}

// The agent's pid as the sandbox sees it.
std::string AgentPid(const std::string& id) {
  std::string esc;
  for (char c : id) esc += c == '-' ? std::string("\\x2d") : std::string(1, c);
  return net().sb.Show("clawhive-agent@" + esc + ".service", "MainPID");
}

}  // namespace

BOOST_AUTO_TEST_SUITE(egress_on_real_systemd, *boost::unit_test::fixture<FakeInternet>())

BOOST_AUTO_TEST_CASE(the_supervisor_and_the_proxy_start_with_egress_on_and_agents_are_pointed_at_it) {
  Sandbox& sb = net().sb;
  BOOST_TEST(sb.Exec("systemctl is-active clawhive-supervisor clawhive-proxy").out == "active\nactive\n");
  BOOST_TEST(Has(sb.Show("clawhive-proxy.service", "StatusText"), "egress proxy on 127.0.0.1:8481"),
             sb.Show("clawhive-proxy.service", "StatusText"));
  BOOST_TEST(sb.Show("clawhive-supervisor.service", "NRestarts") == "0");
  CreateTenant("eg-a");
  CreateTenant("eg-b");
  SetEgress("eg-a", R"({"allow":["site.example.com","intranet.example.org"]})");
  SetEgress("eg-b", R"({"allow":["other.example.net"]})");
  std::string env = HttpBody(GatewayOf("eg-a"), "/selftest/env?name=HTTPS_PROXY");
  BOOST_TEST(Has(env, "\"value\":\"http://127.0.0.1:8481\""), env);
  // Restarted with tenants in place (their boundary units carry the egress listener): still up.
  BOOST_REQUIRE(sb.Exec("systemctl restart clawhive-supervisor").status == 0);
  sb.WaitForApi(20s);
  BOOST_TEST(sb.Exec("systemctl is-active clawhive-supervisor").out == "active\n");
  BOOST_TEST(sb.Exec("journalctl --no-pager -u clawhive-supervisor -u clawhive-proxy | grep -ciE 'segfault|core dumped|SIGSEGV'").out == "0\n");
}

BOOST_AUTO_TEST_CASE(a_reaches_its_allowed_host_and_the_bytes_are_counted_to_a) {
  const uint64_t before = net().site->requests();
  Shell got = InTenant("eg-a", Curl("-o /dev/null -w '%{http_code} %{size_download}'", "https://site.example.com/bytes/200000"));
  BOOST_TEST(got.exit == 0, WhatCurlSaid(got));
  BOOST_TEST(got.out == "200 200000", WhatCurlSaid(got));
  Shell hello = InTenant("eg-a", Curl("", "https://site.example.com/"));
  BOOST_TEST(hello.out == "hello from site.example.com\n", WhatCurlSaid(hello));
  BOOST_TEST(net().site->requests() == before + 2);
  // The site saw the proxy, never the agent (which has no address but its loopback).
  BOOST_TEST(net().site->Requests().back().peer == "203.0.113.10");

  Usage a;
  BOOST_TEST(Eventually([&] { a = EgressUsage("eg-a"); return a.tunnels == 2; }, 10s));
  BOOST_TEST_MESSAGE("eg-a egress after 2 tunnels: bytes_out " << a.bytes_out << ", bytes_in " << a.bytes_in);
  BOOST_TEST(a.bytes_in > 200000);   // the body, the answer's head and the TLS records around them
  BOOST_TEST(a.bytes_in < 220000);
  BOOST_TEST(a.bytes_out > 0);       // two TLS handshakes and requests
  BOOST_TEST(a.bytes_out < 20000);
  BOOST_TEST(a.refused == 0);
  std::string metrics = api().Get("/metrics").body;
  BOOST_TEST(Metric(metrics, "clawhive_tenant_egress_bytes_in", "eg-a") == a.bytes_in, metrics);
  BOOST_TEST(Metric(metrics, "clawhive_tenant_egress_bytes_out", "eg-a") == a.bytes_out);
  BOOST_TEST(Metric(metrics, "clawhive_tenant_egress_tunnels", "eg-a") == 2);
}

BOOST_AUTO_TEST_CASE(a_is_refused_a_host_off_its_list_and_the_site_sees_nothing) {
  const Usage before = EgressUsage("eg-a");
  Shell got = InTenant("eg-a", Curl("-v -o /dev/null", "https://other.example.net/") + " 2>&1");
  BOOST_TEST(got.exit == 56, WhatCurlSaid(got));  // curl: "CONNECT tunnel failed"
  BOOST_TEST(Has(got.out, "< HTTP/1.1 403 Forbidden"), got.out);
  BOOST_TEST(Has(got.out, "< X-Clawhive-Egress-Reason: other.example.net:443 is not on the egress allow list of tenant eg-a"), got.out);
  BOOST_TEST(net().other->connections() == 0u);
  BOOST_TEST(Eventually([&] { return EgressUsage("eg-a").refused == before.refused + 1; }, 10s));
}

BOOST_AUTO_TEST_CASE(a_name_resolving_to_a_private_address_is_refused_before_any_connect) {
  const Usage before = EgressUsage("eg-a");
  Shell got = InTenant("eg-a", Curl("-v -o /dev/null", "https://intranet.example.org/") + " 2>&1");
  BOOST_TEST(got.exit == 56, WhatCurlSaid(got));
  BOOST_TEST(Has(got.out, "< HTTP/1.1 403 Forbidden"), got.out);
  BOOST_TEST(Has(got.out, "< X-Clawhive-Egress-Reason: intranet.example.org resolves to 10.77.0.10, a private address"), got.out);
  // The name is on A's list, the address is not public: no connection reached the site.
  BOOST_TEST(net().intranet->connections() == 0u);
  BOOST_TEST(Eventually([&] { return EgressUsage("eg-a").refused == before.refused + 1; }, 10s));
}

BOOST_AUTO_TEST_CASE(a_cannot_go_around_the_proxy_to_the_address_directly) {
  Sandbox& sb = net().sb;
  const uint64_t before = net().site->connections();
  // Its namespace holds only its loopback: no route to anything else.
  Shell direct = InTenant("eg-a", Curl("--noproxy '*' --connect-timeout 2 -o /dev/null", "https://203.0.113.10/") + " 2>&1");
  BOOST_TEST(direct.exit == 7, WhatCurlSaid(direct));  // curl: could not connect
  BOOST_TEST((Has(direct.out, "Network is unreachable") || Has(direct.out, "Couldn't connect")), direct.out);

  // Given a route (a veth into A's namespace, its other end in the fake internet's), the unit's address
  // filter (IPAddressDeny=any, IPAddressAllow=localhost) still drops the connection; root in the same
  // namespace but outside the unit's cgroup gets through, so the filter is what stops A.
  const std::string pid = AgentPid("eg-a");
  BOOST_REQUIRE(pid != "0" && !pid.empty());
  auto leak = sb.Exec("set -e; ip link add leak0 type veth peer name leak1; ip addr add 198.51.100.1/24 dev leak0;"
                      "ip link set leak0 up; ip link set leak1 netns " + pid + ";"
                      "nsenter -t " + pid + " -n sh -c 'ip addr add 198.51.100.2/24 dev leak1 && ip link set leak1 up &&"
                      " ip route add default via 198.51.100.1'");
  BOOST_REQUIRE_MESSAGE(leak.status == 0, leak.out);
  Shell routed = InTenant("eg-a", Curl("--noproxy '*' --connect-timeout 2 -o /dev/null", "https://203.0.113.10/") + " 2>&1");
  BOOST_TEST(routed.exit == 28, WhatCurlSaid(routed));
  BOOST_TEST_MESSAGE("eg-a direct, no route: " << WhatCurlSaid(direct) << "eg-a direct, routed: " << WhatCurlSaid(routed));  // curl: timed out (the filter drops; nothing answers)
  BOOST_TEST(net().site->connections() == before);
  auto control = sb.Exec("nsenter -t " + pid + " -n " + Curl("--noproxy '*' --connect-timeout 2", "https://203.0.113.10/"));
  BOOST_TEST(control.out == "hello from site.example.com\n");
  BOOST_TEST(net().site->connections() == before + 1);
  BOOST_TEST(sb.Exec("ip link del leak0").status == 0);
}

BOOST_AUTO_TEST_CASE(b_sees_none_of_as_traffic_and_is_refused_as_host) {
  const Usage a = EgressUsage("eg-a");
  BOOST_REQUIRE(a.bytes_in > 0);
  const Usage b = EgressUsage("eg-b");
  BOOST_TEST(b.bytes_out == 0);
  BOOST_TEST(b.bytes_in == 0);
  BOOST_TEST(b.tunnels == 0);
  BOOST_TEST(b.refused == 0);
  std::string metrics = api().Get("/metrics").body;
  BOOST_TEST(Metric(metrics, "clawhive_tenant_egress_bytes_in", "eg-b") <= 0, metrics);

  const uint64_t site_before = net().site->connections();
  Shell got = InTenant("eg-b", Curl("-v -o /dev/null", "https://site.example.com/") + " 2>&1");
  BOOST_TEST(got.exit == 56, WhatCurlSaid(got));
  BOOST_TEST(Has(got.out, "< X-Clawhive-Egress-Reason: site.example.com:443 is not on the egress allow list of tenant eg-b"), got.out);
  BOOST_TEST(net().site->connections() == site_before);
  Usage after;
  BOOST_TEST(Eventually([&] { after = EgressUsage("eg-b"); return after.refused == 1; }, 10s));
  BOOST_TEST(after.bytes_in == 0);
  BOOST_TEST(after.bytes_out == 0);
  BOOST_TEST(after.tunnels == 0);
  const Usage a_after = EgressUsage("eg-a");
  BOOST_TEST(a_after.bytes_in == a.bytes_in);  // B's attempt is not A's
  BOOST_TEST(a_after.refused == a.refused);

  // The month's billing export carries A's egress and nothing of B's (refusals carry no bytes).
  std::string csv = api().Get("/v1/billing?format=csv").body;
  BOOST_TEST(Has(csv, ",eg-a,,,0,0,0,0.00,0," + std::to_string(a_after.bytes_out) + "," + std::to_string(a_after.bytes_in) + "," +
                          std::to_string(a_after.tunnels) + "\r\n"), csv);
  BOOST_TEST(!Has(csv, ",eg-b,"), csv);
}

BOOST_AUTO_TEST_SUITE_END()
