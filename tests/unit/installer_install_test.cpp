// Tests of `clawhive-install install` (installer/install.h) on a fake host (installer_fake_system.h):
// real files under a temporary root, real keys, certificate and databases, a scripted systemd and API.
#include "installer/install.h"

#include <boost/test/unit_test.hpp>

#include <algorithm>
#include <filesystem>
#include <string>
#include <vector>

#include "installer/appliance.h"
#include "installer/config_render.h"
#include "installer_fake_system.h"
#include "installer_sample_answers.h"
#include "supervisor/auth/identity_store.h"
#include "supervisor/auth/password.h"
#include "supervisor/config/config.h"
#include "supervisor/tls/certificate.h"
#include "unit/fails_with.h"
#include "unit/text_search.h"

using namespace clawhive;
using namespace clawhive::installer;
using namespace clawhive::installer::testing;
using clawhive::testing::Contains;
using clawhive::testing::FailsWith;

namespace {

// Two initial tenants, branding, the default listen address and a generated operator password.
const std::string kAnswers = "listen: 0.0.0.0:8470\n" + kGeneratedAdminAnswers +
                              "branding:\n  product_name: \"Acme Agents\"\n  primary_color: \"#aa3300\"\n" +
                              kRuntimeAnswers + "tenants:\n  - {id: acme, display_name: \"Acme\"}\n  - id: globex\n";

const std::string kMinimal = kGeneratedAdminAnswers;


// Did any recorded command mention `word` in any argument?
bool AnyExecMentions(const FakeSystem& sys, const std::string& word) {
  return std::any_of(sys.execs.begin(), sys.execs.end(), [&](const std::vector<std::string>& argv) {
    return std::any_of(argv.begin(), argv.end(), [&](const std::string& a) { return Contains(a, word); });
  });
}

// The systemctl verbs a rerun must not use when nothing changed.
bool AnyUnitChange(const FakeSystem& sys) {
  for (const auto& args : sys.SystemctlChanges())
    if (args[0] == "enable" || args[0] == "start" || args[0] == "restart" || args[0] == "daemon-reload") return true;
  return false;
}

Config InstalledConfig(const FakeAppliance& app) {
  Result<Config> c = ParseConfig(GetFile(app.P(kConfigFile)), kConfigFile);
  BOOST_REQUIRE_MESSAGE(c.ok(), (c.ok() ? "" : c.error().message));
  return *c;
}

std::unique_ptr<auth::IdentityStore> OpenIdentity(const FakeAppliance& app) {
  auth::IdentityStoreOptions o;
  o.db_path = app.P("/var/lib/clawhive/identity.db");
  auto store = auth::IdentityStore::Open(o);
  BOOST_REQUIRE_MESSAGE(store.ok(), (store.ok() ? "" : store.error().message));
  return std::move(*store);
}

Result<auth::NewSession> SignIn(const FakeAppliance& app, const std::string& user, const std::string& password) {
  return OpenIdentity(app)->Login(user, password, "127.0.0.1", 1'700'000'000'000);
}
bool SignsIn(const FakeAppliance& app, const std::string& user, const std::string& password) {
  return SignIn(app, user, password).ok();
}

// Installs online with kAnswers and requires success.
void InstallOnline(FakeAppliance& app, const std::string& answers = kAnswers) {
  int rc = app.Install(app.Online(answers));
  BOOST_REQUIRE_MESSAGE(rc == 0, "install failed (" << rc << "): " << app.err << "\n" << app.out);
}

}  // namespace

BOOST_AUTO_TEST_SUITE(installer_install)

BOOST_AUTO_TEST_CASE(an_online_install_makes_the_group_the_directories_and_the_answer_file_with_their_modes) {
  FakeAppliance app;
  InstallOnline(app);
  Result<gid_t> gid = GroupId(app.sys, Layout{app.dir.path}, kGroup);
  BOOST_REQUIRE(gid.ok());
  // The package's accounts (the clawhive group, the proxy's user) come from its sysusers.d file.
  BOOST_TEST((app.sys.Ran("systemd-sysusers") ==
              std::vector<std::vector<std::string>>{{"systemd-sysusers", "--root=" + app.dir.path, "clawhive.conf"}}));
  BOOST_TEST(app.sys.Ran("groupadd").empty());
  BOOST_TEST(UserExists(app.sys, Layout{app.dir.path}, kProxyUser));
  BOOST_TEST(Contains(app.out, "created    system user clawhive-proxy and group clawhive"), app.out);
  BOOST_TEST(ModeOf(app.P(kEtcDir)) == 0750u);
  BOOST_TEST(app.sys.groups[app.P(kEtcDir)] == *gid);
  BOOST_TEST(ModeOf(app.P(kStateDir)) == 0700u);
  BOOST_TEST(ModeOf(app.P(kTenantsDir)) == 0755u);
  BOOST_TEST(ModeOf(app.P(kAnswersFile)) == 0600u);
  BOOST_TEST(GetFile(app.P(kAnswersFile)) == kAnswers);
  BOOST_TEST(ModeOf(app.P(kConfigFile)) == 0640u);
  BOOST_TEST(app.sys.groups[app.P(kConfigFile)] == *gid);
  BOOST_TEST(app.sys.outside_root.empty(), "touched outside the root: " << app.sys.outside_root.size());
}

BOOST_AUTO_TEST_CASE(the_installed_config_carries_the_answers_and_caps_the_tenants_by_the_headroom) {
  FakeAppliance app;
  InstallOnline(app);
  Config c = InstalledConfig(app);
  BOOST_TEST(c.listen_address == "0.0.0.0");
  BOOST_TEST(c.listen_port == 8470);
  BOOST_TEST(c.product_name == "Acme Agents");
  BOOST_TEST(c.primary_color == "#aa3300");
  BOOST_TEST(c.default_resources.memory_max == 1536ull << 20);
  BOOST_TEST(c.default_resources.memory_high == 1024ull << 20);
  BOOST_TEST(c.parent_memory_max == 14 * kGiB);    // 16 GiB host - 2 GiB headroom
  BOOST_TEST(c.parent_cpu_quota_percent == 400u);  // 8 CPUs x (100% - 50%)
}

BOOST_AUTO_TEST_CASE(an_online_install_reserves_the_tenant_ports_of_every_tenant_that_fits_and_loads_them) {
  FakeAppliance app;
  InstallOnline(app);
  // 14 GiB / 1.5 GiB = 9 tenants of the default size.
  BOOST_TEST(Contains(GetFile(app.P(kSysctlFile)), "net.ipv4.ip_local_reserved_ports = 20000-21079\n"));
  BOOST_TEST(ModeOf(app.P(kSysctlFile)) == 0644u);
  auto sysctl = app.sys.Ran("sysctl");
  BOOST_REQUIRE_EQUAL(sysctl.size(), 1u);
  BOOST_TEST(sysctl[0].back() == app.P(kSysctlFile));
}

BOOST_AUTO_TEST_CASE(an_online_install_makes_the_certificate_the_api_token_the_vault_and_the_databases) {
  FakeAppliance app;
  InstallOnline(app);
  BOOST_TEST(PathExists(app.P("/var/lib/clawhive/tls/tls.crt")));
  BOOST_TEST(PathExists(app.P("/var/lib/clawhive/tls/tls.key")));
  BOOST_TEST(ModeOf(app.P("/var/lib/clawhive/api-token")) == 0600u);
  BOOST_TEST(!app.sys.List(app.P("/var/lib/clawhive/keys")).empty());
  BOOST_TEST(PathExists(app.P("/var/lib/clawhive/vault.db")));
  BOOST_TEST(PathExists(app.P("/var/lib/clawhive/clawhive.db")));
  Result<auth::UserInfo> op = OpenIdentity(app)->GetUser("admin");
  BOOST_REQUIRE(op.ok());
  BOOST_TEST((op->role == auth::Role::kOperator));
}

BOOST_AUTO_TEST_CASE(an_online_install_enables_and_starts_the_units_and_creates_the_answer_files_tenants) {
  FakeAppliance app;
  InstallOnline(app);
  for (const char* unit : {kTenantsTarget, kSupervisorUnit, kProxyUnit}) BOOST_TEST(app.sys.Enabled(unit), unit);
  BOOST_TEST(!app.sys.Enabled(kFirstBootUnit));  // online, the install is finished now
  BOOST_TEST(app.sys.RanSystemctl({"start", kProxyUnit}));
  BOOST_TEST(app.sys.RanSystemctl({"start", kSupervisorUnit}));
  BOOST_TEST(app.sys.Active(kSupervisorUnit));
  BOOST_TEST(app.sys.Active(kProxyUnit));
  BOOST_TEST(app.api.created == (std::vector<std::string>{"acme", "globex"}));
  // The installer talks to its own API over loopback, with the root-only token, pinned to the certificate.
  BOOST_TEST(app.api.url == "https://127.0.0.1:8470");
  BOOST_TEST(app.api.token + "\n" == GetFile(app.P("/var/lib/clawhive/api-token")));
  Result<std::string> fp = tls::Sha256Fingerprint(app.P("/var/lib/clawhive/tls/tls.crt"));
  BOOST_REQUIRE(fp.ok());
  BOOST_TEST(app.api.fingerprint == *fp);
  BOOST_TEST(GetFile(app.P(kMarkerFile)) == std::string("version ") + Version() + "\n");
}

BOOST_AUTO_TEST_CASE(an_online_install_ends_with_its_change_count_the_console_url_and_the_password_file) {
  FakeAppliance app;
  InstallOnline(app);
  BOOST_TEST(app.err.empty(), app.err);
  BOOST_TEST(app.Changes() > 0, app.out);
  std::string tail = app.out.substr(app.out.rfind("\n\n"));
  BOOST_TEST(tail == "\n\n" + std::to_string(app.Changes()) + " change(s).\n");
  BOOST_TEST(Contains(app.out, "https://appliance:8470/"), app.out);  // the host name for a wildcard listen
  BOOST_TEST(Contains(app.out, kPasswordFile), app.out);
  BOOST_TEST(Contains(app.out, "SHA-256 " + app.api.fingerprint), app.out);
}

BOOST_AUTO_TEST_CASE(a_second_install_with_the_same_answers_changes_nothing) {
  FakeAppliance app;
  InstallOnline(app);
  auto before = Snapshot(app.dir.path);
  app.sys.execs.clear();
  app.api.created.clear();
  InstallOnline(app);
  BOOST_TEST(app.Changes() == 0, app.out);
  BOOST_TEST(Contains(app.out, "\n0 change(s).\n"));
  BOOST_TEST(!AnyUnitChange(app.sys));
  BOOST_TEST(app.sys.Ran("groupadd").empty());
  BOOST_TEST(app.sys.Ran("sysctl").empty());
  BOOST_TEST(app.api.created.empty());
  auto after = Snapshot(app.dir.path);
  for (const auto& [path, was] : before) {
    auto it = after.find(path);
    BOOST_TEST((it != after.end() && it->second == was), path << ": " << was << " -> "
                                                              << (it == after.end() ? "gone" : it->second));
  }
  for (const auto& [path, now] : after) BOOST_TEST(before.count(path) == 1u, "new: " << path);
}

BOOST_AUTO_TEST_CASE(a_rerun_after_the_bootstrap_token_expired_makes_a_new_one_and_restarts_only_the_supervisor) {
  FakeAppliance app;
  InstallOnline(app);
  const std::string old_token = GetFile(app.P("/var/lib/clawhive/api-token"));
  // The supervisor removed the expired bootstrap token (docs/security.md).
  BOOST_REQUIRE(std::filesystem::remove(app.P("/var/lib/clawhive/api-token")));
  app.sys.execs.clear();
  app.api.created.clear();
  InstallOnline(app);
  const std::string token = GetFile(app.P("/var/lib/clawhive/api-token"));
  BOOST_TEST(!token.empty());
  BOOST_TEST(token != old_token);
  BOOST_TEST(app.api.token + "\n" == token);  // the installer's API calls use the new one
  BOOST_TEST(app.sys.RanSystemctl({"restart", kSupervisorUnit}));  // which the supervisor imports at start
  BOOST_TEST(!app.sys.RanSystemctl({"restart", kProxyUnit}));
  BOOST_TEST(Contains(app.out, "(new API token)"), app.out);
  BOOST_TEST(app.api.created.empty());
}

BOOST_AUTO_TEST_CASE(a_generated_password_is_kept_in_a_root_only_file_and_signs_the_operator_in) {
  FakeAppliance app;
  InstallOnline(app);
  BOOST_TEST(ModeOf(app.P(kPasswordFile)) == 0600u);
  std::string file = GetFile(app.P(kPasswordFile));
  BOOST_REQUIRE(!file.empty());
  BOOST_TEST(file.back() == '\n');
  std::string password = file.substr(0, file.size() - 1);
  BOOST_TEST(auth::CheckPasswordPolicy(password).ok());
  BOOST_TEST(SignsIn(app, "admin", password));
  BOOST_TEST(FailsWith(SignIn(app, "admin", password + "x"), ErrorCode::kUnauthorized, "invalid user name or password"));
}

BOOST_AUTO_TEST_CASE(a_generated_password_can_be_shown_on_the_console_but_never_in_the_output) {
  FakeAppliance app;
  InstallOptions o = app.Online(kAnswers);
  o.show_password_on = "/dev/console";
  BOOST_REQUIRE(app.Install(o) == 0);
  std::string file = GetFile(app.P(kPasswordFile));
  std::string password = file.substr(0, file.find('\n'));
  BOOST_TEST(app.sys.appended["/dev/console"].find(password) != std::string::npos);
  BOOST_TEST(app.out.find(password) == std::string::npos);  // the output may be the journal
  // A rerun made no password, so it shows none.
  app.sys.appended.clear();
  BOOST_REQUIRE(app.Install(o) == 0);
  BOOST_TEST(app.sys.appended.empty());
}

BOOST_AUTO_TEST_CASE(a_password_file_left_by_an_interrupted_install_becomes_the_operators_password) {
  // The file is written before the account: a crash in between leaves the file, and the rerun creates
  // the account with that same password rather than a new one nobody knows.
  FakeAppliance app;
  const std::string password = "left-by-an-earlier-run-1234";
  PutFile(app.P(kPasswordFile), password + "\n", 0600);
  InstallOnline(app);
  BOOST_TEST(GetFile(app.P(kPasswordFile)) == password + "\n");
  BOOST_TEST(SignsIn(app, "admin", password));
}

BOOST_AUTO_TEST_CASE(a_password_hash_from_the_answers_signs_the_operator_in_with_the_original_password) {
  FakeAppliance app;
  const std::string password = "correct horse battery staple";
  Result<std::string> hash = auth::HashPassword(password, {.n = 1024, .r = 8, .p = 1});
  BOOST_REQUIRE(hash.ok());
  InstallOnline(app, "listen: 127.0.0.1:8470\noperator:\n  name: ops@example.com\n  password_hash: \"" + *hash + "\"\n");
  BOOST_TEST(SignsIn(app, "ops@example.com", password));
  BOOST_TEST(FailsWith(SignIn(app, "ops@example.com", "not the password at all"), ErrorCode::kUnauthorized,
                       "invalid user name or password"));
  BOOST_TEST(!PathExists(app.P(kPasswordFile)));
  BOOST_TEST(Contains(app.out, "as set when its hash was made"), app.out);
  BOOST_TEST(Contains(app.out, "https://127.0.0.1:8470/"), app.out);
}

BOOST_AUTO_TEST_CASE(a_changed_listen_port_rewrites_the_config_keeps_the_old_one_and_restarts_supervisor_and_proxy) {
  FakeAppliance app;
  InstallOnline(app);
  const std::string old_config = GetFile(app.P(kConfigFile));
  app.sys.execs.clear();
  app.api.created.clear();
  std::string changed = kAnswers;
  changed.replace(changed.find("8470"), 4, "9443");
  InstallOnline(app, changed);
  BOOST_TEST(InstalledConfig(app).listen_port == 9443);
  BOOST_TEST(GetFile(app.P(std::string(kConfigFile) + ".bak")) == old_config);
  BOOST_TEST(Contains(app.out, "previous kept as clawhive.yaml.bak"), app.out);
  BOOST_TEST(GetFile(app.P(kAnswersFile)) == changed);
  BOOST_TEST(app.sys.RanSystemctl({"restart", kSupervisorUnit}));
  BOOST_TEST(app.sys.RanSystemctl({"restart", kProxyUnit}));
  BOOST_TEST(app.api.url == "https://127.0.0.1:9443");
  // No tenant touched: none created, no agent unit named.
  BOOST_TEST(app.api.created.empty());
  BOOST_TEST(!AnyExecMentions(app.sys, "clawhive-agent@"));
  BOOST_TEST(app.Changes() > 0);
}

BOOST_AUTO_TEST_CASE(a_failed_preflight_exits_2_and_writes_nothing) {
  FakeAppliance app;
  app.sys.SetMemTotal(1 * kGiB);
  auto before = Snapshot(app.dir.path);
  BOOST_TEST(app.Install(app.Online(kMinimal)) == 2);
  BOOST_TEST(Contains(app.err, "preflight failed"), app.err);
  BOOST_TEST(Contains(app.out, "fail memory"), app.out);  // the report says why
  BOOST_TEST((Snapshot(app.dir.path) == before));
  BOOST_TEST(app.sys.SystemctlChanges().empty());
  BOOST_TEST(app.sys.Ran("groupadd").empty());
}

BOOST_AUTO_TEST_CASE(force_installs_despite_a_failed_preflight) {
  FakeAppliance app;
  app.sys.SetMemTotal(1 * kGiB);
  InstallOptions o = app.Online(kMinimal);
  o.force = true;
  BOOST_TEST_REQUIRE(app.Install(o) == 0, app.err);
  BOOST_TEST(Contains(app.out, "fail memory"), app.out);
  BOOST_TEST(InstalledConfig(app).parent_memory_max == 0u);  // the headroom takes everything: no cap
  BOOST_TEST(Contains(GetFile(app.P(kSysctlFile)), "= 20000-20119\n"));  // room for at least one tenant
  BOOST_TEST(PathExists(app.P(kMarkerFile)));
}

BOOST_AUTO_TEST_CASE(missing_package_files_exit_1_naming_them_and_write_nothing) {
  FakeAppliance app;
  std::filesystem::remove(app.P("/usr/sbin/clawhive-proxy"));
  std::filesystem::remove(app.P("/usr/share/clawhive/console/index.html"));
  auto before = Snapshot(app.dir.path);
  BOOST_TEST(app.Install(app.Online(kMinimal)) == 1);
  BOOST_TEST(Contains(app.err, "package files"), app.err);
  BOOST_TEST(Contains(app.err, "/usr/sbin/clawhive-proxy"), app.err);
  BOOST_TEST(Contains(app.err, "/usr/share/clawhive/console/index.html"), app.err);
  BOOST_TEST(!Contains(app.err, "/usr/sbin/clawhive-supervisor"), app.err);
  BOOST_TEST((Snapshot(app.dir.path) == before));
  BOOST_TEST(app.sys.Ran("groupadd").empty());
}

BOOST_AUTO_TEST_CASE(a_missing_unit_file_exits_1_naming_it_and_writes_nothing) {
  FakeAppliance app;
  std::filesystem::remove(app.P(std::string("/lib/systemd/system/") + kProxyUnit));
  auto before = Snapshot(app.dir.path);
  BOOST_TEST(app.Install(app.Online(kMinimal)) == 1);
  BOOST_TEST(Contains(app.err, kProxyUnit), app.err);
  BOOST_TEST((Snapshot(app.dir.path) == before));
}

BOOST_AUTO_TEST_CASE(without_the_packages_sysusers_file_the_install_stops_and_says_so) {
  FakeAppliance app;
  std::filesystem::remove(app.P(kSysusersFile));
  BOOST_TEST(app.Install(app.Offline(kAnswers)) == 1);
  BOOST_TEST(Contains(app.err, kSysusersFile), app.err);
}

BOOST_AUTO_TEST_CASE(an_offline_install_writes_the_files_and_enables_first_boot_but_starts_nothing) {
  FakeAppliance app;
  BOOST_TEST_REQUIRE(app.Install(app.Offline(kAnswers)) == 0, app.err);
  BOOST_TEST((app.sys.Ran("systemd-sysusers") ==
              std::vector<std::vector<std::string>>{{"systemd-sysusers", "--root=" + app.dir.path, "clawhive.conf"}}));
  BOOST_TEST(UserExists(app.sys, Layout{app.dir.path}, kProxyUser));
  BOOST_TEST(GroupId(app.sys, Layout{app.dir.path}, kGroup).ok());
  BOOST_TEST(GetFile(app.P(kAnswersFile)) == kAnswers);
  BOOST_TEST(PathExists(app.P(kConfigFile)));
  BOOST_TEST(InstalledConfig(app).parent_memory_max == 0u);  // the machine's size is known at first boot
  BOOST_TEST(PathExists(app.P(kSysctlFile)));
  BOOST_TEST(app.sys.Ran("sysctl").empty());  // the image's kernel is not this one
  // The only systemd change: first boot enabled in the image.
  const std::vector<std::string> enable = {"systemctl", "--root=" + app.dir.path, "enable", "--quiet",
                                          kFirstBootUnit};
  BOOST_TEST((std::find(app.sys.execs.begin(), app.sys.execs.end(), enable) != app.sys.execs.end()));
  BOOST_TEST((app.sys.SystemctlChanges() ==
              std::vector<std::vector<std::string>>{{"enable", "--quiet", kFirstBootUnit}}));
  BOOST_TEST(app.sys.Enabled(kFirstBootUnit));
  // Nothing unique to a machine is made into an image.
  BOOST_TEST(app.sys.List(app.P(kStateDir)).empty());
  BOOST_TEST(app.sys.List(app.P(kTenantsDir)).empty());
  BOOST_TEST(app.api.connects == 0);
  BOOST_TEST(!PathExists(app.P(kMarkerFile)));
  BOOST_TEST(Contains(app.out, "Nothing was started"), app.out);
  BOOST_TEST(app.Changes() > 0);
}

BOOST_AUTO_TEST_CASE(a_second_offline_install_changes_nothing) {
  FakeAppliance app;
  BOOST_TEST_REQUIRE(app.Install(app.Offline(kAnswers)) == 0, app.err);
  auto before = Snapshot(app.dir.path);
  app.sys.execs.clear();
  BOOST_TEST_REQUIRE(app.Install(app.Offline(kAnswers)) == 0, app.err);
  BOOST_TEST(app.Changes() == 0, app.out);
  BOOST_TEST(app.sys.SystemctlChanges().empty());
  BOOST_TEST((Snapshot(app.dir.path) == before));
}

BOOST_AUTO_TEST_CASE(a_host_where_systemd_is_not_running_is_installed_offline) {
  FakeAppliance app;
  app.sys.booted = false;
  BOOST_TEST_REQUIRE(app.Install(app.Online(kMinimal)) == 0, app.err);
  BOOST_TEST(Contains(app.out, "offline"), app.out);
  BOOST_TEST(app.sys.Enabled(kFirstBootUnit));
  BOOST_TEST(app.sys.List(app.P(kStateDir)).empty());
  BOOST_TEST(app.api.connects == 0);
}

BOOST_AUTO_TEST_CASE(a_tenant_that_never_becomes_healthy_fails_the_install_naming_it) {
  FakeAppliance app;
  app.api.tenants_become_healthy = false;
  BOOST_TEST(app.Install(app.Online(kAnswers)) == 1);
  BOOST_TEST(Contains(app.err, "tenant acme"), app.err);
  BOOST_TEST(Contains(app.err, "not healthy after 1 s"), app.err);
  BOOST_TEST(Contains(app.err, "backoff"), app.err);
  BOOST_TEST(Contains(app.err, "run the installer again"), app.err);
  BOOST_TEST(app.api.created == std::vector<std::string>{"acme"});  // stopped at the first
  BOOST_TEST(!PathExists(app.P(kMarkerFile)));
}

BOOST_AUTO_TEST_CASE(a_rerun_after_a_failed_step_continues_where_the_first_run_stopped) {
  FakeAppliance app;
  app.sys.failing_starts = {kSupervisorUnit};
  BOOST_TEST(app.Install(app.Online(kAnswers)) == 1);
  BOOST_TEST(Contains(app.err, "journalctl -u clawhive-supervisor.service"), app.err);
  BOOST_TEST(!PathExists(app.P(kMarkerFile)));
  BOOST_TEST(app.api.connects == 0);
  app.sys.failing_starts.clear();
  app.sys.execs.clear();
  InstallOnline(app);
  BOOST_TEST(app.sys.RanSystemctl({"start", kSupervisorUnit}));
  BOOST_TEST(!app.sys.RanSystemctl({"start", kProxyUnit}));  // already running since the first run
  BOOST_TEST(app.Changes() > 0);
  BOOST_TEST(app.api.created == (std::vector<std::string>{"acme", "globex"}));
  BOOST_TEST(PathExists(app.P(kMarkerFile)));
}

BOOST_AUTO_TEST_CASE(an_api_that_never_answers_fails_the_install_at_the_health_step) {
  FakeAppliance app;
  app.api.healthy = false;
  app.sys.clock_step_ms = 5000;  // the 30 s wait passes in a few polls
  BOOST_TEST(app.Install(app.Online(kAnswers)) == 1);
  BOOST_TEST(Contains(app.err, "health: the API did not answer within 30 s"), app.err);
  BOOST_TEST(app.api.created.empty());
  BOOST_TEST(!PathExists(app.P(kMarkerFile)));
}

BOOST_AUTO_TEST_CASE(new_unit_files_are_loaded_with_a_daemon_reload_before_anything_is_enabled) {
  FakeAppliance app;
  app.sys.need_daemon_reload = true;
  InstallOnline(app);
  auto changes = app.sys.SystemctlChanges();
  BOOST_REQUIRE(!changes.empty());
  BOOST_TEST(changes.front() == std::vector<std::string>{"daemon-reload"});
  BOOST_TEST(Contains(app.out, "systemd unit files"), app.out);
}

BOOST_AUTO_TEST_SUITE_END()
