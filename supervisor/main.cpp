// clawhive-supervisor: the daemon. Wires the real parts together and owns the event-loop thread.
// This is the top: the one place that logs errors from the layers below.
#include <getopt.h>
#include <sys/stat.h>
#include <syslog.h>
#include <systemd/sd-daemon.h>

#include <unistd.h>

#include <chrono>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <functional>
#include <optional>
#include <string>

#include "supervisor/api/api_server.h"
#include "supervisor/auth/api_token.h"
#include "supervisor/audit/audit_log.h"
#include "supervisor/auth/identity.h"
#include "supervisor/tls/api_certificate.h"
#include "supervisor/config/config.h"
#include "supervisor/core/event_log.h"
#include "supervisor/core/loop_tenant_service.h"
#include "supervisor/core/proxy_tokens.h"
#include "supervisor/meter/ledger.h"
#include "supervisor/meter/meter_dir.h"
#include "supervisor/meter/provider_keys.h"
#include "supervisor/openclaw/fleet.h"
#include "supervisor/openclaw/gateway_preparer.h"
#include "supervisor/openclaw/runtime_agent.h"
#include "supervisor/openclaw/runtime_service_loop.h"
#include "supervisor/core/posix_host.h"
#include "supervisor/core/provider_key_export.h"
#include "supervisor/core/secret_manager.h"
#include "supervisor/core/supervisor.h"
#include "supervisor/store/store.h"
#include "supervisor/systemd/http_prober.h"
#include "supervisor/systemd/sd_bus_unit_manager.h"
#include "supervisor/systemd/sd_event_loop.h"
#include "supervisor/vault/vault.h"

namespace {

int64_t WallMs() {
  return std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::system_clock::now().time_since_epoch())
      .count();
}

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
  // The metering proxy's books (shared with clawhive-proxy) and each tenant's token for it. They live in
  // a directory of the proxy's own user, away from the vault (docs/security.md, "Our own daemons").
  const std::optional<meter::Owner> proxy_user = meter::LookupUser(meter::kProxyUser);
  if (!proxy_user)
    log.Write(LOG_WARNING, "", std::string("no system user ") + meter::kProxyUser + " (systemd-sysusers clawhive.conf "
              "makes it): " + config->meter_dir + " and the provider-key export stay root's, which clawhive-proxy "
              "cannot read");
  auto meter_dir = meter::PrepareMeterDir(config->state_dir, config->meter_dir, proxy_user);
  if (!meter_dir) return Fail(log, 1, "meter directory: " + meter_dir.error().message);
  if (meter_dir->moved)
    log.Write(LOG_NOTICE, "", "moved the meter database from " + config->state_dir + " to " + config->meter_dir);
  auto store = Store::Open(config->state_dir + "/clawhive.db");
  if (!store) return Fail(log, 1, "state database: " + store.error().message);
  const std::string token_file = config->state_dir + "/api-token";
  auto token = LoadOrCreateToken(token_file);
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
  ThreadWorker worker(**loop);  // what would block the loop: useradd/userdel, file trees, meter writes
  Supervisor supervisor(*config, **store, **units, host, **loop, prober, log, worker);
  SecretManager secrets(**vault, supervisor, **store, host, log);
  auto ledger = meter::Ledger::Open(config->meter_dir + "/" + meter::kMeterDbName);
  if (!ledger) return Fail(log, 1, "meter database: " + ledger.error().message);
  // Provider keys reach the proxy only as this export (tmpfs, the proxy's user only), never the vault.
  PosixKeyFileWriter key_writer;
  ProviderKeyExport key_export(**vault, key_writer, proxy_user.value_or(meter::Owner{}), meter::kProviderKeysDir);
  auto export_keys = [&key_export, &log] {
    if (Status s = key_export.Write(); !s) log.Write(LOG_ERR, "", s.error().message);
  };
  export_keys();
  secrets.OnPlatformChange(export_keys);
  ProxyTokens proxy_tokens(**vault, **ledger);
  // Tenants on an OpenClaw runtime image: the images, each tenant's gateway files, fleet updates.
  StoreCatalog catalog(config->images_dir);
  OpenClawRuntimes runtimes(catalog, *config);
  supervisor.UseRuntimes(&runtimes);
  GatewayPreparer gateways(*config, **vault, host);
  supervisor.OnProvision([&proxy_tokens, &log](const Tenant& t) -> std::function<void()> {
    // On the worker: the ledger write. Back on the loop: the token into the vault.
    auto issued = std::make_shared<Result<std::string>>(proxy_tokens.Issue(t, WallMs()));
    return [&proxy_tokens, &log, id = t.id, issued] {
      Status s = *issued ? proxy_tokens.Keep(id, std::move(**issued)) : Status(issued->error());
      if (!s) log.Write(LOG_ERR, id, "proxy token: " + s.error().message + " (issued again at its first start)");
    };
  });
  supervisor.BeforeStart([&secrets, &proxy_tokens, &gateways, &log](const Tenant& t) {
    if (Status s = proxy_tokens.Ensure(t, WallMs()); !s) log.Write(LOG_ERR, t.id, "proxy token: " + s.error().message);
    if (Status s = gateways.Prepare(t); !s) log.Write(LOG_ERR, t.id, "OpenClaw config: " + s.error().message);
    secrets.Deliver(t.id);
  });
  if (Status s = supervisor.Init(); !s) return Fail(log, 1, "start-up: " + s.error().message);
  secrets.Init();
  Fleet fleet(*config, supervisor, **store, catalog, WallMs);
  if (Status s = fleet.Init(); !s) return Fail(log, 1, "fleet updates: " + s.error().message);
  ProcessConfigValidator validator;
  LoopRuntimeService runtime_service(*config, **loop, supervisor, fleet, gateways, validator);

  // Users, sessions and API tokens; the bootstrap token becomes the first operator token.
  auth::IdentityStoreOptions identity_options;
  identity_options.db_path = config->state_dir + "/identity.db";
  auto identity_store = auth::IdentityStore::Open(identity_options);
  if (!identity_store) return Fail(log, 1, "identity store: " + identity_store.error().message);
  // The bootstrap token expires an hour after the first operator user exists (docs/security.md). One that
  // expired while the supervisor was down is replaced: each start gives root a fresh, short-lived token.
  auto bootstrap = (*identity_store)->ImportBootstrapToken(*token, WallMs());
  if (!bootstrap && bootstrap.error().code == ErrorCode::kUnauthorized) {
    unlink(token_file.c_str());
    token = LoadOrCreateToken(token_file);
    if (!token) return Fail(log, 1, "API token: " + token.error().message);
    bootstrap = (*identity_store)->ImportBootstrapToken(*token, WallMs());
  }
  if (!bootstrap) return Fail(log, 1, "bootstrap token: " + bootstrap.error().message);
  auth::Identity identity(std::move(*identity_store));
  // Once expired it is revoked and its file removed (unless root already put another token there).
  // Checked every 30 s on the worker: a login may hold the identity store's mutex through a password
  // hash, which the loop must not wait for.
  std::function<void()> retire_bootstrap;
  std::function<void()> check_later = [&] { (*loop)->After(30000, [&] { worker.Submit(retire_bootstrap, nullptr); }); };
  retire_bootstrap = [&, id = *bootstrap, text = *token] {
    Result<bool> gone = identity.With([&](auto& users) { return users->RetireBootstrapToken(id, WallMs()); });
    if (gone && *gone) {
      std::ifstream in(token_file);
      std::string now_there;
      std::getline(in, now_there);
      if (now_there == text) unlink(token_file.c_str());
      log.Write(LOG_NOTICE, "", "the bootstrap API token has expired: revoked and " + token_file + " removed. "
                "Operators make tokens in the console (Tokens) or with POST /v1/tokens; restarting "
                "clawhive-supervisor makes a new bootstrap token, valid for an hour");
      return;
    }
    if (!gone) log.Write(LOG_ERR, "", "bootstrap token: " + gone.error().message);
    (*loop)->Post(check_later);
  };
  worker.Submit(retire_bootstrap, nullptr);
  auto audit_log = audit::AuditLog::Open(config->state_dir + "/audit.db");
  if (!audit_log) return Fail(log, 1, "audit log: " + audit_log.error().message);
  supervisor.OnDeleted([&secrets, &identity, &proxy_tokens, &worker, &log](const Tenant& t) {
    const std::string id = t.id;
    secrets.OnTenantDeleted(id);
    proxy_tokens.Forget(id);
    // Off the loop: the meter database may wait for the proxy's writes, the identity store for an API
    // thread hashing a password under its mutex.
    worker.Submit([&proxy_tokens, &identity, &log, id] {
      if (Status s = proxy_tokens.RemoveFromLedger(id); !s) log.Write(LOG_ERR, id, "removing the proxy token: " + s.error().message);
      if (Status s = identity.With([&](auto& users) { return users->DeleteTenant(id, WallMs()); }); !s)
        log.Write(LOG_ERR, id, "removing the tenant's users and tokens: " + s.error().message);
    }, nullptr);
  });

  auto cert = tls::ApiCertificate(*config);
  if (!cert) return Fail(log, kExitConfig, "API certificate: " + cert.error().message);
  auto fingerprint = tls::Sha256Fingerprint(cert->cert_file);
  if (!fingerprint) return Fail(log, 1, "API certificate: " + fingerprint.error().message);

  LoopTenantService service(**loop, supervisor);
  // Rotations over a vault connection of their own, on the request's thread: the loop keeps restarting
  // agents while a KEK rotation re-wraps every tenant's data key.
  VaultRotator rotator(vault_options);
  LoopSecretService secret_service(**loop, secrets, &rotator, &log);
  ApiServerOptions api_options;
  api_options.address = config->listen_address;
  api_options.port = config->listen_port;
  api_options.identity = &identity;
  api_options.audit = audit_log->get();
  api_options.branding = {config->product_name, config->primary_color};
  api_options.console_dir = config->console_dir;
  api_options.ledger = ledger->get();
  api_options.egress = config->egress;
  api_options.egress_enabled = config->egress_port != 0;
  api_options.runtimes = &runtime_service;
  api_options.webhook_rate = config->webhook_rate;
  api_options.control_ui = config->openclaw_control_ui;
  api_options.tls.cert_file = cert->cert_file;
  api_options.tls.key_file = cert->key_file;
  ApiServer api(service, &secret_service, api_options);
  if (Status s = api.Start(); !s) return Fail(log, 1, "API: " + s.error().message);
  std::optional<ApiServer> plain;
  if (config->plain_http_port != 0) {
    ApiServerOptions o = api_options;
    o.address = config->plain_http_address;
    o.port = config->plain_http_port;
    o.tls = {};
    plain.emplace(service, &secret_service, o);
    if (Status s = plain->Start(); !s) return Fail(log, 1, "plain HTTP API: " + s.error().message);
  }

  std::string where = config->listen_address.find(':') != std::string::npos ? "[" + config->listen_address + "]"
                                                                         : config->listen_address;
  std::string ready = "console and API on https://" + where + ":" + std::to_string(api.port()) + "/";
  log.Write(LOG_INFO, "", ready + (cert->generated ? " (new self-signed certificate)" : "") +
                              "; certificate SHA-256 fingerprint " + *fingerprint);
  if (plain) log.Write(LOG_WARNING, "", "plain HTTP API on " + config->plain_http_address + ":" +
                                            std::to_string(plain->port()) + " (loopback only; tokens sent to it are revoked)");
  sd_notifyf(0, "READY=1\nSTATUS=%s", ready.c_str());
  int rc = (*loop)->Run();
  worker.Stop();  // its jobs use the supervisor and the host: finish them while those still exist
  sd_notify(0, "STOPPING=1\nSTATUS=stopping; tenants keep running");
  api.Stop();
  if (plain) plain->Stop();
  log.Write(LOG_INFO, "", "stopped; tenants keep running");
  return rc < 0 ? 1 : 0;
}
