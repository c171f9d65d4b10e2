#include "supervisor/api/metrics.h"

#include "supervisor/meter/ledger.h"

#include <algorithm>
#include <cinttypes>
#include <cstdio>
#include <functional>
#include <optional>

#include "supervisor/common/json.h"

namespace clawhive::api {
namespace {

std::string SecondsFromNanos(uint64_t ns) {
  // Exact decimal, not a double: a counter must never appear to go backwards through rounding.
  char buf[48];
  std::snprintf(buf, sizeof buf, "%" PRIu64 ".%09" PRIu64, ns / 1000000000u, ns % 1000000000u);
  std::string s = buf;
  while (s.back() == '0') s.pop_back();
  if (s.back() == '.') s.pop_back();
  return s;
}

struct Family {
  const char* name;
  const char* type;
  const char* help;
  // The sample value for one tenant, or nullopt to leave the tenant out.
  std::function<std::optional<std::string>(const TenantStatus&)> value;
};

std::optional<std::string> Figure(const std::optional<uint64_t>& v) {
  if (!v) return std::nullopt;
  return std::to_string(*v);
}

}  // namespace

std::string EscapeLabelValue(std::string_view value) {
  std::string out;
  for (size_t i = 0; i < value.size();) {
    char c = value[i];
    if (c == '\\') out += "\\\\";
    else if (c == '"') out += "\\\"";
    else if (c == '\n') out += "\\n";
    else if (static_cast<unsigned char>(c) < 0x80) out += c;
    else {
      char32_t cp;
      size_t len = DecodeUtf8(value, i, &cp);
      if (len == 0) {
        out += "\xEF\xBF\xBD";
        ++i;
      } else {
        out.append(value.substr(i, len));
        i += len;
      }
      continue;
    }
    ++i;
  }
  return out;
}

std::string RenderMetrics(const std::vector<TenantStatus>& tenants) {
  std::vector<const TenantStatus*> sorted;
  for (const TenantStatus& t : tenants) sorted.push_back(&t);
  std::sort(sorted.begin(), sorted.end(),
            [](const TenantStatus* a, const TenantStatus* b) { return a->tenant.id < b->tenant.id; });

  std::string out;
  out += "# HELP clawhive_tenants Number of tenants known to the supervisor.\n";
  out += "# TYPE clawhive_tenants gauge\n";
  out += "clawhive_tenants " + std::to_string(tenants.size()) + "\n";

  const Family families[] = {
      {"clawhive_tenant_info", "gauge", "Tenant metadata as labels; the value is always 1.",
       [](const TenantStatus&) { return std::optional<std::string>("1"); }},
      {"clawhive_tenant_up", "gauge", "1 if the tenant's agent answered its last liveness probe, else 0.",
       [](const TenantStatus& t) { return std::optional<std::string>(t.healthy ? "1" : "0"); }},
      {"clawhive_tenant_memory_bytes", "gauge", "Memory currently used by the tenant's slice, in bytes.",
       [](const TenantStatus& t) { return Figure(t.memory_current); }},
      {"clawhive_tenant_memory_max_bytes", "gauge", "Hard memory limit of the tenant's slice, in bytes.",
       [](const TenantStatus& t) { return Figure(t.memory_max); }},
      {"clawhive_tenant_cpu_seconds_total", "counter", "CPU time used by the tenant's slice, in seconds.",
       [](const TenantStatus& t) -> std::optional<std::string> {
         if (!t.cpu_usage_nsec) return std::nullopt;
         return SecondsFromNanos(*t.cpu_usage_nsec);
       }},
      {"clawhive_tenant_tasks", "gauge", "Tasks (processes and threads) in the tenant's slice.",
       [](const TenantStatus& t) { return Figure(t.tasks_current); }},
      {"clawhive_tenant_restarts_total", "counter", "Restarts of the tenant's agent done by the supervisor.",
       [](const TenantStatus& t) { return std::optional<std::string>(std::to_string(t.restarts)); }},
      {"clawhive_tenant_quarantined", "gauge", "1 if the tenant is quarantined after repeated crashes, else 0.",
       [](const TenantStatus& t) { return std::optional<std::string>(t.tenant.quarantined ? "1" : "0"); }},
  };

  for (const Family& f : families) {
    out += std::string("# HELP ") + f.name + " " + f.help + "\n";
    out += std::string("# TYPE ") + f.name + " " + f.type + "\n";
    for (const TenantStatus* t : sorted) {
      std::optional<std::string> v = f.value(*t);
      if (!v) continue;
      out += f.name;
      out += "{tenant=\"" + EscapeLabelValue(t->tenant.id) + "\"";
      if (f.name == std::string_view("clawhive_tenant_info")) {
        out += ",display_name=\"" + EscapeLabelValue(t->tenant.display_name) + "\"";
        out += ",phase=\"" + EscapeLabelValue(t->phase) + "\"";
      }
      out += "} " + *v + "\n";
    }
  }
  return out;
}

std::string RenderMeterMetrics(const std::vector<meter::Totals>& totals) {
  struct Family {
    const char* name;
    const char* help;
    double (*value)(const meter::Totals&);
  };
  static const Family kFamilies[] = {
      {"clawhive_tenant_model_spend", "Model spend in the tenant's current budget period, in currency units.",
       [](const meter::Totals& t) { return static_cast<double>(t.spent_micros) / 1e6; }},
      {"clawhive_tenant_model_budget", "The tenant's budget for the period, in currency units (-1 = none).",
       [](const meter::Totals& t) { return t.limit_micros < 0 ? -1.0 : static_cast<double>(t.limit_micros) / 1e6; }},
      {"clawhive_tenant_model_requests", "Model requests in the tenant's current budget period.",
       [](const meter::Totals& t) { return static_cast<double>(t.requests); }},
      {"clawhive_tenant_model_prompt_tokens", "Prompt tokens in the tenant's current budget period.",
       [](const meter::Totals& t) { return static_cast<double>(t.prompt_tokens); }},
      {"clawhive_tenant_model_completion_tokens", "Completion tokens in the tenant's current budget period.",
       [](const meter::Totals& t) { return static_cast<double>(t.completion_tokens); }},
  };
  std::string out;
  char buf[64];
  for (const Family& f : kFamilies) {
    out += std::string("# HELP ") + f.name + " " + f.help + "\n# TYPE " + f.name + " gauge\n";
    for (const meter::Totals& t : totals) {
      std::snprintf(buf, sizeof buf, "%.6g", f.value(t));
      out += std::string(f.name) + "{tenant=\"" + EscapeLabelValue(t.tenant) + "\"} " + buf + "\n";
    }
  }
  return out;
}

std::string RenderEgressMetrics(const std::vector<meter::EgressUsage>& usage) {
  struct Family {
    const char* name;
    const char* help;
    int64_t meter::EgressUsage::*field;
  };
  static const Family kFamilies[] = {
      {"clawhive_tenant_egress_bytes_out", "Bytes the tenant's agent sent through the egress proxy this month.",
       &meter::EgressUsage::bytes_out},
      {"clawhive_tenant_egress_bytes_in", "Bytes the tenant's agent received through the egress proxy this month.",
       &meter::EgressUsage::bytes_in},
      {"clawhive_tenant_egress_tunnels", "Egress tunnels of the tenant that ended this month.", &meter::EgressUsage::tunnels},
      {"clawhive_tenant_egress_refused", "Egress requests of the tenant refused this month.", &meter::EgressUsage::refused},
  };
  std::string out;
  for (const Family& f : kFamilies) {
    out += std::string("# HELP ") + f.name + " " + f.help + "\n# TYPE " + f.name + " gauge\n";
    for (const meter::EgressUsage& u : usage)
      out += std::string(f.name) + "{tenant=\"" + EscapeLabelValue(u.tenant) + "\"} " + std::to_string(u.*f.field) + "\n";
  }
  return out;
}

}  // namespace clawhive::api
