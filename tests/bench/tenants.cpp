#include "bench/tenants.h"

#include <chrono>
#include <iostream>
#include <sstream>

namespace clawhive::bench {

using namespace std::chrono;

CreatedTenants CreateTenants(testing::Api& api, int n, const std::string& prefix, const std::string& extra_json) {
  CreatedTenants out;
  for (int i = 0; i < n; ++i) {
    std::string id = prefix + std::to_string(i);
    auto t0 = steady_clock::now();
    auto r = api.Post("/v1/tenants", "{\"id\":\"" + id + "\"" + (extra_json.empty() ? "" : "," + extra_json) + "}");
    out.call_seconds.push_back(duration<double>(steady_clock::now() - t0).count());
    if (r.status != 201 && r.status != 200) {
      out.error = id + ": " + std::to_string(r.status) + " " + r.body;
      return out;
    }
    out.ids.push_back(id);
    if ((i + 1) % 100 == 0) std::cerr << "created " << i + 1 << " tenants\n";
  }
  return out;
}

bool WaitUntilHealthy(testing::Api& api, size_t n, std::chrono::seconds timeout) {
  return testing::Eventually([&] {
    auto m = api.Get("/metrics").body;
    size_t up = 0;
    for (size_t at = 0; (at = m.find("clawhive_tenant_up{", at)) != std::string::npos; ++at)
      if (m.compare(m.find('}', at) + 1, 3, " 1\n") == 0) ++up;
    return up >= n;
  }, timeout, seconds(1));
}

std::vector<std::pair<std::string, std::string>> SliceCgroups(testing::Sandbox& sb,
                                                              const std::vector<std::string>& ids) {
  // `systemctl show` prints one block per unit, in the order asked, separated by blank lines.
  std::string units;
  for (const std::string& id : ids) {
    std::string esc;
    for (char c : id) esc += c == '-' ? std::string("\\x2d") : std::string(1, c);
    units += " " + testing::Quote("clawhive-" + esc + ".slice");
  }
  std::istringstream out(sb.Exec("systemctl show -p ControlGroup" + units).out);
  std::vector<std::pair<std::string, std::string>> cgroups;
  size_t i = 0;
  for (std::string line; std::getline(out, line) && i < ids.size();) {
    if (line.empty()) continue;
    if (line.rfind("ControlGroup=", 0) == 0) {
      std::string cg = line.substr(13);
      if (!cg.empty()) cgroups.emplace_back(ids[i], cg);
      ++i;
    }
  }
  return cgroups;
}

}  // namespace clawhive::bench
