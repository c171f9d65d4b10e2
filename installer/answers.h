// Answers: the unattended installer's answer file (YAML, read with yaml-cpp like supervisor/config).
//
// Every error is "FILE:LINE:COL: message" (1-based) and says what was expected; unknown keys are errors
// (a typo must not silently fall back to a default). Only `operator` is required, so an empty file is an
// error. Parsing is pure: nothing on the host is read or changed (a missing file is the only I/O error).
//
// Read with supervisor/common/yaml_walker.h, as supervisor/config is: the same bounds on hostile input
// and the same getters and messages for sizes, percentages, host:port, paths and colours. A password
// hash is checked for shape with auth::VerifyPassword (parameters inside the caps).
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "supervisor/common/result.h"

namespace clawhive::installer {

inline constexpr uint64_t kMaxSizeBytes = uint64_t{1} << 50;  // 1 PiB: anything larger is a typo

struct TenantAnswer {
  std::string id;            // ValidateTenantId
  std::string display_name;  // empty = the id
  uint64_t memory_max = 0;   // bytes; 0 = the tenant default
  uint64_t memory_high = 0;  // bytes; 0 = the tenant default
};

struct Answers {
  std::string listen_address = "0.0.0.0";  // any address is fine: the console is HTTPS
  uint16_t listen_port = 8470;
  std::string tls_cert, tls_key;  // absolute paths; both empty = self-signed
  std::string operator_name;      // [a-z0-9][a-z0-9._@-]{0,63}
  std::string password_hash;      // exactly one of password_hash / generate_password
  bool generate_password = false;
  std::string product_name = "Clawhive";
  std::string primary_color = "#1f6feb";
  uint64_t memory_max = 1536ull << 20;  // tenant_defaults, as in supervisor/config
  uint64_t memory_high = 1024ull << 20;
  uint64_t cpu_quota_percent = 100;
  uint64_t tasks_max = 512;
  // What tenants run. Production: an OpenClaw runtime image id (openclaw.runtime), imported before the
  // install (clawhive-image import). Else a plain program (tenant_defaults.agent_exec, absolute path).
  // Listing tenants with neither is an error: nothing shipped can run them.
  std::string runtime;
  std::string agent_exec;
  uint64_t headroom_memory = 2ull << 30;  // what the host keeps for itself
  uint64_t headroom_cpu_percent = 50;     // of the whole host, < 100
  std::vector<TenantAnswer> tenants;
};

// Parses YAML text; `filename` is used in messages only. kInvalidArgument with "file:line:col: ...".
Result<Answers> ParseAnswers(const std::string& yaml_text, const std::string& filename);
// Reads (at most 1 MiB) and parses a file.
Result<Answers> LoadAnswers(const std::string& path);

}  // namespace clawhive::installer
