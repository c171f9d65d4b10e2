#include "installer/appliance.h"

#include <sstream>

#include "supervisor/tls/certificate.h"

#ifndef CLAWHIVE_VERSION
#define CLAWHIVE_VERSION "0.0.0"
#endif

namespace clawhive::installer {

Result<gid_t> GroupId(System& sys, const Layout& layout, const std::string& group) {
  Result<std::string> text = sys.ReadFile(layout("/etc/group"));
  if (!text) return Error::NotFound("group " + group + ": " + text.error().message);
  std::istringstream in(*text);
  for (std::string line; std::getline(in, line);) {
    // name:password:gid:members
    size_t a = line.find(':');
    if (a == std::string::npos || line.compare(0, a, group) != 0 || a != group.size()) continue;
    size_t b = line.find(':', a + 1);
    if (b == std::string::npos) continue;
    size_t c = line.find(':', b + 1);
    std::string gid = line.substr(b + 1, c == std::string::npos ? std::string::npos : c - b - 1);
    if (gid.empty() || gid.find_first_not_of("0123456789") != std::string::npos) continue;
    return static_cast<gid_t>(std::stoul(gid));
  }
  return Error::NotFound("group " + group + " does not exist");
}

Result<Config> LoadInstalledConfig(System& sys, const Layout& layout) {
  Result<std::string> text = sys.ReadFile(layout(kConfigFile));
  if (!text) return Error::NotFound(std::string(kConfigFile) + " is missing: is Clawhive installed?");
  Result<Config> config = ParseConfig(*text, layout(kConfigFile));
  if (!config) return config.error();
  config->state_dir = layout(config->state_dir);
  config->tenants_dir = layout(config->tenants_dir);
  return config;
}

std::string LocalApiUrl(const Config& c) {
  std::string host = c.listen_address;
  if (host == "0.0.0.0") host = "127.0.0.1";
  if (host == "::") host = "::1";
  if (host.find(':') != std::string::npos) host = "[" + host + "]";
  return "https://" + host + ":" + std::to_string(c.listen_port);
}

std::string ApiCertFile(const Config& c) {
  return c.tls_cert_file.empty() ? c.state_dir + "/tls/tls.crt" : c.tls_cert_file;
}

Result<std::unique_ptr<ApplianceApi>> ConnectApi(System& sys, const ApiFactory& api, const Config& c) {
  Result<std::string> token = sys.ReadFile(c.state_dir + "/api-token");
  if (!token) return Error::Unavailable("API token: " + token.error().message);
  std::string t = *token;
  while (!t.empty() && (t.back() == '\n' || t.back() == ' ')) t.pop_back();
  Result<std::string> fingerprint = tls::Sha256Fingerprint(ApiCertFile(c));
  if (!fingerprint) return fingerprint.error();
  return api(LocalApiUrl(c), t, *fingerprint);
}

const char* Version() { return CLAWHIVE_VERSION; }

}  // namespace clawhive::installer
