// clawhive-proxy: the metering model proxy, a unit of its own (clawhive-proxy.service) so that a
// supervisor restart or upgrade never cuts an agent's stream. Reads the same config file; keeps its
// books in <state_dir>/meter.db, which the supervisor shares. This is the top: the one place that logs.
#include <getopt.h>
#include <signal.h>
#include <syslog.h>
#include <systemd/sd-daemon.h>
#include <unistd.h>

#include <Poco/Net/SSLManager.h>

#include <atomic>
#include <chrono>
#include <thread>
#include <cstdio>
#include <string>

#include "supervisor/config/config.h"
#include "supervisor/core/event_log.h"
#include "supervisor/meter/ledger.h"
#include "supervisor/proxy/proc_net_peers.h"
#include "supervisor/proxy/proxy_server.h"
#include "supervisor/proxy/vault_keys.h"
#include "supervisor/vault/vault.h"

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
  bool peer_check = true;
  static const option options[] = {{"config", required_argument, nullptr, 'c'},
                                   {"no-peer-check", no_argument, nullptr, 'n'},
                                   {"help", no_argument, nullptr, 'h'},
                                   {nullptr, 0, nullptr, 0}};
  for (int c; (c = getopt_long(argc, argv, "c:nh", options, nullptr)) != -1;) {
    if (c == 'c') config_path = optarg;
    else if (c == 'n') peer_check = false;
    else {
      std::puts("usage: clawhive-proxy [--config FILE] [--no-peer-check]");
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

  auto ledger = meter::Ledger::Open(config->state_dir + "/meter.db", /*background_checkpoints=*/true);
  if (!ledger) return Fail(log, 1, "meter database: " + ledger.error().message);
  if (Status s = (*ledger)->ReleaseOrphans(WallMs()); !s) return Fail(log, 1, "meter database: " + s.error().message);

  VaultOptions vo;
  vo.db_path = config->state_dir + "/vault.db";
  vo.key_dir = config->state_dir + "/keys";
  vo.resume_rotations = false;  // the supervisor owns rotations; the proxy only reads provider keys
  vo.create = false;
  proxy::VaultKeys keys([vo]() { return Vault::Open(vo); });
  proxy::ProcNetPeers peers;

  Poco::Net::initializeSSL();  // providers are HTTPS
  proxy::ProxyOptions po;
  po.address = config->proxy_address;
  po.port = config->proxy_port;
  po.threads = static_cast<int>(config->proxy_threads);
  proxy::ProxyServer server(po, **ledger, keys, peer_check ? &peers : nullptr);
  if (Status s = server.Start(); !s) return Fail(log, 1, s.error().message);
  std::string ready = "metering proxy on " + config->proxy_address + ":" + std::to_string(server.port());
  log.Write(LOG_INFO, "", ready);
  sd_notifyf(0, "READY=1\nSTATUS=%s", ready.c_str());

  // The WAL is checkpointed here, off the request path (see Ledger::Open).
  std::atomic<bool> stopping{false};
  std::thread checkpointer([&] {
    while (!stopping) {
      for (int i = 0; i < 10 && !stopping; ++i) std::this_thread::sleep_for(std::chrono::milliseconds(100));
      if (Status s = (*ledger)->Checkpoint(); !s) log.Write(LOG_WARNING, "", "meter database checkpoint: " + s.error().message);
    }
  });

  int sig = 0;
  sigwait(&stop, &sig);
  stopping = true;
  checkpointer.join();
  sd_notify(0, "STOPPING=1");
  server.Stop();
  Poco::Net::uninitializeSSL();
  log.Write(LOG_INFO, "", "metering proxy stopped");
  return 0;
}
