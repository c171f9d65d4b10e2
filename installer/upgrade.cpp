#include "installer/upgrade.h"

#include <chrono>
#include <thread>

#include "installer/appliance.h"
#include "installer/layout.h"
#include "installer/runtime.h"
#include "installer/step_log.h"
#include "installer/systemctl.h"
#include "supervisor/auth/identity_store.h"
#include "supervisor/store/store.h"
#include "supervisor/vault/vault.h"

namespace clawhive::installer {
namespace {

int Failed(std::ostream& err, const std::string& step, const std::string& message) {
  err << "clawhive-install: upgrade: " << step << ": " << message << "\n";
  return 1;
}

std::string Trim(std::string s) {
  while (!s.empty() && (s.back() == '\n' || s.back() == ' ')) s.pop_back();
  return s;
}

}  // namespace

int Upgrade(System& sys, const ApiFactory& api_factory, const std::string& root, std::ostream& out,
            std::ostream& err) {
  const Layout L{root};
  Result<std::string> marker = sys.ReadFile(L(kMarkerFile));
  if (!marker) {
    err << "clawhive-install: upgrade: Clawhive is not installed here (no " << kMarkerFile
        << "); run: clawhive-install install\n";
    return 3;
  }
  std::string from = Trim(*marker);
  if (from.rfind("version ", 0) == 0) from = from.substr(8);
  StepLog log(out);
  log.Info("Upgrading Clawhive " + from + " to " + Version());
  Result<Config> config = LoadInstalledConfig(sys, L);
  if (!config) return Failed(err, "configuration", config.error().message);

  // The runtime package's image, when it is installed: imported if it is new (an upgrade of the runtime
  // package puts the new image next to the old ones; tenants move to it by a fleet update, never here).
  // First, while the supervisor still serves: a new image takes 10-60 s to unpack and check.
  if (Status s = ImportShippedRuntime(sys, L, config->images_dir, log); !s)
    return Failed(err, "runtime image", s.error().message);

  // A package older than the proxy's own user (issue 11) did not have it: the new proxy unit needs it.
  if (Status s = EnsureSystemUsers(sys, L, log); !s) return Failed(err, "system users", s.error().message);
  if (Status s = Systemctl(sys, "", {"daemon-reload"}); !s) return Failed(err, "systemd", s.error().message);
  log.Changed("reloaded", "systemd unit files");
  if (Status s = Systemctl(sys, "", {"stop", kSupervisorUnit}); !s) return Failed(err, "stop", s.error().message);
  log.Changed("stopped", std::string(kSupervisorUnit) + " (tenants keep running)");
  // From a version that kept meter.db in the state directory: the supervisor moves it to meter_dir when it
  // starts, which it does only while no one has it open, so the old proxy (which does) stops first.
  const bool meter_moves = sys.Exists(config->state_dir + "/meter.db") && !sys.Exists(config->meter_dir + "/meter.db");
  bool proxy_stopped = false;
  if (meter_moves && ActiveState(sys, kProxyUnit) == "active") {
    if (Status s = Systemctl(sys, "", {"stop", kProxyUnit}); !s) return Failed(err, "stop", s.error().message);
    log.Changed("stopped", std::string(kProxyUnit) + " (the meter database moves to " + config->meter_dir + ")");
    proxy_stopped = true;
  }

  // Every database is migrated by the code that will use it, with no other writer.
  {
    auto store = Store::Open(config->state_dir + "/clawhive.db");
    if (!store) return Failed(err, "database", store.error().message);
    log.Ok("database schema " + std::to_string((*store)->schema_version()));
    auth::IdentityStoreOptions io;
    io.db_path = config->state_dir + "/identity.db";
    if (auto id = auth::IdentityStore::Open(io); !id) return Failed(err, "identity database", id.error().message);
    VaultOptions vo;
    vo.db_path = config->state_dir + "/vault.db";
    vo.key_dir = config->state_dir + "/keys";
    vo.seal_kek = config->vault_seal_kek;
    if (auto v = Vault::Open(vo); !v) return Failed(err, "vault", v.error().message);
    log.Ok("identity and vault databases");
  }

  if (Status s = Systemctl(sys, "", {"start", kSupervisorUnit}); !s)
    return Failed(err, "start", s.error().message + "; see: journalctl -u " + kSupervisorUnit);
  log.Changed("started", std::string(kSupervisorUnit) + " (adopts the running tenants)");
  if (Status s = Systemctl(sys, "", {proxy_stopped ? "start" : "try-restart", kProxyUnit}); !s)
    return Failed(err, "proxy", s.error().message);
  log.Changed(proxy_stopped ? "started" : "restarted", kProxyUnit);

  auto api = ConnectApi(sys, api_factory, *config);
  if (!api) return Failed(err, "API", api.error().message);
  Status health = (*api)->Health();
  for (int i = 0; !health && i < 300; ++i) {  // READY=1 came first; this only covers a slow TLS start
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
    health = (*api)->Health();
  }
  if (!health) return Failed(err, "health", health.error().message);
  log.Ok("supervisor healthy");

  Result<bool> w = sys.WriteFile(L(kMarkerFile), std::string("version ") + Version() + "\n", 0644);
  if (!w) return Failed(err, "marker", w.error().message);
  out << "\nUpgraded " << from << " -> " << Version() << "; no tenant was restarted.\n";
  return 0;
}

}  // namespace clawhive::installer
