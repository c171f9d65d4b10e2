// Ingress: what the per-tenant OpenAI-compatible endpoint (supervisor/api/chat_routes.cpp) shares between
// the API's request threads: how long and how much one call to a tenant's gateway may take, how many such
// calls may hold API threads at once, and the counters GET /metrics shows.
//
// A chat holds its API connection thread for as long as the agent answers (seconds; a stream until its
// end), so calls in flight are capped below the API's thread count: the console and the REST API keep
// answering while every chat slot is busy. Thread-safe (one mutex); owned by the ApiServer.
#pragma once

#include <cstddef>
#include <cstdint>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include "supervisor/tenant/gateway_socket.h"

namespace clawhive::api {

struct IngressOptions {
  // Where tenants' gateway sockets are (tenant/gateway_socket.h); another only in tests, which run their
  // own stand-in gateways there.
  std::string gateway_socket_dir = kGatewaySocketDir;
  int connect_timeout_ms = 3000;     // to the gateway's socket (only a full backlog makes a connect wait)
  int head_timeout_ms = 180000;      // until the gateway's answer head (a first agent turn takes seconds)
  int idle_timeout_ms = 120000;      // between two reads of the answer (a stream's events)
  int total_timeout_ms = 900000;     // one whole call, stream included
  size_t max_reply_bytes = 16 << 20;  // of a non-streamed answer (a stream is passed on, never held)
  int max_in_flight = 0;             // calls at once; 0: the API's threads - 2, at least 1
  int max_in_flight_per_tenant = 0;  // 0: half of max_in_flight, at least 1
};

class Ingress {
 public:
  Ingress(IngressOptions options, int api_threads);
  const IngressOptions& options() const { return options_; }
  int max_in_flight() const { return max_; }
  int max_in_flight_per_tenant() const { return max_per_tenant_; }

  // A slot for one call to `tenant`'s gateway, given back when the last copy of the handle is dropped;
  // nullptr when the appliance-wide or the tenant's cap is reached.
  std::shared_ptr<void> Enter(const std::string& tenant);

  // One finished call to a tenant that exists: its HTTP status and the answer's bytes passed on.
  void Count(const std::string& tenant, int status, uint64_t reply_bytes);
  void CountBusy();  // a call refused because every slot was taken

  // Prometheus text: per-tenant families for `tenants` only (a deleted tenant's figures drop out), in
  // the order given, plus the appliance-wide refusals.
  std::string RenderMetrics(const std::vector<std::string>& tenants) const;

 private:
  struct PerTenant {
    std::map<int, uint64_t> by_status;
    uint64_t reply_bytes = 0;
    int in_flight = 0;
  };
  void Leave(const std::string& tenant);

  const IngressOptions options_;
  const int max_;
  const int max_per_tenant_;
  mutable std::mutex mu_;
  int in_flight_ = 0;
  uint64_t busy_ = 0;
  std::map<std::string, PerTenant> tenants_;
};

}  // namespace clawhive::api
