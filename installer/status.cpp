#include "installer/status.h"

#include "installer/appliance.h"
#include "installer/layout.h"
#include "installer/systemctl.h"

namespace clawhive::installer {

int ShowStatus(System& sys, const ApiFactory& api_factory, const std::string& root, std::ostream& out) {
  const Layout L{root};
  Result<std::string> marker = sys.ReadFile(L(kMarkerFile));
  std::string package = "not installed by a package";
  if (Result<ExecResult> r = sys.Exec({"dpkg-query", "-W", "-f", "${Version}", "clawhive"});
      r && r->exit_code == 0 && !r->out.empty())
    package = "clawhive " + r->out;
  out << "installer:   " << Version() << "\n"
      << "package:     " << package << "\n";
  if (!marker) {
    out << "installed:   no (" << kMarkerFile << " is missing; run clawhive-install install)\n";
    return 3;
  }
  std::string installed = marker->substr(0, marker->find('\n'));
  out << "installed:   yes, " << installed << "\n";
  bool healthy = true;
  for (const char* unit : {kSupervisorUnit, kProxyUnit, kTenantsTarget}) {
    std::string active = ActiveState(sys, unit), enabled = EnabledState(sys, "", unit);
    out << "unit:        " << unit << " " << active << ", " << enabled << "\n";
    healthy = healthy && active == "active";
  }
  Result<Config> config = LoadInstalledConfig(sys, L);
  if (!config) {
    out << "config:      " << config.error().message << "\n";
    return 1;
  }
  out << "config:      " << kConfigFile << " ok\n";
  auto api = ConnectApi(sys, api_factory, *config);
  clawhive::Status health = api ? (*api)->Health() : clawhive::Status(api.error());
  out << "api:         " << LocalApiUrl(*config) << " " << (health ? "healthy" : "down: " + health.error().message)
      << "\n";
  if (health) {
    Result<int64_t> n = (*api)->TenantCount();
    if (n && *n >= 0) out << "tenants:     " << *n << "\n";
    else if (!sys.Exists(config->state_dir + "/api-token"))
      out << "tenants:     unknown (the bootstrap API token has expired; restart " << kSupervisorUnit
          << " for a new one, or pass an operator token: docs/security.md)\n";
  }
  return healthy && health ? 0 : 1;
}

}  // namespace clawhive::installer
