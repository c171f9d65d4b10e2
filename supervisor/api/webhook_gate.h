// WebhookGate: what the channel webhook routes (supervisor/api/webhook_routes.cpp) share between the
// API's request threads: each tenant's rate and the counters GET /metrics shows.
//
// The rate is a token bucket per tenant id: `rate` calls a second, bursts up to twice that. The ids come
// from an unauthenticated path, so the table is bounded: past kMaxTracked ids, idle (full) buckets are
// forgotten first, then all of them (which only ever lets a little more through). Counters are kept for
// calls that reached a tenant's webhook; refusals before that (no or wrong secret, no such webhook,
// over the rate) are counted appliance-wide, by reason, so anonymous callers cannot grow the table.
//
// Thread-safe (one mutex); owned by the ApiServer. The clock is injectable for tests.
#pragma once

#include <cstdint>
#include <functional>
#include <map>
#include <mutex>
#include <string>
#include <utility>
#include <vector>

namespace clawhive::api {

class WebhookGate {
 public:
  static constexpr size_t kMaxTracked = 4096;

  // `rate`: calls a second per tenant (at least 1). `now_ms`: a monotonic clock; the steady clock by default.
  explicit WebhookGate(uint64_t rate, std::function<int64_t()> now_ms = nullptr);

  // Takes one call for `tenant` from its bucket; false when the bucket is empty (answer 429).
  bool Admit(const std::string& tenant);

  // A call that reached `tenant`'s webhook on `channel` ("telegram") and was answered `status`.
  void Count(const std::string& tenant, const std::string& channel, int status);
  // A call refused before it reached one: "unauthorized" (no, wrong or unknown secret, or no such
  // webhook) or "rate".
  void CountRefused(const std::string& reason);

  // Prometheus text: clawhive_tenant_webhook_requests_total{tenant,channel,code} for `tenants` only (a
  // deleted tenant's figures drop out), in the order given, and clawhive_webhook_refused_total{reason}.
  std::string RenderMetrics(const std::vector<std::string>& tenants) const;

 private:
  struct Bucket {
    double tokens = 0;
    int64_t at_ms = 0;
  };
  void Refill(Bucket& b, int64_t now) const;

  const double rate_;
  const double burst_;
  std::function<int64_t()> now_ms_;
  mutable std::mutex mu_;
  std::map<std::string, Bucket> buckets_;
  std::map<std::string, std::map<std::pair<std::string, int>, uint64_t>> counts_;  // tenant -> (channel, code) -> n
  std::map<std::string, uint64_t> refused_;
};

}  // namespace clawhive::api
