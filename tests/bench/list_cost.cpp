#include "bench/list_cost.h"

#include <Poco/Net/HTTPClientSession.h>
#include <Poco/Net/HTTPRequest.h>
#include <Poco/Net/HTTPResponse.h>
#include <Poco/StreamCopier.h>
#include <stdlib.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <iostream>
#include <memory>
#include <thread>
#include <vector>

#include "bench/tenants.h"
#include "integration/harness.h"
#include "supervisor/core/posix_host.h"
#include "supervisor/core/supervisor.h"
#include "supervisor/core/usage_sampler.h"
#include "supervisor/store/store.h"
#include "supervisor/tls/pinned_session.h"
#include "unit/fake_host.h"
#include "unit/fake_loop.h"
#include "unit/fake_prober.h"
#include "unit/fake_unit_manager.h"

namespace clawhive::bench {
namespace {

using namespace std::chrono;

struct NullLog : EventLog {
  void Write(int, const std::string&, const std::string&) override {}
};

double Percentile(std::vector<double> v, double p) {
  if (v.empty()) return 0;
  std::sort(v.begin(), v.end());
  size_t i = static_cast<size_t>(p * static_cast<double>(v.size() - 1) + 0.5);
  return v[std::min(i, v.size() - 1)];
}

void Print(const std::string& name, double value, const std::string& unit) {
  std::printf("%s %.4f %s\n", name.c_str(), value, unit.c_str());
  std::fflush(stdout);
}

// Runs fn `times` times; durations in ms.
template <typename F>
std::vector<double> TimeMs(int times, F fn) {
  std::vector<double> out;
  out.reserve(static_cast<size_t>(times));
  for (int i = 0; i < times; ++i) {
    auto t0 = steady_clock::now();
    fn();
    out.push_back(duration<double, std::milli>(steady_clock::now() - t0).count());
  }
  return out;
}

void PrintSpread(const std::string& name, const std::vector<double>& ms) {
  Print(name + "_p50", Percentile(ms, 0.5), "ms");
  Print(name + "_p99", Percentile(ms, 0.99), "ms");
  Print(name + "_max", ms.empty() ? 0 : *std::max_element(ms.begin(), ms.end()), "ms");
}

// The supervisor core on fakes of systemd, the host and the clock, with the store in a real SQLite file.
int InProcess(int n) {
  char dir[] = "/var/tmp/clawhive-listcost-XXXXXX";
  if (!mkdtemp(dir)) return 1;
  int rc = 0;
  {
    auto store = Store::Open(std::string(dir) + "/clawhive.db");
    if (!store) {
      std::cerr << store.error().message << "\n";
      return 1;
    }
    Config config;
    config.default_agent.exec = testing::kTestAgent;
    config.port_base = 2000;
    config.port_step = 2;
    FakeLoop loop;
    FakeUnitManager units(loop);
    FakeHost host;
    FakeProber prober(loop);
    NullLog log;
    InlineWorker worker;
    Supervisor sup(config, **store, units, host, loop, prober, log, worker);
    if (!sup.Init()) return 1;
    loop.Drain();
    for (int i = 0; i < n; ++i) {
      std::string id = "t-" + std::to_string(i), cg = "/clawhive.slice/" + TenantNames::Slice(id);
      host.files["/sys/fs/cgroup/memory" + cg + "/memory.usage_in_bytes"] = "734003200\n";
      host.files["/sys/fs/cgroup/unified" + cg + "/cpu.stat"] = "usage_usec 123456789\nuser_usec 1\n";
      host.files["/sys/fs/cgroup/pids" + cg + "/pids.current"] = "29\n";
      if (auto st = sup.Create(id, TenantPatch{}); !st) {
        std::cerr << id << ": " << st.error().message << "\n";
        return 1;
      }
      loop.Advance(5);
    }
    loop.Advance(config.usage_interval_ms + 2000);  // every agent healthy and sampled
    auto listed = sup.List();
    size_t with_figures = 0;
    for (const TenantStatus& t : *listed) with_figures += t.memory_current.has_value();
    Print("list_cost_inprocess_tenants", static_cast<double>(listed->size()), "count");
    Print("list_cost_inprocess_tenants_with_figures", static_cast<double>(with_figures), "count");
    int dbus_before = units.get_state_calls;
    PrintSpread("list_cost_inprocess_list", TimeMs(300, [&] { (void)sup.List(); }));
    std::vector<double> get = TimeMs(3000, [&] { (void)sup.Get("t-" + std::to_string(n / 2)); });
    Print("list_cost_inprocess_get_p50", Percentile(get, 0.5) * 1000, "us");
    Print("list_cost_inprocess_system_p50", Percentile(TimeMs(300, [&] { (void)sup.System(); }), 0.5) * 1000, "us");
    Print("list_cost_inprocess_dbus_calls_while_listing", units.get_state_calls - dbus_before, "count");
    // What each List() would add if it read the rows from SQLite instead of the cache.
    PrintSpread("list_cost_store_read_all_rows", TimeMs(50, [&] { (void)(*store)->ListTenants(); }));
    if (with_figures != static_cast<size_t>(n)) rc = 1;
  }
  testing::Sh(std::string("rm -rf ") + testing::Quote(dir));
  return rc;
}

JsonValue TenantArray(testing::Response r) {
  return r.json.is_array() ? std::move(r.json) : testing::Get(r.json, "tenants");
}

// GET /v1/tenants `times` times over one kept-alive connection (HTTPS pinned to `fingerprint`, or plain
// HTTP when it is empty), as a client polling the list would; the body is read but not parsed.
std::vector<double> TimeGetTenants(uint16_t port, const std::string& token, const std::string& fingerprint,
                                   int times, size_t* bytes, int* failures) {
  std::unique_ptr<Poco::Net::HTTPClientSession> session;
  if (fingerprint.empty()) session = std::make_unique<Poco::Net::HTTPClientSession>("127.0.0.1", port);
  else session = std::make_unique<tls::PinnedSession>("127.0.0.1", port, fingerprint);
  session->setKeepAlive(true);
  session->setTimeout(Poco::Timespan(60, 0));
  return TimeMs(times, [&] {
    try {
      Poco::Net::HTTPRequest req("GET", kListAllTenants, Poco::Net::HTTPMessage::HTTP_1_1);
      req.setKeepAlive(true);
      req.set("Authorization", "Bearer " + token);
      session->sendRequest(req);
      Poco::Net::HTTPResponse resp;
      std::string body;
      Poco::StreamCopier::copyToString(session->receiveResponse(resp), body);
      *bytes = body.size();
      if (resp.getStatus() != 200) ++*failures;
    } catch (const std::exception& e) {
      ++*failures;
      session->reset();
    }
  });
}

int InSandbox(const ListCostOptions& o) {
  testing::Sandbox sb(o.config_yaml, o.api_port);
  testing::Api api(o.api_port, sb.token(), sb.fingerprint());
  CreatedTenants made = CreateTenants(api, o.tenants, "l-");
  if (!made.error.empty()) {
    std::cerr << made.error << "\n";
    return 1;
  }
  bool healthy = WaitUntilHealthy(api, made.ids.size(), seconds(300));
  Print("list_cost_sandbox_all_healthy", healthy ? 1 : 0, "bool");
  // Not synchronisation but part of the measured state: one sampler period (10 s by default, plus margin)
  // so every tenant in the listing below carries its figures, as in steady state.
  std::this_thread::sleep_for(seconds(12));

  size_t bytes = 0;
  int failures = 0;
  std::vector<double> get = TimeGetTenants(o.api_port, sb.token(), sb.fingerprint(), 200, &bytes, &failures);
  PrintSpread("list_cost_api_get_tenants", get);
  Print("list_cost_api_get_tenants_failures", failures, "count");
  Print("list_cost_api_get_tenants_bytes", static_cast<double>(bytes), "bytes");
  size_t listed = 0, with_figures = 0;
  JsonValue arr = TenantArray(api.Get(kListAllTenants));
  listed = arr.items().size();
  for (const JsonValue& t : arr.items()) with_figures += !testing::Get(t, "status.memory_current").is_null();
  Print("list_cost_api_tenants_listed", static_cast<double>(listed), "count");
  Print("list_cost_api_tenants_with_memory_figure", static_cast<double>(with_figures), "count");

  // One sampler tick over every slice's real cgroup files, read from the host (the sandbox shares its
  // /sys/fs/cgroup; its systemd's ControlGroup paths carry the sandbox prefix).
  auto cgroups = SliceCgroups(sb, made.ids);
  PosixHost host;
  FakeLoop loop;  // no schedule: the ticks are taken by hand
  UsageSampler sampler(host, loop, 10000, 360);
  std::vector<UsageSampler::Target> targets;
  for (auto& [id, cg] : cgroups) targets.push_back({id, cg});
  sampler.Start([&] { return targets; });
  std::vector<double> tick = TimeMs(20, [&] { sampler.TickNow(); });
  size_t sampled = 0;
  for (auto& t : targets) {
    const UsageSampler::Latest* l = sampler.LatestOf(t.id);
    sampled += l && l->memory_bytes && l->cpu_nsec && l->tasks;
  }
  Print("list_cost_sampler_slices", static_cast<double>(targets.size()), "count");
  Print("list_cost_sampler_slices_with_all_figures", static_cast<double>(sampled), "count");
  PrintSpread("list_cost_sampler_tick", tick);
  double per_tenant_us = targets.empty() ? 0 : Percentile(tick, 0.5) * 1000 / static_cast<double>(targets.size());
  Print("list_cost_sampler_per_tenant", per_tenant_us, "us");
  Print("list_cost_sampler_batch_turn", per_tenant_us * UsageSampler::kBatch / 1000, "ms");

  if (!o.baseline_supervisor.empty()) {
    // The same tenants under the other supervisor binary (it adopts them without restarting any). It
    // may predate the HTTPS API: it is asked over plain HTTP, with the bootstrap token.
    auto r = sb.Exec("install -m 0755 " + testing::Quote(o.baseline_supervisor) +
                     " /usr/sbin/clawhive-supervisor && systemctl restart clawhive-supervisor.service");
    if (r.status != 0) {
      std::cerr << "installing the baseline supervisor failed\n";
      return 1;
    }
    testing::Api plain(o.api_port, sb.token(), "");
    // Up, and listing every tenant (it has adopted them all).
    testing::Eventually([&] { return TenantArray(plain.Get(kListAllTenants)).items().size() >= made.ids.size(); },
                        seconds(120), milliseconds(500));
    int failed = 0;
    std::vector<double> base = TimeGetTenants(o.api_port, sb.token(), "", 20, &bytes, &failed);
    Print("list_cost_api_get_tenants_baseline_failures", failed, "count");
    Print("list_cost_api_get_tenants_baseline_bytes", static_cast<double>(bytes), "bytes");
    PrintSpread("list_cost_api_get_tenants_baseline", base);
    Print("list_cost_api_get_tenants_p50_vs_baseline",
          Percentile(get, 0.5) / std::max(1e-9, Percentile(base, 0.5)), "ratio");
  }
  return healthy && listed == made.ids.size() && sampled == made.ids.size() ? 0 : 1;
}

}  // namespace

int ListCost(const ListCostOptions& options) {
  int a = InProcess(options.tenants);
  int b = InSandbox(options);
  return a != 0 ? a : b;
}

}  // namespace clawhive::bench
