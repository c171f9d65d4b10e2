// ProxyServer: the metering model proxy (docs/proxy.md). Agents call it on loopback with their tenant's
// proxy token instead of a provider key; it authenticates the tenant, reserves the request's maximum
// cost in the Ledger, injects the provider's real key, forwards to the provider, passes Server-Sent
// Events through chunk by chunk, and settles the reservation to the usage the provider reports (or an
// estimate) however the request ends: done, provider error, or the client going away.
//
//   POST /v1/chat/completions, POST /v1/responses   OpenAI-compatible providers
//   POST /v1/messages                               Anthropic-compatible providers
//   GET  /v1/models                                 the models this tenant may use (OpenAI list format)
//
// Errors are answered in the format of the API called, so agents' SDKs show them. Runs on Poco threads;
// the Ledger, the key source and the peer check are thread-safe.
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>

#include "supervisor/common/result.h"
#include "supervisor/meter/ledger.h"

namespace clawhive::proxy {

// Where the real provider keys come from (the vault's platform secrets in production).
class KeySource {
 public:
  virtual ~KeySource() = default;
  virtual Result<std::string> Key(const std::string& secret_name) = 0;  // thread-safe
};

// Which local user owns the client end of a loopback TCP connection (/proc/net/tcp in production).
class PeerIdentity {
 public:
  virtual ~PeerIdentity() = default;
  virtual std::optional<uint32_t> UidOf(const std::string& client_ip, uint16_t client_port, uint16_t server_port) = 0;
};

struct ProxyOptions {
  std::string address = "127.0.0.1";
  uint16_t port = 8480;          // 0 = ephemeral (see port())
  int threads = 64;              // concurrent requests (streams hold a thread each)
  size_t max_body = 16 << 20;    // larger request bodies get 413
  int upstream_timeout_s = 600;  // per read from the provider (long generations stream slowly)
  std::function<int64_t()> now_ms;  // wall clock; defaults to the system clock
};

class ProxyServer {
 public:
  // All references must outlive the server. `peers` may be nullptr: no peer check (tests, benchmarks).
  ProxyServer(ProxyOptions options, meter::Ledger& ledger, KeySource& keys, PeerIdentity* peers);
  ~ProxyServer();
  ProxyServer(const ProxyServer&) = delete;
  ProxyServer& operator=(const ProxyServer&) = delete;

  Status Start();  // kUnavailable when the address cannot be bound
  void Stop();     // stops accepting, aborts open connections, waits for handlers
  uint16_t port() const;

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace clawhive::proxy
