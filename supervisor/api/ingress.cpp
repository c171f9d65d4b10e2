#include "supervisor/api/ingress.h"

#include <algorithm>

#include "supervisor/api/metrics.h"

namespace clawhive::api {

Ingress::Ingress(IngressOptions options, int api_threads)
    : options_(options),
      max_(options.max_in_flight > 0 ? options.max_in_flight : std::max(1, api_threads - 2)),
      max_per_tenant_(options.max_in_flight_per_tenant > 0 ? options.max_in_flight_per_tenant : std::max(1, max_ / 2)) {}

std::shared_ptr<void> Ingress::Enter(const std::string& tenant) {
  std::lock_guard<std::mutex> lock(mu_);
  PerTenant& t = tenants_[tenant];
  if (in_flight_ >= max_ || t.in_flight >= max_per_tenant_) return nullptr;
  ++in_flight_;
  ++t.in_flight;
  // The handle owns nothing; its deleter gives the slot back (on whichever thread drops it last).
  return std::shared_ptr<void>(static_cast<void*>(this), [this, tenant](void*) { Leave(tenant); });
}

void Ingress::Leave(const std::string& tenant) {
  std::lock_guard<std::mutex> lock(mu_);
  --in_flight_;
  --tenants_[tenant].in_flight;
}

void Ingress::Count(const std::string& tenant, int status, uint64_t reply_bytes) {
  std::lock_guard<std::mutex> lock(mu_);
  PerTenant& t = tenants_[tenant];
  ++t.by_status[status];
  t.reply_bytes += reply_bytes;
}

void Ingress::CountBusy() {
  std::lock_guard<std::mutex> lock(mu_);
  ++busy_;
}

std::string Ingress::RenderMetrics(const std::vector<std::string>& tenants) const {
  std::lock_guard<std::mutex> lock(mu_);
  std::string out;
  out += "# HELP clawhive_tenant_chat_requests_total Calls to the tenant's OpenAI-compatible endpoint, by HTTP status.\n";
  out += "# TYPE clawhive_tenant_chat_requests_total counter\n";
  for (const std::string& id : tenants) {
    auto it = tenants_.find(id);
    if (it == tenants_.end()) continue;
    for (const auto& [status, n] : it->second.by_status)
      out += "clawhive_tenant_chat_requests_total{tenant=\"" + EscapeLabelValue(id) + "\",code=\"" +
             std::to_string(status) + "\"} " + std::to_string(n) + "\n";
  }
  out += "# HELP clawhive_tenant_chat_reply_bytes_total Bytes of the agent's answers passed to callers.\n";
  out += "# TYPE clawhive_tenant_chat_reply_bytes_total counter\n";
  for (const std::string& id : tenants) {
    auto it = tenants_.find(id);
    if (it == tenants_.end() || it->second.by_status.empty()) continue;
    out += "clawhive_tenant_chat_reply_bytes_total{tenant=\"" + EscapeLabelValue(id) + "\"} " +
           std::to_string(it->second.reply_bytes) + "\n";
  }
  out += "# HELP clawhive_tenant_chat_in_flight Calls to the tenant's agent in progress.\n";
  out += "# TYPE clawhive_tenant_chat_in_flight gauge\n";
  for (const std::string& id : tenants) {
    auto it = tenants_.find(id);
    out += "clawhive_tenant_chat_in_flight{tenant=\"" + EscapeLabelValue(id) + "\"} " +
           std::to_string(it == tenants_.end() ? 0 : it->second.in_flight) + "\n";
  }
  out += "# HELP clawhive_chat_refused_busy_total Calls refused because every chat slot was taken.\n";
  out += "# TYPE clawhive_chat_refused_busy_total counter\n";
  out += "clawhive_chat_refused_busy_total " + std::to_string(busy_) + "\n";
  return out;
}

}  // namespace clawhive::api
