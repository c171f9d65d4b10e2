#include "supervisor/api/ws_relay.h"

#include <algorithm>

#include <Poco/Exception.h>
#include <Poco/Timespan.h>
#include <poll.h>
#include <sys/socket.h>

#include <atomic>
#include <cerrno>
#include <chrono>
#include <functional>
#include <utility>

namespace clawhive::api {
namespace {

using Clock = std::chrono::steady_clock;

int Fd(const Poco::Net::StreamSocket& s) { return static_cast<int>(s.impl()->sockfd()); }

// Writes all of `data`; false when the peer is gone or took nothing for the send timeout.
bool SendAll(Poco::Net::StreamSocket& to, const char* data, int size) {
  while (size > 0) {
    int n = to.sendBytes(data, size);
    if (n <= 0) return false;
    data += n;
    size -= n;
  }
  return true;
}

}  // namespace

RelayEnd Pump(Poco::Net::StreamSocket& client, Poco::Net::StreamSocket& gateway, const RelayOptions& options) {
  RelayEnd end;
  std::vector<char> buffer(options.buffer_bytes);
  Poco::Net::StreamSocket* side[2] = {&client, &gateway};
  uint64_t* carried[2] = {&end.to_gateway, &end.to_client};
  bool open[2] = {true, true};  // still reading from this side
  Clock::time_point last = Clock::now();
  Clock::time_point drain_until{};  // once one side ended: how long the other may still finish
  try {
    for (auto* s : side) {
      s->setSendTimeout(Poco::Timespan(static_cast<long>(options.send_timeout_ms) * 1000));
      s->setBlocking(true);
    }
    while (open[0] || open[1]) {
      // TLS: OpenSSL may hold decrypted bytes the descriptor no longer shows (a record larger than one
      // read); poll() would then wait for bytes that already came.
      int ready = -1;
      for (int i = 0; i < 2; ++i)
        if (open[i] && side[i]->available() > 0) ready = i;
      if (ready < 0) {
        pollfd fds[2];
        for (int i = 0; i < 2; ++i) fds[i] = {open[i] ? Fd(*side[i]) : -1, POLLIN, 0};
        auto now = Clock::now();
        auto deadline = drain_until != Clock::time_point{} ? drain_until
                                                           : last + std::chrono::milliseconds(options.idle_timeout_ms);
        if (now >= deadline) {
          end.reason = drain_until != Clock::time_point{} ? end.reason : "idle";
          break;
        }
        int wait_ms = static_cast<int>(std::chrono::duration_cast<std::chrono::milliseconds>(deadline - now).count()) + 1;
        int n = ::poll(fds, 2, wait_ms);
        if (n < 0) {
          if (errno == EINTR) continue;
          end.reason = "error: poll failed";
          break;
        }
        if (n == 0) continue;  // the deadline check above decides
        for (int i = 0; i < 2 && ready < 0; ++i)
          if (fds[i].revents & (POLLIN | POLLHUP | POLLERR)) ready = i;
        if (ready < 0) continue;
      }
      int n = side[ready]->receiveBytes(buffer.data(), static_cast<int>(buffer.size()));
      if (n < 0) continue;  // TLS wanted more (a record in parts, a key update): nothing for the other side
      if (n == 0) {
        // This side finished sending: pass the end on, let the other side finish for a moment.
        open[ready] = false;
        if (end.reason.empty()) end.reason = ready == 0 ? "client closed" : "gateway closed";
        if (Fd(*side[ready ^ 1]) >= 0) ::shutdown(Fd(*side[ready ^ 1]), SHUT_WR);
        if (drain_until == Clock::time_point{}) drain_until = Clock::now() + std::chrono::seconds(1);
        continue;
      }
      last = Clock::now();
      if (!SendAll(*side[ready ^ 1], buffer.data(), n)) {
        end.reason = "error: a side stopped taking bytes";
        break;
      }
      *carried[ready] += static_cast<uint64_t>(n);
    }
  } catch (const Poco::Exception& e) {
    // Shutdown() shuts the descriptors down under a read: that ends here as an I/O error too.
    if (end.reason.empty()) end.reason = "error: " + e.displayText();
  }
  return end;
}

// Gives its place back when the last handle goes; never destroyed while mu_ is held (Release takes it).
struct WebSocketRelays::Slot {
  Slot(WebSocketRelays* o, std::string t) : owner(o), tenant(std::move(t)) {}
  Slot(const Slot&) = delete;
  Slot& operator=(const Slot&) = delete;
  ~Slot() { owner->Release(tenant); }
  WebSocketRelays* owner;
  std::string tenant;
};

struct WebSocketRelays::Running {
  std::thread thread;
  std::atomic<bool> done{false};
  bool closed = false;  // guarded by WebSocketRelays::mu_: the descriptors below may be reused after this
  int client_fd = -1;
  int gateway_fd = -1;
  std::vector<std::string> owners;  // CloseOwnedBy keys
  bool revoked = false;              // guarded by mu_: ended by CloseOwnedBy
};

WebSocketRelays::WebSocketRelays(RelayOptions options) : options_(options) {}

WebSocketRelays::~WebSocketRelays() { Shutdown(); }

std::shared_ptr<void> WebSocketRelays::Reserve(const std::string& tenant) {
  std::lock_guard<std::mutex> lock(mu_);
  int& mine = by_tenant_[tenant];
  if (shut_down_ || active_ >= options_.max_total || mine >= options_.max_per_tenant) {
    if (mine == 0) by_tenant_.erase(tenant);
    ++refused_;
    return nullptr;
  }
  ++mine;
  ++active_;
  return std::make_shared<Slot>(this, tenant);
}

void WebSocketRelays::Release(const std::string& tenant) {
  std::lock_guard<std::mutex> lock(mu_);
  --active_;
  auto it = by_tenant_.find(tenant);
  if (it != by_tenant_.end() && --it->second <= 0) by_tenant_.erase(it);
}

void WebSocketRelays::ReapFinishedLocked() {
  for (auto it = running_.begin(); it != running_.end();) {
    if ((*it)->done.load()) {
      (*it)->thread.join();
      it = running_.erase(it);
    } else {
      ++it;
    }
  }
}

void WebSocketRelays::Start(std::shared_ptr<void> slot, Poco::Net::StreamSocket client,
                            Poco::Net::StreamSocket gateway, std::function<void(const RelayEnd&)> on_end,
                            std::vector<std::string> owners) {
  std::shared_ptr<void> unused;  // declared before the lock: a refused slot is given back after it is released
  std::lock_guard<std::mutex> lock(mu_);
  ReapFinishedLocked();
  if (shut_down_ || !slot) {  // no place (a refused Reserve) is no relay: the caps hold whatever the caller does
    unused = std::move(slot);
    client.close();
    gateway.close();
    return;
  }
  auto running = std::make_unique<Running>();
  running->client_fd = Fd(client);
  running->gateway_fd = Fd(gateway);
  running->owners = std::move(owners);
  Running* r = running.get();
  const RelayOptions options = options_;
  r->thread = std::thread([this, r, options, slot = std::move(slot), client, gateway, on_end = std::move(on_end)]() mutable {
    RelayEnd end = Pump(client, gateway, options);
    {
      // Under the lock, so Shutdown never shuts down a descriptor number already given to someone else.
      std::lock_guard<std::mutex> relay_lock(mu_);
      if (shut_down_) end.reason = "shutdown";
      else if (r->revoked) end.reason = "revoked";
      r->closed = true;
      try {
        client.close();
        gateway.close();
      } catch (const Poco::Exception&) {
        // Closing a socket the peer already reset: nothing left to do.
      }
    }
    slot.reset();  // the place is free before the end is reported: whoever hears of it can take it
    if (on_end) on_end(end);
    r->done.store(true);
  });
  running_.push_back(std::move(running));
}

WebSocketRelays::Stats WebSocketRelays::stats() const {
  std::lock_guard<std::mutex> lock(mu_);
  return Stats{active_, by_tenant_, refused_};
}

int WebSocketRelays::CloseOwnedBy(const std::string& key) {
  std::lock_guard<std::mutex> lock(mu_);
  int n = 0;
  for (auto& r : running_) {
    if (r->closed || std::find(r->owners.begin(), r->owners.end(), key) == r->owners.end()) continue;
    r->revoked = true;
    ::shutdown(r->client_fd, SHUT_RDWR);  // at the kernel only, as Shutdown: the thread ends the pair
    ::shutdown(r->gateway_fd, SHUT_RDWR);
    ++n;
  }
  return n;
}

void WebSocketRelays::Shutdown() {
  std::vector<std::unique_ptr<Running>> running;
  {
    std::lock_guard<std::mutex> lock(mu_);
    shut_down_ = true;
    // At the kernel only: the relay thread may be inside OpenSSL on these sockets.
    for (auto& r : running_) {
      if (r->closed) continue;
      ::shutdown(r->client_fd, SHUT_RDWR);
      ::shutdown(r->gateway_fd, SHUT_RDWR);
    }
    running.swap(running_);
  }
  for (auto& r : running) r->thread.join();
}

}  // namespace clawhive::api
