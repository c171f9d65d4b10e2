// The billing export (GET /v1/billing for every tenant, GET /v1/tenants/{id}/model-usage for one;
// docs/api.md, "Metering"): a month's model use per tenant, provider and model (the metering proxy's
// books) and each tenant's egress through the egress proxy (docs/egress.md), as JSON or CSV.
//
// JSON: {"period", "total_cost", "lines": [model lines], "egress": [{"tenant", "bytes_out", "bytes_in",
// "tunnels"}], "total_egress_bytes_out", "total_egress_bytes_in"}. "lines" is as it was before egress,
// so readers of model lines see no change.
// CSV: one header, then per tenant (in tenant order) its model lines and, when it moved any byte or
// ended any tunnel, one egress line: provider and model empty, the model figures 0 and cost 0.00 (the
// appliance does not price egress), egress_bytes_out/egress_bytes_in/egress_tunnels filled. The egress
// columns are the last three, so a reader that takes the model columns by position is unchanged; model
// lines have 0 there. Cells that a spreadsheet would run as a formula (=, +, -, @) are quoted with a
// leading apostrophe.
//
// Refusals are not in the export (nothing was carried); they are in GET /v1/tenants/{id}/egress and
// /metrics. Pure functions; no I/O.
#pragma once

#include <string>
#include <vector>

#include "supervisor/common/json.h"
#include "supervisor/meter/ledger.h"

namespace clawhive::api {

struct BillingExport {
  std::string period;                          // "2026-11"
  std::vector<meter::BillingLine> lines;       // ordered by tenant, provider, model
  std::vector<meter::EgressUsage> egress;      // ordered by tenant
};

inline constexpr const char* kBillingCsvHeader =
    "period,tenant,provider,model,requests,prompt_tokens,completion_tokens,cost,estimated_requests,"
    "egress_bytes_out,egress_bytes_in,egress_tunnels\r\n";

std::string BillingCsv(const BillingExport& e);
JsonValue BillingJson(const BillingExport& e);
// A CSV cell: quoted when it holds a comma, quote or line break; a leading =, +, - or @ escaped.
std::string CsvCell(const std::string& s);

}  // namespace clawhive::api
