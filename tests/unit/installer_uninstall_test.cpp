// Tests of `clawhive-install uninstall`, `upgrade` and `status` (installer/uninstall.h, upgrade.h,
// status.h) on a fake host (installer_fake_system.h), each after a real install into its root.
#include "installer/uninstall.h"

#include <boost/test/unit_test.hpp>

#include <algorithm>
#include <string>
#include <vector>

#include "installer/appliance.h"
#include "installer/status.h"
#include "installer/upgrade.h"
#include "installer_fake_system.h"
#include "installer_sample_answers.h"
#include "unit/fails_with.h"
#include "unit/text_search.h"

using namespace clawhive;
using namespace clawhive::installer;
using namespace clawhive::installer::testing;
using clawhive::testing::FailsWith;

namespace {

const std::string kAnswers = kGeneratedAdminAnswers + kRuntimeAnswers + "tenants:\n  - id: acme\n  - id: globex\n";


using Commands = std::vector<std::vector<std::string>>;
using clawhive::testing::Contains;

bool AnyExecMentions(const FakeSystem& sys, const std::string& word) {
  return std::any_of(sys.execs.begin(), sys.execs.end(), [&](const std::vector<std::string>& argv) {
    return std::any_of(argv.begin(), argv.end(), [&](const std::string& a) { return Contains(a, word); });
  });
}

// An appliance installed online with two tenants, plus what the supervisor wrote for tenant acme (its
// agent's drop-in, its boot enablement, its slice limits), a runtime file, and files of other software
// that must survive.
struct Installed : FakeAppliance {
  Installed() {
    int rc = Install(Online(kAnswers));
    BOOST_REQUIRE_MESSAGE(rc == 0, "install failed (" << rc << "): " << err);
    PutFile(P("/etc/systemd/system/clawhive-agent@acme.service.d/50-clawhive.conf"), "[Service]\nUser=ch-acme\n");
    PutFile(P("/etc/systemd/system/clawhive-tenants.target.wants/clawhive-agent@acme.service"), "");
    PutFile(P("/etc/systemd/system.control/clawhive-acme.slice.d/50-MemoryMax.conf"), "[Slice]\nMemoryMax=1G\n");
    PutFile(P("/run/clawhive/deliver/acme.env"), "", 0600);
    PutFile(P("/etc/systemd/system/ssh.service.d/override.conf"), "[Service]\n");
    PutFile(P("/etc/systemd/system.control/user.slice.d/50-MemoryMax.conf"), "[Slice]\n");
    PutFile(P("/etc/systemd/system/multi-user.target.wants/ssh.service"), "");
    PutFile(P("/etc/passwd"), GetFile(P("/etc/passwd")) +
                                  "ch-acme:x:300000:300000:Clawhive tenant:/var/lib/clawhive-tenants/acme:/usr/sbin/nologin\n"
                                  "ch-globex:x:300001:300001:Clawhive tenant:/var/lib/clawhive-tenants/globex:/usr/sbin/nologin\n"
                                  "ch-other:x:1001:1001:Someone else:/home/other:/bin/sh\n"
                                  "alice:x:1000:1000:Clawhive tenant:/home/alice:/bin/bash\n");
    sys.execs.clear();
    api.created.clear();
  }
};

}  // namespace

BOOST_AUTO_TEST_SUITE(installer_uninstall)

BOOST_AUTO_TEST_CASE(uninstall_stops_and_disables_the_units_before_it_removes_their_files) {
  Installed app;
  BOOST_TEST_REQUIRE(app.Uninstall(false) == 0, app.err);
  BOOST_TEST((app.sys.SystemctlChanges() == Commands{{"stop", kSupervisorUnit},
                                                     {"stop", kProxyUnit},
                                                     {"stop", kTenantsTarget},
                                                     {"disable", "--quiet", kSupervisorUnit},
                                                     {"disable", "--quiet", kProxyUnit},
                                                     {"disable", "--quiet", kTenantsTarget},
                                                     {"daemon-reload"},
                                                     {"reset-failed", "clawhive*"}}));
  for (const char* unit : {kSupervisorUnit, kProxyUnit, kTenantsTarget}) {
    BOOST_TEST(!app.sys.Active(unit), unit);
    BOOST_TEST(!app.sys.Enabled(unit), unit);
  }
}

BOOST_AUTO_TEST_CASE(uninstall_keeps_the_data_and_removes_what_the_installer_and_the_supervisor_made_outside_it) {
  Installed app;
  BOOST_TEST_REQUIRE(app.Uninstall(false) == 0, app.err);
  // Kept: databases, keys, tenants' files, the config and the answers, the users and the group.
  BOOST_TEST(PathExists(app.P("/var/lib/clawhive/clawhive.db")));
  BOOST_TEST(!app.sys.List(app.P("/var/lib/clawhive/keys")).empty());
  BOOST_TEST(PathExists(app.P(kTenantsDir)));
  BOOST_TEST(PathExists(app.P(kConfigFile)));
  BOOST_TEST(PathExists(app.P(kAnswersFile)));
  BOOST_TEST(Contains(GetFile(app.P("/etc/passwd")), "ch-acme:"));
  BOOST_TEST(GroupId(app.sys, Layout{app.dir.path}, kGroup).ok());
  BOOST_TEST(app.sys.Ran("userdel").empty());
  // Removed.
  for (const std::string& gone :
       {std::string(kMarkerFile), std::string(kSysctlFile), std::string(kRuntimeDir),
        std::string("/etc/systemd/system/clawhive-agent@acme.service.d"),
        std::string("/etc/systemd/system/clawhive-tenants.target.wants"),
        std::string("/etc/systemd/system.control/clawhive-acme.slice.d")})
    BOOST_TEST(!PathExists(app.P(gone)), gone);
  // Other software's files stay.
  for (const char* kept : {"/etc/systemd/system/ssh.service.d/override.conf",
                                  "/etc/systemd/system.control/user.slice.d/50-MemoryMax.conf",
                                  "/etc/systemd/system/multi-user.target.wants/ssh.service"})
    BOOST_TEST(PathExists(app.P(kept)), kept);
  BOOST_TEST(Contains(app.out, "Kept: "), app.out);
  BOOST_TEST(app.Changes() > 0);
}

BOOST_AUTO_TEST_CASE(a_second_uninstall_changes_nothing) {
  Installed app;
  BOOST_TEST_REQUIRE(app.Uninstall(false) == 0, app.err);
  auto before = Snapshot(app.dir.path);
  BOOST_TEST_REQUIRE(app.Uninstall(false) == 0, app.err);
  BOOST_TEST(app.Changes() == 0, app.out);
  BOOST_TEST((Snapshot(app.dir.path) == before));
}

BOOST_AUTO_TEST_CASE(purge_also_removes_the_data_the_tenants_users_and_the_group) {
  Installed app;
  BOOST_TEST_REQUIRE(app.Uninstall(true) == 0, app.err);
  for (const char* gone : {kStateDir, kMeterDir, kTenantsDir, kEtcDir}) BOOST_TEST(!PathExists(app.P(gone)), gone);
  // Only users the supervisor made: "ch-" names with the "Clawhive tenant" comment; then the package's own.
  BOOST_TEST((app.sys.Ran("userdel") == Commands{{"userdel", "--force", "--prefix", app.dir.path, "ch-acme"},
                                                 {"userdel", "--force", "--prefix", app.dir.path, "ch-globex"},
                                                 {"userdel", "--prefix", app.dir.path, kProxyUser}}));
  BOOST_TEST(!UserExists(app.sys, Layout{app.dir.path}, kProxyUser));
  std::string passwd = GetFile(app.P("/etc/passwd"));
  BOOST_TEST(!Contains(passwd, "ch-acme:"));
  BOOST_TEST(Contains(passwd, "ch-other:"));
  BOOST_TEST(Contains(passwd, "alice:"));
  BOOST_TEST((app.sys.Ran("groupdel") == Commands{{"groupdel", "--prefix", app.dir.path, kProxyUser},
                                                  {"groupdel", "--prefix", app.dir.path, kGroup}}));
  BOOST_TEST(FailsWith(GroupId(app.sys, Layout{app.dir.path}, kGroup), ErrorCode::kNotFound,
                       "group " + std::string(kGroup) + " does not exist"));
  BOOST_TEST(FailsWith(GroupId(app.sys, Layout{app.dir.path}, kProxyUser), ErrorCode::kNotFound,
                       "group " + std::string(kProxyUser) + " does not exist"));
  BOOST_TEST(Contains(app.out, "Nothing of Clawhive's data is left"), app.out);
}

BOOST_AUTO_TEST_CASE(uninstalling_from_an_image_root_stops_nothing_and_removes_the_first_boot_link) {
  FakeAppliance app;
  BOOST_TEST_REQUIRE(app.Install(app.Offline(kAnswers)) == 0, app.err);
  BOOST_REQUIRE(app.sys.Enabled(kFirstBootUnit));
  app.sys.execs.clear();
  BOOST_TEST_REQUIRE(app.Uninstall(false, /*online=*/false) == 0, app.err);
  BOOST_TEST(app.sys.Systemctls().empty());
  BOOST_TEST(!app.sys.Enabled(kFirstBootUnit));
  BOOST_TEST(!PathExists(app.P(kSysctlFile)));
  BOOST_TEST(PathExists(app.P(kConfigFile)));
}

BOOST_AUTO_TEST_SUITE_END()

BOOST_AUTO_TEST_SUITE(installer_upgrade)

BOOST_AUTO_TEST_CASE(upgrading_a_host_without_an_install_exits_3_and_changes_nothing) {
  FakeAppliance app;
  auto before = Snapshot(app.dir.path);
  BOOST_TEST(app.Upgrade() == 3);
  BOOST_TEST(Contains(app.err, "not installed"), app.err);
  BOOST_TEST(app.sys.Systemctls().empty());
  BOOST_TEST((Snapshot(app.dir.path) == before));
}

BOOST_AUTO_TEST_CASE(an_upgrade_restarts_the_supervisor_and_the_proxy_but_no_tenant_and_records_the_version) {
  Installed app;
  PutFile(app.P(kMarkerFile), "version 0.0.1\n");
  BOOST_TEST_REQUIRE(app.Upgrade() == 0, app.err);
  BOOST_TEST((app.sys.SystemctlChanges() == Commands{{"daemon-reload"},
                                                     {"stop", kSupervisorUnit},
                                                     {"start", kSupervisorUnit},
                                                     {"try-restart", kProxyUnit}}));
  BOOST_TEST(!AnyExecMentions(app.sys, "clawhive-agent@"));
  BOOST_TEST(app.sys.Active(kSupervisorUnit));
  BOOST_TEST(app.api.created.empty());
  BOOST_TEST(app.api.health_calls > 0);
  BOOST_TEST(GetFile(app.P(kMarkerFile)) == std::string("version ") + Version() + "\n");
  BOOST_TEST(Contains(app.out, std::string("Upgraded 0.0.1 -> ") + Version()), app.out);
}

BOOST_AUTO_TEST_CASE(an_upgrade_that_moves_the_meter_database_stops_the_old_proxy_first) {
  Installed app;
  PutFile(app.P(kMarkerFile), "version 0.0.1\n");
  PutFile(app.P(std::string(kStateDir) + "/meter.db"), "an older version's meter database");
  BOOST_REQUIRE(app.sys.Active(kProxyUnit));
  BOOST_TEST_REQUIRE(app.Upgrade() == 0, app.err);
  BOOST_TEST((app.sys.SystemctlChanges() == Commands{{"daemon-reload"},
                                                     {"stop", kSupervisorUnit},
                                                     {"stop", kProxyUnit},
                                                     {"start", kSupervisorUnit},
                                                     {"start", kProxyUnit}}));
  BOOST_TEST(app.sys.Active(kProxyUnit));
}

BOOST_AUTO_TEST_CASE(an_upgrade_whose_supervisor_does_not_start_fails_pointing_at_its_journal) {
  Installed app;
  PutFile(app.P(kMarkerFile), "version 0.0.1\n");
  app.sys.failing_starts = {kSupervisorUnit};
  BOOST_TEST(app.Upgrade() == 1);
  BOOST_TEST(Contains(app.err, "journalctl -u clawhive-supervisor.service"), app.err);
  BOOST_TEST(GetFile(app.P(kMarkerFile)) == "version 0.0.1\n");  // not upgraded yet: a rerun tries again
}

BOOST_AUTO_TEST_SUITE_END()

BOOST_AUTO_TEST_SUITE(installer_status)

BOOST_AUTO_TEST_CASE(status_of_a_host_without_an_install_exits_3) {
  FakeAppliance app;
  app.sys.dpkg_version = "";
  BOOST_TEST(app.Status() == 3);
  BOOST_TEST(Contains(app.out, "installed:   no"), app.out);
  BOOST_TEST(Contains(app.out, "package:     not installed by a package"), app.out);
}

BOOST_AUTO_TEST_CASE(status_of_a_healthy_install_exits_0_and_shows_units_api_and_tenants) {
  Installed app;
  auto before = Snapshot(app.dir.path);
  BOOST_TEST(app.Status() == 0, app.out);
  BOOST_TEST(Contains(app.out, "package:     clawhive 0.1.0"), app.out);
  BOOST_TEST(Contains(app.out, std::string("installed:   yes, version ") + Version()), app.out);
  BOOST_TEST(Contains(app.out, "unit:        clawhive-proxy.service active, enabled"), app.out);
  BOOST_TEST(Contains(app.out, "api:         https://127.0.0.1:8470 healthy"), app.out);
  BOOST_TEST(Contains(app.out, "tenants:     2"), app.out);
  BOOST_TEST(app.sys.SystemctlChanges().empty());  // read-only
  BOOST_TEST((Snapshot(app.dir.path) == before));
}

BOOST_AUTO_TEST_CASE(status_after_the_bootstrap_token_expired_is_healthy_and_says_why_tenants_are_unknown) {
  Installed app;
  BOOST_REQUIRE(std::filesystem::remove(app.P("/var/lib/clawhive/api-token")));  // the supervisor removed it
  BOOST_TEST(app.Status() == 0, app.out);
  BOOST_TEST(Contains(app.out, "api:         https://127.0.0.1:8470 healthy"), app.out);
  BOOST_TEST(Contains(app.out, "tenants:     unknown (the bootstrap API token has expired"), app.out);
}

BOOST_AUTO_TEST_CASE(status_exits_1_when_a_unit_is_down_or_the_api_does_not_answer) {
  Installed app;
  app.sys.active[kProxyUnit] = "failed";
  BOOST_TEST(app.Status() == 1);
  BOOST_TEST(Contains(app.out, "clawhive-proxy.service failed"), app.out);
  app.sys.active[kProxyUnit] = "active";
  app.api.healthy = false;
  BOOST_TEST(app.Status() == 1);
  BOOST_TEST(Contains(app.out, "down: connection refused"), app.out);
  BOOST_TEST(!Contains(app.out, "tenants:"), app.out);
}

BOOST_AUTO_TEST_SUITE_END()
