#include "supervisor/tls/api_certificate.h"

#include <unistd.h>

namespace clawhive::tls {

Result<CertPaths> ApiCertificate(const Config& c) {
  if (!c.tls_cert_file.empty() || !c.tls_key_file.empty()) {
    if (c.tls_cert_file.empty() || c.tls_key_file.empty()) return Error::Invalid("api.tls needs both cert and key");
    if (Status s = ValidateCertificate(c.tls_cert_file, c.tls_key_file); !s) return s.error();
    return CertPaths{c.tls_cert_file, c.tls_key_file, false};
  }
  std::vector<std::string> names = {"localhost", "127.0.0.1", "::1"};
  char host[256] = {};
  if (gethostname(host, sizeof host - 1) == 0 && host[0] != '\0' && std::string(host) != "localhost")
    names.emplace_back(host);
  // A specific listen address is what clients type; the wildcards and loopback are covered above.
  if (c.listen_address != "0.0.0.0" && c.listen_address != "::" && c.listen_address != "127.0.0.1" &&
      c.listen_address != "::1" && c.listen_address != "localhost")
    names.push_back(c.listen_address);
  return EnsureCertificate(c.state_dir + "/tls", names);
}

}  // namespace clawhive::tls
