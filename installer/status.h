// status: what is installed (version, package), whether the units run, whether the API answers, and how
// many tenants there are. Read-only.
#pragma once

#include <ostream>
#include <string>

#include "installer/appliance_api.h"
#include "installer/system.h"

namespace clawhive::installer {

// 0 installed and healthy, 1 installed but something is down, 3 not installed. `root`: "" for this host
// (tests: a fake System's directory).
int ShowStatus(System& sys, const ApiFactory& api, const std::string& root, std::ostream& out);

}  // namespace clawhive::installer
