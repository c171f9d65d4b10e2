// What the verbs share about an installed appliance: its config, the group, and a connection to its API.
#pragma once

#include <memory>
#include <string>

#include "installer/appliance_api.h"
#include "installer/layout.h"
#include "installer/step_log.h"
#include "installer/system.h"
#include "supervisor/config/config.h"

namespace clawhive::installer {

// The group's id from ROOT/etc/group; kNotFound when absent.
Result<gid_t> GroupId(System& sys, const Layout& layout, const std::string& group);

// Whether ROOT/etc/passwd has the user.
bool UserExists(System& sys, const Layout& layout, const std::string& user);

// The package's system accounts (kSysusersFile: the clawhive group, the clawhive-proxy user), made with
// `systemd-sysusers [--root ROOT] clawhive.conf` when one is missing; "ok" when all are there.
Status EnsureSystemUsers(System& sys, const Layout& layout, StepLog& log);

// /etc/clawhive/clawhive.yaml under the layout, with its paths moved under the layout's root.
Result<Config> LoadInstalledConfig(System& sys, const Layout& layout);

// https://HOST:PORT of the API as seen from this host (wildcard listen addresses become loopback).
std::string LocalApiUrl(const Config& config);

// A client for the local API: the root-only token and the certificate's fingerprint from the state dir.
Result<std::unique_ptr<ApplianceApi>> ConnectApi(System& sys, const ApiFactory& api, const Config& config);

// The certificate file the API serves (the admin's, or the self-signed one in the state dir).
std::string ApiCertFile(const Config& config);

// The version this installer belongs to (the package's).
const char* Version();

}  // namespace clawhive::installer
