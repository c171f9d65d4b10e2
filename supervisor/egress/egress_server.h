// EgressServer: the tenants' way out to the Internet (docs/egress.md). An HTTP CONNECT proxy, no TLS
// interception: it reads "CONNECT host:port", decides, connects, answers 200 and then only copies bytes.
//
// Who calls: a tenant's agent reaches it only through its egress bridge (clawhive-meter@<id>), which
// connects from the loopback address naming the tenant's uid (bridge::TenantSourceAddress); the uid's
// tenant is asked of the EgressBook. Any other source address is refused (403): the egress proxy is for
// agents, not host processes.
//
// What it checks, in order, answering each refusal with a status and a one-line reason (body and
// X-Clawhive-Egress-Reason header): the head arrives within head_timeout_ms (408) and parses
// (connect_request.h: 400/405/431); the source names a tenant (403); the tenant has fewer than
// max_tunnels_per_tenant tunnels open (429); host:port is on its allow list (policy.h; 403); the name
// resolves (502); at least one address is public or in an allowed block (403, and nothing is sent
// anywhere); the connection to one of those exact addresses succeeds within connect_timeout_ms
// (502/504). Then 200, and the bytes are relayed (relay.h) with an idle timeout and metered to the
// tenant (EgressBook::Record, at least every report_every_ms).
//
// Threads: one acceptor thread; each connection on a thread of its own, at most max_connections at
// once (more are closed at once). Stop() shuts every open connection down and waits for the threads.
// The book and resolver must be thread-safe and outlive the server.
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>

#include "supervisor/common/result.h"
#include "supervisor/egress/policy.h"
#include "supervisor/egress/resolver.h"

namespace clawhive::egress {

struct EgressCounts {
  uint64_t bytes_out = 0, bytes_in = 0;
  uint64_t tunnels = 0;  // tunnels that ended (counted once, at the end)
  uint64_t refused = 0;  // requests refused (any status but 200)
};

// The proxy's view of the meter database (thread-safe).
class EgressBook {
 public:
  virtual ~EgressBook() = default;
  // The tenant whose agent runs as `uid`; nullopt when none.
  virtual Result<std::optional<std::string>> TenantOfUid(uint32_t uid) = 0;
  // The tenant's own list (empty when none was set).
  virtual Result<TenantEgress> PolicyOf(const std::string& tenant) = 0;
  virtual void Record(const std::string& tenant, const EgressCounts& delta) = 0;
};

struct EgressOptions {
  std::string address = "127.0.0.1";
  uint16_t port = 8481;  // 0 = ephemeral (see port())
  int max_connections = 1024;
  int max_tunnels_per_tenant = 64;
  int head_timeout_ms = 10000;
  int connect_timeout_ms = 10000;
  int idle_timeout_ms = 600000;
  int report_every_ms = 60000;
  OperatorEgress op;
  // Which uid a source address names; defaults to bridge::UidOfSourceAddress.
  std::function<std::optional<uint32_t>(const std::string& ipv4)> uid_of_source;
  // Each decision, for the top to log: tenant ("" when unknown), status (200 or the refusal), and a line
  // naming the destination and, for refusals, the reason. Called on connection threads; may be empty.
  std::function<void(const std::string& tenant, int status, const std::string& line)> on_decision;
};

// What the server did since it started, for logs and tests.
struct EgressStats {
  uint64_t accepted = 0, tunnels_opened = 0, refused = 0, open_now = 0;
};

class EgressServer {
 public:
  EgressServer(EgressOptions options, EgressBook& book, Resolver& resolver);
  ~EgressServer();
  EgressServer(const EgressServer&) = delete;
  EgressServer& operator=(const EgressServer&) = delete;

  Status Start();  // kUnavailable when the address cannot be bound
  void Stop();
  uint16_t port() const;
  EgressStats stats() const;

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace clawhive::egress
