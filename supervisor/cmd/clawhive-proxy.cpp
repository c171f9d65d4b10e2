// clawhive-proxy: the metering model proxy, a unit of its own (clawhive-proxy.service) so that a
// supervisor restart or upgrade never cuts an agent's stream. Runs as its own system user
// (clawhive-proxy); reads the same config file; keeps its books in <meter_dir>/meter.db, which the
// supervisor shares; takes provider keys from the supervisor's export (/run/clawhive-meter/provider-keys),
// never from the vault, which it cannot see. This is the top: the one place that logs.
//
// It also runs the egress proxy (supervisor/egress/egress_server.h, docs/egress.md) when egress.listen
// is set: a second listener in the same process, so it shares the user, the sandbox, the meter database
// (tenants' allow lists and byte counters) and the way tenants are told apart (their bridge's source
// address), and costs no unit per tenant.
#include <getopt.h>
#include <signal.h>
#include <syslog.h>
#include <systemd/sd-daemon.h>
#include <unistd.h>

#include <Poco/Net/SSLManager.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <memory>
#include <string>

#include "supervisor/config/config.h"
#include "supervisor/core/event_log.h"
#include "supervisor/egress/egress_server.h"
#include "supervisor/egress/ledger_book.h"
#include "supervisor/egress/resolver.h"
#include "supervisor/meter/checkpointer.h"
#include "supervisor/meter/ledger.h"
#include "supervisor/meter/meter_dir.h"
#include "supervisor/proxy/bridge_peers.h"
#include "supervisor/proxy/proc_net_peers.h"
#include "supervisor/proxy/provider_key_file.h"
#include "supervisor/proxy/proxy_server.h"

namespace {

constexpr int kExitConfig = 78;

int64_t WallMs() {
  return std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::system_clock::now().time_since_epoch())
      .count();
}

int Fail(clawhive::EventLog& log, int code, const std::string& message) {
  std::fprintf(stderr, "clawhive-proxy: %s\n", message.c_str());
  log.Write(LOG_ERR, "", message);
  sd_notifyf(0, "STATUS=failed: %s", message.c_str());
  return code;
}

}  // namespace

int main(int argc, char** argv) {
  using namespace clawhive;
  std::string config_path = "/etc/clawhive/clawhive.yaml";
  static const option options[] = {{"config", required_argument, nullptr, 'c'},
                                   {"help", no_argument, nullptr, 'h'},
                                   {nullptr, 0, nullptr, 0}};
  for (int c; (c = getopt_long(argc, argv, "c:h", options, nullptr)) != -1;) {
    if (c == 'c') config_path = optarg;
    else {
      std::puts("usage: clawhive-proxy [--config FILE]");
      return c == 'h' ? 0 : 2;
    }
  }
  JournalLog log;
  auto config = LoadConfig(config_path);
  if (!config) return Fail(log, kExitConfig, config.error().message);

  sigset_t stop;
  sigemptyset(&stop);
  sigaddset(&stop, SIGTERM);
  sigaddset(&stop, SIGINT);
  pthread_sigmask(SIG_BLOCK, &stop, nullptr);  // before any thread starts: only sigwait sees them

  auto ledger = meter::Ledger::Open(config->meter_dir + "/" + meter::kMeterDbName, /*background_checkpoints=*/true);
  if (!ledger) return Fail(log, 1, "meter database: " + ledger.error().message);
  if (Status s = (*ledger)->ReleaseOrphans(WallMs()); !s) return Fail(log, 1, "meter database: " + s.error().message);

  // Provider keys: the supervisor's export, re-read when it is replaced (a platform secret changed).
  proxy::FileKeys keys(std::string(meter::kProviderKeysDir) + "/" + meter::kProviderKeysName);
  // Who calls: the tenant's egress bridge names it by source address; host processes by /proc/net/tcp.
  proxy::ProcNetPeers host_peers;
  proxy::BridgePeers peers(host_peers);

  Poco::Net::initializeSSL();  // providers are HTTPS
  proxy::ProxyOptions po;
  po.address = config->proxy_address;
  po.port = config->proxy_port;
  po.threads = static_cast<int>(config->proxy_threads);
  proxy::ProxyServer server(po, **ledger, keys, &peers);
  if (Status s = server.Start(); !s) return Fail(log, 1, s.error().message);
  std::string ready = "metering proxy on " + config->proxy_address + ":" + std::to_string(server.port());

  // The egress proxy: tenants' allow lists and counters in the same meter.db; decisions to the journal.
  egress::LedgerBook book(**ledger, WallMs);
  egress::SystemResolver resolver;
  std::unique_ptr<egress::EgressServer> egress_server;
  if (config->egress_port != 0) {
    egress::EgressOptions eo;
    eo.address = config->egress_address;
    eo.port = config->egress_port;
    eo.op = config->egress;
    eo.max_tunnels_per_tenant = static_cast<int>(config->egress_max_tunnels);
    eo.connect_timeout_ms = static_cast<int>(config->egress_connect_timeout_ms);
    eo.idle_timeout_ms = static_cast<int>(std::min<uint64_t>(config->egress_idle_timeout_ms, 86400000));
    eo.on_decision = [&log](const std::string& tenant, int status, const std::string& line) {
      log.Write(status == 200 ? LOG_INFO : LOG_NOTICE, tenant,
                "egress " + std::string(status == 200 ? "tunnel " : "refused " + std::to_string(status) + " ") + line);
    };
    egress_server = std::make_unique<egress::EgressServer>(eo, book, resolver);
    if (Status s = egress_server->Start(); !s) return Fail(log, 1, s.error().message);
    ready += ", egress proxy on " + config->egress_address + ":" + std::to_string(egress_server->port());
  }
  log.Write(LOG_INFO, "", ready);
  sd_notifyf(0, "READY=1\nSTATUS=%s", ready.c_str());

  // The WAL is checkpointed here, off the request path (see Ledger::Open).
  auto checkpointer = std::make_unique<meter::Checkpointer>(**ledger, std::chrono::seconds(1), [&log](const Error& e) {
    log.Write(LOG_WARNING, "", "meter database checkpoint: " + e.message);
  });

  int sig = 0;
  sigwait(&stop, &sig);
  checkpointer.reset();
  sd_notify(0, "STOPPING=1");
  if (egress_server) egress_server->Stop();
  server.Stop();
  if (book.write_failures() > 0)
    log.Write(LOG_WARNING, "", "egress: " + std::to_string(book.write_failures()) + " byte counts could not be written to the meter database");
  Poco::Net::uninitializeSSL();
  log.Write(LOG_INFO, "", "metering proxy stopped");
  return 0;
}
