#include "installer/uninstall.h"

#include <sstream>

#include "installer/appliance.h"
#include "installer/layout.h"
#include "installer/step_log.h"
#include "installer/systemctl.h"

namespace clawhive::installer {
namespace {

bool StartsWith(const std::string& s, const std::string& p) { return s.rfind(p, 0) == 0; }
bool EndsWith(const std::string& s, const std::string& e) {
  return s.size() >= e.size() && s.compare(s.size() - e.size(), e.size(), e) == 0;
}

// Users the supervisor made for tenants: "Clawhive tenant" in the comment field (core/posix_host.cpp).
std::vector<std::string> TenantUsers(System& sys, const Layout& L) {
  std::vector<std::string> users;
  Result<std::string> passwd = sys.ReadFile(L("/etc/passwd"));
  if (!passwd) return users;
  std::istringstream in(*passwd);
  for (std::string line; std::getline(in, line);) {
    std::vector<std::string> f;
    std::istringstream l(line);
    for (std::string field; std::getline(l, field, ':');) f.push_back(field);
    if (f.size() >= 5 && f[4] == "Clawhive tenant" && StartsWith(f[0], "ch-")) users.push_back(f[0]);
  }
  return users;
}

Status RemoveLogged(System& sys, const std::string& path, StepLog& log) {
  Result<bool> r = sys.Remove(path);
  if (!r) return r.error();
  if (*r) log.Changed("removed", path);
  return Status::Ok();
}

// Deletes one account with `command` (userdel or groupdel and its flags), inside `root` when there is one.
Status DeleteAccount(System& sys, const std::string& root, std::vector<std::string> command, const std::string& name) {
  if (!root.empty()) command.insert(command.end(), {"--prefix", root});
  command.push_back(name);
  Result<ExecResult> r = sys.Exec(command);
  if (!r) return r.error();
  if (r->exit_code != 0) return Error::Unavailable(command.front() + " " + name + " failed");
  return Status::Ok();
}

}  // namespace

int Uninstall(System& sys, const std::string& root, bool purge, std::ostream& out, std::ostream& err,
              bool online_in_root) {
  const Layout L{root};
  StepLog log(out);
  log.Info(purge ? "Removing Clawhive and all its data" : "Removing Clawhive (the data stays)");
  auto fail = [&](const std::string& step, const Error& e) {
    err << "clawhive-install: uninstall: " << step << ": " << e.message << "\n";
    return 1;
  };

  // Stop first what would restart tenants, then every tenant at once: stopping the parent slice stops
  // every unit below it.
  const bool online = (root.empty() || online_in_root) && sys.Booted();
  if (online) {
    for (const char* unit : {kFirstBootUnit, kSupervisorUnit, kProxyUnit, kTenantsTarget, kSlice}) {
      std::string state = ActiveState(sys, unit);
      if (state != "active" && state != "activating" && state != "reloading") continue;
      if (Status s = Systemctl(sys, "", {"stop", unit}); !s) return fail("stop", s.error());
      log.Changed("stopped", unit);
    }
    for (const char* unit : {kFirstBootUnit, kSupervisorUnit, kProxyUnit, kTenantsTarget}) {
      if (EnabledState(sys, "", unit) != "enabled") continue;
      if (Status s = Systemctl(sys, "", {"disable", "--quiet", unit}); !s) return fail("disable", s.error());
      log.Changed("disabled", unit);
    }
  }

  // What the supervisor wrote for each tenant: instance drop-ins, boot enablement, slice limits.
  // Offline (an image root): the enablement symlinks systemctl --root made.
  for (const std::string dir : {"/etc/systemd/system/multi-user.target.wants"}) {
    for (const std::string& name : sys.List(L(dir)))
      if (StartsWith(name, "clawhive"))
        if (Status s = RemoveLogged(sys, L(dir + "/" + name), log); !s) return fail("units", s.error());
  }
  for (const std::string& name : sys.List(L("/etc/systemd/system"))) {
    bool tenant_unit = StartsWith(name, "clawhive-agent@") || StartsWith(name, "clawhive-gw@") ||
                       StartsWith(name, "clawhive-meter@");  // the agent and its network boundary units
    if ((tenant_unit && (EndsWith(name, ".service.d") || EndsWith(name, ".socket.d"))) ||
        name == "clawhive-tenants.target.wants")
      if (Status s = RemoveLogged(sys, L("/etc/systemd/system/" + name), log); !s) return fail("units", s.error());
  }
  for (const std::string& name : sys.List(L("/etc/systemd/system.control"))) {
    if (StartsWith(name, "clawhive") && EndsWith(name, ".slice.d"))
      if (Status s = RemoveLogged(sys, L("/etc/systemd/system.control/" + name), log); !s)
        return fail("units", s.error());
  }
  for (const char* path : {kSysctlFile, kRuntimeDir, kMeterRunDir, kMarkerFile})
    if (Status s = RemoveLogged(sys, L(path), log); !s) return fail("files", s.error());
  if (online) {
    if (Status s = Systemctl(sys, "", {"daemon-reload"}); !s) return fail("systemd", s.error());
    (void)Systemctl(sys, "", {"reset-failed", "clawhive*"});  // nothing failed: exits non-zero, harmless
  }

  if (!purge) {
    out << "\n" << log.changes() << " change(s). Kept: " << kStateDir << " (databases, keys), " << kMeterDir << " (metering), " << kTenantsDir
        << ", " << kEtcDir << ", " << kImagesDir << " and the tenants' users.\n"
        << "Back them up, or remove them too with: clawhive-install uninstall --purge\n";
    return 0;
  }
  for (const std::string& user : TenantUsers(sys, L)) {
    if (Status s = DeleteAccount(sys, root, {"userdel", "--force"}, user); !s) return fail("users", s.error());
    log.Changed("removed", "user " + user);
  }
  // The imported runtime images are Clawhive's data too (the runtime package's artifact stays with it).
  for (const char* path : {kStateDir, kMeterDir, kTenantsDir, kEtcDir, kImagesDir})
    if (Status s = RemoveLogged(sys, L(path), log); !s) return fail("data", s.error());
  // The package's system accounts (kSysusersFile): the proxy's user, then its group and ours.
  if (UserExists(sys, L, kProxyUser)) {
    if (Status s = DeleteAccount(sys, root, {"userdel"}, kProxyUser); !s) return fail("users", s.error());
    log.Changed("removed", std::string("user ") + kProxyUser);
  }
  for (const char* group : {kProxyUser, kGroup}) {
    if (!GroupId(sys, L, group)) continue;  // userdel may have taken the user's own group already
    if (Status s = DeleteAccount(sys, root, {"groupdel"}, group); !s) return fail("group", s.error());
    log.Changed("removed", std::string("group ") + group);
  }
  out << "\n" << log.changes() << " change(s). Nothing of Clawhive's data is left.\n";
  return 0;
}

}  // namespace clawhive::installer
