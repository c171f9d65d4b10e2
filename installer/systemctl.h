// The installer's calls to systemctl, over System::Exec (so tests script them on the fake). The supervisor
// itself drives systemd over sd-bus; the installer uses the CLI because it also has to work offline
// (`systemctl --root DIR enable` in an image build, where no systemd is running).
#pragma once

#include <string>
#include <vector>

#include "installer/system.h"

namespace clawhive::installer {

// `systemctl [--root ROOT] ARGS...`; an error naming the command when it exits non-zero.
Status Systemctl(System& sys, const std::string& root, const std::vector<std::string>& args);
// is-active: "active", "inactive", "failed", ... ("unknown" when systemctl cannot run).
std::string ActiveState(System& sys, const std::string& unit);
// is-enabled: "enabled", "disabled", "static", "not-found", ...
std::string EnabledState(System& sys, const std::string& root, const std::string& unit);
// One property's value (`show -p NAME --value`); "" when it cannot be read.
std::string UnitProperty(System& sys, const std::string& unit, const std::string& name);

}  // namespace clawhive::installer
