// Prometheus text exposition (format 0.0.4) of the tenants' live figures, for GET /metrics.
// Pure functions; no I/O.
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "supervisor/core/tenant_service.h"

namespace clawhive::meter {
struct Totals;
struct EgressUsage;
}

namespace clawhive::api {

inline constexpr const char* kMetricsContentType = "text/plain; version=0.0.4; charset=utf-8";

// All metric families, each with # HELP and # TYPE, tenants in id order. A figure systemd did not report
// (an unset optional) is left out rather than shown as 0.
std::string RenderMetrics(const std::vector<TenantStatus>& tenants);

// The metering proxy's per-tenant totals for each tenant's current budget period (gauges: they restart
// with each period): spend, budget, requests and tokens.
std::string RenderMeterMetrics(const std::vector<meter::Totals>& totals);
// The egress proxy's figures per tenant for the current calendar month (docs/egress.md):
// clawhive_tenant_egress_bytes_out, _bytes_in, _tunnels, _refused.
std::string RenderEgressMetrics(const std::vector<meter::EgressUsage>& usage);

// Label value escaping per the format: backslash, double quote and newline are escaped; invalid UTF-8
// becomes U+FFFD (the format requires UTF-8).
std::string EscapeLabelValue(std::string_view value);

}  // namespace clawhive::api
