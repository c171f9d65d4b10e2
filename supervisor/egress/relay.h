// Relay: copies one egress tunnel's bytes both ways and counts them (docs/egress.md, "Metering").
// Half-closes are passed on (EOF on one side -> shutdown(SHUT_WR) on the other); the tunnel ends when
// both directions reached EOF, either side failed, or nothing moved for `idle_timeout_ms`. The bytes
// counted are what was written on, so a tenant is billed for what left and what reached its agent.
// `progress` is called with the bytes moved since its last call at least every `report_every_ms` while
// bytes move (long-lived WebSockets are metered while they live) and once at the end. Blocks the
// calling thread; the caller owns both descriptors and closes them afterwards.
#pragma once

#include <cstdint>
#include <functional>

namespace clawhive::egress {

struct RelayOptions {
  int idle_timeout_ms = 600000;
  int report_every_ms = 60000;
};

enum class RelayEnd { kClosed, kIdle, kError };
const char* ToString(RelayEnd e);

struct RelayCounts {
  uint64_t out = 0;  // client -> upstream
  uint64_t in = 0;   // upstream -> client
};

RelayEnd Relay(int client, int upstream, const RelayOptions& options,
               const std::function<void(const RelayCounts& delta)>& progress);

}  // namespace clawhive::egress
