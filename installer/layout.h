// Layout: where an installed appliance lives, relative to the root it is installed into ("" = this host,
// or --root DIR for an image build). One list, so install, upgrade, uninstall and status agree on it and
// the package's maintainer scripts (images/deb/) name the same paths.
#pragma once

#include <string>
#include <vector>

namespace clawhive::installer {

inline constexpr const char* kGroup = "clawhive";  // may read the config; its members run clawhivectl via sudo

inline constexpr const char* kProxyUser = "clawhive-proxy";  // runs clawhive-proxy.service (and its group)
// The accounts above, as systemd-sysusers reads them (units/clawhive.sysusers in the package).
inline constexpr const char* kSysusersFile = "/usr/lib/sysusers.d/clawhive.conf";

inline constexpr const char* kEtcDir = "/etc/clawhive";                      // 0750 root:clawhive
inline constexpr const char* kConfigFile = "/etc/clawhive/clawhive.yaml";    // 0640 root:clawhive
inline constexpr const char* kAnswersFile = "/etc/clawhive/answers.yaml";    // 0600, kept for first boot
inline constexpr const char* kStateDir = "/var/lib/clawhive";                // 0700: databases, KEK, token
inline constexpr const char* kTenantsDir = "/var/lib/clawhive-tenants";      // 0755: one dir per tenant
inline constexpr const char* kImagesDir = "/var/lib/clawhive-images";      // imported runtime images
inline constexpr const char* kMeterDir = "/var/lib/clawhive-meter";    // 0700 clawhive-proxy: meter.db
inline constexpr const char* kMeterRunDir = "/run/clawhive-meter";       // 0700 clawhive-proxy: provider keys
inline constexpr const char* kMarkerFile = "/var/lib/clawhive/installed";    // "version X" once installed
inline constexpr const char* kPasswordFile = "/var/lib/clawhive/initial-operator-password";  // 0600
inline constexpr const char* kSysctlFile = "/etc/sysctl.d/60-clawhive.conf";  // reserved tenant ports
inline constexpr const char* kRuntimeDir = "/run/clawhive";
inline constexpr const char* kSupervisorBinary = "/usr/sbin/clawhive-supervisor";

inline constexpr const char* kSupervisorUnit = "clawhive-supervisor.service";
inline constexpr const char* kProxyUnit = "clawhive-proxy.service";
inline constexpr const char* kTenantsTarget = "clawhive-tenants.target";
inline constexpr const char* kFirstBootUnit = "clawhive-firstboot.service";
inline constexpr const char* kSlice = "clawhive.slice";
inline constexpr const char* kAgentTemplate = "clawhive-agent@.service";

// Files the package must have put in place before `install` (a missing one is a clear error).
inline const std::vector<std::string>& PayloadFiles() {
  static const std::vector<std::string> files = {
      kSupervisorBinary, "/usr/sbin/clawhive-proxy", "/usr/lib/clawhive/clawhive-deliver",
      "/usr/share/clawhive/console/index.html", kSysusersFile};
  return files;
}

// Where unit files may live: the admin's, then the package's (Debian 12 ships to /lib; /usr/lib is the
// merged-/usr spelling of the same directory).
inline const std::vector<std::string>& UnitDirs() {
  static const std::vector<std::string> dirs = {"/etc/systemd/system", "/lib/systemd/system",
                                                "/usr/lib/systemd/system"};
  return dirs;
}

struct Layout {
  std::string root;  // "" or an absolute directory without a trailing '/'
  std::string operator()(const std::string& path) const { return root + path; }
};

}  // namespace clawhive::installer
