#include "integration/fake_internet.h"

#include <stdexcept>

#include "supervisor/tls/certificate.h"

namespace clawhive::testing {

void AddFakeHosts(Sandbox& sandbox, const std::vector<std::pair<std::string, std::string>>& hosts) {
  if (!sandbox.private_network()) throw std::runtime_error("a fake internet needs a sandbox with a private network");
  std::string script = "set -e;";
  for (const auto& [address, name] : hosts)
    script += " ip addr add " + Quote(address + "/32") + " dev lo; printf '%s %s\\n' " + Quote(address) + " " + Quote(name) +
              " >>/etc/hosts;";
  CommandResult r = sandbox.Exec(script);
  if (r.status != 0) throw std::runtime_error("cannot add the fake internet's hosts in the sandbox: " + r.out);
}

FakeCertificate MakeFakeCertificate(Sandbox& sandbox, const std::vector<std::string>& names, const std::string& install_path) {
  FakeCertificate c;
  const std::string base = sandbox.dir() + "/fake-" + (names.empty() ? std::string("none") : names.front());
  c.cert_file = base + ".crt";
  c.key_file = base + ".key";
  c.installed = install_path;
  if (Status s = tls::GenerateSelfSigned(c.cert_file, c.key_file, names); !s)
    throw std::runtime_error("cannot make the fake internet's certificate: " + s.error().message);
  if (sandbox.Exec("install -D -m 0644 " + Quote(c.cert_file) + " " + Quote(install_path)).status != 0)
    throw std::runtime_error("cannot install " + install_path + " in the sandbox");
  return c;
}

}  // namespace clawhive::testing
