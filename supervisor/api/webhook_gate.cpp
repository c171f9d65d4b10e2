#include "supervisor/api/webhook_gate.h"

#include <algorithm>
#include <chrono>

#include "supervisor/api/metrics.h"

namespace clawhive::api {

WebhookGate::WebhookGate(uint64_t rate, std::function<int64_t()> now_ms)
    : rate_(static_cast<double>(std::max<uint64_t>(rate, 1))),
      burst_(2 * static_cast<double>(std::max<uint64_t>(rate, 1))),
      now_ms_(now_ms ? std::move(now_ms) : [] {
        return static_cast<int64_t>(std::chrono::duration_cast<std::chrono::milliseconds>(
                                        std::chrono::steady_clock::now().time_since_epoch())
                                        .count());
      }) {}

void WebhookGate::Refill(Bucket& b, int64_t now) const {
  if (now > b.at_ms) b.tokens = std::min(burst_, b.tokens + rate_ * static_cast<double>(now - b.at_ms) / 1000.0);
  b.at_ms = std::max(b.at_ms, now);
}

bool WebhookGate::Admit(const std::string& tenant) {
  const int64_t now = now_ms_();
  std::lock_guard<std::mutex> lock(mu_);
  auto it = buckets_.find(tenant);
  if (it == buckets_.end()) {
    if (buckets_.size() >= kMaxTracked) {
      for (auto b = buckets_.begin(); b != buckets_.end();) {
        Refill(b->second, now);
        b = b->second.tokens >= burst_ ? buckets_.erase(b) : std::next(b);
      }
      if (buckets_.size() >= kMaxTracked) buckets_.clear();
    }
    it = buckets_.emplace(tenant, Bucket{burst_, now}).first;
  }
  Bucket& b = it->second;
  Refill(b, now);
  if (b.tokens < 1) return false;
  b.tokens -= 1;
  return true;
}

void WebhookGate::Count(const std::string& tenant, const std::string& channel, int status) {
  std::lock_guard<std::mutex> lock(mu_);
  ++counts_[tenant][{channel, status}];
}

void WebhookGate::CountRefused(const std::string& reason) {
  std::lock_guard<std::mutex> lock(mu_);
  ++refused_[reason];
}

std::string WebhookGate::RenderMetrics(const std::vector<std::string>& tenants) const {
  std::lock_guard<std::mutex> lock(mu_);
  std::string out;
  out += "# HELP clawhive_tenant_webhook_requests_total Channel webhook calls passed to the tenant's agent, by channel and HTTP status.\n";
  out += "# TYPE clawhive_tenant_webhook_requests_total counter\n";
  for (const std::string& id : tenants) {
    auto it = counts_.find(id);
    if (it == counts_.end()) continue;
    for (const auto& [key, n] : it->second)
      out += "clawhive_tenant_webhook_requests_total{tenant=\"" + EscapeLabelValue(id) + "\",channel=\"" +
             EscapeLabelValue(key.first) + "\",code=\"" + std::to_string(key.second) + "\"} " + std::to_string(n) + "\n";
  }
  out += "# HELP clawhive_webhook_refused_total Channel webhook calls refused before they reached a tenant, by reason.\n";
  out += "# TYPE clawhive_webhook_refused_total counter\n";
  for (const char* reason : {"unauthorized", "rate"}) {
    auto it = refused_.find(reason);
    out += std::string("clawhive_webhook_refused_total{reason=\"") + reason + "\"} " +
           std::to_string(it == refused_.end() ? 0 : it->second) + "\n";
  }
  return out;
}

}  // namespace clawhive::api
