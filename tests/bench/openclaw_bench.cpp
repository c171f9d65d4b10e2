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

using namespace clawhive::testing;
using namespace std::chrono;
using namespace std::chrono_literals;

namespace clawhive::bench {
namespace {

constexpr uint16_t kPort = 18575;
const char* kImage = "openclaw-2026.9.6";
const char* kConfig = R"(api:
  listen: 127.0.0.1:18575
proxy:
  listen: 127.0.0.1:18585
tenant_defaults:
  port_base: 26000
  port_step: 120
probe:
  interval: 2s
  timeout: 1s
openclaw:
  models: [stub-model]
  start_timeout: 240s
)";

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

}  // namespace

int OpenClawBench(const OpenClawBenchOptions& o) {
  Sandbox sb(kConfig, kPort);
  Api api(kPort, sb.token(), sb.fingerprint());
  auto imported = api.Post("/v1/images", "{\"path\":\"" + ArtifactFor(kImage) + "\"}");
  if (imported.status != 201) throw std::runtime_error("import: " + imported.body);

  // Cold start: a fresh tenant each time (new state directory), one at a time.
  std::vector<double> cold;
  for (int i = 0; i < o.starts; ++i) {
    std::string id = "bench-cold-" + std::to_string(i);
    auto start = steady_clock::now();
    auto r = api.Post("/v1/tenants", "{\"id\":\"" + id + "\",\"runtime\":{\"image\":\"" + kImage + "\"}}");
    if (r.status != 201) throw std::runtime_error("create: " + r.body);
    uint16_t port = static_cast<uint16_t>(Get(r.json, "port").number());
    if (!Eventually([&] { return HttpStatus(port, "/readyz", 2000) == 200; }, 300s, 100ms))
      throw std::runtime_error(id + " never became ready");
    cold.push_back(SinceS(start));
    std::cerr << "cold start " << i << ": " << cold.back() << " s\n";
    if (i + 1 < o.starts) api.Call("DELETE", "/v1/tenants/" + id);
  }
  Print("oc_cold_start_ready", Median(cold), "s");

  std::string id = "bench-cold-" + std::to_string(o.starts - 1);
  auto doc = api.Get("/v1/tenants/" + id);
  uint16_t port = static_cast<uint16_t>(Get(doc.json, "port").number());
  std::vector<double> crash;
  for (int i = 0; i < 3; ++i) {
    int64_t pid = MainPid(api, id);
    auto start = steady_clock::now();
    sb.Exec("kill -9 " + std::to_string(pid));
    // Until the new process is there, /readyz may still be answered by nothing or by the dying one.
    Eventually([&] { int64_t p = MainPid(api, id); return p != 0 && p != pid; }, 60s, 20ms);
    if (!Eventually([&] { return HttpStatus(port, "/readyz", 2000) == 200; }, 300s, 100ms))
      throw std::runtime_error("not ready after a crash");
    crash.push_back(SinceS(start));
    std::cerr << "crash " << i << ": " << crash.back() << " s\n";
  }
  Print("oc_crash_to_ready", Median(crash), "s");

  std::cerr << "idling " << o.idle_s << " s\n";
  // Not synchronisation: the idle period is what is measured (the slice's memory after idle_s idle).
  std::this_thread::sleep_for(seconds(o.idle_s));
  std::string esc;
  for (char c : id) esc += c == '-' ? std::string("\\x2d") : std::string(1, c);
  double rss = std::stod("0" + sb.Show("clawhive-" + esc + ".slice", "MemoryCurrent")) / (1 << 20);
  Print("oc_rss_idle_per_tenant", rss, "MB");
  uint64_t total = MemTotal(), headroom = uint64_t{2} << 30, memory_max = uint64_t{1536} << 20;
  Print("oc_tenants_fit", total > headroom ? static_cast<double>((total - headroom) / memory_max) : 0, "n");
  if (rss > 0)
    Print("oc_tenants_fit_idle", total > headroom ? static_cast<double>(static_cast<uint64_t>((total - headroom) / (rss * (1 << 20)))) : 0, "n");
  return 0;
}

}  // namespace clawhive::bench
