// Acceptance of the vault against the real systemd sandbox: delivery to the agent's own environment
// only, isolation from the agent's side, health-gated rotation with rollback, key rotations online, and
// no plaintext anywhere it must not be.
#include <boost/test/unit_test.hpp>
#include <map>
#include <thread>

#include "integration/world.h"

using namespace clawhive::testing;
using namespace std::chrono_literals;

namespace {

// Known values, grepped for at the end: they must appear nowhere but in the agent's environment.
const std::string kValueA1 = "sk-alpha-one-7c1e9f0b2d";
const std::string kValueA2 = "sk-alpha-two-5e8a3c6d41";
const std::string kValueB = "bot-bravo-9d2f4a7e13";
const std::string kProvider = "prov-key-3b6e8d0f27";

Response PutSecret(const std::string& tenant, const std::string& name, const std::string& value) {
  return api().Call("PUT", "/v1/tenants/" + tenant + "/secrets/" + name, "{\"value\":\"" + value + "\"}");
}

std::string AgentEnv(const std::string& tenant, const std::string& name) {
  std::string body = HttpBody(GatewayOf(tenant), "/selftest/env?name=" + name);
  size_t at = body.find("\"value\":\"");
  if (body.find("\"set\":true") == std::string::npos || at == std::string::npos) return "<unset>";
  return body.substr(at + 9, body.find('"', at + 9) - at - 9);
}

std::string VersionState(const std::string& tenant, const std::string& name, int version) {
  auto r = api().Get("/v1/tenants/" + tenant + "/secrets/" + name);
  for (const JsonValue& v : Get(r.json, "versions").items())
    if (Get(v, "version").number() == version) return Get(v, "state").string();
  return "";
}

// What reading `path` from inside `tenant`'s agent gives: "" when it can, else the errno's name.
std::string ReadError(const std::string& tenant, const std::string& path) {
  clawhive::Result<JsonValue> answer = clawhive::ParseJson(HttpBody(GatewayOf(tenant), "/selftest/read?path=" + path));
  if (!answer.ok() || answer->Find("errno") == nullptr) return "<no answer>";
  return answer->Find("errno")->string();
}

}  // namespace

BOOST_AUTO_TEST_SUITE(vault_on_real_systemd)

BOOST_AUTO_TEST_CASE(a_secret_reaches_its_own_agent_and_no_other) {
  CreateTenant("vault-a");
  CreateTenant("vault-b");
  auto r = PutSecret("vault-a", "API_KEY", kValueA1);
  BOOST_REQUIRE_MESSAGE(r.status == 200 || r.status == 201, r.status << " " << r.body);
  BOOST_TEST(r.body.find(kValueA1) == std::string::npos);
  BOOST_REQUIRE(PutSecret("vault-b", "BOT_TOKEN", kValueB).status < 300);
  BOOST_REQUIRE(Eventually([] { return AgentEnv("vault-a", "API_KEY") == kValueA1; }, 15s, 100ms));
  BOOST_REQUIRE(Eventually([] { return AgentEnv("vault-b", "BOT_TOKEN") == kValueB; }, 15s, 100ms));
  BOOST_TEST(AgentEnv("vault-a", "BOT_TOKEN") == "<unset>");
  BOOST_TEST(AgentEnv("vault-b", "API_KEY") == "<unset>");
}

BOOST_AUTO_TEST_CASE(the_agent_cannot_read_the_kek_the_vault_or_delivered_files) {
  for (const std::string path : {"/var/lib/clawhive/keys", "/var/lib/clawhive/keys/kek-1.cred",
                                 "/var/lib/clawhive/vault.db", "/var/lib/clawhive/clawhive.db",
                                 "/var/lib/clawhive/api-token", "/run/clawhive/secrets",
                                 "/run/clawhive/secrets/vault-b.env", "/etc/clawhive/clawhive.yaml"})
    BOOST_TEST(ReadError("vault-a", path) == "EACCES", path);  // InaccessiblePaths
  // Nor the other tenant's environment through /proc (same PID namespace, other uid): not even seen.
  std::string environ = "/proc/" + std::to_string(MainPid("vault-b")) + "/environ";
  BOOST_TEST(ReadError("vault-a", environ) == "ENOENT", environ);  // ProtectProc=invisible
  BOOST_TEST(ReadError("vault-b", environ) == "", environ);        // its own: yes
  // Delivery leaves nothing behind: the env file is wiped once the agent has started.
  BOOST_TEST(sb().Exec("ls /run/clawhive/secrets/ 2>/dev/null").out == "");
  // The world runs with vault.seal_kek: the KEK on disk is sealed by systemd-creds (host key here).
  BOOST_TEST(sb().Exec("stat -c %a /var/lib/clawhive/keys/kek-1.cred /var/lib/clawhive/vault.db").out == "600\n600\n");
  BOOST_TEST(sb().Exec("test -e /var/lib/clawhive/keys/kek-1.key").status == 1);  // absent
}

BOOST_AUTO_TEST_CASE(a_new_value_is_promoted_once_the_agent_is_healthy_on_it) {
  int64_t pid = MainPid("vault-a");
  BOOST_REQUIRE(PutSecret("vault-a", "API_KEY", kValueA2).status < 300);
  BOOST_REQUIRE(Eventually([&] { return VersionState("vault-a", "API_KEY", 2) == "current"; }, 15s, 100ms));
  BOOST_TEST(AgentEnv("vault-a", "API_KEY") == kValueA2);
  BOOST_TEST(MainPid("vault-a") != pid);
  BOOST_TEST(VersionState("vault-a", "API_KEY", 1) == "retired");
}

BOOST_AUTO_TEST_CASE(a_value_the_agent_fails_on_is_rolled_back_with_an_incident) {
  BOOST_REQUIRE(PutSecret("vault-b", "AGENT_CRASH_AFTER_MS", "3600000").status < 300);
  BOOST_REQUIRE(Eventually([] { return AgentEnv("vault-b", "AGENT_CRASH_AFTER_MS") == "3600000"; }, 15s, 100ms));
  size_t incidents = Incidents("vault-b").items().size();
  BOOST_REQUIRE(PutSecret("vault-b", "AGENT_CRASH_AFTER_MS", "50").status < 300);  // makes the agent crash
  BOOST_REQUIRE(Eventually([] { return VersionState("vault-b", "AGENT_CRASH_AFTER_MS", 2) == "failed"; }, 15s, 100ms));
  BOOST_REQUIRE(Eventually([] { return Healthy("vault-b"); }, 15s, 100ms));
  BOOST_TEST(AgentEnv("vault-b", "AGENT_CRASH_AFTER_MS") == "3600000");
  BOOST_TEST(VersionState("vault-b", "AGENT_CRASH_AFTER_MS", 1) == "current");
  auto inc = Incidents("vault-b");
  BOOST_REQUIRE(inc.items().size() > incidents);
  BOOST_TEST(Get(inc, "0.action").string() == "rolled back");
}

BOOST_AUTO_TEST_CASE(key_rotations_run_online_and_keep_every_value) {
  std::map<std::string, int64_t> pids = {{"vault-a", MainPid("vault-a")}, {"vault-b", MainPid("vault-b")}};
  auto kek = api().Post("/v1/vault/rotate-kek");
  BOOST_REQUIRE_MESSAGE(kek.status == 200, kek.body);
  auto dk = api().Post("/v1/tenants/vault-a/secrets/rotate-data-key");
  BOOST_REQUIRE_MESSAGE(dk.status == 200, dk.body);
  for (auto& [id, pid] : pids) BOOST_TEST(MainPid(id) == pid, id << " was restarted by a key rotation");
  // The rotated keys still deliver: a restart hands the same values over.
  BOOST_REQUIRE(api().Post("/v1/tenants/vault-a/restart").status == 200);
  BOOST_REQUIRE(Eventually([&] { return MainPid("vault-a") != pids["vault-a"] && Healthy("vault-a"); }, 15s, 100ms));
  BOOST_TEST(AgentEnv("vault-a", "API_KEY") == kValueA2);
  BOOST_TEST(sb().Exec("test -e /var/lib/clawhive/keys/kek-1.cred").status == 1);  // old KEK gone
  BOOST_TEST(sb().Exec("test -e /var/lib/clawhive/keys/kek-2.cred").status == 0);
}

BOOST_AUTO_TEST_CASE(clawhivectl_sets_lists_and_deletes_secrets_without_showing_values) {
  const std::string ctl = "clawhivectl --api https://127.0.0.1:18471 ";
  auto put = sb().Exec("printf %s cli-value-6f1d2b | " + ctl + "secret put vault-a CLI_KEY");
  BOOST_TEST(put.status == 0, put.out);
  auto list = sb().Exec(ctl + "secret list vault-a");
  BOOST_TEST(list.status == 0);
  BOOST_TEST(list.out.find("CLI_KEY") != std::string::npos, list.out);
  BOOST_TEST(list.out.find("cli-value-6f1d2b") == std::string::npos);
  BOOST_TEST(sb().Exec(ctl + "secret put vault-a CLI_KEY cli-value-on-argv").status == 2);  // argv is visible in /proc
  BOOST_TEST(sb().Exec(ctl + "secret delete vault-a CLI_KEY").status == 0);
  BOOST_TEST(sb().Exec(ctl + "secret get vault-a CLI_KEY").status == 1);
  BOOST_TEST(sb().Exec(ctl + "--json vault rotations").status == 0);
  BOOST_REQUIRE(Eventually([] { return Healthy("vault-a"); }, 15s, 100ms));  // deleting restarted it
}

BOOST_AUTO_TEST_CASE(provider_keys_are_never_delivered_to_any_agent) {
  auto r = api().Call("PUT", "/v1/platform/secrets/OPENAI_API_KEY", "{\"value\":\"" + kProvider + "\"}");
  BOOST_REQUIRE_MESSAGE(r.status == 200 || r.status == 201, r.body);
  BOOST_REQUIRE(api().Post("/v1/tenants/vault-b/restart").status == 200);
  BOOST_REQUIRE(Eventually([] { return Healthy("vault-b"); }, 15s, 100ms));
  BOOST_TEST(AgentEnv("vault-b", "OPENAI_API_KEY") == "<unset>");
  BOOST_TEST(AgentEnv("vault-a", "OPENAI_API_KEY") == "<unset>");
}

BOOST_AUTO_TEST_CASE(no_secret_value_appears_in_journal_logs_database_or_api) {
  std::string all;
  for (const std::string& v : {kValueA1, kValueA2, kValueB, kProvider, std::string("cli-value-6f1d2b")})
    all += " -e " + Quote(v);
  // Everything journald holds (all fields of all entries), the supervisor's files, /run and the API.
  BOOST_TEST(sb().Exec("journalctl -o export --no-pager | grep -a -c -F" + all).out == "0\n");
  BOOST_TEST(sb().Exec("grep -r -a -l -F" + all + " /var/lib/clawhive /etc/clawhive /run/clawhive /var/log 2>/dev/null | wc -l").out == "0\n");
  for (const std::string path : {"/v1/tenants/vault-a/secrets", "/v1/tenants/vault-b/secrets",
                                 "/v1/platform/secrets", "/v1/tenants", "/v1/incidents?limit=1000", "/metrics"}) {
    std::string body = api().Get(path).body;
    for (const std::string& v : {kValueA1, kValueA2, kValueB, kProvider}) BOOST_TEST(body.find(v) == std::string::npos, path);
  }
}

BOOST_AUTO_TEST_CASE(deleting_a_tenant_deletes_its_secrets) {
  BOOST_REQUIRE(api().Call("DELETE", "/v1/tenants/vault-b?workspace=remove").status == 200);
  BOOST_REQUIRE(api().Call("PUT", "/v1/tenants/vault-b/secrets/X", "{\"value\":\"y\"}").status == 404);
  BOOST_TEST(sb().Exec("sqlite3 /var/lib/clawhive/vault.db \"select count(*) from secrets where tenant='vault-b'\" 2>&1").out.find("0") == 0u);
}

BOOST_AUTO_TEST_SUITE_END()
