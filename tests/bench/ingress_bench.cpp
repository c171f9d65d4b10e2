#include "bench/ingress_bench.h"

#include <Poco/Net/HTTPClientSession.h>
#include <Poco/Net/HTTPRequest.h>
#include <Poco/Net/HTTPResponse.h>
#include <Poco/StreamCopier.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <iostream>
#include <memory>
#include <string>
#include <vector>

#include "integration/harness.h"
#include "supervisor/tls/pinned_session.h"

namespace clawhive::bench {
namespace {

using Clock = std::chrono::steady_clock;

void Print(const std::string& name, double value, const char* unit) {
  std::printf("%s %.3f %s\n", name.c_str(), value, unit);
  std::fflush(stdout);
}

double Percentile(std::vector<double> v, double p) {
  if (v.empty()) return 0;
  std::sort(v.begin(), v.end());
  size_t i = static_cast<size_t>(p * static_cast<double>(v.size() - 1) + 0.5);
  return v[std::min(i, v.size() - 1)];
}

const std::string kTurn = R"({"model":"openclaw","messages":[{"role":"user","content":"how is the weather on the appliance today"}]})";
const std::string kStreamTurn =
    R"({"model":"openclaw","stream":true,"messages":[{"role":"user","content":"how is the weather on the appliance today"}]})";

struct Timing {
  bool ok = false;
  double whole_ms = 0;        // send -> last byte
  double first_byte_ms = 0;   // send -> first byte of the body
};

// One chat turn on `session`: times to the body's first byte and to its end.
Timing Turn(Poco::Net::HTTPClientSession& session, const std::string& path, const std::string& bearer,
            const std::string& body) {
  Timing t;
  const auto start = Clock::now();
  try {
    Poco::Net::HTTPRequest req("POST", path, Poco::Net::HTTPMessage::HTTP_1_1);
    req.setKeepAlive(true);
    if (!bearer.empty()) req.set("Authorization", "Bearer " + bearer);
    req.setContentType("application/json");
    req.setContentLength64(static_cast<Poco::Int64>(body.size()));
    session.sendRequest(req) << body;
    Poco::Net::HTTPResponse resp;
    std::istream& in = session.receiveResponse(resp);
    in.peek();
    t.first_byte_ms = std::chrono::duration<double, std::milli>(Clock::now() - start).count();
    std::string answer;
    Poco::StreamCopier::copyToString(in, answer);
    t.whole_ms = std::chrono::duration<double, std::milli>(Clock::now() - start).count();
    t.ok = resp.getStatus() == 200 && answer.find("echo:") != std::string::npos;
  } catch (const std::exception& e) {
    std::cerr << "ingress: " << path << ": " << e.what() << "\n";
    session.reset();
  }
  return t;
}

struct Pairs {
  std::vector<double> front, direct, added;
  int errors = 0;
};

// `n` pairs: the same turn through the front and straight to the gateway, alternating which goes first.
Pairs Measure(int n, tls::PinnedSession& front, const std::string& front_path, const std::string& token,
              uint16_t gateway_port, const std::string& body, bool first_byte) {
  Pairs p;
  for (int i = 0; i < n; ++i) {
    Timing f, d;
    auto direct = [&] {
      Poco::Net::HTTPClientSession s("127.0.0.1", gateway_port);  // the agent answers Connection: close
      s.setTimeout(Poco::Timespan(30, 0));
      d = Turn(s, "/v1/chat/completions", "", body);
    };
    if (i % 2 == 0) {
      f = Turn(front, front_path, token, body);
      direct();
    } else {
      direct();
      f = Turn(front, front_path, token, body);
    }
    if (!f.ok || !d.ok) {
      ++p.errors;
      continue;
    }
    double fv = first_byte ? f.first_byte_ms : f.whole_ms, dv = first_byte ? d.first_byte_ms : d.whole_ms;
    p.front.push_back(fv);
    p.direct.push_back(dv);
    p.added.push_back(fv - dv);
  }
  return p;
}

}  // namespace

int IngressBench(const IngressBenchOptions& o) {
  testing::Sandbox sb(o.config_yaml, o.api_port);
  testing::Api api(o.api_port, sb.token(), sb.fingerprint());
  const std::string id = "chat0";
  testing::Response made = api.Post("/v1/tenants", "{\"id\":\"" + id + "\"}");
  if (made.status != 201) {
    std::cerr << "ingress: create: " << made.status << " " << made.body << "\n";
    return 1;
  }
  if (!testing::Eventually([&] { return testing::Get(api.Get("/v1/tenants/" + id).json, "status.healthy").boolean(); },
                           std::chrono::seconds(30))) {
    std::cerr << "ingress: the tenant never became healthy\n";
    return 1;
  }
  const uint16_t port = static_cast<uint16_t>(testing::Get(api.Get("/v1/tenants/" + id).json, "port").magnitude());
  testing::Response tok = api.Post("/v1/tenants/" + id + "/tokens", R"({"name":"bench","role":"tenant-admin"})");
  const std::string token = testing::Get(tok.json, "token").string();
  if (token.empty() || port == 0) {
    std::cerr << "ingress: no token or port: " << tok.body << "\n";
    return 1;
  }
  tls::PinnedSession front("127.0.0.1", o.api_port, sb.fingerprint());
  front.setKeepAlive(true);
  front.setTimeout(Poco::Timespan(30, 0));
  const std::string path = "/v1/tenants/" + id + "/openai/v1/chat/completions";
  // Warm up: the TLS handshake, the agent's and the supervisor's first calls.
  Measure(20, front, path, token, port, kTurn, false);

  std::cerr << "ingress: " << o.pairs << " pairs, whole answer\n";
  Pairs whole = Measure(o.pairs, front, path, token, port, kTurn, false);
  std::cerr << "ingress: " << o.pairs << " pairs, first event of a stream\n";
  Pairs first = Measure(o.pairs, front, path, token, port, kStreamTurn, true);

  Print("ingress_added_latency_p50_ms", Percentile(whole.added, 0.5), "ms");
  Print("ingress_added_latency_p99_ms", Percentile(whole.added, 0.99), "ms");
  Print("ingress_latency_p50_ms", Percentile(whole.front, 0.5), "ms");
  Print("ingress_latency_p99_ms", Percentile(whole.front, 0.99), "ms");
  Print("direct_gateway_latency_p50_ms", Percentile(whole.direct, 0.5), "ms");
  Print("direct_gateway_latency_p99_ms", Percentile(whole.direct, 0.99), "ms");
  Print("ingress_added_sse_first_event_p50_ms", Percentile(first.added, 0.5), "ms");
  Print("ingress_added_sse_first_event_p99_ms", Percentile(first.added, 0.99), "ms");
  Print("direct_gateway_sse_first_event_p50_ms", Percentile(first.direct, 0.5), "ms");
  Print("ingress_pairs", static_cast<double>(whole.added.size() + first.added.size()), "pairs");
  Print("ingress_errors", static_cast<double>(whole.errors + first.errors), "pairs");
  return whole.errors + first.errors == 0 ? 0 : 1;
}

}  // namespace clawhive::bench
