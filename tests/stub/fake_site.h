// FakeSite: one web site of the tests' fake internet (docs/egress.md, "Tested"): an HTTPS (or plain TCP)
// server on whatever address the calling thread's network namespace holds — 203.0.113.10:443 inside the
// egress integration test's private network, 127.0.0.1 in the egress benchmark. Test-only.
//
//   GET /            200 "hello from <name>\n"
//   GET /bytes/N     200 and N bytes (N <= 1 GiB), for throughput
//   anything else    404
// Every answer has Content-Length and "Connection: close"; the connection ends after it.
//
// It records what reached it, so that a test can show that nothing did: connections() counts every
// accepted TCP connection (before any TLS or HTTP), requests() the heads it read.
//
// Threads: one acceptor; one detached thread per connection (Stop() shuts them down and waits for them).
// Start/Stop/port from one thread; the counters from any.
#pragma once

#include <atomic>
#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "supervisor/common/result.h"

namespace clawhive::stub {

struct FakeSiteOptions {
  std::string address = "127.0.0.1";  // IPv4 or IPv6 literal
  uint16_t port = 0;                   // 0: ephemeral (see port())
  std::string name = "fake-site";      // in GET /'s answer
  // Both set: TLS (1.2+) with this PEM certificate and key; both empty: plain TCP.
  std::string tls_cert_file, tls_key_file;
};

struct FakeSiteRequest {
  std::string method, path;
  std::string peer;  // the client's address
};

class FakeSite {
 public:
  explicit FakeSite(FakeSiteOptions options);
  ~FakeSite();  // Stop()
  FakeSite(const FakeSite&) = delete;
  FakeSite& operator=(const FakeSite&) = delete;

  // Binds (in the calling thread's network namespace) and starts accepting. kInvalidArgument for a bad
  // address or unusable certificate, kUnavailable when it cannot bind.
  Status Start();
  void Stop();
  uint16_t port() const;
  uint64_t connections() const;
  uint64_t requests() const;
  std::vector<FakeSiteRequest> Requests() const;  // the last 100, oldest first

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace clawhive::stub
