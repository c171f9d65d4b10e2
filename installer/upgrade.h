// upgrade: after the package manager put new binaries and units in place. Reloads systemd, stops the
// supervisor (tenants keep running: their units do not depend on it), migrates the databases with the new
// code while nothing else writes to them, starts the supervisor (which adopts every running tenant, same
// PIDs), restarts the proxy, waits for health and records the new version. No tenant is restarted.
#pragma once

#include <ostream>
#include <string>

#include "installer/appliance_api.h"
#include "installer/system.h"

namespace clawhive::installer {

// 0 upgraded, 1 a step failed, 3 not installed. `root`: "" for this host (tests: a fake System's directory).
int Upgrade(System& sys, const ApiFactory& api, const std::string& root, std::ostream& out, std::ostream& err);

}  // namespace clawhive::installer
