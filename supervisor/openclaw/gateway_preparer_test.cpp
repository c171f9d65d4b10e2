// GatewayPreparer: before each start of a runtime tenant, its gateway token exists (made once, in a real
// vault in a temporary directory) and its openclaw.json5 is written (into the FakeHost); persona files are
// the tenant's own; and, on the real file system (PosixHost), what a hostile tenant plants in its state
// directory is refused or replaced, never followed.
#include "supervisor/openclaw/gateway_preparer.h"

#include <sys/stat.h>
#include <unistd.h>

#include <boost/test/unit_test.hpp>
#include <algorithm>
#include <cctype>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>

#include "supervisor/common/json.h"
#include "supervisor/core/posix_host.h"
#include "supervisor/core/tenant_rules.h"
#include "supervisor/openclaw/openclaw_config.h"
#include "supervisor/vault/vault_test_util.h"
#include "unit/fake_host.h"

namespace clawhive {
namespace {

using vault_test::Why;

// A preparer over `Host`, with a real vault in a temporary directory and two models offered.
template <typename Host>
struct PreparerOver {
  vault_test::TempDir dir;
  std::unique_ptr<Vault> vault = vault_test::MustOpen(vault_test::OptionsIn(dir));
  Config config;
  Host host;
  GatewayPreparer preparer{config, *vault, host};

  PreparerOver() { config.openclaw_models = {"gpt-4o-mini", "gpt-4o"}; }
};

// The preparer over the FakeHost, which keeps what it writes in memory.
struct PreparerWorld : PreparerOver<FakeHost> {
  static Tenant OnRuntime(const std::string& id, uint16_t port) {
    Tenant t;
    t.id = id;
    t.port = port;
    t.runtime = "openclaw-2026.9.6";
    return t;
  }
  // The gateway token as the agent would get it delivered ("" when there is none).
  std::string Delivered(const std::string& id) {
    for (const auto& [name, value] : vault_test::Plain(vault->Deliverable(id, false)))
      if (name == kGatewayTokenSecret) return value;
    return "";
  }
};

// The same preparer over the real file system: tenants_dir is a temporary directory; `token` stands for
// /var/lib/clawhive/api-token, outside every tenant's directory.
struct RealWorld : PreparerOver<PosixHost> {
  std::string token = dir.File("api-token");

  RealWorld() {
    config.tenants_dir = dir.File("tenants");
    std::ofstream(token) << "operator-secret";
  }
  std::string In(const std::string& id, const std::string& rel) { return WorkspacePath(config, id) + "/" + rel; }
  std::string Token() {
    std::ifstream in(token);
    std::stringstream ss;
    ss << in.rdbuf();
    return ss.str();
  }
};

// Why `r` was refused: it must have failed as a conflict.
template <typename R>
std::string Refusal(const R& r) {
  BOOST_TEST_REQUIRE(!r.ok());
  BOOST_TEST((r.error().code == ErrorCode::kConflict));
  return r.error().message;
}

Tenant Plain(const std::string& id, uint32_t uid) {
  Tenant t = PreparerWorld::OnRuntime(id, 20120);
  t.uid = uid;
  return t;
}

}  // namespace

BOOST_AUTO_TEST_SUITE(gateway_preparer)

BOOST_AUTO_TEST_CASE(prepare_writes_the_tenants_openclaw_config_into_its_state_directory) {
  PreparerWorld w;
  Tenant t = PreparerWorld::OnRuntime("acme", 20120);
  t.openclaw.model = "gpt-4o";
  Status s = w.preparer.Prepare(t);
  BOOST_TEST_REQUIRE(s.ok(), Why(s));
  const std::string path = w.config.tenants_dir + "/acme/openclaw.json5";
  BOOST_TEST(OpenClawConfigPath(w.config, "acme") == path);
  BOOST_TEST_REQUIRE(w.host.files.count(path) == 1u);
  BOOST_TEST(w.host.dirs.count(w.config.tenants_dir + "/acme") == 1u);
  auto doc = ParseJson(w.host.files[path]);
  BOOST_TEST_REQUIRE(doc.ok());
  BOOST_TEST(doc->Find("gateway")->Find("port")->AsUnsigned().value_or(0) == 20120u);
  BOOST_TEST(doc->Find("logging")->Find("file")->string() == w.config.tenants_dir + "/acme/logs/openclaw.log");
  const JsonValue* provider = doc->Find("models")->Find("providers")->Find("clawhive");
  BOOST_TEST_REQUIRE(provider != nullptr);
  BOOST_TEST(provider->Find("baseUrl")->string() == ProxyUrl(w.config));
  BOOST_TEST(provider->Find("models")->items().size() == 2u);
  BOOST_TEST(doc->Find("agents")->Find("defaults")->Find("model")->Find("primary")->string() == "clawhive/gpt-4o");
}

BOOST_AUTO_TEST_CASE(prepare_rewrites_the_config_from_the_current_settings_every_time) {
  PreparerWorld w;
  Tenant t = PreparerWorld::OnRuntime("acme", 20120);
  BOOST_TEST_REQUIRE(w.preparer.Prepare(t).ok());
  const std::string path = OpenClawConfigPath(w.config, "acme");
  w.host.files[path] = "{\"gateway\":{\"bind\":\"lan\"}}";  // edited by the agent itself
  t.openclaw.heartbeat = true;
  BOOST_TEST_REQUIRE(w.preparer.Prepare(t).ok());
  BOOST_TEST(w.host.files[path].find("\"loopback\"") != std::string::npos);
  BOOST_TEST(w.host.files[path].find("\"30m\"") != std::string::npos);
}

BOOST_AUTO_TEST_CASE(the_gateway_token_is_made_once_and_kept_across_prepares) {
  PreparerWorld w;
  Tenant t = PreparerWorld::OnRuntime("acme", 20120);
  BOOST_TEST_REQUIRE(w.preparer.Prepare(t).ok());
  auto info = w.vault->Get("acme", kGatewayTokenSecret);
  BOOST_TEST_REQUIRE(info.ok(), Why(info));
  BOOST_TEST(info->current_version == 1u);
  std::string token = w.Delivered("acme");
  BOOST_TEST(token.rfind("ocg_", 0) == 0u, token);
  BOOST_TEST(token.size() >= 4u + 32u);

  BOOST_TEST_REQUIRE(w.preparer.Prepare(t).ok());
  BOOST_TEST(w.Delivered("acme") == token);
  BOOST_TEST(w.vault->Get("acme", kGatewayTokenSecret)->versions.size() == 1u);

  auto via_api = w.preparer.Token("acme");
  BOOST_TEST_REQUIRE(via_api.ok(), Why(via_api));
  BOOST_TEST(*via_api == token);
}

BOOST_AUTO_TEST_CASE(each_tenant_gets_its_own_token) {
  PreparerWorld w;
  BOOST_TEST_REQUIRE(w.preparer.Prepare(PreparerWorld::OnRuntime("acme", 20120)).ok());
  BOOST_TEST_REQUIRE(w.preparer.Prepare(PreparerWorld::OnRuntime("globex", 20240)).ok());
  BOOST_TEST(!w.Delivered("acme").empty());
  BOOST_TEST(w.Delivered("acme") != w.Delivered("globex"));
}

BOOST_AUTO_TEST_CASE(token_makes_the_token_when_asked_before_the_first_start_and_keeps_it) {
  PreparerWorld w;
  auto first = w.preparer.Token("acme");
  BOOST_TEST_REQUIRE(first.ok(), Why(first));
  BOOST_TEST(first->rfind("ocg_", 0) == 0u);
  BOOST_TEST_REQUIRE(w.preparer.Prepare(PreparerWorld::OnRuntime("acme", 20120)).ok());
  BOOST_TEST(*w.preparer.Token("acme") == *first);
}

BOOST_AUTO_TEST_CASE(a_telegram_webhook_gets_a_secret_telegram_accepts_made_once_and_its_config_points_at_the_front) {
  PreparerWorld w;
  w.config.public_url = "https://chat.example.com";
  Tenant t = PreparerWorld::OnRuntime("acme", 20120);
  t.openclaw.channels.push_back({"telegram", true, "TG"});
  BOOST_TEST((w.preparer.TelegramWebhookSecret("acme").error().code == ErrorCode::kNotFound));
  BOOST_TEST_REQUIRE(w.preparer.Prepare(t).ok());
  BOOST_TEST(!w.vault->Get("acme", kTelegramWebhookSecret).ok());  // polling: no secret
  t.openclaw.channels[0].mode = "webhook";
  BOOST_TEST_REQUIRE(w.preparer.Prepare(t).ok());
  auto secret = w.preparer.TelegramWebhookSecret("acme");
  BOOST_TEST_REQUIRE(secret.ok(), Why(secret));
  BOOST_TEST(secret->rfind("tgw_", 0) == 0u, *secret);
  BOOST_TEST(secret->size() <= 256u);  // Telegram: 1-256 characters of A-Z a-z 0-9 _ -
  for (char c : *secret) BOOST_TEST((std::isalnum(static_cast<unsigned char>(c)) || c == '_' || c == '-'), *secret);
  BOOST_TEST_REQUIRE(w.preparer.Prepare(t).ok());
  BOOST_TEST(*w.preparer.TelegramWebhookSecret("acme") == *secret);  // kept across starts
  std::string config = w.host.files[OpenClawConfigPath(w.config, "acme")];
  BOOST_TEST(config.find(R"("webhookUrl":"https://chat.example.com/v1/hooks/telegram/acme")") != std::string::npos, config);
  BOOST_TEST(config.find(R"("webhookPort":20230)") != std::string::npos, config);
  BOOST_TEST(config.find(*secret) == std::string::npos);  // by reference only: ${CLAWHIVE_TELEGRAM_WEBHOOK_SECRET}
  std::vector<std::string> env = GatewayEnvNames(t);
  BOOST_TEST((std::find(env.begin(), env.end(), kTelegramWebhookSecret) != env.end()));
}

BOOST_AUTO_TEST_CASE(webhook_mode_needs_a_public_url_and_room_in_the_port_block) {
  Config c;
  OpenClawSettings s;
  s.channels.push_back({"telegram", true, "TG"});
  BOOST_TEST(CheckTelegramWebhook(c, s).ok());  // polling needs neither
  s.channels[0].mode = "webhook";
  Status no_url = CheckTelegramWebhook(c, s);
  BOOST_TEST_REQUIRE(!no_url.ok());
  BOOST_TEST(no_url.error().message.find("api.public_url") != std::string::npos, no_url.error().message);
  c.public_url = "https://chat.example.com";
  BOOST_TEST(CheckTelegramWebhook(c, s).ok());
  c.port_step = 10;
  Status tight = CheckTelegramWebhook(c, s);
  BOOST_TEST_REQUIRE(!tight.ok());
  BOOST_TEST(tight.error().message.find("port_step above 110") != std::string::npos, tight.error().message);
  BOOST_TEST(TelegramWebhookUrl(Config{}, "acme").empty());
}

BOOST_AUTO_TEST_CASE(a_command_tenant_is_left_alone) {
  PreparerWorld w;
  Tenant t;
  t.id = "plain";
  t.port = 20000;
  Status s = w.preparer.Prepare(t);
  BOOST_TEST(s.ok(), Why(s));
  BOOST_TEST(w.host.files.empty());
  BOOST_TEST(w.host.dirs.empty());
  auto list = w.vault->List("plain");
  BOOST_TEST(list.ok());
  if (list.ok()) BOOST_TEST(list->empty());
}

BOOST_AUTO_TEST_CASE(the_config_is_roots_and_readable_while_persona_files_are_the_tenants_own) {
  PreparerWorld w;
  Tenant t = Plain("acme", 4242);
  BOOST_TEST_REQUIRE(w.preparer.Prepare(t).ok());
  const std::string base = WorkspacePath(w.config, "acme");
  BOOST_TEST(w.host.owners[base + "/openclaw.json5"] == 0u);
  BOOST_TEST(w.host.modes[base + "/openclaw.json5"] == 0644u);
  Status s = w.preparer.WritePersona(t, "USER.md", "# Ada\n");
  BOOST_TEST_REQUIRE(s.ok(), Why(s));
  BOOST_TEST(w.host.files[base + "/workspace/USER.md"] == "# Ada\n");
  BOOST_TEST(w.host.owners[base + "/workspace/USER.md"] == 4242u);
  BOOST_TEST(w.host.modes[base + "/workspace/USER.md"] == 0600u);
  BOOST_TEST(w.host.owners[base + "/workspace"] == 4242u);
  BOOST_TEST(w.host.modes[base + "/workspace"] == 0700u);
  auto files = w.preparer.ReadPersona(t);
  BOOST_TEST_REQUIRE(files.ok(), Why(files));
  BOOST_TEST(files->size() == 1u);
}

BOOST_AUTO_TEST_CASE(a_persona_file_the_tenant_dir_refuses_fails_the_read_naming_the_file) {
  PreparerWorld w;
  Tenant t = Plain("acme", 4242);
  w.host.tenant_refusals[WorkspacePath(w.config, "acme") + "/workspace/USER.md"] =
      Error::Conflict("workspace/USER.md is a symlink; refused");
  BOOST_TEST(Refusal(w.preparer.ReadPersona(t)) == "workspace/USER.md is a symlink; refused");
}

BOOST_AUTO_TEST_CASE(a_user_md_planted_as_a_link_to_the_api_token_is_refused_and_never_read) {
  RealWorld w;
  Tenant t = Plain("acme", 4242);
  std::filesystem::create_directories(w.In("acme", "workspace"));
  BOOST_REQUIRE(symlink(w.token.c_str(), w.In("acme", "workspace/USER.md").c_str()) == 0);
  BOOST_TEST(Refusal(w.preparer.ReadPersona(t)) == "workspace/USER.md is a symlink; refused");

  BOOST_REQUIRE(unlink(w.In("acme", "workspace/USER.md").c_str()) == 0);
  BOOST_REQUIRE(link(w.token.c_str(), w.In("acme", "workspace/USER.md").c_str()) == 0);
  BOOST_TEST(Refusal(w.preparer.ReadPersona(t)) == "workspace/USER.md has 2 hard links; refused");
}

BOOST_AUTO_TEST_CASE(a_persona_write_into_a_symlinked_workspace_is_refused_and_writes_nothing_outside) {
  RealWorld w;
  Tenant t = Plain("acme", 4242);
  std::string elsewhere = w.dir.File("elsewhere");
  std::filesystem::create_directories(elsewhere);
  std::filesystem::create_directories(WorkspacePath(w.config, "acme"));
  BOOST_REQUIRE(symlink(elsewhere.c_str(), w.In("acme", "workspace").c_str()) == 0);
  BOOST_TEST(Refusal(w.preparer.WritePersona(t, "USER.md", "x")) == "workspace is a symlink; refused");
  BOOST_TEST(std::filesystem::is_empty(elsewhere));
}

BOOST_AUTO_TEST_CASE(persona_files_on_disk_belong_to_the_tenant_and_the_config_to_root) {
  RealWorld w;
  Tenant t = Plain("acme", 4242);
  BOOST_TEST_REQUIRE(w.preparer.Prepare(t).ok());
  Status s = w.preparer.WritePersona(t, "SOUL.md", "kind");
  BOOST_TEST_REQUIRE(s.ok(), Why(s));
  struct stat st;
  BOOST_REQUIRE(lstat(w.In("acme", "workspace/SOUL.md").c_str(), &st) == 0);
  BOOST_TEST(st.st_uid == 4242u);
  BOOST_TEST((st.st_mode & 07777) == 0600u);
  BOOST_REQUIRE(lstat(w.In("acme", "workspace").c_str(), &st) == 0);
  BOOST_TEST(st.st_uid == 4242u);
  BOOST_REQUIRE(lstat(w.In("acme", "openclaw.json5").c_str(), &st) == 0);
  BOOST_TEST(st.st_uid == 0u);
  BOOST_TEST((st.st_mode & 07777) == 0644u);
  auto files = w.preparer.ReadPersona(t);
  BOOST_TEST_REQUIRE(files.ok(), Why(files));
  BOOST_TEST(files->size() == 1u);
  BOOST_TEST(files->front().second == "kind");
}

BOOST_AUTO_TEST_CASE(a_fifo_planted_as_openclaw_json5_does_not_block_the_start, *boost::unit_test::timeout(20)) {
  RealWorld w;
  Tenant t = Plain("acme", 4242);
  std::filesystem::create_directories(WorkspacePath(w.config, "acme"));
  BOOST_REQUIRE(mkfifo(OpenClawConfigPath(w.config, "acme").c_str(), 0666) == 0);
  Status s = w.preparer.Prepare(t);
  BOOST_TEST_REQUIRE(s.ok(), Why(s));
  BOOST_TEST(std::filesystem::is_regular_file(std::filesystem::symlink_status(OpenClawConfigPath(w.config, "acme"))));
  BOOST_TEST(w.Token() == "operator-secret");
}

BOOST_AUTO_TEST_SUITE_END()

}  // namespace clawhive
