// clawhive-deliver: hands a tenant's secrets to its agent at exec time, and nothing more.
//
// systemd runs it as root (ExecStartPre=+) before every start of clawhive-agent@<id>.service — started
// by the supervisor or at boot without it. It decrypts the tenant's current secrets (its staged ones
// during a health-gated rotation, marked by /run/clawhive/trial/<id>) into /run/clawhive/secrets/<id>.env:
// tmpfs, a root-only directory the agent cannot reach. PID 1 reads that file as EnvironmentFile= when it
// execs the agent; ExecStartPost=+ removes it right after (and the supervisor removes a leftover whenever
// an agent stops), so the plaintext lives on tmpfs only for the moment of the exec. `--wipe` removes it
// by hand. Exit status non-zero (and a message on stderr, i.e. the journal) when the
// vault cannot be read: the agent then does not start without its secrets.
#include <fcntl.h>
#include <getopt.h>
#include <sys/stat.h>
#include <unistd.h>

#include <openssl/crypto.h>

#include <cerrno>
#include <cstdio>
#include <cstring>
#include <string>

#include "supervisor/common/replace_file.h"
#include "supervisor/config/config.h"
#include "supervisor/core/tenant_rules.h"
#include "supervisor/tenant/tenant.h"
#include "supervisor/vault/vault.h"

namespace {

constexpr const char* kRunDir = "/run/clawhive";

int Fail(const std::string& message) {
  std::fprintf(stderr, "clawhive-deliver: %s\n", message.c_str());
  return 1;
}

bool MakeDir(const std::string& path) {
  if (mkdir(path.c_str(), 0700) != 0 && errno != EEXIST) return false;
  return chmod(path.c_str(), 0700) == 0;
}

}  // namespace

int main(int argc, char** argv) {
  using namespace clawhive;
  std::string config_path = "/etc/clawhive/clawhive.yaml";
  bool wipe = false;
  static const option options[] = {{"config", required_argument, nullptr, 'c'},
                                   {"wipe", no_argument, nullptr, 'w'},
                                   {nullptr, 0, nullptr, 0}};
  for (int c; (c = getopt_long(argc, argv, "c:w", options, nullptr)) != -1;) {
    if (c == 'c') config_path = optarg;
    else if (c == 'w') wipe = true;
    else return 2;
  }
  if (optind + 1 != argc) return Fail("usage: clawhive-deliver [--config FILE] [--wipe] TENANT");
  std::string tenant = argv[optind];
  if (Status s = ValidateTenantId(tenant); !s) return Fail(s.error().message);

  std::string secrets_dir = std::string(kRunDir) + "/secrets";
  std::string env_path = secrets_dir + "/" + tenant + ".env";
  if (wipe) {
    if (unlink(env_path.c_str()) != 0 && errno != ENOENT) return Fail("removing " + env_path + ": " + strerror(errno));
    return 0;
  }

  auto config = LoadConfig(config_path);
  if (!config) return Fail(config.error().message);
  VaultOptions vo;
  vo.db_path = config->state_dir + "/vault.db";
  vo.key_dir = config->state_dir + "/keys";
  vo.resume_rotations = false;  // the supervisor owns rotations; this only reads
  vo.create = false;
  if (access(vo.db_path.c_str(), F_OK) != 0) {
    // No vault yet (nothing was ever stored): deliver nothing.
    unlink(env_path.c_str());
    return 0;
  }
  auto vault = Vault::Open(vo);
  if (!vault) return Fail("vault: " + vault.error().message);
  std::string trial = std::string(kRunDir) + "/trial/" + tenant;
  bool staged = access(trial.c_str(), F_OK) == 0;
  auto secrets = (*vault)->Deliverable(tenant, staged);
  if (!secrets) return Fail(secrets.error().message);

  if (!MakeDir(kRunDir) || !MakeDir(secrets_dir)) return Fail(std::string("creating ") + secrets_dir + ": " + strerror(errno));
  std::string content;
  content.reserve(4096);
  for (const auto& [name, value] : *secrets) {
    content += name;
    content += '=';
    content += QuoteEnvValue(value.view());
    content += '\n';
  }
  // The one atomic writer (a private temp, never a fixed name an earlier crash could have left).
  Status written = ReplaceFile(secrets_dir, tenant + ".env", 0600, std::nullopt, content);
  OPENSSL_cleanse(content.data(), content.size());
  if (!written) return Fail("writing " + env_path + ": " + written.error().message);
  return 0;
}
