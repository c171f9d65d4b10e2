// proxy_load: a reusable HTTP/1.1 load client for the metering proxy's benchmark (issue 5), plus the
// ~61 KB OpenAI chat body OpenClaw sends. To 127.0.0.1 only, plain HTTP or TLS; no main (tests/bench
// wires it).
//
// Paired (latency): each pair is one request to a baseline target and one to the measured target, back
// to back in alternating order, each timed from its own send to its last byte; the per-pair difference
// is what the measured path adds, with the load and noise the two share cancelled pair by pair. Pair k
// is due at t0 + k/rate; an idle worker takes the next due pair.
// Closed loop (throughput): connections sending back to back for a while.
//
// The client is raw sockets (one writev per request, or OpenSSL over the socket for TLS; its own
// response parser with chunked decoding) so that its own cost and jitter stay well below the proxy's
// added latency it is there to measure, and so the first SSE event is timed when its bytes arrive.
// TCP_NODELAY, timer slack 1 ns on its threads. A connection can be bound to a source address before
// it connects, as clawhive-bridge does for a tenant (127.128.0.0/9 names the tenant to the proxy).
//
// Threads: each call runs worker threads of its own and returns when they are done; calls are
// independent.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <utility>
#include <vector>

namespace clawhive::bench {

struct LoadTarget {
  uint16_t port = 0;                                         // on 127.0.0.1
  std::string source_address;  // bind() the client socket to this address before connect; "": any
  std::string tls_ca_file;     // non-empty: TLS, the server's certificate verified against this PEM
                               // file and the name 127.0.0.1; "": plain HTTP
  std::string method = "POST";
  std::string path = "/v1/chat/completions";
  std::vector<std::pair<std::string, std::string>> headers;  // e.g. {"Authorization", "Bearer ..."}
  std::string body;                                          // sent with Content-Type: application/json
  bool streaming = false;  // the answer is SSE: ttfb is the first complete event ("\n\n")
};

struct PairedOptions {
  double rate = 50;       // pairs per second
  int pairs = 500;
  int workers = 8;        // each with one keep-alive connection to the baseline and one to the measured
  double timeout_s = 30;  // per socket read/write
};

// Successful pairs only (both answers status 200, and for streaming at least one event each).
struct PairedResult {
  std::vector<double> baseline_ms, measured_ms, added_ms;  // send -> last byte; added = measured - baseline
  std::vector<double> baseline_ttfb_ms, measured_ttfb_ms, added_ttfb_ms;  // send -> first SSE event (head)
  int errors = 0;            // failed requests (a pair with one is left out)
  std::string first_error;   // what the first error was, for the log
};

// Sends options.pairs pairs at options.rate; worker w sends its measured requests to
// measured[w % measured.size()] (e.g. one target per tenant). Both targets must agree on `streaming`.
PairedResult PairedLoad(const LoadTarget& baseline, const std::vector<LoadTarget>& measured,
                        const PairedOptions& options);

// Closed loop: `connections` connections (connection i to targets[i % targets.size()]) each sending
// back-to-back for `seconds`; for max throughput. latency_ms holds each request's own time (start ->
// last byte).
struct ClosedLoopResult {
  double rps = 0;  // successful requests per second
  int errors = 0;
  std::vector<double> latency_ms;
  std::string first_error;
};
ClosedLoopResult ClosedLoopLoad(const std::vector<LoadTarget>& targets, int connections, double seconds,
                                double timeout_s = 30);

// One request on a connection of its own: the answer's HTTP status, or -1 (`error` says why).
int StatusOf(const LoadTarget& target, std::string* error);

// The p-quantile (0..1) of `values` by nearest rank; 0 when empty.
double LoadPercentile(std::vector<double> values, double p);

// A chat request shaped like OpenClaw's (measured: /work/shared/facts/openclaw.md): a long system prompt,
// 12 function tools with JSON schemas, a conversation history with tool calls and results, then the
// new user turn padded so the whole body is exactly target_bytes (when it is at least ~12 KB).
struct ChatBodyOptions {
  std::string model = "stub-model";
  bool stream = true;
  bool include_usage = true;        // stream_options.include_usage (only written when streaming)
  size_t target_bytes = 61 * 1024;
  std::string x_stub_json;          // a JSON object added as "x_stub" (provider stub controls), or empty
};
std::string OpenClawChatBody(const ChatBodyOptions& options);

}  // namespace clawhive::bench
