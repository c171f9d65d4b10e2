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

bool UserExists(System& sys, const Layout& layout, const std::string& user) {
  Result<std::string> text = sys.ReadFile(layout("/etc/passwd"));
  if (!text) return false;
  std::istringstream in(*text);
  for (std::string line; std::getline(in, line);)
    if (line.size() > user.size() && line.compare(0, user.size(), user) == 0 && line[user.size()] == ':') return true;
  return false;
}

Status EnsureSystemUsers(System& sys, const Layout& layout, StepLog& log) {
  const std::string what = std::string("system user ") + kProxyUser + " and group " + kGroup;
  if (UserExists(sys, layout, kProxyUser) && GroupId(sys, layout, kProxyUser) && GroupId(sys, layout, kGroup)) {
    log.Ok(what);
    return Status::Ok();
  }
  // By the file's name: systemd-sysusers finds it in ROOT/usr/lib/sysusers.d (an /etc override wins).
  std::vector<std::string> argv = {"systemd-sysusers"};
  if (!layout.root.empty()) argv.push_back("--root=" + layout.root);
  argv.push_back("clawhive.conf");
  Result<ExecResult> r = sys.Exec(argv);
  if (!r) return r.error();
  if (r->exit_code != 0 || !UserExists(sys, layout, kProxyUser))
    return Error::Unavailable("systemd-sysusers clawhive.conf failed (exit " + std::to_string(r->exit_code) +
                              "): " + kSysusersFile + " should make " + what);
  log.Changed("created", what + " (" + kSysusersFile + ")");
  return Status::Ok();
}

Result<Config> LoadInstalledConfig(System& sys, const Layout& layout) {
  Result<std::string> text = sys.ReadFile(layout(kConfigFile));
  if (!text) return Error::NotFound(std::string(kConfigFile) + " is missing: is Clawhive installed?");
  Result<Config> config = ParseConfig(*text, layout(kConfigFile));
  if (!config) return config.error();
  config->state_dir = layout(config->state_dir);
  config->tenants_dir = layout(config->tenants_dir);
  config->meter_dir = layout(config->meter_dir);
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
  // No file: the bootstrap token expired (docs/security.md). Health needs no token; the rest answers 401.
  Result<std::string> token = sys.ReadFile(c.state_dir + "/api-token");
  if (!token && token.error().code != ErrorCode::kNotFound) return Error::Unavailable("API token: " + token.error().message);
  std::string t = token ? *token : std::string();
  while (!t.empty() && (t.back() == '\n' || t.back() == ' ')) t.pop_back();
  Result<std::string> fingerprint = tls::Sha256Fingerprint(ApiCertFile(c));
  if (!fingerprint) return fingerprint.error();
  return api(LocalApiUrl(c), t, *fingerprint);
}

const char* Version() { return CLAWHIVE_VERSION; }

}  // namespace clawhive::installer
