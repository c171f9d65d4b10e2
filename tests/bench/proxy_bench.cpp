#include "bench/proxy_bench.h"

#include <stdlib.h>

#include <atomic>
#include <chrono>
#include <cstdio>
#include <thread>
#include <filesystem>
#include <iostream>

#include "bench/proxy_load.h"
#include "stub/provider_stub_server.h"
#include "supervisor/meter/ledger.h"
#include "supervisor/proxy/proxy_server.h"

namespace clawhive::bench {
namespace {

struct Keys : proxy::KeySource {
  Result<std::string> Key(const std::string&) override { return std::string("bench-provider-key"); }
};

void Print(const std::string& name, double v, const char* unit) { std::printf("%s %.3f %s\n", name.c_str(), v, unit); }

}  // namespace

int ProxyBench(double seconds) {
  std::string tmpl = (std::filesystem::temp_directory_path() / "clawhive-proxy-bench-XXXXXX").string();
  if (!::mkdtemp(tmpl.data())) return 1;
  struct Cleanup {
    std::string dir;
    ~Cleanup() {
      std::error_code ec;
      std::filesystem::remove_all(dir, ec);
    }
  } cleanup{tmpl};

  stub::ProviderStubOptions so;
  so.key = "bench-provider-key";
  so.threads = 128;
  stub::ProviderStubServer stub(so);
  if (!stub.Start().ok()) return 1;
  auto ledger = meter::Ledger::Open(tmpl + "/meter.db", /*background_checkpoints=*/true);
  if (!ledger) return 1;
  std::atomic<bool> stopping{false};
  std::thread checkpointer([&] {  // as clawhive-proxy does
    while (!stopping) {
      std::this_thread::sleep_for(std::chrono::milliseconds(200));
      (void)(*ledger)->Checkpoint();
    }
  });
  struct Join {
    std::atomic<bool>& stop;
    std::thread& t;
    ~Join() { stop = true; t.join(); }
  } join{stopping, checkpointer};
  meter::Provider p{"stub", meter::ApiKind::kOpenAI, "http://127.0.0.1:" + std::to_string(stub.port()) + "/v1", "K",
                    {{"stub-model", 1000000, 2000000, 4096}}};
  if (!(*ledger)->SetProvider(p).ok()) return 1;
  std::string token = (*ledger)->IssueToken("bench", 0, 1).value();
  Keys keys;
  proxy::ProxyOptions po;
  po.port = 0;
  po.threads = 128;
  proxy::ProxyServer proxy(po, **ledger, keys, nullptr);
  if (!proxy.Start().ok()) return 1;

  LoadTarget direct;
  direct.port = stub.port();
  direct.headers = {{"Authorization", "Bearer bench-provider-key"}};
  direct.body = OpenClawChatBody({"stub-model", false, false, 61 * 1024, ""});
  LoadTarget proxied = direct;
  proxied.port = proxy.port();
  proxied.headers = {{"Authorization", "Bearer " + token}};

  int errors = 0;
  auto run = [&](const LoadTarget& t, double rate) {
    LoadOptions o;
    o.rate = rate;
    o.requests = static_cast<int>(rate * seconds);
    o.connections = 32;
    LoadResult r = OpenLoopLoad(t, o);
    errors += r.errors;
    if (r.errors) std::cerr << "proxy bench: " << r.errors << " errors, first: " << r.first_error << "\n";
    return r;
  };
  std::cerr << "proxy: 61 KB bodies, direct vs proxied, " << seconds << " s per run\n";
  for (double rate : {100.0, 500.0}) {
    run(direct, rate / 2);  // warm both paths' connections and caches
    run(proxied, rate / 2);
    LoadResult d = run(direct, rate);
    LoadResult x = run(proxied, rate);
    const std::string suffix = rate == 500 ? "" : "_100rps";
    Print("direct_p50" + suffix, LoadPercentile(d.latency_ms, 0.5), "ms");
    Print("direct_p99" + suffix, LoadPercentile(d.latency_ms, 0.99), "ms");
    Print("proxied_p50" + suffix, LoadPercentile(x.latency_ms, 0.5), "ms");
    Print("proxied_p99" + suffix, LoadPercentile(x.latency_ms, 0.99), "ms");
    Print("proxy_added_p50" + suffix, LoadPercentile(x.latency_ms, 0.5) - LoadPercentile(d.latency_ms, 0.5), "ms");
    Print("proxy_added_p99" + suffix, LoadPercentile(x.latency_ms, 0.99) - LoadPercentile(d.latency_ms, 0.99), "ms");
  }
  LoadTarget sdirect = direct, sproxied = proxied;
  sdirect.body = sproxied.body = OpenClawChatBody({"stub-model", true, true, 61 * 1024, ""});
  sdirect.streaming = sproxied.streaming = true;
  LoadResult sd = run(sdirect, 100), sx = run(sproxied, 100);
  Print("proxy_sse_ttfb_direct", LoadPercentile(sd.ttfb_ms, 0.5), "ms");
  Print("proxy_sse_ttfb_added", LoadPercentile(sx.ttfb_ms, 0.5) - LoadPercentile(sd.ttfb_ms, 0.5), "ms");
  Print("proxy_sse_ttfb_added_p99", LoadPercentile(sx.ttfb_ms, 0.99) - LoadPercentile(sd.ttfb_ms, 0.99), "ms");
  ClosedLoopResult max_direct = ClosedLoopLoad(direct, 16, seconds);
  ClosedLoopResult max = ClosedLoopLoad(proxied, 16, seconds);
  Print("direct_max_rps", max_direct.rps, "requests/s");
  Print("proxy_max_rps", max.rps, "requests/s");
  auto totals = (*ledger)->TotalsFor("bench", 1900000000000);
  (void)totals;
  Print("proxy_errors", errors + max.errors, "requests");
  proxy.Stop();
  stub.Stop();
  return errors + max.errors == 0 ? 0 : 1;
}

}  // namespace clawhive::bench
