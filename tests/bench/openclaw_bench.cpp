#include "bench/openclaw_bench.h"

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <string>
#include <thread>
#include <vector>

#include "integration/harness.h"
#include "stub/provider_stub_server.h"

using namespace clawhive::testing;
using namespace std::chrono;
using namespace std::chrono_literals;

namespace clawhive::bench {
namespace {

constexpr uint16_t kPort = 18575;
const char* kImage = "openclaw-2026.9.6";
const std::string kProviderKey = "stub-provider-key-oc-bench";
// memory_max as the default (1536M): the heap cap the supervisor derives from it is what runs here.
const char* kConfig = R"(api:
  listen: 127.0.0.1:18575
proxy:
  listen: 127.0.0.1:18585
egress:
  listen: ""
tenant_defaults:
  memory_max: 1536M
  port_base: 26000
  port_step: 120
probe:
  interval: 2s
  timeout: 1s
crash_policy:
  immediate_restarts: 50
  quarantine_after: 100
openclaw:
  models: [stub-model]
  start_timeout: 240s
  start_boosts: 1
)";

// The 1-minute load average of the machine (the sandbox shares the host's kernel).
double LoadAvg() {
  std::ifstream in("/proc/loadavg");
  double one = 0;
  in >> one;
  return one;
}

void Print(const std::string& name, double value, const std::string& unit) {
  std::printf("%s %.3f %s\n", name.c_str(), value, unit.c_str());
  std::fflush(stdout);
}

double Median(std::vector<double> v) {
  std::sort(v.begin(), v.end());
  return v.empty() ? 0 : v[v.size() / 2];
}

std::string ArtifactFor(const std::string& id) {
  std::string dir = std::string(CLAWHIVE_BINARY_DIR) + "/runtime";
  for (const auto& e : std::filesystem::directory_iterator(dir)) {
    std::string n = e.path().filename().string();
    if (n.rfind(id + "-node", 0) == 0 && n.find(".sha256") == std::string::npos) return e.path().string();
  }
  throw std::runtime_error("no " + id + " artifact in " + dir + "; run tests/openclaw/build-images build");
}

int64_t MainPid(Api& api, const std::string& id) {
  auto r = api.Get("/v1/tenants/" + id);
  return r.status == 200 ? static_cast<int64_t>(Get(r.json, "status.main_pid").number()) : 0;
}

uint64_t MemTotal() {
  std::ifstream in("/proc/meminfo");
  std::string key;
  uint64_t kib = 0;
  while (in >> key >> kib) {
    if (key == "MemTotal:") return kib * 1024;
    in.ignore(1024, '\n');
  }
  return 0;
}

double SinceS(steady_clock::time_point t) { return duration<double>(steady_clock::now() - t).count(); }

std::string Esc(const std::string& id) {
  std::string esc;
  for (char c : id) esc += c == '-' ? std::string("\\x2d") : std::string(1, c);
  return esc;
}

std::string Trim(std::string s) {
  while (!s.empty() && (s.back() == '\n' || s.back() == ' ')) s.pop_back();
  return s;
}

// Waits for /readyz 200 from the gateway; throws after 300 s.
void WaitReady(const Gateway& port, const std::string& what) {
  if (!Eventually([&] { return HttpStatus(port, "/readyz", 2000) == 200; }, 300s, 100ms))
    throw std::runtime_error(what + ": never ready");
}

struct Bench {
  Sandbox& sb;
  Api& api;

  std::string Unit(const std::string& id) { return "clawhive-agent@" + Esc(id) + ".service"; }

  // POST .../stop and wait until systemd has the unit down (the gateway's socket bridge keeps the port
  // open, so the port itself says nothing).
  void Stop(const std::string& id) {
    auto r = api.Post("/v1/tenants/" + id + "/stop");
    if (r.status != 200) throw std::runtime_error("stop: " + r.body);
    if (!Eventually([&] { std::string s = sb.Show(Unit(id), "ActiveState"); return s == "inactive" || s == "failed"; },
                    60s, 100ms))
      throw std::runtime_error(id + " did not stop");
  }

  double StartToReady(const std::string& id, const Gateway& port) {
    auto start = steady_clock::now();
    auto r = api.Post("/v1/tenants/" + id + "/start");
    if (r.status != 200) throw std::runtime_error("start: " + r.body);
    WaitReady(port, id);
    return SinceS(start);
  }

  // Turns the start boost on or off (openclaw.start_boosts 1 or 0) by restarting the supervisor on the
  // changed config; the tenant must be stopped (the restart itself then touches nothing of it).
  void SetBoost(bool on) {
    if (boost_on == on) return;
    auto r = sb.Exec(std::string("sed -i 's/start_boosts: [0-9]*/start_boosts: ") + (on ? "1" : "0") +
                     "/' /etc/clawhive/clawhive.yaml && systemctl restart clawhive-supervisor");
    if (r.status != 0) throw std::runtime_error("restarting the supervisor: " + r.out);
    sb.WaitForApi(60s);
    boost_on = on;
  }
  bool boost_on = true;

  // The CPU quota in force for the tenant's slice now, as systemd reports it ("infinity" or e.g. "1s").
  std::string QuotaNow(const std::string& id) { return Trim(sb.Show("clawhive-" + Esc(id) + ".slice", "CPUQuotaPerSecUSec")); }

  // CPU seconds the agent unit's cgroup has used since its start: what a start costs, much less
  // sensitive than the wall clock to whatever else the two shared cores are doing.
  // systemd's CPUUsageNSec stays unset in the sandbox's hybrid layout (cpu on v1), so read the kernel's
  // own: usage_usec in the unified hierarchy's cpu.stat (there without the cpu controller), else cpuacct.
  double CpuS(const std::string& id) {
    std::string cg = Trim(sb.Show(Unit(id), "ControlGroup"));
    auto out = sb.Exec("awk '/^usage_usec/ {print $2 / 1e6}' " + Quote("/sys/fs/cgroup/unified" + cg + "/cpu.stat") +
                       " 2>/dev/null || awk '/^usage_usec/ {print $2 / 1e6}' " + Quote("/sys/fs/cgroup" + cg + "/cpu.stat") +
                       " 2>/dev/null || awk '{print $1 / 1e9}' " + Quote("/sys/fs/cgroup/cpu,cpuacct" + cg + "/cpuacct.usage"));
    try {
      return std::stod(Trim(out.out));
    } catch (const std::exception&) {
      return 0;
    }
  }

  // Processes in the agent unit's cgroup (the unified hierarchy or systemd's own, whichever the sandbox has).
  int Processes(const std::string& id) {
    std::string cg = Trim(sb.Show(Unit(id), "ControlGroup"));
    auto out = sb.Exec("cat " + Quote("/sys/fs/cgroup/unified" + cg + "/cgroup.procs") + " 2>/dev/null || cat " +
                       Quote("/sys/fs/cgroup/systemd" + cg + "/cgroup.procs") + " 2>/dev/null || cat " +
                       Quote("/sys/fs/cgroup" + cg + "/cgroup.procs"));
    return static_cast<int>(std::count(out.out.begin(), out.out.end(), '\n'));
  }
};

}  // namespace

int OpenClawBench(const OpenClawBenchOptions& o) {
  stub::ProviderStubOptions so;
  so.key = kProviderKey;
  stub::ProviderStubServer provider(so);
  if (!provider.Start().ok()) throw std::runtime_error("provider stub did not start");
  Sandbox sb(kConfig, kPort);
  Api api(kPort, sb.token(), sb.fingerprint());
  Bench b{sb, api};
  auto imported = api.Post("/v1/images", "{\"path\":\"" + ArtifactFor(kImage) + "\"}");
  if (imported.status != 201) throw std::runtime_error("import: " + imported.body);
  auto key = api.Call("PUT", "/v1/platform/secrets/STUB_KEY", "{\"value\":\"" + kProviderKey + "\"}");
  if (key.status >= 300) throw std::runtime_error("provider key: " + key.body);
  auto p = api.Call("PUT", "/v1/providers/stub",
                    R"({"kind":"openai","base_url":"http://127.0.0.1:)" + std::to_string(provider.port()) +
                        R"(/v1","key_secret":"STUB_KEY","models":[{"name":"stub-model","input_per_million":"1.00","output_per_million":"2.00"}]})");
  if (p.status != 200 && p.status != 201) throw std::runtime_error("provider: " + p.body);

  Print("oc_loadavg_1m_before", LoadAvg(), "load");
  // First start: a new tenant, so an empty state directory and an empty compile cache.
  const std::string id = "bench-oc";
  auto start = steady_clock::now();
  auto r = api.Post("/v1/tenants", "{\"id\":\"" + id + "\",\"runtime\":{\"image\":\"" + kImage + "\"}}");
  if (r.status != 201) throw std::runtime_error("create: " + r.body);
  Gateway port{&sb, id, static_cast<uint16_t>(Get(r.json, "port").number())};
  WaitReady(port, id);
  double first = SinceS(start);
  std::cerr << "first start: " << first << " s\n";
  Print("oc_cold_start_ready_first", first, "s");
  Print("oc_cold_start_cpu_first", b.CpuS(id), "s");
  Print("oc_gateway_processes", b.Processes(id), "n");
  std::cerr << "NODE_OPTIONS of the gateway: "
            << sb.Exec("tr '\\0' '\\n' < /proc/" + std::to_string(MainPid(api, id)) + "/environ | grep -E '^(NODE_OPTIONS|NODE_COMPILE_CACHE)='").out;

  // A chat turn through the gateway with the generated (restricted) plugin set.
  auto tok = api.Post("/v1/tenants/" + id + "/gateway-token", "");
  if (tok.status != 200) throw std::runtime_error("gateway token: " + tok.body);
  auto chat_start = steady_clock::now();
  CommandResult chat = Sh("curl -s -m 120 -o /dev/null -w '%{http_code}' --unix-socket " + Quote(port.SocketPath()) +
                          " -H 'Authorization: Bearer " + Get(tok.json, "token").string() +
                          "' -H 'Content-Type: application/json' -d '{\"model\":\"openclaw\",\"messages\":[{\"role\":\"user\","
                          "\"content\":\"Say hello.\"}]}' http://127.0.0.1:" + std::to_string(port.port) + "/v1/chat/completions");
  if (Trim(chat.out) != "200") throw std::runtime_error("chat turn: " + chat.out);
  Print("oc_first_chat_turn", SinceS(chat_start), "s");

  // Restarts of the stopped tenant, each kind in turn so that load from elsewhere hits all alike:
  //   boosted   the default: start boost on, warm compile cache
  //   unboosted the baseline: start boost off (openclaw.start_boosts 0), warm compile cache
  //   no cache  start boost on, the tenant's compile cache emptied before the start
  // The first stop is the one that writes the compile cache whole.
  const std::string cache = "/var/cache/clawhive-agent/" + id;
  b.Stop(id);
  Print("oc_compile_cache_mb", std::stod("0" + Trim(sb.Exec("du -sm " + cache + " | cut -f1").out)), "MB");
  std::vector<double> boosted, boosted_cpu, unboosted, unboosted_cpu, nocache, nocache_cpu;
  std::string quota_while_starting, quota_after;
  for (int i = 0; i < o.starts; ++i) {
    b.SetBoost(true);
    boosted.push_back(b.StartToReady(id, port));
    boosted_cpu.push_back(b.CpuS(id));
    if (i == 0) {
      // The boost ends when the supervisor's startup probe sees it (up to probe.interval after /readyz).
      Eventually([&] { return Get(api.Get("/v1/tenants/" + id).json, "status.healthy").boolean(); }, 60s, 100ms);
      quota_after = b.QuotaNow(id);
    }
    std::cerr << "boosted start " << i << ": " << boosted.back() << " s, " << boosted_cpu.back() << " CPU s\n";
    b.Stop(id);

    b.SetBoost(false);
    unboosted.push_back(b.StartToReady(id, port));
    unboosted_cpu.push_back(b.CpuS(id));
    std::cerr << "unboosted start " << i << ": " << unboosted.back() << " s, " << unboosted_cpu.back() << " CPU s\n";
    b.Stop(id);

    b.SetBoost(true);
    // systemd's CacheDirectory= makes it again, empty, at the next start.
    auto saved = sb.Exec("mv " + cache + " " + cache + ".saved");
    if (saved.status != 0) throw std::runtime_error("emptying the compile cache: " + saved.out);
    auto t0 = steady_clock::now();
    auto started = api.Post("/v1/tenants/" + id + "/start");
    if (started.status != 200) throw std::runtime_error("start: " + started.body);
    if (i == 0) {
      // While it starts: what the start boost set (the slice's quota in force now).
      Eventually([&] { return sb.Show(b.Unit(id), "ActiveState") == "active"; }, 30s, 50ms);
      quota_while_starting = b.QuotaNow(id);
    }
    WaitReady(port, id);
    nocache.push_back(SinceS(t0));
    nocache_cpu.push_back(b.CpuS(id));
    std::cerr << "start without cache " << i << ": " << nocache.back() << " s, " << nocache_cpu.back() << " CPU s\n";
    b.Stop(id);
    sb.Exec("rm -rf " + cache + " && mv " + cache + ".saved " + cache);
  }
  std::cerr << "slice CPU quota while starting: " << quota_while_starting << ", once started: " << quota_after << "\n";
  Print("oc_cold_start_ready", Median(boosted), "s");
  Print("oc_cold_start_ready_unboosted", Median(unboosted), "s");
  Print("oc_cold_start_boosted_vs_unboosted", Median(boosted) / Median(unboosted), "ratio");
  Print("oc_cold_start_ready_no_cache", Median(nocache), "s");
  Print("oc_cold_start_cache_vs_no_cache", Median(boosted) / Median(nocache), "ratio");
  Print("oc_cold_start_cpu", Median(boosted_cpu), "s");
  Print("oc_cold_start_cpu_unboosted", Median(unboosted_cpu), "s");
  Print("oc_cold_start_cpu_no_cache", Median(nocache_cpu), "s");

  // Crashes: SIGKILL of the gateway's main process, the supervisor restarts it at once (the bench's
  // crash policy restarts every crash at once), boosted and then unboosted.
  auto crashes = [&](const char* what) {
    b.StartToReady(id, port);
    std::vector<double> wall, cpu;
    for (int i = 0; i < o.starts; ++i) {
      int64_t pid = MainPid(api, id);
      auto kill_at = steady_clock::now();
      sb.Exec("kill -9 " + std::to_string(pid));
      // Until the new process is there, /readyz may still be answered by the dying one.
      Eventually([&] { int64_t np = MainPid(api, id); return np != 0 && np != pid; }, 60s, 20ms);
      WaitReady(port, "after a crash");
      wall.push_back(SinceS(kill_at));
      cpu.push_back(b.CpuS(id));
      std::cerr << what << " crash " << i << ": " << wall.back() << " s, " << cpu.back() << " CPU s\n";
      // Settled: the supervisor has seen it started (the boost is over) before the next kill.
      Eventually([&] { auto t = api.Get("/v1/tenants/" + id); return Get(t.json, "phase").string() == "running"; },
                 60s, 100ms);
    }
    b.Stop(id);
    return std::make_pair(Median(wall), Median(cpu));
  };
  b.SetBoost(true);
  auto [crash, crash_cpu] = crashes("boosted");
  b.SetBoost(false);
  auto [crash_unboosted, crash_unboosted_cpu] = crashes("unboosted");
  b.SetBoost(true);
  Print("oc_crash_to_ready", crash, "s");
  Print("oc_crash_to_ready_unboosted", crash_unboosted, "s");
  Print("oc_crash_restart_cpu", crash_cpu, "s");
  Print("oc_crash_vs_cold_start", crash / Median(boosted), "ratio");
  Print("oc_loadavg_1m_after", LoadAvg(), "load");
  b.StartToReady(id, port);
  if (!o.memory) return 0;

  std::cerr << "idling " << o.idle_s << " s\n";
  // Not synchronisation: the idle period is what is measured (the slice's memory after idle_s idle).
  std::this_thread::sleep_for(seconds(o.idle_s));
  double rss = std::stod("0" + sb.Show("clawhive-" + Esc(id) + ".slice", "MemoryCurrent")) / (1 << 20);
  Print("oc_rss_idle_per_tenant", rss, "MB");
  uint64_t total = MemTotal(), headroom = uint64_t{2} << 30, memory_max = uint64_t{1536} << 20;
  Print("oc_tenants_fit", total > headroom ? static_cast<double>((total - headroom) / memory_max) : 0, "n");
  if (rss > 0)
    Print("oc_tenants_fit_idle", total > headroom ? static_cast<double>(static_cast<uint64_t>((total - headroom) / (rss * (1 << 20)))) : 0, "n");
  return 0;
}

}  // namespace clawhive::bench
