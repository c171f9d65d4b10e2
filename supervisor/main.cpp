// clawhive-supervisor: the daemon. Wires the real parts together and owns the event-loop thread.
// This is the top: the one place that logs errors from the layers below.
#include <getopt.h>
#include <sys/stat.h>
#include <syslog.h>
#include <systemd/sd-daemon.h>

#include <cstdio>
#include <filesystem>
#include <string>

#include "supervisor/api/api_server.h"
#include "supervisor/api/api_token.h"
#include "supervisor/config/config.h"
#include "supervisor/core/event_log.h"
#include "supervisor/core/loop_tenant_service.h"
#include "supervisor/core/posix_host.h"
#include "supervisor/core/secret_manager.h"
#include "supervisor/core/supervisor.h"
#include "supervisor/store/store.h"
#include "supervisor/systemd/http_prober.h"
#include "supervisor/systemd/sd_bus_unit_manager.h"
#include "supervisor/systemd/sd_event_loop.h"
#include "supervisor/vault/vault.h"

namespace {

constexpr int kExitConfig = 78;  // EX_CONFIG; the unit's RestartPreventExitStatus stops a restart loop

int Fail(clawhive::EventLog& log, int code, const std::string& message) {
  std::fprintf(stderr, "clawhive-supervisor: %s\n", message.c_str());
  log.Write(LOG_ERR, "", message);
  sd_notifyf(0, "STATUS=failed: %s", message.c_str());
  return code;
}

void Usage() {
  std::puts("usage: clawhive-supervisor [--config FILE] [--check-config]\n"
            "  --config FILE    configuration (default /etc/clawhive/clawhive.yaml)\n"
            "  --check-config   validate the configuration and exit (0 = valid)");
}

}  // namespace

int main(int argc, char** argv) {
  using namespace clawhive;
  std::string config_path = "/etc/clawhive/clawhive.yaml";
  bool check_only = false;
  static const option options[] = {{"config", required_argument, nullptr, 'c'},
                                   {"check-config", no_argument, nullptr, 'k'},
                                   {"help", no_argument, nullptr, 'h'},
                                   {nullptr, 0, nullptr, 0}};
  for (int c; (c = getopt_long(argc, argv, "c:kh", options, nullptr)) != -1;) {
    switch (c) {
      case 'c': config_path = optarg; break;
      case 'k': check_only = true; break;
      case 'h': Usage(); return 0;
      default: Usage(); return 2;
    }
  }

  JournalLog log;
  auto config = LoadConfig(config_path);
  if (!config) return Fail(log, kExitConfig, config.error().message);
  if (check_only) {
    std::printf("%s: ok\n", config_path.c_str());
    return 0;
  }

  std::error_code ec;
  std::filesystem::create_directories(config->state_dir, ec);
  chmod(config->state_dir.c_str(), 0700);
  auto store = Store::Open(config->state_dir + "/clawhive.db");
  if (!store) return Fail(log, 1, "state database: " + store.error().message);
  auto token = LoadOrCreateToken(config->state_dir + "/api-token");
  if (!token) return Fail(log, 1, "API token: " + token.error().message);
  VaultOptions vault_options;
  vault_options.db_path = config->state_dir + "/vault.db";
  vault_options.key_dir = config->state_dir + "/keys";
  vault_options.seal_kek = config->vault_seal_kek;  // new KEKs sealed with systemd-creds (TPM2 / host key)
  auto vault = Vault::Open(vault_options);  // also finishes a rotation a crash interrupted
  if (!vault) return Fail(log, 1, "vault: " + vault.error().message);

  auto loop = SdEventLoop::Create();
  if (!loop) return Fail(log, 1, loop.error().message);
  auto units = SdBusUnitManager::Connect((*loop)->event());
  if (!units) return Fail(log, 1, units.error().message);
  PosixHost host;
  HttpProber prober(**loop);
  Supervisor supervisor(*config, **store, **units, host, **loop, prober, log);
  SecretManager secrets(**vault, supervisor, **store, host, log);
  supervisor.OnDeleted([&secrets](const std::string& id) { secrets.OnTenantDeleted(id); });
  supervisor.BeforeStart([&secrets](const std::string& id) { secrets.Deliver(id); });
  if (Status s = supervisor.Init(); !s) return Fail(log, 1, "start-up: " + s.error().message);
  secrets.Init();

  LoopTenantService service(**loop, supervisor);
  LoopSecretService secret_service(**loop, secrets);
  ApiServerOptions api_options;
  api_options.address = config->listen_address;
  api_options.port = config->listen_port;
  api_options.token = *token;
  ApiServer api(service, &secret_service, api_options);
  if (Status s = api.Start(); !s) return Fail(log, 1, "API: " + s.error().message);

  std::string ready = "API on " + config->listen_address + ":" + std::to_string(api.port());
  log.Write(LOG_INFO, "", "ready; " + ready);
  sd_notifyf(0, "READY=1\nSTATUS=%s", ready.c_str());
  int rc = (*loop)->Run();
  sd_notify(0, "STOPPING=1\nSTATUS=stopping; tenants keep running");
  api.Stop();
  log.Write(LOG_INFO, "", "stopped; tenants keep running");
  return rc < 0 ? 1 : 0;
}
