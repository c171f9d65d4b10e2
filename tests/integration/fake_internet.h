// The pieces of a fake internet inside a sandbox with a private network (SandboxOptions), shared by the
// tests that need one (tests/openclaw/telegram_it.cpp; tests/integration/egress_it.cpp may use them too):
// addresses that exist only in the sandbox's network namespace, names for them in its /etc/hosts, and a
// certificate made for the run that tenants' programs can trust. The servers themselves (stub/fake_site.h,
// stub/telegram_stub.h) are started by the test on a thread inside a NetworkScope.
//
// This VM's kernel has no veth and no dummy links ("Unknown device type"): the addresses go on the
// namespace's own loopback, which reaches them from every process in it (the egress proxy included).
// Each call throws std::runtime_error when a step fails, as a fixture's constructor would.
#pragma once

#include <string>
#include <utility>
#include <vector>

#include "integration/harness.h"

namespace clawhive::testing {

// (address, host name): each address added to the sandbox's loopback, each name to its /etc/hosts (the
// overlay's; the host's stays as it is).
void AddFakeHosts(Sandbox& sandbox, const std::vector<std::pair<std::string, std::string>>& hosts);

struct FakeCertificate {
  std::string cert_file, key_file;  // on the host, in the sandbox's test directory (for the test's servers)
  std::string installed;            // where the certificate is inside the sandbox, readable by everyone
};
// A self-signed certificate for `names` (the first is its subject), installed in the sandbox at
// `install_path` (0644, outside the paths tenants' units hide) so a tenant's program can be told to trust it.
FakeCertificate MakeFakeCertificate(Sandbox& sandbox, const std::vector<std::string>& names, const std::string& install_path);

}  // namespace clawhive::testing
