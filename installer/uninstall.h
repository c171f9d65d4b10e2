// uninstall: stops and removes everything the installer and the supervisor made outside the data: the
// running units (supervisor, proxy, every tenant), their enablement, per-tenant unit drop-ins and slice
// settings, the reserved-port sysctl file, /run/clawhive and the install marker. Kept: the data
// (/var/lib/clawhive: databases and KEK; /var/lib/clawhive-tenants; /etc/clawhive) and the users that own
// it, so a later install picks them up. With purge those go too: nothing of Clawhive is left.
//
// The package's files (binaries, units in /lib/systemd/system, the console) belong to the package
// manager: `apt remove` runs this verb from prerm, `apt purge` removes the data from postrm.
#pragma once

#include <ostream>
#include <string>

#include "installer/system.h"

namespace clawhive::installer {

// 0 done (also when there was nothing to remove), 1 a step failed.
// `root`: "" for this host, or an image root (offline: nothing is stopped). `online_in_root` (tests): stop
// and disable the units anyway, for a fake System that keeps its files under `root`.
int Uninstall(System& sys, const std::string& root, bool purge, std::ostream& out, std::ostream& err,
              bool online_in_root = false);

}  // namespace clawhive::installer
