#include "supervisor/api/billing_export.h"

namespace clawhive::api {
namespace {

// What an egress line bills: anything carried. A tenant with refusals only has no line.
bool Billable(const meter::EgressUsage& u) { return u.bytes_out != 0 || u.bytes_in != 0 || u.tunnels != 0; }

}  // namespace

std::string CsvCell(const std::string& s) {
  std::string v = s;
  if (!v.empty() && (v[0] == '=' || v[0] == '+' || v[0] == '-' || v[0] == '@')) v.insert(v.begin(), '\'');
  if (v.find_first_of(",\"\r\n") == std::string::npos) return v;
  std::string out = "\"";
  for (char c : v) out += c == '"' ? std::string("\"\"") : std::string(1, c);
  return out + "\"";
}

std::string BillingCsv(const BillingExport& e) {
  std::string out = kBillingCsvHeader;
  const std::string period = CsvCell(e.period);
  auto model_line = [&](const meter::BillingLine& l) {
    out += period + "," + CsvCell(l.tenant) + "," + CsvCell(l.provider) + "," + CsvCell(l.model) + "," +
           std::to_string(l.requests) + "," + std::to_string(l.prompt_tokens) + "," +
           std::to_string(l.completion_tokens) + "," + meter::FormatExact(l.cost_micros) + "," +
           std::to_string(l.estimated_requests) + ",0,0,0\r\n";
  };
  auto egress_line = [&](const meter::EgressUsage& u) {
    if (!Billable(u)) return;
    out += period + "," + CsvCell(u.tenant) + ",,,0,0,0," + meter::FormatExact(0) + ",0," + std::to_string(u.bytes_out) +
           "," + std::to_string(u.bytes_in) + "," + std::to_string(u.tunnels) + "\r\n";
  };
  // Both lists are in tenant order (SQLite's BINARY collation, the same bytewise order as std::string's):
  // tenant by tenant, its model lines, then its egress line.
  size_t i = 0, j = 0;
  while (i < e.lines.size() || j < e.egress.size()) {
    const bool model_first = j == e.egress.size() || (i < e.lines.size() && e.lines[i].tenant <= e.egress[j].tenant);
    const std::string tenant = model_first ? e.lines[i].tenant : e.egress[j].tenant;
    for (; i < e.lines.size() && e.lines[i].tenant == tenant; ++i) model_line(e.lines[i]);
    if (j < e.egress.size() && e.egress[j].tenant == tenant) egress_line(e.egress[j++]);
  }
  return out;
}

JsonValue BillingJson(const BillingExport& e) {
  JsonValue items = JsonValue::Array();
  int64_t total = 0;
  for (const meter::BillingLine& l : e.lines) {
    JsonValue o = JsonValue::Object();
    o.Set("tenant", JsonValue::String(l.tenant))
        .Set("provider", JsonValue::String(l.provider))
        .Set("model", JsonValue::String(l.model))
        .Set("requests", JsonValue::Signed(l.requests))
        .Set("prompt_tokens", JsonValue::Signed(l.prompt_tokens))
        .Set("completion_tokens", JsonValue::Signed(l.completion_tokens))
        .Set("cost", JsonValue::String(meter::FormatExact(l.cost_micros)))
        .Set("estimated_requests", JsonValue::Signed(l.estimated_requests));
    items.Push(std::move(o));
    total += l.cost_micros;
  }
  JsonValue egress = JsonValue::Array();
  int64_t out_bytes = 0, in_bytes = 0;
  for (const meter::EgressUsage& u : e.egress) {
    if (!Billable(u)) continue;
    JsonValue o = JsonValue::Object();
    o.Set("tenant", JsonValue::String(u.tenant))
        .Set("bytes_out", JsonValue::Signed(u.bytes_out))
        .Set("bytes_in", JsonValue::Signed(u.bytes_in))
        .Set("tunnels", JsonValue::Signed(u.tunnels));
    egress.Push(std::move(o));
    out_bytes += u.bytes_out;
    in_bytes += u.bytes_in;
  }
  JsonValue doc = JsonValue::Object();
  doc.Set("period", JsonValue::String(e.period))
      .Set("total_cost", JsonValue::String(meter::FormatExact(total)))
      .Set("lines", std::move(items))
      .Set("egress", std::move(egress))
      .Set("total_egress_bytes_out", JsonValue::Signed(out_bytes))
      .Set("total_egress_bytes_in", JsonValue::Signed(in_bytes));
  return doc;
}

}  // namespace clawhive::api
