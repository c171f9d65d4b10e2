// ProviderStubServer: a local OpenAI- and Anthropic-compatible model provider over HTTP/1.1 on
// loopback (plain, or HTTPS with a given certificate as real providers serve), for the metering proxy's
// tests and benchmarks (issue 5). Run as `clawhive-provider-stub` (tests/stub/provider_stub.cpp) or
// in-process by tests.
//
//   POST /v1/chat/completions   OpenAI Chat Completions; SSE when "stream": true, the usage chunk only
//                               with stream_options.include_usage                 (Authorization: Bearer)
//   POST /v1/responses          OpenAI Responses; SSE when "stream": true          (Authorization: Bearer)
//   GET  /v1/models             OpenAI's list, or Anthropic's when called with x-api-key
//   POST /v1/messages           Anthropic Messages; SSE when "stream": true        (x-api-key)
//   GET  /stub/health           200 {"ok":true}
//   GET  /stub/requests         the last 100 requests (oldest first): method, path, authorization,
//                               x_api_key, model, stream, include_usage, body_bytes, status, x_stub,
//                               headers (lower-case names in arrival order)
//   DELETE /stub/requests       forgets them
//
// Usage is deterministic: input tokens = body bytes / 4 rounded up; output tokens = min(max tokens, 16)
// (stub_request.h). A test steers one answer through the proxy with a top-level "x_stub" object in the
// body (delay, chunks, chunk delay, error status, no usage, token count, hang, abort; stub_request.h).
// Errors are in the called API's format (provider_formats.h); a wrong or missing key is a 401 when a key
// is set; bodies over max_body_bytes are a 413 (the connection then closes); unknown paths a 404.
//
// Threads: Poco's HTTPServer serves each connection on one pool thread for the connection's life
// (keep-alive), so `threads` bounds concurrent connections: more wait in the accept queue until one
// closes. Handlers share only the request log (one mutex) and atomics. Start/Stop/port from one thread.
#pragma once

#include <cstddef>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "supervisor/common/result.h"

namespace clawhive::stub {

struct ProviderStubOptions {
  std::string address = "127.0.0.1";  // loopback only: 127.0.0.0/8 or ::1; anything else is refused
  uint16_t port = 0;                   // 0: ephemeral (see port())
  std::string key;                     // the provider key callers must present; empty: no check
  int threads = 64;                    // = the most concurrent connections served
  size_t max_body_bytes = 8u << 20;    // larger bodies: 413
  // Both set: serve HTTPS (TLS 1.2+) with this PEM certificate and key instead of plain HTTP (the
  // caller must have called Poco::Net::initializeSSL()). The failure paths that act on the raw socket
  // (hang, abort, the 413 drain) then cut the TLS stream without a close_notify, as a provider
  // dropping the connection would.
  std::string tls_cert_file, tls_key_file;
};

// One request as the stub saw it.
struct SeenRequest {
  uint64_t seq = 0;
  std::string method;
  std::string path;
  std::optional<std::string> authorization;  // the header values, as received
  std::optional<std::string> x_api_key;
  std::string model;                         // "" when the body was not read or not valid
  bool stream = false;
  bool include_usage = false;
  bool x_stub = false;                       // the body carried controls
  size_t body_bytes = 0;
  int status = 0;                            // what the stub answered (or is answering)
  std::vector<std::string> header_names;     // lower-case, arrival order
};

class ProviderStubServer {
 public:
  static constexpr size_t kKeptRequests = 100;

  explicit ProviderStubServer(ProviderStubOptions options);
  ~ProviderStubServer();  // Stop()
  ProviderStubServer(const ProviderStubServer&) = delete;
  ProviderStubServer& operator=(const ProviderStubServer&) = delete;

  // Binds and starts serving. kInvalidArgument for a non-loopback address or bad options,
  // kUnavailable when the port cannot be bound. Ignores SIGPIPE process-wide: a write to a client that
  // went away must fail, not kill the process.
  Status Start();
  // Ends delayed and stalled answers, closes every connection, joins the threads (about 0.25 s: Poco's
  // acceptor polls at that interval). Idempotent.
  void Stop();
  uint16_t port() const;  // the bound port once started, else 0

  // The request log GET /stub/requests serves, oldest first.
  std::vector<SeenRequest> Requests() const;

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace clawhive::stub
