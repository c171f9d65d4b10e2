// proxy_load: a reusable HTTP/1.1 load client for the metering proxy's benchmark (issue 5), plus the
// ~61 KB OpenAI chat body OpenClaw sends. Plain HTTP to 127.0.0.1 only; no main (tests/bench wires it).
//
// Open loop: request k is due at t0 + k/rate and its latency is counted from when it was due, so a slow
// answer that holds up later ones is charged to them too (no coordinated omission). Any idle connection
// takes the next due request; `connections` bounds how many are in flight, so size it above rate x the
// expected latency or the queueing shows up as latency (by design: that is what a client would see).
//
// The client is raw sockets (one writev per request, its own response parser with chunked decoding) so
// that its own cost and jitter stay well below the proxy's added latency it is there to measure, and so
// the first SSE event is timed when its bytes arrive. TCP_NODELAY, timer slack 1 ns on its threads.
//
// Threads: each call runs `connections` worker threads of its own and returns when they are done;
// calls are independent.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <utility>
#include <vector>

namespace clawhive::bench {

struct LoadTarget {
  uint16_t port = 0;                                         // on 127.0.0.1
  std::string method = "POST";
  std::string path = "/v1/chat/completions";
  std::vector<std::pair<std::string, std::string>> headers;  // e.g. {"Authorization", "Bearer ..."}
  std::string body;                                          // sent with Content-Type: application/json
  bool streaming = false;  // the answer is SSE: ttfb is the first complete event ("\n\n")
};

struct LoadOptions {
  double rate = 100;        // requests per second
  int requests = 1000;
  int connections = 16;     // keep-alive connections, opened before t0
  double timeout_s = 30;    // per socket read/write
};

struct LoadResult {
  // Successful requests only (status 200, and for streaming at least one event), in completion order.
  std::vector<double> latency_ms;  // due -> the answer's last byte
  std::vector<double> ttfb_ms;     // due -> first SSE event when streaming, else -> response head
  int errors = 0;                  // transport failures, other statuses, streams without an event
  double seconds = 0;              // first due time -> last answer
  std::string first_error;         // what the first error was, for the log
};

// Sends options.requests requests at options.rate over options.connections connections.
LoadResult OpenLoopLoad(const LoadTarget& target, const LoadOptions& options);

// Closed loop: `connections` connections each sending back-to-back for `seconds`; for max throughput.
// latency_ms holds each request's own time (start -> last byte).
struct ClosedLoopResult {
  double rps = 0;  // successful requests per second
  int errors = 0;
  std::vector<double> latency_ms;
  std::string first_error;
};
ClosedLoopResult ClosedLoopLoad(const LoadTarget& target, int connections, double seconds, double timeout_s = 30);

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
