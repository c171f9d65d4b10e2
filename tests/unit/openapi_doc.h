// The operations docs/openapi.yaml documents, read with yaml-cpp, for the tests that hold the server to
// it (supervisor/api/openapi_test.cpp, supervisor/api/authorization_matrix_test.cpp).
#pragma once

#include <yaml-cpp/yaml.h>

#include <algorithm>
#include <cctype>
#include <string>
#include <vector>

namespace clawhive::testing {

struct DocOperation {
  std::string method;  // "GET", ...
  std::string path;    // "/v1/tenants/{id}"
  std::string access;  // x-clawhive-access
  std::vector<std::string> query;  // query parameter names, sorted
  bool declares_no_security = false;  // security: []
};

inline std::vector<DocOperation> LoadOpenApi() {
  YAML::Node doc = YAML::LoadFile(std::string(CLAWHIVE_SOURCE_DIR) + "/docs/openapi.yaml");
  std::vector<DocOperation> out;
  for (const auto& path : doc["paths"]) {
    for (const auto& op : path.second) {
      DocOperation d;
      d.path = path.first.as<std::string>();
      d.method = op.first.as<std::string>();
      std::transform(d.method.begin(), d.method.end(), d.method.begin(), [](unsigned char c) { return std::toupper(c); });
      d.access = op.second["x-clawhive-access"] ? op.second["x-clawhive-access"].as<std::string>() : "";
      if (op.second["parameters"])
        for (const auto& p : op.second["parameters"])
          if (p["in"].as<std::string>() == "query") d.query.push_back(p["name"].as<std::string>());
      std::sort(d.query.begin(), d.query.end());
      d.declares_no_security = op.second["security"] && op.second["security"].size() == 0;
      out.push_back(d);
    }
  }
  return out;
}

// "/v1/tenants/{id}/users/{name}" -> "/v1/tenants/{}/users/{}": placeholder names may differ.
inline std::string ShapeOf(const std::string& path) {
  std::string out;
  bool in = false;
  for (char c : path) {
    if (c == '{') { in = true; out += "{}"; continue; }
    if (c == '}') { in = false; continue; }
    if (!in) out += c;
  }
  return out;
}

}  // namespace clawhive::testing
