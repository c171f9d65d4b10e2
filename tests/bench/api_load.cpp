#include "bench/api_load.h"

#include <Poco/Net/HTTPRequest.h>
#include <Poco/Net/HTTPResponse.h>
#include <Poco/StreamCopier.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstdio>
#include <iostream>
#include <memory>
#include <mutex>
#include <random>
#include <thread>
#include <vector>

#include "bench/tenants.h"
#include "integration/harness.h"
#include "supervisor/tls/pinned_session.h"

namespace clawhive::bench {
namespace {

using Clock = std::chrono::steady_clock;

void Print(const std::string& name, double value, const char* unit) { std::printf("%s %.3f %s\n", name.c_str(), value, unit); }

double Percentile(std::vector<double> v, double p) {
  if (v.empty()) return 0;
  std::sort(v.begin(), v.end());
  size_t i = static_cast<size_t>(p * static_cast<double>(v.size() - 1) + 0.5);
  return v[std::min(i, v.size() - 1)];
}

// One keep-alive TLS connection pinned to the API's certificate.
class Client {
 public:
  Client(uint16_t port, const std::string& fingerprint, std::string token)
      : session_("127.0.0.1", port, fingerprint), token_(std::move(token)) {
    session_.setKeepAlive(true);
    session_.setTimeout(Poco::Timespan(30, 0));
  }
  // Status, or -1 on a transport error (the session reconnects on the next call).
  int Get(const std::string& path, size_t* bytes = nullptr) {
    try {
      Poco::Net::HTTPRequest req("GET", path, Poco::Net::HTTPMessage::HTTP_1_1);
      req.set("Authorization", "Bearer " + token_);
      req.setKeepAlive(true);
      session_.sendRequest(req);
      Poco::Net::HTTPResponse resp;
      std::istream& in = session_.receiveResponse(resp);
      body_.clear();
      Poco::StreamCopier::copyToString(in, body_);
      if (bytes) *bytes = body_.size();
      return resp.getStatus();
    } catch (const std::exception&) {
      session_.reset();
      return -1;
    }
  }

 private:
  tls::PinnedSession session_;
  std::string token_;
  std::string body_;
};

struct Run {
  std::vector<double> latency_ms;
  int errors = 0;
  size_t bytes = 0;
};

// `path(k)` for request k; W clients, request k on client k % W, due at t0 + k / rate.
template <typename PathFn>
Run OpenLoop(std::vector<std::unique_ptr<Client>>& clients, double rate, double seconds, PathFn path) {
  const int total = static_cast<int>(rate * seconds);
  const auto step = std::chrono::duration<double>(1.0 / rate);
  const auto t0 = Clock::now() + std::chrono::milliseconds(50);
  std::vector<Run> per(clients.size());
  std::vector<std::thread> threads;
  for (size_t w = 0; w < clients.size(); ++w) {
    threads.emplace_back([&, w] {
      for (int k = static_cast<int>(w); k < total; k += static_cast<int>(clients.size())) {
        auto due = t0 + std::chrono::duration_cast<Clock::duration>(step * k);
        std::this_thread::sleep_until(due);
        size_t bytes = 0;
        int status = clients[w]->Get(path(k), &bytes);
        double ms = std::chrono::duration<double, std::milli>(Clock::now() - due).count();
        if (status != 200) ++per[w].errors;
        per[w].latency_ms.push_back(ms);
        per[w].bytes = bytes;
      }
    });
  }
  for (auto& t : threads) t.join();
  Run all;
  for (Run& r : per) {
    all.latency_ms.insert(all.latency_ms.end(), r.latency_ms.begin(), r.latency_ms.end());
    all.errors += r.errors;
    all.bytes = std::max(all.bytes, r.bytes);
  }
  return all;
}

}  // namespace

int ApiLoad(const ApiLoadOptions& o) {
  testing::Sandbox sb(o.config_yaml, o.api_port);
  testing::Api api(o.api_port, sb.token(), sb.fingerprint());
  std::cerr << "api: creating " << o.tenants << " tenants (" << (o.running ? "running" : "stopped") << ")\n";
  CreatedTenants made = CreateTenants(api, o.tenants, "t", o.running ? "" : "\"desired\":\"stopped\"");
  if (!made.error.empty()) {
    std::cerr << "api: " << made.error << "\n";
    return 1;
  }
  if (o.running && !WaitUntilHealthy(api, made.ids.size(), std::chrono::seconds(300))) {
    std::cerr << "api: not every tenant became healthy\n";
    return 1;
  }
  std::vector<std::unique_ptr<Client>> clients;
  for (int i = 0; i < o.clients; ++i)
    clients.push_back(std::make_unique<Client>(o.api_port, sb.fingerprint(), sb.token()));
  for (auto& c : clients) c->Get("/v1/health");  // handshakes done before measuring

  std::mt19937 rng(42);
  std::vector<size_t> picks(static_cast<size_t>(o.rate * o.seconds) + 1);
  for (size_t& p : picks) p = rng() % made.ids.size();
  auto one = [&](int k) { return "/v1/tenants/" + made.ids[picks[static_cast<size_t>(k)]]; };

  std::cerr << "api: measuring at " << o.rate << " requests/s for " << o.seconds << " s per route\n";
  Run health = OpenLoop(clients, o.rate, o.seconds, [](int) { return std::string("/v1/health"); });
  Run list = OpenLoop(clients, o.rate, o.seconds, [](int) { return std::string(kListAllTenants); });
  Run get = OpenLoop(clients, o.rate, o.seconds, one);

  // Closed loop: as fast as `clients` connections go, for `seconds`.
  std::atomic<long> done{0}, failed{0};
  std::vector<std::thread> threads;
  const auto end = Clock::now() + std::chrono::duration_cast<Clock::duration>(std::chrono::duration<double>(o.seconds));
  for (size_t w = 0; w < clients.size(); ++w) {
    threads.emplace_back([&, w] {
      std::mt19937 r(static_cast<unsigned>(w));
      while (Clock::now() < end) {
        if (clients[w]->Get("/v1/tenants/" + made.ids[r() % made.ids.size()]) == 200) ++done;
        else ++failed;
      }
    });
  }
  for (auto& t : threads) t.join();

  Print("api_tenants", static_cast<double>(made.ids.size()), "tenants");
  Print("api_health_p99", Percentile(health.latency_ms, 0.99), "ms");
  Print("api_list_p50", Percentile(list.latency_ms, 0.50), "ms");
  Print("api_list_p99", Percentile(list.latency_ms, 0.99), "ms");
  Print("api_list_bytes", static_cast<double>(list.bytes), "bytes");
  Print("api_get_p50", Percentile(get.latency_ms, 0.50), "ms");
  Print("api_get_p99", Percentile(get.latency_ms, 0.99), "ms");
  Print("api_get_p99_vs_health_p99", Percentile(get.latency_ms, 0.99) / std::max(0.001, Percentile(health.latency_ms, 0.99)), "ratio");
  Print("api_max_rps", static_cast<double>(done.load()) / o.seconds, "requests/s");
  Print("api_errors", static_cast<double>(health.errors + list.errors + get.errors + failed.load()), "requests");
  return health.errors + list.errors + get.errors + failed.load() == 0 ? 0 : 1;
}

}  // namespace clawhive::bench
