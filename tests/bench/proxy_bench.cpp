#include "bench/proxy_bench.h"

#include <Poco/Net/SSLManager.h>
#include <fcntl.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <unistd.h>

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstdio>
#include <filesystem>
#include <iostream>
#include <mutex>
#include <thread>

#include "bench/proxy_load.h"
#include "integration/harness.h"
#include "stub/provider_stub_server.h"
#include "supervisor/bridge/bridge.h"
#include "supervisor/meter/checkpointer.h"
#include "supervisor/meter/ledger.h"
#include "supervisor/proxy/bridge_peers.h"
#include "supervisor/proxy/proc_net_peers.h"
#include "supervisor/proxy/provider_key_file.h"
#include "supervisor/proxy/proxy_server.h"
#include "supervisor/tls/certificate.h"
#include "unit/temp_dir.h"

namespace clawhive::bench {
namespace {

using namespace std::chrono_literals;

constexpr const char* kKeyName = "BENCH_PROVIDER_KEY";
constexpr const char* kKey = "bench-provider-key";
constexpr int kTenants = 4;
constexpr uint32_t kFirstUid = 300001;  // tenant uids as the supervisor allocates them

void Print(const std::string& name, double v, const char* unit) {
  std::printf("%s %.3f %s\n", name.c_str(), v, unit);
  std::fflush(stdout);
}

int64_t WallMs() {
  return std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::system_clock::now().time_since_epoch()).count();
}

// The provider-key export as the supervisor writes it (0400, the format of provider_key_file.h).
Status WriteProviderKeys(const std::string& path) {
  std::vector<std::pair<std::string, SecretValue>> keys;
  keys.emplace_back(kKeyName, SecretValue(kKey));
  SecretValue text = meter::EncodeProviderKeys(keys);
  int fd = ::open(path.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0400);
  if (fd < 0) return Error::Unavailable("cannot create " + path);
  bool ok = ::write(fd, text.view().data(), text.size()) == static_cast<ssize_t>(text.size());
  ::close(fd);
  return ok ? Status::Ok() : Error::Unavailable("cannot write " + path);
}

void PrintQuantiles(const std::string& what, const std::vector<double>& ms, const std::string& suffix) {
  Print(what + "_p50_ms" + suffix, LoadPercentile(ms, 0.5), "ms");
  Print(what + "_p99_ms" + suffix, LoadPercentile(ms, 0.99), "ms");
}

}  // namespace

int ProxyBench(double seconds) {
  testing::TempDir dir("clawhive-proxy-bench");
  const std::string& tmpl = dir.path;
  struct Ssl {
    Ssl() { Poco::Net::initializeSSL(); }  // as clawhive-proxy does: providers are HTTPS
    ~Ssl() { Poco::Net::uninitializeSSL(); }
  } ssl;

  // The provider's certificate, self-signed for 127.0.0.1: the run's own CA of one certificate. The
  // proxy's HTTPS client context is Poco's default, as in production; it loads OpenSSL's default verify
  // paths when first used, which take SSL_CERT_FILE from the environment.
  const std::string cert = tmpl + "/stub.crt", key = tmpl + "/stub.key";
  if (Status s = tls::GenerateSelfSigned(cert, key, {"127.0.0.1"}); !s) {
    std::cerr << "proxy bench: " << s.error().message << "\n";
    return 1;
  }
  ::setenv("SSL_CERT_FILE", cert.c_str(), 1);

  stub::ProviderStubOptions so;
  so.key = kKey;
  so.threads = 128;
  so.tls_cert_file = cert;
  so.tls_key_file = key;
  stub::ProviderStubServer stub(so);
  if (Status s = stub.Start(); !s) {
    std::cerr << "proxy bench: provider stub: " << s.error().message << "\n";
    return 1;
  }

  auto ledger = meter::Ledger::Open(tmpl + "/meter.db", /*background_checkpoints=*/true);
  if (!ledger) return 1;
  meter::Checkpointer checkpointer(**ledger, 1s);  // as clawhive-proxy does
  meter::Provider p{"stub", meter::ApiKind::kOpenAI, "https://127.0.0.1:" + std::to_string(stub.port()) + "/v1", kKeyName,
                    {{"stub-model", 1000000, 2000000, 4096}}};
  if (!(*ledger)->SetProvider(p).ok()) return 1;

  const std::string keys_file = tmpl + "/provider-keys";
  if (Status s = WriteProviderKeys(keys_file); !s) {
    std::cerr << "proxy bench: " << s.error().message << "\n";
    return 1;
  }
  proxy::FileKeys keys(keys_file);
  proxy::ProcNetPeers host_peers;
  proxy::BridgePeers peers(host_peers);
  proxy::ProxyOptions po;
  po.port = 0;
  po.threads = 128;
  proxy::ProxyServer proxy(po, **ledger, keys, &peers);
  if (Status s = proxy.Start(); !s) {
    std::cerr << "proxy bench: proxy: " << s.error().message << "\n";
    return 1;
  }

  LoadTarget direct;
  direct.port = stub.port();
  direct.tls_ca_file = cert;
  direct.headers = {{"Authorization", std::string("Bearer ") + kKey}};
  direct.body = OpenClawChatBody({"stub-model", false, false, 61 * 1024, ""});
  std::vector<LoadTarget> tenants;
  for (int i = 0; i < kTenants; ++i) {
    const uint32_t uid = kFirstUid + static_cast<uint32_t>(i);
    LoadTarget t = direct;
    t.port = proxy.port();
    t.tls_ca_file.clear();  // agent -> bridge -> proxy is plain HTTP on loopback
    t.source_address = *bridge::TenantSourceAddress(uid);
    t.headers = {{"Authorization", "Bearer " + (*ledger)->IssueToken("bench-" + std::to_string(i), uid, WallMs()).value()}};
    tenants.push_back(std::move(t));
  }

  // The peer check is on: tenant 0's token from tenant 1's address is refused.
  LoadTarget foreign = tenants[0];
  foreign.source_address = tenants[1].source_address;
  std::string why;
  const int foreign_status = StatusOf(foreign, &why);
  Print("proxy_peer_check_refused_foreign_token", foreign_status == 401 ? 1 : 0, "bool");
  // The upstream's certificate is checked: a provider whose certificate the run does not trust fails.
  int untrusted_status = -1;
  {
    const std::string other_cert = tmpl + "/untrusted.crt", other_key = tmpl + "/untrusted.key";
    stub::ProviderStubOptions uo = so;
    uo.tls_cert_file = other_cert;
    uo.tls_key_file = other_key;
    stub::ProviderStubServer untrusted(uo);
    if (tls::GenerateSelfSigned(other_cert, other_key, {"127.0.0.1"}) && untrusted.Start()) {
      meter::Provider up{"untrusted", meter::ApiKind::kOpenAI, "https://127.0.0.1:" + std::to_string(untrusted.port()) + "/v1",
                         kKeyName, {{"untrusted-model", 1000000, 2000000, 4096}}};
      LoadTarget t = tenants[0];
      t.body = OpenClawChatBody({"untrusted-model", false, false, 1024, ""});
      if ((*ledger)->SetProvider(up)) untrusted_status = StatusOf(t, &why);
    }
  }
  Print("proxy_refused_untrusted_upstream_certificate", untrusted_status == 502 ? 1 : 0, "bool");

  int failed = 0, answered = 0;
  auto paired = [&](const LoadTarget& base, const std::vector<LoadTarget>& measured, double rate, double s) {
    PairedOptions o;
    o.rate = rate;
    o.pairs = std::max(1, static_cast<int>(rate * s));
    o.workers = 16;
    PairedResult r = PairedLoad(base, measured, o);
    failed += r.errors;
    answered += static_cast<int>(r.measured_ms.size());
    if (r.errors) std::cerr << "proxy bench: " << r.errors << " failed requests, first: " << r.first_error << "\n";
    return r;
  };
  std::cerr << "proxy: 61 KB bodies, " << kTenants << " tenants, direct over TLS paired with proxied, " << seconds
            << " s per run\n";
  paired(direct, tenants, 50, 2);  // warms both paths: connections, TLS sessions to the stub, caches
  for (double rate : {50.0, 200.0}) {
    PairedResult r = paired(direct, tenants, rate, seconds);
    const std::string suffix = "_at_" + std::to_string(static_cast<int>(rate)) + "_pairs_per_s";
    Print("paired_requests" + suffix, static_cast<double>(r.added_ms.size()), "pairs");
    PrintQuantiles("proxy_added_latency", r.added_ms, suffix);
    PrintQuantiles("direct_tls_latency", r.baseline_ms, suffix);
    PrintQuantiles("proxied_latency", r.measured_ms, suffix);
  }

  LoadTarget sdirect = direct;
  sdirect.body = OpenClawChatBody({"stub-model", true, true, 61 * 1024, ""});
  sdirect.streaming = true;
  std::vector<LoadTarget> stenants = tenants;
  for (LoadTarget& t : stenants) {
    t.body = sdirect.body;
    t.streaming = true;
  }
  PairedResult sr = paired(sdirect, stenants, 50, seconds);
  PrintQuantiles("proxy_added_sse_first_event", sr.added_ttfb_ms, "");
  PrintQuantiles("direct_tls_sse_first_event", sr.baseline_ttfb_ms, "");

  ClosedLoopResult max_direct = ClosedLoopLoad({direct}, 16, seconds);
  ClosedLoopResult max = ClosedLoopLoad(tenants, 16, seconds);
  failed += max_direct.errors + max.errors;
  answered += static_cast<int>(max.latency_ms.size());
  for (const ClosedLoopResult* r : {&max_direct, &max})
    if (r->errors) std::cerr << "proxy bench: " << r->errors << " failed requests, first: " << r->first_error << "\n";
  Print("direct_tls_requests_per_s", max_direct.rps, "requests/s");
  Print("proxy_requests_per_s", max.rps, "requests/s");
  Print("proxy_requests_per_s_vs_direct_tls", max.rps / std::max(1e-9, max_direct.rps), "ratio");

  // Every answered request is in the books: settled rows, summed over the tenants. A reservation is
  // settled just after the answer's last byte, so the count is awaited (with a deadline), not assumed.
  int64_t metered = 0;
  testing::Eventually([&] {
    metered = 0;
    for (int i = 0; i < kTenants; ++i)
      if (auto t = (*ledger)->TotalsFor("bench-" + std::to_string(i), WallMs())) metered += t->requests;
    return metered >= answered;
  }, 10s, 10ms);
  Print("proxy_answered_requests", answered, "requests");
  Print("proxy_metered_requests", static_cast<double>(metered), "requests");
  Print("proxy_failed_requests", failed, "requests");
  proxy.Stop();
  stub.Stop();
  return failed == 0 && foreign_status == 401 && untrusted_status == 502 && metered >= answered ? 0 : 1;
}

}  // namespace clawhive::bench
