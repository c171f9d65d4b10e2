// Acceptance of the metering proxy against the real systemd sandbox: each tenant's agent gets its own
// proxy token; a request made as the tenant's own user reaches the provider stub with the real key and
// is metered to that tenant; the same token from another tenant's user is refused; an agent reaches the
// proxy and no other loopback service; a supervisor restart does not cut a stream in flight; the proxy
// runs as its own user and, as it sees the file system, cannot open the KEKs or the vault, yet still
// sends the real provider key (from the supervisor's export) and picks up a changed one.
#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <Poco/Net/HTTPClientSession.h>
#include <Poco/Net/HTTPRequest.h>
#include <Poco/Net/HTTPResponse.h>

#include <boost/test/unit_test.hpp>
#include <sstream>
#include <thread>

#include "integration/world.h"
#include "stub/provider_stub_server.h"
#include "unit/http_exchange.h"

using namespace clawhive::testing;
using namespace std::chrono_literals;

namespace {

constexpr uint16_t kProxyPort = 18480;
const std::string kProviderKey = "stub-provider-key-5d2e9a71";

std::string AgentEnv(const std::string& tenant, const std::string& name) {
  std::string body = HttpBody(GatewayOf(tenant), "/selftest/env?name=" + name);
  size_t at = body.find("\"value\":\"");
  if (body.find("\"set\":true") == std::string::npos || at == std::string::npos) return "";
  return body.substr(at + 9, body.find('"', at + 9) - at - 9);
}

std::string UserOf(const std::string& tenant) { return "ch-" + tenant; }

// curl run inside the sandbox as `user`: "<status> <body>".
std::string CurlAs(const std::string& user, const std::string& token, const std::string& body) {
  auto r = sb().Exec("runuser -u " + user + " -- curl -s -w ' %{http_code}' -H 'Authorization: Bearer " + token +
                     "' -H 'Content-Type: application/json' --data-binary " + Quote(body) +
                     " http://127.0.0.1:" + std::to_string(kProxyPort) + "/v1/chat/completions");
  return r.out;
}

struct Stub {
  clawhive::stub::ProviderStubServer server{[] {
    clawhive::stub::ProviderStubOptions o;
    o.key = kProviderKey;
    return o;
  }()};
  Stub() {
    BOOST_REQUIRE(server.Start().ok());
    auto key = api().Call("PUT", "/v1/platform/secrets/STUB_KEY", "{\"value\":\"" + kProviderKey + "\"}");
    BOOST_REQUIRE_MESSAGE(key.status < 300, key.body);
    auto p = api().Call("PUT", "/v1/providers/stub",
                        R"({"kind":"openai","base_url":"http://127.0.0.1:)" + std::to_string(server.port()) +
                            R"(/v1","key_secret":"STUB_KEY","models":[{"name":"stub-model","input_per_million":"1.00","output_per_million":"2.00"}]})");
    BOOST_REQUIRE_MESSAGE(p.status == 200 || p.status == 201, p.body);
  }
};

const std::string kChat = R"({"model":"stub-model","messages":[{"role":"user","content":"hello"}],"max_tokens":64})";

}  // namespace

BOOST_AUTO_TEST_SUITE(proxy_on_real_systemd)

BOOST_AUTO_TEST_CASE(an_agents_request_is_metered_to_its_tenant_and_its_token_works_for_no_one_else) {
  Stub stub;
  CreateTenant("px-a");
  CreateTenant("px-b");
  BOOST_REQUIRE(Eventually([] { return !AgentEnv("px-a", "CLAWHIVE_PROXY_TOKEN").empty(); }, 15s, 100ms));
  const std::string token = AgentEnv("px-a", "CLAWHIVE_PROXY_TOKEN");
  BOOST_TEST(token.rfind("chp_", 0) == 0u);
  BOOST_TEST(AgentEnv("px-a", "CLAWHIVE_PROXY_URL") == "http://127.0.0.1:18480/v1");  // from proxy.listen
  BOOST_TEST(AgentEnv("px-b", "CLAWHIVE_PROXY_TOKEN") != token);
  BOOST_TEST(AgentEnv("px-a", "STUB_KEY").empty());  // the provider key never reaches an agent

  std::string own = CurlAs(UserOf("px-a"), token, kChat);
  BOOST_TEST(own.ends_with(" 200"), own);
  auto seen = stub.server.Requests();
  BOOST_REQUIRE(!seen.empty());
  BOOST_TEST(seen.back().authorization.value_or("") == "Bearer " + kProviderKey);

  std::string stolen = CurlAs(UserOf("px-b"), token, kChat);
  BOOST_TEST(stolen.ends_with(" 401"), stolen);
  BOOST_TEST(stolen.find("another tenant") != std::string::npos);
  BOOST_TEST(CurlAs(UserOf("px-a"), "chp_made-up", kChat).ends_with(" 401"));

  auto usage = api().Get("/v1/tenants/px-a/model-usage");
  BOOST_REQUIRE_MESSAGE(usage.status == 200, usage.body);
  BOOST_REQUIRE(Get(usage.json, "lines").items().size() == 1u);
  BOOST_TEST(Get(usage.json, "lines.0.requests").number() == 1);
  BOOST_TEST(Get(usage.json, "lines.0.model").string() == "stub-model");
  BOOST_TEST(Get(api().Get("/v1/tenants/px-b/model-usage").json, "lines").items().size() == 0u);
  auto csv = api().Get("/v1/billing?format=csv");
  BOOST_TEST(csv.body.find(",px-a,stub,stub-model,1,") != std::string::npos, csv.body);
  auto metrics = api().Get("/metrics");
  BOOST_TEST(metrics.body.find("clawhive_tenant_model_requests{tenant=\"px-a\"} 1") != std::string::npos);
}

BOOST_AUTO_TEST_CASE(an_agent_reaches_the_proxy_and_no_other_loopback_service) {
  HostListener host_service;
  std::string outside = HttpBody(GatewayOf("px-a"), "/selftest/connect?addr=127.0.0.2&port=" + std::to_string(host_service.port) + "&timeout_ms=500");
  std::string proxy = HttpBody(GatewayOf("px-a"), "/selftest/connect?addr=127.0.0.1&port=" + std::to_string(kProxyPort) + "&timeout_ms=500");
  BOOST_TEST(outside.find("\"connected\":false") != std::string::npos, outside);
  BOOST_TEST(proxy.find("\"connected\":true") != std::string::npos, proxy);
}

BOOST_AUTO_TEST_CASE(a_supervisor_restart_does_not_cut_a_stream_in_flight) {
  Stub stub;
  const std::string token = AgentEnv("px-a", "CLAWHIVE_PROXY_TOKEN");
  const std::string body = R"({"model":"stub-model","stream":true,"stream_options":{"include_usage":true},"messages":[],)"
                           R"("x_stub":{"chunks":20,"chunk_delay_ms":100}})";
  Poco::Net::HTTPClientSession s("127.0.0.1", kProxyPort);  // as root on the host: allowed, like root in the box
  s.setTimeout(Poco::Timespan(30, 0));
  Poco::Net::HTTPRequest req = clawhive::testing::MakeRequest("POST", "/v1/chat/completions", token, body);
  s.sendRequest(req) << body;
  Poco::Net::HTTPResponse resp;
  std::istream& in = s.receiveResponse(resp);
  std::string line;
  std::getline(in, line);
  BOOST_REQUIRE(line.rfind("data:", 0) == 0u);
  BOOST_REQUIRE(sb().Exec("systemctl restart clawhive-supervisor").status == 0);
  std::string rest((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  BOOST_TEST(rest.find("[DONE]") != std::string::npos, "the stream was cut: " << rest.size() << " bytes after the restart");
  BOOST_TEST(rest.find("\"usage\"") != std::string::npos);
  sb().WaitForApi(15s);
}

// `command` run as the proxy sees the machine: in its mount namespace (InaccessiblePaths=, ProtectSystem=)
// with its user and group, without its supplementary group. "<exit status> <stdout and stderr>".
std::string AsProxy(const std::string& command) {
  std::string pid = sb().Show("clawhive-proxy.service", "MainPID");
  auto r = sb().Exec("nsenter -t " + pid + " -m -- setpriv --reuid=clawhive-proxy --regid=clawhive-proxy "
                     "--clear-groups " + command + " 2>&1; echo \" $?\"");
  return r.out;
}

BOOST_AUTO_TEST_CASE(the_proxy_runs_as_its_own_user_and_reads_provider_keys_but_not_the_vault) {
  Stub stub;
  const std::string pid = sb().Show("clawhive-proxy.service", "MainPID");
  BOOST_REQUIRE(pid != "0" && !pid.empty());
  // Real, effective, saved and file-system uid and gid are all the proxy's own.
  auto ids = sb().Exec("for f in Uid Gid; do awk -v f=$f: '$1 == f { print $2, $3, $4, $5 }' /proc/" + pid +
                       "/status; done; id -u clawhive-proxy; id -g clawhive-proxy").out;
  std::istringstream in(ids);
  std::string uid_line, gid_line, uid, gid;
  std::getline(in, uid_line);
  std::getline(in, gid_line);
  in >> uid >> gid;
  BOOST_REQUIRE(!uid.empty() && uid != "0");
  BOOST_TEST(uid_line == uid + " " + uid + " " + uid + " " + uid, ids);
  BOOST_TEST(gid_line == gid + " " + gid + " " + gid + " " + gid, ids);
  BOOST_TEST(sb().Exec("ps -o user:32= -p " + pid).out == "clawhive-proxy\n");

  // The KEKs and the vault: not even there for it.
  std::string kek = sb().Exec("ls /var/lib/clawhive/keys | head -n1").out;
  while (!kek.empty() && kek.back() == '\n') kek.pop_back();
  BOOST_REQUIRE_MESSAGE(kek.rfind("kek-", 0) == 0, kek);
  for (const std::string& path : {"/var/lib/clawhive/keys/" + kek, std::string("/var/lib/clawhive/vault.db"),
                                 std::string("/var/lib/clawhive/api-token")}) {
    BOOST_TEST(sb().Exec("test -s " + path).status == 0, path << " is there (control)");
    std::string got = AsProxy("cat " + path);
    BOOST_TEST(got == "cat: " + path + ": Permission denied\n 1\n", got);
  }
  std::string listing = AsProxy("ls /var/lib/clawhive");
  BOOST_TEST(listing.find("Permission denied") != std::string::npos, listing);
  BOOST_TEST(AsProxy("ls /run/clawhive").find("Permission denied") != std::string::npos);

  // What it may read: the export (0400, its own, on tmpfs), its meter database, the config (by group).
  BOOST_TEST(sb().Exec("stat -c '%a %U:%G' /run/clawhive-meter /run/clawhive-meter/provider-keys").out ==
             "700 clawhive-proxy:clawhive-proxy\n400 clawhive-proxy:clawhive-proxy\n");
  BOOST_TEST(sb().Exec("stat -f -c %T /run/clawhive-meter/provider-keys").out == "tmpfs\n");
  std::string keys = AsProxy("cat /run/clawhive-meter/provider-keys");
  BOOST_TEST(keys.find("\"STUB_KEY\":\"" + kProviderKey + "\"") != std::string::npos);
  BOOST_TEST(keys.find("CLAWHIVE_PROXY_TOKEN") == std::string::npos);  // no tenant's secret
  BOOST_TEST(sb().Exec("stat -c '%a %U' /var/lib/clawhive-meter /var/lib/clawhive-meter/meter.db").out ==
             "700 clawhive-proxy\n600 clawhive-proxy\n");
  BOOST_TEST(sb().Exec("test -e /var/lib/clawhive/meter.db").status == 1);  // moved to the proxy's own directory
  BOOST_TEST(sb().Exec("stat -c '%a %U:%G' /etc/clawhive/clawhive.yaml").out == "640 root:clawhive\n");

  // And a model request still goes out with the real key; a key changed through the API is used next.
  BOOST_REQUIRE(Eventually([] { return !AgentEnv("px-a", "CLAWHIVE_PROXY_TOKEN").empty(); }, 15s, 100ms));
  const std::string token = AgentEnv("px-a", "CLAWHIVE_PROXY_TOKEN");
  std::string own = CurlAs(UserOf("px-a"), token, kChat);
  BOOST_TEST(own.ends_with(" 200"), own);
  BOOST_REQUIRE(!stub.server.Requests().empty());
  BOOST_TEST(stub.server.Requests().back().authorization.value_or("") == "Bearer " + kProviderKey);
  auto changed = api().Call("PUT", "/v1/platform/secrets/STUB_KEY", "{\"value\":\"stub-provider-key-rotated\"}");
  BOOST_REQUIRE_MESSAGE(changed.status < 300, changed.body);
  BOOST_TEST(Eventually([&] {
    (void)CurlAs(UserOf("px-a"), token, kChat);
    return stub.server.Requests().back().authorization.value_or("") == "Bearer stub-provider-key-rotated";
  }, 10s, 300ms));
  auto back = api().Call("PUT", "/v1/platform/secrets/STUB_KEY", "{\"value\":\"" + kProviderKey + "\"}");
  BOOST_REQUIRE_MESSAGE(back.status < 300, back.body);
}

BOOST_AUTO_TEST_SUITE_END()
