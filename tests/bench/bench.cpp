// clawhive-bench: benchmarks of the supervisor against a real systemd in the sandbox.
//   clawhive-bench crash-restart | provision | scale [--tenants N]
//   clawhive-bench crash-under-load [--tenants N] [--baseline-supervisor PATH]
//   clawhive-bench list_cost [--tenants N] [--baseline-supervisor PATH]
// Prints `name value unit` lines. Where a baseline exists it is measured in the same run (these
// machines are shared and noisy) and a ratio is printed: crash-restart and provision compare with
// systemd's own Restart=always / systemd-run on the same test agent.
#include <dirent.h>
#include <signal.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstdio>
#include <cstring>
#include <fstream>
#include <functional>
#include <iostream>
#include <sstream>
#include <thread>

#include "bench/api_load.h"
#include "bench/egress_bench.h"
#include "bench/ingress_bench.h"
#include "bench/list_cost.h"
#include "bench/openclaw_bench.h"
#include "bench/proxy_bench.h"
#include "bench/tenants.h"
#include "integration/harness.h"

using namespace clawhive::testing;
using namespace std::chrono;
using namespace std::chrono_literals;

namespace {

constexpr uint16_t kApiPort = 18571;

// Tenant ports stay below the kernel's ephemeral range (32768+): an agent cannot bind a port a client
// socket already took as its local port.
std::string Config(int port_step, int port_base = 21000) {
  return "api:\n  listen: 127.0.0.1:18571\n"
         "tenant_defaults:\n  memory_max: 128M\n  memory_high: 100M\n  tasks_max: 32\n"
         "  agent:\n    exec: " + std::string(kTestAgent) + "\n"
         "  port_base: " + std::to_string(port_base) + "\n  port_step: " + std::to_string(port_step) + "\n"
         "crash_policy:\n  immediate_restarts: 100\n  quarantine_after: 1000\n  window: 10m\n";
}

double NowS() { return duration<double>(steady_clock::now().time_since_epoch()).count(); }
int64_t WallMs() { return duration_cast<milliseconds>(system_clock::now().time_since_epoch()).count(); }

double Percentile(std::vector<double> v, double p) {
  if (v.empty()) return 0;
  std::sort(v.begin(), v.end());
  size_t i = static_cast<size_t>(p * (v.size() - 1) + 0.5);
  return v[std::min(i, v.size() - 1)];
}

void Print(const std::string& name, double value, const std::string& unit) {
  std::printf("%s %.4f %s\n", name.c_str(), value, unit.c_str());
  std::fflush(stdout);
}

// `name`_p50 and `name`_p99 of `values`.
void PrintQuantiles(const std::string& name, const std::vector<double>& values, const std::string& unit) {
  Print(name + "_p50", Percentile(values, 0.5), unit);
  Print(name + "_p99", Percentile(values, 0.99), unit);
}

std::string ReadFile(const std::string& path) {
  std::ifstream in(path);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

// The host pid of a process known inside the sandbox's PID namespace as ns_pid.
pid_t HostPid(pid_t sandbox_init, pid_t ns_pid) {
  char target[64] = {}, link[64];
  snprintf(link, sizeof link, "/proc/%d/ns/pid", sandbox_init);
  if (readlink(link, target, sizeof target - 1) < 0) return -1;
  DIR* d = opendir("/proc");
  pid_t found = -1;
  while (dirent* e = readdir(d)) {
    if (!isdigit(static_cast<unsigned char>(e->d_name[0]))) continue;
    std::string status = ReadFile(std::string("/proc/") + e->d_name + "/status");
    size_t at = status.find("NSpid:");
    if (at == std::string::npos) continue;
    std::istringstream line(status.substr(at + 6, status.find('\n', at) - at - 6));
    std::vector<pid_t> ids;
    for (pid_t x; line >> x;) ids.push_back(x);
    if (ids.size() < 2 || ids.back() != ns_pid) continue;
    char other[64] = {};
    snprintf(link, sizeof link, "/proc/%s/ns/pid", e->d_name);
    if (readlink(link, other, sizeof other - 1) < 0 || strcmp(other, target) != 0) continue;
    found = ids.front();
    break;
  }
  closedir(d);
  return found;
}

pid_t SandboxInit(Sandbox& sb) { return std::stoi(ReadFile(sb.dir() + "/sb/pid")); }

// The agent's own pid inside the sandbox, from its /selftest/whoami; 0 when it does not answer.
pid_t AgentPid(const Gateway& port) {
  std::string body = HttpBody(port, "/selftest/whoami", 200);
  size_t at = body.find("\"pid\":");
  return at == std::string::npos ? 0 : std::atoi(body.c_str() + at + 6);
}

// When the agent on `port` began (wall-clock ms, its /selftest/whoami), or 0 when it does not answer.
int64_t AgentStartedWallMs(const Gateway& port) {
  std::string body = HttpBody(port, "/selftest/whoami", 200);
  size_t at = body.find("\"started_wall_ms\":");
  return at == std::string::npos ? 0 : std::atoll(body.c_str() + at + 18);
}

// Kills the agent on `port` with SIGKILL `n` times; returns kill -> answering-again times (s) and the
// wall-clock kill times (ms) for matching with incidents. Before kill i, waits (up to 10 s) until
// `settled(i)` holds, when given: the previous crash fully handled, so each kill starts from the same state.
// `exec_after`, when given, gets each kill -> new agent process began (s): what detection, the
// supervisor's restart and systemd's unit start took, without the agent's own start-up and our polling.
std::vector<double> KillLoop(Sandbox& sb, const Gateway& port, int n, std::vector<int64_t>* kill_wall,
                             const std::function<bool(int)>& settled = {}, std::vector<double>* exec_after = nullptr) {
  std::vector<double> out;
  pid_t init = SandboxInit(sb);
  for (int i = 0; i < n; ++i) {
    pid_t ns_pid = 0;
    Eventually([&] { return (ns_pid = AgentPid(port)) > 0; }, 10s, 5ms);
    pid_t host = HostPid(init, ns_pid);
    if (host <= 0) { std::cerr << "no host pid for " << ns_pid << "\n"; continue; }
    if (settled) Eventually([&] { return settled(i); }, 10s, 5ms);
    double t0 = NowS();
    int64_t wall0 = WallMs();
    if (kill_wall) kill_wall->push_back(wall0);
    kill(host, SIGKILL);
    bool back = Eventually([&] { pid_t p = AgentPid(port); return p > 0 && p != ns_pid; }, 10s, 1ms);
    if (back) out.push_back(NowS() - t0);
    if (back && exec_after)
      if (int64_t began = AgentStartedWallMs(port); began >= wall0) exec_after->push_back((began - wall0) / 1000.0);
  }
  return out;
}

// Supervisor detection of each kill: the first incident at or after the kill's wall-clock time minus it
// (same clock), in seconds. `healthy`, when given, gets every incident's "healthy again after".
std::vector<double> DetectionTimes(Api& api, const std::string& tenant, const std::vector<int64_t>& kills,
                                   std::vector<double>* healthy) {
  std::vector<int64_t> at;
  Response listed = api.Get("/v1/tenants/" + tenant + "/incidents?limit=1000");  // outlives the loop
  for (const JsonValue& i : Get(listed.json, "incidents").items()) {
    at.push_back(static_cast<int64_t>(Get(i, "at_ms").number()));
    if (healthy && !Get(i, "healthy_after_s").is_null()) healthy->push_back(Get(i, "healthy_after_s").number());
  }
  std::sort(at.begin(), at.end());
  std::vector<double> out;
  for (int64_t k : kills) {
    auto it = std::lower_bound(at.begin(), at.end(), k);
    if (it != at.end()) out.push_back(static_cast<double>(*it - k) / 1000.0);
  }
  return out;
}

int CrashRestart() {
  Sandbox sb(Config(120), kApiPort);
  Api api(kApiPort, sb.token(), sb.fingerprint());
  auto r = api.Post("/v1/tenants", R"({"id":"bench-crash"})");
  if (r.status != 201 && r.status != 200) { std::cerr << r.body << "\n"; return 1; }
  Gateway port{&sb, "bench-crash", static_cast<uint16_t>(Get(r.json, "port").number())};
  Eventually([&] { return HttpStatus(port, "/healthz", 200) == 200; }, 15s);

  // The supervisor has recorded `n` crashes of the tenant and seen it healthy again after the last.
  auto recovered = [&](int n) {
    Response listed = api.Get("/v1/tenants/bench-crash/incidents?limit=100");
    const JsonValue& list = Get(listed.json, "incidents");
    return static_cast<int>(list.items().size()) >= n && (n == 0 || !Get(list, "0.healthy_after_s").is_null());
  };
  std::vector<int64_t> kills;
  auto ours = KillLoop(sb, port, 20, &kills, recovered);
  Eventually([&] { return recovered(static_cast<int>(kills.size())); }, 10s);
  std::vector<double> healthy;
  std::vector<double> detect = DetectionTimes(api, "bench-crash", kills, &healthy);

  // Baselines in the same run, same kill loop:
  // (1) systemd's own Restart=always, RestartSec=0 on the same sandboxed template unit (a tenant the
  //     supervisor was told to leave stopped, started by hand with a restart drop-in): what systemd
  //     alone costs for this unit;
  // (2) the same on a bare transient unit (no sandboxing): the floor.
  r = api.Post("/v1/tenants", R"({"id":"bench-base","desired":"stopped"})");
  Gateway same_port{&sb, "bench-base", static_cast<uint16_t>(Get(r.json, "port").number())};
  sb.Exec("mkdir -p '/run/systemd/system/clawhive-agent@bench\\x2dbase.service.d' && printf "
          "'[Service]\\nRestart=always\\nRestartSec=0\\n[Unit]\\nStartLimitIntervalSec=0\\n' > "
          "'/run/systemd/system/clawhive-agent@bench\\x2dbase.service.d/restart.conf' && systemctl daemon-reload && "
          "systemctl start 'clawhive-agent@bench\\x2dbase.service'");
  Eventually([&] { return HttpStatus(same_port, "/healthz", 200) == 200; }, 10s);
  auto same = KillLoop(sb, same_port, 20, nullptr);
  sb.Exec("systemctl stop 'clawhive-agent@bench\\x2dbase.service'");

  Gateway bport = OnLoopback(6000);
  sb.Exec("systemd-run --unit=bench-bare -p Restart=always -p RestartSec=0 -p StartLimitIntervalSec=0 -E PORT=" +
          std::to_string(bport.port) + " " + std::string(kTestAgent) + " >/dev/null 2>&1");
  Eventually([&] { return HttpStatus(bport, "/healthz", 200) == 200; }, 10s);
  auto base = KillLoop(sb, bport, 20, nullptr);
  sb.Exec("systemctl stop bench-bare");

  Print("crash_kills", static_cast<double>(ours.size()), "count");
  PrintQuantiles("crash_to_healthy", ours, "s");
  PrintQuantiles("crash_detect", detect, "s");
  Print("incident_healthy_after_p50", Percentile(healthy, 0.5), "s");
  PrintQuantiles("baseline_systemd_restart_same_unit", same, "s");
  PrintQuantiles("baseline_systemd_restart_bare", base, "s");
  Print("crash_to_healthy_p50_vs_systemd_same_unit",
        Percentile(ours, 0.5) / std::max(1e-6, Percentile(same, 0.5)), "ratio");
  return ours.size() == 20 ? 0 : 1;
}

int Provision() {
  Sandbox sb(Config(120), kApiPort);
  Api api(kApiPort, sb.token(), sb.fingerprint());
  std::vector<double> ours, api_only, base;
  for (int i = 0; i < 20; ++i) {
    std::string id = "prov-" + std::to_string(i);
    double t0 = NowS();
    auto r = api.Post("/v1/tenants", "{\"id\":\"" + id + "\"}");
    double t1 = NowS();
    if (r.status != 201 && r.status != 200) { std::cerr << r.body << "\n"; return 1; }
    Gateway port{&sb, id, static_cast<uint16_t>(Get(r.json, "port").number())};
    if (Eventually([&] { return HttpStatus(port, "/healthz", 200) == 200; }, 10s, 1ms)) {
      ours.push_back(NowS() - t0);
      api_only.push_back(t1 - t0);
    }
  }
  // Baseline: a bare transient unit of the same agent through systemd-run (what systemd alone costs).
  for (int i = 0; i < 20; ++i) {
    uint16_t port = static_cast<uint16_t>(6000 + i);
    double t0 = NowS();
    sb.Exec("systemd-run --unit=bench-base-" + std::to_string(i) + " -E PORT=" + std::to_string(port) +
            " " + std::string(kTestAgent) + " >/dev/null 2>&1");
    if (Eventually([&] { return HttpStatus(OnLoopback(port), "/healthz", 200) == 200; }, 10s, 1ms)) base.push_back(NowS() - t0);
  }
  Print("provision_count", static_cast<double>(ours.size()), "count");
  Print("provision_p50", Percentile(ours, 0.5), "s");
  Print("provision_p99", Percentile(ours, 0.99), "s");
  Print("provision_api_call_p50", Percentile(api_only, 0.5), "s");
  Print("baseline_systemd_run_p50", Percentile(base, 0.5), "s");
  Print("provision_p50_vs_systemd_run", Percentile(ours, 0.5) / std::max(1e-6, Percentile(base, 0.5)), "ratio");
  return ours.size() == 20 ? 0 : 1;
}

uint64_t ProcRssBytes(pid_t host_pid) {
  std::string status = ReadFile("/proc/" + std::to_string(host_pid) + "/status");
  size_t at = status.find("VmRSS:");
  return at == std::string::npos ? 0 : std::stoull(status.substr(at + 6)) * 1024;
}

// The process's RSS once it has stopped changing (two reads 250 ms apart within 1 %), or the last read
// when it has not within `timeout`.
uint64_t SteadyRssBytes(pid_t host_pid, seconds timeout) {
  uint64_t last = 0, now = 0;
  Eventually([&] {
    now = ProcRssBytes(host_pid);
    bool steady = last > 0 && (now > last ? now - last : last - now) * 100 <= last;
    last = now;
    return steady;
  }, timeout, 250ms);
  return now;
}

double ProcCpuSeconds(pid_t host_pid) {
  std::string stat = ReadFile("/proc/" + std::to_string(host_pid) + "/stat");
  std::istringstream in(stat.substr(stat.rfind(')') + 2));
  std::string field;
  uint64_t utime = 0, stime = 0;
  for (int i = 3; i <= 15 && in >> field; ++i) {
    if (i == 14) utime = std::stoull(field);
    if (i == 15) stime = std::stoull(field);
  }
  return static_cast<double>(utime + stime) / static_cast<double>(sysconf(_SC_CLK_TCK));
}

int Scale(int n) {
  Sandbox sb(Config(2, 2000), kApiPort);
  Api api(kApiPort, sb.token(), sb.fingerprint());
  pid_t sup = HostPid(SandboxInit(sb), std::stoi(sb.Show("clawhive-supervisor.service", "MainPID")));
  uint64_t rss0 = SteadyRssBytes(sup, 30s);
  double t0 = NowS();
  clawhive::bench::CreatedTenants made = clawhive::bench::CreateTenants(api, n, "s-");
  if (!made.error.empty()) { std::cerr << made.error << "\n"; return 1; }
  const std::vector<double>& creates = made.call_seconds;
  bool all = clawhive::bench::WaitUntilHealthy(api, static_cast<size_t>(n), 120s);
  double total = NowS() - t0;
  uint64_t rss1 = SteadyRssBytes(sup, 30s);
  double cpu0 = ProcCpuSeconds(sup);
  // Not synchronisation: this idle period is the measurement (CPU an idle supervisor uses in 30 s).
  std::this_thread::sleep_for(30s);
  double cpu1 = ProcCpuSeconds(sup);
  Print("scale_tenants", n, "count");
  Print("scale_all_healthy", all ? 1 : 0, "bool");
  Print("scale_total_time", total, "s");
  Print("scale_create_call_p50", Percentile(creates, 0.5), "s");
  Print("scale_create_call_p99", Percentile(creates, 0.99), "s");
  Print("scale_create_call_first50_p50", Percentile({creates.begin(), creates.begin() + std::min(n, 50)}, 0.5), "s");
  Print("scale_create_call_last50_p50", Percentile({creates.end() - std::min(n, 50), creates.end()}, 0.5), "s");
  Print("supervisor_rss", static_cast<double>(rss1), "bytes");
  Print("supervisor_rss_empty", static_cast<double>(rss0), "bytes");
  Print("supervisor_rss_per_tenant", static_cast<double>(rss1 > rss0 ? rss1 - rss0 : 0) / n, "bytes");
  Print("supervisor_idle_cpu", (cpu1 - cpu0) / 30.0, "cpu_fraction");
  return all ? 0 : 1;
}

// The loop thread never waits for blocking work: crash -> healthy of one tenant while a KEK rotation
// over `keys` tenants' data keys, the deletion of an OpenClaw runtime image (~38,700 files) and 50 tenant
// creations run at once, against the same kill loop with nothing else running, in the same sandbox.
// `supervisor`: another supervisor binary to measure instead (the version before, for a before/after).
int CrashUnderLoad(int keys, const std::string& supervisor) {
  const std::string artifact = "/var/tmp/clawhive-runtime-cache/artifacts/openclaw-2026.9.5-node24.22.3.tar.zst";
  if (access(artifact.c_str(), R_OK) != 0) {
    std::cerr << artifact << " is missing: tests/openclaw/build-images builds it\n";
    return 1;
  }
  Sandbox sb(Config(2, 2000), kApiPort);
  if (!supervisor.empty()) {
    auto r = sb.Exec("install -m 0755 " + Quote(supervisor) +
                     " /usr/sbin/clawhive-supervisor && systemctl restart clawhive-supervisor.service");
    if (r.status != 0) { std::cerr << "installing " << supervisor << " failed\n"; return 1; }
  }
  Api api(kApiPort, sb.token(), sb.fingerprint());
  Eventually([&] { return api.Get("/v1/health").status == 200; }, 60s, 100ms);

  // Setup: `keys` stopped tenants, each with a secret (so a data key), and the image to delete.
  clawhive::bench::CreatedTenants made = clawhive::bench::CreateTenants(api, keys, "k-", "\"desired\":\"stopped\"");
  if (!made.error.empty()) { std::cerr << made.error << "\n"; return 1; }
  for (const std::string& id : made.ids) {
    auto r = api.Call("PUT", "/v1/tenants/" + id + "/secrets/SEED", R"({"value":"seed"})");
    if (r.status != 201 && r.status != 200) { std::cerr << "secret: " << r.status << " " << r.body << "\n"; return 1; }
  }
  auto imported = api.Post("/v1/images", "{\"path\":\"" + artifact + "\"}");
  if (imported.status != 201) { std::cerr << "import: " << imported.status << " " << imported.body << "\n"; return 1; }
  const std::string image = Get(imported.json, "id").string();

  auto r = api.Post("/v1/tenants", R"({"id":"bench-crash"})");
  if (r.status != 201 && r.status != 200) { std::cerr << r.body << "\n"; return 1; }
  Gateway port{&sb, "bench-crash", static_cast<uint16_t>(Get(r.json, "port").number())};
  Eventually([&] { return HttpStatus(port, "/healthz", 200) == 200; }, 15s);
  int seen = 0;  // crashes the supervisor has recorded and recovered from
  auto recovered = [&](int) {
    Response listed = api.Get("/v1/tenants/bench-crash/incidents?limit=1000");
    const JsonValue& list = Get(listed.json, "incidents");
    return static_cast<int>(list.items().size()) >= seen && (seen == 0 || !Get(list, "0.healthy_after_s").is_null());
  };
  std::vector<double> quiet, quiet_exec;
  for (int i = 0; i < 20; ++i, ++seen)
    for (double d : KillLoop(sb, port, 1, nullptr, recovered, &quiet_exec)) quiet.push_back(d);

  // The load, each part on a client of its own.
  std::atomic<int> running{3};
  double kek_s = 0, delete_s = 0, create_s = 0;
  int kek_status = 0, delete_status = 0, created = 0;
  auto timed = [&](double* out, const std::function<void()>& work) {
    return std::thread([&, out, work] {
      double t0 = NowS();
      work();
      *out = NowS() - t0;
      --running;
    });
  };
  std::vector<std::thread> load;
  load.push_back(timed(&kek_s, [&] {
    Api own(kApiPort, sb.token(), sb.fingerprint());
    kek_status = own.Post("/v1/vault/rotate-kek").status;
  }));
  load.push_back(timed(&delete_s, [&] {
    Api own(kApiPort, sb.token(), sb.fingerprint());
    delete_status = own.Call("DELETE", "/v1/images/" + image).status;
  }));
  load.push_back(timed(&create_s, [&] {
    Api own(kApiPort, sb.token(), sb.fingerprint());
    for (int i = 0; i < 50; ++i) {
      auto c = own.Post("/v1/tenants", "{\"id\":\"load-" + std::to_string(i) + "\"}");
      if (c.status == 201 || c.status == 200) ++created;
    }
  }));
  std::vector<double> loaded, loaded_exec;
  std::vector<int64_t> kill_wall;
  while (running.load() > 0)
    for (double d : KillLoop(sb, port, 1, &kill_wall, [&](int) { ++seen; return true; }, &loaded_exec))
      loaded.push_back(d);
  for (std::thread& t : load) t.join();
  // Detection is what the loop thread adds; the rest of crash -> healthy is systemd starting the agent.
  Eventually([&] { return recovered(0); }, 10s);
  std::vector<double> detect = DetectionTimes(api, "bench-crash", kill_wall, nullptr);

  Print("crash_under_load_kills", static_cast<double>(loaded.size()), "count");
  PrintQuantiles("crash_to_healthy_under_load", loaded, "s");
  Print("crash_to_healthy_under_load_max", Percentile(loaded, 1.0), "s");
  PrintQuantiles("crash_detect_under_load", detect, "s");
  PrintQuantiles("crash_to_agent_exec_under_load", loaded_exec, "s");
  PrintQuantiles("crash_to_healthy_quiet", quiet, "s");
  PrintQuantiles("crash_to_agent_exec_quiet", quiet_exec, "s");
  Print("crash_to_healthy_p99_under_load_vs_quiet", Percentile(loaded, 0.99) / std::max(1e-6, Percentile(quiet, 0.99)), "ratio");
  Print("load_kek_rotation_data_keys", keys, "count");
  Print("load_kek_rotation_seconds", kek_s, "s");
  Print("load_image_delete_seconds", delete_s, "s");
  Print("load_tenant_creations", created, "count");
  Print("load_50_creations_seconds", create_s, "s");
  if (kek_status != 200 || delete_status != 200 || created != 50) {
    std::cerr << "load failed: rotate-kek " << kek_status << ", image delete " << delete_status << ", created " << created << "\n";
    return 1;
  }
  return loaded.empty() ? 1 : 0;
}

}  // namespace

int main(int argc, char** argv) {
  std::string name = argc > 1 ? argv[1] : "";
  // Options after the name: --tenants N, --baseline-supervisor PATH.
  int tenants = 0;
  std::string baseline;
  bool stopped = false;
  double seconds = 0;
  int starts = 0;
  for (int i = 2; i < argc; ++i)
    if (std::string(argv[i]) == "--stopped") stopped = true;
  for (int i = 2; i + 1 < argc; i += 2) {
    if (std::string(argv[i]) == "--tenants") tenants = std::atoi(argv[i + 1]);
    else if (std::string(argv[i]) == "--baseline-supervisor") baseline = argv[i + 1];
    else if (std::string(argv[i]) == "--seconds") seconds = std::atof(argv[i + 1]);
    else if (std::string(argv[i]) == "--starts") starts = std::atoi(argv[i + 1]);
  }
  try {
    if (name == "crash-restart") return CrashRestart();
    if (name == "crash-under-load") return CrashUnderLoad(tenants > 0 ? tenants : 1000, baseline);
    if (name == "provision") return Provision();
    if (name == "scale") return Scale(tenants > 0 ? tenants : 500);
    if (name == "proxy") return clawhive::bench::ProxyBench(seconds > 0 ? seconds : 10);
    if (name == "egress") return clawhive::bench::EgressBench({});
    if (name == "openclaw" || name == "oc-start") {
      clawhive::bench::OpenClawBenchOptions o;
      if (seconds > 0) o.idle_s = static_cast<int>(seconds);
      if (starts > 0) o.starts = starts;
      o.memory = name == "openclaw";
      return clawhive::bench::OpenClawBench(o);
    }
    // The API benchmarks' common options: their tenants in the sandbox and its API.
    auto sandboxed = [&](auto o) {
      o.tenants = tenants > 0 ? tenants : 1000;
      o.config_yaml = Config(2, 2000);
      o.api_port = kApiPort;
      return o;
    };
    if (name == "api") {
      auto o = sandboxed(clawhive::bench::ApiLoadOptions{});
      o.running = !stopped;
      return clawhive::bench::ApiLoad(o);
    }
    if (name == "ingress") {
      clawhive::bench::IngressBenchOptions o;
      o.config_yaml = Config(200, 21000);
      o.api_port = kApiPort;
      return clawhive::bench::IngressBench(o);
    }
    if (name == "list_cost") {
      auto o = sandboxed(clawhive::bench::ListCostOptions{});
      o.baseline_supervisor = baseline;
      return clawhive::bench::ListCost(o);
    }
  } catch (const std::exception& e) {
    std::cerr << "clawhive-bench: " << e.what() << "\n";
    return 1;
  }
  std::cerr << "usage: clawhive-bench crash-restart|crash-under-load|provision|scale|list_cost|api|ingress|proxy|egress|openclaw|oc-start [--tenants N] [--stopped] [--seconds S] [--starts N]"
               " [--baseline-supervisor PATH]\n";
  return 2;
}
