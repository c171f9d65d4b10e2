// Incident: one crash, hang, restart or quarantine of a tenant's agent, as recorded in the store and
// shown by the API. Plain value.
#pragma once

#include <cstdint>
#include <optional>
#include <string>

namespace clawhive {

struct Incident {
  int64_t id = 0;
  std::string tenant;
  int64_t at_ms = 0;     // unix time in milliseconds when the supervisor saw it
  std::string cause;     // "exit-code", "signal", "oom", "hang", "exit-clean", "start-failed"
  std::string detail;    // e.g. "status=3", "SIGKILL", "3 failed probes of /healthz"
  std::string action;    // "restarted", "backoff", "quarantined"
  std::optional<double> healthy_after_s;  // seconds from at_ms until healthy again; unset until then
};

}  // namespace clawhive
