#include "bench/egress_bench.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <openssl/ssl.h>
#include <openssl/x509v3.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <condition_variable>
#include <cstdio>
#include <functional>
#include <iostream>
#include <mutex>
#include <thread>
#include <vector>

#include "bench/proxy_load.h"
#include "integration/harness.h"
#include "stub/fake_site.h"
#include "supervisor/bridge/bridge.h"
#include "supervisor/egress/egress_server.h"
#include "supervisor/egress/ledger_book.h"
#include "supervisor/egress/resolver.h"
#include "supervisor/meter/checkpointer.h"
#include "supervisor/meter/ledger.h"
#include "supervisor/tls/certificate.h"
#include "unit/temp_dir.h"

namespace clawhive::bench {
namespace {

using namespace std::chrono_literals;
using Clock = std::chrono::steady_clock;

constexpr uint32_t kUid = 300001;  // the tenant's agent user, as the supervisor allocates them
constexpr const char* kTenant = "bench-egress";

void Print(const std::string& name, double v, const char* unit) {
  std::printf("%s %.3f %s\n", name.c_str(), v, unit);
  std::fflush(stdout);
}

int64_t WallMs() {
  return std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::system_clock::now().time_since_epoch()).count();
}

double Median(std::vector<double> v) {
  if (v.empty()) return 0;
  std::sort(v.begin(), v.end());
  return v[v.size() / 2];
}

// A TCP connection to 127.0.0.1:port, from `source` when given; -1 on failure.
int ConnectTcp(uint16_t port, const std::string& source = "") {
  int fd = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  if (fd < 0) return -1;
  int one = 1;
  ::setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
  sockaddr_in a{};
  a.sin_family = AF_INET;
  if (!source.empty()) {
    inet_pton(AF_INET, source.c_str(), &a.sin_addr);
    if (::bind(fd, reinterpret_cast<sockaddr*>(&a), sizeof a) != 0) {
      ::close(fd);
      return -1;
    }
  }
  a.sin_port = htons(port);
  inet_pton(AF_INET, "127.0.0.1", &a.sin_addr);
  if (::connect(fd, reinterpret_cast<sockaddr*>(&a), sizeof a) != 0) {
    ::close(fd);
    return -1;
  }
  return fd;
}

// "CONNECT 127.0.0.1:port" on `fd` and its answer's head; true for a 200.
bool Connect(int fd, uint16_t site_port, std::string* error) {
  std::string target = "127.0.0.1:" + std::to_string(site_port);
  std::string head = "CONNECT " + target + " HTTP/1.1\r\nHost: " + target + "\r\n\r\n";
  if (::send(fd, head.data(), head.size(), MSG_NOSIGNAL) != static_cast<ssize_t>(head.size())) return false;
  std::string got;
  char c;
  while (got.size() < 8192 && got.find("\r\n\r\n") == std::string::npos) {
    if (::recv(fd, &c, 1, 0) != 1) break;  // byte by byte: nothing of the tunnel may be read here
    got += c;
  }
  if (got.rfind("HTTP/1.1 200 ", 0) == 0) return true;
  *error = "CONNECT answered: " + got.substr(0, got.find("\r\n"));
  return false;
}

// One way to reach the site: direct, through the proxy, through bridge and proxy.
struct Path {
  const char* name;
  uint16_t port;        // where the client connects
  std::string source;   // the address it connects from ("" = any)
  bool tunnel;          // speaks CONNECT first
};

class Client {
 public:
  explicit Client(const std::string& ca_file) : ctx_(SSL_CTX_new(TLS_client_method())) {
    SSL_CTX_set_min_proto_version(ctx_, TLS1_2_VERSION);
    SSL_CTX_load_verify_locations(ctx_, ca_file.c_str(), nullptr);
    SSL_CTX_set_verify(ctx_, SSL_VERIFY_PEER, nullptr);
    SSL_CTX_set_session_cache_mode(ctx_, SSL_SESS_CACHE_OFF);  // every sample a full handshake
  }
  ~Client() { SSL_CTX_free(ctx_); }

  // GET `path` from the site over a new connection by `p`: the bytes of the answer (head and body), or -1
  // with `error` set.
  int64_t Get(const Path& p, uint16_t site_port, const std::string& path, std::string* error) {
    int fd = ConnectTcp(p.port, p.source);
    if (fd < 0) {
      *error = std::string(p.name) + ": connect failed";
      return -1;
    }
    if (p.tunnel && !Connect(fd, site_port, error)) {
      ::close(fd);
      return -1;
    }
    SSL* ssl = SSL_new(ctx_);
    SSL_set_fd(ssl, fd);
    X509_VERIFY_PARAM_set1_ip_asc(SSL_get0_param(ssl), "127.0.0.1");
    int64_t got = -1;
    if (SSL_connect(ssl) == 1) {
      std::string req = "GET " + path + " HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n";
      if (SSL_write(ssl, req.data(), static_cast<int>(req.size())) == static_cast<int>(req.size())) {
        static thread_local char buf[262144];
        got = 0;
        for (int n; (n = SSL_read(ssl, buf, sizeof buf)) > 0;) got += n;
        if (SSL_get_error(ssl, 0) == SSL_ERROR_SSL) got = -1;
      }
    }
    if (got < 0) *error = std::string(p.name) + ": TLS or HTTP failed";
    SSL_free(ssl);
    ::close(fd);
    return got;
  }

 private:
  SSL_CTX* ctx_;
};

double SinceMs(Clock::time_point t0) { return std::chrono::duration<double, std::milli>(Clock::now() - t0).count(); }

}  // namespace

int EgressBench(const EgressBenchOptions& options) {
  testing::TempDir dir("clawhive-egress-bench");
  const std::string cert = dir.path + "/site.crt", key = dir.path + "/site.key";
  if (Status s = tls::GenerateSelfSigned(cert, key, {"127.0.0.1"}); !s) {
    std::cerr << "egress bench: " << s.error().message << "\n";
    return 1;
  }
  stub::FakeSite site({"127.0.0.1", 0, "bench-site", cert, key});
  if (Status s = site.Start(); !s) {
    std::cerr << "egress bench: " << s.error().message << "\n";
    return 1;
  }

  auto ledger = meter::Ledger::Open(dir.path + "/meter.db", /*background_checkpoints=*/true);
  if (!ledger) return 1;
  meter::Checkpointer checkpointer(**ledger, 1s);  // as clawhive-proxy does
  if (!(*ledger)->IssueToken(kTenant, kUid, WallMs())) return 1;  // what names the uid's tenant
  egress::LedgerBook book(**ledger, WallMs);
  egress::SystemResolver resolver;
  egress::EgressOptions eo;
  eo.port = 0;
  eo.op.allow = {"127.0.0.1:*"};
  eo.op.allow_cidrs = {"127.0.0.1/32"};
  eo.max_tunnels_per_tenant = 64;
  egress::EgressServer proxy(eo, book, resolver);
  if (Status s = proxy.Start(); !s) {
    std::cerr << "egress bench: " << s.error().message << "\n";
    return 1;
  }
  const std::string source = *bridge::TenantSourceAddress(kUid);

  // The tenant's egress bridge: a listener standing for the socket in its namespace.
  int listener = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  sockaddr_in la{};
  la.sin_family = AF_INET;
  inet_pton(AF_INET, "127.0.0.1", &la.sin_addr);
  socklen_t llen = sizeof la;
  if (::bind(listener, reinterpret_cast<sockaddr*>(&la), llen) != 0 || ::listen(listener, 128) != 0) return 1;
  ::getsockname(listener, reinterpret_cast<sockaddr*>(&la), &llen);
  bridge::BridgeOptions bo;
  socklen_t len = 0;
  bo.to = *bridge::ParseAddress("127.0.0.1:" + std::to_string(proxy.port()), &len);
  bo.to_len = len;
  bo.from = *bridge::ParseAddress(source, &len, /*port_required=*/false);
  bo.from_len = len;
  std::thread bridge_thread([listener, bo] { (void)bridge::Serve({listener}, bo); });

  const std::vector<Path> paths = {
      {"direct", site.port(), "", false},
      {"proxied", proxy.port(), source, true},
      {"bridged", ntohs(la.sin_port), "", true},
  };
  Client client(cert);
  int failed = 0, tunnels = 0;
  int64_t carried = 0;  // application bytes received through tunnels
  std::string first_error;
  auto get = [&](size_t i, const std::string& path) -> double {
    std::string error;
    auto t0 = Clock::now();
    int64_t n = client.Get(paths[i], site.port(), path, &error);
    double ms = SinceMs(t0);
    if (paths[i].tunnel) ++tunnels;
    if (n < 0) {
      if (failed++ == 0) first_error = error;
      return -1;
    }
    if (paths[i].tunnel) carried += n;
    return ms;
  };

  // Latency: a new connection, (CONNECT,) TLS handshake, GET / and its whole answer. Samples of the
  // three paths back to back, the first of them rotating, after a warm-up.
  std::cerr << "egress: " << options.samples << " samples of direct, proxied and bridged HTTPS to a site on loopback\n";
  for (int i = 0; i < 30; ++i)
    for (size_t k = 0; k < paths.size(); ++k) get(k, "/");
  std::vector<double> ms[3], added, bridge_added;
  for (int i = 0; i < options.samples; ++i) {
    double t[3];
    for (size_t j = 0; j < paths.size(); ++j) {
      size_t k = (static_cast<size_t>(i) + j) % paths.size();
      t[k] = get(k, "/");
    }
    if (t[0] < 0 || t[1] < 0 || t[2] < 0) continue;
    for (int k = 0; k < 3; ++k) ms[k].push_back(t[k]);
    added.push_back(t[1] - t[0]);
    bridge_added.push_back(t[2] - t[0]);
  }
  Print("egress_latency_samples", static_cast<double>(added.size()), "samples");
  Print("egress_added_latency_p50", LoadPercentile(added, 0.5), "ms");
  Print("egress_added_latency_p99", LoadPercentile(added, 0.99), "ms");
  Print("egress_bridge_added_latency_p50", LoadPercentile(bridge_added, 0.5), "ms");
  Print("egress_bridge_added_latency_p99", LoadPercentile(bridge_added, 0.99), "ms");
  for (int k = 0; k < 3; ++k) {
    Print(std::string("egress_") + paths[k].name + "_latency_p50", LoadPercentile(ms[k], 0.5), "ms");
    Print(std::string("egress_") + paths[k].name + "_latency_p99", LoadPercentile(ms[k], 0.99), "ms");
  }

  // Throughput: one download of `mib` MiB over TLS per path per run, the first path rotating.
  const int64_t bytes = int64_t{options.mib} << 20;
  const std::string big = "/bytes/" + std::to_string(bytes);
  std::cerr << "egress: " << options.runs << " runs of a " << options.mib << " MiB download per path\n";
  std::vector<double> mbps[3];
  for (int r = 0; r < options.runs; ++r)
    for (size_t j = 0; j < paths.size(); ++j) {
      size_t k = (static_cast<size_t>(r) + j) % paths.size();
      double t = get(k, big);
      if (t > 0) mbps[k].push_back(static_cast<double>(bytes) / 1e6 / (t / 1000.0));
    }
  const double direct = Median(mbps[0]), proxied = Median(mbps[1]), bridged = Median(mbps[2]);
  Print("egress_direct_throughput_mbps", direct, "MB/s");
  Print("egress_throughput_mbps", proxied, "MB/s");
  Print("egress_bridge_throughput_mbps", bridged, "MB/s");
  Print("egress_throughput_vs_direct", proxied / std::max(direct, 1e-9), "ratio");
  Print("egress_bridge_throughput_vs_direct", bridged / std::max(direct, 1e-9), "ratio");

  // Every tunnel and byte is in the tenant's books (the last ones land just after the client's EOF).
  meter::EgressUsage used;
  testing::Eventually([&] {
    auto t = (*ledger)->EgressTotals(kTenant, 0, WallMs() + 86400000);
    if (t && !t->empty()) used = t->front();
    return used.tunnels >= tunnels;
  }, 10s, 10ms);
  Print("egress_tunnels", tunnels, "tunnels");
  Print("egress_metered_tunnels", static_cast<double>(used.tunnels), "tunnels");
  Print("egress_metered_bytes_in_vs_carried", static_cast<double>(used.bytes_in) / std::max<double>(1, carried), "ratio");
  Print("egress_failed", failed, "requests");
  if (failed) std::cerr << "egress bench: " << failed << " failed, first: " << first_error << "\n";
  if (book.write_failures()) std::cerr << "egress bench: " << book.write_failures() << " meter writes failed\n";

  ::shutdown(listener, SHUT_RDWR);  // the bridge's accept fails: Serve returns
  bridge_thread.join();
  ::close(listener);
  proxy.Stop();
  site.Stop();
  return failed == 0 && used.tunnels == tunnels && used.bytes_in >= carried ? 0 : 1;
}

}  // namespace clawhive::bench
