// WebSocketRelays: the upgraded connections between browsers and tenants' gateways (after the handshake
// of supervisor/api/ws_upgrade.h), each copied both ways on a thread of its own.
//
// A WebSocket lives for as long as the page is open (hours). Held on an API request thread it would take
// that thread from everyone else, so the API server detaches both sockets from its pool and hands them
// here. What one tenant's pages may hold is capped (`max_per_tenant`), and so is the whole appliance
// (`max_total`): a tenant opening sockets in a loop gets 503s, never the API's threads or another
// tenant's share.
//
// The relay reads frames as bytes, never parses or changes them, and ends the pair when either side
// closes, errs, or both stay silent for `idle_timeout_ms`.
//
// Ownership: Start takes both sockets; the relay closes them. Threads: Reserve, Start, Stats and
// Shutdown may be called from any thread. Shutdown (also run by the destructor) wakes every relay by
// shutting its sockets down at the kernel (never from another thread through OpenSSL, whose objects are
// not shared between threads) and joins all relay threads.
#pragma once

#include <Poco/Net/StreamSocket.h>

#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

namespace clawhive::api {

struct RelayOptions {
  int max_total = 64;            // sockets relayed at once, all tenants
  int max_per_tenant = 8;        // sockets relayed at once for one tenant
  int idle_timeout_ms = 600000;  // both directions silent this long: the pair is closed
  int send_timeout_ms = 30000;   // one side not taking bytes this long: the pair is closed
  size_t buffer_bytes = 16384;   // what one read takes
};

// Bytes carried by one relay, each way, and why it ended.
struct RelayEnd {
  uint64_t to_gateway = 0;
  uint64_t to_client = 0;
  std::string reason;  // "client closed", "gateway closed", "idle", "shutdown", "revoked", "error: ..."
};

// Copies bytes between `client` and `gateway` until one side closes (the other is then shut for
// sending and drained for at most a second), an error, or `idle_timeout_ms` of silence. Blocking; used by
// WebSocketRelays on its threads, public for tests. `client` may be a TLS socket: bytes OpenSSL has
// already decrypted are taken before waiting on the descriptor.
RelayEnd Pump(Poco::Net::StreamSocket& client, Poco::Net::StreamSocket& gateway, const RelayOptions& options);

class WebSocketRelays {
 public:
  explicit WebSocketRelays(RelayOptions options);
  ~WebSocketRelays();
  WebSocketRelays(const WebSocketRelays&) = delete;
  WebSocketRelays& operator=(const WebSocketRelays&) = delete;

  // A place for one socket of `tenant`, held until the relay that uses it ends (or the handle is dropped
  // unused); nullptr when the tenant's or the appliance's cap is reached, or after Shutdown. Taken before
  // the gateway is called, so a full table costs no connection.
  std::shared_ptr<void> Reserve(const std::string& tenant);

  // Relays `client` and `gateway` on a new thread, holding `slot` (from Reserve) until the end; a null
  // slot (Reserve refused), or a call after Shutdown, closes both sockets instead.
  // `on_end` (may be empty) is called on that thread with the figures, for the caller's audit and metrics,
  // after the slot was given back.
  // `owners`: keys CloseOwnedBy may end it by (who opened it: "session:<id>", "token:<id>", "user:<name>").
  void Start(std::shared_ptr<void> slot, Poco::Net::StreamSocket client, Poco::Net::StreamSocket gateway,
             std::function<void(const RelayEnd&)> on_end, std::vector<std::string> owners = {});

  // Ends every relay one of whose owners is `key` (a sign-out, a deleted user, a revoked token: what
  // opened the socket no longer may), as Shutdown does one; their end reason is "revoked". Returns how
  // many. Any thread.
  int CloseOwnedBy(const std::string& key);

  struct Stats {
    int active = 0;
    std::map<std::string, int> active_by_tenant;
    uint64_t refused = 0;  // Reserve calls answered nullptr
  };
  Stats stats() const;

  void Shutdown();

 private:
  struct Slot;
  struct Running;
  void Release(const std::string& tenant);
  void ReapFinishedLocked();

  const RelayOptions options_;
  mutable std::mutex mu_;
  bool shut_down_ = false;                  // guarded by mu_
  int active_ = 0;                          // guarded by mu_
  uint64_t refused_ = 0;                    // guarded by mu_
  std::map<std::string, int> by_tenant_;    // guarded by mu_
  std::vector<std::unique_ptr<Running>> running_;  // guarded by mu_
};

}  // namespace clawhive::api
